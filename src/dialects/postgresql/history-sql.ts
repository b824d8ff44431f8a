/**
 * PostgreSQL's reads of the history in as few statements as it allows: the catalog, where each table was
 * found, the lease row, the partly applied versions and the first page of the meta table in one
 * statement; the long way when a table is missing; and the read that shares the lease's statement.
 */
import type { HistorySql, Query } from '../../engine/dialect.js'
import { metaTables, unqualifiedTables, type MetaTables } from '../../engine/meta.js'
import type { MetaTableName } from '../../meta-table-name.js'
import { NAMED_TABLES_COLUMNS, resolveFromCatalog } from './meta-location.js'
import { metaSql } from './meta-sql.js'

/** The page query with each row's position (1 for the first), so that one-off columns go on the first row only. */
function numbered(pageSql: string): string {
  return `SELECT numbered.*, row_number() OVER (ORDER BY numbered.version) AS pos FROM (${pageSql}) AS numbered`
}

function combinedRead(name: MetaTableName, named: MetaTables, page: Query): Query {
  const whereFound = (table: string) =>
    `(SELECT n.nspname::text FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(CAST(:${table}_name AS text)))`
  return {
    sql: `SELECT CASE WHEN coalesce(page.pos, 1) = 1 THEN catalog.current END AS catalog_current,
  CASE WHEN coalesce(page.pos, 1) = 1 THEN catalog.tables END AS catalog_tables,
  ${whereFound('meta')} AS meta_schema, ${whereFound('lock')} AS lock_schema, ${whereFound('progress')} AS progress_schema,
  (SELECT count(*)::integer FROM ${named.lock} WHERE id = 1) AS lease_rows,
  CASE WHEN coalesce(page.pos, 1) = 1 THEN ${metaSql.partialVersionsJson(named)} END AS partial_versions,
  page.*
FROM (SELECT ${NAMED_TABLES_COLUMNS}) AS catalog
LEFT JOIN (${numbered(page.sql)}) AS page ON true
ORDER BY page.version`,
    params: { ...page.params, table: name.table, meta_name: named.meta, lock_name: named.lock, progress_name: named.progress }
  }
}

function longRead(name: MetaTableName): Query {
  const schema = "coalesce(CAST(:schema AS text), current_schema(), '')"
  return {
    sql: `SELECT ${NAMED_TABLES_COLUMNS},
  to_regclass(format('%I.%I', ${schema}, CAST(:lock_table AS text))) IS NOT NULL AS lock_present,
  to_regclass(format('%I.%I', ${schema}, CAST(:progress_table AS text))) IS NOT NULL AS progress_present,
  to_regnamespace(quote_ident(${schema})) IS NOT NULL AS schema_present`,
    params: { table: name.table, schema: name.schema, lock_table: `${name.table}_lock`, progress_table: `${name.table}_progress` }
  }
}

export const historySql: HistorySql = {
  named: (name) => (name.schema === null ? unqualifiedTables(name.table) : metaTables(name.schema, name.table)),
  namedTables: (name) => ({ sql: `SELECT ${NAMED_TABLES_COLUMNS}`, params: { table: name.table } }),
  resolveFromCatalog,
  combinedRead,
  longRead,
  readWithLease: (tables, page) => ({
    sql: `SELECT CASE WHEN coalesce(page.pos, 1) = 1 THEN ${metaSql.partialVersionsJson(tables)} END AS partial_versions, page.*
FROM (SELECT 1) AS one LEFT JOIN (${numbered(page.sql)}) AS page ON true`,
    params: page.params
  })
}
