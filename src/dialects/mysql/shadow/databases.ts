/**
 * The throwaway MySQL verification runs on: a scratch database on the server at shadow-database-url (created
 * with a unique name, dropped afterwards), or a database on a local server started from binaries on the
 * machine (server.ts; MySQL preferred, else MariaDB, said loudly). Given the target's settings, the database
 * is made like the target's (settings.ts), and what could not be matched is read back and reported.
 */
import { randomBytes } from 'node:crypto'
import { DatabaseError, errorMessage } from '../../../errors.js'
import type { SettingsMatch, Shadow } from '../../../shadow/dialect.js'
import { ShadowUnavailableError } from '../../../shadow/unavailable.js'
import { maskUrl } from '../../../targets/mask.js'
import { MysqlTarget } from '../../../targets/mysql/target.js'
import type { Target } from '../../../targets/target.js'
import { wire } from '../wire.js'
import { findServerBinary, searchedPlaces, type MysqlServerBinary } from './binaries.js'
import { describeDifferences } from './differences.js'
import { localServerText, startLocalMysql, type LocalMysql } from './server.js'
import {
  compareSettings,
  createDatabaseLike,
  describeMatch,
  readSettings,
  setServerSettings,
  untouchedReasons,
  type TargetSettings
} from './settings.js'

const SCRATCH_PREFIX = 'aurora_migrate_verify_'
/** The database verification runs in on a local server. */
export const LOCAL_DATABASE = 'aurora_migrate_verify'

/** MySQL's errors for a user who may not create a database: access denied to the database, or for the user. */
const ACCESS_DENIED = new Set([1044, 1045, 1227])

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}

function quoteName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``
}

export async function createScratchDatabase(url: string, settings: TargetSettings | null, log: (m: string) => void): Promise<Shadow> {
  const masked = maskUrl(url)
  let scratchUrl: string
  const name = `${SCRATCH_PREFIX}${randomBytes(6).toString('hex')}`
  try {
    const parsed = new URL(url)
    if (parsed.protocol !== 'mysql:') throw new Error(`unsupported scheme ${parsed.protocol}`)
    scratchUrl = withDatabase(url, name)
  } catch (error) {
    throw new ShadowUnavailableError(`shadow-database-url ${masked} is not a mysql:// URL (${errorMessage(error)})`)
  }
  const admin = new MysqlTarget(url, { wire, log })
  let settingReasons: Map<string, string>
  try {
    settingReasons = await createDatabaseLike(admin, name, settings)
  } catch (error) {
    await admin.close()
    if (error instanceof DatabaseError && error.info.errno !== undefined && ACCESS_DENIED.has(error.info.errno)) {
      throw new ShadowUnavailableError(
        `The user of shadow-database-url ${masked} may not create databases (it needs CREATE and DROP on aurora_migrate_verify_%): ${error.message}`,
        { cause: error }
      )
    }
    throw new ShadowUnavailableError(`Could not create a scratch database on shadow-database-url ${masked}: ${errorMessage(error)}`, {
      cause: error
    })
  }
  for (const [setting, reason] of untouchedReasons(settings, true)) if (!settingReasons.has(setting)) settingReasons.set(setting, reason)
  log(`Created the scratch database ${name} on ${masked}`)
  return {
    server: `shadow-database-url ${masked}`,
    url: scratchUrl,
    settingReasons,
    async cleanUp() {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${quoteName(name)}`)
        log(`Dropped the scratch database ${name}`)
      } catch (error) {
        log(`Could not drop the scratch database ${name} on ${masked} (drop it by hand): ${errorMessage(error)}`)
      } finally {
        await admin.close()
      }
    }
  }
}

/** How the local server is found and started: replaced in parts by tests. */
export interface LocalServerOptions {
  log: (m: string) => void
  env?: NodeJS.ProcessEnv
  /** The target's settings (the review's catalog read): the server and its database are made to match them. */
  targetSettings?: TargetSettings | null
  /** The binary to start instead of the one found (tests). */
  binary?: MysqlServerBinary
}

export async function localShadow(options: LocalServerOptions): Promise<Shadow> {
  const env = options.env ?? process.env
  const binary = options.binary ?? findServerBinary(env, 'mysql')
  if (!binary) {
    throw new ShadowUnavailableError(
      `No MySQL or MariaDB server binaries found to verify on (${searchedPlaces(env)}); give a shadow-database-url, ` +
        'or run on a machine with MySQL 8 (GitHub ubuntu-24.04 runners have /usr/sbin/mysqld)'
    )
  }
  const local: LocalMysql = await startLocalMysql({ binary, env, log: options.log })
  const server = localServerText(local.flavor, local.version)
  if (local.flavor === 'mariadb') {
    // One line each: a log line is one line (the action's and the terminal's).
    options.log(`Verifying on MariaDB ${local.version}, not MySQL: what passes here can fail on MySQL, and the reverse. What differs:`)
    for (const line of describeDifferences()) options.log(`  - ${line}`)
  }
  const stop = (): Promise<void> => local.stop().catch((error) => options.log(`Stopping the local server failed: ${errorMessage(error)}`))
  const admin = new MysqlTarget(local.url, { wire, log: options.log })
  const settings = options.targetSettings ?? null
  let settingReasons: Map<string, string>
  try {
    settingReasons = await createDatabaseLike(admin, LOCAL_DATABASE, settings)
    if (settings) for (const [setting, reason] of await setServerSettings(admin, settings)) settingReasons.set(setting, reason)
    for (const [setting, reason] of untouchedReasons(settings, false)) if (!settingReasons.has(setting)) settingReasons.set(setting, reason)
  } catch (error) {
    await admin.close()
    await stop()
    throw new ShadowUnavailableError(`Could not create the verification database on ${server}: ${errorMessage(error)}`, { cause: error })
  }
  await admin.close()
  return { server, url: withDatabase(local.url, LOCAL_DATABASE), settingReasons, cleanUp: stop }
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
