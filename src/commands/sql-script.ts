/**
 * `plan --sql` and `sql-output`: the exact SQL apply would send to the target, as a psql script.
 *
 * The script is what the engine sends, not a second rendering of it: apply runs, unchanged, against a throwaway
 * database brought to the target's state (the versions the target has applied, applied there from their files,
 * and the target's lease token), through a Target that records every call (recording-target.ts); the record is
 * turned into the script (render.ts). Only reads go to the target itself: nothing is written there.
 */
import type { Config } from '../config.js'
import { dialectOf } from './dialect.js'
import { readTargetHistory, type History } from './history.js'
import { planOptions } from './plan.js'
import type { CommandFailure, Reporter } from './reporter.js'
import { leaseOwner, withTarget } from './target.js'
import type { Dialect } from '../dialects/index.js'
import { applyMigrations } from '../engine/apply.js'
import { readHistory } from '../engine/history.js'
import type { MetaTables } from '../engine/meta.js'
import { errorMessage } from '../errors.js'
import type { Version } from '../migrations/types.js'
import { planMigrations, type Plan } from '../plan.js'
import { maskUrl, scrubSecrets } from '../targets/mask.js'
import type { Target } from '../targets/target.js'
import { writeSqlOutput } from '../sql-script/output.js'
import { RecordingTarget } from '../sql-script/recording-target.js'

/** Why no script could be made, said as such (the plan itself may still be fine). */
export class SqlScriptError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SqlScriptError'
  }
}

export interface SqlScript {
  text: string
  /** The versions it applies, in order. */
  versions: number[]
}

/** The script of what apply would send to `config`'s target now. */
export async function produceSqlScript(config: Config, versions: Version[], reporter: Reporter): Promise<SqlScript> {
  const dialect = dialectOf(config)
  const scripts = dialect.sqlScript
  if (!scripts) {
    throw new SqlScriptError(
      `The SQL script is PostgreSQL-only for now: on ${dialect.displayName} a version runs as a journal of steps whose recovery ` +
        'reads the catalog between statements, which a script cannot do. Use plan without --sql / sql-output.'
    )
  }
  const scrub = scrubSecrets(config.shadowDatabaseUrl)
  const log = (message: string): void => reporter.info(`[sql] ${scrub(message)}`)
  return withTarget(config, reporter, async (target) => {
    const history = await readTargetHistory(config, target)
    const plan = planMigrations(versions, history.rows, planOptions(config))
    if (plan.refusals.length)
      throw new SqlScriptError(`apply would refuse these migrations, so there is no script: ${plan.refusals.join(' ')}`)
    refuseUnreproducible(history)
    const token = history.present.lock ? await leaseToken(dialect, target, history.tables) : null
    const pending = plan.pending.map((p) => versions.find((v) => v.number === p.version)!)
    await refuseLeftoverIndexes(dialect, target, pending)
    const header = scriptHeader(config, target, plan)
    log(`Producing the SQL script: apply runs on a throwaway ${dialect.displayName} brought to the target's state`)
    const throwaway = await startThrowaway(config, dialect, log)
    try {
      let heard = (_message: string): void => undefined
      const inner = dialect.shadow.connect(throwaway.url, (message) => {
        heard(message)
        log(message)
      })
      const recording = new RecordingTarget(inner, dialect.wire, {
        packInto: target.callsAreSessions?.maxSqlChars ?? Infinity,
        callsAreSessions: target.callsAreSessions
      })
      heard = (message) => recording.heard(message)
      try {
        if (history.present.meta) await replayHistory(config, dialect, inner, versions, history, token, log)
        const applied = await recordApply(config, dialect, recording, versions, history, plan, log)
        const text = scripts.render({ header, pending, sent: recording.sent, tables: history.tables, lease: dialect.engine.lease })
        return { text, versions: applied }
      } finally {
        await recording.close().catch(() => undefined)
      }
    } finally {
      await throwaway.cleanUp().catch((error) => log(`Dropping the throwaway database failed: ${errorMessage(error)}`))
    }
  })
}

/**
 * apply, as the target's run would make it, on the throwaway database through the recording Target; each version's
 * start is marked in the record. Returns the versions applied, which must be the plan's.
 */
async function recordApply(
  config: Config,
  dialect: Dialect,
  recording: RecordingTarget,
  versions: Version[],
  history: History,
  plan: Plan,
  log: (m: string) => void
): Promise<number[]> {
  let index = 0
  const result = await applyMigrations(recording, versions, {
    ...planOptions(config),
    dialect: dialect.engine,
    tables: history.tables,
    createSchema: config.metaTable.schema !== null,
    run: config.run,
    lease: { owner: leaseOwner(config), ttlSeconds: config.leaseTtlSeconds, waitTimeoutSeconds: 0 },
    lockTimeoutMs: config.lockTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    lockRetries: 0,
    searchPath: config.searchPath ?? null,
    stopBefore: () => {
      recording.markVersion(index++)
      return null
    },
    log
  })
  if (result.error) {
    const message = scrubSecrets(config.shadowDatabaseUrl)(errorMessage(result.error))
    throw new SqlScriptError(`apply failed on the throwaway database, so there is no script: ${message}`, { cause: result.error })
  }
  const applied = result.applied.map((a) => a.version)
  const planned = plan.pending.map((p) => p.version)
  if (applied.join() !== planned.join()) {
    const list = (numbers: number[]): string => numbers.map((v) => `v${v}`).join(', ') || 'nothing'
    throw new SqlScriptError(`apply on the throwaway database applied ${list(applied)}, not the plan's ${list(planned)}: no script.`)
  }
  return applied
}

/** Target states a throwaway database cannot be brought to by applying the versions' files. */
function refuseUnreproducible(history: History): void {
  if (history.partial.length) {
    throw new SqlScriptError(
      `${history.partial.map((p) => `v${p.version}`).join(', ')} ${history.partial.length === 1 ? 'is' : 'are'} partly applied on the target: ` +
        'apply resumes it after the steps that ran, which a script made now cannot reproduce. Run apply, then plan --sql again.'
    )
  }
  const { present } = history
  if (present.meta && !(present.lock && present.progress && history.ready)) {
    throw new SqlScriptError(
      `The target's ${history.tables.display} lacks the lock or progress table or the lease row (made by an earlier release, or changed by hand): apply creates them first, ` +
        'which the script cannot reproduce. Run apply once (or plan --sql after it).'
    )
  }
}

/**
 * apply drops an INVALID index an earlier failed `CREATE INDEX CONCURRENTLY IF NOT EXISTS` left, before building it
 * again; the throwaway database has no such index, so the script would not, and its IF NOT EXISTS would keep the
 * INVALID one. The target's catalog is read for each such build of the pending versions.
 */
async function refuseLeftoverIndexes(dialect: Dialect, target: Target, pending: Version[]): Promise<void> {
  const { recovery } = dialect.engine
  for (const version of pending) {
    for (const statement of version.files.filter((file) => file.noTransaction).flatMap((file) => file.statements)) {
      const build = recovery.concurrentBuild(statement.sql)
      if (!build?.ifNotExists || build.name === null) continue
      const existing = await recovery.findBuilt(target, build)
      if (existing && !existing.valid && existing.onTable) {
        throw new SqlScriptError(
          `v${version.number} ${statement.file}:${statement.line} builds ${existing.qualified}, and the target holds an INVALID index of that name ` +
            'left by an earlier failed build: apply drops it before building it again, which a script made on a throwaway database cannot show. ' +
            'Run apply, or drop it yourself (DROP INDEX CONCURRENTLY) and plan --sql again.'
        )
      }
    }
  }
}

/** The target's lease token (a plain read), so that the throwaway's lease statements carry the token they will have there. */
async function leaseToken(dialect: Dialect, target: Target, tables: MetaTables): Promise<number | null> {
  const { rows } = await target.query(dialect.engine.lease.row(tables))
  const token = rows[0]?.token
  return token === undefined || token === null ? null : Number(token)
}

/** A throwaway database where verification runs: on shadow-database-url, else a local server. */
async function startThrowaway(
  config: Config,
  dialect: Dialect,
  log: (m: string) => void
): Promise<{ url: string; cleanUp(): Promise<void> }> {
  try {
    return config.shadowDatabaseUrl
      ? await dialect.shadow.scratchDatabase(config.shadowDatabaseUrl, null, log)
      : await dialect.shadow.localServer({ log, env: process.env })
  } catch (error) {
    const where = config.shadowDatabaseUrl ? ` on shadow-database-url ${maskUrl(config.shadowDatabaseUrl)}` : ''
    throw new SqlScriptError(
      `The SQL script is made by running apply on a throwaway database, and none could be had${where}: ${scrubSecrets(config.shadowDatabaseUrl)(errorMessage(error))}`
    )
  }
}

/**
 * Brings the throwaway database to the target's state: the versions the target recorded, applied from their
 * files, must give the same history (versions and checksums); then the lease token is set to the target's.
 */
async function replayHistory(
  config: Config,
  dialect: Dialect,
  inner: Target,
  versions: Version[],
  history: History,
  token: number | null,
  log: (m: string) => void
): Promise<void> {
  const recorded = new Set(history.rows.map((row) => row.version))
  const result = await applyMigrations(
    inner,
    versions.filter((version) => recorded.has(version.number)),
    {
      ...planOptions(config),
      targetVersion: null,
      allowOutOfOrder: true,
      dialect: dialect.engine,
      tables: history.tables,
      createSchema: true,
      run: config.run,
      lease: { owner: 'aurora-migrate sql script (replay)', ttlSeconds: 60, waitTimeoutSeconds: 0 },
      log
    }
  )
  if (result.error) {
    throw new SqlScriptError(
      `Applying the versions the target has applied on the throwaway database failed: ${errorMessage(result.error)}`,
      {
        cause: result.error
      }
    )
  }
  const replayed = await readHistory(dialect.engine, inner, history.tables)
  const key = (rows: History['rows']): string =>
    rows
      .map((row) => `v${row.version}:${row.checksum}`)
      .sort()
      .join(', ')
  if (key(replayed.rows) !== key(history.rows)) {
    throw new SqlScriptError(
      `The target's history (${key(history.rows) || 'empty'}) is not what applying its versions' files gives (${key(replayed.rows) || 'empty'}): ` +
        'a baseline, drift or a version whose files are gone. The script cannot be made from the files; resolve that first (validate says what differs).'
    )
  }
  if (token !== null) await inner.query(`UPDATE ${history.tables.lock} SET token = :token WHERE id = 1`, { token })
}

function scriptHeader(config: Config, target: Target, plan: Plan): string[] {
  const pending = plan.pending.map((p) => `v${p.version}`)
  return [
    `aurora-migrate: the SQL apply would send to ${target.description} (environment ${config.environment}),`,
    `made ${new Date().toISOString()} from the database's history at v${plan.currentVersion}.`,
    pending.length ? `Applies ${pending.join(', ')}.` : `Nothing to apply: up to date at v${plan.currentVersion}.`,
    'Run it once, in one session, on the database it was made for: psql -v ON_ERROR_STOP=1 -f <this file>',
    'Reads apply makes (history, lease holder, progress) are left out; the lease and the meta rows are written as apply writes them.',
    'Values of this run: the lease owner below, applied_at (the clock when each row is written), execution_ms. See docs/sql-output.md.'
  ]
}

/**
 * The script for plan's front ends: made when `--sql` or `sql-output` asks, written to `sql-output`. A script that
 * cannot be made is a failure of the plan, with why; the plan's own report stands.
 */
export async function planSqlScript(
  config: Config,
  versions: Version[],
  reporter: Reporter
): Promise<{ text: string; failure: null } | { text: null; failure: CommandFailure }> {
  const fail = (message: string): { text: null; failure: CommandFailure } => ({
    text: null,
    failure: { message: `No SQL script: ${message}`, where: {} }
  })
  if (!config.target) return fail('it needs the database it is for (database-url, resource-arn + secret-arn or lambda-function)')
  try {
    const made = await produceSqlScript(config, versions, reporter)
    // A database URL's password is never in it. Masked, the script would no longer do what apply does: refused.
    const urls: Array<string | null> = [
      config.target.kind === 'data-api' || config.target.kind === 'lambda' ? null : config.target.url,
      config.shadowDatabaseUrl
    ]
    if (urls.some((url) => scrubSecrets(url)(made.text) !== made.text)) {
      return fail('it would contain the password of database-url or shadow-database-url (a migration holds it): it is not written anywhere')
    }
    const script = made
    if (config.sqlOutput) {
      writeSqlOutput(config.workspace, config.sqlOutput, script.text)
      reporter.info(`Wrote the SQL script (${script.versions.map((v) => `v${v}`).join(', ') || 'nothing to apply'}) to ${config.sqlOutput}`)
    }
    return { text: script.text, failure: null }
  } catch (error) {
    return fail(errorMessage(error))
  }
}
