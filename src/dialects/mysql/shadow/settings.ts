/**
 * The target's settings that change what a MySQL statement does, read in one SELECT of @@ variables and the
 * database's defaults (the review's catalog call reads the target's; verification reads the throwaway
 * database's back), and a throwaway database made to match them.
 *
 * sql_mode decides what a statement is (ANSI_QUOTES makes "x" a name, NO_BACKSLASH_ESCAPES changes string
 * literals, the strict modes turn a bad value into an error); the character set and collation decide what
 * a table is created with and which values a UNIQUE index refuses; explicit_defaults_for_timestamp what a
 * TIMESTAMP column becomes; innodb_strict_mode whether a bad ROW_FORMAT is an error; default_storage_engine
 * a table's engine; lower_case_table_names which names are the same table; time_zone how a TIMESTAMP reads.
 *
 * MySQL keeps these per server and per session, never per database (but the database's default character set
 * and collation): the transport resets a session after every transaction (COM_RESET_CONNECTION) to the
 * server's values, so a setting holds for every statement only when it is the server's (SET GLOBAL). On a
 * local server of verification's own, that is done; on the shadow-database-url's server, whose settings are
 * its owner's, only the database's character set and collation are set, and the rest is read back and
 * reported. lower_case_table_names is fixed when a data directory is initialised, and the version and the
 * system time zone are the server's: those are compared, never set.
 */
import { errorMessage } from '../../../errors.js'
import { printable } from '../../../printable.js'
import type { TargetSettings } from '../../../review/dialect.js'
import type { SettingsMatch } from '../../../shadow/dialect.js'
import type { Target } from '../../../targets/target.js'

export type { SettingsMatch, TargetSettings }

/** Set on the database when it is created. */
export const DATABASE_SETTINGS = ['character_set_database', 'collation_database'] as const
/** The server's values, set with SET GLOBAL on a local server only. */
export const SERVER_SETTINGS = [
  'sql_mode',
  'character_set_server',
  'collation_server',
  'explicit_defaults_for_timestamp',
  'innodb_strict_mode',
  'default_storage_engine',
  'time_zone'
] as const
/** Fixed for a server: compared, never set. */
export const FIXED_SETTINGS = ['version', 'lower_case_table_names', 'system_time_zone'] as const

/** Every setting read, in the order reports list them. */
export const MYSQL_SETTING_NAMES: readonly string[] = [
  'version',
  'sql_mode',
  ...DATABASE_SETTINGS,
  'character_set_server',
  'collation_server',
  'explicit_defaults_for_timestamp',
  'innodb_strict_mode',
  'default_storage_engine',
  'lower_case_table_names',
  'time_zone',
  'system_time_zone'
]

/**
 * The database's own default: @@character_set_database follows USE, but a session reset (COM_RESET_CONNECTION)
 * gives it the server's value while the database stays selected [measured, MariaDB 10.11]. The catalog holds
 * what a CREATE TABLE there gets; without a database selected, the server's.
 */
const DATABASE_DEFAULT: Record<string, string> = {
  character_set_database: 'DEFAULT_CHARACTER_SET_NAME',
  collation_database: 'DEFAULT_COLLATION_NAME'
}

function selectSetting(name: string): string {
  const column = DATABASE_DEFAULT[name]
  const value = column
    ? `COALESCE((SELECT ${column} FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()), @@${name})`
    : `@@${name}`
  return `${value} AS \`${name}\``
}

/**
 * The select list of every setting, each column named after its setting: SETTINGS_SQL's, and what the review's
 * catalog read adds to its own row of the server's facts, so that the settings cost no call of their own.
 */
export const SETTINGS_SELECT_LIST = MYSQL_SETTING_NAMES.map(selectSetting).join(', ')

/** One row of every setting, read by a new session (the database's own character set and collation with it). */
export const SETTINGS_SQL = `SELECT ${SETTINGS_SELECT_LIST}`

/** The settings of a row that has SETTINGS_SELECT_LIST's columns: names and values as text (NULL: not set). */
export function settingsFromRow(row: Readonly<Record<string, unknown>> | undefined): TargetSettings {
  const settings: Record<string, string> = {}
  for (const name of MYSQL_SETTING_NAMES) {
    const value = row?.[name]
    if (value !== null && value !== undefined) settings[name] = String(value)
  }
  return settings
}

/** The settings as a session shows them: names and values as text. */
export async function readSettings(target: Target): Promise<TargetSettings> {
  const { rows } = await target.query(SETTINGS_SQL)
  return settingsFromRow(rows[0])
}

/** The character set and collation names MySQL and MariaDB have: letters, digits and underscores. */
const CHARSET_NAME = /^[A-Za-z0-9_]{1,64}$/

function quoteName(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``
}

/**
 * Creates the database `name` with the target's character set and collation where the server has them (then
 * with the character set alone, then utf8mb4 as the server collates it), and returns why one could not be used.
 */
export async function createDatabaseLike(admin: Target, name: string, target: TargetSettings | null): Promise<Map<string, string>> {
  const reasons = new Map<string, string>()
  const create = `CREATE DATABASE ${quoteName(name)}`
  const charset = target?.character_set_database
  const collation = target?.collation_database
  const attempts: string[] = []
  const usable = (setting: string, value: string | undefined): value is string => {
    if (value === undefined) return false
    if (CHARSET_NAME.test(value)) return true
    reasons.set(setting, "the target's value is not a name aurora-migrate copies")
    return false
  }
  const charsetOk = usable('character_set_database', charset)
  const collationOk = usable('collation_database', collation)
  if (charsetOk && collationOk) attempts.push(`${create} CHARACTER SET ${charset} COLLATE ${collation}`)
  if (charsetOk) attempts.push(`${create} CHARACTER SET ${charset}`)
  for (const attempt of attempts) {
    try {
      await admin.query(attempt)
      return reasons
    } catch (error) {
      const why = `the throwaway server cannot create a database with it: ${errorMessage(error)}`
      const setting = attempt.includes(' COLLATE ') ? 'collation_database' : 'character_set_database'
      if (!reasons.has(setting)) reasons.set(setting, why)
      if (setting === 'character_set_database' && collationOk && !reasons.has('collation_database')) reasons.set('collation_database', why)
    }
  }
  await admin.query(`${create} CHARACTER SET utf8mb4`)
  return reasons
}

/** Numbers go as numbers: MySQL refuses '1' for a boolean variable, as a string, but takes 1. */
function asValue(value: string): string | number {
  return /^\d{1,9}$/.test(value) ? Number(value) : value
}

/**
 * Sets each of the target's server settings as the server's own (SET GLOBAL), so that every new or reset
 * session has it; only on a server of verification's own. Returns why, by name, for each the server refused.
 */
export async function setServerSettings(admin: Target, target: TargetSettings): Promise<Map<string, string>> {
  const reasons = new Map<string, string>()
  for (const setting of SERVER_SETTINGS) {
    const value = target[setting]
    if (value === undefined) continue
    if (value.length > 1024 || /[\u0000-\u001f\u007f]/.test(value)) {
      reasons.set(setting, "the target's value is not one aurora-migrate copies")
      continue
    }
    try {
      await admin.query(`SET GLOBAL ${setting} = :value`, { value: asValue(value) })
    } catch (error) {
      reasons.set(setting, `the throwaway server refused it: ${errorMessage(error)}`)
    }
  }
  return reasons
}

/** Why the settings verification leaves alone differ, by name: those a server fixes, and (shared) the server's. */
export function untouchedReasons(target: TargetSettings | null, shared: boolean): Map<string, string> {
  const reasons = new Map<string, string>()
  if (!target) return reasons
  if (target.lower_case_table_names !== undefined)
    reasons.set('lower_case_table_names', 'it is fixed when a server is initialised and cannot be set on one that runs')
  if (target.system_time_zone !== undefined)
    reasons.set('system_time_zone', "it is the server's machine's time zone (a local server runs in UTC)")
  if (shared) {
    for (const setting of SERVER_SETTINGS) {
      if (target[setting] !== undefined)
        reasons.set(
          setting,
          "MySQL keeps it per server, not per database, and verification leaves the shadow-database-url server's settings as they are: set it there to match"
        )
    }
  }
  return reasons
}

/** "MySQL 8.0.36", "MariaDB 10.11.19" of a @@version text (`10.11.19-MariaDB-0+deb12u1`, `8.0.36`). */
export function describeVersion(version: string): string {
  const number = /^\d+\.\d+\.\d+/.exec(version)?.[0] ?? version
  return `${/mariadb/i.test(version) ? 'MariaDB' : 'MySQL'} ${number}`
}

/** The engine and its major.minor (`MySQL 8.0`): what decides the syntax a server takes. */
function release(version: string): string {
  return `${/mariadb/i.test(version) ? 'MariaDB' : 'MySQL'} ${/^\d+\.\d+/.exec(version)?.[0] ?? version}`
}

/** The same value as MySQL means it: sql_mode's flags in any order, names in any case. */
function same(name: string, wanted: string, have: string): boolean {
  if (name === 'sql_mode') {
    const flags = (mode: string): string => [...new Set(mode.toUpperCase().split(',').filter(Boolean))].sort().join(',')
    return flags(wanted) === flags(have)
  }
  return wanted.toLowerCase() === have.toLowerCase()
}

/** What the throwaway database matched of the target's settings, read back; `reasons` say why a setting could not be set. */
export function compareSettings(target: TargetSettings, shadow: TargetSettings, reasons: ReadonlyMap<string, string>): SettingsMatch {
  const matched: string[] = []
  const unmatched: SettingsMatch['unmatched'] = []
  for (const name of MYSQL_SETTING_NAMES) {
    const wanted = target[name]
    if (wanted === undefined) continue
    const shown = printable(wanted.length > 200 ? `${wanted.slice(0, 200)}…` : wanted)
    const have = shadow[name]
    if (name === 'version') {
      if (have !== undefined && release(have) === release(wanted)) matched.push(name)
      else
        unmatched.push({
          name,
          target: shown,
          reason: `the target runs ${describeVersion(wanted)}, the throwaway server ${have === undefined ? 'another version' : describeVersion(have)}`
        })
      continue
    }
    if (have !== undefined && same(name, wanted, have)) {
      matched.push(name)
      continue
    }
    const has = have === undefined ? 'the throwaway server has no such setting' : `the throwaway database has '${printable(have)}'`
    const reason = reasons.get(name)
    unmatched.push({ name, target: shown, reason: printable(reason ? `${has}: ${reason}` : has) })
  }
  return { matched, unmatched }
}

/** One log line of the match. */
export function describeMatch(match: SettingsMatch): string {
  const matched = match.matched.length ? `matches the target's ${match.matched.join(', ')}` : "matches none of the target's settings"
  if (!match.unmatched.length) return `The throwaway database ${matched}`
  const unmatched = match.unmatched.map((setting) => `${setting.name} '${setting.target}' (${setting.reason})`).join('; ')
  return `The throwaway database ${matched}; it could not match ${unmatched}`
}
