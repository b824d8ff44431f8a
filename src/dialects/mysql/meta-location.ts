/**
 * Where the meta table is in MySQL, and whether a table of its name is ours. The database is MySQL's
 * schema: an unqualified meta table is in the connection's default database (DATABASE()), and only
 * there. Unlike PostgreSQL's search_path, nothing a migration may run moves the default database (USE is
 * refused), and one server commonly holds many applications' databases, each with a history of its own:
 * so a history in another database is never looked for, nor taken for this one's.
 */
import type { MetaTables } from '../../engine/meta.js'
import { InputError } from '../../errors.js'
import type { MetaTableName } from '../../meta-table-name.js'
import type { Row } from '../../targets/target.js'
import { mysqlMetaTables } from './identifiers.js'

/** The columns of a meta table, as ensureMetaTables creates them and readAppliedRows reads them. */
const META_COLUMNS = ['version', 'description', 'checksum', 'files', 'applied_at', 'execution_ms', 'applied_by', 'commit_sha', 'run_url']

/** A table of the meta table's name, with its columns as `name type`. */
interface NamedTable {
  schema: string
  columns: Array<{ name: string; type: string }>
}

/** One column of a table named :table, as the catalog query lists them (flat: nested JSON differs between MySQL and MariaDB). */
interface CatalogColumn {
  schema: string
  name: string
  type: string
  position: number
}

/**
 * DATABASE() (`current`) and the columns of the table named :table in the database the history is in
 * (`:schema`, or the default database), as JSON (`tables`): select-list items of one catalog query.
 * The name is compared exactly (information_schema compares names without case).
 */
export const NAMED_TABLES_COLUMNS = `DATABASE() AS current, (
  SELECT COALESCE(JSON_ARRAYAGG(JSON_OBJECT('schema', c.TABLE_SCHEMA, 'name', c.COLUMN_NAME, 'type', c.COLUMN_TYPE, 'position', c.ORDINAL_POSITION)), '[]')
  FROM information_schema.COLUMNS AS c
  JOIN information_schema.TABLES AS t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
  WHERE t.TABLE_SCHEMA = COALESCE(CAST(:schema AS CHAR), DATABASE()) AND t.TABLE_NAME = :table
    AND CAST(t.TABLE_NAME AS BINARY) = CAST(:table AS BINARY) AND t.TABLE_TYPE = 'BASE TABLE'
) AS tables`

/** The catalog's flat column list as tables with their columns in order. */
export function namedTables(json: unknown): NamedTable[] {
  const columns = JSON.parse(typeof json === 'string' ? json : '[]') as CatalogColumn[]
  const bySchema = new Map<string, CatalogColumn[]>()
  for (const column of columns) bySchema.set(column.schema, [...(bySchema.get(column.schema) ?? []), column])
  return [...bySchema.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([schema, list]) => ({
      schema,
      columns: list.sort((a, b) => Number(a.position) - Number(b.position)).map((c) => ({ name: c.name, type: c.type }))
    }))
}

/** The meta tables as the columns of NAMED_TABLES_COLUMNS (`current`, `tables`) resolve them; throws the refusals. */
export function resolveFromCatalog(name: MetaTableName, row: Row): MetaTables {
  const current = typeof row.current === 'string' && row.current ? row.current : null
  const schema = name.schema ?? current
  if (!schema) {
    throw new InputError(
      'meta-table',
      'the connection has no default database (the URL or the database input names none): give meta-table as database.table, or name the database'
    )
  }
  const here = namedTables(row.tables).find((t) => t.schema === schema)
  if (here && !isOurs(here)) throw foreignTable(`${schema}.${name.table}`, here)
  return mysqlMetaTables(schema, name.table)
}

function isOurs(table: NamedTable): boolean {
  const names = new Set(table.columns.map((c) => c.name))
  return META_COLUMNS.every((column) => names.has(column))
}

/** The tool whose table this is, where its columns say so (their MySQL DDL); null when they do not. */
function otherTool(table: NamedTable): string | null {
  const columns = new Map(table.columns.map((c) => [c.name, c.type.toLowerCase()]))
  const only = (...names: string[]): boolean => columns.size === names.length && names.every((n) => columns.has(n))
  if (only('version', 'dirty') && /^tinyint\(1\)|^boolean/.test(columns.get('dirty')!)) return 'golang-migrate'
  if (only('version', 'inserted_at')) return 'Ecto'
  if (only('version') && /^(varchar|char|text)/.test(columns.get('version')!)) return 'dbmate or Rails (Active Record)'
  if (only('filename')) return 'Sequel'
  if (columns.has('installed_rank') && columns.has('script')) return 'Flyway'
  return null
}

function foreignTable(display: string, table: NamedTable): InputError {
  const tool = otherTool(table)
  const columns = table.columns.map((c) => `${c.name} ${c.type}`).join(', ')
  return new InputError(
    'meta-table',
    `${display} exists and is not a migration history of aurora-migrate: ` +
      (tool ? `it belongs to ${tool} (${columns}). ` : `its columns are (${columns}). `) +
      'Nothing was read or changed. Give meta-table another name (for example aurora_migrations) so that aurora-migrate keeps its history beside that table.'
  )
}
