/**
 * Reading the history in as few calls as the database allows: where the meta table is (with its
 * refusals, see meta-location.ts), the first page of its rows, the partly applied versions and whether
 * every table the engine needs exists, all in one statement; and the same rows again in the statement
 * that takes the lease (see takeLease).
 */
import { DatabaseError } from '../errors.js'
import type { Row, Target } from '../targets/target.js'
import { acquireLeaseAndRead, leaseFromCreation, type Lease, type LeaseOptions } from './lease.js'
import { NAMED_TABLES_COLUMNS, resolveFromCatalog } from './meta-location.js'
import {
  LEASE_ROW_EXISTS,
  createTablesWithLeaseSql,
  ensureMetaTables,
  metaTables,
  pageQuery,
  partialVersionsJsonSql,
  quoteIdentifier,
  readAppliedRows,
  readPartialVersions,
  type MetaTableName,
  type MetaTables
} from './meta.js'
import type { History, PartialVersion } from './types.js'

/** undefined_table, undefined_column, invalid_schema_name: a table the combined read names does not exist (yet), or is not ours. */
const NOT_THERE = new Set(['42P01', '42703', '3F000'])

/**
 * The history where `name` resolves, in one call when the meta, lock and progress tables exist. When
 * one does not (a new database, one of an earlier release, another tool's table of that name) the
 * statement fails without effect and the history is read the long way, which also gives the refusals.
 */
export async function readHistory(target: Target, name: MetaTableName): Promise<History> {
  // An unqualified name is read where search_path finds it; the catalog columns say where that was.
  const named = name.schema === null ? unqualifiedTables(name.table) : metaTables(name.schema, name.table)
  const page = pageQuery(named, 0)
  const whereFound = (table: string) =>
    `(SELECT n.nspname::text FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(CAST(:${table}_name AS text)))`
  let rows: Row[]
  try {
    ;({ rows } = await target.query(
      `SELECT CASE WHEN coalesce(page.pos, 1) = 1 THEN catalog.current END AS catalog_current,
  CASE WHEN coalesce(page.pos, 1) = 1 THEN catalog.tables END AS catalog_tables,
  ${whereFound('meta')} AS meta_schema, ${whereFound('lock')} AS lock_schema, ${whereFound('progress')} AS progress_schema,
  (SELECT count(*)::integer FROM ${named.lock} WHERE id = 1) AS lease_rows,
  CASE WHEN coalesce(page.pos, 1) = 1 THEN ${partialVersionsJsonSql(named)} END AS partial_versions,
  page.*
FROM (SELECT ${NAMED_TABLES_COLUMNS}) AS catalog
LEFT JOIN (${numbered(page.sql)}) AS page ON true
ORDER BY page.version`,
      { ...page.params, table: name.table, meta_name: named.meta, lock_name: named.lock, progress_name: named.progress }
    ))
  } catch (error) {
    if (error instanceof DatabaseError && NOT_THERE.has(error.info.sqlState ?? '')) return readHistoryLong(target, name)
    throw error
  }
  const first = rows[0] ?? {}
  const tables = resolveFromCatalog(name, { current: first.catalog_current ?? null, tables: first.catalog_tables ?? '[]' })
  const foundHere = [first.meta_schema, first.lock_schema, first.progress_schema].every((schema) => schema === tables.schema)
  // search_path found a table of these names in another schema than the one the history resolves to.
  if (!foundHere) return readHistoryLong(target, name)
  return {
    tables,
    ready: Number(first.lease_rows) === 1,
    present: { schema: true, meta: true, lock: true, progress: true },
    rows: await readAppliedRows(target, tables, pageRows(rows)),
    partial: parsePartial(first.partial_versions)
  }
}

/** The long way: the catalog with the tables beside the meta table, then (when it exists) its rows and the partly applied versions. */
async function readHistoryLong(target: Target, name: MetaTableName): Promise<History> {
  const schema = "coalesce(CAST(:schema AS text), current_schema(), '')"
  const { rows } = await target.query(
    `SELECT ${NAMED_TABLES_COLUMNS},
  to_regclass(format('%I.%I', ${schema}, CAST(:lock_table AS text))) IS NOT NULL AS lock_present,
  to_regclass(format('%I.%I', ${schema}, CAST(:progress_table AS text))) IS NOT NULL AS progress_present,
  to_regnamespace(quote_ident(${schema})) IS NOT NULL AS schema_present`,
    { table: name.table, schema: name.schema, lock_table: `${name.table}_lock`, progress_table: `${name.table}_progress` }
  )
  const row = rows[0] ?? {}
  const tables = resolveFromCatalog(name, row)
  const meta = (JSON.parse(String(row.tables ?? '[]')) as Array<{ schema: string }>).some((t) => t.schema === tables.schema)
  const present = { schema: row.schema_present === true, meta, lock: row.lock_present === true, progress: row.progress_present === true }
  if (!meta) return { tables, ready: false, present, rows: [], partial: [] }
  const partial = present.progress ? await readPartialVersions(target, tables) : []
  return { tables, ready: false, present, rows: await readAppliedRows(target, tables), partial }
}

/**
 * Takes the lease and reads the history under it, creating what is missing first (plan before this:
 * it is the first write of a run). On a new database the tables and the lease come in one call.
 */
export async function takeLease(
  target: Target,
  history: History,
  createSchema: boolean,
  options: LeaseOptions
): Promise<{ lease: Lease; rows: History['rows']; partial: PartialVersion[] }> {
  const { tables } = history
  if (history.ready) return readWithLease(target, tables, options)
  for (let attempt = 1; ; attempt++) {
    try {
      await target.query(createTablesWithLeaseSql(tables, history.present, createSchema, options))
      return { lease: leaseFromCreation(target, tables, options), rows: history.rows, partial: history.partial }
    } catch (error) {
      const state = error instanceof DatabaseError ? (error.info.sqlState ?? '') : ''
      if (state === LEASE_ROW_EXISTS) break
      // CREATE … IF NOT EXISTS races with itself (two runs at once); the loser just tries again.
      if (attempt < 3 && DUPLICATE_OBJECT.has(state)) continue
      throw error
    }
  }
  await ensureMetaTables(target, tables, createSchema)
  return readWithLease(target, tables, options)
}

const DUPLICATE_OBJECT = new Set(['23505', '42P07', '42710'])

/**
 * Takes the lease and reads the history in the same statement. The rows come from the statement's
 * snapshot; when the lease row changed between that snapshot and taking the lease (another run held
 * it, or a run's last transaction committed meanwhile) they are read again, under the lease.
 */
export async function readWithLease(
  target: Target,
  tables: MetaTables,
  options: LeaseOptions
): Promise<{ lease: Lease; rows: History['rows']; partial: PartialVersion[] }> {
  const page = pageQuery(tables, 0)
  const read = {
    sql: `SELECT CASE WHEN coalesce(page.pos, 1) = 1 THEN ${partialVersionsJsonSql(tables)} END AS partial_versions, page.*
FROM (SELECT 1) AS one LEFT JOIN (${numbered(page.sql)}) AS page ON true`,
    params: page.params
  }
  const { lease, read: result } = await acquireLeaseAndRead(target, tables, options, read)
  if (!result || !result.current) {
    return { lease, rows: await readAppliedRows(target, tables), partial: await readPartialVersions(target, tables) }
  }
  const rows = [...result.rows].sort((a, b) => Number(a.version ?? 0) - Number(b.version ?? 0))
  const first = rows.find((row) => row.partial_versions !== null && row.partial_versions !== undefined) ?? {}
  return { lease, rows: await readAppliedRows(target, tables, pageRows(rows)), partial: parsePartial(first.partial_versions) }
}

/** The page query with each row's position (1 for the first), so that one-off columns go on the first row only. */
function numbered(pageSql: string): string {
  return `SELECT numbered.*, row_number() OVER (ORDER BY numbered.version) AS pos FROM (${pageSql}) AS numbered`
}

/** The rows of the page: none when the LEFT JOIN found no row of the meta table. */
function pageRows(rows: Row[]): Row[] {
  return rows.filter((row) => row.version !== null && row.version !== undefined)
}

function parsePartial(json: unknown): PartialVersion[] {
  const list = JSON.parse(typeof json === 'string' ? json : '[]') as Array<{ version: number; steps: number }>
  return list.map((p) => ({ version: Number(p.version), steps: Number(p.steps) }))
}

/** The three tables by unqualified name (search_path decides), for the one statement that reads them. */
function unqualifiedTables(table: string): MetaTables {
  return {
    ...metaTables('', table),
    meta: quoteIdentifier(table),
    lock: quoteIdentifier(`${table}_lock`),
    progress: quoteIdentifier(`${table}_progress`)
  }
}
