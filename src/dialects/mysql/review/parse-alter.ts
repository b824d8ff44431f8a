/**
 * ALTER TABLE for the statement reader (parse.ts): `ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] t [WAIT n | NOWAIT]`
 * and its clauses, comma-separated in any mix (table options may also follow one another without a comma).
 * ALGORITHM= and LOCK= go to the statement; a partition clause takes the rest of the statement (it may only
 * come last, after the other clauses without a comma, and DROP PARTITION p1, p2 lists with commas). A clause
 * this reader does not know, or cannot read, becomes `{ op: 'unknown' }` up to the next top-level comma, and
 * the clauses after it are still read.
 */
import type { AlgorithmClause, AlterClause, LockClause, MysqlNode } from './node.js'
import { readColumnDefinition, readPosition, skipValue } from './parse-columns.js'
import { ALGORITHMS, LOCKS } from './parse-create.js'
import { readTableConstraint } from './parse-indexes.js'
import { Cursor, Unreadable } from './parse-tokens.js'

type Clause = AlterClause extends infer C ? (C extends unknown ? Omit<C, 'text'> : never) : never

/** What a clause reader gives: clauses (ADD (a …, b …) gives several), or a statement-level ALGORITHM / LOCK. */
type ClauseResult = Clause[] | { algorithm: AlgorithmClause } | { lock: LockClause }

/** Table options written `NAME [=] value` that the review judges only as "a table option". */
const TABLE_OPTIONS = new Set([
  'auto_increment',
  'avg_row_length',
  'checksum',
  'comment',
  'compression',
  'connection',
  'delay_key_write',
  'encryption',
  'engine_attribute',
  'secondary_engine_attribute',
  'insert_method',
  'key_block_size',
  'max_rows',
  'min_rows',
  'pack_keys',
  'password',
  'stats_auto_recalc',
  'stats_persistent',
  'stats_sample_pages',
  'tablespace',
  'union',
  'page_checksum',
  'transactional',
  'encrypted',
  'encryption_key_id',
  'page_compressed',
  'page_compression_level',
  'autoextend_size',
  'secondary_engine'
])

const PARTITION_VERBS = [
  'add',
  'drop',
  'discard',
  'import',
  'truncate',
  'coalesce',
  'reorganize',
  'exchange',
  'analyze',
  'check',
  'optimize',
  'rebuild',
  'repair',
  'convert'
]

/** `NAME [=] value` (the value may be a parenthesized list, as UNION = (a, b)). */
function optionValue(c: Cursor): string {
  c.acceptSymbol('=')
  if (!c.isSymbol('(')) return c.optionValue()
  c.skip()
  return ''
}

/** The partition clause that starts here (`partition by`, `drop partition`, `remove partitioning` …), or null. */
function partitionAction(c: Cursor): string | null {
  if (c.isWord('partition') && c.isWordAt(1, 'by')) return 'partition by'
  if (c.isWord('remove', 'upgrade') && c.isWordAt(1, 'partitioning')) return `${c.peek()!.value} partitioning`
  if (c.isWord(...PARTITION_VERBS) && c.isWordAt(1, 'partition')) return `${c.peek()!.value} partition`
  return null
}

/** A partition clause, when one starts here: it takes the rest of the statement. */
function readPartition(c: Cursor): Clause[] | null {
  const action = partitionAction(c)
  if (!action) return null
  c.skipUntil(() => false)
  return [{ op: 'partition', action }]
}

function readAdd(c: Cursor): Clause[] {
  const constraint = readTableConstraint(c)
  if (constraint?.kind === 'index') return [{ op: 'add-index', index: constraint.index }]
  if (constraint?.kind === 'foreign-key') return [{ op: 'add-foreign-key', ...constraint.foreignKey }]
  if (constraint?.kind === 'check') return [{ op: 'add-check', name: constraint.name }]
  // MariaDB's system versioning: ADD PERIOD FOR SYSTEM_TIME (…), ADD SYSTEM VERSIONING.
  if ((c.isWord('period') && c.isWordAt(1, 'for')) || (c.isWord('system') && c.isWordAt(1, 'versioning')))
    throw new Unreadable('system versioning')
  c.acceptWord('column')
  c.skipIfExists()
  if (!c.acceptSymbol('(')) {
    const column = readColumnDefinition(c)
    return [{ op: 'add-column', column, position: readPosition(c) }]
  }
  const clauses: Clause[] = [{ op: 'add-column', column: readColumnDefinition(c), position: 'last' }]
  while (c.acceptSymbol(',')) clauses.push({ op: 'add-column', column: readColumnDefinition(c), position: 'last' })
  c.expectSymbol(')')
  return clauses
}

function readDrop(c: Cursor): Clause[] {
  if (c.acceptWords('primary', 'key')) return [{ op: 'drop-primary-key' }]
  const what = c.acceptWord('index', 'key', 'foreign', 'check', 'constraint', 'column')
  if (what === 'foreign') c.expectWord('key')
  c.skipIfExists()
  const name = c.name()
  if (what === 'index' || what === 'key') return [{ op: 'drop-index', name }]
  if (what === 'foreign') return [{ op: 'drop-foreign-key', name }]
  if (what === 'check' || what === 'constraint') return [{ op: 'drop-check', name }]
  c.acceptWord('restrict', 'cascade')
  return [{ op: 'drop-column', column: name }]
}

function readRename(c: Cursor): Clause[] {
  const what = c.acceptWord('column', 'index', 'key')
  if (!what) {
    c.acceptWord('to', 'as')
    return [{ op: 'rename-table', to: c.tableName() }]
  }
  const name = c.name()
  c.expectWord('to')
  const to = c.name()
  return [what === 'column' ? { op: 'rename-column', column: name, to } : { op: 'rename-index', name, to }]
}

/** CHANGE [COLUMN] old new def / MODIFY [COLUMN] col def, then FIRST / AFTER. */
function readChange(c: Cursor, verb: 'change' | 'modify'): Clause[] {
  c.acceptWord('column')
  c.skipIfExists()
  const column = c.name()
  const definition = readColumnDefinition(c, verb === 'change' ? c.name() : column)
  return [{ op: 'change-column', column, definition, position: readPosition(c) }]
}

/** ALTER [COLUMN] c SET DEFAULT … / DROP DEFAULT; anything else ALTER … (SET INVISIBLE, ALTER INDEX) is unknown. */
function readAlterColumn(c: Cursor): Clause[] {
  if (c.isWord('index', 'check', 'constraint')) throw new Unreadable('ALTER INDEX / CHECK / CONSTRAINT')
  c.acceptWord('column')
  c.skipIfExists()
  const column = c.name()
  if (c.acceptWords('drop', 'default')) return [{ op: 'drop-default', column }]
  c.expectWord('set')
  c.expectWord('default')
  skipValue(c)
  return [{ op: 'set-default', column }]
}

/** [DEFAULT] CHARACTER SET / CHARSET [=] x [[DEFAULT] COLLATE [=] y], or [DEFAULT] COLLATE [=] y alone. */
function readDefaultCharset(c: Cursor): Clause[] | null {
  const from = c.index
  c.acceptWord('default')
  let charset: string | null = null
  if (c.acceptWords('character', 'set') || c.acceptWord('charset')) charset = optionValue(c).toLowerCase()
  const collateFrom = c.index
  c.acceptWord('default')
  const collation = c.acceptWord('collate') ? optionValue(c).toLowerCase() : null
  if (collation === null) c.index = collateFrom
  if (charset === null && collation === null) {
    c.index = from
    return null
  }
  return [{ op: 'default-charset', charset, collation }]
}

function readConvert(c: Cursor): Clause[] {
  c.expectWord('to')
  if (!c.acceptWords('character', 'set')) c.expectWord('charset')
  const charset = optionValue(c).toLowerCase()
  const collation = c.acceptWord('collate') ? optionValue(c).toLowerCase() : null
  return [{ op: 'convert-charset', charset, collation }]
}

function readAlgorithmOrLock(c: Cursor, which: 'algorithm' | 'lock'): ClauseResult {
  const value = optionValue(c)
  if (which === 'algorithm' && ALGORITHMS.includes(value)) return { algorithm: value as AlgorithmClause }
  if (which === 'lock' && LOCKS.includes(value)) return { lock: value as LockClause }
  throw new Unreadable(`${which}=${value}`)
}

/** ENGINE, ROW_FORMAT, FORCE, ENABLE/DISABLE KEYS and the other table options; null when the word is none. */
function readTableOption(c: Cursor): Clause[] | null {
  const word = c.peek()?.kind === 'word' ? c.peek()!.value : null
  if (word === null) return null
  if (c.acceptWord('engine')) return [{ op: 'engine', engine: optionValue(c).toLowerCase() }]
  if (c.acceptWord('row_format')) return [{ op: 'row-format', format: optionValue(c).toLowerCase() }]
  if (c.acceptWord('force')) return [{ op: 'force' }]
  if (c.isWord('enable', 'disable') && c.isWordAt(1, 'keys')) {
    c.index += 2
    return [{ op: 'table-option', option: `${word} keys` }]
  }
  if (c.isWord('data', 'index') && c.isWordAt(1, 'directory')) {
    c.index += 2
    optionValue(c)
    return [{ op: 'table-option', option: `${word} directory` }]
  }
  if (!TABLE_OPTIONS.has(word) && !c.isSymbol('=', 1)) return null
  c.next()
  optionValue(c)
  return [{ op: 'table-option', option: word }]
}

/** One clause at the cursor. */
function readClause(c: Cursor): ClauseResult {
  const partition = readPartition(c)
  if (partition) return partition
  const charset = readDefaultCharset(c)
  if (charset) return charset
  const verb = c.acceptWord('add', 'drop', 'rename', 'change', 'modify', 'alter', 'convert', 'algorithm', 'lock')
  switch (verb) {
    case 'add':
      return readAdd(c)
    case 'drop':
      return readDrop(c)
    case 'rename':
      return readRename(c)
    case 'change':
    case 'modify':
      return readChange(c, verb)
    case 'alter':
      return readAlterColumn(c)
    case 'convert':
      return readConvert(c)
    case 'algorithm':
    case 'lock':
      return readAlgorithmOrLock(c, verb)
  }
  const option = readTableOption(c)
  if (option) return option
  throw new Unreadable('unknown clause')
}

/** Reads one clause into `node`; an unknown or unreadable one becomes `unknown` up to the next top-level comma. */
function readClauseInto(c: Cursor, node: Extract<MysqlNode, { kind: 'alter-table' }>): void {
  const from = c.index
  let result: ClauseResult
  try {
    result = readClause(c)
    const ended = c.atListEnd() || partitionAction(c) !== null
    if (Array.isArray(result) && !ended && !isTableOption(result)) throw new Unreadable('the clause goes on')
  } catch (error) {
    if (!(error instanceof Unreadable)) throw error
    c.index = from
    c.skipUntil(() => c.isSymbol(','))
    result = [{ op: 'unknown' }]
  }
  if ('algorithm' in result) node.algorithm = result.algorithm
  else if ('lock' in result) node.lock = result.lock
  else {
    const text = c.textBetween(from, c.index)
    for (const clause of result) node.clauses.push({ ...clause, text } as AlterClause)
  }
}

/** Table options may follow one another without a comma. */
function isTableOption(clauses: Clause[]): boolean {
  return clauses.every((clause) => ['engine', 'row-format', 'force', 'table-option', 'default-charset'].includes(clause.op))
}

/** After ALTER: [ONLINE|OFFLINE] [IGNORE] TABLE [IF EXISTS] name [WAIT n | NOWAIT] clauses. */
export function readAlterTable(c: Cursor): MysqlNode {
  c.acceptWord('online', 'offline')
  const ignore = c.acceptWord('ignore') !== null
  c.expectWord('table')
  c.skipIfExists()
  const table = c.tableName()
  if (c.acceptWord('wait')) c.next()
  else c.acceptWord('nowait')
  const node: Extract<MysqlNode, { kind: 'alter-table' }> = { kind: 'alter-table', table, clauses: [], algorithm: null, lock: null, ignore }
  while (!c.done) {
    readClauseInto(c, node)
    if (!c.acceptSymbol(',') && c.isSymbol(')')) throw new Unreadable('unbalanced )')
  }
  return node
}
