/**
 * What the target's catalog says of the relations the pending MySQL statements touch, and of the server, in one
 * call (the statement is catalog-sql.ts's): over the Data API each call is a round trip.
 *
 * Per table: kind, the estimated rows and bytes, engine, row format, create options, collation, its columns,
 * indexes, foreign keys both ways, triggers, and InnoDB's count of instant row versions where the server keeps
 * one. For the server: its version and flavor, sql_mode, foreign_key_checks and performance_schema as a new
 * session has them; and, when asked for, the settings verification makes its throwaway database like
 * (shadow/settings.ts), in the same row.
 *
 * Statistics are the server's estimates: TABLE_ROWS and DATA_LENGTH + INDEX_LENGTH; on MySQL 8.0 these are
 * cached in the data dictionary for information_schema_stats_expiry (24 hours by default, until ANALYZE TABLE).
 */
import type { TargetSettings } from '../../../review/dialect.js'
import type { RelationFacts } from '../../../review/types.js'
import type { Row, Target } from '../../../targets/target.js'
import { settingsFromRow } from '../shadow/settings.js'
import { catalogQuery, LIST_NAMES, type ListName, type WantedRelation } from './catalog-sql.js'

export interface MysqlColumnFacts {
  name: string
  /** COLUMN_TYPE in lower case, quoted ENUM and SET values as they are: `varchar(20)`, `enum('A','b')`. */
  type: string
  nullable: boolean
  charset: string | null
  collation: string | null
  /** CHARACTER_OCTET_LENGTH: the most bytes a value takes (null for a type without characters). */
  maxBytes: number | null
  generated: 'virtual' | 'stored' | null
  /** ORDINAL_POSITION, from 1. */
  position: number
}

export interface MysqlIndexFacts {
  name: string
  kind: 'primary' | 'unique' | 'index' | 'fulltext' | 'spatial'
  /** In key order; a functional key part (MySQL 8.0.13+) as its expression in parentheses. */
  columns: string[]
}

/** One foreign key: the child's columns, in order, and the parent's columns they reference. */
export interface MysqlForeignKeyFacts {
  name: string
  columns: string[]
  referencedColumns: string[]
  /** REFERENTIAL_CONSTRAINTS' rules: `CASCADE`, `SET NULL`, `RESTRICT`, `NO ACTION`, `SET DEFAULT`. */
  onDelete: string
  onUpdate: string
}

export interface MysqlTableFacts extends RelationFacts {
  /** The database the table is in (the default database's name where the relation named none). */
  schema: string
  table: string
  engine: string | null
  rowFormat: string | null
  createOptions: string | null
  collation: string | null
  columns: MysqlColumnFacts[]
  indexes: MysqlIndexFacts[]
  /** The table's own foreign keys; `references` is the parent, `schema.table`. */
  foreignKeys: Array<MysqlForeignKeyFacts & { references: string }>
  /** The foreign keys that reference this table (the table's own self-references among them); `table` is the child, `schema.table`. */
  referencedByKeys: Array<MysqlForeignKeyFacts & { table: string }>
  /**
   * INNODB_TABLES.TOTAL_ROW_VERSIONS (MySQL 8.0.29+; a partitioned table's largest over its partitions). Null
   * where the server has no such count (MariaDB, MySQL before 8.0.29), for a table not in InnoDB, when the
   * account lacks the PROCESS privilege (held itself, not through a role), or for a name InnoDB spells with
   * characters catalog-filename.ts does not encode.
   */
  totalRowVersions: number | null
  triggers: string[]
  /** Lists cut to keep the answer within the Data API's limits (catalog-sql.ts), with the count the catalog has. */
  truncated: Array<{ list: ListName; total: number; read: number }>
  /** The server the table was read on (set by the review's catalog read: ../review.ts). */
  server?: MysqlServerFacts
}

export interface MysqlServerFacts {
  version: string
  flavor: 'mysql' | 'mariadb'
  sqlMode: string
  foreignKeyChecks: boolean
  performanceSchema: boolean
  /**
   * Other sessions' transactions open for a minute or more when the catalog was read, the oldest first (at most
   * five): each may hold the metadata lock of a table it touched. Null when the account cannot see them (PROCESS).
   */
  openTransactions: Array<{ id: number; user: string; seconds: number; command: string }> | null
}

export interface MysqlCatalog {
  /** By the relation's name as asked for; a relation that does not exist is absent. */
  facts: Map<string, MysqlTableFacts>
  server: MysqlServerFacts
  settings: TargetSettings | null
}

/**
 * `schema.name` split at its first dot (a database name with a dot is not told apart; a table name may have
 * them); a name without a dot, like one with schema '', is in the connection's default database.
 */
export function splitRelation(relation: string): WantedRelation {
  const dot = relation.indexOf('.')
  return dot < 0 ? { schema: '', name: relation } : { schema: relation.slice(0, dot), name: relation.slice(dot + 1) }
}

/** Reads the catalog of `relations` (`schema.name`, schema '' for the default database) and the server, in one call. */
export async function readMysqlCatalog(target: Target, relations: string[], options: { settings: boolean }): Promise<MysqlCatalog> {
  const names = [...new Set(relations)]
  const { sql, params } = catalogQuery(names.map(splitRelation), options)
  const result = await target.query(sql, params)
  return parseCatalogRows(result.rows, names, options)
}

/** The answer of catalogQuery for `names` (in the order they were given to it). */
export function parseCatalogRows(rows: readonly Row[], names: readonly string[], options: { settings: boolean }): MysqlCatalog {
  const serverRow = rows.find((row) => row.k === null || row.k === undefined)
  if (!serverRow) throw new Error("The catalog read answered no row of the server's facts")
  const version = String(serverRow.server_version ?? '')
  const server: MysqlServerFacts = {
    version,
    flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql',
    sqlMode: String(serverRow.server_sql_mode ?? ''),
    foreignKeyChecks: flag(serverRow.server_foreign_key_checks),
    performanceSchema: flag(serverRow.server_performance_schema),
    openTransactions: openTransactions(serverRow.server_open_transactions)
  }
  const facts = new Map<string, MysqlTableFacts>()
  for (const row of rows) {
    if (row === serverRow) continue
    const name = names[Number(row.k)]
    if (name === undefined) continue
    facts.set(name, tableFacts(name, row))
  }
  return { facts, server, settings: options.settings ? settingsFromRow(serverRow) : null }
}

/** The JSON list of open transactions (text on MariaDB, parsed on some drivers); null when not read. */
function openTransactions(value: unknown): MysqlServerFacts['openTransactions'] {
  if (value === null || value === undefined) return null
  const list: unknown = typeof value === 'string' ? JSON.parse(value) : value
  if (!Array.isArray(list)) return null
  return list.map((item: Record<string, unknown>) => ({
    id: Number(item.id),
    user: String(item.user ?? ''),
    seconds: Number(item.seconds),
    command: String(item.command ?? '')
  }))
}

/** 1, '1', 'ON', true: set. */
function flag(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  const text = String(value ?? '').toUpperCase()
  return text === '1' || text === 'ON' || text === 'TRUE'
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null
  const number = Number(value)
  return Number.isFinite(number) ? number : null
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value)
}

/** JSON as the transports give it: text (MariaDB's JSON is text; the Data API answers JSON as a string), or parsed. */
function json(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null
  return JSON.parse(value) as unknown
}

/**
 * The elements of a list column: an array, its elements objects (an element some server gives as JSON text is
 * parsed); the null that stands for a first element over budget is left out.
 */
function elements(value: unknown): Array<Record<string, unknown>> {
  const parsed = json(value)
  if (!Array.isArray(parsed)) return []
  return parsed
    .map((element) => (typeof element === 'string' ? json(element) : element))
    .filter((element): element is Record<string, unknown> => element !== null && typeof element === 'object' && !Array.isArray(element))
}

/** `[place, name, …]` pairs in place order: the names. */
function ordered(value: unknown, at: number): string[] {
  const parsed = json(value)
  if (!Array.isArray(parsed)) return []
  return parsed
    .filter((entry): entry is unknown[] => Array.isArray(entry))
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map((entry) => String(entry[at]))
}

/** COLUMN_TYPE in lower case outside its quoted values (MySQL gives it so already; some servers may not). */
export function lowerType(type: string): string {
  return type.replace(/('(?:[^']|'')*')|[^']+/g, (piece, quoted: string | undefined) => (quoted ? piece : piece.toLowerCase()))
}

const INDEX_KINDS = new Set<MysqlIndexFacts['kind']>(['primary', 'unique', 'index', 'fulltext', 'spatial'])

function kindOf(tableType: string | null, createOptions: string | null): RelationFacts['kind'] {
  switch ((tableType ?? '').toUpperCase()) {
    case 'BASE TABLE':
    case 'SYSTEM VERSIONED':
      return /\bpartitioned\b/i.test(createOptions ?? '') ? 'partitioned table' : 'table'
    case 'VIEW':
    case 'SYSTEM VIEW':
      return 'view'
    case 'SEQUENCE':
      return 'sequence'
    default:
      return 'other'
  }
}

function foreignKey(element: Record<string, unknown>): MysqlForeignKeyFacts {
  return {
    name: String(element.name),
    columns: ordered(element.columns, 1),
    referencedColumns: ordered(element.columns, 2),
    onDelete: String(element.onDelete ?? ''),
    onUpdate: String(element.onUpdate ?? '')
  }
}

function tableFacts(name: string, row: Row): MysqlTableFacts {
  const schema = String(row.schema_name)
  const table = String(row.table_name)
  const createOptions = textOrNull(row.create_options)
  const columns = elements(row.columns_json)
    .map((column): MysqlColumnFacts => ({
      name: String(column.name),
      type: lowerType(String(column.type ?? '')),
      nullable: flag(column.nullable),
      charset: textOrNull(column.charset),
      collation: textOrNull(column.collation),
      maxBytes: numberOrNull(column.maxBytes),
      generated: column.generated === 'virtual' || column.generated === 'stored' ? column.generated : null,
      position: Number(column.position)
    }))
    .sort((a, b) => a.position - b.position)
  const indexes = elements(row.indexes_json)
    .map((index): MysqlIndexFacts => ({
      name: String(index.name),
      kind: INDEX_KINDS.has(index.kind as MysqlIndexFacts['kind']) ? (index.kind as MysqlIndexFacts['kind']) : 'index',
      columns: ordered(index.columns, 1)
    }))
    .sort((a, b) => Number(b.kind === 'primary') - Number(a.kind === 'primary') || compare(a.name, b.name))
  const foreignKeys = elements(row.foreignKeys_json)
    .map((element) => ({ ...foreignKey(element), references: `${String(element.schema)}.${String(element.table)}` }))
    .sort((a, b) => compare(a.name, b.name))
  const referencedByKeys = elements(row.referencedBy_json)
    .map((element) => ({ ...foreignKey(element), table: `${String(element.schema)}.${String(element.table)}` }))
    .sort((a, b) => compare(a.table, b.table) || compare(a.name, b.name))
  const triggers = elements(row.triggers_json)
    .map((element) => String(element.name))
    .sort(compare)
  const read: Record<ListName, number> = {
    columns: columns.length,
    indexes: indexes.length,
    foreignKeys: foreignKeys.length,
    referencedBy: referencedByKeys.length,
    triggers: triggers.length
  }
  const truncated: MysqlTableFacts['truncated'] = []
  for (const list of LIST_NAMES) {
    const total = numberOrNull(row[`${list}_total`]) ?? 0
    if (total > read[list]) truncated.push({ list, total, read: read[list] })
  }
  const itself = `${schema}.${table}`
  return {
    name,
    kind: kindOf(textOrNull(row.table_type), createOptions),
    rows: numberOrNull(row.table_rows),
    bytes: numberOrNull(row.table_bytes),
    referencedBy: [...new Set(referencedByKeys.map((key) => key.table).filter((child) => child !== itself))],
    notNullColumns: columns.filter((column) => !column.nullable).map((column) => column.name),
    schema,
    table,
    engine: textOrNull(row.table_engine),
    rowFormat: textOrNull(row.row_format),
    createOptions,
    collation: textOrNull(row.table_collation),
    columns,
    indexes,
    foreignKeys,
    referencedByKeys,
    totalRowVersions: numberOrNull(row.total_row_versions),
    triggers,
    truncated
  }
}

/** Code-unit order: names compare as the bytes MySQL stores, not by locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
