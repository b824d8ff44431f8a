/**
 * A Data API transaction run statement by statement: BeginTransaction, one ExecuteStatement per
 * statement, and CommitTransaction (or RollbackTransaction), strictly in order. A CommitTransaction is
 * never re-sent: when its reply is lost the outcome is settled where it can be (a rollback that succeeds
 * proves nothing was committed), or left to the engine (CommitOutcomeUnknownError). A transaction given
 * up on is ended, with retries, so that it does not hold its locks until the service's idle limit.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  RollbackTransactionCommand,
  type ExecuteStatementCommand,
  type RDSDataClient
} from '@aws-sdk/client-rds-data'
import { CommitOutcomeUnknownError, DatabaseError, TransportError, errorMessage } from '../../errors.js'
import { backoffMs, classifyError, errorName, withRetry, type RetryOptions } from '../retry.js'
import { guardFailure, type QueryResult, type SqlParams, type TransactionResult, type TxStatement } from '../target.js'
import { bareText, describeEnd, parseDataApiError, sqlPreview, type TransactionEnd } from './errors.js'
import { toQueryResult } from './values.js'

/** The longest single pause while a transaction is open (its idle limit is 3 minutes). */
export const MAX_PAUSE_IN_TRANSACTION_MS = 10_000
/**
 * How long a transaction given up on is tried to be ended (RollbackTransaction retried): past the
 * service's 3-minute idle limit it ends by itself anyway.
 */
const END_TRANSACTION_WINDOW_MS = 150_000

/** What a transaction needs of the transport. */
export interface TransactionCalls {
  client: RDSDataClient
  base: { resourceArn: string; secretArn: string }
  database: string | undefined
  /** One ExecuteStatement of the transport's. */
  execute(sql: string, params: SqlParams | undefined, extra: { transactionId: string }): ExecuteStatementCommand
  retry: Omit<RetryOptions, 'idempotent'>
  /** `retry` for calls made while a transactionId is open. */
  inTransactionRetry: Omit<RetryOptions, 'idempotent'>
  /** A service error as the transport throws it. */
  translate(error: unknown, operation: string): DatabaseError | TransportError
  log(msg: string): void
  now(): number
  sleep(ms: number): Promise<void>
  random(): number
}

export class StatementPerCall {
  constructor(private readonly ctx: TransactionCalls) {}

  /**
   * Statement by statement, one call each, in one Data API transaction that ends with `end`: COMMIT,
   * or ROLLBACK (a replay that only finds where a statement fails).
   */
  async run(statements: TxStatement[], end: 'commit' | 'rollback'): Promise<TransactionResult> {
    let transactionId: string
    try {
      const begun = await withRetry(
        () => this.ctx.client.send(new BeginTransactionCommand({ ...this.ctx.base, database: this.ctx.database })),
        { ...this.ctx.retry, idempotent: true }
      )
      if (!begun.transactionId) throw new Error('BeginTransaction returned no transactionId')
      transactionId = begun.transactionId
    } catch (error) {
      throw this.ctx.translate(error, 'BeginTransaction')
    }

    const results: QueryResult[] = []
    for (let index = 0; index < statements.length; index++) {
      const statement = statements[index]
      let result: QueryResult
      try {
        const output = await withRetry(
          () => this.ctx.client.send(this.ctx.execute(statement.sql, statement.params, { transactionId })),
          // A statement inside a transaction is never re-sent after a failure that may have run it.
          { ...this.ctx.inTransactionRetry, idempotent: false }
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
      await withRetry(() => this.ctx.client.send(new CommitTransactionCommand({ ...this.ctx.base, transactionId })), {
        ...this.ctx.inTransactionRetry,
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

  /**
   * After a CommitTransaction without a reply: RollbackTransaction either succeeds (the commit never
   * ran), answers TransactionNotFoundException (it committed, or the transaction is gone), or finds
   * the commit still running, in which case it waits and asks again (`endTransaction`).
   */
  private async settleLostCommit(transactionId: string): Promise<'rolled-back' | 'unknown'> {
    const ended = await this.endTransaction(transactionId)
    if (ended.kind === 'not-ended') this.ctx.log(`After the lost commit reply, ${describeEnd(ended)}.`)
    return ended.kind === 'rolled-back' ? 'rolled-back' : 'unknown'
  }

  /**
   * Ends a transaction given up on, and says how, as a clause for messages (logged too when it could
   * not be ended). It may already be gone (aborted by an SQL error, or expired).
   */
  private async rollback(transactionId: string): Promise<string> {
    const ended = await this.endTransaction(transactionId)
    if (ended.kind === 'not-ended') this.ctx.log(`${describeEnd(ended).replace(/^./, (c) => c.toUpperCase())}.`)
    return describeEnd(ended)
  }

  /**
   * RollbackTransaction, retried with backoff for up to END_TRANSACTION_WINDOW_MS while it is throttled,
   * fails transiently (rolling back twice is harmless) or finds the transaction still running a call
   * (a statement or COMMIT whose reply was lost): an open transaction holds its locks, and blocks every
   * run behind the lease row, until the service's 3-minute idle limit ends it.
   */
  private async endTransaction(transactionId: string): Promise<TransactionEnd> {
    const started = this.ctx.now()
    for (let attempt = 1; ; attempt++) {
      const left = END_TRANSACTION_WINDOW_MS - (this.ctx.now() - started)
      try {
        await withRetry(() => this.ctx.client.send(new RollbackTransactionCommand({ ...this.ctx.base, transactionId })), {
          ...this.ctx.retry,
          idempotent: true,
          throttleTimeoutMs: Math.max(0, left)
        })
        return { kind: 'rolled-back' }
      } catch (error) {
        if (errorName(error) === 'TransactionNotFoundException') return { kind: 'gone' }
        const busy = /still running a query/i.test(errorMessage(error))
        const wait = backoffMs(attempt, 1000, MAX_PAUSE_IN_TRANSACTION_MS, this.ctx.random)
        if (!busy || this.ctx.now() - started + wait > END_TRANSACTION_WINDOW_MS) {
          return {
            kind: 'not-ended',
            reason: `${errorName(error)}: ${errorMessage(error)}`,
            seconds: Math.round((this.ctx.now() - started) / 1000)
          }
        }
        await this.ctx.sleep(wait)
      }
    }
  }
}
