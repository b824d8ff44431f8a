/**
 * MySQL's recovery of a statement run on its own whose result never arrived (or whose journal row says
 * 'started' without 'done'). MySQL 8's DDL is atomic per statement, so the catalog settles it: a
 * fingerprint (a digest of what information_schema holds for every object the statement names) taken
 * before it was sent, compared with one taken now — changed: it ran; unchanged: it did not.
 *
 * The fingerprint covers a table's options (engine, row format, collation, comment: never AUTO_INCREMENT,
 * row counts or times), columns, indexes, constraints (with their key columns and foreign-key rules), a
 * view's definition, routines, triggers (by name, and every trigger of a named table) and events. Absent
 * objects count as absent, so a CREATE changes it too. Names are found with the lexer (`db`.`t`, t,
 * backticks) after the words that introduce them; a name that is not an object (a column after RENAME
 * COLUMN … TO) is absent before and after, and changes nothing.
 *
 * A statement that leaves the catalog as it was (CREATE TABLE IF NOT EXISTS of a table that exists, a
 * rebuild by ALTER TABLE … ENGINE = InnoDB) reads as not run, and runs again: harmless for those.
 *
 * MySQL has no concurrent index build that leaves an invalid index behind: those members answer nothing.
 */
import type { EffectCheck, StatementRecovery } from '../../engine/dialect.js'
import type { Row, Target } from '../../targets/target.js'
import { commitsImplicitly } from './implicit-commit.js'
import { textLiteral } from './literals.js'
import { isSymbol, isWord, statementWords, type Word } from './statement-words.js'

export interface ObjectName {
  /** null: the connection's default database. */
  schema: string | null
  name: string
}

export interface FingerprintEffect {
  names: ObjectName[]
}

/** Words after which a statement names an object (a list of them after TABLE/TABLES). */
const INTRODUCERS = new Set([
  'table',
  'tables',
  'view',
  'procedure',
  'function',
  'event',
  'trigger',
  'sequence',
  'references',
  'like',
  'on',
  'to',
  'as',
  'rename'
])
const NOT_NAMES = new Set(['if', 'not', 'exists', 'column', 'index', 'key', 'constraint', 'to', 'as', 'only', 'schedule', 'completion'])

/** `name` or `db`.`name` at tokens[i]; and the index after it. */
function nameAt(tokens: Word[], i: number): { name: ObjectName; next: number } | null {
  const part = (token: Word | undefined) =>
    token && (token.kind === 'quoted' || (token.kind === 'word' && !NOT_NAMES.has(token.value))) ? token.text : null
  const first = part(tokens[i])
  if (first === null) return null
  if (isSymbol(tokens[i + 1], '.')) {
    const second = part(tokens[i + 2])
    if (second !== null) return { name: { schema: first, name: second }, next: i + 3 }
  }
  return { name: { schema: null, name: first }, next: i + 1 }
}

/** The objects `sql` names (see the header); empty when it names none. */
export function namedObjects(sql: string): ObjectName[] {
  const tokens = statementWords(sql, 4000)
  const found = new Map<string, ObjectName>()
  for (let i = 0; i < tokens.length; i++) {
    if (!INTRODUCERS.has(tokens[i].kind === 'word' ? tokens[i].value : '')) continue
    let j = i + 1
    while (isWord(tokens[j], 'if', 'not', 'exists', 'temporary')) j++
    for (;;) {
      const named = nameAt(tokens, j)
      if (!named) break
      found.set(JSON.stringify(named.name), named.name)
      j = named.next
      // RENAME TABLE a TO b, c TO d; DROP TABLE a, b
      if (isSymbol(tokens[j], ',') && isWord(tokens[i], 'table', 'tables', 'view', 'to')) j++
      else break
    }
  }
  return [...found.values()]
}

/**
 * Every catalog row of the named objects, as (k, s, o, d) text, in no order: one UNION ALL. An unqualified
 * name is looked for in the default database. Names are spliced in as hex literals (never parameters), so
 * the same text runs as a query and inside a stored procedure.
 */
function catalogRows(names: ObjectName[]): string {
  const match = (schemaColumn: string, nameColumn: string) =>
    names
      .map(
        (name) =>
          `(${schemaColumn} = ${name.schema === null ? 'DATABASE()' : textLiteral(name.schema)} AND CAST(${nameColumn} AS BINARY) = CAST(${textLiteral(name.name)} AS BINARY))`
      )
      .join(' OR ')
  const tables = match('TABLE_SCHEMA', 'TABLE_NAME')
  const sections = [
    `SELECT 'table' AS k, TABLE_SCHEMA AS s, TABLE_NAME AS o, CONCAT_WS('|', TABLE_TYPE, ENGINE, ROW_FORMAT, TABLE_COLLATION, TABLE_COMMENT, CREATE_OPTIONS) AS d
FROM information_schema.TABLES WHERE ${tables}`,
    `SELECT 'column', TABLE_SCHEMA, TABLE_NAME, CONCAT_WS('|', LPAD(ORDINAL_POSITION, 5, '0'), COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT, '<null>'),
  EXTRA, COALESCE(COLLATION_NAME, ''), COLUMN_COMMENT, COALESCE(GENERATION_EXPRESSION, ''))
FROM information_schema.COLUMNS WHERE ${tables}`,
    `SELECT 'index', TABLE_SCHEMA, TABLE_NAME, CONCAT_WS('|', INDEX_NAME, LPAD(SEQ_IN_INDEX, 5, '0'), COALESCE(COLUMN_NAME, ''), NON_UNIQUE, COALESCE(SUB_PART, ''),
  INDEX_TYPE, COALESCE(COLLATION, ''), INDEX_COMMENT)
FROM information_schema.STATISTICS WHERE ${tables}`,
    `SELECT 'constraint', TABLE_SCHEMA, TABLE_NAME, CONCAT_WS('|', CONSTRAINT_NAME, CONSTRAINT_TYPE)
FROM information_schema.TABLE_CONSTRAINTS WHERE ${tables}`,
    `SELECT 'key', TABLE_SCHEMA, TABLE_NAME, CONCAT_WS('|', CONSTRAINT_NAME, COLUMN_NAME, LPAD(ORDINAL_POSITION, 5, '0'), COALESCE(REFERENCED_TABLE_SCHEMA, ''),
  COALESCE(REFERENCED_TABLE_NAME, ''), COALESCE(REFERENCED_COLUMN_NAME, ''))
FROM information_schema.KEY_COLUMN_USAGE WHERE ${tables}`,
    `SELECT 'reference', CONSTRAINT_SCHEMA, TABLE_NAME, CONCAT_WS('|', CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE, REFERENCED_TABLE_NAME)
FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE ${match('CONSTRAINT_SCHEMA', 'TABLE_NAME')}`,
    `SELECT 'view', TABLE_SCHEMA, TABLE_NAME, CONCAT_WS('|', VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE)
FROM information_schema.VIEWS WHERE ${tables}`,
    `SELECT 'routine', ROUTINE_SCHEMA, ROUTINE_NAME, CONCAT_WS('|', ROUTINE_TYPE, COALESCE(ROUTINE_DEFINITION, ''), SECURITY_TYPE, CREATED, LAST_ALTERED)
FROM information_schema.ROUTINES WHERE ${match('ROUTINE_SCHEMA', 'ROUTINE_NAME')}`,
    `SELECT 'trigger', TRIGGER_SCHEMA, TRIGGER_NAME, CONCAT_WS('|', EVENT_OBJECT_TABLE, EVENT_MANIPULATION, ACTION_TIMING, ACTION_ORDER, ACTION_STATEMENT, CREATED)
FROM information_schema.TRIGGERS WHERE ${match('TRIGGER_SCHEMA', 'TRIGGER_NAME')} OR ${match('EVENT_OBJECT_SCHEMA', 'EVENT_OBJECT_TABLE')}`,
    `SELECT 'event', EVENT_SCHEMA, EVENT_NAME, CONCAT_WS('|', EVENT_DEFINITION, STATUS, COALESCE(INTERVAL_VALUE, ''), COALESCE(INTERVAL_FIELD, ''),
  COALESCE(EXECUTE_AT, ''), LAST_ALTERED)
FROM information_schema.EVENTS WHERE ${match('EVENT_SCHEMA', 'EVENT_NAME')}`
  ]
  return sections.map((section) => `(${section})`).join('\nUNION ALL\n')
}

/** Half of a row's SHA-256 (hex digits `from`…`from + 15`) as a 64-bit number. */
const half = (from: number) => `CAST(CONV(SUBSTRING(SHA2(CONCAT_WS(0x01, f.k, f.s, f.o, f.d), 256), ${from}, 16), 16, 10) AS UNSIGNED)`

/**
 * The fingerprint of `names` as one scalar SQL expression, computed by the server: the count of catalog rows
 * and the XOR of each row's SHA-256 (in two 64-bit halves), so that no order is needed. The engine's query
 * (`fingerprint`) and the version routine (version-routine.ts), which journals a statement from inside the
 * server, use this same text: both compute the same value for the same catalog.
 */
export function fingerprintExpression(names: ObjectName[]): string {
  return `(SELECT CONCAT('v2:', COUNT(*), ':', LPAD(HEX(BIT_XOR(${half(1)})), 16, '0'), LPAD(HEX(BIT_XOR(${half(17)})), 16, '0'))
FROM (${catalogRows(names)}) AS f)`
}

/** The fingerprint's expression for the objects `sql` names; null when it names none. */
export function fingerprintOf(sql: string): string | null {
  const names = namedObjects(sql)
  return names.length ? fingerprintExpression(names) : null
}

/** The fingerprint of `names` as the server computes it. */
async function digest(target: Target, names: ObjectName[]): Promise<string> {
  const { rows } = await target.query(`SELECT ${fingerprintExpression(names)} AS fingerprint`)
  return String(rows[0]?.fingerprint ?? '')
}

export async function fingerprint(target: Target, sql: string): Promise<string | null> {
  const names = namedObjects(sql)
  return names.length ? digest(target, names) : null
}

/** Statements that only maintain what exists: running one again is harmless. */
export function isMaintenance(sql: string): boolean {
  const [first, second] = statementWords(sql, 3)
  if (isWord(first, 'analyze', 'optimize', 'check') && isWord(second, 'table', 'tables', 'local', 'no_write_to_binlog')) return true
  return isWord(first, 'checksum') && isWord(second, 'table', 'tables')
}

/** The effect the catalog can confirm: for a statement that commits on its own and names objects. */
export function statementEffect(sql: string): FingerprintEffect | null {
  if (!commitsImplicitly(sql) || isMaintenance(sql)) return null
  const names = namedObjects(sql)
  return names.length ? { names } : null
}

export async function snapshotBefore(target: Target, effect: FingerprintEffect): Promise<Row[] | null> {
  return [{ fingerprint: await digest(target, effect.names) }]
}

export async function checkEffect(target: Target, effect: FingerprintEffect, before: Row[] | null): Promise<EffectCheck> {
  const shown = effect.names.map((n) => (n.schema ? `${n.schema}.${n.name}` : n.name)).join(', ')
  if (!before?.[0]?.fingerprint) return { verdict: 'unknown', evidence: `the catalog of ${shown} could not be read before it ran` }
  const now = await digest(target, effect.names)
  return now === before[0].fingerprint
    ? { verdict: 'not-done', evidence: `the catalog of ${shown} is as it was before the statement was sent` }
    : { verdict: 'done', evidence: `the catalog of ${shown} changed after the statement was sent` }
}

/** Whitespace and a final `;` aside, as PROCESSLIST shows a statement. */
const normalized = (sql: string) => sql.replace(/^\s+|[\s;]+$/g, '')

/** The session (other than ours, of the same user) still running `sql`: `pid`, `wait_event` (its state). */
export async function findRunning(target: Target, sql: string): Promise<Row | undefined> {
  const { rows } = await target.query(
    `SELECT ID AS pid, NULL AS wait_event_type, STATE AS wait_event, INFO AS info FROM information_schema.PROCESSLIST
WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Sleep' AND INFO IS NOT NULL ORDER BY TIME DESC`
  )
  const wanted = normalized(sql)
  const row = rows.find((candidate) => {
    const info = normalized(String(candidate.info))
    return info === wanted || (info.length >= 1000 && wanted.startsWith(info))
  })
  if (!row) return undefined
  const { info: _info, ...rest } = row
  return rest
}

export const recovery: StatementRecovery<never, FingerprintEffect> = {
  concurrentBuild: () => null,
  findBuilt: async () => null,
  invalidOn: async () => [],
  dropStatement: (qualified, ifExists = false) => `DROP INDEX ${ifExists ? 'IF EXISTS ' : ''}${qualified}`,
  checkInvalidHint: 'MySQL builds an index within its statement: a failed build leaves nothing behind.',
  buildProgressHint: 'see information_schema.PROCESSLIST (and performance_schema.events_stages_current where it is enabled)',
  isMaintenance,
  statementEffect,
  snapshotBefore,
  checkEffect,
  findRunning,
  fingerprint
}
