/**
 * DROP, RENAME TABLE, TRUNCATE and SET for the statement reader (parse.ts). SET gives the variables it sets,
 * lower-cased, without `@@`, `GLOBAL` / `SESSION` / `LOCAL` / `PERSIST` or a `@@scope.` prefix; a user variable
 * keeps its `@` (`@x`); SET NAMES and SET CHARACTER SET give `names` and `character set`. The SET forms that
 * assign no variable (TRANSACTION, PASSWORD, ROLE, DEFAULT ROLE, STATEMENT … FOR, RESOURCE GROUP) are `other`.
 */
import { objectKindAt } from '../implicit-commit.js'
import type { MysqlNode, TableName } from './node.js'
import { readAlgorithmAndLock } from './parse-create.js'
import { Cursor } from './parse-tokens.js'

/** `a, b, …` (each maybe schema-qualified). */
function tableList(c: Cursor): TableName[] {
  const tables = [c.tableName()]
  while (c.acceptSymbol(',')) tables.push(c.tableName())
  return tables
}

/** After DROP. */
export function readDrop(c: Cursor): MysqlNode {
  c.index = objectKindAt(c.tokens, c.index)
  const temporary = c.acceptWord('temporary') !== null
  const kind = c.peek()?.kind === 'word' ? c.next().value : ''
  const ifExists = c.acceptWords('if', 'exists')
  switch (kind) {
    case 'table':
    case 'tables':
      return { kind: 'drop-table', tables: tableList(c), ifExists, temporary }
    case 'index': {
      const name = c.name()
      c.expectWord('on')
      const table = c.tableName()
      return { kind: 'drop-index', table, name, ...readAlgorithmAndLock(c) }
    }
    case 'view':
      return { kind: 'drop-view', names: tableList(c) }
    case 'trigger':
      return { kind: 'drop-trigger', name: c.tableName(), table: null }
    case 'procedure':
    case 'function':
      return { kind: 'drop-routine', name: c.tableName() }
    case 'event':
      return { kind: 'drop-event', name: c.tableName() }
    default:
      return { kind: 'other', verb: `drop ${kind}`.trim() }
  }
}

/** After RENAME: TABLE[S] [IF EXISTS] a [WAIT n | NOWAIT] TO b, c TO d …; RENAME USER is `other`. */
export function readRename(c: Cursor): MysqlNode {
  if (!c.acceptWord('table', 'tables')) return { kind: 'other', verb: `rename ${c.peek()?.kind === 'word' ? c.peek()!.value : ''}`.trim() }
  c.acceptWords('if', 'exists')
  const renames: Array<{ from: TableName; to: TableName }> = []
  do {
    const from = c.tableName()
    if (c.acceptWord('wait')) c.next()
    c.acceptWord('nowait')
    c.expectWord('to')
    renames.push({ from, to: c.tableName() })
  } while (c.acceptSymbol(','))
  return { kind: 'rename-table', renames }
}

/** After TRUNCATE: [TABLE] t. */
export function readTruncate(c: Cursor): MysqlNode {
  c.acceptWord('table')
  return { kind: 'truncate', table: c.tableName() }
}

const SCOPES = ['global', 'session', 'local', 'persist', 'persist_only']

/** A dotted name: `sql_mode`, `hot_cache.key_buffer_size`. */
function dottedName(c: Cursor): string {
  let name = c.name()
  while (c.isSymbol('.') && c.atName(1)) {
    c.next()
    name += `.${c.name()}`
  }
  return name.toLowerCase()
}

/** The variable one assignment of SET sets. */
function assignedVariable(c: Cursor): string {
  c.acceptWord(...SCOPES)
  if (c.isSymbol('@') && c.isSymbol('@', 1)) {
    c.index += 2
    if (c.isWord(...SCOPES) && c.isSymbol('.', 1)) c.index += 2
    return dottedName(c)
  }
  if (c.acceptSymbol('@')) return `@${c.optionValue().toLowerCase()}`
  const assigns = () => c.isSymbol('=', 1) || (c.isSymbol(':', 1) && c.isSymbol('=', 2))
  if (c.isWord('names') && !assigns()) return 'names'
  if (c.isWord('charset') && !assigns()) return 'character set'
  if (c.isWord('character') && c.isWordAt(1, 'set')) return 'character set'
  return dottedName(c)
}

/** After SET. */
export function readSet(c: Cursor): MysqlNode {
  const scoped = c.isWord(...SCOPES) ? 1 : 0
  if (c.isWordAt(scoped, 'transaction')) return { kind: 'other', verb: 'set transaction' }
  if (c.isWord('password', 'role', 'statement') || (c.isWord('resource') && c.isWordAt(1, 'group'))) {
    return { kind: 'other', verb: `set ${c.peek()!.value}` }
  }
  if (c.isWord('default') && c.isWordAt(1, 'role')) return { kind: 'other', verb: 'set default role' }
  const variables: string[] = []
  do {
    variables.push(assignedVariable(c))
    c.skipUntil(() => c.isSymbol(','))
  } while (c.acceptSymbol(','))
  return { kind: 'set', variables }
}
