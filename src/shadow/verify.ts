/**
 * `command: plan` verification: applies every version from scratch on a throwaway PostgreSQL, each in
 * its own transaction exactly as apply does, and reports pass/fail per version with the failing
 * file, line and column.
 *
 * The throwaway server is either the one at `shadow-database-url` (a scratch database is created on
 * it and dropped afterwards, with every role, database and tablespace the migrations created, so the
 * server is left as it was found; see cluster-state.ts) or a local server started from PostgreSQL
 * binaries on the machine.
 * Verification runs on vanilla PostgreSQL: extensions or roles that exist only on Aurora can fail
 * here, and the failure is reported as PostgreSQL gave it.
 *
 * Given the target's settings (read with the review's catalog call), the database verification runs in is
 * made like the target's: its encoding and locale, TimeZone, DateStyle, search_path … (target-settings.ts),
 * and what it could not match is reported in `settings`. Without them the local server runs in UTC, never
 * in the runner's own time zone.
 */
import { randomBytes } from 'node:crypto'
import { applyMigrations } from '../engine/apply.js'
import { metaTables } from '../engine/meta.js'
import {
  CommitOutcomeUnknownError,
  DatabaseError,
  LeaseLostError,
  LeaseTimeoutError,
  PlanRefusedError,
  StatementFailedError,
  TransportError,
  errorMessage
} from '../errors.js'
import type { Version } from '../migrations/types.js'
import { planMigrations } from '../plan.js'
import type { SchemaChange } from '../review/schema-change.js'
import type { StatementTrace } from '../review/types.js'
import { maskUrl, scrubSecrets } from '../targets/mask.js'
import { PostgresTarget } from '../targets/postgres.js'
import type { QueryOptions, QueryResult, SqlParams, Target, TransactionOptions, TransactionResult, TxStatement } from '../targets/target.js'
import type { WireDialect } from '../targets/wire.js'
import {
  clusterState,
  dropDatabase,
  restoreClusterState,
  takeVerificationTurn,
  VERIFICATION_WAIT_MS,
  type ClusterChanges,
  type ClusterState
} from './cluster-state.js'
import { ShadowUnavailableError, startLocalPostgres, type BinSearchSystem, type LocalPostgres } from './local-postgres.js'
import {
  compareSettings,
  createDatabaseLike,
  describeMatch,
  majorOf,
  readSettings,
  setDatabaseSettings,
  type SettingsMatch,
  type TargetSettings
} from './target-settings.js'
import { pendingStatements, TracingTarget } from './tracing-target.js'

export interface VersionCheck {
  version: number
  status: 'passed' | 'failed' | 'not-run'
  durationMs: number
  statements: number
  /**
   * Where and why it failed. line and column are 0 when the failure is not in one of the version's
   * statements (recording the version in the meta table failed).
   */
  error?: { file: string; line: number; column: number; message: string; sqlState?: string }
}

export interface Verification {
  status: 'passed' | 'failed' | 'unavailable'
  /** Where it ran, safe to show: e.g. "local PostgreSQL 16.6" or "shadow-database-url postgres://u:***@host:5432/…" */
  server: string | null
  versions: VersionCheck[]
  /** For 'unavailable': why (no binaries found, shadow server unreachable …) — a warning, never a step failure. For 'failed' the first failure message. */
  message: string | null
  durationMs: number
  /**
   * What each pending statement did, keyed by traceKey(version, index); null when nothing was traced (no
   * pending versions given, verification unavailable, or tracing failed: see `traceMessage`). A statement
   * missing from the map did not run (its version failed earlier, or it failed itself). Always set by verifyOnShadow.
   */
  trace?: Map<string, StatementTrace> | null
  /** What the pending versions add, change and remove; null unless they all ran and were traced. */
  schemaChange?: SchemaChange | null
  /** Why tracing stopped, when it failed while verification went on. */
  traceMessage?: string | null
  /** The target's settings the throwaway database ran with (`matched`) and those it could not match, with why. */
  settings?: { matched: string[]; unmatched: Array<{ name: string; target: string; reason: string }> } | null
}

export interface VerifyOptions {
  shadowDatabaseUrl: string | null
  log: (m: string) => void
  env?: NodeJS.ProcessEnv
  /** Replaces parts of the local binary search (tests). */
  binSearch?: Partial<BinSearchSystem>
  /** Starts the local server (tests wrap it to watch the server). */
  startLocal?: typeof startLocalPostgres
  /** The versions the target has not applied: their statements are traced and their schema change read. */
  pending?: number[]
  /** The target's settings (readTargetCatalog): the throwaway database is made to match them. */
  targetSettings?: TargetSettings | null
  /** The dialect's part for the connections to the throwaway server. */
  wire: WireDialect
}

const META = metaTables('public', 'schema_migrations')
const SCRATCH_PREFIX = 'aurora_migrate_verify_'
/** The database verification runs in on a local server, when it is made like the target's. */
const LOCAL_DATABASE = 'aurora_migrate_verify'

/** Where verification runs: a database URL and how to clean up after it. */
interface Shadow {
  server: string
  url: string
  /** Why a target setting could not be set, by name. */
  settingReasons: Map<string, string>
  cleanUp(): Promise<void>
}

/**
 * Creates `name` like the target's database (when its settings are known) and sets its session settings;
 * returns why a setting could not be matched, by name. `created` is called once the database exists.
 */
async function createLikeTarget(
  admin: Target,
  name: string,
  settings: TargetSettings | null,
  created: () => void = () => {}
): Promise<Map<string, string>> {
  const reasons = await createDatabaseLike(admin, name, settings)
  created()
  for (const [setting, reason] of await setDatabaseSettings(admin, name, settings)) reasons.set(setting, reason)
  return reasons
}

/** Times each transaction: every version is applied in exactly one. */
class TimedTarget implements Target {
  lastTransactionMs = 0
  constructor(private readonly inner: PostgresTarget) {}
  get description(): string {
    return this.inner.description
  }
  query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    return this.inner.query(sql, params, options)
  }
  async transaction(statements: TxStatement[], options?: TransactionOptions): Promise<TransactionResult> {
    const started = Date.now()
    try {
      // As apply sends them: packed into one DO block when the engine reads no results.
      return await this.inner.transaction(statements, options)
    } finally {
      this.lastTransactionMs = Date.now() - started
    }
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

function statementCount(version: Version): number {
  return version.files.reduce((sum, file) => sum + file.statements.length, 0)
}

async function createScratchDatabase(
  url: string,
  log: (m: string) => void,
  settings: TargetSettings | null,
  wire: WireDialect
): Promise<Shadow> {
  const masked = maskUrl(url)
  const server = `shadow-database-url ${masked}`
  let scratchUrl: URL
  try {
    scratchUrl = new URL(url)
    if (!/^postgres(ql)?:$/.test(scratchUrl.protocol)) throw new Error(`unsupported scheme ${scratchUrl.protocol}`)
  } catch (error) {
    throw new ShadowUnavailableError(`shadow-database-url ${masked} is not a postgres:// URL (${errorMessage(error)})`)
  }
  const name = `${SCRATCH_PREFIX}${randomBytes(6).toString('hex')}`
  scratchUrl.pathname = `/${name}`
  const admin = new PostgresTarget(url, { wire, log })
  let before: ClusterState
  let settingReasons: Map<string, string>
  let created = false
  try {
    if (!(await takeVerificationTurn(admin, masked, log))) {
      throw new ShadowUnavailableError(
        `Another verification has been running on shadow-database-url ${masked} for ${VERIFICATION_WAIT_MS / 60_000} minutes; run plan again when it has finished.`
      )
    }
    // What the server holds before: afterwards every role, database and tablespace not in it is the migrations' and is dropped.
    before = await clusterState(admin)
    settingReasons = await createLikeTarget(admin, name, settings, () => (created = true))
  } catch (error) {
    // Created, then setting it failed (the connection broke): the database must not stay behind.
    if (created) await dropDatabase(admin, name).catch(() => {})
    await admin.close()
    if (error instanceof ShadowUnavailableError) throw error
    if (error instanceof DatabaseError && error.info.sqlState === '42501') {
      throw new ShadowUnavailableError(
        `The user of shadow-database-url ${masked} may not create databases (it needs CREATEDB, or use a superuser such as the postgres user of a services: postgres container): ${error.message}`
      )
    }
    throw new ShadowUnavailableError(`Could not create a scratch database on shadow-database-url ${masked}: ${errorMessage(error)}`, {
      cause: error
    })
  }
  log(`Created the scratch database ${name} on ${masked}`)
  return {
    server,
    url: scratchUrl.toString(),
    settingReasons,
    async cleanUp() {
      try {
        try {
          await dropDatabase(admin, name)
          log(`Dropped the scratch database ${name}`)
        } catch (error) {
          log(`Could not drop the scratch database ${name} on ${masked} (drop it by hand): ${errorMessage(error)}`)
        }
        await restoreServer(admin, before, masked, log)
      } finally {
        await admin.close()
      }
    }
  }
}

/** Drops the roles, databases and tablespaces the migrations created on the shadow server, and says what it could not undo. */
async function restoreServer(admin: Target, before: ClusterState, masked: string, log: (m: string) => void): Promise<void> {
  let changes: ClusterChanges
  try {
    changes = await restoreClusterState(admin, before, log)
  } catch (error) {
    log(`Could not check what the migrations left on ${masked} (roles, databases, tablespaces): ${errorMessage(error)}`)
    return
  }
  if (changes.dropped.length > 0) log(`Dropped what the migrations created on ${masked}: ${changes.dropped.join(', ')}`)
  if (changes.left.length > 0)
    log(
      `Still on ${masked} after verification, created while it ran: ${changes.left.join(', ')}; the next verification may fail until they are dropped`
    )
  const altered = [...changes.changed.map((object) => `${object} (changed)`), ...changes.removed.map((object) => `${object} (dropped)`)]
  if (altered.length > 0)
    log(`The migrations altered what existed on ${masked} before verification, which is not undone: ${altered.join(', ')}`)
}

async function localShadow(options: VerifyOptions): Promise<Shadow> {
  const start = options.startLocal ?? startLocalPostgres
  const local: LocalPostgres = await start({
    log: options.log,
    env: options.env,
    binSearch: options.binSearch,
    // Of several PostgreSQL versions on the machine, the target's.
    preferMajor: options.targetSettings?.server_version_num ? majorOf(options.targetSettings.server_version_num) : null
  })
  const stop = (): Promise<void> =>
    local.stop().catch((error) => options.log(`Stopping the local PostgreSQL failed: ${errorMessage(error)}`))
  const shadow: Shadow = { server: `local PostgreSQL ${local.version}`, url: local.url, settingReasons: new Map(), cleanUp: stop }
  if (!options.targetSettings) return shadow
  // A database of its own, made like the target's: the locale is fixed when a database is created.
  const admin = new PostgresTarget(local.url, { wire: options.wire, log: options.log })
  try {
    shadow.settingReasons = await createLikeTarget(admin, LOCAL_DATABASE, options.targetSettings)
  } catch (error) {
    await stop()
    throw new ShadowUnavailableError(`Could not create the verification database on ${shadow.server}: ${errorMessage(error)}`, {
      cause: error
    })
  } finally {
    await admin.close()
  }
  const url = new URL(local.url)
  url.pathname = `/${LOCAL_DATABASE}`
  shadow.url = url.toString()
  return shadow
}

/** What the throwaway database matched of the target's settings, read back from a new session there; logged. */
async function matchSettings(target: Target, shadow: Shadow, settings: TargetSettings, log: (m: string) => void): Promise<SettingsMatch> {
  let shown: TargetSettings
  try {
    shown = await readSettings(target)
  } catch (error) {
    log(`Could not read the settings of the throwaway database back: ${errorMessage(error)}`)
    shown = {}
  }
  const match = compareSettings(settings, shown, shadow.settingReasons)
  log(describeMatch(match))
  return match
}

/** A version verification did not run, its statements counted. */
function notRun(version: Version): VersionCheck {
  return { version: version.number, status: 'not-run', durationMs: 0, statements: statementCount(version) }
}

/** Each version as not run, in version order. */
export function notRunChecks(versions: readonly Version[]): VersionCheck[] {
  return [...versions].sort((a, b) => a.number - b.number).map(notRun)
}

/** A verification that did not run (or could not finish), and why: said in the comment as such, never as a failure. */
export function unavailableVerification(server: string | null, message: string, checks: VersionCheck[], durationMs: number): Verification {
  return {
    status: 'unavailable',
    server,
    versions: checks,
    message,
    durationMs,
    trace: null,
    schemaChange: null,
    traceMessage: null,
    settings: null
  }
}

export async function verifyOnShadow(versions: Version[], options: VerifyOptions): Promise<Verification> {
  const started = Date.now()
  const scrub = scrubSecrets(options.shadowDatabaseUrl)
  const log = (message: string): void => options.log(scrub(message))
  const sorted = [...versions].sort((a, b) => a.number - b.number)
  const unavailable = (server: string | null, message: string, checks: VersionCheck[] = notRunChecks(sorted)): Verification =>
    unavailableVerification(server, scrub(message), checks, Date.now() - started)

  let shadow: Shadow
  try {
    shadow = options.shadowDatabaseUrl
      ? await createScratchDatabase(options.shadowDatabaseUrl, log, options.targetSettings ?? null, options.wire)
      : await localShadow({ ...options, log })
  } catch (error) {
    const server = options.shadowDatabaseUrl ? `shadow-database-url ${maskUrl(options.shadowDatabaseUrl)}` : null
    return unavailable(server, errorMessage(error))
  }

  const timed = new TimedTarget(new PostgresTarget(shadow.url, { wire: options.wire, log }))
  const tracing = tracingFor(sorted, options.pending, shadow.url, timed)
  const target: Target = tracing ?? timed
  let settings: SettingsMatch | null = null
  try {
    if (options.targetSettings) settings = await matchSettings(timed, shadow, options.targetSettings, log)
    log(`Verifying ${sorted.length} version${sorted.length === 1 ? '' : 's'} on ${shadow.server}`)
    const result = await applyMigrations(target, sorted, {
      tables: META,
      createSchema: false,
      run: { actor: null, commitSha: null, runUrl: null },
      lease: { owner: 'verify', ttlSeconds: 60, waitTimeoutSeconds: 10 },
      log
    })
    await tracing?.finish()
    const applied = new Map(result.applied.map((a) => [a.version, a]))
    const checks: VersionCheck[] = sorted.map((version) => {
      const done = applied.get(version.number)
      if (done) return { version: version.number, status: 'passed', durationMs: done.durationMs, statements: done.statements }
      if (version.number !== result.failedVersion || !result.error) return notRun(version)
      const error = result.error
      const failed: VersionCheck = {
        version: version.number,
        status: 'failed',
        durationMs: timed.lastTransactionMs,
        statements: statementCount(version)
      }
      if (error instanceof StatementFailedError) {
        failed.error = { ...error.location, message: error.sqlError.message }
        if (error.sqlError.sqlState) failed.error.sqlState = error.sqlError.sqlState
      } else {
        failed.error = { file: version.dir, line: 0, column: 0, message: error.message }
      }
      return failed
    })
    const failure = checks.find((check) => check.status === 'failed')
    if (result.error && (!failure || !isVersionFailure(result.error))) {
      // The server, not the SQL: the connection broke, or the lease could not be taken.
      const reached = checks.map((check): VersionCheck =>
        check.status === 'failed' ? { version: check.version, status: 'not-run', durationMs: 0, statements: check.statements } : check
      )
      return {
        ...unavailable(shadow.server, `Verification on ${shadow.server} could not finish: ${errorMessage(result.error)}`, reached),
        settings
      }
    }
    return {
      status: failure ? 'failed' : 'passed',
      server: shadow.server,
      versions: checks,
      message: failure ? scrub(result.error!.message) : null,
      durationMs: Date.now() - started,
      trace: tracing && !tracing.failure ? tracing.traces : null,
      schemaChange: tracing && !tracing.failure ? tracing.schemaChange() : null,
      traceMessage: tracing?.failure ? scrub(`Tracing the pending statements stopped: ${tracing.failure}`) : null,
      settings
    }
  } catch (error) {
    return { ...unavailable(shadow.server, `Verification on ${shadow.server} could not finish: ${errorMessage(error)}`), settings }
  } finally {
    await target.close()
    await shadow.cleanUp()
  }
}

/**
 * The tracing wrapper when there are pending versions to trace. Not when the plan refuses the versions:
 * the engine then applies nothing and says why.
 */
function tracingFor(versions: Version[], pending: number[] | undefined, url: string, inner: TimedTarget): TracingTarget | null {
  const wanted = new Set(pending ?? [])
  if (wanted.size === 0 || planMigrations(versions, []).refusals.length > 0) return null
  const history = (relation: string): boolean => relation === META.display || relation.startsWith(`${META.display}_`)
  const tracing = new TracingTarget(inner, url, pendingStatements(versions, wanted), history)
  // Applied from scratch: the first version runs first, and when it is pending nothing runs before the trace's schema read.
  tracing.prepare(wanted.has(Math.min(...versions.map((version) => version.number))))
  return tracing
}

/** Errors that are the version's fault (its SQL), as opposed to the server's, the connection's or the lease's. */
function isVersionFailure(error: Error): boolean {
  return !(
    error instanceof TransportError ||
    error instanceof CommitOutcomeUnknownError ||
    error instanceof LeaseLostError ||
    error instanceof LeaseTimeoutError ||
    error instanceof PlanRefusedError
  )
}
