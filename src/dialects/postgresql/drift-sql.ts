/**
 * PostgreSQL's SQL for drift (src/drift): the statements that turn one catalog object into another, from the
 * schema snapshot's rows (shadow/schema-snapshot.ts). Names arrive quoted by the server (quote_ident), so they are
 * written as they are.
 */
import type { SchemaObject } from '../../review/schema-change.js'
import type { SqlStep } from '../../drift/dialect.js'

const drop = (sql: string): SqlStep => ({ phase: 'drop', sql })
const create = (sql: string): SqlStep => ({ phase: 'create', sql })
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`

/** The object's own name, without its table: `public.orders.orders_pkey` → `orders_pkey`. */
function ownName(object: SchemaObject): string {
  return object.relation && object.name.startsWith(`${object.relation}.`) ? object.name.slice(object.relation.length + 1) : object.name
}

interface ColumnParts {
  column: string
  type: string
  notNull: boolean
  default: string | null
  /** attidentity and attgenerated: empty for a plain column. */
  special: string
}

function columnParts(object: SchemaObject): ColumnParts | null {
  try {
    return object.source ? (JSON.parse(object.source) as ColumnParts) : null
  } catch {
    return null
  }
}

/** `SELECT, INSERT WITH GRANT OPTION` → privilege → with grant option. */
function privileges(definition: string): Map<string, boolean> {
  const found = new Map<string, boolean>()
  for (const item of definition.split(', ').filter(Boolean)) {
    const grantable = item.endsWith(' WITH GRANT OPTION')
    found.set(grantable ? item.slice(0, -' WITH GRANT OPTION'.length) : item, grantable)
  }
  return found
}

function grantTarget(object: SchemaObject): { role: string; on: string } | null {
  try {
    return object.source ? (JSON.parse(object.source) as { role: string; on: string }) : null
  } catch {
    return null
  }
}

function grantSteps(from: Map<string, boolean>, to: Map<string, boolean>, on: string, role: string): SqlStep[] {
  const steps: SqlStep[] = []
  const revoked = [...from.keys()].filter((privilege) => !to.has(privilege))
  if (revoked.length) steps.push(drop(`REVOKE ${revoked.join(', ')} ON ${on} FROM ${role};`))
  const lessened = [...to].filter(([privilege, grantable]) => !grantable && from.get(privilege) === true).map(([p]) => p)
  if (lessened.length) steps.push(drop(`REVOKE GRANT OPTION FOR ${lessened.join(', ')} ON ${on} FROM ${role};`))
  for (const grantable of [false, true]) {
    const granted = [...to].filter(([privilege, g]) => g === grantable && (!from.has(privilege) || (grantable && !from.get(privilege))))
    if (granted.length)
      steps.push(create(`GRANT ${granted.map(([p]) => p).join(', ')} ON ${on} TO ${role}${grantable ? ' WITH GRANT OPTION' : ''};`))
  }
  return steps
}

/**
 * A serial column's sequence belongs to the column (the snapshot leaves it out): a column or table made again needs
 * it made first, and owned by the column after.
 */
function withOwnedSequences(columns: SchemaObject[], statement: string): SqlStep[] {
  const owned = columns.flatMap((column) => {
    const sequence = /^nextval\('((?:[^']|'')+)'::regclass\)$/.exec(columnParts(column)?.default ?? '')?.[1]
    return sequence ? [{ sequence: sequence.replace(/''/g, "'"), column }] : []
  })
  return [
    ...owned.map(({ sequence }) => create(`CREATE SEQUENCE IF NOT EXISTS ${sequence};`)),
    create(statement),
    ...owned.map(({ sequence, column }) => create(`ALTER SEQUENCE ${sequence} OWNED BY ${column.name};`))
  ]
}

const isMaterialized = (view: SchemaObject): boolean => view.definition.startsWith('materialized view')
const viewQuery = (view: SchemaObject): string => (view.source ?? '').trim().replace(/;$/, '')

function createSteps(object: SchemaObject, objects: readonly SchemaObject[]): SqlStep[] {
  switch (object.kind) {
    case 'schema':
      return [create(`CREATE SCHEMA ${object.name};`)]
    case 'extension':
      return [create(`CREATE EXTENSION IF NOT EXISTS ${object.name}${object.source ? ` WITH SCHEMA ${object.source}` : ''};`)]
    case 'sequence':
      return [create(`CREATE SEQUENCE ${object.name} ${object.definition.replace(/^sequence /, '')};`)]
    case 'table': {
      const columns = objects.filter((o) => o.kind === 'column' && o.relation === object.name)
      const unlogged = object.definition.startsWith('unlogged ') ? 'UNLOGGED ' : ''
      const partitioned = object.definition.endsWith('partitioned table') && object.source ? ` PARTITION BY ${object.source}` : ''
      const body = columns.map((o) => `  ${o.definition}`).join(',\n')
      return withOwnedSequences(columns, `CREATE ${unlogged}TABLE ${object.name} (\n${body}\n)${partitioned};`)
    }
    case 'column':
      return withOwnedSequences([object], `ALTER TABLE ${object.relation} ADD COLUMN ${object.definition};`)
    case 'view':
      return [create(`CREATE ${isMaterialized(object) ? 'MATERIALIZED ' : ''}VIEW ${object.name} AS\n${viewQuery(object)};`)]
    case 'index':
      return [create(`${object.definition.replace(/ \(INVALID\)$/, '')};`)]
    case 'constraint':
      return [create(`ALTER TABLE ${object.relation} ADD CONSTRAINT ${ownName(object)} ${object.definition};`)]
    case 'trigger':
      return [create(`${object.definition};`)]
    case 'policy':
      return [create(`${object.source ?? `-- policy ${object.name}: ${object.definition}`};`)]
    case 'function':
      return [
        create(
          object.source
            ? `${object.source.trimEnd()};`
            : `-- ${object.name}: its definition is not read with the catalog; take it from the database with SELECT pg_get_functiondef(${literal(object.name)}::regprocedure);`
        )
      ]
    case 'grant': {
      const target = grantTarget(object)
      return target ? grantSteps(new Map(), privileges(object.definition), target.on, target.role) : []
    }
    case 'type':
      return [create(`-- type ${object.name} (${object.definition}): write its CREATE TYPE by hand`)]
  }
}

function dropSteps(object: SchemaObject): SqlStep[] {
  switch (object.kind) {
    case 'schema':
      return [drop(`DROP SCHEMA ${object.name};`)]
    case 'extension':
      return [drop(`DROP EXTENSION ${object.name};`)]
    case 'sequence':
      return [drop(`DROP SEQUENCE ${object.name};`)]
    case 'table':
      return [drop(`DROP TABLE ${object.name};`)]
    case 'column':
      return [drop(`ALTER TABLE ${object.relation} DROP COLUMN ${ownName(object)};`)]
    case 'view':
      return [drop(`DROP ${isMaterialized(object) ? 'MATERIALIZED ' : ''}VIEW ${object.name};`)]
    case 'index':
      return [drop(`DROP INDEX ${object.name};`)]
    case 'constraint':
      return [drop(`ALTER TABLE ${object.relation} DROP CONSTRAINT ${ownName(object)};`)]
    case 'trigger':
      return [drop(`DROP TRIGGER ${ownName(object)} ON ${object.relation};`)]
    case 'policy':
      return [drop(`DROP POLICY ${ownName(object)} ON ${object.relation};`)]
    case 'function': {
      const what = object.definition.startsWith('procedure')
        ? 'PROCEDURE'
        : object.definition.startsWith('aggregate')
          ? 'AGGREGATE'
          : 'FUNCTION'
      return [drop(`DROP ${what} ${object.name};`)]
    }
    case 'grant': {
      const target = grantTarget(object)
      return target ? grantSteps(privileges(object.definition), new Map(), target.on, target.role) : []
    }
    case 'type':
      return [drop(`DROP TYPE ${object.name};`)]
  }
}

function columnSteps(from: SchemaObject, to: SchemaObject): SqlStep[] {
  const was = columnParts(from)
  const now = columnParts(to)
  if (!was || !now) return [create(`-- column ${to.name}: ${from.definition} → ${to.definition}; write its ALTER TABLE by hand`)]
  const alter = (clause: string): SqlStep => create(`ALTER TABLE ${to.relation} ALTER COLUMN ${now.column} ${clause};`)
  const steps: SqlStep[] = []
  if (was.special !== now.special) {
    steps.push(create(`-- column ${to.name}: identity or generation ${from.definition} → ${to.definition}; write its ALTER TABLE by hand`))
  }
  // A default of the old type can fail to cast: it goes before the type changes, and the new one comes after.
  const typeChanged = was.type !== now.type
  const defaultChanged = was.default !== now.default
  if (was.default !== null && (now.default === null || (defaultChanged && typeChanged))) steps.push(alter('DROP DEFAULT'))
  if (typeChanged) steps.push(alter(`TYPE ${now.type} USING ${now.column}::${now.type}`))
  if (defaultChanged && now.default !== null) steps.push(alter(`SET DEFAULT ${now.default}`))
  if (was.notNull !== now.notNull) steps.push(alter(now.notNull ? 'SET NOT NULL' : 'DROP NOT NULL'))
  return steps
}

function changeSteps(from: SchemaObject, to: SchemaObject, objects: readonly SchemaObject[]): SqlStep[] {
  const replace = (): SqlStep[] => [...dropSteps(from), ...createSteps(to, objects)]
  switch (to.kind) {
    case 'column':
      return columnSteps(from, to)
    case 'table':
      if (from.definition.replace(/^unlogged /, '') !== to.definition.replace(/^unlogged /, '')) {
        return [create(`-- table ${to.name}: ${from.definition} → ${to.definition}; write its change by hand`)]
      }
      return [create(`ALTER TABLE ${to.name} SET ${to.definition.startsWith('unlogged ') ? 'UNLOGGED' : 'LOGGED'};`)]
    case 'view':
      return isMaterialized(from) || isMaterialized(to) ? replace() : [create(`CREATE OR REPLACE VIEW ${to.name} AS\n${viewQuery(to)};`)]
    case 'function':
      // pg_get_functiondef says CREATE OR REPLACE.
      return createSteps(to, objects)
    case 'sequence':
      return [create(`ALTER SEQUENCE ${to.name} ${to.definition.replace(/^sequence /, '')};`)]
    case 'extension':
      return [create(`ALTER EXTENSION ${to.name} SET SCHEMA ${to.source ?? 'public'};`)]
    case 'grant': {
      const target = grantTarget(to)
      return target ? grantSteps(privileges(from.definition), privileges(to.definition), target.on, target.role) : []
    }
    case 'type':
      return [create(`-- type ${to.name}: ${from.definition} → ${to.definition}; write its ALTER TYPE by hand`)]
    default:
      return replace()
  }
}

/** The SQL that turns `from` into `to` (see DriftDialect.transition). */
export function postgresTransition(from: SchemaObject | null, to: SchemaObject | null, objects: readonly SchemaObject[]): SqlStep[] {
  if (from && to) return changeSteps(from, to, objects)
  if (to) return createSteps(to, objects)
  return from ? dropSteps(from) : []
}
