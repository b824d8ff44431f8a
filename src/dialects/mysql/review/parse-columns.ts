/**
 * Column definitions for the statement reader (parse.ts): the name, the data type as written (lower-cased,
 * `decimal(10,2)`, `int unsigned`, `enum('a','b')`) and the attributes the review judges by; any attribute it
 * does not know is skipped whole (a parenthesized group at once), so a definition always ends at the `,` or
 * `)` that closes it, or at FIRST / AFTER.
 */
import type { ColumnDefinition } from './node.js'
import { Cursor, Unreadable } from './parse-tokens.js'

/** Words that may follow a type's first word and belong to its name: `double precision`, `national varchar`. */
const TYPE_NAME_WORDS: Record<string, string[]> = {
  double: ['precision'],
  national: ['char', 'character', 'varchar', 'nchar', 'varying'],
  nchar: ['varchar', 'varying'],
  char: ['varying'],
  character: ['varying'],
  long: ['varchar', 'varbinary', 'byte']
}

const TYPE_MODIFIERS = ['unsigned', 'signed', 'zerofill']

/** A parenthesized type argument list as written, without spaces and with words lower-cased: `(10,2)`, `('a','B')`. */
function typeArguments(c: Cursor): string {
  const from = c.index
  c.skip()
  return c.tokens
    .slice(from, c.index)
    .map((token) => (token.kind === 'word' ? token.value : token.text))
    .join('')
}

/** The data type: its name words, its arguments, and UNSIGNED / SIGNED / ZEROFILL. */
export function readDataType(c: Cursor): string {
  const first = c.next()
  if (first.kind !== 'word') throw new Unreadable('expected a data type')
  let type = first.value
  let follows = TYPE_NAME_WORDS[first.value] ?? []
  while (c.isWord(...follows)) {
    const word = c.next().value
    type += ` ${word}`
    follows = TYPE_NAME_WORDS[word] ?? follows.filter((w) => w === 'varying')
  }
  if (c.isSymbol('(')) type += typeArguments(c)
  for (let modifier = c.acceptWord(...TYPE_MODIFIERS); modifier; modifier = c.acceptWord(...TYPE_MODIFIERS)) type += ` ${modifier}`
  return type
}

/** A literal default or ON UPDATE value: `-1.5`, `'x'`, `b'0'`, `_utf8mb4'x'`, `NULL`, `CURRENT_TIMESTAMP(6)`, `NOW()`, `(expr)`. */
export function skipValue(c: Cursor): void {
  if (c.isSymbol('(')) return c.skip()
  while (c.isSymbol('-') || c.isSymbol('+')) c.next()
  const token = c.next()
  if (token.kind === 'word' && c.isSymbol('(')) return c.skip()
  if (token.kind === 'word' && c.peek()?.kind === 'string') c.next()
  if (token.kind === 'word' && c.isSymbol('.') && c.peek(1)?.kind === 'word') c.index += 2
  while (token.kind === 'string' && c.peek()?.kind === 'string') c.next()
}

/** REFERENCES t (cols) [MATCH …] [ON DELETE …] [ON UPDATE …], after REFERENCES. */
export function skipReferenceActions(c: Cursor): void {
  for (;;) {
    if (c.acceptWord('match')) c.next()
    else if (c.acceptWords('on', 'delete') || c.acceptWords('on', 'update')) {
      if (!c.acceptWords('set', 'null') && !c.acceptWords('set', 'default') && !c.acceptWords('no', 'action')) c.next()
    } else return
  }
}

/** One column attribute into `column`; false when the next token starts none this reader knows. */
function readAttribute(c: Cursor, column: ColumnDefinition): boolean {
  const word = c.peek()?.kind === 'word' ? c.peek()!.value : null
  switch (word) {
    case 'not':
      if (!c.isWordAt(1, 'null')) return false
      c.index += 2
      column.notNull = true
      return true
    case 'null':
      c.next()
      column.notNull = false
      return true
    case 'default':
      c.next()
      skipValue(c)
      column.hasDefault = true
      return true
    case 'auto_increment':
      c.next()
      column.autoIncrement = true
      return true
    case 'on':
      if (!c.isWordAt(1, 'update')) return false
      c.index += 2
      skipValue(c)
      return true
    case 'collate':
      c.next()
      c.acceptSymbol('=')
      column.collation = c.optionValue().toLowerCase()
      return true
    case 'character':
    case 'charset':
      if (word === 'character' && !c.isWordAt(1, 'set')) return false
      c.index += word === 'character' ? 2 : 1
      c.acceptSymbol('=')
      column.charset = c.optionValue().toLowerCase()
      return true
    case 'generated':
    case 'as':
      readGenerated(c, column)
      return true
    case 'primary':
    case 'key':
      c.acceptWord('primary')
      c.expectWord('key')
      column.primaryKey = true
      return true
    case 'unique':
      c.next()
      c.acceptWord('key')
      column.unique = true
      return true
    case 'constraint':
    case 'check':
      if (c.acceptWord('constraint') && !c.isWord('check')) c.name()
      c.expectWord('check')
      c.skip()
      if (!c.acceptWord('enforced')) c.acceptWords('not', 'enforced')
      return true
    case 'references':
      c.next()
      c.tableName()
      if (c.isSymbol('(')) c.skip()
      skipReferenceActions(c)
      return true
    default:
      return false
  }
}

/** GENERATED ALWAYS AS (expr) / AS (expr), then VIRTUAL, STORED or PERSISTENT (MariaDB's STORED). */
function readGenerated(c: Cursor, column: ColumnDefinition): void {
  if (c.acceptWord('generated')) c.expectWord('always')
  c.expectWord('as')
  if (!c.isSymbol('(')) throw new Unreadable('expected ( after AS')
  c.skip()
  const storage = c.acceptWord('virtual', 'stored', 'persistent')
  column.generated = storage === 'stored' || storage === 'persistent' ? 'stored' : 'virtual'
}

/** Where a definition ends: a `,` or `)` of the level being read, FIRST / AFTER, partitioning (last in ALTER TABLE), or the end. */
function atDefinitionEnd(c: Cursor): boolean {
  return c.atListEnd() || c.isWord('first', 'after', 'partition')
}

/** `name type attributes…`, up to a `,`, a `)`, FIRST / AFTER, or the end. */
export function readColumnDefinition(c: Cursor, name = c.name()): ColumnDefinition {
  const column: ColumnDefinition = {
    name,
    type: readDataType(c),
    notNull: null,
    hasDefault: false,
    autoIncrement: false,
    generated: null,
    charset: null,
    collation: null,
    primaryKey: false,
    unique: false
  }
  while (!atDefinitionEnd(c)) {
    if (!readAttribute(c, column)) c.skip()
  }
  return column
}

/** FIRST, AFTER name, or nothing (`last`: the column goes, or stays, where it is). */
export function readPosition(c: Cursor): 'last' | 'first' | 'after' {
  if (c.acceptWord('first')) return 'first'
  if (!c.acceptWord('after')) return 'last'
  c.name()
  return 'after'
}
