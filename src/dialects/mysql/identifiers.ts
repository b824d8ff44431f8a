/**
 * MySQL's identifiers for the engine: backtick quoting (a backtick inside is doubled), the meta, lock and
 * progress tables as MetaTables (schema = the database), and reading a quoted, maybe qualified name back
 * into its parts. Every name the engine's statements splice in comes through here.
 */
import type { MetaTables } from '../../engine/meta.js'
import { LOCK_SUFFIX, PROGRESS_SUFFIX } from '../../meta-table-name.js'

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``
}

/** The tables in database `schema`, qualified: `db`.`t`. */
export function mysqlMetaTables(schema: string, table: string): MetaTables {
  const q = (name: string) => `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`
  return {
    schema,
    table,
    meta: q(table),
    lock: q(table + LOCK_SUFFIX),
    progress: q(table + PROGRESS_SUFFIX),
    display: `${schema}.${table}`
  }
}

/** The tables by bare name (the connection's default database decides); schema ''. */
export function unqualifiedMysqlTables(table: string): MetaTables {
  return {
    schema: '',
    table,
    meta: quoteIdentifier(table),
    lock: quoteIdentifier(table + LOCK_SUFFIX),
    progress: quoteIdentifier(table + PROGRESS_SUFFIX),
    display: table
  }
}

/**
 * The parts of a quoted name: `db`.`t`, `t`, and also "db"."t" (the engine quotes another tool's table,
 * sequelize's, the standard way); a bare part is taken as written. Null when it is not one or two parts.
 */
export function parseQuotedName(quoted: string): { schema: string | null; name: string } | null {
  const parts: string[] = []
  const part = /\s*(?:`((?:[^`]|``)*)`|"((?:[^"]|"")*)"|([A-Za-z0-9_$\u0080-\uffff]+))\s*(\.|$)/y
  let match: RegExpExecArray | null
  while (part.lastIndex < quoted.length && (match = part.exec(quoted))) {
    parts.push(match[1] !== undefined ? match[1].replace(/``/g, '`') : match[2] !== undefined ? match[2].replace(/""/g, '"') : match[3])
    if (match[4] === '') break
  }
  if (part.lastIndex < quoted.length && part.lastIndex !== 0) return null
  if (parts.length === 1) return { schema: null, name: parts[0] }
  if (parts.length === 2) return { schema: parts[0], name: parts[1] }
  return null
}

/** A quoted name (either quoting) requoted with backticks. */
export function requote(quoted: string): string {
  const name = parseQuotedName(quoted)
  if (!name) throw new Error(`not a table name: ${quoted}`)
  return name.schema === null ? quoteIdentifier(name.name) : `${quoteIdentifier(name.schema)}.${quoteIdentifier(name.name)}`
}
