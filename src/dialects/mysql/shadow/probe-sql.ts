/**
 * The text of an algorithm probe (algorithm-probe.ts): a pending ALTER TABLE, CREATE INDEX or DROP INDEX rewritten,
 * through the dialect's lexer, to run on an empty copy of its table with a given ALGORITHM=. Only the table's
 * name token is replaced (a name in a string, a comment or a column is never touched), and the ALGORITHM= clause
 * is either rewritten where the statement writes `ALGORITHM=DEFAULT` or added at its end: after the last clause
 * of an ALTER TABLE (`, ALGORITHM=…`), after the index definition of CREATE/DROP INDEX (` ALGORITHM=…`).
 */
import type { Algorithm } from '../review/algorithm.js'
import type { MysqlNode } from '../review/node.js'
import { tokenize, type Token } from '../review/parse-tokens.js'

/** How a statement is probed, or why it is not. */
export type ProbePlan =
  | {
      /** The statement on the copy named `copy` with ALGORITHM=`algorithm`. */
      text: (copy: string, algorithm: Algorithm) => string
      /** The algorithms to try, weakest first: one when the statement asks for one itself. */
      candidates: Algorithm[]
    }
  | { unproved: string }

const ALGORITHM_VALUES = new Set(['default', 'instant', 'inplace', 'copy', 'nocopy'])
/** Clauses whose probe would touch more than the copy (RENAME moves it, EXCHANGE PARTITION swaps another table's rows). */
const NOT_PROBED: Partial<Record<string, string>> = {
  'rename-table': 'it renames the table, which the probe does not do to its copy',
  partition: 'a partition clause may reach another table (EXCHANGE PARTITION), so the probe leaves it out',
  unknown: 'it has a clause the review does not read, so the probe leaves it out'
}

const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``
const isWord = (token: Token | undefined, ...words: string[]): boolean => token?.kind === 'word' && words.includes(token.value)
const isSymbol = (token: Token | undefined, symbol: string): boolean => token?.kind === 'symbol' && token.value === symbol
const isName = (token: Token | undefined): boolean => token?.kind === 'word' || token?.kind === 'quoted'

/** The index of the table name's last token (the name itself, after `schema .`), starting the search at `from`. */
function nameTokenAt(tokens: Token[], from: number): number | null {
  if (!isName(tokens[from])) return null
  return isSymbol(tokens[from + 1], '.') && isName(tokens[from + 2]) ? from + 2 : from
}

/** Where the table's name stands in the tokens of ALTER TABLE / CREATE INDEX / DROP INDEX. */
function tableNameToken(tokens: Token[], kind: MysqlNode['kind']): number | null {
  if (kind === 'alter-table') {
    const table = tokens.findIndex((token) => isWord(token, 'table'))
    if (table < 0) return null
    let at = table + 1
    if (isWord(tokens[at], 'if') && isWord(tokens[at + 1], 'exists')) at += 2
    return nameTokenAt(tokens, at)
  }
  const index = tokens.findIndex((token) => isWord(token, 'index', 'key'))
  if (index < 0) return null
  const on = tokens.findIndex((token, at) => at > index && isWord(token, 'on'))
  return on < 0 ? null : nameTokenAt(tokens, on + 1)
}

/** The value token of a top-level `ALGORITHM [=] value`, or null when the statement writes none. */
function algorithmValueToken(tokens: Token[]): number | null {
  let depth = 0
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at]
    if (isSymbol(token, '(')) depth++
    else if (isSymbol(token, ')')) depth--
    else if (depth === 0 && isWord(token, 'algorithm')) {
      const value = isSymbol(tokens[at + 1], '=') ? at + 2 : at + 1
      if (isWord(tokens[value], ...ALGORITHM_VALUES)) return value
    }
  }
  return null
}

/** Replaces the text of tokens by index; the rest of the statement stays as written. */
function replaced(sql: string, replacements: Array<{ token: Token; text: string }>): string {
  let out = sql
  for (const { token, text } of [...replacements].sort((a, b) => b.token.start - a.token.start))
    out = `${out.slice(0, token.start)}${text}${out.slice(token.end)}`
  return out
}

/** How to probe `sql` (whose node is `node`), or why it cannot be. */
export function probePlan(sql: string, node: MysqlNode): ProbePlan {
  if (node.kind !== 'alter-table' && node.kind !== 'create-index' && node.kind !== 'drop-index')
    return { unproved: `${node.kind === 'rename-table' ? 'RENAME TABLE' : 'OPTIMIZE TABLE'} takes no ALGORITHM= clause to probe` }
  if (node.kind === 'alter-table') {
    const skipped = node.clauses.map((clause) => NOT_PROBED[clause.op]).find((reason) => reason !== undefined)
    if (skipped) return { unproved: `not probed: ${skipped}` }
    if (node.clauses.length === 0) return { unproved: 'not probed: the statement has no clause to run' }
  }
  const all = tokenize(sql)
  if (!all) return { unproved: 'not probed: the statement does not read as one statement' }
  // Trailing semicolons are the splitter's, not the statement's.
  let last = all.length - 1
  while (last >= 0 && isSymbol(all[last], ';')) last--
  const tokens = all.slice(0, last + 1)
  const name = tableNameToken(tokens, node.kind)
  if (name === null || tokens[name].text !== node.table.name)
    return { unproved: "not probed: the table's name was not found in the statement" }
  const valueAt = algorithmValueToken(tokens)
  const written = valueAt === null ? 'default' : tokens[valueAt].value
  if (written === 'nocopy') return { unproved: 'not probed: ALGORITHM=NOCOPY names no single algorithm to prove' }
  const candidates: Algorithm[] = written === 'default' ? ['instant', 'inplace', 'copy'] : [written as Algorithm]
  const end = tokens[tokens.length - 1].end
  // Whatever follows the last token (a comment, an executable comment's close) stays, without the semicolons.
  const tail = replaced(
    sql,
    all.slice(last + 1).map((token) => ({ token, text: ' ' }))
  )
    .slice(end)
    .replace(/\s+$/, '')
  return {
    candidates,
    text: (copy, algorithm) => {
      const upper = algorithm.toUpperCase()
      const edits = [{ token: tokens[name], text: quote(copy) }]
      if (valueAt !== null) edits.push({ token: tokens[valueAt], text: upper })
      const body = replaced(sql.slice(0, end), edits)
      if (valueAt !== null) return `${body}${tail}`
      return `${body}${node.kind === 'alter-table' ? ',' : ''} ALGORITHM=${upper}${tail}`
    }
  }
}
