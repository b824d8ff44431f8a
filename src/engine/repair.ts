/**
 * repair: accepts edited files of applied versions (their SQL is not run) and clears a stale lease.
 */
import { OperationRefusedError, errorMessage } from '../errors.js'
import type { Version } from '../migrations/types.js'
import { planMigrations } from '../plan.js'
import type { Target, TxStatement } from '../targets/target.js'
import type { EngineDialect } from './dialect.js'
import { readAppliedRows } from './history-pages.js'
import type { MetaTables } from './meta.js'
import { ensureMetaTables, metaTableExists, readPartialVersions } from './meta-store.js'
import { commit, engineContext, fileRecords, release, takeLease } from './operation-core.js'
import type { OperationOptions } from './types.js'
import { plural, versionNumbers } from '../text.js'

export interface RepairResult {
  /** Drifted versions whose files on disk are now the recorded ones (paths of the changed files). */
  accepted: Array<{ version: number; files: string[] }>
  /** The owner of an expired lease that repair cleared; null when there was none. */
  clearedLease: string | null
}

/**
 * Accepts the files on disk of drifted applied versions (their SQL is not run), noting who and when in
 * repaired_by / repaired_at, and clears an expired lease left by a run that died. A live lease of another
 * run is waited for, as apply does. Partly applied versions are left for apply to finish.
 */
export async function repair(target: Target, versions: Version[], options: OperationOptions): Promise<RepairResult> {
  const { dialect, tables } = options
  if (!(await metaTableExists(dialect, target, tables))) {
    options.log(`${tables.display} does not exist: nothing was applied here, so there is nothing to repair`)
    return { accepted: [], clearedLease: null }
  }
  await ensureMetaTables(dialect, target, tables, false)
  const lease = await takeLease(target, options)
  try {
    const clearedLease = lease.tookOverFrom
    if (clearedLease) options.log(`Cleared the expired migration lease of ${clearedLease}`)

    const rows = await readAppliedRows(dialect, target, tables)
    const plan = planMigrations(versions, rows)
    for (const partial of await readPartialVersions(dialect, target, tables)) {
      options.log(
        `v${partial.version} is partly applied (${plural(partial.steps, 'statement', 'statements')} ran); repair does not touch it — re-run apply`
      )
    }
    if (!plan.drift.length) {
      options.log('No drift: every applied version matches its files on disk')
      return { accepted: [], clearedLease }
    }

    await addRepairColumns(dialect, target, tables)
    const byNumber = new Map(versions.map((v) => [v.number, v]))
    const recorded = new Map(rows.map((r) => [r.version, r.checksum]))
    const updates: TxStatement[] = plan.drift.map((drift) => {
      const version = byNumber.get(drift.version)!
      const update = dialect.meta.updateRepairedRow(tables, {
        version: version.number,
        checksum: version.checksum,
        files: fileRecords(version),
        repairedBy: options.run.actor ?? options.lease.owner,
        previous: recorded.get(version.number) ?? ''
      })
      return { sql: update.sql, params: update.params, expectRows: 1 }
    })
    const drifted = plan.drift.map((d) => d.version)
    const done = async (): Promise<boolean> => {
      const rows = new Map((await readAppliedRows(dialect, target, tables)).map((r) => [r.version, r.checksum]))
      return drifted.every((number) => rows.get(number) === byNumber.get(number)!.checksum)
    }
    await commit(engineContext(target, lease, options), updates, `the repair of ${versionNumbers(drifted)}`, done)
    const accepted = plan.drift.map((drift) => ({ version: drift.version, files: drift.files.map((f) => f.path) }))
    for (const drift of plan.drift) {
      options.log(
        `Accepted v${drift.version} as it is on disk (${drift.files.map((f) => `${f.path} ${f.change}`).join(', ')}); its SQL was not run`
      )
    }
    return { accepted, clearedLease }
  } finally {
    await release(lease, options)
  }
}

/**
 * Adds repaired_by / repaired_at to the meta table the first time something is repaired: looking first
 * means a user without ALTER on the table only needs it then.
 */
async function addRepairColumns(dialect: EngineDialect, target: Target, tables: MetaTables): Promise<void> {
  const present = dialect.meta.repairColumnsPresent(tables)
  const { rows } = await target.query(present.sql, present.params)
  if (Number(rows[0]?.present) === 2) return
  try {
    await target.query(dialect.meta.addRepairColumns(tables))
  } catch (error) {
    throw new OperationRefusedError(
      `repair records who accepted the files in two new columns of ${tables.display} (repaired_by, repaired_at), and adding them failed: ${errorMessage(error)}. ` +
        `Run repair once as the owner of the table, or add the columns: ${dialect.meta.addRepairColumnsByHand(tables)}`
    )
  }
}
