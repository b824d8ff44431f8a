/**
 * The throwaway PostgreSQL verification runs on: a scratch database on the server at shadow-database-url
 * (created, then dropped with every role, database and tablespace the migrations created, so the server is left
 * as it was found; see cluster-state.ts), or a local server started from PostgreSQL binaries on the machine
 * (server.ts). Given the target's settings, the database is made like the target's (target-settings.ts).
 */
import { randomBytes } from 'node:crypto'
import { DatabaseError, errorMessage } from '../../../errors.js'
import type { Shadow, SettingsMatch } from '../../../shadow/dialect.js'
import { ShadowUnavailableError } from '../../../shadow/unavailable.js'
import { maskUrl } from '../../../targets/mask.js'
import { PostgresTarget } from '../../../targets/postgres.js'
import type { Target } from '../../../targets/target.js'
import {
  clusterState,
  dropDatabase,
  restoreClusterState,
  takeVerificationTurn,
  VERIFICATION_WAIT_MS,
  type ClusterChanges,
  type ClusterState
} from './cluster-state.js'
import type { BinSearchSystem } from './binaries.js'
import { startLocalPostgres } from './server.js'
import { wire } from '../wire.js'
import {
  compareSettings,
  createDatabaseLike,
  describeMatch,
  majorOf,
  readSettings,
  setDatabaseSettings,
  type TargetSettings
} from './target-settings.js'

const SCRATCH_PREFIX = 'aurora_migrate_verify_'
/** The database verification runs in on a local server, when it is made like the target's. */
const LOCAL_DATABASE = 'aurora_migrate_verify'

/** How the local server is found and started: replaced in parts by tests. */
export interface LocalServerOptions {
  log: (m: string) => void
  env?: NodeJS.ProcessEnv
  /** Replaces parts of the local binary search (tests). */
  binSearch?: Partial<BinSearchSystem>
  /** Starts the local server (tests wrap it to watch the server). */
  startLocal?: typeof startLocalPostgres
  /** The target's settings (readTargetCatalog): the database is made to match them. */
  targetSettings?: TargetSettings | null
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

export async function createScratchDatabase(url: string, settings: TargetSettings | null, log: (m: string) => void): Promise<Shadow> {
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

export async function localShadow(options: LocalServerOptions): Promise<Shadow> {
  const start = options.startLocal ?? startLocalPostgres
  const local = await start({
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
  const admin = new PostgresTarget(local.url, { wire, log: options.log })
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
export async function matchSettings(
  target: Target,
  shadow: Shadow,
  settings: TargetSettings,
  log: (m: string) => void
): Promise<SettingsMatch> {
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
