/**
 * A version that cannot run in one transaction: it has files starting with `-- migrate:no-transaction`
 * (CREATE INDEX CONCURRENTLY, VACUUM …), or an earlier run left it partly applied.
 *
 * Its files run in order as segments. Consecutive ordinary files form one transaction (the usual
 * preamble: fence, not-yet-applied check, the transaction's timeouts). Each no-transaction file's statements
 * run one at a time, each committed on its own and never re-sent, each preceded by a lease renewal
 * (a short autocommit UPDATE): no transaction of the engine is open while such a statement runs, so a
 * concurrent index build never waits for the engine's own lease. Every completed statement (step) is
 * recorded in the progress table; a re-run checks the recorded ones against the files and resumes
 * after them. The version counts as applied only once its meta row exists: the last transaction
 * writes it and forgets the progress.
 */
import { CommitOutcomeUnknownError, LeaseLostError, MigrationFileError, errorMessage } from '../errors.js'
import type { MigrationFile, Version } from '../migrations/types.js'
import type { MetaTables } from './meta.js'
import { progressTableExists, readProgress, type ProgressRow } from './meta-store.js'
import {
  engineFailure,
  leaseLostAt,
  notAppliedStatement,
  recordStatement,
  runFenced,
  settingsStatements,
  settledVersion,
  versionRecorded
} from './fenced-transaction.js'
import { rerunSentence, statementChecksum, stepFailed, stepRange, where, type RunContext, type Step } from './step-context.js'
import type { EngineContext, VersionOutcome } from './types.js'
import { runStatementAlone } from './unknown-outcomes.js'
import { journalsIntent, markStarted, recordSettled, settleStarted } from './journal.js'
import { plural } from '../text.js'
import { nextChunk, runChunk, runsInRoutines, type Segment } from './version-routine.js'
import { awaitTableLocks } from './preflight.js'

export { statementChecksum } from './step-context.js'

/**
 * Consecutive statements that may share a transaction form one transaction segment; a statement that runs
 * alone (its file is a no-transaction file, or it commits on its own: `commitsImplicitly`, MySQL's DDL) is
 * in an outside segment, run one statement at a time.
 */
export function segmentsOf(files: MigrationFile[], commitsImplicitly: (sql: string) => boolean = () => false): Segment[] {
  const segments: Segment[] = []
  let step = 0
  for (const file of files) {
    for (const statement of file.statements) {
      const inTransaction = !file.noTransaction && !commitsImplicitly(statement.sql)
      const last = segments[segments.length - 1]
      if (last && last.inTransaction === inTransaction && last.end === step) last.end += 1
      else segments.push({ inTransaction, start: step, end: step + 1 })
      step += 1
    }
  }
  return segments
}

/**
 * Checks the recorded steps against the statements on disk: a statement that ran must not have changed.
 * Returns how many steps are complete, and the 'started' row an earlier run left after them (a statement
 * sent whose outcome it never learned), if any.
 */
function checkProgress(
  version: Version,
  steps: Step[],
  rows: ProgressRow[],
  tables: MetaTables
): { completed: number; started: ProgressRow | null } {
  const progressTable = `${tables.display}_progress`
  rows.forEach((row, index) => {
    if (row.step !== index || (row.state === 'started' && index !== rows.length - 1)) {
      throw new Error(
        `The progress of v${version.number} in ${progressTable} is not a run of steps from 0 (step ${index} is missing or out of place); was the table edited by hand? ` +
          `Nothing was run. Compare the database with the version's statements and correct the table.`
      )
    }
  })
  const last = rows[rows.length - 1]
  const started = last?.state === 'started' ? last : null
  const done = started ? rows.slice(0, -1) : rows
  for (const row of done) {
    const step = steps[row.step]
    if (step && statementChecksum(step.statement.sql) === row.statementChecksum) continue
    const place = step ? where(step.statement) : `${row.file}:${row.line}`
    const change = step ? 'has changed since it ran' : 'no longer exists (the version has fewer statements now)'
    throw new MigrationFileError(
      `v${version.number} is partly applied: ${stepRange(1, done.length)} of ${steps.length} ran in an earlier run, but the statement at ${place} (step ${row.step + 1}) ${change}. ` +
        `Statements that ran must not be edited: restore it as it ran (only the statements after step ${done.length} may still change). ` +
        `To start v${version.number} over instead, undo what its completed statements did and delete its rows from ${progressTable}. Nothing was run.`,
      step ? { file: step.statement.file, line: step.statement.line, column: step.statement.column } : { file: row.file, line: row.line }
    )
  }
  return { completed: done.length, started }
}

/**
 * `unstarted`: the progress table exists and holds nothing of this version (the history read under the lease
 * says so, and this run has not tried it yet): it is not read again.
 */
export async function applyInSteps(engine: EngineContext, version: Version, unstarted = false): Promise<VersionOutcome> {
  const { target, tables, now } = engine
  const steps: Step[] = version.files.flatMap((file) => file.statements.map((statement) => ({ statement, file })))
  const outside = version.files.filter((file) => file.noTransaction)
  if (!unstarted && !(await progressTableExists(engine.dialect, target, tables))) {
    return {
      kind: 'failed',
      error: new Error(
        `v${version.number} runs outside a transaction (${outside.map((f) => f.path).join(', ') || 'resuming an earlier run'}) and needs the table ${tables.display}_progress, ` +
          `which does not exist and could not be created: create it once as a user with CREATE on schema ${tables.schema} (any apply does), or grant CREATE. Nothing of v${version.number} was applied.`
      )
    }
  }
  let completed = 0
  if (!unstarted)
    try {
      const progress = checkProgress(version, steps, await readProgress(engine.dialect, target, tables, version.number), tables)
      completed = progress.completed
      if (progress.started && (await settleStarted(engine, version, steps, progress.started))) {
        await recordSettled(engine, tables, version.number, steps[completed], completed)
        completed += 1
      }
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

  const all = segmentsOf(version.files, (sql) => engine.dialect.commitsImplicitly(sql))
  if (runsInRoutines(engine)) return runWithRoutines(context, all)
  const segments = all
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

/**
 * Where calls are sessions: the remaining steps as routines (version-routine.ts), as many per routine as fit;
 * a step a routine cannot hold, and a batch that failed inside one, run the ordinary way.
 */
async function runWithRoutines(context: RunContext, segments: Segment[]): Promise<VersionOutcome> {
  const { steps } = context
  let ordinaryUntil = 0
  while (context.completed < steps.length) {
    const chunk = context.completed >= ordinaryUntil ? nextChunk(context, segments) : null
    if (chunk) {
      const outcome = await runChunk(context, chunk)
      if (outcome === null) continue
      if ('ordinary' in outcome) {
        ordinaryUntil = outcome.ordinary
        continue
      }
      return outcome
    }
    const start = context.completed
    const segment = segments.find((s) => s.end > start)!
    const outcome = segment.inTransaction
      ? await runTransactionSegment(context, { start, end: segment.end }, segment.end === steps.length)
      : await runOutsideSegment(context, { start, end: start + 1 })
    if (outcome) return outcome
  }
  return recordVersion(context)
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
  const progress = context.dialect.meta.insertProgress(tables, version.number, progressRows(context, segment.start, segment.end))
  const outcome = await runFenced(context, {
    what: last ? `v${version.number}` : `${range} of v${version.number}`,
    head: [notAppliedStatement(context.dialect, version, tables), ...settingsStatements(context)],
    body: steps.slice(segment.start, segment.end).map((step) => ({ sql: step.statement.sql })),
    tail: last
      ? [recordWholeVersion(context), { ...context.dialect.meta.deleteProgress(tables, version.number), label: 'progress' }]
      : [{ sql: progress.sql, params: progress.params, expectRows: segment.end - segment.start, label: 'progress' }],
    // The meta row (last segment) or the segment's progress rows, written in the same transaction, say whether it committed.
    settle: async () =>
      last
        ? versionRecorded(context, version)
        : (await readProgress(context.dialect, context.target, tables, version.number)).length >= segment.end,
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

/** A no-transaction file: each statement on its own, after a lease renewal, recorded once it completed. */
async function runOutsideSegment(context: RunContext, segment: { start: number; end: number }): Promise<VersionOutcome | null> {
  const { target, version, lease, tables, steps } = context
  for (let index = segment.start; index < segment.end; index++) {
    // Other sessions holding its table's lock would stall the table while it waited: wait for them first, or refuse it.
    const refused = await awaitTableLocks(context, index, index + 1)
    if (refused) return refused
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
    let journaled: { fingerprint: string | null } | undefined
    if (journalsIntent(context.dialect)) {
      try {
        journaled = await markStarted(context, index)
      } catch (error) {
        return {
          kind: 'failed',
          error: new Error(
            `Journaling step ${index + 1} of v${version.number} (${where(steps[index].statement)}) in ${tables.display}_progress before running it failed: ${errorMessage(error)}. ` +
              `The step was not run. ${rerunSentence(context)}`,
            { cause: error }
          )
        }
      }
    }
    const failure = await runStatementAlone(context, index, journaled)
    if (failure) return failure
    const progress = context.dialect.meta.insertProgress(tables, version.number, progressRows(context, index, index + 1))
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

/** The last transaction of a version whose last segment ran outside a transaction: its meta row. */
async function recordVersion(context: RunContext): Promise<VersionOutcome> {
  const { version, tables } = context
  const outcome = await runFenced(context, {
    what: `v${version.number}`,
    head: [notAppliedStatement(context.dialect, version, tables)],
    body: [],
    tail: [recordWholeVersion(context), { ...context.dialect.meta.deleteProgress(tables, version.number), label: 'progress' }],
    settle: () => versionRecorded(context, version)
  })
  if (outcome.kind === 'committed') return context.applied()
  if (outcome.kind === 'lost') return settledVersion(version, outcome, context.applied, tables)
  // No statement of the version is in this transaction: whatever failed, it was not one of them.
  const part = outcome.part.part === 'statement' ? 'unknown' : outcome.part.part
  const afterwards = `All statements of v${version.number} ran and stay applied; v${version.number} is not recorded as applied. A re-run records it without running them again.`
  return engineFailure(context, version, outcome.failure, part, afterwards)
}
