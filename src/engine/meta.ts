/**
 * The names of the meta table (one row per applied version) and of the lease and progress tables beside
 * it: quoted once, here, as SQL's delimited identifiers ("…"); every statement of a dialect takes them
 * from MetaTables and never quotes input itself.
 */
import { LOCK_SUFFIX, PROGRESS_SUFFIX, tableNameParts } from '../meta-table-name.js'

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/**
 * Another tool's table named by an input (`table` or `schema.table`, case kept), quoted. An unqualified
 * name is left to the database's default schema.
 */
export function quoteTableName(
  input: string,
  inputName: string,
  quote: (name: string) => string = quoteIdentifier
): { quoted: string; display: string } {
  const parts = tableNameParts(input, inputName)
  return { quoted: parts.map(quote).join('.'), display: parts.join('.') }
}

/** Fully qualified, quoted names of the tables. */
export interface MetaTables {
  schema: string
  table: string
  /** Quoted `"schema"."table"`. */
  meta: string
  /** Quoted `"schema"."table_lock"`. */
  lock: string
  /** Quoted `"schema"."table_progress"`: the completed statements of versions that run in steps. */
  progress: string
  /** For messages: schema.table */
  display: string
}

export function metaTables(schema: string, table: string): MetaTables {
  return {
    schema,
    table,
    meta: `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    lock: `${quoteIdentifier(schema)}.${quoteIdentifier(table + LOCK_SUFFIX)}`,
    progress: `${quoteIdentifier(schema)}.${quoteIdentifier(table + PROGRESS_SUFFIX)}`,
    display: `${schema}.${table}`
  }
}

/** The three tables by unqualified name (the database's default schema decides), for the one statement that reads them. */
export function unqualifiedTables(table: string): MetaTables {
  return {
    ...metaTables('', table),
    meta: quoteIdentifier(table),
    lock: quoteIdentifier(`${table}${LOCK_SUFFIX}`),
    progress: quoteIdentifier(`${table}${PROGRESS_SUFFIX}`)
  }
}
