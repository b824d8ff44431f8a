/**
 * The leading tokens of a MySQL statement for the engine's questions (does it commit on its own, which
 * objects does it name): read through lexer.ts, so comments and hints are skipped and an executable
 * comment's content (`/*! … *\/`, `/*M! … *\/`) counts as code.
 */
import { Scanner } from './lexer.js'

export interface Word {
  kind: 'word' | 'quoted' | 'string' | 'symbol'
  /** word: lower case; quoted: the identifier without its backticks; string/symbol: the source text. */
  value: string
  /** word: as written; otherwise as value. */
  text: string
}

/** The first `limit` tokens of `sql`. */
export function statementWords(sql: string, limit = 64): Word[] {
  const scanner = new Scanner(sql)
  const tokens: Word[] = []
  let i = 0
  while (i < sql.length && tokens.length < limit) {
    scanner.scan(i)
    const { kind, end } = scanner
    const text = sql.slice(i, end)
    if (kind === 'word') tokens.push({ kind: 'word', value: text.toLowerCase(), text })
    else if (kind === 'quoted') {
      const quote = text[0]
      const inner = (scanner.terminated ? text.slice(1, -1) : text.slice(1)).split(quote + quote).join(quote)
      tokens.push({ kind: 'quoted', value: inner, text: inner })
    } else if (kind === 'string' || kind === 'symbol') tokens.push({ kind, value: text, text })
    i = end
  }
  return tokens
}

export function isWord(token: Word | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.includes(token.value)
}

export function isSymbol(token: Word | undefined, symbol: string): boolean {
  return token?.kind === 'symbol' && token.value === symbol
}

/** An identifier at tokens[i] (a bare word as written, or a backtick-quoted name), or null. */
export function identifierAt(tokens: Word[], i: number): string | null {
  const token = tokens[i]
  return token && (token.kind === 'quoted' || token.kind === 'word') ? token.text : null
}
