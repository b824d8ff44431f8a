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
  'Error [Cc]ode',
  'Internal Position',
  'Internal Query',
  'Location',
  'Routine',
  'File',
  'Line'
]
const PART_SEPARATOR = new RegExp(`(?:;\\s+|\\r?\\n\\s*)(?=(?:${LABELS.join('|')}):\\s?)`)
/** v1's prefix; its number is the server's error number (pgjdbc always says 0). */
const V1_PREFIX = /^Database error code:\s*(-?\d+)\.\s*Message:\s*/i
/** The reference client's form, `ERROR 1146 (42S02): Table 't' doesn't exist`. */
const CLIENT_FORM = /^ERROR\s+(\d+)\s+\(([0-9A-Z]{5})\):\s*/

/**
 * Reads the SQL error out of a Data API message:
 * - v2 PostgreSQL (pgjdbc): `ERROR: <message>; Detail: …; Hint: …; Position: N; SQLState: XXXXX` (parts optional)
 * - v2 MySQL (Connector/J; the exact form is undocumented): `<message>; Error code: N; SQLState: XXXXX`, the
 *   two parts in either order, either one alone
 * - v1: `Database error code: N. Message: <message>`, pgjdbc's parts newline-separated; N is MySQL's error
 *   number (PostgreSQL's is always 0)
 * - the reference client's `ERROR N (XXXXX): <message>`
 * - a bare message (`Database returned SQL Exception`, or the server's text alone)
 * `errno` is the server's error number where the text carries one; `message` never repeats the parts.
 */
export function parseDataApiError(message: string): SqlErrorInfo {
  let text = String(message ?? '').trim()
  let errno: number | undefined
  let sqlState: string | undefined
  const v1 = V1_PREFIX.exec(text)
  if (v1) {
    if (Number(v1[1]) > 0) errno = Number(v1[1])
    text = text.slice(v1[0].length)
  }
  const client = CLIENT_FORM.exec(text)
  if (client) {
    errno = Number(client[1])
    sqlState = client[2]
    text = text.slice(client[0].length)
  }
  const [first, ...rest] = text.split(PART_SEPARATOR)
  const info: SqlErrorInfo = { message: first.replace(/^(ERROR|FATAL|PANIC):\s*/, '').trim() || text }
  if (sqlState) info.sqlState = sqlState
  for (const part of rest) {
    const colon = part.indexOf(':')
    const label = part.slice(0, colon).trim()
    const value = part.slice(colon + 1).trim()
    if (label === 'SQLState' && /^[0-9A-Z]{5}$/.test(value)) info.sqlState = value
    else if (/^Error code$/i.test(label) && /^\d+$/.test(value)) errno = Number(value)
    else if (label === 'Position' && /^\d+$/.test(value)) info.position = Number(value)
    else if (label === 'Detail' && value) info.detail = value
    else if (label === 'Hint' && value) info.hint = value
  }
  if (errno !== undefined) info.errno = errno
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
