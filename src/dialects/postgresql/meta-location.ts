/**
 * Where the meta table is in PostgreSQL, and whether a table of its name is ours: the catalog query
 * (current_schema() and every table of the name in a schema the user may use) and how its row resolves.
 */
import { metaTables, type MetaTables } from '../../engine/meta.js'
import { InputError } from '../../errors.js'
import type { MetaTableName } from '../../meta-table-name.js'
import type { Row } from '../../targets/target.js'

/** The columns of a meta table, as ensureMetaTables creates them and readAppliedRows reads them. */
const META_COLUMNS = ['version', 'description', 'checksum', 'files', 'applied_at', 'execution_ms', 'applied_by', 'commit_sha', 'run_url']

/** A table of the meta table's name in one schema, with its columns as `name type`. */
interface NamedTable {
  schema: string
  columns: Array<{ name: string; type: string }>
}

/**
 * current_schema() (`current`) and every table named :table in a schema the user may use, with its
 * columns (`tables`, JSON): select-list items of one catalog query, so that they can share a statement.
 *
 * An unqualified name goes to current_schema(), but only after looking for the history everywhere the
 * user can see: a version that creates the schema named after the user (`"$user", public` then resolves
 * to it) or runs ALTER DATABASE … SET search_path moves current_schema() away from the history, and
 * the next run must not take the empty schema for a database where nothing was applied.
 */
export const NAMED_TABLES_COLUMNS = `current_schema()::text AS current, (
  SELECT coalesce(json_agg(json_build_object('schema', t.schema, 'columns', t.columns) ORDER BY t.schema), '[]')::text FROM (
    SELECT n.nspname::text AS schema,
      json_agg(json_build_object('name', a.attname::text, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum) AS columns
    FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relname = :table AND c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      AND has_schema_privilege(n.oid, 'USAGE')
    GROUP BY n.nspname
  ) AS t
) AS tables`

/** The meta tables as the columns of NAMED_TABLES_COLUMNS (`current`, `tables`) resolve them; throws the refusals. */
export function resolveFromCatalog(name: MetaTableName, row: Row): MetaTables {
  const current = typeof row.current === 'string' && row.current ? row.current : null
  const tables = JSON.parse(String(row.tables ?? '[]')) as NamedTable[]
  const schema = name.schema ?? current
  if (!schema) {
    const histories = tables.filter(isOurs).map((t) => `${t.schema}.${name.table}`)
    throw new InputError(
      'meta-table',
      'the database has no default schema (search_path is empty or names no existing schema): give meta-table as schema.table' +
        (histories.length ? ` (the migration history is in ${histories.join(' and ')})` : '')
    )
  }
  const here = tables.find((t) => t.schema === schema)
  if (here) {
    if (!isOurs(here)) throw foreignTable(`${schema}.${name.table}`, here)
    return metaTables(schema, name.table)
  }
  if (name.schema === null) {
    const elsewhere = tables.filter(isOurs).map((t) => t.schema)
    if (elsewhere.length) throw historyMoved(name.table, schema, elsewhere)
  }
  return metaTables(schema, name.table)
}

function isOurs(table: NamedTable): boolean {
  const names = new Set(table.columns.map((c) => c.name))
  return META_COLUMNS.every((column) => names.has(column))
}

/** The tool whose table this is, where its columns say so; null when they do not. */
function otherTool(table: NamedTable): string | null {
  const columns = new Map(table.columns.map((c) => [c.name, c.type]))
  const only = (...names: string[]): boolean => columns.size === names.length && names.every((n) => columns.has(n))
  if (only('version', 'dirty') && columns.get('dirty') === 'boolean') return 'golang-migrate'
  if (only('version', 'inserted_at')) return 'Ecto'
  if (only('version') && /^(character varying|text)/.test(columns.get('version')!)) return 'dbmate or Rails (Active Record)'
  if (only('filename')) return 'Sequel'
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

function historyMoved(table: string, schema: string, elsewhere: string[]): InputError {
  const found = elsewhere.map((s) => `${s}.${table}`).join(' and ')
  return new InputError(
    'meta-table',
    `the default schema is now ${schema} (current_schema(), from search_path), which has no ${table}, but the migration history is in ${found}. ` +
      `A migration probably created schema ${schema} or changed the search_path. Nothing was applied. ` +
      `Set meta-table: ${elsewhere[0]}.${table} to go on with that history` +
      (elsewhere.length > 1 ? ' (or the one of the other schema)' : '') +
      `, or meta-table: ${schema}.${table} to start a new history in ${schema}.`
  )
}
