/**
 * A version's steps as server-side routines, where every call is a fresh session and costs a round trip
 * (Target.callsAreSessions: the Data API) and the dialect has one (EngineDialect.versionRoutine: MySQL's
 * temporary procedure). A routine runs as many of the version's remaining steps as fit in one call, in three
 * calls: CREATE (the server parses every statement first), CALL (which may go on past the call limit while
 * the caller waits for it), DROP. Inside, the routine does what the engine does call by call elsewhere: the
 * lease's fence before each step, each DDL journaled (started with its catalog fingerprint, then done), each
 * batch of DML in one transaction with its progress rows, and the version's meta row at the end.
 *
 * After the CALL the journal is the truth:
 * - an error of a version's statement: the step whose 'started' row is left is the one the server refused
 *   (its row is forgotten: DDL is atomic per statement); with none left, a batch failed and was rolled back,
 *   and it runs again the ordinary way, which names the failing statement;
 * - a guard or one of the engine's statements: said as runFenced's failures are;
 * - no reply (lost, or the routine outlasted the call and has ended since): the journal and the meta table
 *   are read and the run goes on from what they show, as a re-run would; a routine still running is left
 *   alone and said.
 *
 * A step whose statement may not run inside a routine (CREATE TRIGGER, …) runs the ordinary way, in the same
 * journal (steps.ts).
 */
import { DatabaseError, StatementOutcomeUnknownError, TransportError, errorMessage, type SqlErrorInfo } from '../errors.js'
import type { ProgressStep, RoutinePart, VersionRoutine } from './dialect.js'
import {
  engineFailure,
  leaseLostAt,
  notAppliedStatement,
  recordStatement,
  versionRecorded,
  type TransactionFailure
} from './fenced-transaction.js'
import { forgetStarted, progressStep, recordSettled, settleStarted } from './journal.js'
import { awaitTableLocks } from './preflight.js'
import { readProgressRows, type ProgressRow } from './meta-store.js'
import { rerunSentence, stepFailed, stepRange, type RunContext } from './step-context.js'
import type { EngineContext, VersionOutcome } from './types.js'
import { plural } from '../text.js'
import { routineToken } from '../targets/wire.js'

/** Steps [start, end) of the version: one transaction, or statements run one by one. */
export interface Segment {
  inTransaction: boolean
  start: number
  end: number
}

/** Whether this run sends versions run in steps as routines. */
export function runsInRoutines(context: EngineContext): boolean {
  return !!context.dialect.versionRoutine && !!context.target.callsAreSessions
}

/** A routine ready to send, for steps [start, end); `finishes`: it also records the version. */
export interface Chunk {
  start: number
  end: number
  finishes: boolean
  routine: VersionRoutine
  /** Its parts' kinds and steps [start, end). */
  parts: Array<{ kind: RoutinePart['kind']; start: number; end: number }>
}

/** The parts from step `from` on that may run inside a routine, each with the step after it. */
function partsFrom(context: RunContext, segments: Segment[], from: number): Array<{ part: RoutinePart; end: number }> {
  const { steps } = context
  const runsInside = (index: number) => context.dialect.versionRoutine!.runsInside(steps[index].statement.sql)
  const step = (index: number): ProgressStep => progressStep(steps[index], index)
  const parts: Array<{ part: RoutinePart; end: number }> = []
  for (const segment of segments) {
    if (segment.end <= from) continue
    const start = Math.max(segment.start, from)
    if (segment.inTransaction) {
      const indexes = Array.from({ length: segment.end - start }, (_, i) => start + i)
      if (!indexes.every(runsInside)) return parts
      parts.push({ part: { kind: 'batch', steps: indexes.map((i) => ({ step: step(i), sql: steps[i].statement.sql })) }, end: segment.end })
      continue
    }
    for (let index = start; index < segment.end; index++) {
      if (!runsInside(index)) return parts
      parts.push({ part: { kind: 'alone', step: step(index), sql: steps[index].statement.sql }, end: index + 1 })
    }
  }
  return parts
}

/** How often a version's routine refused on its pre-flight while the run's own check then found nothing. */
const inlineRefusals = new WeakMap<RunContext, number>()

/**
 * The routine for the steps from context.completed on: as many parts as fit in one call (at least one), or
 * null when the next step cannot run inside a routine, or alone does not fit (it then runs the ordinary way).
 */
export function nextChunk(context: RunContext, segments: Segment[]): Chunk | null {
  const { steps, version, tables } = context
  const candidates = partsFrom(context, segments, context.completed)
  const limit = context.target.callsAreSessions!.maxSqlChars
  const token = routineToken()
  const build = (count: number): Chunk => {
    const end = candidates[count - 1].end
    const finishes = end === steps.length
    const routine = context.dialect.versionRoutine!.build({
      tables,
      version: version.number,
      token,
      fence: { sql: context.lease.fence().sql, params: context.lease.fence().params ?? {} },
      settings: [
        ...context.dialect.statementSettings({ lockTimeoutMs: context.lockTimeoutMs, statementTimeoutMs: context.statementTimeoutMs }),
        ...context.dialect.sessionSettings({ lockTimeoutMs: context.lockTimeoutMs, statementTimeoutMs: context.statementTimeoutMs })
      ].filter((setting, index, all) => all.indexOf(setting) === index),
      parts: candidates.slice(0, count).map((c) => c.part),
      ...(context.lockPreflightMs !== undefined && context.dialect.tableLockBlockers
        ? { preflight: { lockTimeoutMs: context.lockTimeoutMs } }
        : {}),
      finish: finishes
        ? {
            notApplied: queryOf(notAppliedStatement(context.dialect, version, tables)),
            // The time the version took before this routine; the routine adds its own.
            record: queryOf(recordStatement(context, version, Math.max(1, context.now() - context.startedAt))),
            deleteProgress: context.dialect.meta.deleteProgress(tables, version.number)
          }
        : null
    })
    const parts = candidates
      .slice(0, count)
      .map((c, i) => ({ kind: c.part.kind, start: i ? candidates[i - 1].end : context.completed, end: c.end }))
    return { start: context.completed, end, finishes, routine, parts }
  }
  if (!candidates.length) return null
  // The most parts whose CREATE fits in one call.
  let low = 1
  let high = candidates.length
  if (build(low).routine.create.length > limit) return null
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (build(middle).routine.create.length <= limit) low = middle
    else high = middle - 1
  }
  return build(low)
}

function queryOf(statement: { sql: string; params?: Record<string, string | number | boolean | null> }) {
  return { sql: statement.sql, params: statement.params ?? {} }
}

/**
 * What running a chunk came to: the version's outcome (applied, or failed), `null` to go on from
 * context.completed, or `ordinary`: run the steps up to `until` the ordinary way (the routine could not
 * hold them, or a batch failed inside it and runs again to name its failing statement).
 */
export type ChunkOutcome = VersionOutcome | null | { ordinary: number }

export async function runChunk(context: RunContext, chunk: Chunk): Promise<ChunkOutcome> {
  const { target, version } = context
  const { routine } = chunk
  const what = `${stepRange(chunk.start + 1, chunk.end)} of v${version.number}`
  // The routine looks for sessions holding its DDL's table locks itself, server-side, before it runs anything
  // (RoutinePlan.preflight): no call of its own unless they are there (afterError).
  context.log(
    `Running ${what} as one temporary procedure (${plural(chunk.end - chunk.start, 'statement')}${chunk.finishes ? ', and recording the version' : ''})`
  )
  try {
    await target.query(routine.create)
  } catch (error) {
    if (!(error instanceof DatabaseError)) throw error
    // A re-sent CREATE whose first reply was lost finds the routine there: it was created.
    if (!routine.alreadyExists(error.info)) {
      const placed = routine.placeCreateError(error.info)
      // A syntax error of one statement: nothing of the routine ran, and that statement fails as it would alone.
      if (placed) return stepFailed(context, placed.step, placed.error, null)
      context.log(`The server refused ${what} as a procedure (${errorMessage(error)}); running them one by one instead`)
      return { ordinary: chunk.end }
    }
  }
  let keep = false
  try {
    const before = context.completed
    try {
      await target.query(routine.call, undefined, {
        longRunning: { timeoutMs: context.statementTimeoutMs ?? null, runningWhile: routine.running }
      })
    } catch (error) {
      if (error instanceof DatabaseError) return await afterError(context, chunk, error.info)
      if (error instanceof StatementOutcomeUnknownError) return await afterNoReply(context, chunk, before, error)
      // Any other failure: whether the routine runs decides. Ended (or never started), the journal says the rest.
      if ((await stillRunning(context, routine)) === false) {
        const message = `${routine.call} failed (${errorMessage(error)}); the procedure is not running`
        return await afterNoReply(context, chunk, before, new StatementOutcomeUnknownError(message, { cause: error }))
      }
      // Still running, or no one can tell: it may run on; its procedure stays until it ends.
      keep = true
      const message = error instanceof TransportError ? error.message : errorMessage(error)
      return {
        kind: 'failed',
        error: new Error(
          `${what} ran as a temporary procedure whose outcome is not known yet: ${message} ` +
            `Once it has ended, drop it with ${routine.drop}, then re-run: the journal in ${context.tables.display}_progress says where v${version.number} stands.`,
          { cause: error }
        )
      }
    }
    if (chunk.finishes) return context.applied()
    context.completed = chunk.end
    return null
  } finally {
    if (keep)
      context.log(`The temporary procedure of ${what} is left in place while it may still run; drop it afterwards with ${routine.drop}`)
    else await dropRoutine(context, routine)
  }
}

/** Whether the routine runs now; null when that cannot be read. */
async function stillRunning(context: RunContext, routine: VersionRoutine): Promise<boolean | null> {
  try {
    return (await context.target.query(routine.running)).rows.length > 0
  } catch {
    return null
  }
}

/** Drops the routine; a failure is logged, never thrown (the version's outcome stands). */
async function dropRoutine(context: RunContext, routine: VersionRoutine): Promise<void> {
  try {
    await context.target.query(routine.drop)
  } catch (error) {
    context.log(`Could not drop a temporary procedure (${errorMessage(error)}); drop it with ${routine.drop}`)
  }
}

/** The version's journal as the table holds it now (the table exists: the run checked). */
async function journal(context: RunContext): Promise<{ done: number; started: ProgressRow | null }> {
  const rows = await readProgressRows(context.dialect, context.target, context.tables, context.version.number)
  const last = rows[rows.length - 1]
  return { done: rows.filter((row) => row.state === 'done').length, started: last?.state === 'started' ? last : null }
}

/** The CALL answered an error: the journal says which step, or which of the engine's parts, it was. */
async function afterError(context: RunContext, chunk: Chunk, error: SqlErrorInfo): Promise<ChunkOutcome> {
  const { version } = context
  const read = await journal(context)
  context.completed = read.done
  const failure = chunk.routine.failure(error)
  if (failure.kind === 'engine') {
    if (failure.part === 'preflight') {
      // Nothing of the routine ran. Wait for the sessions as the pre-flight does (up to wait-timeout), then go on
      // with a new routine, or refuse the steps naming them. Should the routine keep finding sessions the run's
      // own check does not see, it stops checking after a few tries (lock-timeout still bounds each wait).
      const refused = await awaitTableLocks(context, chunk.start, chunk.end, true)
      if (refused) return refused
      const tries = (inlineRefusals.get(context) ?? 0) + 1
      inlineRefusals.set(context, tries)
      return null
    }
    if (failure.part === 'fence' && failure.guard) {
      return {
        kind: 'failed',
        error: await leaseLostAt(context, `before step ${read.done + 1} of v${version.number}`, rerunSentence(context))
      }
    }
    const transactionFailure: TransactionFailure = {
      ok: false,
      phase: 'statement',
      failedIndex: 0,
      error: failure.error,
      guard: failure.guard
    }
    const left = read.started
      ? ` Step ${read.started.step + 1} ran or did not: its journal row says 'started', and the next run settles it from the catalog.`
      : ''
    return engineFailure(context, version, transactionFailure, failure.part, `${rerunSentence(context)}${left}`)
  }
  if (read.started) {
    // The server refused the statement of the step it journaled last: it did not run.
    await forgetStarted(context, read.started.step)
    return stepFailed(context, read.started.step, error, null)
  }
  // A batch failed and was rolled back (nothing of it is journaled): it runs again the ordinary way, once,
  // which names the statement that fails.
  const batch = chunk.parts.find((part) => part.kind === 'batch' && part.start === read.done)
  if (!batch) {
    return {
      kind: 'failed',
      error: new Error(
        `The procedure running ${stepRange(chunk.start + 1, chunk.end)} of v${version.number} failed (${error.message}), and its journal names no step it was running. ${rerunSentence(context)}`
      )
    }
  }
  context.log(
    `v${version.number}: ${stepRange(batch.start + 1, batch.end)} failed inside the procedure and were rolled back (${error.message}); running them on their own to name the failing statement`
  )
  return { ordinary: batch.end }
}

/**
 * The CALL got no reply, and the routine is not running any more (the transport waited while it ran): the
 * meta table and the journal say how far it got. The run goes on from there, unless the routine got nowhere,
 * which it says instead of sending it again.
 */
async function afterNoReply(context: RunContext, chunk: Chunk, before: number, error: StatementOutcomeUnknownError): Promise<ChunkOutcome> {
  const { version, tables } = context
  context.log(
    `The call running the procedure of v${version.number} ended without its result (${error.message.split('; ')[0]}); reading ${tables.display}_progress to see how far it got`
  )
  if (chunk.finishes && (await versionRecorded(context, version)) === 'committed') return context.applied()
  const read = await journal(context)
  context.completed = read.done
  if (read.started) {
    // The step it journaled last: the catalog settles it, as a re-run would.
    try {
      if (await settleStarted(context, version, context.steps, read.started)) {
        await recordSettled(context, tables, version.number, context.steps[read.started.step], read.started.step)
        context.completed = read.started.step + 1
      }
    } catch (settling) {
      return { kind: 'failed', error: settling instanceof Error ? settling : new Error(String(settling)) }
    }
  }
  if (context.completed > before) {
    context.log(`The journal shows ${context.completed ? `${stepRange(1, context.completed)} done` : 'no step done'}; going on from there`)
    return null
  }
  return {
    kind: 'failed',
    error: new StatementOutcomeUnknownError(
      `The procedure running ${stepRange(chunk.start + 1, chunk.end)} of v${version.number} ended on the server without a reply, and the journal shows ` +
        `none of them done: it failed, and its error was lost with the reply, or it never started. ${rerunSentence(context)}`,
      { cause: error }
    )
  }
}

/**
 * Where a run died (this run took over its expired lease, or found a version partly applied): drops the version
 * routines dead runs left behind that no longer run. Never fails the run: what it cannot drop it names.
 */
export async function dropLeftoverRoutines(context: EngineContext): Promise<void> {
  if (!runsInRoutines(context)) return
  const routines = context.dialect.versionRoutine!
  try {
    const { rows } = await context.target.query(routines.leftovers)
    for (const row of rows) {
      const drop = routines.drop(String(row.name))
      await context.target.query(drop)
      context.log(`Dropped the temporary procedure ${String(row.name)}, left by a run that stopped before it could (${drop})`)
    }
  } catch (error) {
    context.log(`Could not look for temporary procedures left by earlier runs: ${errorMessage(error)}`)
  }
}
