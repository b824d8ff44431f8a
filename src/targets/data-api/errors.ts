/** The Data API's error text: SQL errors read out of its messages, and what its own errors mean. */
import type { SqlErrorInfo } from '../../errors.js'
import { preview } from '../../text.js'

/** The service rejects longer `sql` (the SDK does not check). */
export const MAX_SQL_LENGTH = 65_536

const LABELS = [
  'Detail',
  'Hint',
  'Position',
  'Where',
  'SQLState',
  'Internal Position',
  'Internal Query',
  'Location',
  'Routine',
  'File',
  'Line'
]
const PART_SEPARATOR = new RegExp(`(?:;\\s+|\\r?\\n\\s*)(?=(?:${LABELS.join('|')}):\\s?)`)

/**
 * Reads the SQL error out of a Data API message:
 * - v2: `ERROR: <message>; Detail: …; Hint: …; Position: N; SQLState: XXXXX` (parts optional)
 * - v1: `Database error code: N. Message: ERROR: <message>` with pgjdbc's newline-separated parts
 * - a bare `Database returned SQL Exception` (no details at all)
 */
export function parseDataApiError(message: string): SqlErrorInfo {
  let text = String(message ?? '').trim()
  text = text.replace(/^Database error code:\s*-?\d+\.\s*Message:\s*/i, '')
  const [first, ...rest] = text.split(PART_SEPARATOR)
  const info: SqlErrorInfo = { message: first.replace(/^(ERROR|FATAL|PANIC):\s*/, '').trim() || text }
  for (const part of rest) {
    const colon = part.indexOf(':')
    const label = part.slice(0, colon).trim()
    const value = part.slice(colon + 1).trim()
    if (label === 'SQLState' && /^[0-9A-Z]{5}$/.test(value)) info.sqlState = value
    else if (label === 'Position' && /^\d+$/.test(value)) info.position = Number(value)
    else if (label === 'Detail' && value) info.detail = value
    else if (label === 'Hint' && value) info.hint = value
  }
  return info
}

export function tooLong(sql: string): SqlErrorInfo | undefined {
  if (sql.length <= MAX_SQL_LENGTH) return undefined
  return {
    message:
      `The statement is ${sql.length.toLocaleString('en-US')} characters long; the Data API accepts at most ` +
      `${MAX_SQL_LENGTH.toLocaleString('en-US')} characters per statement. Split it into smaller statements, ` +
      `or apply it through database-url.`
  }
}

/** The first 80 characters of a statement, on one line, for messages. */
export function sqlPreview(sql: string): string {
  return `"${preview(sql, 80)}"`
}

/** What to do about the service errors a first setup meets. */
export const HINTS: Record<string, string> = {
  StatementTimeoutException: 'The statement ran longer than the Data API allows for one call (45 s).',
  ThrottlingException:
    "The Data API kept throttling requests for 5 minutes (with backoff): the account's request rate for the Data API is used up. " +
    'Re-run later, or spread the deploys that use this cluster.',
  TimeoutError:
    "The call got no answer within the client's request timeout (the Data API ends a call after 45 s): " +
    'the endpoint or the network did not answer.',
  HttpEndpointNotEnabledException: 'Enable the Data API on the cluster: aws rds enable-http-endpoint --resource-arn <cluster ARN>.',
  AccessDeniedException:
    'The role needs rds-data:ExecuteStatement, BeginTransaction, CommitTransaction and RollbackTransaction on the cluster, and secretsmanager:GetSecretValue on the secret.',
  ForbiddenException: 'The role is not allowed to use the Data API on this cluster, or the secret: check its IAM policy.',
  CredentialsProviderError: 'No AWS credentials were found: add aws-actions/configure-aws-credentials before this step.',
  InvalidSecretException: 'The secret must be the JSON of an RDS database secret (username and password) for this cluster.',
  DatabaseNotFoundException: 'Check the database input: that database does not exist on the cluster.'
}

/** How a transaction given up on ended. */
export type TransactionEnd = { kind: 'rolled-back' } | { kind: 'gone' } | { kind: 'not-ended'; reason: string; seconds: number }

export function describeEnd(end: TransactionEnd): string {
  if (end.kind === 'rolled-back') return 'the transaction was rolled back'
  if (end.kind === 'gone') return 'the transaction had already ended'
  return (
    `the transaction could not be rolled back (RollbackTransaction, tried for ${end.seconds} s, answered ${bareText(end.reason)}): ` +
    'the service rolls it back once it has seen no call for 3 minutes, and until then it holds its locks'
  )
}

export function bareText(message: string): string {
  return message.trim().replace(/[.\s]+$/, '')
}
