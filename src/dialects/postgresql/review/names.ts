/**
 * Relation names in parse trees. The parser has already folded unquoted identifiers to lower case, so
 * `schema.name` built from its fields is the name PostgreSQL resolves (an unqualified name: the default schema).
 */
import type { StatementNode } from './parse.js'

/** A RangeVar node's fields (a table, index, view … as written in a statement). */
export interface RangeVar {
  schemaname?: string
  relname: string
  /** False (left out) for `ONLY name`: the relation without its partitions or children. */
  inh?: boolean
}

export function isRangeVar(value: unknown): value is RangeVar {
  return value !== null && typeof value === 'object' && typeof (value as RangeVar).relname === 'string'
}

export function qualifiedName(relation: RangeVar, defaultSchema: string): string {
  return `${relation.schemaname ?? defaultSchema}.${relation.relname}`
}

/** `schema.name` from a list of String nodes (DROP INDEX's object names): the last one or two parts. */
export function nameFromList(items: unknown, defaultSchema: string): string | null {
  const parts = (Array.isArray(items) ? items : [])
    .map((item) => (item as { String?: { sval?: string } }).String?.sval)
    .filter((part): part is string => typeof part === 'string')
  if (parts.length === 0) return null
  const name = parts[parts.length - 1]
  const schema = parts.length > 1 ? parts[parts.length - 2] : defaultSchema
  return `${schema}.${name}`
}

/** The statement type and its fields: `['IndexStmt', {...}]`. */
export function statementKind(node: StatementNode): [string, Record<string, unknown>] {
  const [kind, fields] = Object.entries(node)[0] ?? ['', {}]
  return [kind, (fields ?? {}) as Record<string, unknown>]
}

/**
 * The relations a statement creates (tables, indexes, views, materialized views, sequences), `schema.name`;
 * and a schema it creates, by its bare name (what the schema rules look up).
 */
export function createdRelations(node: StatementNode, defaultSchema: string): string[] {
  const [kind, fields] = statementKind(node)
  const at = (value: unknown): string[] => (isRangeVar(value) ? [qualifiedName(value, defaultSchema)] : [])
  switch (kind) {
    case 'CreateStmt':
      return at(fields.relation)
    case 'CreateTableAsStmt':
      return at((fields.into as { rel?: unknown } | undefined)?.rel)
    case 'ViewStmt':
      return at(fields.view)
    case 'CreateSeqStmt':
      return at(fields.sequence)
    case 'CreateSchemaStmt':
      return typeof fields.schemaname === 'string' ? [fields.schemaname] : []
    case 'IndexStmt': {
      // An index lives in its table's schema.
      const table = fields.relation
      if (typeof fields.idxname !== 'string' || !isRangeVar(table)) return []
      return [`${table.schemaname ?? defaultSchema}.${fields.idxname}`]
    }
    default:
      return []
  }
}

const DROPPED_RELATION_KINDS = new Set(['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE'])

/** Every relation a statement names (RangeVar nodes anywhere in it, and the relations a DROP names), `schema.name`. */
export function namedRelations(node: StatementNode, defaultSchema: string): string[] {
  const names = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(visit)
    } else if (value !== null && typeof value === 'object') {
      if (isRangeVar(value)) names.add(qualifiedName(value, defaultSchema))
      Object.values(value).forEach(visit)
    }
  }
  visit(node)
  const [kind, fields] = statementKind(node)
  if (kind === 'DropStmt' && DROPPED_RELATION_KINDS.has(String(fields.removeType))) {
    for (const object of (fields.objects as unknown[] | undefined) ?? []) {
      const name = nameFromList((object as { List?: { items?: unknown } }).List?.items, defaultSchema)
      if (name) names.add(name)
    }
  }
  return [...names]
}

function stringValues(list: unknown): string[] {
  return (Array.isArray(list) ? list : []).map((item) => String((item as { String?: { sval?: string } }).String?.sval))
}

/** The columns of each index, PRIMARY KEY and UNIQUE constraint a statement creates, with their table (`schema.name`). */
export function indexColumns(node: StatementNode, defaultSchema: string): Array<{ relation: string; columns: string[] }> {
  const [kind, fields] = statementKind(node)
  if (!isRangeVar(fields.relation)) return []
  const relation = qualifiedName(fields.relation, defaultSchema)
  const found: string[][] = []
  const keyed = (constraint: Record<string, unknown>, column?: string): void => {
    if (constraint.contype !== 'CONSTR_PRIMARY' && constraint.contype !== 'CONSTR_UNIQUE') return
    found.push(column !== undefined ? [column] : stringValues(constraint.keys))
  }
  const fromElements = (elements: unknown[], wrap: 'tableElts' | 'cmds'): void => {
    for (const element of elements) {
      const item = wrap === 'cmds' ? ((element as { AlterTableCmd?: { def?: unknown } }).AlterTableCmd?.def ?? {}) : element
      const column = (item as { ColumnDef?: Record<string, unknown> }).ColumnDef
      for (const c of (column?.constraints as unknown[] | undefined) ?? []) {
        keyed((c as { Constraint: Record<string, unknown> }).Constraint ?? {}, String(column?.colname))
      }
      const constraint = (item as { Constraint?: Record<string, unknown> }).Constraint
      if (constraint) keyed(constraint)
    }
  }
  if (kind === 'IndexStmt') {
    const params = (fields.indexParams as unknown[] | undefined) ?? []
    found.push(params.map((param) => String((param as { IndexElem?: { name?: string } }).IndexElem?.name ?? '')))
  } else if (kind === 'CreateStmt') {
    fromElements((fields.tableElts as unknown[] | undefined) ?? [], 'tableElts')
  } else if (kind === 'AlterTableStmt') {
    fromElements((fields.cmds as unknown[] | undefined) ?? [], 'cmds')
  }
  return found.map((columns) => ({ relation, columns }))
}
