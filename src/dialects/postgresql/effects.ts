/**
 * What the catalog can tell about a statement that ran outside a transaction without a result: over
 * the Data API one that outlasted the 45 s call limit finishes on the server, but the service never
 * reports how it ended; any transport can lose a reply. Rather than trusting or doubting the reply, the
 * engine looks for the statement's effect:
 *
 * - DROP INDEX [CONCURRENTLY] names         every index is gone
 * - ALTER TYPE … ADD VALUE 'label'            the type has the label
 * - VACUUM / ANALYZE of named tables          each table's last_vacuum / last_analyze moved on (a VACUUM
 *                                             FULL: its file node changed), compared with a snapshot
 *                                             taken before the statement was sent
 * - REINDEX INDEX | TABLE [CONCURRENTLY] name every index was rebuilt: a new file node, and valid
 *
 * (CREATE INDEX CONCURRENTLY has its own checks in indexes.ts.) Anything else — a bare VACUUM, REINDEX
 * SCHEMA, CLUSTER, REFRESH MATERIALIZED VIEW — cannot be confirmed. Parsing here is pure; the catalog
 * queries take a Target and cast every catalog value to text, as the Data API requires.
 */
import { dottedNameAt, isWord, tokenize, type Token } from './tokens.js'
import type { Row, Target } from '../../targets/target.js'
import type { EffectCheck } from '../../engine/dialect.js'
import { quoteIdentifier } from '../../engine/meta.js'

export type StatementEffect =
  | { kind: 'drop-index'; indexes: string[] }
  | { kind: 'enum-label'; type: string; label: string }
  | { kind: 'vacuum'; tables: string[]; vacuum: boolean; analyze: boolean; full: boolean }
  | { kind: 'reindex'; scope: 'index' | 'table'; name: string }

/** Statements that only maintain what exists (no data or schema change): running one again is harmless. */
export function isMaintenance(sql: string): boolean {
  const [first, second] = tokenize(sql, 3)
  if (isWord(first, 'vacuum') || isWord(first, 'analyze') || isWord(first, 'analyse') || isWord(first, 'reindex')) return true
  if (isWord(first, 'cluster') || isWord(first, 'checkpoint')) return true
  return isWord(first, 'refresh') && isWord(second, 'materialized')
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** `name` or `schema.name` at tokens[i], as text for to_regclass (quoted: case survives); and the index after it. */
function relationAt(tokens: Token[], i: number): { reference: string; next: number } | null {
  const name = dottedNameAt(tokens, i)
  return name && { reference: name.parts.slice(-2).map(quoteIdentifier).join('.'), next: name.next }
}

const isSymbol = (token: Token | undefined, symbol: string) => token?.kind === 'symbol' && token.value === symbol

/** Index just past the parenthesis that closes the one at tokens[i]. */
function skipParentheses(tokens: Token[], i: number): number {
  let depth = 0
  for (; i < tokens.length; i++) {
    if (isSymbol(tokens[i], '(')) depth++
    else if (isSymbol(tokens[i], ')') && --depth === 0) return i + 1
  }
  return i
}

/** `(FULL, ANALYZE true, VERBOSE)`: the options switched on. */
function readOptions(tokens: Token[], i: number): { options: Set<string>; next: number } {
  const options = new Set<string>()
  const end = skipParentheses(tokens, i)
  for (let j = i + 1; j < end - 1; j++) {
    const name = tokens[j]
    if (name.kind !== 'word' || name.value === null) continue
    const value = tokens[j + 1]
    const off = value && (isWord(value, 'false') || isWord(value, 'off') || (value.kind === 'number' && value.value === '0'))
    if (!off) options.add(name.value)
    while (j < end - 1 && !isSymbol(tokens[j + 1], ',')) j++
  }
  return { options, next: end }
}

/** `t1 (a, b), s.t2`: the tables, or null when there are none or they cannot be read. */
function tableList(tokens: Token[], i: number): string[] | null {
  const tables: string[] = []
  while (i < tokens.length) {
    if (isSymbol(tokens[i], ';')) break
    const relation = relationAt(tokens, i)
    if (!relation) return null
    tables.push(relation.reference)
    i = relation.next
    if (isSymbol(tokens[i], '(')) i = skipParentheses(tokens, i)
    if (!isSymbol(tokens[i], ',')) break
    i++
  }
  return tables.length && (i >= tokens.length || isSymbol(tokens[i], ';')) ? tables : null
}

/** The string literal `'…'` as its value; null for any other form (E'…', $$…$$). */
function stringValue(token: Token | undefined): string | null {
  if (token?.kind !== 'string' || token.value === null || !/^'.*'$/s.test(token.value)) return null
  return token.value.slice(1, -1).replace(/''/g, "'")
}

function parseDropIndex(tokens: Token[]): StatementEffect | null {
  let i = 2
  if (isWord(tokens[i], 'concurrently')) i++
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'exists')) i += 2
  const indexes: string[] = []
  for (;;) {
    const relation = relationAt(tokens, i)
    if (!relation) return null
    indexes.push(relation.reference)
    i = relation.next
    if (!isSymbol(tokens[i], ',')) break
    i++
  }
  return { kind: 'drop-index', indexes }
}

function parseAddValue(tokens: Token[]): StatementEffect | null {
  const type = relationAt(tokens, 2)
  if (!type || !isWord(tokens[type.next], 'add') || !isWord(tokens[type.next + 1], 'value')) return null
  let i = type.next + 2
  if (isWord(tokens[i], 'if') && isWord(tokens[i + 1], 'not') && isWord(tokens[i + 2], 'exists')) i += 3
  const label = stringValue(tokens[i])
  return label === null ? null : { kind: 'enum-label', type: type.reference, label }
}

function parseVacuum(tokens: Token[], analyzeOnly: boolean): StatementEffect | null {
  let i = 1
  let options = new Set<string>()
  if (isSymbol(tokens[i], '(')) ({ options, next: i } = readOptions(tokens, i))
  else {
    while (['full', 'freeze', 'verbose', 'analyze', 'analyse'].some((word) => isWord(tokens[i], word)))
      options.add(String(tokens[i++].value))
  }
  const tables = tableList(tokens, i)
  if (!tables) return null
  const analyze = analyzeOnly || options.has('analyze') || options.has('analyse')
  return { kind: 'vacuum', tables, vacuum: !analyzeOnly, analyze, full: !analyzeOnly && options.has('full') }
}

function parseReindex(tokens: Token[]): StatementEffect | null {
  let i = 1
  if (isSymbol(tokens[i], '(')) i = readOptions(tokens, i).next
  const scope = isWord(tokens[i], 'index') ? 'index' : isWord(tokens[i], 'table') ? 'table' : null
  if (!scope) return null
  i++
  if (isWord(tokens[i], 'concurrently')) i++
  const relation = relationAt(tokens, i)
  if (!relation || !(relation.next >= tokens.length || isSymbol(tokens[relation.next], ';'))) return null
  return { kind: 'reindex', scope, name: relation.reference }
}

/** The effect the catalog can confirm for `sql`, or null when it cannot confirm any. */
export function statementEffect(sql: string): StatementEffect | null {
  const tokens = tokenize(sql, 200)
  const [first, second] = tokens
  if (isWord(first, 'drop') && isWord(second, 'index')) return parseDropIndex(tokens)
  if (isWord(first, 'alter') && isWord(second, 'type')) return parseAddValue(tokens)
  if (isWord(first, 'vacuum')) return parseVacuum(tokens, false)
  if (isWord(first, 'analyze') || isWord(first, 'analyse')) return parseVacuum(tokens, true)
  if (isWord(first, 'reindex')) return parseReindex(tokens)
  return null
}

// ---------------------------------------------------------------------------------------------
// The catalog
// ---------------------------------------------------------------------------------------------

const TABLE_STATE_SQL = `SELECT n.name, c.oid IS NOT NULL AS found, s.last_vacuum::text AS vacuumed, s.last_analyze::text AS analyzed,
  pg_relation_filenode(c.oid)::text AS filenode
FROM json_array_elements_text(:names::json) WITH ORDINALITY AS n(name, ord)
LEFT JOIN pg_catalog.pg_class c ON c.oid = to_regclass(n.name)
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
ORDER BY n.ord`

const INDEX_STATE_SQL = `SELECT quote_ident(ns.nspname) || '.' || quote_ident(c.relname) AS name, pg_relation_filenode(c.oid)::text AS filenode,
  i.indisvalid AS valid
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
WHERE CASE WHEN :scope = 'index' THEN i.indexrelid = to_regclass(:name) ELSE i.indrelid = to_regclass(:name) END
ORDER BY 1`

/** What must be read before the statement is sent, to compare with afterwards; null when nothing is. */
export async function snapshotBefore(target: Target, effect: StatementEffect): Promise<Row[] | null> {
  if (effect.kind === 'vacuum') return (await target.query(TABLE_STATE_SQL, { names: JSON.stringify(effect.tables) })).rows
  if (effect.kind === 'reindex') return (await target.query(INDEX_STATE_SQL, { scope: effect.scope, name: effect.name })).rows
  return null
}

/** Looks for the statement's effect; `before` is what snapshotBefore read (null when it could not). */
export async function checkEffect(target: Target, effect: StatementEffect, before: Row[] | null): Promise<EffectCheck> {
  switch (effect.kind) {
    case 'drop-index': {
      const { rows } = await target.query(
        'SELECT n.name FROM json_array_elements_text(:names::json) AS n(name) WHERE to_regclass(n.name) IS NOT NULL',
        { names: JSON.stringify(effect.indexes) }
      )
      const left = rows.map((row) => String(row.name))
      return left.length
        ? { verdict: 'not-done', evidence: `the index ${left.join(', ')} still exists` }
        : { verdict: 'done', evidence: `no index ${effect.indexes.join(', ')} exists any more` }
    }
    case 'enum-label': {
      const { rows } = await target.query(
        'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_enum WHERE enumtypid = to_regtype(:type) AND enumlabel = :label) AS present',
        { type: effect.type, label: effect.label }
      )
      const shown = `'${effect.label.replace(/'/g, "''")}'`
      return rows[0]?.present === true
        ? { verdict: 'done', evidence: `the type ${effect.type} has the value ${shown}` }
        : { verdict: 'not-done', evidence: `the type ${effect.type} has no value ${shown}` }
    }
    case 'vacuum':
      return checkTables(effect, before, (await target.query(TABLE_STATE_SQL, { names: JSON.stringify(effect.tables) })).rows)
    case 'reindex':
      return checkIndexes(effect, before, (await target.query(INDEX_STATE_SQL, { scope: effect.scope, name: effect.name })).rows)
  }
}

/**
 * VACUUM / ANALYZE: statistics timestamps moved on. The statistics can lag or be reset, so a timestamp
 * that did not move proves nothing: the verdict is then unknown, never not-done.
 */
function checkTables(effect: Extract<StatementEffect, { kind: 'vacuum' }>, before: Row[] | null, after: Row[]): EffectCheck {
  const what = effect.full
    ? 'rewritten (VACUUM FULL)'
    : [effect.vacuum ? 'vacuumed' : '', effect.analyze ? 'analyzed' : ''].filter(Boolean).join(' and ')
  if (!before || before.length !== after.length) return { verdict: 'unknown', evidence: 'its tables could not be read before it ran' }
  const moved = (field: string, i: number) => after[i][field] !== null && after[i][field] !== before[i][field]
  const pending = after.filter((row, i) => {
    if (row.found !== true) return true
    if (effect.full) return !moved('filenode', i) || (effect.analyze && !moved('analyzed', i))
    return (effect.vacuum && !moved('vacuumed', i)) || (effect.analyze && !moved('analyzed', i))
  })
  if (pending.length) {
    return {
      verdict: 'unknown',
      evidence: `the statistics do not show ${pending.map((row) => String(row.name)).join(', ')} as ${what} since it was sent`
    }
  }
  return { verdict: 'done', evidence: `the statistics show ${effect.tables.join(', ')} ${what} since it was sent` }
}

/** REINDEX: every index it covers has a new file node (a rebuild) and is valid. */
function checkIndexes(effect: Extract<StatementEffect, { kind: 'reindex' }>, before: Row[] | null, after: Row[]): EffectCheck {
  if (!before || before.length === 0) return { verdict: 'unknown', evidence: `no index of ${effect.name} could be read before it ran` }
  const now = new Map(after.map((row) => [String(row.name), row]))
  const rebuilt = before.filter((row) => {
    const later = now.get(String(row.name))
    return later !== undefined && later.filenode !== row.filenode && later.valid === true
  })
  const names = before.map((row) => String(row.name)).join(', ')
  if (rebuilt.length === before.length)
    return {
      verdict: 'done',
      evidence: `${names} ${before.length === 1 ? 'has' : 'have'} been rebuilt and ${before.length === 1 ? 'is' : 'are'} valid`
    }
  const untouched = before.filter((row) => now.get(String(row.name))?.filenode === row.filenode)
  if (untouched.length === before.length)
    return { verdict: 'not-done', evidence: `${names} ${before.length === 1 ? 'was' : 'were'} not rebuilt` }
  return {
    verdict: 'unknown',
    evidence: `only ${rebuilt.map((row) => String(row.name)).join(', ') || 'none'} of ${names} ${rebuilt.length === 1 ? 'was' : 'were'} rebuilt`
  }
}
