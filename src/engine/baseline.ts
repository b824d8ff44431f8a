/**
 * baseline: records versions as applied without running them, e.g. a database built by hand or by
 * sequelize-cli. Identifiers come from MetaTables (or quoteTableName), values are always parameters.
 */
import { InputError, OperationRefusedError } from '../errors.js'
import type { AppliedRow } from '../meta-row.js'
import type { Version } from '../migrations/types.js'
import type { Target, TxStatement } from '../targets/target.js'
import { readAppliedRows } from './history-pages.js'
import { quoteTableName, type MetaTables } from './meta.js'
import { ensureMetaTables, metaTableExists, otherTableExists, readPartialVersions } from './meta-store.js'
import { commit, engineContext, fileRecords, release, takeLease } from './operation-core.js'
import type { OperationOptions, PartialVersion } from './types.js'
import { plural, versionNumbers } from '../text.js'

export interface BaselineOptions extends OperationOptions {
  /** Create the schema of the meta table when it does not exist. */
  createSchema: boolean
  /** Record v1..vN; with `from`, it must agree with what the other tool recorded. */
  baselineVersion: number | null
  /** Take N from another tool's records. */
  from: 'sequelize' | null
  /** The table sequelize-cli records its migrations in: `table` or `schema.table`; default "SequelizeMeta" (search_path). */
  sequelizeTable?: string
}

export interface BaselineResult {
  recorded: number[]
}

/**
 * sequelize-cli's default migration file names: a timestamp, a name, a script extension. The seed's
 * migrations ran the folder v<position of the file in its directory>; a name starting with a digit sorts
 * before the directory's `resources` and `utils` folders, so its position is its rank among these rows.
 */
const SEQUELIZE_FILE = /^\d+[-_].*\.(?:c|m)?[jt]s$/

/** Sorts names by their UTF-16 code units, as a directory listing of ASCII names does. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** How many versions sequelize-cli applied: one per row of its table, each the folder at its position. */
async function sequelizeCount(target: Target, versions: Version[], options: BaselineOptions): Promise<number> {
  const table = quoteTableName(options.sequelizeTable ?? 'SequelizeMeta', 'baseline-from', options.dialect.quoteIdentifier)
  if (!(await otherTableExists(options.dialect, target, table.quoted))) {
    throw new OperationRefusedError(
      `no "${table.display}" table: baseline-from: sequelize reads the migrations sequelize-cli recorded there, and ${options.dialect.unqualifiedScope} has none. ` +
        'Check that this is the database sequelize migrated, or give baseline-version instead.'
    )
  }
  const { rows } = await target.query(options.dialect.meta.sequelizeNames(table.quoted))
  const names = rows.map((row) => String(row.name)).sort(byName)
  const odd = names.filter((name) => !SEQUELIZE_FILE.test(name))
  if (odd.length) {
    throw new OperationRefusedError(
      `"${table.display}" has rows that are not timestamp-prefixed migration files (like 20210729101010-init-db.js): ${odd.map((n) => `'${n}'`).join(', ')}. ` +
        'Each file ran the folder v<position>, which cannot be known for these; give baseline-version instead.'
    )
  }
  const count = names.length
  const onDisk = new Set(versions.map((v) => v.number))
  for (let number = 1; number <= count; number++) {
    if (!onDisk.has(number)) {
      throw new OperationRefusedError(
        `${table.display} records ${plural(count, 'migration', 'migrations')} but there is no v${number} folder in the migrations directory: ` +
          `each sequelize migration file ran the folder v<its position>, so v1..v${count} must all be there. Check migrations-dir.`
      )
    }
  }
  names.forEach((name, index) => options.log(`${table.display}: ${name} ran v${index + 1}`))
  if (options.baselineVersion !== null && options.baselineVersion !== count) {
    throw new OperationRefusedError(
      `baseline-version is ${options.baselineVersion} but ${table.display} records ${plural(count, 'migration', 'migrations')} (v1..v${count}): ` +
        'give only one of them, or make them agree.'
    )
  }
  return count
}

/** Refuses when N is not a version range on disk; returns the versions 1..N. */
function versionsUpTo(versions: Version[], last: number): Version[] {
  const highest = versions.length ? versions[versions.length - 1].number : 0
  if (last > highest) {
    const onDisk = highest ? `the highest version on disk is v${highest}` : 'there are no versions on disk'
    throw new OperationRefusedError(
      `v${last} is beyond the migrations directory (${onDisk}): baseline only records versions that are on disk.`
    )
  }
  const byNumber = new Map(versions.map((v) => [v.number, v]))
  const chosen: Version[] = []
  for (let number = 1; number <= last; number++) {
    const version = byNumber.get(number)
    if (!version) {
      throw new OperationRefusedError(
        `v${number} is not in the migrations directory: baseline records v1..v${last} as they are on disk, so each of them must be there.`
      )
    }
    chosen.push(version)
  }
  return chosen
}

/** Refuses when a version to record already ran here (fully, or in part). */
function checkNeverRan(chosen: Version[], rows: AppliedRow[], partial: PartialVersion[], tables: MetaTables): void {
  const wanted = new Set(chosen.map((v) => v.number))
  const recorded = rows.map((r) => r.version).filter((v) => wanted.has(v))
  if (recorded.length) {
    throw new OperationRefusedError(
      `${versionNumbers(recorded)} ${recorded.length === 1 ? 'is' : 'are'} already recorded in ${tables.display}: baseline only records versions that never ran here.`
    )
  }
  const started = partial.filter((p) => wanted.has(p.version))
  if (started.length) {
    throw new OperationRefusedError(
      `${started.map((p) => `v${p.version} (${plural(p.steps, 'statement', 'statements')} ran)`).join(', ')} ` +
        `${started.length === 1 ? 'is' : 'are'} partly applied here: baseline only records versions that never ran here. Re-run apply to finish ${started.length === 1 ? 'it' : 'them'}.`
    )
  }
}

/**
 * Records v1..vN as applied without running them, in one transaction under the lease: for a database
 * that already has the schema (built by hand, or by sequelize-cli as in the seed).
 */
export async function baseline(target: Target, versions: Version[], options: BaselineOptions): Promise<BaselineResult> {
  const { dialect, tables } = options
  let last: number
  if (options.from === 'sequelize') {
    last = await sequelizeCount(target, versions, options)
    if (last === 0) {
      options.log(
        `${quoteTableName(options.sequelizeTable ?? 'SequelizeMeta', 'baseline-from', options.dialect.quoteIdentifier).display} records no migrations: nothing to baseline (apply runs every version)`
      )
      return { recorded: [] }
    }
  } else if (options.baselineVersion !== null && Number.isInteger(options.baselineVersion) && options.baselineVersion >= 1) {
    last = options.baselineVersion
  } else {
    throw new InputError(
      'baseline-version',
      'baseline needs baseline-version (a version number from 1: record v1..vN as applied) or baseline-from: sequelize'
    )
  }
  const chosen = versionsUpTo(versions, last)

  // Refuse before creating anything; checked again under the lease.
  if (await metaTableExists(dialect, target, tables)) {
    checkNeverRan(chosen, await readAppliedRows(dialect, target, tables), await readPartialVersions(dialect, target, tables), tables)
  }
  await ensureMetaTables(dialect, target, tables, options.createSchema)
  const lease = await takeLease(target, options)
  try {
    checkNeverRan(chosen, await readAppliedRows(dialect, target, tables), await readPartialVersions(dialect, target, tables), tables)
    const inserts: TxStatement[] = chosen.map((version) => {
      const row = { version: version.number, description: version.description, checksum: version.checksum, files: fileRecords(version) }
      const insert = dialect.meta.insertBaselineRow(tables, row, options.run)
      return { sql: insert.sql, params: insert.params, expectRows: 1 }
    })
    const what = last === 1 ? 'the baseline of v1' : `the baseline of v1..v${last}`
    const done = async (): Promise<boolean> => {
      const rows = new Map((await readAppliedRows(dialect, target, tables)).map((r) => [r.version, r.checksum]))
      return chosen.every((v) => rows.get(v.number) === v.checksum)
    }
    await commit(engineContext(target, lease, options), inserts, what, done)
    const recorded = chosen.map((v) => v.number)
    options.log(`Recorded ${versionNumbers(recorded)} in ${tables.display} as applied, without running them`)
    return { recorded }
  } finally {
    await release(lease, options)
  }
}
