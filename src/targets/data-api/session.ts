/**
 * One statement with its session statements (`QueryOptions.session`) over the Data API, where every call is a
 * fresh session (reset in between): a `SET SESSION` sent in one call never reaches the next. So the session
 * statements and the statement run in one server-side unit:
 *
 * - A temporary routine (the wire dialect's `sessionRoutine`; MySQL: a procedure): CREATE, CALL, DROP. CALL
 *   carries `continueAfterTimeout` for a long-running statement, which then goes on past the 45 s call limit
 *   and is waited for as any other (long-statement.ts), looked up by the statement's own text (the server's
 *   activity shows the statement running inside the routine). The DROP always follows, unless the statement
 *   may still be running (dropping a routine in use may wait for its lock); a failed DROP is logged and never
 *   hides the statement's result.
 * - Where the statement may not run inside a routine (or the wrapped text would pass the 65,536-character
 *   limit, or the statement has parameters): BeginTransaction, the session statements and the statement, then
 *   CommitTransaction, on the one connection a transaction pins. No continueAfterTimeout there: 45 s at most.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  RollbackTransactionCommand,
  type ExecuteStatementCommand,
  type RDSDataClient
} from '@aws-sdk/client-rds-data'
import { DatabaseError, StatementOutcomeUnknownError, TransportError, errorMessage } from '../../errors.js'
import { classifyError, errorName, withRetry, type RetryOptions } from '../retry.js'
import type { QueryResult, SqlParams } from '../target.js'
import { routineToken, type SessionRoutine, type WireDialect } from '../wire.js'
import { bareText, parseDataApiError, sqlPreview, tooLong } from './errors.js'
import { waitForStatement, type LongStatementContext } from './long-statement.js'
import { toQueryResult } from './values.js'

/** What the session unit needs of the transport. */
export interface SessionCalls {
  client: RDSDataClient
  base: { resourceArn: string; secretArn: string }
  database: string | undefined
  wire: WireDialect
  execute(
    sql: string,
    params: SqlParams | undefined,
    extra?: { transactionId?: string; continueAfterTimeout?: boolean }
  ): ExecuteStatementCommand
  retry: Omit<RetryOptions, 'idempotent'>
  inTransactionRetry: Omit<RetryOptions, 'idempotent'>
  translate(error: unknown, operation: string): DatabaseError | TransportError
  waiting: LongStatementContext
  log(msg: string): void
  now(): number
}

/** Runs `session` and then `sql` in one server-side unit; answers as query() would. */
export async function queryWithSession(
  ctx: SessionCalls,
  sql: string,
  params: SqlParams | undefined,
  session: string[],
  longRunning: { timeoutMs: number | null } | undefined
): Promise<QueryResult> {
  const routine = params || !ctx.wire.sessionRoutine ? null : ctx.wire.sessionRoutine(sql, session, routineToken())
  if (routine && !tooLong(routine.create)) return viaRoutine(ctx, sql, routine, longRunning)
  return viaTransaction(ctx, sql, params, session)
}

async function viaRoutine(
  ctx: SessionCalls,
  sql: string,
  routine: SessionRoutine,
  longRunning: { timeoutMs: number | null } | undefined
): Promise<QueryResult> {
  // Whether the statement may still be running on the server (its routine in use): then it is not dropped.
  let mayRun = false
  try {
    try {
      // A re-sent CREATE whose first reply was lost finds the routine there: it was created.
      await withRetry(() => ctx.client.send(ctx.execute(routine.create, undefined)), { ...ctx.retry, idempotent: true })
    } catch (error) {
      if (!(classifyError(error) === 'sql' && routine.alreadyExists(parseDataApiError(errorMessage(error))))) {
        throw ctx.translate(error, 'ExecuteStatement')
      }
    }
    if (!longRunning) {
      // Without longRunning only idempotent statements come through query(): the CALL may be re-sent.
      const output = await withRetry(() => ctx.client.send(ctx.execute(routine.call, undefined)), { ...ctx.retry, idempotent: true })
      return toQueryResult(output)
    }
    const started = ctx.now()
    try {
      const output = await withRetry(() => ctx.client.send(ctx.execute(routine.call, undefined, { continueAfterTimeout: true })), {
        ...ctx.retry,
        // Resuming and throttling alone are retried: they prove the CALL never ran.
        idempotent: false
      })
      return toQueryResult(output)
    } catch (error) {
      if (errorName(error) === 'StatementTimeoutException' || classifyError(error) === 'transient') {
        const ended = await waitForStatement(ctx.waiting, routine.inner, started, longRunning.timeoutMs, error, sqlPreview(sql))
        // Still running, or its state unknown: its routine stays until it ends.
        mayRun = ended instanceof TransportError
        throw ended
      }
      throw ctx.translate(error, 'ExecuteStatement')
    }
  } finally {
    if (mayRun) {
      ctx.log(
        `The temporary procedure that runs ${sqlPreview(sql)} is left in place while the statement may still run; drop it afterwards with ${routine.drop}`
      )
    } else {
      await dropRoutine(ctx, routine)
    }
  }
}

/** Drops the routine; a failure is logged, never thrown (the statement's result stands). */
async function dropRoutine(ctx: SessionCalls, routine: SessionRoutine): Promise<void> {
  try {
    await withRetry(() => ctx.client.send(ctx.execute(routine.drop, undefined)), { ...ctx.retry, idempotent: true })
  } catch (error) {
    ctx.log(`Could not drop a temporary procedure (${errorName(error)}: ${bareText(errorMessage(error))}); drop it with ${routine.drop}`)
  }
}

/**
 * BeginTransaction, the session statements, the statement, CommitTransaction: the transaction pins one
 * connection, so the settings reach the statement. A DDL commits implicitly (what ran before it, then itself):
 * the CommitTransaction after it has nothing left to commit, and is sent to end the transaction. An SQL error
 * is the DatabaseError query() would throw; a statement without a definite answer (a lost reply, the 45 s
 * limit: without continueAfterTimeout the service stops it) is StatementOutcomeUnknownError, for the engine
 * to settle from the catalog.
 */
async function viaTransaction(ctx: SessionCalls, sql: string, params: SqlParams | undefined, session: string[]): Promise<QueryResult> {
  let transactionId: string
  try {
    const begun = await withRetry(() => ctx.client.send(new BeginTransactionCommand({ ...ctx.base, database: ctx.database })), {
      ...ctx.retry,
      idempotent: true
    })
    if (!begun.transactionId) throw new Error('BeginTransaction returned no transactionId')
    transactionId = begun.transactionId
  } catch (error) {
    throw ctx.translate(error, 'BeginTransaction')
  }
  const statements = [...session.map((s) => ({ sql: s, params: undefined })), { sql, params }]
  let result: QueryResult = { rows: [], rowCount: 0 }
  for (let index = 0; index < statements.length; index++) {
    const statement = statements[index]
    try {
      const output = await withRetry(() => ctx.client.send(ctx.execute(statement.sql, statement.params, { transactionId })), {
        ...ctx.inTransactionRetry,
        idempotent: false
      })
      result = toQueryResult(output)
    } catch (error) {
      // On v2 an SQL error has already ended the transaction; otherwise it is ended here.
      await rollback(ctx, transactionId)
      if (classifyError(error) === 'sql') throw new DatabaseError(parseDataApiError(errorMessage(error)))
      if (index < session.length) throw ctx.translate(error, 'ExecuteStatement')
      throw new StatementOutcomeUnknownError(
        `${sqlPreview(sql)} got no definite answer (${errorName(error)}: ${bareText(errorMessage(error))}); it ran in a ` +
          'transaction that carried its session settings, where the Data API allows 45 s per call. Whether it took effect is unknown.',
        { cause: error, sql }
      )
    }
  }
  try {
    await withRetry(() => ctx.client.send(new CommitTransactionCommand({ ...ctx.base, transactionId })), {
      ...ctx.inTransactionRetry,
      idempotent: false
    })
  } catch (error) {
    if (classifyError(error) === 'sql') {
      await rollback(ctx, transactionId)
      throw new DatabaseError(parseDataApiError(errorMessage(error)))
    }
    throw new StatementOutcomeUnknownError(
      `CommitTransaction after ${sqlPreview(sql)} got no definite answer (${errorName(error)}: ${bareText(errorMessage(error))}); ` +
        'whether the statement took effect is unknown.',
      { cause: error, sql }
    )
  }
  return result
}

/** Ends a transaction given up on, best effort (it may already be gone). */
async function rollback(ctx: SessionCalls, transactionId: string): Promise<void> {
  try {
    await withRetry(() => ctx.client.send(new RollbackTransactionCommand({ ...ctx.base, transactionId })), {
      ...ctx.retry,
      idempotent: true
    })
  } catch (error) {
    if (errorName(error) !== 'TransactionNotFoundException') {
      ctx.log(`Could not roll back the transaction that carried session settings (${errorName(error)}: ${bareText(errorMessage(error))})`)
    }
  }
}
