/**
 * repair --repair-step V:S=done|not-done: a person settles a statement of a partly applied version whose
 * outcome no run could learn (the catalog could not tell, or the statement was edited after it was sent).
 * Done records it as completed, so apply resumes after it; not done forgets the earlier run's 'started' row,
 * so apply runs it again. Only the step right after the completed ones can be settled, and no SQL of the
 * version runs.
 */
import { OperationRefusedError } from '../errors.js'
import type { Version } from '../migrations/types.js'
import type { Target } from '../targets/target.js'
import { journalsIntent, progressStep } from './journal.js'
import { metaTableExists, readProgress } from './meta-store.js'
import { commit, engineContext, release, takeLease } from './operation-core.js'
import { readAppliedRows } from './history-pages.js'
import type { Step } from './step-context.js'
import type { OperationOptions } from './types.js'

export interface StepRepair {
  version: number
  /** 1-based, as messages count steps. */
  step: number
  done: boolean
}

/** What repair recorded: one sentence for people. */
export async function repairStep(target: Target, versions: Version[], repair: StepRepair, options: OperationOptions): Promise<string> {
  const { dialect, tables } = options
  const label = `step ${repair.step} of v${repair.version}`
  const version = versions.find((v) => v.number === repair.version)
  if (!version) throw new OperationRefusedError(`repair-step names v${repair.version}, which is not among the migrations on disk.`)
  const steps: Step[] = version.files.flatMap((file) => file.statements.map((statement) => ({ statement, file })))
  const index = repair.step - 1
  if (index >= steps.length)
    throw new OperationRefusedError(`repair-step names ${label}, but v${repair.version} has ${steps.length} statements.`)
  if (!journalsIntent(dialect) && !repair.done)
    throw new OperationRefusedError(
      `repair-step …=not-done: ${dialect.name} keeps no record of statements sent without a reply; there is nothing to forget.`
    )
  if (!(await metaTableExists(dialect, target, tables)))
    throw new OperationRefusedError(`${tables.display} does not exist: nothing was applied here, so there is no step to settle.`)

  const lease = await takeLease(target, options)
  try {
    if ((await readAppliedRows(dialect, target, tables)).some((row) => row.version === repair.version))
      throw new OperationRefusedError(`v${repair.version} is recorded as applied: its steps are settled.`)
    const rows = await readProgress(dialect, target, tables, repair.version)
    const completed = rows.filter((row) => row.state === 'done').length
    const started = rows.find((row) => row.state === 'started') ?? null
    if (index < completed)
      throw new OperationRefusedError(`${label} is already recorded as done; steps 1–${completed} of v${repair.version} ran.`)
    if (index > completed)
      throw new OperationRefusedError(
        `${label} cannot be settled before step ${completed + 1}: only the step right after the completed ones (${completed} of ${steps.length}) can be.`
      )
    const step = steps[index]
    const where = `${step.statement.file}:${step.statement.line}`
    const statements = repair.done
      ? [dialect.meta.insertProgress(tables, repair.version, [progressStep(step, index)])]
      : started
        ? [dialect.meta.forgetStarted!(tables, repair.version, index)]
        : []
    if (!statements.length) return `${label} (${where}) has no record of being sent: apply runs it; nothing to change.`
    const check = async (): Promise<boolean> => {
      const now = await readProgress(dialect, target, tables, repair.version)
      return repair.done ? now.filter((row) => row.state === 'done').length > index : !now.some((row) => row.state === 'started')
    }
    await commit(
      engineContext(target, lease, options),
      statements.map((query) => ({ sql: query.sql, params: query.params })),
      `the repair of ${label}`,
      check
    )
    const sentence = repair.done
      ? `Recorded ${label} (${where}) as done without running it: apply resumes after it.`
      : `Recorded ${label} (${where}) as not done: apply runs it again.`
    options.log(sentence)
    return sentence
  } finally {
    await release(lease, options)
  }
}
