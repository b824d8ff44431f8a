/**
 * The RDS Data API transport (v2, Aurora PostgreSQL).
 *
 * One statement per ExecuteStatement call; a batch runs in BeginTransaction … CommitTransaction with
 * strictly sequential calls. A batch whose results are not needed (a version) runs packed instead: one
 * block in one autocommit call (data-api/packed.ts), and statement by statement (data-api/transaction.ts)
 * only where packing would change what it does (`packing: false` forces that path, for comparison). The
 * SDK client makes one attempt per call, and gives up on a call that
 * gets no answer within 60 s (aws-http.ts): retries are decided here per error class (retry.ts). A
 * CommitTransaction is never re-sent: when its reply is lost (or never comes) the outcome is unknown
 * and the engine settles it by reading the meta table.
 *
 * One call may last at most 45 s. A migration statement that needs longer and can run outside a
 * transaction is sent with `longRunning` (see `runLongStatement`): it goes on server-side after the
 * call times out, and the target waits for it by watching the server's activity. Inside a transaction
 * there is no such way out: the statement fails the transaction (see `transaction`).
 *
 * Session statements (`session`: MySQL's lock_wait_timeout for a DDL) cannot be sent on their own: every call
 * is a fresh session. They run with their statement in one server-side unit (data-api/session.ts).
 */
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data'
import { DatabaseError, TransportError, errorMessage } from '../../errors.js'
import { DATA_API_REQUEST_TIMEOUT_MS, requestHandlerOptions } from '../aws-http.js'
import { classifyError, errorName, withRetry, type RetryOptions } from '../retry.js'
import type { QueryOptions, QueryResult, SqlParams, Target, TransactionOptions, TransactionResult, TxStatement } from '../target.js'
import type { WireDialect } from '../wire.js'
import { HINTS, MAX_SQL_LENGTH, bareText, parseDataApiError, tooLong } from './errors.js'
import { waitForStatement, type LongStatementContext } from './long-statement.js'
import { runPackedTransaction, type PackedTransport } from './packed.js'
import { queryWithSession, type SessionCalls } from './session.js'
import { MAX_PAUSE_IN_TRANSACTION_MS, StatementPerCall } from './transaction.js'
import { toParameters, toQueryResult } from './values.js'
import { realSleep } from '../../text.js'

export interface DataApiTargetOptions {
  resourceArn: string
  secretArn: string
  database?: string
  /** The SQL dialect's part for transports: packing, and finding a statement still running. */
  wire: WireDialect
  log?: (msg: string) => void
  sleep?: (ms: number) => Promise<void>
  /** Clock for the resume timeout (tests pass a fake one together with `sleep`). */
  now?: () => number
  /** A number in [0, 1), for the jitter of backoffs (tests pass a fixed one). Default Math.random. */
  random?: () => number
  /** How long to wait for a cluster resuming from auto-pause. Default 300000 (5 min). */
  resumeTimeoutMs?: number
  /**
   * How long one call may take before it counts as a lost reply. Default 60000: the service ends every
   * call after 45 s. Ignored when `client` is given.
   */
  requestTimeoutMs?: number
  /** Overrides the endpoint the SDK would resolve (AWS_ENDPOINT_URL_RDS_DATA works too). */
  endpoint?: string
  client?: RDSDataClient
  /**
   * Whether a transaction whose results are not needed runs packed: one autocommit call per version
   * (the wire dialect's `pack`). Default true; false runs every transaction statement by statement (the
   * baseline the benchmark compares with).
   */
  packing?: boolean
}

/**
 * How long a refused (throttled) call inside a transaction is retried. The service rolls back a
 * transaction that sees no call for 3 minutes, and a refused call does not count as one: 2 minutes of
 * retries leave a minute for the call that succeeds.
 */
const THROTTLE_WINDOW_IN_TRANSACTION_MS = 120_000

function clusterName(resourceArn: string): string {
  const match = /:cluster:([^:/]+)$/.exec(resourceArn) ?? /:db:([^:/]+)$/.exec(resourceArn)
  return match ? match[1] : (resourceArn.split(':').pop() ?? resourceArn)
}

export function createDataApiTarget(options: DataApiTargetOptions): Target {
  return new DataApiTarget(options)
}

class DataApiTarget implements Target {
  readonly description: string
  /** Every call is a fresh session: the engine prefers one routine per version where its dialect has one. */
  readonly callsAreSessions = { maxSqlChars: MAX_SQL_LENGTH }
  private readonly client: RDSDataClient
  private readonly ownsClient: boolean
  private readonly log: (msg: string) => void
  private readonly retry: Omit<RetryOptions, 'idempotent'>
  /** `retry` for calls made while a transactionId is open: no single pause longer than 10 s. */
  private readonly inTransactionRetry: Omit<RetryOptions, 'idempotent'>
  private readonly sleep: (ms: number) => Promise<void>
  private readonly now: () => number
  private readonly random: () => number
  /** What waiting for a statement left running server-side uses. */
  private readonly waiting: LongStatementContext
  /** What a packed transaction uses. */
  private readonly packedTransport: PackedTransport
  /** Transactions one statement per call. */
  private readonly perCall: StatementPerCall
  /** What a statement with session statements uses. */
  private readonly sessionCalls: SessionCalls

  constructor(private readonly options: DataApiTargetOptions) {
    this.description = `data-api ${clusterName(options.resourceArn)}${options.database ? `/${options.database}` : ''}`
    this.log = options.log ?? (() => {})
    this.ownsClient = !options.client
    this.client =
      options.client ??
      new RDSDataClient({
        maxAttempts: 1,
        requestHandler: requestHandlerOptions(options.requestTimeoutMs ?? DATA_API_REQUEST_TIMEOUT_MS),
        ...(options.endpoint ? { endpoint: options.endpoint } : {})
      })
    this.sleep = options.sleep ?? realSleep
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    this.retry = {
      sleep: this.sleep,
      now: this.now,
      random: this.random,
      resumeTimeoutMs: options.resumeTimeoutMs ?? 300_000,
      log: this.log
    }
    this.waiting = {
      query: (sql, params) => this.query(sql, params),
      log: this.log,
      now: this.now,
      sleep: this.sleep,
      probe: options.wire.runningStatement
    }
    this.packedTransport = {
      statementPerCall: (statements, end) => this.perCall.run(statements, end),
      sendOnce: (sql) => this.sendOnce(sql),
      translate: (error) => this.translate(error, 'ExecuteStatement'),
      waiting: this.waiting,
      wire: options.wire
    }
    this.inTransactionRetry = {
      ...this.retry,
      throttleTimeoutMs: THROTTLE_WINDOW_IN_TRANSACTION_MS,
      throttleMaxPauseMs: MAX_PAUSE_IN_TRANSACTION_MS
    }
    this.perCall = new StatementPerCall({
      client: this.client,
      base: this.base,
      database: options.database,
      execute: (sql, params, extra) => this.execute(sql, params, extra),
      retry: this.retry,
      inTransactionRetry: this.inTransactionRetry,
      translate: (error, operation) => this.translate(error, operation),
      log: this.log,
      now: this.now,
      sleep: this.sleep,
      random: this.random
    })
    this.sessionCalls = {
      client: this.client,
      base: this.base,
      database: options.database,
      wire: options.wire,
      execute: (sql, params, extra) => this.execute(sql, params, extra),
      retry: this.retry,
      inTransactionRetry: this.inTransactionRetry,
      translate: (error, operation) => this.translate(error, operation),
      waiting: this.waiting,
      log: this.log,
      now: this.now
    }
  }

  private get base() {
    return { resourceArn: this.options.resourceArn, secretArn: this.options.secretArn }
  }

  /** One ExecuteStatement of ours: always with column names, on the configured database. */
  private execute(
    sql: string,
    params: SqlParams | undefined,
    extra: { transactionId?: string; continueAfterTimeout?: boolean } = {}
  ): ExecuteStatementCommand {
    return new ExecuteStatementCommand({
      ...this.base,
      database: this.options.database,
      ...extra,
      sql,
      parameters: toParameters(params),
      includeResultMetadata: true
    })
  }

  async query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    const length = tooLong(sql)
    if (length) throw new DatabaseError(length)
    if (options?.session?.length) return queryWithSession(this.sessionCalls, sql, params, options.session, options.longRunning)
    if (options?.longRunning) return this.runLongStatement(sql, params, options.longRunning)
    try {
      const output = await withRetry(
        () => this.client.send(this.execute(sql, params)),
        // Only idempotent statements go through query(), so a 5xx or a lost reply may be re-sent.
        { ...this.retry, idempotent: true }
      )
      return toQueryResult(output)
    } catch (error) {
      throw this.translate(error, 'ExecuteStatement')
    }
  }

  /**
   * A statement that may outlast one call (45 s), run outside a transaction:
   *
   * 1. Sent once with `continueAfterTimeout: true`. Only answers proving it did not run (resuming,
   *    throttling) are retried; it is never re-sent after anything that may have run it.
   * 2. A normal reply: done, as for any query.
   * 3. StatementTimeoutException: the statement goes on server-side. Its backend is looked up in
   *    the server's activity every few seconds through ordinary short queries (the wire dialect's
   *    `runningStatement`), and its progress logged every 15 s where the server reports it.
   *    - Still running after `timeoutMs` (counted from when it was sent; null: no limit of ours): a
   *      TransportError saying so. It is not cancelled.
   *    - Gone: it finished, but the Data API never reports how. PostgreSQL keeps no record of a past
   *      statement's result, so success cannot be told from failure here: the result is
   *      StatementOutcomeUnknownError, never a success. The engine then reads the catalog (an index
   *      exists and is valid) or fails the version saying the outcome is unknown.
   * 4. A 5xx or a lost reply: it may have run, may still be running, or may never have started.
   *    It is handled as in 3, ending in StatementOutcomeUnknownError when no backend runs it.
   */
  private async runLongStatement(
    sql: string,
    params: SqlParams | undefined,
    { timeoutMs, runningWhile }: NonNullable<QueryOptions['longRunning']>
  ): Promise<QueryResult> {
    const started = this.now()
    try {
      const output = await withRetry(
        () => this.client.send(this.execute(sql, params, { continueAfterTimeout: true })),
        // Resuming and throttling alone are retried: they prove the statement never ran.
        { ...this.retry, idempotent: false }
      )
      return toQueryResult(output)
    } catch (error) {
      const name = errorName(error)
      if (name === 'StatementTimeoutException' || classifyError(error) === 'transient') {
        throw await waitForStatement(this.waiting, sql, started, timeoutMs, error, undefined, runningWhile)
      }
      throw this.translate(error, 'ExecuteStatement')
    }
  }

  /**
   * The service rolls back a transaction that sees no call for 3 minutes. Between BeginTransaction and
   * the end of the transaction this method never pauses on its own account: statements are sent back
   * to back, and the only waits are inside withRetry, for answers that prove the call did not run:
   * - throttling: pauses of at most 10 s each (a longer Retry-After is cut to 10 s), for at most 2
   *   minutes since the first refusal (`inTransactionRetry`), under the 3-minute idle limit;
   * - resuming from auto-pause, which may wait up to resume-timeout. A cluster only pauses when it has
   *   had no connection for a while, and an open transaction holds one, so a resuming answer cannot
   *   come while our transaction is alive: it is already gone (the next call with its id answers
   *   TransactionNotFoundException), and waiting for the cluster costs it nothing.
   * Transient failures (5xx, lost replies, calls past the client's request timeout) inside the
   * transaction are not retried at all, and settleLostCommit only waits while the COMMIT is still
   * running, when the transaction is busy, not idle. BeginTransaction may wait as usual: no transaction
   * is open yet. A transaction given up on for any reason is ended (`rollback`): its RollbackTransaction
   * is retried with backoff so that it does not hold its locks until the idle limit.
   */
  async transaction(statements: TxStatement[], options: TransactionOptions = {}): Promise<TransactionResult> {
    for (let index = 0; index < statements.length; index++) {
      const error = tooLong(statements[index].sql)
      if (error) return { ok: false, phase: 'statement', failedIndex: index, failedLabel: statements[index].label, error }
    }
    if (options.resultsNeeded === false && this.options.packing !== false && this.options.wire.packable(statements)) {
      const packed = await runPackedTransaction(this.packedTransport, statements)
      if (packed) return packed
    }
    const result = await this.perCall.run(statements, 'commit')
    // Results not needed: answered as the packed form answers (none, and a failed guard without its rows),
    // whichever way the statements ran, as the other transports do.
    if (options.resultsNeeded !== false) return result
    if (result.ok) return { ok: true, results: [] }
    const { guardRows: _unused, ...failure } = result
    return failure
  }

  /** One autocommit call with continueAfterTimeout, sent once (resuming and throttling alone are retried: they prove it never ran). */
  private async sendOnce(sql: string): Promise<void> {
    await withRetry(() => this.client.send(this.execute(sql, undefined, { continueAfterTimeout: true })), {
      ...this.retry,
      idempotent: false
    })
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy()
  }

  private translate(error: unknown, operation: string): DatabaseError | TransportError {
    if (error instanceof DatabaseError || error instanceof TransportError) return error
    if (classifyError(error) === 'sql') return new DatabaseError(parseDataApiError(errorMessage(error)))
    const code = (error as { code?: unknown } | null)?.code
    const name = errorName(error) === 'Error' && typeof code === 'string' ? code : errorName(error)
    const hint = HINTS[name] ? ` ${HINTS[name]}` : ''
    return new TransportError(
      `${operation} failed on ${this.description} (${name}): ${bareText(errorMessage(error))}.${hint}`,
      name,
      false,
      {
        cause: error
      }
    )
  }
}
