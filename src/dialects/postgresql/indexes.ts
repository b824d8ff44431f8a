/**
 * CREATE INDEX CONCURRENTLY, looked at closely. A failed concurrent build leaves an INVALID index
 * behind (it slows writes and is never used), and over the Data API the reply of a build that in fact
 * succeeded can be an error. So the engine asks the catalog instead of trusting the reply: parsing here
 * is pure; the catalog queries take a Target.
 */
import { dottedNameAt, identifierName, isWord, tokenize, type Token } from './tokens.js'
import type { Target } from '../../targets/target.js'
import type { BuildState } from '../../engine/dialect.js'
import { quoteIdentifier } from '../../engine/meta.js'

export interface ConcurrentIndex {
  unique: boolean
  ifNotExists: boolean
  /** The index name as PostgreSQL stores it (unquoted names folded to lower case); null when PostgreSQL picks one. */
  name: string | null
  /** The table; the index is always created in the table's schema. */
  table: { schema: string | null; name: string }
}

/**
 * `CREATE [UNIQUE] INDEX CONCURRENTLY [[IF NOT EXISTS] name] ON [ONLY] table …`, or null for any other
 * statement (or one whose names this cannot read, such as `U&"…"` identifiers).
 */
export function parseCreateIndexConcurrently(sql: string): ConcurrentIndex | null {
  const tokens = tokenize(sql, 16)
  let i = 0
  if (!isWord(tokens[i++], 'create')) return null
  const unique = isWord(tokens[i], 'unique')
  if (unique) i++
  if (!isWord(tokens[i++], 'index') || !isWord(tokens[i++], 'concurrently')) return null
  let ifNotExists = false
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'not') && isWord(tokens[i + 2], 'exists')) {
    ifNotExists = true
    i += 3
  }
  let name: string | null = null
  if (!isWord(tokens[i], 'on') || ifNotExists) {
    name = identifierName(tokens[i++])
    if (name === null) return null
  }
  if (!isWord(tokens[i++], 'on')) return null
  if (isWord(tokens[i], 'only')) i++
  const table = qualifiedName(tokens, i)
  return table ? { unique, ifNotExists, name, table } : null
}

/** `name` or `schema.name` (a `catalog.schema.name` keeps its last two parts) at tokens[i]. */
function qualifiedName(tokens: Token[], i: number): ConcurrentIndex['table'] | null {
  const parts = dottedNameAt(tokens, i)?.parts
  if (!parts) return null
  if (parts.length === 1) return { schema: null, name: parts[0] }
  return { schema: parts[parts.length - 2], name: parts[parts.length - 1] }
}

/** The table as text for to_regclass, quoted so that case and odd characters survive. */
export function tableReference(index: ConcurrentIndex): string {
  const { schema, name } = index.table
  return schema === null ? quoteIdentifier(name) : `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`
}

export type IndexState = BuildState

export function dropIndexStatement(qualified: string, ifExists = false): string {
  return `DROP INDEX CONCURRENTLY ${ifExists ? 'IF EXISTS ' : ''}${qualified}`
}

/** The index the statement names, in its table's schema; null when there is none (or no such table). */
export async function findIndex(target: Target, index: ConcurrentIndex): Promise<IndexState | null> {
  if (index.name === null) return null
  const { rows } = await target.query(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified, i.indisvalid AS valid,
  i.indrelid = to_regclass(:table) AS on_table,
  EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid) AS building
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_index i ON i.indexrelid = c.oid
WHERE c.relname = :name AND c.relnamespace = (SELECT t.relnamespace FROM pg_class t WHERE t.oid = to_regclass(:table))`,
    { name: index.name, table: tableReference(index) }
  )
  const row = rows[0]
  if (!row) return null
  return { qualified: String(row.qualified), valid: row.valid === true, onTable: row.on_table === true, building: row.building === true }
}

/** The INVALID indexes of the statement's table, as `schema.name` (for a build PostgreSQL named itself). */
export async function invalidIndexesOn(target: Target, index: ConcurrentIndex): Promise<string[]> {
  const { rows } = await target.query(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indrelid = to_regclass(:table) AND NOT i.indisvalid
  AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid)
ORDER BY 1`,
    { table: tableReference(index) }
  )
  return rows.map((row) => String(row.qualified))
}
