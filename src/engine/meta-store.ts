/**
 * Creating the meta, lock and progress tables where they are missing, and the small reads and writes of
 * the history beside the meta rows (which history-pages.ts reads): which tables exist, the progress of
 * versions run in steps. The statements are the dialect's.
 */
import { isYes } from '../targets/values.js'
import { DatabaseError, HistoryChangedError } from '../errors.js'
import type { Target } from '../targets/target.js'
import type { EngineDialect, EngineErrorClass, ProgressStep } from './dialect.js'
import type { MetaTables } from './meta.js'

/** The class of a database error as the dialect names it; null for any other error. */
export function errorClass(dialect: EngineDialect, error: unknown): EngineErrorClass | null {
  return error instanceof DatabaseError ? dialect.classify(error.info) : null
}

/** CREATE … IF NOT EXISTS races with itself (two runs at once); the loser just retries. */
async function createIfMissing(dialect: EngineDialect, target: Target, sql: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await target.query(sql)
      return
    } catch (error) {
      if (attempt < 3 && errorClass(dialect, error) === 'duplicate') continue
      throw error
    }
  }
}

export async function ensureMetaTables(dialect: EngineDialect, target: Target, tables: MetaTables, createSchema: boolean): Promise<void> {
  const sql = dialect.meta
  // Look first: CREATE … IF NOT EXISTS needs the CREATE privilege even when the table exists, and a
  // migration user of a long-lived database may no longer have it.
  const probe = sql.tablesPresent(tables)
  const { rows } = await target.query(probe.sql, probe.params)
  const present = rows[0] ?? {}
  if (isYes(present.meta) && isYes(present.lock)) {
    await insertLeaseRow(dialect, target, tables)
    if (!isYes(present.progress)) {
      // Tables made by an earlier release: add the progress table. A user without CREATE can still
      // apply ordinary versions; a version that needs the table says so (see applyInSteps in steps.ts).
      await createIfMissing(dialect, target, sql.progressTableDdl(tables)).catch((error: unknown) => {
        if (errorClass(dialect, error) !== 'insufficient-privilege') throw error
      })
    }
    return
  }
  if (createSchema && !isYes(present.schema)) await createIfMissing(dialect, target, sql.createSchema(tables))
  await createIfMissing(dialect, target, sql.metaTableDdl(tables))
  await createIfMissing(dialect, target, sql.lockTableDdl(tables))
  await createIfMissing(dialect, target, sql.progressTableDdl(tables))
  await insertLeaseRow(dialect, target, tables)
}

/**
 * The free lease row, when missing. Where an insert cannot skip a row another transaction has locked
 * (MySQL), it fails at once instead of waiting: the row exists then, which is all this wants.
 */
async function insertLeaseRow(dialect: EngineDialect, target: Target, tables: MetaTables): Promise<void> {
  try {
    await target.query(dialect.meta.insertLeaseRow(tables))
  } catch (error) {
    if (errorClass(dialect, error) !== 'lock-not-available') throw error
  }
}

/** Whether the table named by `quoted` exists (a plan must not create anything). */
async function tableExists(dialect: EngineDialect, target: Target, quoted: string): Promise<boolean> {
  const query = dialect.meta.tableExists(quoted)
  const { rows } = await target.query(query.sql, query.params)
  return isYes(rows[0]?.present)
}

/** Whether the progress table exists (a plan must not create it; a database of an earlier release may lack it). */
export function progressTableExists(dialect: EngineDialect, target: Target, tables: MetaTables): Promise<boolean> {
  return tableExists(dialect, target, tables.progress)
}

/** Whether the meta table exists yet (plan must not create anything). */
export function metaTableExists(dialect: EngineDialect, target: Target, tables: MetaTables): Promise<boolean> {
  return tableExists(dialect, target, tables.meta)
}

/** Whether another tool's table (quoted name) exists. */
export function otherTableExists(dialect: EngineDialect, target: Target, quoted: string): Promise<boolean> {
  return tableExists(dialect, target, quoted)
}

/** A completed statement of a partly applied version. */
export interface ProgressRow extends ProgressStep {
  /** 'started': an earlier run sent the statement and did not learn its outcome (dialects that journal intent). */
  state: 'started' | 'done'
  /** What the catalog held for the statement's objects before it was sent ('started' rows). */
  fingerprint: string | null
}

/** The completed steps of one version, in order; empty when it has none (or there is no progress table). */
export async function readProgress(dialect: EngineDialect, target: Target, tables: MetaTables, version: number): Promise<ProgressRow[]> {
  if (!(await progressTableExists(dialect, target, tables))) return []
  return readProgressRows(dialect, target, tables, version)
}

/** readProgress where the progress table is known to exist. */
export async function readProgressRows(
  dialect: EngineDialect,
  target: Target,
  tables: MetaTables,
  version: number
): Promise<ProgressRow[]> {
  const query = dialect.meta.readProgress(tables, version)
  const { rows } = await target.query(query.sql, query.params)
  return rows.map((row) => ({
    step: Number(row.step),
    statementChecksum: String(row.statement_checksum),
    file: String(row.file),
    line: Number(row.line),
    state: row.state === 'started' ? 'started' : 'done',
    fingerprint: row.fingerprint === null || row.fingerprint === undefined ? null : String(row.fingerprint)
  }))
}

/**
 * Versions that ran in part: some statements completed (outside a transaction, or in a committed
 * segment) but the version is not recorded as applied. Read-only: an empty list when the table is absent.
 */
export async function readPartialVersions(
  dialect: EngineDialect,
  target: Target,
  tables: MetaTables
): Promise<Array<{ version: number; steps: number }>> {
  if (!(await progressTableExists(dialect, target, tables))) return []
  const { rows } = await target.query(dialect.meta.partialVersions(tables))
  return rows.map((row) => ({ version: Number(row.version), steps: Number(row.steps) }))
}

/**
 * The error of a version whose guarded meta row insert found the history changed (see
 * MetaSql.insertAppliedRow); `afterwards` says what the database holds now.
 */
export function historyChanged(tables: MetaTables, version: number, afterwards: string): HistoryChangedError {
  return new HistoryChangedError(
    version,
    `v${version} changed the migration history: when its statements had run, ${tables.display} no longer held the rows this run read under the lease ` +
      `(a statement of v${version} deletes from, truncates or inserts into ${tables.display}), so v${version} was not recorded. ${afterwards} ` +
      `Remove that statement from v${version}: only aurora-migrate writes to ${tables.display}.`
  )
}
