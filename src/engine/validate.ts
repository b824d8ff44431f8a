/** validate: the migrations checked against the database, read-only (no table is created). */
import type { Version } from '../migrations/types.js'
import { planMigrations, type Plan, type PlanOptions } from '../plan.js'
import type { Target } from '../targets/target.js'
import type { EngineDialect } from './dialect.js'
import { readAppliedRows } from './history-pages.js'
import type { MetaTables } from './meta.js'
import { metaTableExists, readPartialVersions } from './meta-store.js'
import type { PartialVersion } from './types.js'
import { plural } from '../text.js'

export interface ValidateOptions extends PlanOptions {
  dialect: EngineDialect
  tables: MetaTables
}

export interface ValidateResult {
  plan: Plan
  partial: PartialVersion[]
  /** Why the step fails; empty when the database and the migrations agree. */
  problems: string[]
}

/** Checks the migrations against the database and changes nothing (no table is created). */
export async function validate(target: Target, versions: Version[], options: ValidateOptions): Promise<ValidateResult> {
  const { dialect } = options
  const exists = await metaTableExists(dialect, target, options.tables)
  const rows = exists ? await readAppliedRows(dialect, target, options.tables) : []
  const partial = exists ? await readPartialVersions(dialect, target, options.tables) : []
  const plan = planMigrations(versions, rows, options)
  const problems = [...plan.refusals, ...partial.map(partialProblem)]
  return { plan, partial, problems }
}

function partialProblem(partial: PartialVersion): string {
  return `v${partial.version} is only partly applied (${plural(partial.steps, 'statement', 'statements')} ran): re-run apply to finish it`
}
