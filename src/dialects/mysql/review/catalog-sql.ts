/**
 * The one SELECT of the MySQL review's catalog read (catalog.ts): a row of the server's facts (and, when asked
 * for, the settings shadow/settings.ts reads), and a row per table, view or sequence found among the relations
 * named. information_schema and @@variables only: no user table is read.
 *
 * The same text runs on MySQL 8.0 (Aurora MySQL 3) and MariaDB 10.11: CTEs, window functions and
 * JSON_ARRAYAGG/JSON_OBJECT exist on both; MySQL's JSON_ARRAYAGG takes no ORDER BY, so every element carries
 * its place and catalog.ts sorts. What only MySQL has is read inside MySQL's versioned comments, which
 * MariaDB skips: it treats `/*!NNNNN … *\/` with NNNNN from 50700 to 99999 as a plain comment (MySQL 5.7 and
 * 8.0 features it does not share) [measured, MariaDB 10.11: `SELECT 1 /*!80029 + 1 *\/` is 1; `/*!100000 + 1 *\/`
 * gives 2], while MySQL runs the text on a server at least that version [doc: MySQL 8.0 manual, "Comments"].
 *
 * Names are values, never text of the query: each relation's schema and name are parameters (`:s0`, `:n0`…),
 * compared exactly — information_schema compares names without case on MariaDB (and under
 * lower_case_table_names on MySQL), so every name comparison also compares the bytes, as meta-sql.ts does.
 * No parameter is inside a versioned comment: the transports' `:name` scanners skip comments.
 *
 * Bounds. The Data API answers at most 64 KB per row and 1 MiB per call, each value re-escaped as a JSON string
 * in its reply (about 1.5 times the text here, measured through the emulator). A table's lists (columns, indexes,
 * outgoing and incoming foreign keys, triggers) are cut, in their order, where the running byte length of their
 * JSON elements passes the list's share of ROW_LIST_BYTES for the table, or of TOTAL_LIST_BYTES for all tables
 * counted round-robin (budgetedList). Every list carries its full count, so a cut list is known as cut. The
 * other fields of a table are names (64 characters at most) and a few short values. At most MAX_RELATIONS
 * relations are read in one call: the text is about 12 KB and 105 characters more a relation (33 KB for 200;
 * the Data API takes 65,536).
 *
 * On MariaDB, information_schema tables are filled by scanning every table of the server when a join gives no
 * constant name; `found` is kept materialised (DISTINCT) so that each list joins the few tables found instead of
 * all of information_schema.TABLES again [measured: 13 relations among 500 tables, 1.3 s merged, 0.26 s so].
 */
import type { SqlParams } from '../../../targets/target.js'
import { MYSQL_SETTING_NAMES, SETTINGS_SELECT_LIST } from '../shadow/settings.js'
import { innodbFilename } from './catalog-filename.js'

/** Relations one call reads at most. */
export const MAX_RELATIONS = 200
/** The lists of one table, in bytes of JSON text: with the table's other fields, well below the 64 KB row. */
export const ROW_LIST_BYTES = 48_000
/** The lists of all tables: re-escaped as JSON strings by the Data API (about 1.5 times), the reply stays below 1 MiB. */
export const TOTAL_LIST_BYTES = 400_000

/** The share of a table's budget each list gets. */
const SHARES = { columns: 0.5, indexes: 0.2, foreignKeys: 0.1, referencedBy: 0.15, triggers: 0.05 } as const
export type ListName = keyof typeof SHARES
export const LIST_NAMES = Object.keys(SHARES) as ListName[]

/** One relation asked for: `schema` '' is the connection's default database. */
export interface WantedRelation {
  schema: string
  name: string
}

/**
 * Where the row-version count is read: MySQL 8.0.29 added INFORMATION_SCHEMA.INNODB_TABLES.TOTAL_ROW_VERSIONS
 * (instant ADD/DROP COLUMN anywhere; 64 versions at most before a table needs a rebuild). `gate` opens the
 * versioned comment the reads are in. The integration test reads MariaDB's INNODB_SYS_TABLES through the same
 * text, gated for MariaDB, to run the branch MySQL runs.
 */
export interface RowVersionsSource {
  gate: string
  table: string
  column: string
}

export const MYSQL_ROW_VERSIONS: RowVersionsSource = {
  gate: '/*!80029',
  table: 'information_schema.INNODB_TABLES',
  column: 'TOTAL_ROW_VERSIONS'
}

/** `a` and `b` are the same name: as information_schema compares them (its indexes), and byte for byte. */
function same(a: string, b: string): string {
  return `${a} = ${b} AND CAST(${a} AS BINARY) = CAST(${b} AS BINARY)`
}

function sameTable(schema: string, table: string, found = 'f'): string {
  return `${same(schema, `${found}.sch`)} AND ${same(table, `${found}.tbl`)}`
}

/**
 * The current account as USER_PRIVILEGES names its grantee (`'user'@'host'`; the user is what CURRENT_USER()
 * gives before its last `@`).
 */
export const CURRENT_GRANTEE =
  "CONCAT('''', LEFT(CURRENT_USER(), CHAR_LENGTH(CURRENT_USER()) - CHAR_LENGTH(SUBSTRING_INDEX(CURRENT_USER(), '@', -1)) - 1), " +
  "'''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')"

/** Whether the account holds PROCESS itself (a privilege held through a role is not listed there: then false). */
export const HAS_PROCESS = `EXISTS (SELECT 1 FROM information_schema.USER_PRIVILEGES AS p WHERE p.PRIVILEGE_TYPE = 'PROCESS' AND p.GRANTEE = ${CURRENT_GRANTEE})`

/**
 * A list of every table's elements, cut to its budgets: `budget.table` bytes for one table, `budget.all` for all
 * of them, counted in round-robin order (every table's first element, then every table's second …), so that a
 * long list does not crowd the others out. A table keeps a prefix of its list. `items` answers `k` (the
 * relation), `item` (one JSON element) and the columns `order` sorts by (unique within a table).
 */
function budgetedList(name: ListName, items: string, order: string, budget: { table: number; all: number }): string {
  return `${name}_items AS (
${items}
),
${name}_placed AS (
  SELECT k, item, LENGTH(item) + 2 AS bytes,
    ROW_NUMBER() OVER (PARTITION BY k ORDER BY ${order}) AS place,
    COUNT(*) OVER (PARTITION BY k) AS total
  FROM ${name}_items
),
${name}_sized AS (
  SELECT k, item, place, total,
    SUM(bytes) OVER (PARTITION BY k ORDER BY place ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) <= ${budget.table}
      AND SUM(bytes) OVER (ORDER BY place, k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) <= ${budget.all} AS kept
  FROM ${name}_placed
),
${name}_list AS (
  SELECT k, JSON_ARRAYAGG(CASE WHEN kept THEN item END) AS items, MAX(total) AS total
  FROM ${name}_sized
  WHERE kept OR place = 1
  GROUP BY k
)`
}

/** One element per column, in ORDINAL_POSITION order. */
const COLUMN_ITEMS = `  SELECT f.k, c.ORDINAL_POSITION AS position,
    JSON_OBJECT('name', c.COLUMN_NAME, 'type', c.COLUMN_TYPE, 'nullable', c.IS_NULLABLE = 'YES',
      'charset', c.CHARACTER_SET_NAME, 'collation', c.COLLATION_NAME, 'maxBytes', c.CHARACTER_OCTET_LENGTH,
      'generated', CASE WHEN c.EXTRA LIKE '%VIRTUAL GENERATED%' THEN 'virtual' WHEN c.EXTRA LIKE '%STORED GENERATED%' THEN 'stored' END,
      'position', c.ORDINAL_POSITION) AS item
  FROM found AS f
  JOIN information_schema.COLUMNS AS c ON ${sameTable('c.TABLE_SCHEMA', 'c.TABLE_NAME')}`

/**
 * One element per index, PRIMARY first; its columns with their places. A functional key part (MySQL 8.0.13+)
 * has no COLUMN_NAME: its EXPRESSION, in parentheses, stands for it (MariaDB has no such column or key part).
 */
const INDEX_ITEMS = `  SELECT f.k, s.INDEX_NAME AS index_name,
    JSON_OBJECT('name', s.INDEX_NAME,
      'kind', CASE WHEN s.INDEX_NAME = 'PRIMARY' THEN 'primary' WHEN MAX(s.INDEX_TYPE) = 'FULLTEXT' THEN 'fulltext'
        WHEN MAX(s.INDEX_TYPE) = 'SPATIAL' THEN 'spatial' WHEN MAX(s.NON_UNIQUE) = 0 THEN 'unique' ELSE 'index' END,
      'columns', JSON_ARRAYAGG(JSON_ARRAY(s.SEQ_IN_INDEX, COALESCE(s.COLUMN_NAME /*!80013 , CONCAT('(', s.EXPRESSION, ')') */)))) AS item
  FROM found AS f
  JOIN information_schema.STATISTICS AS s ON ${sameTable('s.TABLE_SCHEMA', 's.TABLE_NAME')}
  GROUP BY f.k, s.INDEX_NAME`

/** The columns of foreign key `u` (KEY_COLUMN_USAGE) with its rules (REFERENTIAL_CONSTRAINTS `r`). */
const FOREIGN_KEY_COLUMNS = `JSON_ARRAYAGG(JSON_ARRAY(u.ORDINAL_POSITION, u.COLUMN_NAME, u.REFERENCED_COLUMN_NAME)),
      'onDelete', MAX(r.DELETE_RULE), 'onUpdate', MAX(r.UPDATE_RULE)`

/** The table's own foreign keys, by name. */
const FOREIGN_KEY_ITEMS = `  SELECT f.k, r.CONSTRAINT_NAME AS constraint_name,
    JSON_OBJECT('name', r.CONSTRAINT_NAME, 'schema', MAX(u.REFERENCED_TABLE_SCHEMA), 'table', MAX(u.REFERENCED_TABLE_NAME),
      'columns', ${FOREIGN_KEY_COLUMNS}) AS item
  FROM found AS f
  JOIN information_schema.REFERENTIAL_CONSTRAINTS AS r ON ${sameTable('r.CONSTRAINT_SCHEMA', 'r.TABLE_NAME')}
  JOIN information_schema.KEY_COLUMN_USAGE AS u ON ${same('u.CONSTRAINT_SCHEMA', 'r.CONSTRAINT_SCHEMA')}
    AND ${same('u.CONSTRAINT_NAME', 'r.CONSTRAINT_NAME')} AND ${same('u.TABLE_NAME', 'r.TABLE_NAME')}
    AND u.REFERENCED_TABLE_NAME IS NOT NULL
  GROUP BY f.k, r.CONSTRAINT_NAME`

/** The foreign keys of other tables (and of the table itself) that reference the table, by table and name. */
const REFERENCED_BY_ITEMS = `  SELECT f.k, u.TABLE_SCHEMA AS child_schema, u.TABLE_NAME AS child_table, u.CONSTRAINT_NAME AS constraint_name,
    JSON_OBJECT('name', u.CONSTRAINT_NAME, 'schema', u.TABLE_SCHEMA, 'table', u.TABLE_NAME,
      'columns', ${FOREIGN_KEY_COLUMNS}) AS item
  FROM found AS f
  JOIN information_schema.KEY_COLUMN_USAGE AS u ON ${sameTable('u.REFERENCED_TABLE_SCHEMA', 'u.REFERENCED_TABLE_NAME')}
  JOIN information_schema.REFERENTIAL_CONSTRAINTS AS r ON ${same('r.CONSTRAINT_SCHEMA', 'u.CONSTRAINT_SCHEMA')}
    AND ${same('r.CONSTRAINT_NAME', 'u.CONSTRAINT_NAME')} AND ${same('r.TABLE_NAME', 'u.TABLE_NAME')}
  GROUP BY f.k, u.TABLE_SCHEMA, u.TABLE_NAME, u.CONSTRAINT_NAME`

/** The table's triggers (those the account may see: MySQL shows a trigger to who has TRIGGER on its table). */
const TRIGGER_ITEMS = `  SELECT f.k, g.TRIGGER_NAME AS trigger_name, JSON_OBJECT('name', g.TRIGGER_NAME) AS item
  FROM found AS f
  JOIN information_schema.TRIGGERS AS g ON ${sameTable('g.EVENT_OBJECT_SCHEMA', 'g.EVENT_OBJECT_TABLE')}`

const LISTS: Record<ListName, { items: string; order: string }> = {
  columns: { items: COLUMN_ITEMS, order: 'position' },
  indexes: { items: INDEX_ITEMS, order: "index_name <> 'PRIMARY', index_name" },
  foreignKeys: { items: FOREIGN_KEY_ITEMS, order: 'constraint_name' },
  referencedBy: { items: REFERENCED_BY_ITEMS, order: 'child_schema, child_table, constraint_name' },
  triggers: { items: TRIGGER_ITEMS, order: 'trigger_name' }
}

/**
 * The tables' InnoDB row-version counts, read once (grouped: materialised, not merged into the subquery that
 * uses it). InnoDB names a partition `table#p#name` (MariaDB `#P#`): a partitioned table's count is its
 * partitions' largest.
 */
function rowVersionsCte(source: RowVersionsSource): string {
  return `${source.gate} row_versions AS (
  SELECT f.k, MAX(i.${source.column}) AS versions
  FROM found AS f
  JOIN ${source.table} AS i ON LEFT(CAST(i.NAME AS BINARY), CHAR_LENGTH(f.innodb)) = CAST(f.innodb AS BINARY)
    AND (CHAR_LENGTH(i.NAME) = CHAR_LENGTH(f.innodb) OR LOWER(SUBSTRING(i.NAME, CHAR_LENGTH(f.innodb) + 1, 3)) = '#p#')
  GROUP BY f.k
), */`
}

/**
 * The count of one table, where the server has it: an InnoDB table of the information_schema view needs the
 * PROCESS privilege, and a read without it fails the whole statement (error 1227) when the view is filled; it
 * is filled only when the subquery runs, and the CASE runs it only for an account holding PROCESS [measured
 * on MariaDB 10.11 with INNODB_SYS_TABLES: the bare read fails with 1227, the same read under a false CASE
 * answers NULL; MySQL 8.0's InnoDB views check PROCESS when filled too (storage/innobase/handler/i_s.cc)]. On
 * MySQL before 8.0.29 and on MariaDB the comment is skipped and the count is NULL.
 */
function rowVersionsValue(source: RowVersionsSource): string {
  return `COALESCE(${source.gate} (CASE WHEN ${HAS_PROCESS} THEN (SELECT v.versions FROM row_versions AS v WHERE v.k = f.k) END), */ NULL)`
}

/**
 * The oldest transactions of other sessions open for a minute or more (at most five), as JSON: any of them may hold
 * the metadata lock of a table a DDL needs. Never their statements' text nor their host (the comment is public).
 * INNODB_TRX needs PROCESS, as the row versions do: without it, NULL (unknown), not a failed read.
 */
const OPEN_TRANSACTIONS = `(CASE WHEN ${HAS_PROCESS} THEN (SELECT COALESCE(JSON_ARRAYAGG(JSON_OBJECT('id', o.id, 'user', o.user, 'seconds', o.seconds, 'command', o.command)), '[]')
  FROM (SELECT t.trx_mysql_thread_id AS id, COALESCE(p.USER, '') AS user, TIMESTAMPDIFF(SECOND, t.trx_started, COALESCE(CONVERT_TZ(NOW(), @@session.time_zone, 'SYSTEM'), NOW())) AS seconds,
      COALESCE(p.COMMAND, '') AS command
    FROM information_schema.INNODB_TRX AS t LEFT JOIN information_schema.PROCESSLIST AS p ON p.ID = t.trx_mysql_thread_id
    WHERE t.trx_mysql_thread_id <> CONNECTION_ID() AND t.trx_started <= COALESCE(CONVERT_TZ(NOW(), @@session.time_zone, 'SYSTEM'), NOW()) - INTERVAL 60 SECOND
    ORDER BY t.trx_started LIMIT 5) AS o) END)`

/** A result column: its value in the server's row and in a table's row. */
interface ResultColumn {
  name: string
  server: string
  table: string
}

function resultColumns(settings: boolean, source: RowVersionsSource): ResultColumn[] {
  const tableColumn = (name: string, table: string): ResultColumn => ({ name, server: 'NULL', table })
  const columns: ResultColumn[] = [
    tableColumn('k', 'f.k'),
    tableColumn('schema_name', 'f.sch'),
    tableColumn('table_name', 'f.tbl'),
    tableColumn('table_type', 'f.table_type'),
    tableColumn('table_engine', 'f.table_engine'),
    tableColumn('row_format', 'f.row_format'),
    tableColumn('create_options', 'f.create_options'),
    tableColumn('table_collation', 'f.table_collation'),
    tableColumn('table_rows', 'f.table_rows'),
    tableColumn('table_bytes', 'f.table_bytes')
  ]
  for (const list of LIST_NAMES) {
    columns.push(tableColumn(`${list}_json`, `${list}_list.items`), tableColumn(`${list}_total`, `${list}_list.total`))
  }
  columns.push(
    tableColumn('total_row_versions', rowVersionsValue(source)),
    { name: 'server_version', server: 'VERSION()', table: 'NULL' },
    { name: 'server_sql_mode', server: '@@sql_mode', table: 'NULL' },
    { name: 'server_foreign_key_checks', server: '@@foreign_key_checks', table: 'NULL' },
    { name: 'server_performance_schema', server: '@@performance_schema', table: 'NULL' },
    { name: 'server_open_transactions', server: OPEN_TRANSACTIONS, table: 'NULL' }
  )
  if (settings) for (const name of MYSQL_SETTING_NAMES) columns.push({ name, server: '', table: 'NULL' })
  return columns
}

/** The server's row: its facts, then (with settings) SETTINGS_SELECT_LIST, whose columns are named after the settings. */
function serverSelect(columns: ResultColumn[]): string {
  const own = columns.filter((column) => column.server !== '').map((column) => `${column.server} AS \`${column.name}\``)
  const settings = columns.length > own.length ? `, ${SETTINGS_SELECT_LIST}` : ''
  return `SELECT ${own.join(', ')}${settings}`
}

/** The budgets of each list, in bytes: for one table, and for all tables. */
export function listBudget(list: ListName): { table: number; all: number } {
  return { table: Math.floor(ROW_LIST_BYTES * SHARES[list]), all: Math.floor(TOTAL_LIST_BYTES * SHARES[list]) }
}

/**
 * The statement and its parameters. Relation `i` is `k` = i in the answer. Its InnoDB name (`b`: the table's,
 * `a`: the schema's, NULL when the schema is the default database's) is computed here (catalog-filename.ts); a
 * name that cannot be spelled so is NULL, and the table's count is then NULL. The default database's own name
 * is used only when it needs no encoding.
 */
export function catalogQuery(
  relations: readonly WantedRelation[],
  options: { settings: boolean },
  source: RowVersionsSource = MYSQL_ROW_VERSIONS
): { sql: string; params: SqlParams } {
  if (relations.length > MAX_RELATIONS)
    throw new Error(`The catalog read takes at most ${MAX_RELATIONS} relations in one call; ${relations.length} were named`)
  const columns = resultColumns(options.settings, source)
  const server = serverSelect(columns)
  if (relations.length === 0) return { sql: server, params: {} }

  const params: SqlParams = {}
  const rows = relations.map((relation, k) => {
    params[`s${k}`] = relation.schema
    params[`n${k}`] = relation.name
    params[`a${k}`] = relation.schema === '' ? null : innodbFilename(relation.schema)
    params[`b${k}`] = innodbFilename(relation.name)
    return `SELECT ${k}, CAST(:s${k} AS CHAR), CAST(:n${k} AS CHAR), CAST(:a${k} AS CHAR), CAST(:b${k} AS CHAR)`
  })
  const lists = LIST_NAMES.map((list) => budgetedList(list, LISTS[list].items, LISTS[list].order, listBudget(list)))
  const joins = LIST_NAMES.map((list) => `LEFT JOIN ${list}_list ON ${list}_list.k = f.k`).join('\n')
  const tableSelect = `SELECT ${columns.map((column) => `${column.table} AS \`${column.name}\``).join(',\n  ')}
FROM found AS f
${joins}`

  const sql = `WITH wanted_raw (k, schema_given, name_given, schema_file, name_file) AS (
  ${rows.join('\n  UNION ALL ')}
),
wanted AS (
  SELECT k,
    CONVERT(COALESCE(NULLIF(schema_given, ''), DATABASE()) USING utf8mb4) AS sch,
    CONVERT(name_given USING utf8mb4) AS tbl,
    CONCAT(IF(schema_given = '', IF(DATABASE() REGEXP '^[0-9A-Za-z_]+$', DATABASE(), NULL), schema_file), '/', name_file) AS innodb
  FROM wanted_raw
),
found AS (
  SELECT DISTINCT w.k, w.innodb, t.TABLE_SCHEMA AS sch, t.TABLE_NAME AS tbl, t.TABLE_TYPE AS table_type, t.ENGINE AS table_engine,
    t.ROW_FORMAT AS row_format, t.CREATE_OPTIONS AS create_options, t.TABLE_COLLATION AS table_collation,
    t.TABLE_ROWS AS table_rows, t.DATA_LENGTH + t.INDEX_LENGTH AS table_bytes
  FROM wanted AS w
  JOIN information_schema.TABLES AS t ON ${sameTable('t.TABLE_SCHEMA', 't.TABLE_NAME', 'w')}
),
${rowVersionsCte(source)}
${lists.join(',\n')}
${server}
UNION ALL
${tableSelect}`
  return { sql, params }
}
