/**
 * Indexes and constraints for the statement reader (parse.ts), as ALTER TABLE … ADD and CREATE TABLE write them:
 * [CONSTRAINT [symbol]] PRIMARY KEY | UNIQUE [INDEX|KEY] | FOREIGN KEY | CHECK, INDEX | KEY, FULLTEXT | SPATIAL
 * [INDEX|KEY], each with its key parts: a column (its prefix length and order dropped) or a functional key part,
 * written as its parenthesized expression (`(lower(name))` as written).
 */
import type { IndexDefinition, TableName } from './node.js'
import { skipReferenceActions } from './parse-columns.js'
import { Cursor, Unreadable } from './parse-tokens.js'

export interface ForeignKey {
  name: string | null
  columns: string[]
  references: TableName
  referencedColumns: string[]
}

export type TableConstraint =
  { kind: 'index'; index: IndexDefinition } | { kind: 'foreign-key'; foreignKey: ForeignKey } | { kind: 'check'; name: string | null }

/** One key part: a column name, or a functional part's `(expr)` as written. */
function readKeyPart(c: Cursor): string {
  let part: string
  if (c.isSymbol('(')) {
    const from = c.index
    c.skip()
    part = c.textBetween(from, c.index)
  } else {
    part = c.name()
    if (c.isSymbol('(')) c.skip()
  }
  c.acceptWord('asc', 'desc')
  return part
}

/** `(part, …)`. */
export function readKeyParts(c: Cursor): string[] {
  c.expectSymbol('(')
  const parts = [readKeyPart(c)]
  while (c.acceptSymbol(',')) parts.push(readKeyPart(c))
  c.expectSymbol(')')
  return parts
}

/** The index name, when one is written before USING or the key parts. */
function optionalIndexName(c: Cursor): string | null {
  c.skipIfExists()
  return c.atName() && !c.isWord('using') ? c.name() : null
}

/** After the index's keywords: [name] [USING type] (parts) [options]; the options end at `,`, `)`, ALGORITHM / LOCK, PARTITION or the end. */
export function readIndexBody(c: Cursor, kind: IndexDefinition['kind'], constraintName: string | null): IndexDefinition {
  const name = optionalIndexName(c) ?? constraintName
  if (c.acceptWord('using')) c.next()
  const columns = readKeyParts(c)
  c.skipUntil(() => c.atListEnd() || c.isWord('algorithm', 'lock', 'partition'))
  return { name, kind, columns }
}

function readForeignKey(c: Cursor, name: string | null): ForeignKey {
  optionalIndexName(c)
  const columns = readKeyParts(c)
  c.expectWord('references')
  const references = c.tableName()
  const referencedColumns = c.isSymbol('(') ? readKeyParts(c) : []
  skipReferenceActions(c)
  return { name, columns, references, referencedColumns }
}

function readCheck(c: Cursor, name: string | null): TableConstraint {
  if (!c.isSymbol('(')) throw new Unreadable('expected ( after CHECK')
  c.skip()
  if (!c.acceptWord('enforced')) c.acceptWords('not', 'enforced')
  return { kind: 'check', name }
}

/** What may follow CONSTRAINT [symbol]. */
function readConstrained(c: Cursor, name: string | null): TableConstraint | null {
  if (c.acceptWords('primary', 'key')) return { kind: 'index', index: readIndexBody(c, 'primary', name) }
  if (c.acceptWord('unique')) {
    c.acceptWord('index', 'key')
    return { kind: 'index', index: readIndexBody(c, 'unique', name) }
  }
  if (c.acceptWords('foreign', 'key')) return { kind: 'foreign-key', foreignKey: readForeignKey(c, name) }
  if (c.acceptWord('check')) return readCheck(c, name)
  return null
}

/** An index or constraint definition, or null (nothing read) when the next tokens start none: a column definition. */
export function readTableConstraint(c: Cursor): TableConstraint | null {
  if (c.acceptWord('constraint')) {
    const symbol = c.atName() && !c.isWord('primary', 'unique', 'foreign', 'check') ? c.name() : null
    const constraint = readConstrained(c, symbol)
    if (!constraint) throw new Unreadable('expected PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK after CONSTRAINT')
    return constraint
  }
  const constrained = readConstrained(c, null)
  if (constrained) return constrained
  if (c.acceptWord('index', 'key')) return { kind: 'index', index: readIndexBody(c, 'index', null) }
  const special = c.acceptWord('fulltext', 'spatial')
  if (!special) return null
  c.acceptWord('index', 'key')
  return { kind: 'index', index: readIndexBody(c, special as 'fulltext' | 'spatial', null) }
}
