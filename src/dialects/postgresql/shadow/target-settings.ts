/**
 * The target's settings that change what a statement does, and a throwaway database made to match them.
 *
 * What a migration does can depend on its session and database, not only on its SQL: `ALTER COLUMN … TYPE
 * timestamptz` rewrites the table unless TimeZone is UTC, a date literal reads by DateStyle, a CHECK or an
 * index on text sorts by the database's collation, an unqualified name resolves by search_path, and a major
 * version adds or refuses syntax. The target's values are read with the review's one catalog call
 * (../review/settings.ts: TARGET_SETTINGS_SQL, in the catalog call), and verification runs in a database created with them:
 * the encoding and locale at CREATE DATABASE, every session setting by `ALTER DATABASE … SET … FROM CURRENT`
 * after PostgreSQL itself took the value through set_config's parameters, so no value read from the target
 * is ever written into SQL text except a locale or encoding name that passed a strict pattern, quoted.
 * What the throwaway server cannot match (another major version, a locale its machine lacks, a setting
 * only a superuser may change) is read back and reported, never silently different.
 */
import { quoteIdentifier } from '../../../engine/meta.js'
import { errorMessage } from '../../../errors.js'
import { printable } from '../../../printable.js'
import type { TargetSettings } from '../../../review/dialect.js'
import type { SettingsMatch } from '../../../shadow/dialect.js'
import type { Target } from '../../../targets/target.js'
import { DATABASE_SETTINGS, parseTargetSettings, SESSION_SETTINGS, TARGET_SETTING_NAMES, TARGET_SETTINGS_SQL } from '../review/settings.js'

/** TargetSettings holds only names of TARGET_SETTING_NAMES, never anything else. */
export type { SettingsMatch, TargetSettings }

/** The longest value copied: every real value is far shorter. */
const MAX_VALUE = 1024

/** Why a value read from the target is not copied, or null when it may be. */
function refused(value: string): string | null {
  if (value.length > MAX_VALUE) return `the target's value is over ${MAX_VALUE} characters`
  if (/[\u0000-\u001f\u007f]/.test(value)) return "the target's value holds control characters"
  return null
}

/** Locale and encoding names as PostgreSQL and the C library spell them (en_US.UTF-8, de_DE@euro, und-u-ks-level2, English_United States.1252). */
const LOCALE_NAME = /^[A-Za-z0-9_.@+=;\- ]{1,128}$/
const ENCODING_NAME = /^[A-Za-z0-9_]{1,32}$/

/** A string literal that reads the same whatever standard_conforming_strings is. */
export function quoteLiteral(value: string): string {
  const doubled = value.replace(/'/g, "''")
  return value.includes('\\') ? `E'${doubled.replace(/\\/g, '\\\\')}'` : `'${doubled}'`
}

/** The major version of a server_version_num (150004 → 15, 90624 → 9.6). */
export function majorOf(versionNum: string): string | null {
  if (!/^\d{5,6}$/.test(versionNum)) return null
  const n = Number(versionNum)
  return n >= 100_000 ? String(Math.floor(n / 10_000)) : `${Math.floor(n / 10_000)}.${Math.floor(n / 100) % 100}`
}

/** `150004` → `15.4`, `90624` → `9.6.24`, for messages. */
export function describeVersionNum(versionNum: string): string {
  const n = Number(versionNum)
  if (!/^\d{5,6}$/.test(versionNum)) return versionNum
  return n >= 100_000 ? `${Math.floor(n / 10_000)}.${n % 10_000}` : `${Math.floor(n / 10_000)}.${Math.floor(n / 100) % 100}.${n % 100}`
}

/** The CREATE DATABASE options for the target's encoding and locale, or why one cannot be copied (by name). */
function databaseOptions(target: TargetSettings): { options: string[]; refusedBy: Map<string, string> } {
  const options: string[] = []
  const refusedBy = new Map<string, string>()
  const literal = (name: string, pattern: RegExp): string | null => {
    const value = target[name]
    if (value === undefined) return null
    const why = refused(value) ?? (pattern.test(value) ? null : "the target's value is not a name aurora-migrate copies")
    if (why) {
      refusedBy.set(name, why)
      return null
    }
    return quoteLiteral(value)
  }
  const encoding = literal('server_encoding', ENCODING_NAME)
  if (encoding) options.push(`ENCODING ${encoding}`)
  const collate = literal('lc_collate', LOCALE_NAME)
  if (collate) options.push(`LC_COLLATE ${collate}`)
  const ctype = literal('lc_ctype', LOCALE_NAME)
  if (ctype) options.push(`LC_CTYPE ${ctype}`)
  const provider = target.locale_provider
  if (provider !== undefined && provider !== 'libc') {
    if (provider !== 'icu' && provider !== 'builtin')
      refusedBy.set('locale_provider', `the target's locale provider is not one aurora-migrate knows`)
    else {
      // Both need their locale: ICU_LOCALE (PostgreSQL 15+), BUILTIN_LOCALE (17+).
      const locale = literal('locale', LOCALE_NAME)
      if (locale) {
        options.push(`LOCALE_PROVIDER ${provider}`, `${provider === 'icu' ? 'ICU_LOCALE' : 'BUILTIN_LOCALE'} ${locale}`)
        const rules = target.icu_rules === undefined ? null : refused(target.icu_rules)
        if (rules) refusedBy.set('icu_rules', rules)
        else if (target.icu_rules !== undefined && provider === 'icu') options.push(`ICU_RULES ${quoteLiteral(target.icu_rules)}`)
      } else if (target.locale === undefined) refusedBy.set('locale_provider', `the target names no ${provider} locale`)
    }
  }
  return { options, refusedBy }
}

/**
 * Creates the database `name` on the server `admin` is connected to, with the target's encoding and locale
 * when the server has them; otherwise with fewer of them (down to the server's defaults, as before) and the
 * reason kept by name for the report. Without target settings: a plain CREATE DATABASE.
 */
export async function createDatabaseLike(admin: Target, name: string, target: TargetSettings | null): Promise<Map<string, string>> {
  const reasons = new Map<string, string>()
  const create = `CREATE DATABASE ${quoteIdentifier(name)}`
  if (!target) {
    await admin.query(create)
    return reasons
  }
  const { options, refusedBy } = databaseOptions(target)
  for (const [setting, why] of refusedBy) reasons.set(setting, why)
  const encoding = options.filter((option) => option.startsWith('ENCODING '))
  // The target's whole locale; then only its encoding; then the server's defaults. template0: the only template whose locale may differ.
  const attempts: string[][] = []
  if (options.length > 0) attempts.push(options)
  if (encoding.length > 0 && encoding.length < options.length) attempts.push(encoding)
  for (const attempt of attempts) {
    try {
      await admin.query(`${create} TEMPLATE template0 ${attempt.join(' ')}`)
      return reasons
    } catch (error) {
      const why = `the throwaway server cannot create a database with it: ${errorMessage(error)}`
      for (const setting of DATABASE_SETTINGS) if (target[setting] !== undefined && !reasons.has(setting)) reasons.set(setting, why)
    }
  }
  await admin.query(create)
  return reasons
}

/**
 * Sets each of the target's session settings on the database `name` (ALTER DATABASE … SET … FROM CURRENT,
 * after set_config took the value as a parameter), one transaction each so that one refused value (a
 * locale this machine lacks, lc_messages for a user who is not a superuser) does not stop the others.
 * Returns why, by name, for each one that could not be set.
 */
export async function setDatabaseSettings(admin: Target, name: string, target: TargetSettings | null): Promise<Map<string, string>> {
  const reasons = new Map<string, string>()
  if (!target) return reasons
  for (const setting of SESSION_SETTINGS) {
    const value = target[setting]
    if (value === undefined) continue
    const why = refused(value)
    if (why) {
      reasons.set(setting, why)
      continue
    }
    const result = await admin.transaction([
      { sql: 'SELECT set_config(:name, :value, true) AS value', params: { name: setting, value } },
      { sql: `ALTER DATABASE ${quoteIdentifier(name)} SET ${quoteIdentifier(setting)} FROM CURRENT` }
    ])
    if (!result.ok) reasons.set(setting, result.error.message)
  }
  return reasons
}

/** The same settings, as the throwaway database shows them to a new session there. */
export async function readSettings(target: Target): Promise<TargetSettings> {
  const { rows } = await target.query(`SELECT ${TARGET_SETTINGS_SQL} AS settings`)
  return parseTargetSettings(rows[0]?.settings)
}

/** What the throwaway database matched of the target's settings, by reading it back; `reasons` say why a setting could not be set. */
export function compareSettings(target: TargetSettings, shadow: TargetSettings, reasons: ReadonlyMap<string, string>): SettingsMatch {
  const matched: string[] = []
  const unmatched: SettingsMatch['unmatched'] = []
  for (const name of TARGET_SETTING_NAMES) {
    const wanted = target[name]
    if (wanted === undefined) continue
    const shown = printable(wanted.length > 200 ? `${wanted.slice(0, 200)}…` : wanted)
    const have = shadow[name]
    if (name === 'server_version_num') {
      const same = have !== undefined && majorOf(have) !== null && majorOf(have) === majorOf(wanted)
      if (same) matched.push(name)
      else
        unmatched.push({
          name,
          target: shown,
          reason: `the target runs PostgreSQL ${describeVersionNum(wanted)}, the throwaway server ${have === undefined ? 'another version' : describeVersionNum(have)}`
        })
      continue
    }
    // libc is what a database without a provider column (before PostgreSQL 15) uses.
    const effective = have ?? (name === 'locale_provider' ? 'libc' : undefined)
    if (effective === wanted) {
      matched.push(name)
      continue
    }
    const reason =
      reasons.get(name) ??
      (effective === undefined ? 'the throwaway server has no such setting' : `the throwaway database has ${printable(effective)}`)
    unmatched.push({ name, target: shown, reason: printable(reason) })
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
