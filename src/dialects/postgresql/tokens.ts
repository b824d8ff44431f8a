/**
 * The words of one statement (already cut out by split.ts), read through lexer.ts: comments are
 * dropped, and string literals, quoted identifiers and dollar-quoted bodies are single tokens, so a
 * keyword inside a string or a comment is never taken for one. Without error reporting: the statement
 * was already split, so it is well formed (an unterminated lexeme runs to the end).
 */
import { Scanner, isIdentCont } from './lexer.js'

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'symbol'

export interface Token {
  kind: TokenKind
  /**
   * word: lower-cased (ASCII only, as PostgreSQL folds identifiers); quoted: the identifier with `""`
   * unescaped (null when it cannot be read back, a `U&"…"` identifier); string and number: the source
   * text; symbol: the character.
   */
  value: string | null
}

/** PostgreSQL folds unquoted identifiers to lower case: ASCII letters only (in a UTF-8 database). */
export function foldIdentifier(word: string): string {
  return word.replace(/[A-Z]+/g, (upper) => upper.toLowerCase())
}

/** The tokens of `sql`, at most `limit` of them. An `E'…'` string continued on a later line is read as a second string. */
export function tokenize(sql: string, limit = Infinity): Token[] {
  const tokens: Token[] = []
  const scanner = new Scanner(sql, false)
  const n = sql.length
  let i = 0
  while (i < n && tokens.length < limit) {
    scanner.scan(i)
    const { kind, end } = scanner
    switch (kind) {
      case 'space':
      case 'line-comment':
      case 'block-comment':
        break
      case 'string':
      case 'escape-string':
      case 'dollar-string':
        tokens.push({ kind: 'string', value: sql.slice(i, end) })
        break
      case 'quoted':
        tokens.push({ kind: 'quoted', value: sql.slice(i + 1, end - 1).replace(/""/g, '"') })
        break
      case 'unicode-quoted':
        tokens.push({ kind: 'quoted', value: null })
        break
      case 'word':
        tokens.push({ kind: 'word', value: foldIdentifier(sql.slice(i, end)) })
        break
      case 'parameter':
      case 'number': {
        // A number runs on through identifier characters and dots: `1.5`, `$1`, `1e10`.
        let j = i + 1
        while (j < n && (isIdentCont(sql.charCodeAt(j)) || sql.charCodeAt(j) === 0x2e)) j++
        tokens.push({ kind: 'number', value: sql.slice(i, j) })
        i = j
        continue
      }
      default:
        tokens.push({ kind: 'symbol', value: sql[i] })
    }
    i = end
  }
  return tokens
}

/** Whether `token` is the word `word` (lower case). */
export function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === 'word' && token.value === word
}

/** An identifier's name as PostgreSQL stores it, or null when the token is not a readable identifier. */
export function identifierName(token: Token | undefined): string | null {
  if (!token) return null
  if (token.kind === 'word' || token.kind === 'quoted') return token.value
  return null
}

/** A dotted name (`name`, `schema.name`, `catalog.schema.name`) starting at tokens[i]: its parts, and the index after it. */
export function dottedNameAt(tokens: Token[], i: number): { parts: string[]; next: number } | null {
  const parts: string[] = []
  for (;;) {
    const part = identifierName(tokens[i])
    if (part === null) return null
    parts.push(part)
    const dot = tokens[i + 1]
    if (!(dot?.kind === 'symbol' && dot.value === '.')) break
    i += 2
  }
  return { parts, next: i + 1 }
}
