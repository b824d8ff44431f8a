/**
 * What drift asks of a dialect (its port): the catalog as SchemaObjects in one call over any transport, the roles
 * on a server, and the SQL that turns one object into another. Replaying the history, comparing and reporting
 * (replay.ts, compare.ts, report.ts) are the same for every dialect.
 */
import type { MetaTables } from '../engine/meta.js'
import type { SchemaObject } from '../review/schema-change.js'
import type { Target } from '../targets/target.js'

/** One statement of a fixing script: drops run first (dependents before what they depend on), then creates and changes. */
export interface SqlStep {
  phase: 'drop' | 'create'
  /** One statement with its `;`, or a `--` comment where no statement can be written from the catalog. */
  sql: string
}

export interface DriftDialect {
  /**
   * The catalog in one call. `roles`: whose grants are read (the roles the migrations created); `bodies`: whether
   * routines carry their whole definition in `source`; `history`: the migration history's own tables, left out with
   * all on them.
   */
  snapshot(target: Target, options: { roles: string[]; bodies: boolean; history: MetaTables }): Promise<SchemaObject[]>
  /** Every role (user) on the server, by name. */
  roles(target: Target): Promise<string[]>
  /**
   * The SQL that turns `from` into `to` (null: the object is created, or dropped); `objects` is the snapshot `to`
   * belongs to (a created table's columns).
   */
  transition(from: SchemaObject | null, to: SchemaObject | null, objects: readonly SchemaObject[]): SqlStep[]
  /** Whether an object is written inside its table's CREATE TABLE (MySQL's indexes), beside the columns that always are. */
  createdWithTable?(object: SchemaObject): boolean
}
