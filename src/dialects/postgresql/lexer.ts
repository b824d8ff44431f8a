/**
 * PostgreSQL's lexical rules, in one scanner: where each lexeme (a string, a quoted identifier, a
 * dollar-quoted body, a comment, a word …) starts and ends. The statement splitter (split.ts), the token
 * stream (tokens.ts) and the `:name` parameter rewriting (named-parameters.ts) all read SQL through it,
 * so a keyword, a `;` or a `:name` inside a string or a comment is never taken for one by any of them.
 *
 * The rules follow PostgreSQL's own lexers (src/backend/parser/scan.l, and src/fe_utils/psqlscan.l
 * for what psql does with them):
 *
 * - `'...'` strings with `''` escapes (standard_conforming_strings = on, the default); `B'`, `X'`,
 *   `N'` and `U&'` strings lex the same way.
 * - `E'...'` strings, where a backslash escapes the next character; with `continuation`, also a string
 *   continued on a later line (`E'a'<newline>'b\''` is one string).
 * - `"..."` and `U&"..."` identifiers with `""` escapes.
 * - Dollar quotes `$tag$ ... $tag$` (the tag follows identifier rules, without `$`); `$1` is a
 *   parameter, and a `$` inside an identifier (`a$b`) starts nothing.
 * - Nested `/* ... *\/` comments and `--` line comments.
 *
 * The scanner reads one lexeme at any index it is given, so each reader moves on where it chooses. An
 * unterminated lexeme runs to the end of the text with `terminated` false: what that means is the
 * reader's to say. One pass, no backtracking: linear time.
 */

export type LexemeKind =
  | 'space'
  | 'line-comment'
  | 'block-comment'
  /** `'…'`, `B'…'`, `X'…'`, `N'…'`, `U&'…'` */
  | 'string'
  /** `E'…'` */
  | 'escape-string'
  /** `"…"` */
  | 'quoted'
  /** `U&"…"` */
  | 'unicode-quoted'
  /** `$tag$ … $tag$`, `$$ … $$` */
  | 'dollar-string'
  /** `$1` */
  | 'parameter'
  | 'word'
  /** Digits, and an identifier glued to them (scan.l's integer_junk), so `1e'x'` is not an E-string. */
  | 'number'
  /** `\`: in a file, a psql meta-command starts here. */
  | 'backslash'
  /** Any other single character, a lone `$` included. */
  | 'symbol'

const LF = 0x0a
const CR = 0x0d

export function isSpace(c: number): boolean {
  // scan.l: space [ \t\n\r\f\v]
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

export function isLineBreak(c: number): boolean {
  return c === LF || c === CR
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** scan.l ident_start: [A-Za-z\200-\377_] (every byte of a non-ASCII UTF-8 character is >= 0x80). */
export function isIdentStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80
}

/** scan.l ident_cont: [A-Za-z\200-\377_0-9\$] */
export function isIdentCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 0x24
}

/** scan.l dolq_cont: [A-Za-z\200-\377_0-9] (no `$`, so `$a$b$` closes at the second `$`). */
function isDollarTagCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c)
}

/** Reads lexemes of one text. After `scan(i)`, `kind`, `start`, `end` and `terminated` describe the lexeme at `i`. */
export class Scanner {
  kind: LexemeKind = 'space'
  start = 0
  end = 0
  /** False when the text ends before the lexeme's closing quote, delimiter or `*\/`. */
  terminated = true
  /** For a dollar-quoted string: the index just past its opening delimiter (`$tag$`). */
  bodyStart = 0

  /**
   * @param continuation an `E'…'` string continues on a later line, as scan.l's quotecontinue reads it
   *   (the splitter); without it, the continuation is read as a string of its own.
   */
  constructor(
    readonly text: string,
    private readonly continuation: boolean
  ) {}

  /** Reads the lexeme starting at `i` (which must be inside the text). */
  scan(i: number): void {
    const text = this.text
    const c = text.charCodeAt(i)
    const next = text.charCodeAt(i + 1)
    const lower = c | 0x20
    this.start = i
    this.terminated = true
    if (isSpace(c)) {
      let j = i + 1
      while (isSpace(text.charCodeAt(j))) j++
      this.set('space', j)
    } else if (c === 0x2d && next === 0x2d) {
      let j = i + 2
      while (j < text.length && !isLineBreak(text.charCodeAt(j))) j++
      this.set('line-comment', j)
    } else if (c === 0x2f && next === 0x2a) {
      this.blockComment(i)
    } else if (c === 0x27) {
      this.quoted('string', i + 1, 0x27)
    } else if (c === 0x22) {
      this.quoted('quoted', i + 1, 0x22)
    } else if (lower === 0x65 && next === 0x27) {
      this.escapeString(i + 2)
    } else if ((lower === 0x62 || lower === 0x78 || lower === 0x6e) && next === 0x27) {
      this.quoted('string', i + 2, 0x27)
    } else if (lower === 0x75 && next === 0x26 && text.charCodeAt(i + 2) === 0x27) {
      this.quoted('string', i + 3, 0x27)
    } else if (lower === 0x75 && next === 0x26 && text.charCodeAt(i + 2) === 0x22) {
      this.quoted('unicode-quoted', i + 3, 0x22)
    } else if (c === 0x24) {
      this.dollar(i)
    } else if (isIdentStart(c)) {
      let j = i + 1
      while (j < text.length && isIdentCont(text.charCodeAt(j))) j++
      this.set('word', j)
    } else if (isDigit(c)) {
      let j = i + 1
      while (isDigit(text.charCodeAt(j))) j++
      if (j < text.length && isIdentStart(text.charCodeAt(j))) {
        while (j < text.length && isIdentCont(text.charCodeAt(j))) j++
      }
      this.set('number', j)
    } else {
      this.set(c === 0x5c ? 'backslash' : 'symbol', i + 1)
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

  private blockComment(start: number): void {
    const text = this.text
    let depth = 1
    let i = start + 2
    while (i < text.length) {
      const c = text.charCodeAt(i)
      const next = text.charCodeAt(i + 1)
      if (c === 0x2a && next === 0x2f) {
        i += 2
        if (--depth === 0) return this.set('block-comment', i)
      } else if (c === 0x2f && next === 0x2a) {
        depth++
        i += 2
      } else {
        i++
      }
    }
    this.unterminated('block-comment')
  }

  /** A string or identifier from `from` to its closing `quote`, where a doubled quote stands for itself. */
  private quoted(kind: LexemeKind, from: number, quote: number): void {
    const text = this.text
    const quoteChar = quote === 0x27 ? "'" : '"'
    let i = from
    for (;;) {
      i = text.indexOf(quoteChar, i)
      if (i < 0) return this.unterminated(kind)
      if (text.charCodeAt(i + 1) === quote) i += 2
      else return this.set(kind, i + 1)
    }
  }

  /** `E'...'`: a backslash escapes the next character; `''` is a quote too. */
  private escapeString(from: number): void {
    const text = this.text
    let i = from
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 0x5c) {
        i += 2
      } else if (c === 0x27) {
        if (text.charCodeAt(i + 1) === 0x27) {
          i += 2
          continue
        }
        const continued = this.continuation ? this.quoteContinuation(i + 1) : -1
        if (continued < 0) return this.set('escape-string', i + 1)
        i = continued + 1
      } else {
        i++
      }
    }
    this.unterminated('escape-string')
  }

  /**
   * scan.l: quotecontinue = {whitespace_with_newline}{quote}, that is whitespace and `--` comments
   * holding at least one line break, then a quote (a block comment ends the string instead).
   * Returns the index of the continuing quote, or -1.
   */
  private quoteContinuation(from: number): number {
    const text = this.text
    let i = from
    let lineBreak = false
    for (;;) {
      const c = text.charCodeAt(i)
      if (isLineBreak(c)) {
        lineBreak = true
        i++
      } else if (isSpace(c)) {
        i++
      } else if (c === 0x2d && text.charCodeAt(i + 1) === 0x2d) {
        i += 2
        while (i < text.length && !isLineBreak(text.charCodeAt(i))) i++
      } else {
        return c === 0x27 && lineBreak ? i : -1
      }
    }
  }

  /** `$tag$ ... $tag$`, `$$ ... $$`, a `$1` parameter, or a lone `$`. */
  private dollar(start: number): void {
    const text = this.text
    let i = start + 1
    if (isDigit(text.charCodeAt(i))) {
      while (isDigit(text.charCodeAt(i))) i++
      return this.set('parameter', i)
    }
    if (isIdentStart(text.charCodeAt(i))) {
      i++
      while (isDollarTagCont(text.charCodeAt(i))) i++
    }
    // scan.l dolqfailed: only the `$` is read; what follows is lexed on its own.
    if (text.charCodeAt(i) !== 0x24) return this.set('symbol', start + 1)
    this.bodyStart = i + 1
    const close = text.indexOf(text.slice(start, i + 1), i + 1)
    if (close < 0) return this.unterminated('dollar-string')
    this.set('dollar-string', close + i + 1 - start)
  }

  /** The opening delimiter of the dollar-quoted string just read: `$tag$`. */
  delimiter(): string {
    return this.text.slice(this.start, this.bodyStart)
  }
}
