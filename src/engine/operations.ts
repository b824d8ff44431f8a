/**
 * The commands beside plan and apply: validate (read-only checks), baseline (record versions as applied
 * without running them, e.g. a database built by sequelize-cli) and repair (accept edited files of applied
 * versions, clear a stale lease). None of them runs migration SQL. Identifiers come from MetaTables (or
 * quoteTableName), values are always parameters.
 */
import { CommitOutcomeUnknownError, InputError, OperationRefusedError, errorMessage } from '../errors.js'
import type { Version } from '../migrations/types.js'
import { planMigrations, type AppliedRow, type Plan, type PlanOptions } from '../plan.js'
import type { Target, TxStatement } from '../targets/target.js'
import { acquireLease, type Lease } from './lease.js'
import { ensureMetaTables, metaTableExists, quoteTableName, readAppliedRows, readPartialVersions, type MetaTables } from './meta.js'
import { SETTLE_WAIT_MS, leaseLostAt, runFenced } from './fenced-transaction.js'
import { realSleep, type EngineContext, type OperationOptions, type PartialVersion } from './types.js'
import { plural } from './words.js'

export type { OperationOptions, PartialVersion } from './types.js'

function list(numbers: number[]): string {
  return numbers.map((n) => `v${n}`).join(', ')
}

/** The `files` column of a version's row, as apply writes it. */
function fileRecords(version: Version): string {
  return JSON.stringify(version.files.map((file) => ({ name: file.name, checksum: file.checksum, statements: file.statements.length })))
}

// ---------------------------------------------------------------------------------------------------
// validate

export interface ValidateOptions extends PlanOptions {
  tables: MetaTables
}

export interface ValidateResult {
  plan: Plan
  partial: PartialVersion[]
  /** Why the step fails; empty when the database and the migrations agree. */
  problems: string[]
}

/** Checks the migrations against the database and changes nothing (no table is created). */
export async function validate(target: Target, versions: Version[], options: ValidateOptions): Promise<ValidateResult> {
  const exists = await metaTableExists(target, options.tables)
  const rows = exists ? await readAppliedRows(target, options.tables) : []
  const partial = exists ? await readPartialVersions(target, options.tables) : []
  const plan = planMigrations(versions, rows, options)
  const problems = [...plan.refusals, ...partial.map(partialProblem)]
  return { plan, partial, problems }
}

function partialProblem(partial: PartialVersion): string {
  return `v${partial.version} is only partly applied (${plural(partial.steps, 'statement', 'statements')} ran): re-run apply to finish it`
}

// ---------------------------------------------------------------------------------------------------
// baseline

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
  const table = quoteTableName(options.sequelizeTable ?? 'SequelizeMeta', 'baseline-from')
  const { rows: present } = await target.query('SELECT to_regclass(:name) IS NOT NULL AS present', { name: table.quoted })
  if (present[0]?.present !== true) {
    throw new OperationRefusedError(
      `no "${table.display}" table: baseline-from: sequelize reads the migrations sequelize-cli recorded there, and this database (with its search_path) has none. ` +
        'Check that this is the database sequelize migrated, or give baseline-version instead.'
    )
  }
  const { rows } = await target.query(`SELECT name FROM ${table.quoted} ORDER BY name`)
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
      `${list(recorded)} ${recorded.length === 1 ? 'is' : 'are'} already recorded in ${tables.display}: baseline only records versions that never ran here.`
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
  const { tables } = options
  let last: number
  if (options.from === 'sequelize') {
    last = await sequelizeCount(target, versions, options)
    if (last === 0) {
      options.log(
        `${quoteTableName(options.sequelizeTable ?? 'SequelizeMeta', 'baseline-from').display} records no migrations: nothing to baseline (apply runs every version)`
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
  if (await metaTableExists(target, tables)) {
    checkNeverRan(chosen, await readAppliedRows(target, tables), await readPartialVersions(target, tables), tables)
  }
  await ensureMetaTables(target, tables, options.createSchema)
  const lease = await takeLease(target, options)
  try {
    checkNeverRan(chosen, await readAppliedRows(target, tables), await readPartialVersions(target, tables), tables)
    const inserts: TxStatement[] = chosen.map((version) => ({
      sql: `INSERT INTO ${tables.meta} (version, description, checksum, files, applied_at, execution_ms, applied_by, commit_sha, run_url)
VALUES (:version, :description, :checksum, CAST(:files AS jsonb), clock_timestamp(), 0, :applied_by, :commit_sha, :run_url)`,
      params: {
        version: version.number,
        description: version.description,
        checksum: version.checksum,
        files: fileRecords(version),
        applied_by: options.run.actor,
        commit_sha: options.run.commitSha,
        run_url: options.run.runUrl
      },
      expectRows: 1
    }))
    const what = last === 1 ? 'the baseline of v1' : `the baseline of v1..v${last}`
    const done = async (): Promise<boolean> => {
      const rows = new Map((await readAppliedRows(target, tables)).map((r) => [r.version, r.checksum]))
      return chosen.every((v) => rows.get(v.number) === v.checksum)
    }
    await commit(engineContext(target, lease, options), inserts, what, done)
    const recorded = chosen.map((v) => v.number)
    options.log(`Recorded ${list(recorded)} in ${tables.display} as applied, without running them`)
    return { recorded }
  } finally {
    await release(lease, options)
  }
}

// ---------------------------------------------------------------------------------------------------
// repair

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
  const { tables } = options
  if (!(await metaTableExists(target, tables))) {
    options.log(`${tables.display} does not exist: nothing was applied here, so there is nothing to repair`)
    return { accepted: [], clearedLease: null }
  }
  await ensureMetaTables(target, tables, false)
  const lease = await takeLease(target, options)
  try {
    const clearedLease = lease.tookOverFrom
    if (clearedLease) options.log(`Cleared the expired migration lease of ${clearedLease}`)

    const rows = await readAppliedRows(target, tables)
    const plan = planMigrations(versions, rows)
    for (const partial of await readPartialVersions(target, tables)) {
      options.log(
        `v${partial.version} is partly applied (${plural(partial.steps, 'statement', 'statements')} ran); repair does not touch it — re-run apply`
      )
    }
    if (!plan.drift.length) {
      options.log('No drift: every applied version matches its files on disk')
      return { accepted: [], clearedLease }
    }

    await addRepairColumns(target, tables)
    const byNumber = new Map(versions.map((v) => [v.number, v]))
    const recorded = new Map(rows.map((r) => [r.version, r.checksum]))
    const updates: TxStatement[] = plan.drift.map((drift) => {
      const version = byNumber.get(drift.version)!
      return {
        sql: `UPDATE ${tables.meta} SET checksum = :checksum, files = CAST(:files AS jsonb), repaired_by = :repaired_by, repaired_at = clock_timestamp()
WHERE version = :version AND checksum = :previous`,
        params: {
          version: version.number,
          checksum: version.checksum,
          files: fileRecords(version),
          repaired_by: options.run.actor ?? options.lease.owner,
          previous: recorded.get(version.number) ?? ''
        },
        expectRows: 1
      }
    })
    const drifted = plan.drift.map((d) => d.version)
    const done = async (): Promise<boolean> => {
      const rows = new Map((await readAppliedRows(target, tables)).map((r) => [r.version, r.checksum]))
      return drifted.every((number) => rows.get(number) === byNumber.get(number)!.checksum)
    }
    await commit(engineContext(target, lease, options), updates, `the repair of ${list(drifted)}`, done)
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
async function addRepairColumns(target: Target, tables: MetaTables): Promise<void> {
  const { rows } = await target.query(
    `SELECT count(*)::integer AS present FROM information_schema.columns
WHERE table_schema = :schema AND table_name = :table AND column_name IN ('repaired_by', 'repaired_at')`,
    { schema: tables.schema, table: tables.table }
  )
  if (Number(rows[0]?.present) === 2) return
  try {
    await target.query(
      `ALTER TABLE ${tables.meta} ADD COLUMN IF NOT EXISTS repaired_by text, ADD COLUMN IF NOT EXISTS repaired_at timestamptz`
    )
  } catch (error) {
    throw new OperationRefusedError(
      `repair records who accepted the files in two new columns of ${tables.display} (repaired_by, repaired_at), and adding them failed: ${errorMessage(error)}. ` +
        'Run repair once as the owner of the table, or add the columns: ' +
        `ALTER TABLE ${tables.meta} ADD COLUMN repaired_by text, ADD COLUMN repaired_at timestamptz`
    )
  }
}

// ---------------------------------------------------------------------------------------------------
// shared

async function takeLease(target: Target, options: OperationOptions): Promise<Lease> {
  return acquireLease(target, options.tables, { ...options.lease, log: options.log, sleep: options.sleep, now: options.now })
}

async function release(lease: Lease, options: OperationOptions): Promise<void> {
  await lease
    .release()
    .catch((error) => options.log(`Could not release the migration lease (it expires by itself): ${errorMessage(error)}`))
}

function engineContext(target: Target, lease: Lease, options: OperationOptions): EngineContext {
  return {
    target,
    tables: options.tables,
    run: options.run,
    lease,
    log: options.log,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    lockTimeoutMs: null,
    statementTimeoutMs: null
  }
}

/**
 * Writes the rows in one fenced transaction (runFenced). A lost commit reply is settled by reading the
 * meta table once the transaction has ended; nothing is re-sent.
 */
async function commit(context: EngineContext, writes: TxStatement[], what: string, committed: () => Promise<boolean>): Promise<void> {
  const outcome = await runFenced(context, { what, head: [], body: writes, tail: [], settle: committed })
  if (outcome.kind === 'committed') return
  const { tables } = context
  if (outcome.kind === 'lost') {
    if (outcome.settled === true) return
    throw new CommitOutcomeUnknownError(
      outcome.settled === null
        ? `The commit of ${what} got no reply and its transaction was still running ${SETTLE_WAIT_MS / 1000} s later. Run validate later to see whether it took effect.`
        : `The commit of ${what} got no reply and ${tables.display} does not show it: nothing was written. Re-run.`,
      { cause: outcome.error }
    )
  }
  const { failure, part } = outcome
  if (part.part === 'fence' && failure.guard) throw await leaseLostAt(context, `before ${what} was written`, 'Nothing was written. Re-run.')
  const state = failure.error.sqlState ? ` (SQLSTATE ${failure.error.sqlState})` : ''
  const where =
    part.part === 'commit'
      ? 'at COMMIT'
      : part.part === 'fence'
        ? 'at its first statement, which extends the migration lease'
        : part.part === 'statement'
          ? `at its statement ${part.index + 2} of ${writes.length + 1}`
          : '(the transport did not say at which statement)'
  const reason = failure.guard ? `the row of the version changed while it ran` : `${failure.error.message}${state}`
  throw new Error(`Writing ${what} to ${tables.display} failed ${where}: ${reason}. Nothing was written.`)
}
