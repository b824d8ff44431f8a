/**
 * The pre-flight of steps that run alone and wait for table locks (EngineDialect.tableLockBlockers: MySQL's
 * DDL). Such a statement waits for its table's metadata lock behind every transaction that touched the table,
 * and while it waits every new query on the table queues behind it; lock-timeout bounds that wait, but a
 * transaction left open for minutes would still stall the table for lock-timeout on every try. So before the
 * steps are sent, the sessions that hold or wait on their tables' locks are looked for (one call per check).
 * While there are any, the run looks again every few seconds, up to wait-timeout (EngineContext.lockPreflightMs);
 * when they are still there, the steps are refused before any of them runs, naming the sessions and what to do.
 * What committed before them stays, as the journal says.
 *
 * A check that fails (the user may not read the server's sessions) is logged and the steps run as they would
 * without it, bounded by lock-timeout.
 */
import { errorMessage } from '../errors.js'
import { rerunSentence, stepRange, where, type RunContext } from './step-context.js'
import type { TableLockBlockers } from './dialect.js'
import type { VersionOutcome } from './types.js'

/** How long the run waits between checks. */
export const PREFLIGHT_POLL_MS = 2000

/** Steps refused unrun because other sessions held their tables' locks for longer than wait-timeout. */
export class TableLockWaitError extends Error {
  /** The sessions still there at the end, as the database names them. */
  readonly sessions: string[]
  constructor(message: string, sessions: string[]) {
    super(message)
    this.name = 'TableLockWaitError'
    this.sessions = sessions
  }
}

/** "step 3 (v2/01.sql:3)" for each step, joined. */
function stepsText(context: RunContext, indexes: number[]): string {
  const named = indexes.map((index) => `step ${index + 1} (${where(context.steps[index].statement)})`)
  return named.length <= 1 ? named.join('') : `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`
}

/**
 * Before steps [from, to) of the version run (one step alone, or `procedure`: as one procedure): waits while
 * other sessions hold or wait on the table locks they need, up to the run's wait-timeout. Null: go on; a failed
 * outcome: refused, and nothing of [from, to) ran.
 */
export async function awaitTableLocks(context: RunContext, from: number, to: number, procedure = false): Promise<VersionOutcome | null> {
  const waitMs = context.lockPreflightMs
  if (!context.dialect.tableLockBlockers || waitMs === undefined) return null
  const indexes = Array.from({ length: to - from }, (_, offset) => from + offset)
  const statements = indexes.map((index) => context.steps[index].statement.sql)
  const settings = { lockTimeoutMs: context.lockTimeoutMs }
  // "Step 3 of v2 (v2/01.sql:3) waits …: it needs", "Steps 1–4 of v2 (one procedure) wait …: step 4 (…) needs".
  const alone = !procedure && to === from + 1
  const what = alone
    ? `step ${from + 1} of v${context.version.number} (${where(context.steps[from].statement)})`
    : `${stepRange(from + 1, to)} of v${context.version.number}${procedure ? ' (one procedure)' : ''}`
  const started = context.now()
  const deadline = started + waitMs
  let waiting = false
  for (;;) {
    let found: TableLockBlockers | null
    try {
      found = await context.dialect.tableLockBlockers(context.target, statements, settings)
    } catch (error) {
      context.log(
        `Could not look for sessions holding the table locks of ${what} (${errorMessage(error)}); running ${alone ? 'it' : 'them'} with lock-timeout as the only bound`
      )
      return null
    }
    if (!found || !found.sessions.length) {
      if (waiting)
        context.log(`The table locks of ${what} are free after ${seconds(context.now() - started)}; running ${alone ? 'it' : 'them'}`)
      return null
    }
    // The steps that wait behind them (all of them, should the dialect not say).
    const waiters = found.statements.length ? found.statements : statements.map((_, index) => index)
    const blocked = alone
      ? 'it'
      : stepsText(
          context,
          waiters.map((index) => indexes[index])
        )
    const needs = `${blocked} ${alone || waiters.length === 1 ? 'needs' : 'need'} the metadata lock on ${found.tables.join(', ')}`
    const left = deadline - context.now()
    if (left <= 0) {
      return {
        kind: 'failed',
        error: new TableLockWaitError(
          `${capitalized(what)} ${alone ? 'was' : 'were'} not run: ${needs}, and after ${seconds(waitMs)} (wait-timeout) ${found.description}. ` +
            `Running ${alone ? 'it' : 'them'} would have queued every new query on the table behind that lock. ${found.advice} ` +
            `Then re-run, or raise wait-timeout to wait longer. ${outcome(context, from)}`,
          found.sessions
        )
      }
    }
    if (!waiting) {
      waiting = true
      context.log(
        `${capitalized(what)} ${alone ? 'waits' : 'wait'} before ${alone ? 'it runs' : 'they run'}: ${needs}, and ${found.description}. ` +
          `Looking again every ${seconds(PREFLIGHT_POLL_MS)} for up to ${seconds(waitMs)} (wait-timeout).`
      )
    }
    await context.sleep(Math.min(PREFLIGHT_POLL_MS, left))
  }
}

/** What the version is left as: nothing of it from step `from` on; before that, what the journal holds. */
function outcome(context: RunContext, from: number): string {
  const before = context.completed > 0 ? `Nothing of v${context.version.number} ran from step ${from + 1} on. ` : ''
  return `${before}${rerunSentence(context)}`
}

/** "3 s", "1.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
