/**
 * CREATE for the statement reader (parse.ts): TABLE (its columns, table-level indexes and foreign keys, ENGINE,
 * LIKE, and a query it is created from), INDEX, VIEW, TRIGGER, PROCEDURE / FUNCTION and EVENT; anything else
 * CREATE makes is `other`. The modifiers before the object's kind (OR REPLACE, DEFINER = …, ALGORITHM = …,
 * SQL SECURITY …) are skipped as the implicit-commit reader skips them.
 */
import { objectKindAt } from '../implicit-commit.js'
import type { AlgorithmClause, IndexDefinition, LockClause, MysqlNode } from './node.js'
import { readColumnDefinition } from './parse-columns.js'
import { readKeyParts, readTableConstraint } from './parse-indexes.js'
import { Cursor } from './parse-tokens.js'

type CreateTable = Extract<MysqlNode, { kind: 'create-table' }>

/** One definition inside CREATE TABLE's parentheses; whatever follows what it knows, up to `,` or `)`, is skipped. */
function readDefinition(c: Cursor, node: CreateTable): void {
  const constraint = readTableConstraint(c)
  if (constraint?.kind === 'index') node.indexes.push(constraint.index)
  else if (constraint?.kind === 'foreign-key') node.foreignKeys.push(constraint.foreignKey)
  else if (!constraint && !c.isWord('period')) node.columns.push(readColumnDefinition(c))
  c.skipUntil(() => c.atListEnd())
}

/** After the definitions: table options (ENGINE is kept), partitioning, and the query the table is created from. */
function readTableTail(c: Cursor, node: CreateTable): void {
  while (!c.done) {
    if (
      c.isWord('select', 'as', 'values') ||
      (c.isWord('with') && !c.isWordAt(1, 'system')) ||
      (c.isSymbol('(') && c.isWordAt(1, 'select', 'with'))
    ) {
      node.asSelect = true
      return
    }
    if (c.acceptWord('engine')) {
      c.acceptSymbol('=')
      node.engine = c.optionValue().toLowerCase()
    } else c.skip()
  }
}

/** After TABLE: [IF NOT EXISTS] name, then LIKE other, `(LIKE other)`, or definitions, options and a query. */
function readCreateTable(c: Cursor, temporary: boolean): MysqlNode {
  const ifNotExists = c.acceptWords('if', 'not', 'exists')
  const table = c.tableName()
  const node: CreateTable = {
    kind: 'create-table',
    table,
    ifNotExists,
    temporary,
    like: null,
    asSelect: false,
    columns: [],
    indexes: [],
    foreignKeys: [],
    engine: null
  }
  const parenthesized = c.isSymbol('(') && c.isWordAt(1, 'like')
  if (parenthesized) c.next()
  if (c.acceptWord('like')) {
    node.like = c.tableName()
    if (parenthesized) c.expectSymbol(')')
    return node
  }
  if (c.isSymbol('(') && !c.isWordAt(1, 'select', 'with') && !c.isSymbol('(', 1)) {
    c.next()
    do readDefinition(c, node)
    while (c.acceptSymbol(','))
    c.expectSymbol(')')
  }
  readTableTail(c, node)
  return node
}

/** After INDEX: [IF NOT EXISTS] name [USING type] ON table (parts) [options] [ALGORITHM [=] x] [LOCK [=] y]. */
function readCreateIndex(c: Cursor, kind: IndexDefinition['kind']): MysqlNode {
  c.skipIfExists()
  const name = c.name()
  if (c.acceptWord('using')) c.next()
  c.expectWord('on')
  const table = c.tableName()
  if (c.acceptWord('wait')) c.next()
  c.acceptWord('nowait')
  const columns = readKeyParts(c)
  const options = readAlgorithmAndLock(c)
  return { kind: 'create-index', table, index: { name, kind, columns }, ...options }
}

/** The values ALGORITHM= and LOCK= take in MySQL (MariaDB's ALGORITHM=NOCOPY is not one). */
export const ALGORITHMS = ['default', 'instant', 'inplace', 'copy']
export const LOCKS = ['default', 'none', 'shared', 'exclusive']

/** ALGORITHM [=] x and LOCK [=] y among the remaining tokens (a value neither knows reads as not given). */
export function readAlgorithmAndLock(c: Cursor): { algorithm: AlgorithmClause; lock: LockClause } {
  const options: { algorithm: AlgorithmClause; lock: LockClause } = { algorithm: null, lock: null }
  while (!c.done) {
    const which = c.acceptWord('algorithm', 'lock')
    if (!which) {
      c.skip()
      continue
    }
    c.acceptSymbol('=')
    const value = c.done ? '' : c.optionValue()
    if (which === 'algorithm' && ALGORITHMS.includes(value)) options.algorithm = value as AlgorithmClause
    if (which === 'lock' && LOCKS.includes(value)) options.lock = value as LockClause
  }
  return options
}

/** The index kind CREATE … INDEX's modifiers give. */
function indexKind(modifiers: string[]): IndexDefinition['kind'] {
  if (modifiers.includes('unique')) return 'unique'
  if (modifiers.includes('fulltext')) return 'fulltext'
  return 'index'
}

/** After TRIGGER: [IF NOT EXISTS] name {BEFORE|AFTER} event ON table …. */
function readCreateTrigger(c: Cursor): MysqlNode {
  c.skipIfExists()
  const name = c.tableName()
  c.skipUntil(() => c.isWord('on'))
  c.expectWord('on')
  return { kind: 'create-trigger', name, table: c.tableName() }
}

/** After CREATE. */
export function readCreate(c: Cursor): MysqlNode {
  const kindAt = objectKindAt(c.tokens, c.index)
  const modifiers = c.tokens.slice(c.index, kindAt).map((token) => token.value)
  c.index = kindAt
  const temporary = c.acceptWord('temporary') !== null
  const kind = c.peek()?.kind === 'word' ? c.next().value : ''
  switch (kind) {
    case 'table':
      return readCreateTable(c, temporary)
    case 'index':
      return readCreateIndex(c, indexKind(modifiers))
    case 'spatial':
      c.expectWord('index')
      return readCreateIndex(c, 'spatial')
    case 'view':
      c.skipIfExists()
      return { kind: 'create-view', names: [c.tableName()] }
    case 'trigger':
      return readCreateTrigger(c)
    case 'procedure':
    case 'function':
      c.skipIfExists()
      return { kind: 'create-routine', name: c.tableName() }
    case 'event':
      c.skipIfExists()
      return { kind: 'create-event', name: c.tableName() }
    default:
      return { kind: 'other', verb: `create ${kind}`.trim() }
  }
}
