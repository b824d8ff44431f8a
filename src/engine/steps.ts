/**
 * A version that cannot run in one transaction: it has files starting with `-- migrate:no-transaction`
 * (CREATE INDEX CONCURRENTLY, VACUUM …), or an earlier run left it partly applied.
 *
 * Its files run in order as segments. Consecutive ordinary files form one transaction (the usual
 * preamble: fence, not-yet-applied check, SET LOCAL timeouts). Each no-transaction file's statements
 * run one at a time, each committed on its own and never re-sent, each preceded by a lease renewal
 * (a short autocommit UPDATE): no transaction of the engine is open while such a statement runs, so a
 * concurrent index build never waits for the engine's own lease. Every completed statement (step) is
 * recorded in the progress table; a re-run checks the recorded ones against the files and resumes
 * after them. The version counts as applied only once its meta row exists: the last transaction
 * writes it and forgets the progress.
 */
import { createHash } from 'node:crypto'
import {
  CommitOutcomeUnknownError,
  DatabaseError,
  LeaseLostError,
  MigrationFileError,
  StatementOutcomeUnknownError,
  StepFailedError,
  TransportError,
  errorMessage,
  type SqlErrorInfo
} from '../errors.js'
import type { MigrationFile, Statement, Version } from '../migrations/types.js'
import { findRunningStatement } from '../targets/running-statement.js'
import type { Row } from '../targets/target.js'
import {
  dropIndexStatement,
  findIndex,
  invalidIndexesOn,
  parseCreateIndexConcurrently,
  type ConcurrentIndex,
  type IndexState
} from './indexes.js'
import {
  deleteProgressStatement,
  insertProgressStatement,
  progressTableExists,
  readProgress,
  type MetaTables,
  type ProgressRow
} from './meta.js'
import { checkEffect, isMaintenance, snapshotBefore, statementEffect, type StatementEffect } from './statement-effects.js'
import {
  engineFailure,
  leaseLostAt,
  locate,
  notAppliedStatement,
  preview,
  recordStatement,
  runFenced,
  settingsStatements,
  settledVersion,
  versionRecorded
} from './fenced-transaction.js'
import type { EngineContext, VersionOutcome } from './types.js'
import { plural } from './words.js'

/** sha256 of a statement's text, as the progress table records it. */
export function statementChecksum(sql: string): string {
  return `sha256:${createHash('sha256').update(sql, 'utf8').digest('hex')}`
}

interface Step {
  statement: Statement
  file: MigrationFile
}

/** Steps [start, end) of the version: one transaction, or statements run one by one. */
interface Segment {
  inTransaction: boolean
  start: number
  end: number
}

/** Consecutive ordinary files form one transaction segment; each no-transaction file is a segment of its own. */
export function segmentsOf(files: MigrationFile[]): Segment[] {
  const segments: Segment[] = []
  let step = 0
  for (const file of files) {
    const count = file.statements.length
    const last = segments[segments.length - 1]
    if (!file.noTransaction && last?.inTransaction) last.end += count
    else segments.push({ inTransaction: !file.noTransaction, start: step, end: step + count })
    step += count
  }
  return segments.filter((segment) => segment.end > segment.start)
}

function where(statement: { file: string; line: number }): string {
  return `${statement.file}:${statement.line}`
}

/** Steps a..b as people count them (1-based). */
function stepRange(from: number, to: number): string {
  return from === to ? `step ${from}` : `steps ${from}–${to}`
}

/**
 * Checks the recorded steps against the statements on disk: a statement that ran must not have changed.
 * Returns how many steps are complete.
 */
function checkProgress(version: Version, steps: Step[], rows: ProgressRow[], tables: MetaTables): number {
  const progressTable = `${tables.display}_progress`
  rows.forEach((row, index) => {
    if (row.step !== index) {
      throw new Error(
        `The progress of v${version.number} in ${progressTable} is not a run of steps from 0 (step ${index} is missing); was the table edited by hand? ` +
          `Nothing was run. Compare the database with the version's statements and correct the table.`
      )
    }
  })
  for (const row of rows) {
    const step = steps[row.step]
    if (step && statementChecksum(step.statement.sql) === row.statementChecksum) continue
    const place = step ? where(step.statement) : `${row.file}:${row.line}`
    const change = step ? 'has changed since it ran' : 'no longer exists (the version has fewer statements now)'
    throw new MigrationFileError(
      `v${version.number} is partly applied: ${stepRange(1, rows.length)} of ${steps.length} ran in an earlier run, but the statement at ${place} (step ${row.step + 1}) ${change}. ` +
        `Statements that ran must not be edited: restore it as it ran (only the statements after step ${rows.length} may still change). ` +
        `To start v${version.number} over instead, undo what its completed statements did and delete its rows from ${progressTable}. Nothing was run.`,
      step ? { file: step.statement.file, line: step.statement.line, column: step.statement.column } : { file: row.file, line: row.line }
    )
  }
  return rows.length
}

export async function applyInSteps(engine: EngineContext, version: Version): Promise<VersionOutcome> {
  const { target, tables, now } = engine
  const steps: Step[] = version.files.flatMap((file) => file.statements.map((statement) => ({ statement, file })))
  const outside = version.files.filter((file) => file.noTransaction)
  if (!(await progressTableExists(target, tables))) {
    return {
      kind: 'failed',
      error: new Error(
        `v${version.number} runs outside a transaction (${outside.map((f) => f.path).join(', ') || 'resuming an earlier run'}) and needs the table ${tables.display}_progress, ` +
          `which does not exist and could not be created: create it once as a user with CREATE on schema ${tables.schema} (any apply does), or grant CREATE. Nothing of v${version.number} was applied.`
      )
    }
  }
  let completed: number
  try {
    completed = checkProgress(version, steps, await readProgress(target, tables, version.number), tables)
  } catch (error) {
    return { kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) }
  }

  const label = `v${version.number}${version.description ? ` (${version.description})` : ''}`
  if (completed > 0) {
    engine.log(`Resuming v${version.number} after step ${completed} of ${steps.length} (${where(steps[completed - 1].statement)})`)
  } else {
    const how = outside.length
      ? `; ${outside.length === 1 ? `${outside[0].name} runs` : `${outside.length} files run`} outside a transaction`
      : ''
    engine.log(`Applying ${label}: ${plural(steps.length, 'statement')} in ${plural(version.files.length, 'file')}${how}`)
  }
  const started = now()
  const applied = (): VersionOutcome => ({
    kind: 'applied',
    applied: {
      version: version.number,
      description: version.description,
      durationMs: now() - started,
      statements: steps.length,
      files: version.files.map((file) => ({ name: file.name, path: file.path, statements: file.statements.length }))
    }
  })
  const context: RunContext = { ...engine, version, steps, completed, applied, startedAt: started }

  const segments = segmentsOf(version.files)
    .filter((segment) => segment.end > completed)
    .map((segment) => ({ ...segment, start: Math.max(segment.start, completed) }))
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]
    const last = index === segments.length - 1
    const outcome = segment.inTransaction ? await runTransactionSegment(context, segment, last) : await runOutsideSegment(context, segment)
    if (outcome) return outcome
  }
  return recordVersion(context)
}

/** The run's context, and the version being applied in steps. */
interface RunContext extends EngineContext {
  version: Version
  steps: Step[]
  /** Steps complete so far (recorded in the progress table). */
  completed: number
  applied: () => VersionOutcome
  /** When this run started the version (now()): its meta row's execution_ms counts from here, not from its last transaction. */
  startedAt: number
}

/** The version's meta row insert, with the time its earlier steps took in execution_ms. */
function recordWholeVersion(context: RunContext): ReturnType<typeof recordStatement> {
  return recordStatement(context, context.version, context.now() - context.startedAt)
}

function progressRows(
  context: RunContext,
  from: number,
  to: number
): Array<{ step: number; statementChecksum: string; file: string; line: number }> {
  return context.steps.slice(from, to).map((step, offset) => ({
    step: from + offset,
    statementChecksum: statementChecksum(step.statement.sql),
    file: step.statement.file,
    line: step.statement.line
  }))
}

/** What a failure leaves behind, for the error message. */
function outcomeSentence(context: RunContext, extra = ''): string {
  const { version, steps, completed, tables } = context
  if (completed === 0) return `${extra}Nothing of v${version.number} was applied; versions before it stay applied.`
  return (
    `${extra}v${version.number} is partly applied: ${stepRange(1, completed)} of ${steps.length} ran and stay applied (recorded in ${tables.display}_progress), ` +
    `and v${version.number} is not recorded as applied. Fix the failing statement and re-run: the run resumes after step ${completed}.`
  )
}

function stepFailed(context: RunContext, stepIndex: number, error: SqlErrorInfo, advice: string | null, extra = ''): VersionOutcome {
  const step = context.steps[stepIndex]
  const location = locate(step.statement, error.position)
  return {
    kind: 'failed',
    error: new StepFailedError(
      context.version.number,
      location,
      error,
      preview(step.statement.sql),
      context.completed,
      context.steps.length,
      advice,
      outcomeSentence(context, extra)
    )
  }
}

/**
 * Ordinary files between no-transaction ones: one fenced transaction that also records its steps, or
 * (when it is the version's last segment) records the version itself.
 */
async function runTransactionSegment(
  context: RunContext,
  segment: { start: number; end: number },
  last: boolean
): Promise<VersionOutcome | null> {
  const { version, steps, tables } = context
  const range = stepRange(segment.start + 1, segment.end)
  const progress = insertProgressStatement(tables, version.number, progressRows(context, segment.start, segment.end))
  const outcome = await runFenced(context, {
    what: last ? `v${version.number}` : `${range} of v${version.number}`,
    head: [notAppliedStatement(version, tables), ...settingsStatements(context)],
    body: steps.slice(segment.start, segment.end).map((step) => ({ sql: step.statement.sql })),
    tail: last
      ? [recordWholeVersion(context), { ...deleteProgressStatement(tables, version.number), label: 'progress' }]
      : [{ sql: progress.sql, params: progress.params, expectRows: segment.end - segment.start, label: 'progress' }],
    // The meta row (last segment) or the segment's progress rows, written in the same transaction, say whether it committed.
    settle: async () =>
      last ? versionRecorded(context, version) : (await readProgress(context.target, tables, version.number)).length >= segment.end,
    settledFrom: last ? tables.display : `${tables.display}_progress`
  })
  if (outcome.kind === 'committed') {
    if (last) return context.applied()
    context.completed = segment.end
    return null
  }
  if (outcome.kind === 'lost') {
    if (typeof outcome.settled === 'string')
      return settledVersion(version, { ...outcome, settled: outcome.settled }, context.applied, tables)
    if (outcome.settled === true) {
      context.completed = segment.end
      return null
    }
    if (last && outcome.settled === null) return settledVersion(version, { ...outcome, settled: null }, context.applied, tables)
    return {
      kind: 'failed',
      error: new CommitOutcomeUnknownError(
        `The commit of ${range} of v${version.number} got no reply and ${outcome.settled === false ? 'they are not recorded: they were not applied' : 'whether they commit is not known yet'}. ` +
          rerunSentence(context),
        { cause: outcome.error }
      )
    }
  }
  if (outcome.part.part !== 'statement') {
    const afterwards = `The transaction of ${range} was rolled back. ${rerunSentence(context)}`
    return engineFailure(context, version, outcome.failure, outcome.part.part, afterwards)
  }
  const extra = context.completed > 0 ? `The transaction of ${range} was rolled back. ` : ''
  return stepFailed(context, segment.start + outcome.part.index, outcome.failure.error, null, extra)
}

/** What the failure leaves behind, when it is not the fault of a statement of the version. */
function rerunSentence(context: RunContext): string {
  return outcomeSentence(context).replace('Fix the failing statement and re-run', 'Re-run')
}

/** A no-transaction file: each statement on its own, after a lease renewal, recorded once it completed. */
async function runOutsideSegment(context: RunContext, segment: { start: number; end: number }): Promise<VersionOutcome | null> {
  const { target, version, lease, tables, steps } = context
  for (let index = segment.start; index < segment.end; index++) {
    try {
      await lease.renew()
    } catch (error) {
      const rerun = rerunSentence(context)
      if (error instanceof LeaseLostError)
        return {
          kind: 'failed',
          error: await leaseLostAt(context, `before step ${index + 1} of v${version.number}`, rerun)
        }
      return {
        kind: 'failed',
        error: new Error(
          `Renewing the migration lease before step ${index + 1} of v${version.number} failed: ${errorMessage(error)}. ${rerun}`,
          { cause: error }
        )
      }
    }
    const failure = await runStatementAlone(context, index)
    if (failure) return failure
    const progress = insertProgressStatement(tables, version.number, progressRows(context, index, index + 1))
    try {
      await target.query(progress.sql, progress.params)
    } catch (error) {
      const step = steps[index]
      return {
        kind: 'failed',
        error: new Error(
          `v${version.number} step ${index + 1} (${where(step.statement)}) ran, but recording it in ${tables.display}_progress failed: ${errorMessage(error)}. ` +
            `A re-run would run it again: if that is not safe, insert its row into ${tables.display}_progress by hand (step ${index}, statement_checksum '${statementChecksum(step.statement.sql)}') before re-running.`
        )
      }
    }
    context.completed = index + 1
  }
  return null
}

/** Outcome of one statement run on its own: null when it completed (or the catalog shows it took effect). */
async function runStatementAlone(context: RunContext, index: number): Promise<VersionOutcome | null> {
  const { target } = context
  const statement = context.steps[index].statement
  const longRunning = { longRunning: { timeoutMs: context.statementTimeoutMs ?? null } }
  const concurrentIndex = parseCreateIndexConcurrently(statement.sql)
  const effect = concurrentIndex ? null : statementEffect(statement.sql)
  let invalidBefore: string[] | null = null
  if (concurrentIndex) {
    const prepared = await prepareIndexBuild(context, index, concurrentIndex)
    if (prepared) return prepared
    if (concurrentIndex.name === null) invalidBefore = await invalidIndexesOn(target, concurrentIndex).catch(() => null)
  }
  // What the statement's effect will be compared with, should its result never arrive (statistics, file nodes).
  const before = effect ? await snapshotBefore(target, effect).catch(() => null) : null
  try {
    await target.query(statement.sql, undefined, longRunning)
    return null
  } catch (error) {
    const info = errorInfo(error)
    if (error instanceof DatabaseError) {
      return concurrentIndex
        ? indexBuildFailed(context, index, concurrentIndex, info, invalidBefore, '')
        : stepFailed(context, index, info, null)
    }
    // No result: the statement may or may not have run. The catalog decides where it can.
    if (concurrentIndex) return indexBuildFailed(context, index, concurrentIndex, info, invalidBefore, unansweredExtra(error))
    return settleUnanswered(context, index, error, effect, before)
  }
}

function unansweredExtra(error: unknown): string {
  const why = error instanceof StatementOutcomeUnknownError ? 'it outlasted the call' : 'the transport failed'
  return `Whether the statement took effect is not known (${why}): check the database before re-running, which runs it again. `
}

/**
 * A statement whose result never arrived: its effect in the catalog settles it (statement-effects.ts).
 * Done: it is recorded like any completed step. Not done: the step failed, and a re-run runs it again.
 * Unknown: the step fails saying so — never "nothing was applied" — with the way out for people.
 */
async function settleUnanswered(
  context: RunContext,
  index: number,
  error: unknown,
  effect: StatementEffect | null,
  before: Row[] | null
): Promise<VersionOutcome | null> {
  const { target } = context
  const statement = context.steps[index].statement
  const info = errorInfo(error)
  const stillRunning = error instanceof TransportError && error.code === 'STATEMENT_STILL_RUNNING'
  let evidence: string | null = null
  if (effect && !stillRunning) {
    try {
      const check = await checkEffect(target, effect, before)
      if (check.verdict === 'done') {
        context.log(
          `${where(statement)} got no result (${bareMessage(info.message)}), but the catalog shows it took effect: ${check.evidence}; continuing`
        )
        return null
      }
      if (check.verdict === 'not-done' && !(await findRunningStatement(target, statement.sql))) {
        return failedStep(context, index, info, `The catalog shows it did not take effect: ${check.evidence}.`, rerunSentence(context))
      }
      evidence = check.evidence
    } catch (lookup) {
      context.log(`Could not look for the effect of ${where(statement)} in the catalog: ${errorMessage(lookup)}`)
    }
  }
  return failedStep(context, index, info, unknownOutcomeAdvice(context, index, evidence, stillRunning), inDoubtSentence(context, index))
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
  const record = recordStepByHand(context.tables, version.number, index, statement)
  if (stillRunning) {
    return (
      `Let it end (or cancel it) before anything else. Then, if it took effect, record the step as done and re-run, which resumes ` +
      `after it: ${record}; if it did not, re-run as is: it runs again.`
    )
  }
  const seen = evidence ? ` (${evidence})` : ''
  const direct = "Over database-url or the runner Lambda the statement's own result is read, and this cannot happen."
  if (isMaintenance(statement.sql)) {
    return (
      `Whether it succeeded cannot be read from the catalog${seen}. It only maintains what exists (no data or schema change), so a re-run ` +
      `simply runs it again; but if it outlasts the Data API's 45 s call limit again, the outcome stays unknown. Once you have checked ` +
      `that it completed (or decided it need not run again), record the step as done and re-run, which resumes after it: ${record}; ${direct}`
    )
  }
  return (
    `Whether it took effect cannot be read from the catalog${seen}: check the database. If it took effect, record the step as done and ` +
    `re-run, which resumes after it: ${record}; if it did not, re-run as is: it runs again. ${direct}`
  )
}

/** The statement that records a step as done, for a person who checked that it took effect. */
export function recordStepByHand(tables: MetaTables, version: number, step: number, statement: Statement): string {
  const text = (value: string) => `'${value.replace(/'/g, "''")}'`
  return (
    `INSERT INTO ${tables.progress} (version, step, statement_checksum, file, line) ` +
    `VALUES (${version}, ${step}, ${text(statementChecksum(statement.sql))}, ${text(statement.file)}, ${statement.line})`
  )
}

function bareMessage(message: string): string {
  return message.trim().replace(/[.\s]+$/, '')
}

/** A failed step with the sentence on what it left behind given by the caller. */
function failedStep(context: RunContext, stepIndex: number, error: SqlErrorInfo, advice: string, outcome: string): VersionOutcome {
  const step = context.steps[stepIndex]
  return {
    kind: 'failed',
    error: new StepFailedError(
      context.version.number,
      locate(step.statement, error.position),
      error,
      preview(step.statement.sql),
      context.completed,
      context.steps.length,
      advice,
      outcome
    )
  }
}

function errorInfo(error: unknown): SqlErrorInfo {
  if (error instanceof DatabaseError) return error.info
  return { message: errorMessage(error) }
}

/**
 * Before `CREATE INDEX CONCURRENTLY IF NOT EXISTS name`: an INVALID index of that name (left by an
 * earlier failed build) would make the statement a silent no-op, so it is dropped first.
 */
async function prepareIndexBuild(context: RunContext, index: number, concurrentIndex: ConcurrentIndex): Promise<VersionOutcome | null> {
  if (!concurrentIndex.ifNotExists || concurrentIndex.name === null) return null
  const { target } = context
  const statement = context.steps[index].statement
  const existing = await findIndex(target, concurrentIndex)
  if (!existing || existing.valid || !existing.onTable) return null
  if (existing.building) {
    return stepFailed(
      context,
      index,
      { message: `the index ${existing.qualified} is being built by another session right now` },
      'Wait for that build to end and re-run.'
    )
  }
  const drop = dropIndexStatement(existing.qualified, true)
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
      `Run ${dropIndexStatement(existing.qualified)}; yourself, then re-run.`
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
  concurrentIndex: ConcurrentIndex,
  error: SqlErrorInfo,
  invalidBefore: string[] | null,
  extra: string
): Promise<VersionOutcome | null> {
  const statement = context.steps[index].statement
  let state: IndexState | null
  let leftBehind: string[]
  try {
    if (concurrentIndex.name !== null) {
      state = await findIndex(context.target, concurrentIndex)
      leftBehind = state && state.onTable && !state.valid && !state.building ? [state.qualified] : []
    } else {
      state = null
      const after = await invalidIndexesOn(context.target, concurrentIndex)
      leftBehind = invalidBefore ? after.filter((name) => !invalidBefore.includes(name)) : after
    }
  } catch (lookup) {
    context.log(`Could not look up the index of ${where(statement)} in the catalog: ${errorMessage(lookup)}`)
    const check = 'Check whether it left an INVALID index behind (pg_index.indisvalid) and drop it with DROP INDEX CONCURRENTLY.'
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
      `The build of ${state.qualified} is still running on the server (see pg_stat_progress_create_index). Let it end, then re-run: ` +
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
    const drops = leftBehind.map((name) => `${dropIndexStatement(name)};`).join(' ')
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

/** The last transaction of a version whose last segment ran outside a transaction: its meta row. */
async function recordVersion(context: RunContext): Promise<VersionOutcome> {
  const { version, tables } = context
  const outcome = await runFenced(context, {
    what: `v${version.number}`,
    head: [notAppliedStatement(version, tables)],
    body: [],
    tail: [recordWholeVersion(context), { ...deleteProgressStatement(tables, version.number), label: 'progress' }],
    settle: () => versionRecorded(context, version)
  })
  if (outcome.kind === 'committed') return context.applied()
  if (outcome.kind === 'lost') return settledVersion(version, outcome, context.applied, tables)
  // No statement of the version is in this transaction: whatever failed, it was not one of them.
  const part = outcome.part.part === 'statement' ? 'unknown' : outcome.part.part
  const afterwards = `All statements of v${version.number} ran and stay applied; v${version.number} is not recorded as applied. A re-run records it without running them again.`
  return engineFailure(context, version, outcome.failure, part, afterwards)
}
