/**
 * The tokens the review's statement reader (parse.ts) reads, and the cursor it reads them with. Tokens come from
 * the dialect's lexer (lexer.ts): spaces, comments and optimizer hints are left out, and so are an executable
 * comment's markers, so that `/*!50100 … *\/` reads as the code it holds. Each token keeps where it stands in
 * the text, so a clause can be quoted as written.
 */
import { Scanner, type LexemeKind } from '../lexer.js'
import type { TableName } from './node.js'

export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'symbol'
  /** word: lower case; quoted: the name without its backticks, doubled backticks undone; string, symbol: as written. */
  value: string
  /** As written; for a quoted name, the name (as value). */
  text: string
  start: number
  end: number
}

/** Why a reader gives up on what it reads: the caller turns it into an unknown clause or no node. */
export class Unreadable extends Error {}

function toToken(kind: LexemeKind, sql: string, start: number, end: number): Token | null {
  const text = sql.slice(start, end)
  switch (kind) {
    case 'word':
      return { kind, value: text.toLowerCase(), text, start, end }
    case 'quoted': {
      const name = text.slice(1, -1).split('``').join('`')
      return { kind, value: name, text: name, start, end }
    }
    case 'string':
    case 'symbol':
      return { kind, value: text, text, start, end }
    default:
      return null
  }
}

/** The tokens of `sql`, or null when a string, a quoted name or a comment is not closed. */
export function tokenize(sql: string): Token[] | null {
  const scanner = new Scanner(sql)
  const tokens: Token[] = []
  for (let i = 0; i < sql.length; i = scanner.end) {
    scanner.scan(i)
    if (!scanner.terminated) return null
    const token = toToken(scanner.kind, sql, i, scanner.end)
    if (token) tokens.push(token)
  }
  return tokens
}

/** Reads a token list front to back. The `accept…` methods move on only on a match; `expect…` throw Unreadable. */
export class Cursor {
  index = 0

  constructor(
    readonly sql: string,
    readonly tokens: Token[]
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset]
  }

  get done(): boolean {
    return this.index >= this.tokens.length
  }

  next(): Token {
    const token = this.tokens[this.index]
    if (!token) throw new Unreadable('the statement ends early')
    this.index++
    return token
  }

  isWord(...words: string[]): boolean {
    return this.isWordAt(0, ...words)
  }

  isWordAt(offset: number, ...words: string[]): boolean {
    const token = this.peek(offset)
    return token?.kind === 'word' && words.includes(token.value)
  }

  isSymbol(symbol: string, offset = 0): boolean {
    const token = this.peek(offset)
    return token?.kind === 'symbol' && token.value === symbol
  }

  /** The word read when the next token is one of `words`, else null. */
  acceptWord(...words: string[]): string | null {
    if (!this.isWord(...words)) return null
    return this.next().value
  }

  /** Reads `words` when the next tokens are exactly they, in order. */
  acceptWords(...words: string[]): boolean {
    if (!words.every((word, i) => this.isWordAt(i, word))) return false
    this.index += words.length
    return true
  }

  acceptSymbol(symbol: string): boolean {
    if (!this.isSymbol(symbol)) return false
    this.index++
    return true
  }

  expectWord(...words: string[]): string {
    const word = this.acceptWord(...words)
    if (word === null) throw new Unreadable(`expected ${words.join(' or ')}`)
    return word
  }

  expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) throw new Unreadable(`expected ${symbol}`)
  }

  /** Whether the next token can be a name (a bare word or a backtick-quoted name). */
  atName(offset = 0): boolean {
    const kind = this.peek(offset)?.kind
    return kind === 'word' || kind === 'quoted'
  }

  /** A name as written (a bare word keeps its case). */
  name(): string {
    if (!this.atName()) throw new Unreadable('expected a name')
    return this.next().text
  }

  /** `name` or `schema.name`. */
  tableName(): TableName {
    const first = this.name()
    if (!this.isSymbol('.') || !this.atName(1)) return { schema: null, name: first }
    this.index++
    return { schema: first, name: this.name() }
  }

  /** An option's value: a word (lower-cased), a quoted name or a string without its quotes. */
  optionValue(): string {
    const token = this.next()
    if (token.kind === 'word') return token.value
    if (token.kind === 'quoted') return token.text
    if (token.kind === 'string') return token.text.slice(1, -1)
    throw new Unreadable('expected a value')
  }

  /** Skips IF EXISTS / IF NOT EXISTS. */
  skipIfExists(): void {
    if (!this.acceptWords('if', 'not', 'exists')) this.acceptWords('if', 'exists')
  }

  /** Skips one token, or a parenthesized group whole (to the end when it is not closed). */
  skip(): void {
    if (!this.acceptSymbol('(')) {
      this.next()
      return
    }
    let depth = 1
    while (depth > 0 && !this.done) {
      const token = this.next()
      if (token.kind !== 'symbol') continue
      if (token.value === '(') depth++
      else if (token.value === ')') depth--
    }
  }

  /** Skips tokens and whole parenthesized groups until `stop` holds at the top level, or the end. */
  skipUntil(stop: () => boolean): void {
    while (!this.done && !stop()) this.skip()
  }

  /** The next token is a `,` or `)` at the level being read, or there is none. */
  atListEnd(): boolean {
    return this.done || this.isSymbol(',') || this.isSymbol(')')
  }

  /** The source text from token `from` to the token before `to`. */
  textBetween(from: number, to: number): string {
    if (to <= from) return ''
    return this.sql.slice(this.tokens[from].start, this.tokens[to - 1].end)
  }
}
