/**
 * The `meta-table` input (`table` or `schema.table`) and other tables named by an input: validated here,
 * before any dialect or database is involved. Quoting the names is the dialect's (see engine/meta.ts).
 */
import { InputError } from './errors.js'

/** Plain identifiers only: letters, digits, `_` and `$`, starting with a letter or `_`; 63 bytes at most. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/
export const MAX_IDENTIFIER = 63
/** The tables beside the meta table: `<table>_lock` (the lease) and `<table>_progress` (versions run in steps). */
export const LOCK_SUFFIX = '_lock'
export const PROGRESS_SUFFIX = '_progress'

export interface MetaTableName {
  /** null: the database's default schema (resolved once per run, see resolveMetaTables). */
  schema: string | null
  table: string
}

/** Parses the `meta-table` input: `table` or `schema.table`. */
export function parseMetaTableName(input: string): MetaTableName {
  const parts = input.trim().split('.')
  if (parts.length > 2 || parts.some((part) => !IDENTIFIER.test(part))) {
    throw new InputError(
      'meta-table',
      `'${input}' is not a valid table name: use table or schema.table with letters, digits and _ (for example schema_migrations or ops.schema_migrations)`
    )
  }
  const table = parts[parts.length - 1]
  // The longest name beside it is the progress table, `<table>_progress`.
  const longestSuffix = PROGRESS_SUFFIX.length
  if (Buffer.byteLength(table) + longestSuffix > MAX_IDENTIFIER) {
    throw new InputError(
      'meta-table',
      `'${table}' is too long: at most ${MAX_IDENTIFIER - longestSuffix} characters (the tables beside it add '_lock' and '_progress')`
    )
  }
  if (parts.length === 2 && Buffer.byteLength(parts[0]) > MAX_IDENTIFIER) {
    throw new InputError('meta-table', `schema '${parts[0]}' is longer than ${MAX_IDENTIFIER} characters`)
  }
  return parts.length === 2 ? { schema: parts[0], table } : { schema: null, table }
}

/**
 * Another tool's table named by an input (`table` or `schema.table`, case kept): its parts, validated.
 * An unqualified name is left to the database's default schema.
 */
export function tableNameParts(input: string, inputName: string): string[] {
  const parts = input.trim().split('.')
  if (parts.length > 2 || parts.some((part) => !IDENTIFIER.test(part) || Buffer.byteLength(part) > MAX_IDENTIFIER)) {
    throw new InputError(
      inputName,
      `'${input}' is not a valid table name: use table or schema.table with letters, digits and _ (at most ${MAX_IDENTIFIER} characters each)`
    )
  }
  return parts
}
