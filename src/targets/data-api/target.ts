/**
 * The RDS Data API transport (v2, Aurora PostgreSQL).
 *
 * One statement per ExecuteStatement call; a batch runs in BeginTransaction … CommitTransaction with
 * strictly sequential calls. A batch whose results are not needed (a version) runs packed instead: one
 * DO block in one autocommit call (data-api/packed.ts), and statement by statement only where packing
 * would change what it does (`packing: false` forces that path, for comparison). The SDK client makes one attempt per call, and gives up on a call that
 * gets no answer within 60 s (aws-http.ts): retries are decided here per error class (retry.ts). A
 * CommitTransaction is never re-sent: when its reply is lost (or never comes) the outcome is unknown
 * and the engine settles it by reading the meta table.
 *
 * One call may last at most 45 s. A migration statement that needs longer and can run outside a
 * transaction is sent with `longRunning` (see `runLongStatement`): it goes on server-side after the
 * call times out, and the target waits for it by watching pg_stat_activity. Inside a transaction
 * there is no such way out: the statement fails the transaction (see `transaction`).
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand
} from '@aws-sdk/client-rds-data'
import { CommitOutcomeUnknownError, DatabaseError, TransportError, errorMessage } from '../../errors.js'
import { DATA_API_REQUEST_TIMEOUT_MS, requestHandlerOptions } from '../aws-http.js'
import { packable } from '../packed.js'
import { backoffMs, classifyError, defaultSleep, errorName, withRetry, type RetryOptions } from '../retry.js'
import {
  guardFailure,
  type QueryOptions,
  type QueryResult,
  type SqlParams,
  type Target,
  type TransactionOptions,
  type TransactionResult,
  type TxStatement
} from '../target.js'
import { HINTS, bareText, describeEnd, parseDataApiError, sqlPreview, tooLong, type TransactionEnd } from './errors.js'
import { waitForStatement, type LongStatementContext } from './long-statement.js'
import { runPackedTransaction, type PackedTransport } from './packed.js'
import { toParameters, toQueryResult } from './values.js'

export interface DataApiTargetOptions {
  resourceArn: string
  secretArn: string
  database?: string
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
   * (targets/packed.ts). Default true; false runs every transaction statement by statement (the
   * baseline the benchmark compares with).
   */
  packing?: boolean
}

/** The longest single pause while a transaction is open (its idle limit is 3 minutes). */
const MAX_PAUSE_IN_TRANSACTION_MS = 10_000
/**
 * How long a refused (throttled) call inside a transaction is retried. The service rolls back a
 * transaction that sees no call for 3 minutes, and a refused call does not count as one: 2 minutes of
 * retries leave a minute for the call that succeeds.
 */
const THROTTLE_WINDOW_IN_TRANSACTION_MS = 120_000
/**
 * How long a transaction given up on is tried to be ended (RollbackTransaction retried): past the
 * service's 3-minute idle limit it ends by itself anyway.
 */
const END_TRANSACTION_WINDOW_MS = 150_000

function clusterName(resourceArn: string): string {
  const match = /:cluster:([^:/]+)$/.exec(resourceArn) ?? /:db:([^:/]+)$/.exec(resourceArn)
  return match ? match[1] : (resourceArn.split(':').pop() ?? resourceArn)
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
  /** `retry` for calls made while a transactionId is open: no single pause longer than 10 s. */
  private readonly inTransactionRetry: Omit<RetryOptions, 'idempotent'>
  private readonly sleep: (ms: number) => Promise<void>
  private readonly now: () => number
  private readonly random: () => number
  /** What waiting for a statement left running server-side uses. */
  private readonly waiting: LongStatementContext
  /** What a packed transaction uses. */
  private readonly packedTransport: PackedTransport

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
    this.sleep = options.sleep ?? defaultSleep
    this.now = options.now ?? Date.now
    this.random = options.random ?? Math.random
    this.retry = {
      sleep: this.sleep,
      now: this.now,
      random: this.random,
      resumeTimeoutMs: options.resumeTimeoutMs ?? 300_000,
      log: this.log
    }
    this.waiting = { query: (sql, params) => this.query(sql, params), log: this.log, now: this.now, sleep: this.sleep }
    this.packedTransport = {
      statementPerCall: (statements, end) => this.statementPerCall(statements, end),
      sendOnce: (sql) => this.sendOnce(sql),
      translate: (error) => this.translate(error, 'ExecuteStatement'),
      waiting: this.waiting
    }
    this.inTransactionRetry = {
      ...this.retry,
      throttleTimeoutMs: THROTTLE_WINDOW_IN_TRANSACTION_MS,
      throttleMaxPauseMs: MAX_PAUSE_IN_TRANSACTION_MS
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
    if (options?.longRunning) return this.runLongStatement(sql, params, options.longRunning.timeoutMs)
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
   *    pg_stat_activity every few seconds through ordinary short queries, and its progress logged
   *    every 15 s (for CREATE INDEX, from pg_stat_progress_create_index).
   *    - Still running after `timeoutMs` (counted from when it was sent; null: no limit of ours): a
   *      TransportError saying so. It is not cancelled.
   *    - Gone: it finished, but the Data API never reports how. PostgreSQL keeps no record of a past
   *      statement's result, so success cannot be told from failure here: the result is
   *      StatementOutcomeUnknownError, never a success. The engine then reads the catalog (an index
   *      exists and is valid) or fails the version saying the outcome is unknown.
   * 4. A 5xx or a lost reply: it may have run, may still be running, or may never have started.
   *    It is handled as in 3, ending in StatementOutcomeUnknownError when no backend runs it.
   */
  private async runLongStatement(sql: string, params: SqlParams | undefined, timeoutMs: number | null): Promise<QueryResult> {
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
        throw await waitForStatement(this.waiting, sql, started, timeoutMs, error)
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
    if (options.resultsNeeded === false && this.options.packing !== false && packable(statements)) {
      const packed = await runPackedTransaction(this.packedTransport, statements)
      if (packed) return packed
    }
    return this.statementPerCall(statements, 'commit')
  }

  /** One autocommit call with continueAfterTimeout, sent once (resuming and throttling alone are retried: they prove it never ran). */
  private async sendOnce(sql: string): Promise<void> {
    await withRetry(() => this.client.send(this.execute(sql, undefined, { continueAfterTimeout: true })), {
      ...this.retry,
      idempotent: false
    })
  }

  /**
   * Statement by statement, one call each, in one Data API transaction that ends with `end`: COMMIT,
   * or ROLLBACK (a replay that only finds where a statement fails).
   */
  private async statementPerCall(statements: TxStatement[], end: 'commit' | 'rollback'): Promise<TransactionResult> {
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
          () => this.client.send(this.execute(statement.sql, statement.params, { transactionId })),
          // A statement inside a transaction is never re-sent after a failure that may have run it.
          { ...this.inTransactionRetry, idempotent: false }
        )
        result = toQueryResult(output)
      } catch (error) {
        const kind = classifyError(error)
        // On v2 an SQL error has already ended the transaction; the rollback is for older behaviour.
        const ended = await this.rollback(transactionId)
        if (kind === 'sql')
          return {
            ok: false,
            phase: 'statement',
            failedIndex: index,
            failedLabel: statement.label,
            error: parseDataApiError(errorMessage(error))
          }
        if (errorName(error) === 'StatementTimeoutException') {
          // continueAfterTimeout is not relied on with a transactionId (refused on v1, unverified on
          // v2), so a statement that outlives the call fails the whole transaction.
          return {
            ok: false,
            phase: 'statement',
            failedIndex: index,
            failedLabel: statement.label,
            error: {
              message:
                `Statement ${index + 1} of ${statements.length} (${sqlPreview(statement.sql)}) ran longer than the ` +
                'Data API allows for one call (45 s) inside a transaction; the transaction was rolled back and ' +
                'nothing of it was committed. If the statement can run outside a transaction (CREATE INDEX ' +
                'CONCURRENTLY, VACUUM, …), put it in its own file starting with -- migrate:no-transaction: there it ' +
                'may run past 45 s. For long transactional work use the runner Lambda (lambda-function input, up to ' +
                '15 minutes per call) or a direct connection (database-url).'
            }
          }
        }
        throw new TransportError(
          `${errorName(error)} at statement ${index + 1} of ${statements.length}: ${bareText(errorMessage(error))}. ` +
            `Nothing of the transaction was committed; ${ended}.`,
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

    if (end === 'rollback') {
      await this.rollback(transactionId)
      return { ok: true, results }
    }
    try {
      // Resuming and throttling answers mean the commit was not executed: those alone are retried.
      await withRetry(() => this.client.send(new CommitTransactionCommand({ ...this.base, transactionId })), {
        ...this.inTransactionRetry,
        idempotent: false
      })
    } catch (error) {
      const kind = classifyError(error)
      const name = errorName(error)
      if (kind === 'sql') {
        // A definite answer: COMMIT failed (a deferred constraint, a serialization failure).
        await this.rollback(transactionId)
        return { ok: false, phase: 'commit', failedIndex: statements.length, error: parseDataApiError(errorMessage(error)) }
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
      const ended = name === 'TransactionNotFoundException' ? 'the transaction had already ended' : await this.rollback(transactionId)
      throw new TransportError(
        `CommitTransaction was refused (${name}: ${errorMessage(error)}); nothing of the transaction was committed; ${ended}.`,
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
   * the commit still running, in which case it waits and asks again (`endTransaction`).
   */
  private async settleLostCommit(transactionId: string): Promise<'rolled-back' | 'unknown'> {
    const ended = await this.endTransaction(transactionId)
    if (ended.kind === 'not-ended') this.log(`After the lost commit reply, ${describeEnd(ended)}.`)
    return ended.kind === 'rolled-back' ? 'rolled-back' : 'unknown'
  }

  /**
   * Ends a transaction given up on, and says how, as a clause for messages (logged too when it could
   * not be ended). It may already be gone (aborted by an SQL error, or expired).
   */
  private async rollback(transactionId: string): Promise<string> {
    const ended = await this.endTransaction(transactionId)
    if (ended.kind === 'not-ended') this.log(`${describeEnd(ended).replace(/^./, (c) => c.toUpperCase())}.`)
    return describeEnd(ended)
  }

  /**
   * RollbackTransaction, retried with backoff for up to END_TRANSACTION_WINDOW_MS while it is throttled,
   * fails transiently (rolling back twice is harmless) or finds the transaction still running a call
   * (a statement or COMMIT whose reply was lost): an open transaction holds its locks, and blocks every
   * run behind the lease row, until the service's 3-minute idle limit ends it.
   */
  private async endTransaction(transactionId: string): Promise<TransactionEnd> {
    const started = this.now()
    for (let attempt = 1; ; attempt++) {
      const left = END_TRANSACTION_WINDOW_MS - (this.now() - started)
      try {
        await withRetry(() => this.client.send(new RollbackTransactionCommand({ ...this.base, transactionId })), {
          ...this.retry,
          idempotent: true,
          throttleTimeoutMs: Math.max(0, left)
        })
        return { kind: 'rolled-back' }
      } catch (error) {
        if (errorName(error) === 'TransactionNotFoundException') return { kind: 'gone' }
        const busy = /still running a query/i.test(errorMessage(error))
        const wait = backoffMs(attempt, 1000, MAX_PAUSE_IN_TRANSACTION_MS, this.random)
        if (!busy || this.now() - started + wait > END_TRANSACTION_WINDOW_MS) {
          return {
            kind: 'not-ended',
            reason: `${errorName(error)}: ${errorMessage(error)}`,
            seconds: Math.round((this.now() - started) / 1000)
          }
        }
        await this.sleep(wait)
      }
    }
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
