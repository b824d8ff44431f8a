/**
 * MySQL's (and MariaDB's) lexical rules, in one scanner: where each lexeme (a string, a quoted identifier,
 * a comment, a word …) starts and ends. The splitter (split.ts) and the token stream (tokens.ts) read SQL
 * through it, so a keyword or a `;` inside a string or a comment is never taken for one.
 *
 * The rules follow the server's lexer (sql/sql_lex.cc) and the `mysql`/`mariadb` clients (client/mysql.cc):
 *
 * - `#` comments run to the end of the line.
 * - `--` starts a comment only when a whitespace or control character (or the end of the text) follows it:
 *   `SELECT 1--1` is `1 - -1`.
 * - `/* … *\/` comments do not nest.
 * - `/*! … *\/`, `/*!NNNNN … *\/` and MariaDB's `/*M!NNNNNN … *\/` are executable comments: their content
 *   is code. The scanner reads the opening marker (version digits included) as one lexeme and the closing
 *   `*\/` as another, and everything between them as ordinary lexemes, as the client does when it looks
 *   for the end of a statement.
 * - `/*+ … *\/` is an optimizer hint: a comment that belongs to its statement.
 * - Backtick identifiers with doubled backticks.
 * - `'…'` and `"…"` strings with doubled quotes, and a backslash escaping the next character unless the
 *   mode says `noBackslashEscapes`; under `ansiQuotes`, `"…"` is an identifier (doubled `""`, no escapes).
 * - `$` is an identifier character: there is no dollar quoting, `$$` is a word.
 *
 * An unterminated lexeme runs to the end of the text with `terminated` false: what that means is the
 * reader's to say. The scanner must be read front to back (the executable-comment state carries over).
 */

/** The sql_mode flags that change how text lexes. Both false is MySQL 8's default sql_mode. */
export interface MysqlMode {
  /** NO_BACKSLASH_ESCAPES: a backslash in a string is an ordinary character. */
  noBackslashEscapes?: boolean
  /** ANSI_QUOTES: `"…"` is an identifier, not a string. */
  ansiQuotes?: boolean
}

export type LexemeKind =
  | 'space'
  /** `# …`, `-- …`, `/* … *\/` */
  | 'comment'
  /** `/*+ … *\/` */
  | 'hint'
  /** `/*!`, `/*!NNNNN`, `/*M!NNNNNN`: the content that follows is code. */
  | 'executable-open'
  /** The `*\/` that closes an executable comment. */
  | 'executable-close'
  /** `'…'`, and `"…"` unless ansiQuotes */
  | 'string'
  /** `` `…` ``, and `"…"` under ansiQuotes */
  | 'quoted'
  /** Letters, digits, `_`, `$` and non-ASCII characters: keywords, identifiers and numbers. */
  | 'word'
  /** Any other single character. */
  | 'symbol'

const LF = 0x0a
const CR = 0x0d
const BACKSLASH = 0x5c

/** Whitespace or a control character (what may follow `--` in a comment). */
export function isSpaceOrControl(c: number): boolean {
  return c <= 0x20 || c === 0x7f
}

export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

export function isLineBreak(c: number): boolean {
  return c === LF || c === CR
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** An identifier character: [A-Za-z0-9_$] and anything non-ASCII. */
export function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || isDigit(c) || c === 0x5f || c === 0x24 || c >= 0x80
}

/** Reads lexemes of one text, front to back. After `scan(i)`, `kind`, `start`, `end` and `terminated` describe the lexeme at `i`. */
export class Scanner {
  kind: LexemeKind = 'space'
  start = 0
  end = 0
  /** False when the text ends before the lexeme's closing quote or `*\/`. */
  terminated = true
  /** Where the executable comment being read opened, or -1 outside one. */
  executableStart = -1

  constructor(
    readonly text: string,
    private readonly mode: MysqlMode = {}
  ) {}

  /** Reads the lexeme starting at `i` (which must be inside the text). */
  scan(i: number): void {
    const text = this.text
    const c = text.charCodeAt(i)
    const next = text.charCodeAt(i + 1)
    this.start = i
    this.terminated = true
    if (isSpace(c)) {
      let j = i + 1
      while (isSpace(text.charCodeAt(j))) j++
      this.set('space', j)
    } else if (c === 0x23 || (c === 0x2d && next === 0x2d && (i + 2 >= text.length || isSpaceOrControl(text.charCodeAt(i + 2))))) {
      let j = i + 1
      while (j < text.length && !isLineBreak(text.charCodeAt(j))) j++
      this.set('comment', j)
    } else if (c === 0x2f && next === 0x2a) {
      this.slashStar(i)
    } else if (c === 0x2a && next === 0x2f && this.executableStart >= 0) {
      this.executableStart = -1
      this.set('executable-close', i + 2)
    } else if (c === 0x27) {
      this.quoted('string', i, !this.mode.noBackslashEscapes)
    } else if (c === 0x22) {
      if (this.mode.ansiQuotes) this.quoted('quoted', i, false)
      else this.quoted('string', i, !this.mode.noBackslashEscapes)
    } else if (c === 0x60) {
      this.quoted('quoted', i, false)
    } else if (isWordChar(c)) {
      let j = i + 1
      while (j < text.length && isWordChar(text.charCodeAt(j))) j++
      this.set('word', j)
    } else {
      this.set('symbol', i + 1)
    }
  }

  private set(kind: LexemeKind, end: number): void {
    this.kind = kind
    this.end = end
  }

  private unterminated(kind: LexemeKind): void {
    this.kind = kind
    this.end = this.text.length
    this.terminated = false
  }

  /** `/*`: an executable comment's opening marker, a hint, or a comment (which does not nest). */
  private slashStar(start: number): void {
    const text = this.text
    const third = text.charCodeAt(start + 2)
    const mariadb = third === 0x4d && text.charCodeAt(start + 3) === 0x21
    if (third === 0x21 || mariadb) {
      let j = start + (mariadb ? 4 : 3)
      while (isDigit(text.charCodeAt(j))) j++
      this.executableStart = start
      return this.set('executable-open', j)
    }
    const kind = third === 0x2b ? 'hint' : 'comment'
    const close = text.indexOf('*/', start + 2)
    if (close < 0) return this.unterminated(kind)
    this.set(kind, close + 2)
  }

  /** A string or identifier opened by the quote at `start`: a doubled quote stands for itself, and with `escapes` a backslash escapes the next character. */
  private quoted(kind: LexemeKind, start: number, escapes: boolean): void {
    const text = this.text
    const quote = text.charCodeAt(start)
    let i = start + 1
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === BACKSLASH && escapes) {
        i += 2
      } else if (c === quote) {
        if (text.charCodeAt(i + 1) !== quote) return this.set(kind, i + 1)
        i += 2
      } else {
        i++
      }
    }
    this.unterminated(kind)
  }
}
