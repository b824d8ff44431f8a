/**
 * A small lexer for looking at the words of one statement (already cut out by split.ts): comments are
 * dropped, and string literals, quoted identifiers and dollar-quoted bodies are single tokens, so a
 * keyword inside a string or a comment is never taken for one. Follows the same rules as split.ts,
 * without its error reporting (the statement was already split, so it is well formed).
 */

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

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

function isIdentStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80
}

function isIdentCont(c: number): boolean {
  return isIdentStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x24
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** PostgreSQL folds unquoted identifiers to lower case: ASCII letters only (in a UTF-8 database). */
export function foldIdentifier(word: string): string {
  return word.replace(/[A-Z]+/g, (upper) => upper.toLowerCase())
}

/** The tokens of `sql`, at most `limit` of them. */
export function tokenize(sql: string, limit = Infinity): Token[] {
  const tokens: Token[] = []
  const n = sql.length
  let i = 0
  while (i < n && tokens.length < limit) {
    const c = sql.charCodeAt(i)
    const next = sql.charCodeAt(i + 1)
    if (isSpace(c)) {
      i++
    } else if (c === 0x2d && next === 0x2d) {
      while (i < n && sql.charCodeAt(i) !== 0x0a && sql.charCodeAt(i) !== 0x0d) i++
    } else if (c === 0x2f && next === 0x2a) {
      let depth = 1
      i += 2
      while (i < n && depth > 0) {
        if (sql.charCodeAt(i) === 0x2a && sql.charCodeAt(i + 1) === 0x2f) {
          depth--
          i += 2
        } else if (sql.charCodeAt(i) === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
          depth++
          i += 2
        } else i++
      }
    } else if (c === 0x27) {
      i = tokenEnd(sql, i, quoted(sql, i + 1, "'"), 'string', tokens)
    } else if ((c | 0x20) === 0x65 && next === 0x27) {
      i = tokenEnd(sql, i, escapeString(sql, i + 2), 'string', tokens)
    } else if (((c | 0x20) === 0x62 || (c | 0x20) === 0x78 || (c | 0x20) === 0x6e) && next === 0x27) {
      i = tokenEnd(sql, i, quoted(sql, i + 2, "'"), 'string', tokens)
    } else if ((c | 0x20) === 0x75 && next === 0x26 && sql.charCodeAt(i + 2) === 0x27) {
      i = tokenEnd(sql, i, quoted(sql, i + 3, "'"), 'string', tokens)
    } else if ((c | 0x20) === 0x75 && next === 0x26 && sql.charCodeAt(i + 2) === 0x22) {
      const end = quoted(sql, i + 3, '"')
      tokens.push({ kind: 'quoted', value: null })
      i = end
    } else if (c === 0x22) {
      const end = quoted(sql, i + 1, '"')
      tokens.push({ kind: 'quoted', value: sql.slice(i + 1, end - 1).replace(/""/g, '"') })
      i = end
    } else if (c === 0x24 && !isDigit(next)) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 100))
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length)
        const end = close < 0 ? n : close + tag[0].length
        tokens.push({ kind: 'string', value: sql.slice(i, end) })
        i = end
      } else {
        tokens.push({ kind: 'symbol', value: '$' })
        i++
      }
    } else if (c === 0x24 || isDigit(c)) {
      let j = i + 1
      while (j < n && (isIdentCont(sql.charCodeAt(j)) || sql.charCodeAt(j) === 0x2e)) j++
      tokens.push({ kind: 'number', value: sql.slice(i, j) })
      i = j
    } else if (isIdentStart(c)) {
      let j = i + 1
      while (j < n && isIdentCont(sql.charCodeAt(j))) j++
      tokens.push({ kind: 'word', value: foldIdentifier(sql.slice(i, j)) })
      i = j
    } else {
      tokens.push({ kind: 'symbol', value: sql[i] })
      i++
    }
  }
  return tokens
}

function tokenEnd(sql: string, start: number, end: number, kind: TokenKind, tokens: Token[]): number {
  tokens.push({ kind, value: sql.slice(start, end) })
  return end
}

/** Index just past the closing quote of a string or identifier whose doubled quote stands for itself. */
function quoted(sql: string, from: number, quote: string): number {
  let i = from
  for (;;) {
    i = sql.indexOf(quote, i)
    if (i < 0) return sql.length
    if (sql[i + 1] === quote) i += 2
    else return i + 1
  }
}

/** `E'…'`: backslash escapes; a string continued on a later line is read as a second string. */
function escapeString(sql: string, from: number): number {
  let i = from
  while (i < sql.length) {
    const c = sql.charCodeAt(i)
    if (c === 0x5c) i += 2
    else if (c === 0x27) {
      if (sql.charCodeAt(i + 1) === 0x27) i += 2
      else return i + 1
    } else i++
  }
  return sql.length
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
