/**
 * MySQL's reads of the history in as few statements as it allows: the catalog, where each table was
 * found, the lease row, the partly applied versions and the first page of the meta table in one
 * statement (it fails with 1146, class undefined-object, when a table is missing); the long way; and
 * the read that follows the lease's take.
 */
import type { HistorySql, Query } from '../../engine/dialect.js'
import type { MetaTables } from '../../engine/meta.js'
import type { MetaTableName } from '../../meta-table-name.js'
import { mysqlMetaTables, unqualifiedMysqlTables } from './identifiers.js'
import { NAMED_TABLES_COLUMNS, resolveFromCatalog } from './meta-location.js'
import { metaSql } from './meta-sql.js'

/** The page query with each row's position (1 for the first), so that one-off columns go on the first row only. */
function numbered(pageSql: string): string {
  return `SELECT numbered.*, ROW_NUMBER() OVER (ORDER BY numbered.version) AS pos FROM (${pageSql}) AS numbered`
}

/** The database where table `:<param>` is, looked for where the statement's own names resolve (exact name). */
const whereFound = (param: string) =>
  `(SELECT TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(CAST(:schema AS CHAR), DATABASE()) ` +
  `AND TABLE_NAME = :${param} AND CAST(TABLE_NAME AS BINARY) = CAST(:${param} AS BINARY))`

function combinedRead(name: MetaTableName, named: MetaTables, page: Query): Query {
  const first = (value: string) => `CASE WHEN COALESCE(page.pos, 1) = 1 THEN ${value} END`
  return {
    sql: `SELECT ${first('catalog.current')} AS catalog_current, ${first('catalog.tables')} AS catalog_tables,
  ${whereFound('meta_name')} AS meta_schema, ${whereFound('lock_name')} AS lock_schema, ${whereFound('progress_name')} AS progress_schema,
  (SELECT COUNT(*) FROM ${named.lock} WHERE id = 1) AS lease_rows,
  ${first(metaSql.partialVersionsJson(named))} AS partial_versions,
  page.*
FROM (SELECT ${NAMED_TABLES_COLUMNS}) AS catalog
LEFT JOIN (${numbered(page.sql)}) AS page ON TRUE
ORDER BY page.version`,
    params: {
      ...page.params,
      table: name.table,
      schema: name.schema,
      meta_name: name.table,
      lock_name: `${name.table}_lock`,
      progress_name: `${name.table}_progress`
    }
  }
}

function longRead(name: MetaTableName): Query {
  const schema = 'COALESCE(CAST(:schema AS CHAR), DATABASE())'
  const present = (param: string) =>
    `EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${schema} AND TABLE_NAME = :${param} ` +
    `AND CAST(TABLE_NAME AS BINARY) = CAST(:${param} AS BINARY))`
  return {
    sql: `SELECT ${NAMED_TABLES_COLUMNS},
  ${present('lock_table')} AS lock_present, ${present('progress_table')} AS progress_present,
  EXISTS (SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${schema}) AS schema_present`,
    params: { table: name.table, schema: name.schema, lock_table: `${name.table}_lock`, progress_table: `${name.table}_progress` }
  }
}

export const historySql: HistorySql = {
  named: (name) => (name.schema === null ? unqualifiedMysqlTables(name.table) : mysqlMetaTables(name.schema, name.table)),
  namedTables: (name) => ({ sql: `SELECT ${NAMED_TABLES_COLUMNS}`, params: { table: name.table, schema: name.schema } }),
  resolveFromCatalog,
  combinedRead,
  longRead,
  readWithLease: (tables, page) => ({
    sql: `SELECT CASE WHEN COALESCE(page.pos, 1) = 1 THEN ${metaSql.partialVersionsJson(tables)} END AS partial_versions, page.*
FROM (SELECT 1 AS one) AS one LEFT JOIN (${numbered(page.sql)}) AS page ON TRUE`,
    params: page.params
  })
}
