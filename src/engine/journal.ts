/**
 * The intent journal of a dialect whose DDL commits on its own (EngineDialect.meta.insertStarted): before a
 * statement runs alone, a 'started' row with a fingerprint of the catalog objects it names is committed;
 * once it completed, the row becomes 'done'. A run that finds 'started' without 'done' (an earlier run
 * crashed, or lost the reply) settles it from the catalog: DDL is atomic per statement there, so a changed
 * fingerprint means the statement ran and an unchanged one that it did not. What it cannot settle it says,
 * with the way out; it never re-sends blindly.
 */
import { MigrationFileError, errorMessage } from '../errors.js'
import type { Version } from '../migrations/types.js'
import type { EffectCheck, EngineDialect } from './dialect.js'
import type { MetaTables } from './meta.js'
import type { ProgressRow } from './meta-store.js'
import { statementChecksum, where, type RunContext, type Step } from './step-context.js'

/** Whether the dialect journals intent: both the 'started' rows and the fingerprint that settles them. */
export function journalsIntent(dialect: EngineDialect): boolean {
  return !!dialect.meta.insertStarted && !!dialect.meta.forgetStarted && !!dialect.recovery.fingerprint
}

/**
 * Commits the 'started' row of step `index`, with the fingerprint its objects have now; returns that
 * fingerprint (null when the statement names nothing the catalog shows), which also settles a reply lost
 * within this run.
 */
export async function markStarted(context: RunContext, index: number): Promise<{ fingerprint: string | null }> {
  const { dialect, target, tables, version } = context
  const step = context.steps[index]
  const fingerprint = (await dialect.recovery.fingerprint?.(target, step.statement.sql)) ?? null
  const query = dialect.meta.insertStarted!(tables, version.number, progressStep(step, index), fingerprint)
  await target.query(query.sql, query.params)
  return { fingerprint }
}

/** What the journal's fingerprint shows of a statement sent without a reply: changed, it ran; unchanged, it did not. */
export async function checkJournaled(context: RunContext, sql: string, before: string | null): Promise<EffectCheck> {
  const now = before === null ? null : await context.dialect.recovery.fingerprint!(context.target, sql)
  if (before === null || now === null)
    return { verdict: 'unknown', evidence: 'the statement names nothing whose definition the catalog shows' }
  return now === before
    ? { verdict: 'not-done', evidence: 'the catalog of the objects it names is as it was before it was sent' }
    : { verdict: 'done', evidence: 'the catalog of the objects it names changed after it was sent' }
}

/**
 * Forgets the 'started' row of a step the server refused (it did not run). Best effort: a row left behind
 * is settled by the next run from the catalog, as after a crash.
 */
export async function forgetStarted(context: RunContext, index: number): Promise<void> {
  const { dialect, target, tables, version } = context
  if (!journalsIntent(dialect)) return
  const query = dialect.meta.forgetStarted!(tables, version.number, index)
  try {
    await target.query(query.sql, query.params)
  } catch (error) {
    context.log(
      `Could not clear the journal row of ${where(context.steps[index].statement)}: ${errorMessage(error)}; the next run settles it from the catalog`
    )
  }
}

export function progressStep(step: Step, index: number): { step: number; statementChecksum: string; file: string; line: number } {
  return { step: index, statementChecksum: statementChecksum(step.statement.sql), file: step.statement.file, line: step.statement.line }
}

/** How a person settles a started step by hand: repair marks it done or not done. */
function repairWay(version: number, step: number): string {
  return (
    `Check the database, then record what happened with repair: repair-step: ${version}:${step}=done if it took effect, ` +
    `or repair-step: ${version}:${step}=not-done if it did not; the next apply then resumes after it, or runs it again.`
  )
}

/**
 * Settles the 'started' row an earlier run left (the last row of the version's progress). Returns
 * whether the step ran (true: record it done and resume after it; false: run it again), or throws a
 * MigrationFileError when the catalog cannot tell or the statement was edited since it was sent.
 */
export async function settleStarted(
  context: Pick<RunContext, 'dialect' | 'target' | 'tables' | 'log'>,
  version: Version,
  steps: Step[],
  row: ProgressRow
): Promise<boolean> {
  const step = steps[row.step]
  const number = version.number
  const label = `v${number} step ${row.step + 1}`
  if (!step || statementChecksum(step.statement.sql) !== row.statementChecksum) {
    const place = step ? where(step.statement) : `${row.file}:${row.line}`
    throw new MigrationFileError(
      `${label} (${place}) was sent by an earlier run that never learned whether it took effect, and the statement ${step ? 'has changed' : 'no longer exists'} since. ` +
        `Which text ran cannot be settled from the files. ${repairWay(number, row.step + 1)} Nothing was run.`,
      step ? { file: step.statement.file, line: step.statement.line, column: step.statement.column } : { file: row.file, line: row.line }
    )
  }
  const now = row.fingerprint === null ? null : await context.dialect.recovery.fingerprint!(context.target, step.statement.sql)
  if (row.fingerprint === null || now === null) {
    throw new MigrationFileError(
      `${label} (${where(step.statement)}) was sent by an earlier run that never learned whether it took effect, and the catalog cannot tell: ` +
        `the statement names no table, view, routine, trigger or event whose definition would show it. ${repairWay(number, row.step + 1)} Nothing was run.`,
      { file: step.statement.file, line: step.statement.line, column: step.statement.column }
    )
  }
  const ran = now !== row.fingerprint
  if (!ran && (await context.dialect.recovery.findRunning(context.target, step.statement.sql).catch(() => undefined))) {
    throw new MigrationFileError(
      `${label} (${where(step.statement)}), sent by an earlier run, is still running on the server. Wait for it to finish, then re-run; nothing was run.`,
      { file: step.statement.file, line: step.statement.line, column: step.statement.column }
    )
  }
  context.log(
    ran
      ? `${label} (${where(step.statement)}) was sent by an earlier run without a reply; the catalog shows it took effect: recording it as done`
      : `${label} (${where(step.statement)}) was sent by an earlier run without a reply; the catalog shows it did not take effect: running it again`
  )
  return ran
}

/** Records a settled step as done (state 'done', replacing its 'started' row). */
export async function recordSettled(
  context: Pick<RunContext, 'dialect' | 'target'>,
  tables: MetaTables,
  version: number,
  step: Step,
  index: number
): Promise<void> {
  const query = context.dialect.meta.insertProgress(tables, version, [progressStep(step, index)])
  await context.target.query(query.sql, query.params)
}
