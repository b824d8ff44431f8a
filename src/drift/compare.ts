/**
 * Drift: the schema the applied migrations make (replayed on a throwaway database) against the database's own, and
 * for each difference the SQL both ways — to make the database match the migrations, and to adopt the database's
 * change into a new migration. Pure.
 */
import { KIND_ORDER, tableColumns, type SchemaObject, type SchemaObjectKind } from '../review/schema-change.js'
import type { DriftDialect, SqlStep } from './dialect.js'

/** `added`: in the database, not made by the migrations; `missing`: made by the migrations, gone from the database. */
export type DriftChange = 'added' | 'missing' | 'changed'

export interface DriftDifference {
  kind: SchemaObjectKind
  name: string
  change: DriftChange
  /** The definition the migrations make; null when added. */
  migrations: string | null
  /** The database's definition; null when missing. */
  database: string | null
  /** SQL that makes the database match the migrations. */
  toMatch: string[]
  /** SQL for a new migration that adopts the database's change. */
  toAdopt: string[]
}

export interface DriftReport {
  differences: DriftDifference[]
  /** Every difference's toMatch as one script, in an order that runs (drops first, dependents before what they depend on). */
  toMatch: string[]
  toAdopt: string[]
}

/** The order objects are created in (a table before its index, a function before its trigger); drops go the other way. */
const CREATE_ORDER: readonly SchemaObjectKind[] = [
  'schema',
  'extension',
  'type',
  'sequence',
  'table',
  'column',
  'function',
  'view',
  // A foreign key needs the index it uses (MySQL) or the unique index it references: indexes first.
  'index',
  'constraint',
  'trigger',
  'policy',
  'grant'
]
const CHANGE_ORDER: readonly DriftChange[] = ['added', 'missing', 'changed']

type Sql = Pick<DriftDialect, 'transition' | 'createdWithTable'>

const key = (object: SchemaObject): string => `${object.kind}\u0000${object.name}`

interface Pair {
  migrations: SchemaObject | null
  database: SchemaObject | null
}

/** A table's line when it was added or dropped as a whole: its columns with it. */
function withColumns(object: SchemaObject | null, objects: SchemaObject[]): string | null {
  if (!object) return null
  return object.kind === 'table' ? `${object.definition} (${tableColumns(objects, object.name).join(', ')})` : object.definition
}

/** The steps of one direction, without what a whole table's drop or create already does. */
function stepsOf(pair: Pair, direction: 'toMatch' | 'toAdopt', context: DirectionContext, sql: Sql): SqlStep[] {
  const from = direction === 'toMatch' ? pair.database : pair.migrations
  const to = direction === 'toMatch' ? pair.migrations : pair.database
  const object = (to ?? from)!
  const relation = object.relation
  if (relation && !to && context[direction].droppedTables.has(relation)) return []
  if (relation && object.kind === 'column' && context.views.has(relation)) return []
  const withTable = object.kind === 'column' || (sql.createdWithTable?.(object) ?? false)
  if (relation && withTable && !from && context[direction].createdTables.has(relation)) return []
  return sql.transition(from, to, direction === 'toMatch' ? context.migrations : context.database)
}

interface DirectionContext {
  /** A view's columns change with its query: no SQL of their own. */
  views: Set<string>
  migrations: SchemaObject[]
  database: SchemaObject[]
  toMatch: { droppedTables: Set<string>; createdTables: Set<string> }
  toAdopt: { droppedTables: Set<string>; createdTables: Set<string> }
}

/** The steps as one script: drops in reverse creation order, then creates and changes in creation order. */
function script(steps: Array<{ kind: SchemaObjectKind; name: string; step: SqlStep }>): string[] {
  const rank = (kind: SchemaObjectKind): number => CREATE_ORDER.indexOf(kind)
  const drops = steps.filter((s) => s.step.phase === 'drop').sort((a, b) => rank(b.kind) - rank(a.kind) || a.name.localeCompare(b.name))
  const creates = steps.filter((s) => s.step.phase === 'create').sort((a, b) => rank(a.kind) - rank(b.kind) || a.name.localeCompare(b.name))
  return [...drops, ...creates].map((s) => s.step.sql)
}

/**
 * The differences between the migrations' schema and the database's. A table added or dropped as a whole carries
 * its columns on its own line, and a view its columns (the view's query shows them).
 */
export function compareSchemas(migrations: SchemaObject[], database: SchemaObject[], sql: Sql): DriftReport {
  const expected = new Map(migrations.map((object) => [key(object), object]))
  const actual = new Map(database.map((object) => [key(object), object]))
  const pairs: Pair[] = []
  for (const [id, object] of expected) {
    const there = actual.get(id) ?? null
    if (!there || there.definition !== object.definition) pairs.push({ migrations: object, database: there })
  }
  for (const [id, object] of actual) if (!expected.has(id)) pairs.push({ migrations: null, database: object })

  const tables = (change: 'added' | 'missing'): Set<string> =>
    new Set(
      pairs
        .filter((p) => (p.migrations ?? p.database)!.kind === 'table' && (change === 'added' ? !p.migrations : !p.database))
        .map((p) => (p.migrations ?? p.database)!.name)
    )
  const added = tables('added')
  const missing = tables('missing')
  const views = new Set([...migrations, ...database].filter((object) => object.kind === 'view').map((object) => object.name))
  const context: DirectionContext = {
    views,
    migrations,
    database,
    toMatch: { droppedTables: added, createdTables: missing },
    toAdopt: { droppedTables: missing, createdTables: added }
  }

  const differences: DriftDifference[] = []
  const steps = { toMatch: [] as Parameters<typeof script>[0], toAdopt: [] as Parameters<typeof script>[0] }
  for (const pair of pairs) {
    const object = (pair.migrations ?? pair.database)!
    const change: DriftChange = !pair.database ? 'missing' : !pair.migrations ? 'added' : 'changed'
    const toMatch = stepsOf(pair, 'toMatch', context, sql)
    const toAdopt = stepsOf(pair, 'toAdopt', context, sql)
    steps.toMatch.push(...toMatch.map((step) => ({ kind: object.kind, name: object.name, step })))
    steps.toAdopt.push(...toAdopt.map((step) => ({ kind: object.kind, name: object.name, step })))
    const shown =
      object.kind !== 'column' ||
      !object.relation ||
      !(added.has(object.relation) || missing.has(object.relation) || views.has(object.relation))
    if (!shown) continue
    differences.push({
      kind: object.kind,
      name: object.name,
      change,
      migrations: withColumns(pair.migrations, migrations),
      database: withColumns(pair.database, database),
      toMatch: toMatch.map((step) => step.sql),
      toAdopt: toAdopt.map((step) => step.sql)
    })
  }
  differences.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change) ||
      a.name.localeCompare(b.name)
  )
  return { differences, toMatch: script(steps.toMatch), toAdopt: script(steps.toAdopt) }
}
