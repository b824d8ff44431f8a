/**
 * What the SQL script (`plan --sql`, `sql-output`) asks of a dialect: turning the record of what apply sent
 * (recording-target.ts) into a script its client runs. Recording and checking are the same for every dialect
 * (commands/sql-script.ts); a dialect without this part has no script yet, and plan says so.
 */
import type { LeaseSql } from '../engine/dialect.js'
import type { MetaTables } from '../engine/meta.js'
import type { Version } from '../migrations/types.js'
import type { Sent } from './recording-target.js'

export interface ScriptInput {
  /** Lines of the script's opening comment (what, where, when). */
  header: string[]
  /** The pending versions, in the order the engine applies them (the plan's). */
  pending: Version[]
  sent: Sent[]
  tables: MetaTables
  lease: LeaseSql
}

export interface SqlScriptDialect {
  /** The script of what the engine sent. */
  render(input: ScriptInput): string
}
