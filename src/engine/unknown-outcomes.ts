/**
 * A statement of a no-transaction file, run on its own, and what the engine does when its result is an
 * error or never arrives: the catalog decides where the dialect can read it (a concurrent index build
 * left valid or INVALID, a statement's effect), else the step fails saying that its outcome is unknown,
 * with the way out for people. Every catalog read and statement here is the dialect's (recovery).
 */
import { DatabaseError, StatementOutcomeUnknownError, TransportError, errorMessage, type SqlErrorInfo } from '../errors.js'
import type { Statement } from '../migrations/types.js'
import type { BuildState, ConcurrentBuild, EffectCheck } from './dialect.js'
import { errorInfo, failedStep, rerunSentence, statementChecksum, stepFailed, stepRange, where, type RunContext } from './step-context.js'
import type { VersionOutcome } from './types.js'
import { checkJournaled, forgetStarted, journalsIntent } from './journal.js'

/**
 * Outcome of one statement run on its own: null when it completed (or the catalog shows it took effect).
 * `journaled`: its 'started' row was written with this fingerprint, which then settles a lost reply (no
 * second snapshot of the catalog is taken).
 */
export async function runStatementAlone(
  context: RunContext,
  index: number,
  journaled?: { fingerprint: string | null }
): Promise<VersionOutcome | null> {
  const { target } = context
  const statement = context.steps[index].statement
  const settings = context.dialect.statementSettings({
    lockTimeoutMs: context.lockTimeoutMs,
    statementTimeoutMs: context.statementTimeoutMs
  })
  const longRunning = { longRunning: { timeoutMs: context.statementTimeoutMs ?? null }, ...(settings.length ? { session: settings } : {}) }
  const { recovery } = context.dialect
  const concurrentIndex = recovery.concurrentBuild(statement.sql)
  const effect = concurrentIndex || journaled ? null : recovery.statementEffect(statement.sql)
  let invalidBefore: string[] | null = null
  if (concurrentIndex) {
    const prepared = await prepareIndexBuild(context, index, concurrentIndex)
    if (prepared) return prepared
    if (concurrentIndex.name === null) invalidBefore = await recovery.invalidOn(target, concurrentIndex).catch(() => null)
  }
  // What the statement's effect will be compared with, should its result never arrive (statistics, file nodes).
  const before = effect ? await recovery.snapshotBefore(target, effect).catch(() => null) : null
  try {
    await target.query(statement.sql, undefined, longRunning)
    return null
  } catch (error) {
    const info = errorInfo(error)
    if (error instanceof DatabaseError) {
      if (concurrentIndex) return indexBuildFailed(context, index, concurrentIndex, info, invalidBefore, '')
      // The server refused it: it did not run (where intent is journaled, DDL is atomic per statement).
      await forgetStarted(context, index)
      return stepFailed(context, index, info, null)
    }
    // No result: the statement may or may not have run. The catalog decides where it can.
    if (concurrentIndex) return indexBuildFailed(context, index, concurrentIndex, info, invalidBefore, unansweredExtra(error))
    const check = journaled
      ? () => checkJournaled(context, statement.sql, journaled.fingerprint)
      : effect
        ? () => recovery.checkEffect(target, effect, before)
        : null
    return settleUnanswered(context, index, error, check)
  }
}

function unansweredExtra(error: unknown): string {
  const why = error instanceof StatementOutcomeUnknownError ? 'it outlasted the call' : 'the transport failed'
  return `Whether the statement took effect is not known (${why}): check the database before re-running, which runs it again. `
}

/**
 * A statement whose result never arrived: its effect in the catalog settles it (the dialect's recovery).
 * Done: it is recorded like any completed step. Not done: the step failed, and a re-run runs it again.
 * Unknown: the step fails saying so — never "nothing was applied" — with the way out for people.
 */
async function settleUnanswered(
  context: RunContext,
  index: number,
  error: unknown,
  check: (() => Promise<EffectCheck>) | null
): Promise<VersionOutcome | null> {
  const { target } = context
  const statement = context.steps[index].statement
  const info = errorInfo(error)
  const stillRunning = error instanceof TransportError && error.code === 'STATEMENT_STILL_RUNNING'
  let evidence: string | null = null
  if (check && !stillRunning) {
    try {
      // A statement whose reply was lost may still be running server-side: its effect is read once it ended.
      await waitWhileRunning(context, statement.sql)
      const seen = await check()
      if (seen.verdict === 'done') {
        context.log(
          `${where(statement)} got no result (${bareMessage(info.message)}), but the catalog shows it took effect: ${seen.evidence}; continuing`
        )
        return null
      }
      if (seen.verdict === 'not-done' && !(await context.dialect.recovery.findRunning(target, statement.sql))) {
        await forgetStarted(context, index)
        return failedStep(context, index, info, `The catalog shows it did not take effect: ${seen.evidence}.`, rerunSentence(context))
      }
      evidence = seen.evidence
    } catch (lookup) {
      context.log(`Could not look for the effect of ${where(statement)} in the catalog: ${errorMessage(lookup)}`)
    }
  }
  return failedStep(context, index, info, unknownOutcomeAdvice(context, index, evidence, stillRunning), inDoubtSentence(context, index))
}

/** How long a run waits for a statement whose reply was lost to end server-side before it settles it. */
const RUNNING_WAIT_MS = 60_000

/** Polls the server's sessions while `sql` runs there, up to RUNNING_WAIT_MS; logs once that it waits. */
async function waitWhileRunning(context: RunContext, sql: string): Promise<void> {
  const started = context.now()
  let said = false
  for (let polls = 0; await context.dialect.recovery.findRunning(context.target, sql); polls++) {
    if (context.now() - started > RUNNING_WAIT_MS || polls >= RUNNING_WAIT_MS / 500) return
    if (!said)
      context.log(`The statement whose reply was lost is still running on the server; waiting for it to end before reading its effect`)
    said = true
    await context.sleep(500)
  }
}

/** What is known after a step whose outcome is unknown: what is recorded, and that this step may have taken effect. */
function inDoubtSentence(context: RunContext, index: number): string {
  const { version, steps, completed, tables } = context
  const before =
    completed > 0 ? `${stepRange(1, completed)} of ${steps.length} ran and stay applied (recorded in ${tables.display}_progress); ` : ''
  return `${before}step ${index + 1} (${where(steps[index].statement)}) may or may not have taken effect; v${version.number} is not recorded as applied.`
}

/** The way out of an unknown outcome: re-run (when running it again is harmless), or record the step by hand. */
function unknownOutcomeAdvice(context: RunContext, index: number, evidence: string | null, stillRunning: boolean): string {
  const { version } = context
  const statement = context.steps[index].statement
  // Where intent is journaled, repair settles the step; elsewhere, the statement that records it by hand.
  const record = journalsIntent(context.dialect)
    ? `run repair with repair-step: ${version.number}:${index + 1}=done`
    : recordStepByHand(context, version.number, index, statement)
  if (stillRunning) {
    return (
      `Let it end (or cancel it) before anything else. Then, if it took effect, record the step as done and re-run, which resumes ` +
      `after it: ${record}; if it did not, re-run as is: it runs again.`
    )
  }
  const seen = evidence ? ` (${evidence})` : ''
  const direct = journalsIntent(context.dialect)
    ? ''
    : "Over database-url or the runner Lambda the statement's own result is read, and this cannot happen."
  if (context.dialect.recovery.isMaintenance(statement.sql)) {
    return (
      `Whether it succeeded cannot be read from the catalog${seen}. It only maintains what exists (no data or schema change), so a re-run ` +
      `simply runs it again; but if it outlasts the Data API's 45 s call limit again, the outcome stays unknown. Once you have checked ` +
      `that it completed (or decided it need not run again), record the step as done and re-run, which resumes after it: ${record}${direct ? `; ${direct}` : '.'}`
    )
  }
  return (
    `Whether it took effect cannot be read from the catalog${seen}: check the database. If it took effect, record the step as done and ` +
    `re-run, which resumes after it: ${record}; if it did not, re-run as is: it runs again.${direct ? ` ${direct}` : ''}`
  )
}

/** The statement that records a step as done, for a person who checked that it took effect. */
function recordStepByHand(context: RunContext, version: number, step: number, statement: Statement): string {
  return context.dialect.meta.recordStepByHand(context.tables, version, {
    step,
    statementChecksum: statementChecksum(statement.sql),
    file: statement.file,
    line: statement.line
  })
}

function bareMessage(message: string): string {
  return message.trim().replace(/[.\s]+$/, '')
}

/**
 * Before `CREATE INDEX CONCURRENTLY IF NOT EXISTS name`: an INVALID index of that name (left by an
 * earlier failed build) would make the statement a silent no-op, so it is dropped first.
 */
async function prepareIndexBuild(context: RunContext, index: number, concurrentIndex: ConcurrentBuild): Promise<VersionOutcome | null> {
  if (!concurrentIndex.ifNotExists || concurrentIndex.name === null) return null
  const { target } = context
  const statement = context.steps[index].statement
  const { recovery } = context.dialect
  const existing = await recovery.findBuilt(target, concurrentIndex)
  if (!existing || existing.valid || !existing.onTable) return null
  if (existing.building) {
    return stepFailed(
      context,
      index,
      { message: `the index ${existing.qualified} is being built by another session right now` },
      'Wait for that build to end and re-run.'
    )
  }
  const drop = recovery.dropStatement(existing.qualified, true)
  context.log(
    `${where(statement)}: the INVALID index ${existing.qualified} is left from an earlier failed build; dropping it (${drop}) before building it again`
  )
  try {
    await target.query(drop, undefined, { longRunning: { timeoutMs: context.statementTimeoutMs ?? null } })
  } catch (error) {
    return stepFailed(
      context,
      index,
      { message: `dropping the INVALID index ${existing.qualified} before rebuilding it failed: ${errorMessage(error)}` },
      `Run ${recovery.dropStatement(existing.qualified)}; yourself, then re-run.`
    )
  }
  return null
}

/**
 * After CREATE INDEX CONCURRENTLY answered an error (or no answer): the catalog decides. A valid index
 * means the build succeeded whatever the reply said; an INVALID one must be dropped before anything else.
 */
async function indexBuildFailed(
  context: RunContext,
  index: number,
  concurrentIndex: ConcurrentBuild,
  error: SqlErrorInfo,
  invalidBefore: string[] | null,
  extra: string
): Promise<VersionOutcome | null> {
  const statement = context.steps[index].statement
  const { recovery } = context.dialect
  let state: BuildState | null
  let leftBehind: string[]
  try {
    if (concurrentIndex.name !== null) {
      state = await recovery.findBuilt(context.target, concurrentIndex)
      leftBehind = state && state.onTable && !state.valid && !state.building ? [state.qualified] : []
    } else {
      state = null
      const after = await recovery.invalidOn(context.target, concurrentIndex)
      leftBehind = invalidBefore ? after.filter((name) => !invalidBefore.includes(name)) : after
    }
  } catch (lookup) {
    context.log(`Could not look up the index of ${where(statement)} in the catalog: ${errorMessage(lookup)}`)
    const check = recovery.checkInvalidHint
    return extra
      ? failedStep(context, index, error, `${extra}${check}`, inDoubtSentence(context, index))
      : stepFailed(context, index, error, check)
  }
  if (state && state.onTable && state.building) {
    // The transport gave up waiting (a time limit, a lost reply) while the build goes on.
    return stepFailed(
      context,
      index,
      error,
      `The build of ${state.qualified} is still running on the server (${recovery.buildProgressHint}). Let it end, then re-run: ` +
        `a re-run finds the index and goes on if it is valid, or names it if the build failed.`
    )
  }
  if (state && state.onTable && state.valid) {
    context.log(
      `${where(statement)} answered "${error.message}", but the index ${state.qualified} exists and is valid: the statement took effect; continuing`
    )
    return null
  }
  if (leftBehind.length) {
    const drops = leftBehind.map((name) => `${recovery.dropStatement(name)};`).join(' ')
    const advice =
      `The failed build left the INVALID index ${leftBehind.join(', ')} behind (it slows writes and is never used): ` +
      `drop it with ${drops} then fix the cause${concurrentIndex.unique ? ' (duplicate values, for a unique index)' : ''} and re-run.` +
      (concurrentIndex.ifNotExists
        ? ' (A re-run also drops it by itself before building again, since the statement says IF NOT EXISTS.)'
        : '')
    // The catalog says how it ended: no doubt left about whether it took effect.
    return stepFailed(context, index, error, advice)
  }
  if (!extra) return stepFailed(context, index, error, null)
  // No result, and no index of that name: the build never created it (it does so at once when it starts).
  if (concurrentIndex.name !== null && !state) {
    return failedStep(
      context,
      index,
      error,
      `The catalog shows no index ${concurrentIndex.name}: the statement did not take effect; a re-run runs it again.`,
      rerunSentence(context)
    )
  }
  return failedStep(context, index, error, extra.trim(), inDoubtSentence(context, index))
}
