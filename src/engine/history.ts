/**
 * Reading the history in as few calls as the database allows: where the meta table is (with its
 * refusals, see meta-location.ts), the first page of its rows, the partly applied versions and whether
 * every table the engine needs exists, all in one statement; and the same rows again in the statement
 * that takes the lease (see takeLease).
 */
import { isYes } from '../targets/values.js'
import type { MetaTableName } from '../meta-table-name.js'
import type { Row, Target } from '../targets/target.js'
import type { EngineDialect } from './dialect.js'
import { pageQuery, readAppliedRows } from './history-pages.js'
import { acquireLeaseAndRead, leaseFromCreation, type Lease, type LeaseOptions } from './lease.js'
import type { MetaTables } from './meta.js'
import { ensureMetaTables, errorClass, readPartialVersions } from './meta-store.js'
import type { History, PartialVersion } from './types.js'

/**
 * The history where `name` resolves, in one call when the meta, lock and progress tables exist. When
 * one does not (a new database, one of an earlier release, another tool's table of that name) the
 * statement fails without effect and the history is read the long way, which also gives the refusals.
 */
export async function readHistory(dialect: EngineDialect, target: Target, name: MetaTableName): Promise<History> {
  // An unqualified name is read where the default schema finds it; the catalog columns say where that was.
  const named = dialect.history.named(name)
  const read = dialect.history.combinedRead(name, named, pageQuery(dialect, named, 0))
  let rows: Row[]
  try {
    ;({ rows } = await target.query(read.sql, read.params))
  } catch (error) {
    if (errorClass(dialect, error) === 'undefined-object') return readHistoryLong(dialect, target, name)
    throw error
  }
  const first = rows[0] ?? {}
  const tables = dialect.history.resolveFromCatalog(name, { current: first.catalog_current ?? null, tables: first.catalog_tables ?? '[]' })
  const foundHere = [first.meta_schema, first.lock_schema, first.progress_schema].every((schema) => schema === tables.schema)
  // The default schema found a table of these names in another schema than the one the history resolves to.
  if (!foundHere) return readHistoryLong(dialect, target, name)
  return {
    tables,
    ready: Number(first.lease_rows) === 1,
    present: { schema: true, meta: true, lock: true, progress: true },
    rows: await readAppliedRows(dialect, target, tables, pageRows(rows)),
    partial: parsePartial(first.partial_versions)
  }
}

/** The long way: the catalog with the tables beside the meta table, then (when it exists) its rows and the partly applied versions. */
async function readHistoryLong(dialect: EngineDialect, target: Target, name: MetaTableName): Promise<History> {
  const read = dialect.history.longRead(name)
  const { rows } = await target.query(read.sql, read.params)
  const row = rows[0] ?? {}
  const tables = dialect.history.resolveFromCatalog(name, row)
  const meta = (JSON.parse(String(row.tables ?? '[]')) as Array<{ schema: string }>).some((t) => t.schema === tables.schema)
  const present = { schema: isYes(row.schema_present), meta, lock: isYes(row.lock_present), progress: isYes(row.progress_present) }
  if (!meta) return { tables, ready: false, present, rows: [], partial: [] }
  const partial = present.progress ? await readPartialVersions(dialect, target, tables) : []
  return { tables, ready: false, present, rows: await readAppliedRows(dialect, target, tables), partial }
}

/**
 * Takes the lease and reads the history under it, creating what is missing first (plan before this:
 * it is the first write of a run). On a new database the tables and the lease come in one call.
 */
export async function takeLease(
  dialect: EngineDialect,
  target: Target,
  history: History,
  createSchema: boolean,
  options: LeaseOptions
): Promise<{ lease: Lease; rows: History['rows']; partial: PartialVersion[]; progressTable: boolean }> {
  const { tables } = history
  // `progressTable`: the progress table is known to exist (only the older tables' path may lack it).
  if (history.ready) return { ...(await readWithLease(dialect, target, tables, options)), progressTable: true }
  for (let attempt = 1; ; attempt++) {
    try {
      const creation = dialect.meta.createTablesWithLease(tables, history.present, createSchema, options)
      for (const statement of typeof creation === 'string' ? [creation] : creation) await target.query(statement)
      return {
        lease: leaseFromCreation(dialect, target, tables, options),
        rows: history.rows,
        partial: history.partial,
        progressTable: true
      }
    } catch (error) {
      const kind = errorClass(dialect, error)
      // Where an insert cannot skip a locked row (MySQL), the row locked by another run's creation means it exists too.
      if (kind === 'lease-row-exists' || kind === 'lock-not-available') break
      // CREATE … IF NOT EXISTS races with itself (two runs at once); the loser just tries again.
      if (attempt < 3 && kind === 'duplicate') continue
      throw error
    }
  }
  await ensureMetaTables(dialect, target, tables, createSchema)
  return { ...(await readWithLease(dialect, target, tables, options)), progressTable: false }
}

/**
 * Takes the lease and reads the history in the same statement. The rows come from the statement's
 * snapshot; when the lease row changed between that snapshot and taking the lease (another run held
 * it, or a run's last transaction committed meanwhile) they are read again, under the lease.
 */
export async function readWithLease(
  dialect: EngineDialect,
  target: Target,
  tables: MetaTables,
  options: LeaseOptions
): Promise<{ lease: Lease; rows: History['rows']; partial: PartialVersion[] }> {
  const read = dialect.history.readWithLease(tables, pageQuery(dialect, tables, 0))
  const { lease, read: result } = await acquireLeaseAndRead(dialect, target, tables, options, read)
  if (!result || !result.current) {
    return {
      lease,
      rows: await readAppliedRows(dialect, target, tables),
      partial: await readPartialVersions(dialect, target, tables)
    }
  }
  const rows = [...result.rows].sort((a, b) => Number(a.version ?? 0) - Number(b.version ?? 0))
  const first = rows.find((row) => row.partial_versions !== null && row.partial_versions !== undefined) ?? {}
  return { lease, rows: await readAppliedRows(dialect, target, tables, pageRows(rows)), partial: parsePartial(first.partial_versions) }
}

/** The rows of the page: none when the LEFT JOIN found no row of the meta table. */
function pageRows(rows: Row[]): Row[] {
  return rows.filter((row) => row.version !== null && row.version !== undefined)
}

function parsePartial(json: unknown): PartialVersion[] {
  const list = JSON.parse(typeof json === 'string' ? json : '[]') as Array<{ version: number; steps: number }>
  // In version order whatever order the database aggregated them in (MySQL's JSON_ARRAYAGG has no ORDER BY).
  return list.map((p) => ({ version: Number(p.version), steps: Number(p.steps) })).sort((a, b) => a.version - b.version)
}
