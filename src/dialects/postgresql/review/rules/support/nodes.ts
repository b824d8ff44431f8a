/**
 * Reading libpg-query's JSON parse tree: a node is `{ TypeName: { … } }`, a list of names is
 * `[{ String: { sval } }, …]`. Unquoted identifiers arrive already folded to lower case by the parser.
 */

export type Node = Record<string, unknown>

/** The body of a node of the given kind (`body({ UpdateStmt: x }, 'UpdateStmt')` is x), or null. */
export function body(node: unknown, kind: string): Node | null {
  if (!node || typeof node !== 'object') return null
  const inner = (node as Node)[kind]
  return inner && typeof inner === 'object' ? (inner as Node) : null
}

/** The kind of a node: its only key (`UpdateStmt`). */
export function kindOf(node: unknown): string | null {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return null
  const keys = Object.keys(node)
  return keys.length === 1 ? keys[0] : null
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

export function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** `[{ String: { sval: 'pg_catalog' } }, { String: { sval: 'int4' } }]` → `['pg_catalog', 'int4']`. */
export function names(value: unknown): string[] {
  return list(value).map((item) => text(body(item, 'String')?.sval) ?? '')
}

/** `schema.name` of a RangeVar, with the default schema for an unqualified name. */
export function rangeVarName(rangeVar: unknown, defaultSchema: string): string | null {
  if (!rangeVar || typeof rangeVar !== 'object') return null
  const relname = text((rangeVar as Node).relname)
  if (!relname) return null
  return `${text((rangeVar as Node).schemaname) ?? defaultSchema}.${relname}`
}

/** A dotted name list (`[schema, name]` or `[name]`) as `schema.name`. */
export function qualifiedName(parts: string[], defaultSchema: string): string {
  return parts.length > 1 ? parts.slice(-2).join('.') : `${defaultSchema}.${parts[0]}`
}

/** The serial pseudo-types (an integer column with its own sequence default). */
export const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2'])

/** The names people write for the parser's internal type names (`bigint` for `int8`). */
const SQL_NAMES: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  bpchar: 'char'
}

/** A column's type: its last name (`int4`, `varchar`, `serial`), its modifiers when constant, and whether it is an array. */
export interface ColumnType {
  name: string
  /** The type as people write it, without pg_catalog (`varchar(20)`, `numeric(10,2)`, `bigint`, `text[]`). */
  display: string
  modifiers: number[]
  array: boolean
}

export function columnType(typeName: unknown): ColumnType | null {
  const parts = names(typeName && (typeName as Node).names)
  if (parts.length === 0) return null
  const name = parts[parts.length - 1]
  const modifiers = list(typeName && (typeName as Node).typmods).map((mod) => {
    // A_Const { ival: { ival: 10 } }; the JSON leaves out a zero (`{ ival: {} }`).
    const value = body(mod, 'A_Const')?.ival
    return value && typeof value === 'object' ? Number((value as Node).ival ?? 0) : NaN
  })
  const array = list(typeName && (typeName as Node).arrayBounds).length > 0
  const written = SQL_NAMES[name] ?? name
  const shown = modifiers.length > 0 ? `${written}(${modifiers.map((mod) => (Number.isNaN(mod) ? '?' : mod)).join(',')})` : written
  return { name, display: `${shown}${array ? '[]' : ''}`, modifiers, array }
}

/** Every node of the given kind under a node, depth first. */
export function findAll(node: unknown, kind: string): Node[] {
  const found: Node[] = []
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value as Node)) {
        if (key === kind && inner && typeof inner === 'object') found.push(inner as Node)
        visit(inner)
      }
    }
  }
  visit(node)
  return found
}

/** The string constants under a node (`'happy'` in `SELECT 'happy'::mood`). */
export function stringConstants(node: unknown): string[] {
  return findAll(node, 'A_Const').flatMap((constant) => {
    const value = text(body(constant, 'sval')?.sval)
    return value === null ? [] : [value]
  })
}

/** An `ALTER TABLE` statement's table and its subcommands (`AlterTableCmd` bodies), or null for another statement. */
export function alterTable(node: unknown, defaultSchema: string): { relation: string; commands: Node[] } | null {
  const statement = body(node, 'AlterTableStmt')
  if (!statement || statement.objtype !== 'OBJECT_TABLE') return null
  const relation = rangeVarName(statement.relation, defaultSchema)
  if (!relation) return null
  const commands = list(statement.cmds).flatMap((command) => {
    const inner = body(command, 'AlterTableCmd')
    return inner ? [inner] : []
  })
  return { relation, commands }
}

/** The columns a statement defines: a CREATE TABLE's, or those an ALTER TABLE adds or retypes. */
export function definedColumns(node: unknown, defaultSchema: string): Array<{ relation: string; column: string; type: ColumnType }> {
  const create = body(node, 'CreateStmt')
  if (create) {
    const relation = rangeVarName(create.relation, defaultSchema)
    if (!relation) return []
    return list(create.tableElts).flatMap((element) => {
      const column = body(element, 'ColumnDef')
      const type = columnType(column?.typeName)
      const name = text(column?.colname)
      return column && type && name ? [{ relation, column: name, type }] : []
    })
  }
  const altered = alterTable(node, defaultSchema)
  if (!altered) return []
  return altered.commands.flatMap((command) => {
    const column = body(command.def, 'ColumnDef')
    const name = command.subtype === 'AT_AlterColumnType' ? text(command.name) : text(column?.colname)
    const type = columnType(column?.typeName)
    const defines = command.subtype === 'AT_AddColumn' || command.subtype === 'AT_AlterColumnType'
    return defines && name && type ? [{ relation: altered.relation, column: name, type }] : []
  })
}
