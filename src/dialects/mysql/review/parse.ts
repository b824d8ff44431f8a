/**
 * MySQL's statement reader for the review: one statement's text (as the splitter cuts it) to the node of
 * node.ts. It reads clauses, not a full grammar: the statement's kind, the tables it names, and for ALTER TABLE
 * each clause with what the online DDL table judges; expressions, queries and bodies are skipped whole. It is
 * built on the dialect's lexer (parse-tokens.ts), so comments never count and executable comments
 * (`/*!50100 … *\/`, `/*M!… *\/`) read as code, whatever version they name.
 *
 * A statement whose kind it does not read is `{ kind: 'other', verb }` (`grant`, `create user`, `alter view`);
 * an ALTER TABLE clause it does not read is `{ op: 'unknown' }` and the clauses around it are still read.
 * parseMysqlStatement gives null when the text is no statement it can read at all: nothing but comments, an
 * unclosed string or comment, more than one statement, or a statement of a kind it reads whose shape it cannot
 * follow (ALTER TABLE without a table). It never throws.
 */
import { objectKindAt } from '../implicit-commit.js'
import type { MysqlNode } from './node.js'
import { readAlterTable } from './parse-alter.js'
import { readCreate } from './parse-create.js'
import { readDelete, readInsert, readUpdate } from './parse-dml.js'
import { readDrop, readRename, readSet, readTruncate } from './parse-statements.js'
import { Cursor, tokenize, Unreadable, type Token } from './parse-tokens.js'

/** Kinds whose text may hold `;` (a stored program's body), or that this reader does not look into. */
const MAY_HOLD_SEMICOLONS = new Set<MysqlNode['kind']>(['create-trigger', 'create-routine', 'create-event', 'other'])

/** After ALTER: ALTER TABLE, or `other` with the object's kind (`alter view`, `alter database`). */
function readAlter(c: Cursor): MysqlNode {
  const kindAt = objectKindAt(c.tokens, c.index)
  if (c.tokens[kindAt]?.kind === 'word' && c.tokens[kindAt].value === 'table') return readAlterTable(c)
  return { kind: 'other', verb: `alter ${c.tokens[kindAt]?.kind === 'word' ? c.tokens[kindAt].value : ''}`.trim() }
}

/** WITH [RECURSIVE] name [(columns)] AS (query), … before the statement they belong to. */
function skipCommonTableExpressions(c: Cursor): void {
  c.acceptWord('recursive')
  do {
    c.name()
    if (c.isSymbol('(')) c.skip()
    c.expectWord('as')
    c.skip()
  } while (c.acceptSymbol(','))
}

function readStatement(c: Cursor): MysqlNode {
  if (c.isSymbol('(')) return { kind: 'other', verb: 'select' }
  const verb = c.next()
  if (verb.kind !== 'word') throw new Unreadable('a statement starts with a word')
  switch (verb.value) {
    case 'alter':
      return readAlter(c)
    case 'create':
      return readCreate(c)
    case 'drop':
      return readDrop(c)
    case 'rename':
      return readRename(c)
    case 'truncate':
      return readTruncate(c)
    case 'update':
      return readUpdate(c)
    case 'delete':
      return readDelete(c)
    case 'insert':
    case 'replace':
      return readInsert(c, verb.value)
    case 'set':
      return readSet(c)
    case 'with':
      skipCommonTableExpressions(c)
      return readStatement(c)
    default:
      return { kind: 'other', verb: verb.value }
  }
}

const isSemicolon = (token: Token) => token.kind === 'symbol' && token.value === ';'

/** The node of one statement, or null when the text is no statement this reader can read (see above). */
export function parseMysqlStatement(sql: string): MysqlNode | null {
  const tokens = tokenize(sql)
  if (!tokens) return null
  while (tokens.length > 0 && isSemicolon(tokens[tokens.length - 1])) tokens.pop()
  if (tokens.length === 0) return null
  try {
    const node = readStatement(new Cursor(sql, tokens))
    if (!MAY_HOLD_SEMICOLONS.has(node.kind) && tokens.some(isSemicolon)) return null
    return node
  } catch (error) {
    if (error instanceof Unreadable) return null
    throw error
  }
}
