/**
 * The RDS Data API transport (v2, Aurora PostgreSQL).
 *
 * One statement per ExecuteStatement call; a batch runs in BeginTransaction … CommitTransaction with
 * strictly sequential calls. The SDK client makes one attempt per call: retries are decided here per
 * error class (retry.ts). A CommitTransaction is never re-sent: when its reply is lost the outcome
 * is unknown and the engine settles it by reading the meta table.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type ArrayValue,
  type ColumnMetadata,
  type ExecuteStatementCommandOutput,
  type Field,
  type SqlParameter
} from '@aws-sdk/client-rds-data'
import {
  CommitOutcomeUnknownError,
  DatabaseError,
  TransportError,
  errorMessage,
  type SqlErrorInfo
} from '../errors.js'
import { timestampToIso } from './postgres.js'
import { classifyError, defaultSleep, errorName, withRetry, type RetryOptions } from './retry.js'
import { guardFailure, type QueryResult, type Row, type SqlParams, type SqlValue, type Target, type TransactionResult, type TxStatement } from './target.js'

/** The service rejects longer `sql` (the SDK does not check). */
export const MAX_SQL_LENGTH = 65_536

export interface DataApiTargetOptions {
  resourceArn: string
  secretArn: string
  database?: string
  log?: (msg: string) => void
  sleep?: (ms: number) => Promise<void>
  /** Clock for the resume timeout (tests pass a fake one together with `sleep`). */
  now?: () => number
  /** How long to wait for a cluster resuming from auto-pause. Default 300000 (5 min). */
  resumeTimeoutMs?: number
  /** Overrides the endpoint the SDK would resolve (AWS_ENDPOINT_URL_RDS_DATA works too). */
  endpoint?: string
  client?: RDSDataClient
}

// ---------------------------------------------------------------------------------------------
// Error text
// ---------------------------------------------------------------------------------------------

const LABELS = ['Detail', 'Hint', 'Position', 'Where', 'SQLState', 'Internal Position', 'Internal Query', 'Location', 'Routine', 'File', 'Line']
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

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

function toParameters(params: SqlParams | undefined): SqlParameter[] | undefined {
  if (!params) return undefined
  const entries = Object.entries(params)
  if (entries.length === 0) return undefined
  return entries.map(([name, value]): SqlParameter => {
    if (value === null || value === undefined) return { name, value: { isNull: true } }
    if (typeof value === 'boolean') return { name, value: { booleanValue: value } }
    if (typeof value === 'number') {
      return Number.isSafeInteger(value) ? { name, value: { longValue: value } } : { name, value: { doubleValue: value } }
    }
    return { name, value: { stringValue: String(value) } }
  })
}

const SMALL_INTEGER_TYPES = new Set(['int2', 'int4', 'smallint', 'integer', 'serial', 'smallserial', 'oid'])
const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamptz'])

function arrayToJson(value: ArrayValue | null): unknown[] | null {
  if (value === null) return null
  if (value.arrayValues) return value.arrayValues.map(arrayToJson)
  return value.booleanValues ?? value.longValues ?? value.doubleValues ?? value.stringValues ?? []
}

/** A Data API field → the same shape the pg transport returns for the same column type. */
function fieldValue(field: Field, column: ColumnMetadata | undefined): SqlValue {
  const typeName = column?.typeName?.toLowerCase() ?? ''
  if (field.isNull) return null
  if (field.booleanValue !== undefined) return field.booleanValue
  if (field.longValue !== undefined) {
    // int8 stays a string, as pg returns it (its range exceeds a JS number's exact integers).
    return typeName === '' || SMALL_INTEGER_TYPES.has(typeName) ? field.longValue : String(field.longValue)
  }
  if (field.doubleValue !== undefined) return field.doubleValue
  if (field.stringValue !== undefined) {
    return TIMESTAMP_TYPES.has(typeName) ? timestampToIso(field.stringValue) : field.stringValue
  }
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString('base64')
  if (field.arrayValue !== undefined) return JSON.stringify(arrayToJson(field.arrayValue))
  return null
}

function toQueryResult(output: ExecuteStatementCommandOutput): QueryResult {
  const columns = output.columnMetadata ?? []
  if (columns.length === 0 || !output.records) {
    return { rows: [], rowCount: output.numberOfRecordsUpdated ?? 0 }
  }
  const rows: Row[] = output.records.map((record) => {
    const row: Row = {}
    record.forEach((field, i) => {
      const column = columns[i]
      row[column?.label || column?.name || `column${i + 1}`] = fieldValue(field, column)
    })
    return row
  })
  return { rows, rowCount: rows.length }
}

function tooLong(sql: string): SqlErrorInfo | undefined {
  if (sql.length <= MAX_SQL_LENGTH) return undefined
  return {
    message:
      `The statement is ${sql.length.toLocaleString('en-US')} characters long; the Data API accepts at most ` +
      `${MAX_SQL_LENGTH.toLocaleString('en-US')} characters per statement. Split it into smaller statements, ` +
      `or apply it through database-url.`
  }
}

// ---------------------------------------------------------------------------------------------
// The target
// ---------------------------------------------------------------------------------------------

function clusterName(resourceArn: string): string {
  const match = /:cluster:([^:/]+)$/.exec(resourceArn) ?? /:db:([^:/]+)$/.exec(resourceArn)
  return match ? match[1] : (resourceArn.split(':').pop() ?? resourceArn)
}

/** What to do about the service errors a first setup meets. */
const HINTS: Record<string, string> = {
  StatementTimeoutException: 'The statement ran longer than the Data API allows for one call (45 s).',
  HttpEndpointNotEnabledException: 'Enable the Data API on the cluster: aws rds enable-http-endpoint --resource-arn <cluster ARN>.',
  AccessDeniedException:
    'The role needs rds-data:ExecuteStatement, BeginTransaction, CommitTransaction and RollbackTransaction on the cluster, and secretsmanager:GetSecretValue on the secret.',
  ForbiddenException: 'The role is not allowed to use the Data API on this cluster, or the secret: check its IAM policy.',
  CredentialsProviderError: 'No AWS credentials were found: add aws-actions/configure-aws-credentials before this step.',
  InvalidSecretException: 'The secret must be the JSON of an RDS database secret (username and password) for this cluster.',
  DatabaseNotFoundException: 'Check the database input: that database does not exist on the cluster.'
}

export function createDataApiTarget(options: DataApiTargetOptions): Target {
  return new DataApiTarget(options)
}

class DataApiTarget implements Target {
  readonly description: string
  private readonly client: RDSDataClient
  private readonly ownsClient: boolean
  private readonly log: (msg: string) => void
  private readonly retry: Omit<RetryOptions, 'idempotent'>

  constructor(private readonly options: DataApiTargetOptions) {
    this.description = `data-api ${clusterName(options.resourceArn)}${options.database ? `/${options.database}` : ''}`
    this.log = options.log ?? (() => {})
    this.ownsClient = !options.client
    this.client =
      options.client ?? new RDSDataClient({ maxAttempts: 1, ...(options.endpoint ? { endpoint: options.endpoint } : {}) })
    this.retry = {
      sleep: options.sleep ?? defaultSleep,
      now: options.now,
      resumeTimeoutMs: options.resumeTimeoutMs ?? 300_000,
      log: this.log
    }
  }

  private get base() {
    return { resourceArn: this.options.resourceArn, secretArn: this.options.secretArn }
  }

  async query(sql: string, params?: SqlParams): Promise<QueryResult> {
    const length = tooLong(sql)
    if (length) throw new DatabaseError(length)
    try {
      const output = await withRetry(
        () =>
          this.client.send(
            new ExecuteStatementCommand({
              ...this.base,
              database: this.options.database,
              sql,
              parameters: toParameters(params),
              includeResultMetadata: true
            })
          ),
        // Only idempotent statements go through query(), so a 5xx or a lost reply may be re-sent.
        { ...this.retry, idempotent: true }
      )
      return toQueryResult(output)
    } catch (error) {
      throw this.translate(error, 'ExecuteStatement')
    }
  }

  async transaction(statements: TxStatement[]): Promise<TransactionResult> {
    for (let index = 0; index < statements.length; index++) {
      const error = tooLong(statements[index].sql)
      if (error) return { ok: false, failedIndex: index, error }
    }

    let transactionId: string
    try {
      const begun = await withRetry(
        () => this.client.send(new BeginTransactionCommand({ ...this.base, database: this.options.database })),
        { ...this.retry, idempotent: true }
      )
      if (!begun.transactionId) throw new Error('BeginTransaction returned no transactionId')
      transactionId = begun.transactionId
    } catch (error) {
      throw this.translate(error, 'BeginTransaction')
    }

    const results: QueryResult[] = []
    for (let index = 0; index < statements.length; index++) {
      const statement = statements[index]
      let result: QueryResult
      try {
        const output = await withRetry(
          () =>
            this.client.send(
              new ExecuteStatementCommand({
                ...this.base,
                database: this.options.database,
                transactionId,
                sql: statement.sql,
                parameters: toParameters(statement.params),
                includeResultMetadata: true
              })
            ),
          // A statement inside a transaction is never re-sent after a failure that may have run it.
          { ...this.retry, idempotent: false }
        )
        result = toQueryResult(output)
      } catch (error) {
        const kind = classifyError(error)
        // On v2 an SQL error has already ended the transaction; the rollback is for older behaviour.
        await this.rollback(transactionId)
        if (kind === 'sql') return { ok: false, failedIndex: index, error: parseDataApiError(errorMessage(error)) }
        if (errorName(error) === 'StatementTimeoutException') {
          return {
            ok: false,
            failedIndex: index,
            error: {
              message:
                'The statement ran longer than the Data API allows for one call (45 s) and was abandoned; the ' +
                'transaction was rolled back. Run long statements through database-url, or make them faster.'
            }
          }
        }
        throw new TransportError(
          `${errorName(error)} at statement ${index + 1} of ${statements.length}: ${errorMessage(error)}. ` +
            `The transaction was rolled back; nothing of it was committed.`,
          errorName(error),
          false,
          { cause: error }
        )
      }
      const refused = guardFailure(statement, result, index)
      if (refused) {
        await this.rollback(transactionId)
        return refused
      }
      results.push(result)
    }

    try {
      // Resuming and throttling answers mean the commit was not executed: those alone are retried.
      await withRetry(() => this.client.send(new CommitTransactionCommand({ ...this.base, transactionId })), {
        ...this.retry,
        idempotent: false
      })
    } catch (error) {
      const kind = classifyError(error)
      const name = errorName(error)
      if (kind === 'sql') {
        // A definite answer: COMMIT failed (a deferred constraint, a serialization failure).
        await this.rollback(transactionId)
        const info = parseDataApiError(errorMessage(error))
        return { ok: false, failedIndex: Math.max(0, statements.length - 1), error: { ...info, message: `COMMIT failed: ${info.message}` } }
      }
      // A lost reply, a 5xx, or a COMMIT that outlived the call: it may have been committed.
      if (kind === 'transient' || name === 'StatementTimeoutException') {
        // Find out before anything else: a rollback that succeeds proves the commit never happened
        // (and frees the locks the open transaction holds); "not found" means it committed or expired.
        if ((await this.settleLostCommit(transactionId)) === 'rolled-back') {
          throw new TransportError(
            `CommitTransaction got no reply (${name}: ${errorMessage(error)}); a RollbackTransaction then succeeded, so nothing of the transaction was committed.`,
            name,
            false,
            { cause: error }
          )
        }
        throw new CommitOutcomeUnknownError(
          `CommitTransaction got no definite answer (${name}: ${errorMessage(error)}); whether the transaction was committed is unknown.`,
          { cause: error }
        )
      }
      if (name !== 'TransactionNotFoundException') await this.rollback(transactionId)
      throw new TransportError(
        `CommitTransaction was refused (${name}: ${errorMessage(error)}); nothing of the transaction was committed.`,
        name,
        false,
        { cause: error }
      )
    }
    return { ok: true, results }
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy()
  }

  /**
   * After a CommitTransaction without a reply: RollbackTransaction either succeeds (the commit never
   * ran), answers TransactionNotFoundException (it committed, or the transaction is gone), or finds
   * the commit still running, in which case it waits and asks again.
   */
  private async settleLostCommit(transactionId: string): Promise<'rolled-back' | 'unknown'> {
    for (let attempt = 1; attempt <= 10; attempt++) {
      try {
        await withRetry(() => this.client.send(new RollbackTransactionCommand({ ...this.base, transactionId })), { ...this.retry, idempotent: true })
        return 'rolled-back'
      } catch (error) {
        const busy = /still running a query/i.test(errorMessage(error))
        if (!busy) return 'unknown'
        await (this.retry.sleep ?? defaultSleep)(Math.min(1000 * attempt, 5000))
      }
    }
    return 'unknown'
  }

  /** Best effort: the transaction may already be gone (aborted by an SQL error, or expired). */
  private async rollback(transactionId: string): Promise<void> {
    try {
      await withRetry(() => this.client.send(new RollbackTransactionCommand({ ...this.base, transactionId })), {
        ...this.retry,
        idempotent: true
      })
    } catch (error) {
      if (errorName(error) !== 'TransactionNotFoundException') {
        this.log(`RollbackTransaction failed (${errorName(error)}: ${errorMessage(error)}); the service rolls it back when it expires.`)
      }
    }
  }

  private translate(error: unknown, operation: string): DatabaseError | TransportError {
    if (error instanceof DatabaseError || error instanceof TransportError) return error
    if (classifyError(error) === 'sql') return new DatabaseError(parseDataApiError(errorMessage(error)))
    const code = (error as { code?: unknown } | null)?.code
    const name = errorName(error) === 'Error' && typeof code === 'string' ? code : errorName(error)
    const hint = HINTS[name] ? ` ${HINTS[name]}` : ''
    return new TransportError(`${operation} failed on ${this.description} (${name}): ${errorMessage(error)}.${hint}`, name, false, {
      cause: error
    })
  }
}
