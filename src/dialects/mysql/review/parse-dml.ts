/**
 * UPDATE, DELETE, INSERT and REPLACE for the statement reader (parse.ts): the tables a statement writes, and
 * whether a top-level WHERE or LIMIT bounds an UPDATE or DELETE (one inside a subquery does not). A multi-table
 * DELETE names its targets by table or by alias; an alias is read back to its table. Derived tables are not
 * written, and are left out.
 */
import type { MysqlNode, TableName } from './node.js'
import { Cursor } from './parse-tokens.js'

interface TableReferences {
  tables: TableName[]
  /** Alias (lower-cased) to table. */
  aliases: Map<string, TableName>
}

/** Words after a table factor that are not its alias. */
const NOT_ALIAS = new Set([
  'set',
  'where',
  'on',
  'using',
  'join',
  'straight_join',
  'inner',
  'cross',
  'left',
  'right',
  'natural',
  'outer',
  'partition',
  'use',
  'ignore',
  'force',
  'order',
  'limit',
  'from',
  'returning',
  'lateral'
])

/** A table factor: `name [PARTITION (…)] [[AS] alias]`; a derived table or parenthesized join is skipped. */
function readTableFactor(c: Cursor, into: TableReferences): void {
  c.acceptWord('lateral')
  if (!c.atName()) return c.skip()
  const table = c.tableName()
  into.tables.push(table)
  if (c.acceptWord('partition')) c.skip()
  const alias = c.acceptWord('as') ? c.name() : c.atName() && !c.isWord(...NOT_ALIAS) ? c.name() : null
  if (alias !== null) into.aliases.set(alias.toLowerCase(), table)
}

/** `factor [, factor | … JOIN factor ON …] …` until `stop` holds at the top level. */
function readTableReferences(c: Cursor, stop: () => boolean): TableReferences {
  const references: TableReferences = { tables: [], aliases: new Map() }
  if (c.done || stop()) return references
  readTableFactor(c, references)
  while (!c.done && !stop()) {
    if (c.acceptSymbol(',') || c.acceptWord('join', 'straight_join')) readTableFactor(c, references)
    else c.skip()
  }
  return references
}

/** The words at the top level from the cursor to the end (a parenthesized group's are not). */
function topLevelWords(c: Cursor): Set<string> {
  const words = new Set<string>()
  while (!c.done) {
    const token = c.peek()!
    if (token.kind === 'word') words.add(token.value)
    c.skip()
  }
  return words
}

function bounded(c: Cursor, kind: 'update' | 'delete', tables: TableName[]): MysqlNode {
  const words = topLevelWords(c)
  return { kind, tables, where: words.has('where'), limit: words.has('limit') }
}

/** After UPDATE: [LOW_PRIORITY] [IGNORE] references SET …. */
export function readUpdate(c: Cursor): MysqlNode {
  while (c.acceptWord('low_priority', 'ignore'));
  const references = readTableReferences(c, () => c.isWord('set'))
  return bounded(c, 'update', references.tables)
}

/** The targets of a multi-table DELETE, each read back through the aliases of its table references. */
function resolveTargets(targets: TableName[], aliases: Map<string, TableName>): TableName[] {
  return targets.map((target) => (target.schema === null ? aliases.get(target.name.toLowerCase()) : undefined) ?? target)
}

/** After DELETE: the single-table form, `t1, t2 FROM refs`, or `FROM t1, t2 USING refs`. */
export function readDelete(c: Cursor): MysqlNode {
  while (c.acceptWord('low_priority', 'quick', 'ignore'));
  const endOfReferences = () => c.isWord('where', 'order', 'limit', 'returning')
  if (c.acceptWord('from')) {
    const targets = readTableReferences(c, () => endOfReferences() || c.isWord('using'))
    if (!c.acceptWord('using')) return bounded(c, 'delete', targets.tables)
    const references = readTableReferences(c, endOfReferences)
    return bounded(c, 'delete', resolveTargets(targets.tables, references.aliases))
  }
  const targets = readTableReferences(c, () => c.isWord('from'))
  c.expectWord('from')
  const references = readTableReferences(c, endOfReferences)
  return bounded(c, 'delete', resolveTargets(targets.tables, references.aliases))
}

/** After INSERT / REPLACE: the table, and whether its rows come from a query (SELECT, TABLE, WITH, `(SELECT …)`). */
export function readInsert(c: Cursor, kind: 'insert' | 'replace'): MysqlNode {
  while (c.acceptWord('low_priority', 'delayed', 'high_priority', 'ignore'));
  c.acceptWord('into')
  const table = c.tableName()
  if (c.acceptWord('partition')) c.skip()
  const query = () => c.isWord('select', 'with', 'table') || (c.isSymbol('(') && c.isWordAt(1, 'select', 'with'))
  if (c.isSymbol('(') && !query()) c.skip()
  return { kind, table, select: query() }
}
