/**
 * Waiting for a statement left running server-side after its call ended (the 45 s limit, or a lost
 * reply): its backend is looked up every few seconds through ordinary short queries (the wire dialect's
 * `runningStatement` probe), and its progress logged every 15 s where the server reports it.
 */
import { StatementOutcomeUnknownError, TransportError, errorMessage } from '../../errors.js'
import { errorName, formatSeconds } from '../retry.js'
import type { QueryResult, Row, SqlParams, SqlValue } from '../target.js'
import type { RunningStatementProbe } from '../wire.js'
import { sqlPreview } from './errors.js'

/** What the waiting needs of the transport. */
export interface LongStatementContext {
  /** An idempotent query (it may be re-sent). */
  query(sql: string, params?: SqlParams): Promise<QueryResult>
  log(msg: string): void
  now(): number
  sleep(ms: number): Promise<void>
  /** How the dialect finds and watches the statement. */
  probe: RunningStatementProbe
}

/** How often a long-running statement's backend is looked up once the call has timed out. */
const LONG_STATEMENT_POLL_MS = 5000
/** How often its progress is logged. */
const LONG_STATEMENT_PROGRESS_MS = 15_000

function percent(done: SqlValue | undefined, total: SqlValue | undefined): string | undefined {
  const d = Number(done)
  const t = Number(total)
  if (!Number.isFinite(d) || !Number.isFinite(t) || t <= 0) return undefined
  return `${Math.min(100, Math.floor((d / t) * 100))}% (${d.toLocaleString('en-US')} of ${t.toLocaleString('en-US')})`
}

/** Waits for a statement left running server-side; returns the error that reports how it ended. */
export async function waitForStatement(
  ctx: LongStatementContext,
  sql: string,
  started: number,
  timeoutMs: number | null,
  cause: unknown,
  /** How messages name it. Default: its first 80 characters. */
  shown = sqlPreview(sql),
  /** A query answering a row (`pid`) while it runs (QueryOptions.longRunning.runningWhile); default: looked up by its text. */
  runningWhile?: string
): Promise<TransportError | StatementOutcomeUnknownError> {
  const name = errorName(cause)
  const timedOut = name === 'StatementTimeoutException'
  const progressSql = ctx.probe.progressSql(sql)
  const deadline = timeoutMs === null ? Infinity : started + timeoutMs
  const limit = timeoutMs === null ? 'with no time limit' : `for up to ${formatSeconds(timeoutMs)}`
  let pid: number | undefined
  let lastLog = ctx.now()
  ctx.log(
    timedOut
      ? `${shown} is still running after the Data API's 45 s call limit; waiting for it to finish on the server ${limit}`
      : `The call running ${shown} failed (${name}: ${errorMessage(cause)}); checking whether it is running on the server`
  )
  for (;;) {
    let row: Row | undefined
    try {
      row = (runningWhile ? await ctx.query(runningWhile) : await ctx.query(ctx.probe.findSql, { sql })).rows[0]
    } catch (error) {
      return new TransportError(
        `Could not check whether ${shown} is still running on the server (${errorMessage(error)}). It may still be ` +
          `running: see ${ctx.probe.activityQuery(pid)}. The migration version it belongs to is not complete.`,
        errorName(error),
        false,
        { cause: error }
      )
    }
    const elapsed = ctx.now() - started
    if (!row) break
    pid = Number(row.pid)
    if (ctx.now() >= deadline) {
      return new TransportError(
        `${shown} is still running on the server after ${formatSeconds(elapsed)} (pid ${pid}); the limit for it was ` +
          `${formatSeconds(timeoutMs ?? 0)}. It was not cancelled: see it with ${ctx.probe.activityQuery(pid)}, and stop it with ` +
          `${ctx.probe.cancelQuery(pid)} if need be. The migration version it belongs to is not complete: it is not ` +
          'recorded as applied, and a later run must not start it again while it still runs.',
        'STATEMENT_STILL_RUNNING',
        false,
        { cause }
      )
    }
    if (ctx.now() - lastLog >= LONG_STATEMENT_PROGRESS_MS) {
      const progress = progressSql ? await statementProgress(ctx, progressSql, pid) : ''
      const waiting = row.wait_event_type ? `, waiting on ${String(row.wait_event_type)}: ${String(row.wait_event)}` : ''
      lastLog = ctx.now()
      ctx.log(`${shown} still running on the server after ${formatSeconds(lastLog - started)} (pid ${pid}${waiting})${progress}`)
    }
    await ctx.sleep(Math.max(0, Math.min(LONG_STATEMENT_POLL_MS, deadline - ctx.now())))
  }
  const elapsed = formatSeconds(ctx.now() - started)
  const how =
    pid !== undefined
      ? `ran past the Data API's 45 s call limit and finished on the server after about ${elapsed}`
      : timedOut
        ? `ran past the Data API's 45 s call limit and was no longer running on the server when checked`
        : `was sent, but the call failed (${name}: ${errorMessage(cause)}) and the statement is not running on the server`
  ctx.log(`${shown} is no longer running on the server (after ${elapsed})`)
  return new StatementOutcomeUnknownError(`${shown} ${how}; whether it succeeded cannot be read from the Data API.`, { cause, sql })
}

/** `; phase "…", blocks 40% (…), tuples …` for a statement in progress (a CREATE INDEX), or '' when there is no row. */
async function statementProgress(ctx: LongStatementContext, progressSql: string, pid: number): Promise<string> {
  try {
    const row = (await ctx.query(progressSql, { pid })).rows[0]
    if (!row) return ''
    const parts = [`phase "${String(row.phase)}"`]
    const blocks = percent(row.blocks_done, row.blocks_total)
    if (blocks) parts.push(`blocks ${blocks}`)
    const tuples = percent(row.tuples_done, row.tuples_total)
    if (tuples) parts.push(`tuples ${tuples}`)
    return `; ${parts.join(', ')}`
  } catch {
    // The server may not report it (PostgreSQL before 12); progress is only for the log.
    return ''
  }
}
