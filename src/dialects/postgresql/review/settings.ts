/**
 * The target's settings that change what a statement does, as the review's one catalog call reads them
 * (catalog.ts) for verification to make its throwaway database like the target's (../shadow/target-settings.ts).
 */
import type { TargetSettings } from '../../../review/dialect.js'

/** Session settings that change what a statement does or how its values read, copied with ALTER DATABASE … SET. */
export const SESSION_SETTINGS = [
  'TimeZone',
  'DateStyle',
  'IntervalStyle',
  'lc_messages',
  'lc_monetary',
  'lc_numeric',
  'lc_time',
  'standard_conforming_strings',
  'default_text_search_config',
  'extra_float_digits',
  'bytea_output',
  'search_path',
  'timezone_abbreviations',
  'check_function_bodies',
  'xmloption',
  'xmlbinary',
  'array_nulls',
  'backslash_quote',
  'transform_null_equals',
  'quote_all_identifiers'
] as const

/** Fixed when the database is created (CREATE DATABASE … ENCODING, LC_COLLATE, LC_CTYPE, LOCALE_PROVIDER …). */
export const DATABASE_SETTINGS = ['server_encoding', 'lc_collate', 'lc_ctype', 'locale_provider', 'locale', 'icu_rules'] as const

/** Every name the catalog call returns: the session and database settings, and the server's version. */
export const TARGET_SETTING_NAMES: readonly string[] = [...SESSION_SETTINGS, ...DATABASE_SETTINGS, 'server_version_num']

const sqlList = (names: readonly string[]): string => names.map((name) => `'${name}'`).join(', ')

/**
 * One json object (as text) of the current database's settings, keyed by TARGET_SETTING_NAMES. The locale
 * comes from pg_database (lc_collate and lc_ctype left pg_settings in PostgreSQL 16; the columns of the
 * ICU or builtin locale differ by version, hence to_jsonb). Every value is text: the Data API returns it.
 */
export const TARGET_SETTINGS_SQL = `(SELECT json_object_agg(s.name, s.value ORDER BY s.name)::text FROM (
    SELECT name::text AS name, setting::text AS value FROM pg_settings
     WHERE name IN (${sqlList([...SESSION_SETTINGS, 'server_encoding', 'server_version_num'])})
    UNION ALL
    SELECT CASE e.key WHEN 'datcollate' THEN 'lc_collate' WHEN 'datctype' THEN 'lc_ctype' WHEN 'datlocprovider' THEN 'locale_provider'
                      WHEN 'daticurules' THEN 'icu_rules' ELSE 'locale' END, e.value
      FROM pg_database d, jsonb_each_text(to_jsonb(d)) e
     WHERE d.datname = current_database() AND e.value IS NOT NULL
       AND e.key IN ('datcollate', 'datctype', 'datlocprovider', 'daticulocale', 'datlocale', 'daticurules')
  ) s)`

const PROVIDERS: Record<string, string> = { c: 'libc', i: 'icu', b: 'builtin' }

/**
 * Parses the json text TARGET_SETTINGS_SQL returned: only the known names with string values are kept
 * (anything else in it is ignored); locale_provider is spelled as CREATE DATABASE takes it.
 */
export function parseTargetSettings(json: unknown): TargetSettings {
  const settings: Record<string, string> = {}
  if (typeof json !== 'string') return settings
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    return settings
  }
  if (!parsed || typeof parsed !== 'object') return settings
  const known = new Map(TARGET_SETTING_NAMES.map((name) => [name.toLowerCase(), name]))
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const name = known.get(key.toLowerCase())
    if (!name || typeof value !== 'string') continue
    settings[name] = name === 'locale_provider' ? (PROVIDERS[value] ?? value) : value
  }
  return settings
}
