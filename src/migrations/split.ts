/**
 * Cuts the text of one migration file into single SQL statements, because the RDS Data API accepts
 * exactly one statement per call.
 *
 * The lexical rules follow PostgreSQL's own lexers (src/backend/parser/scan.l for tokens and
 * src/fe_utils/psqlscan.l for where psql ends a statement), so a file splits the way `psql -f`
 * would send it:
 *
 * - `'...'` strings with `''` escapes (standard_conforming_strings = on, the default); `B'`, `X'`,
 *   `N'` and `U&'` strings lex the same way.
 * - `E'...'` strings, where a backslash escapes the next character, including a string continued
 *   on a later line (`E'a'<newline>'b\''` is one string).
 * - `"..."` and `U&"..."` identifiers with `""` escapes.
 * - Dollar quotes `$tag$ ... $tag$` (the tag follows identifier rules, without `$`); `$1` is a
 *   parameter, and a `$` inside an identifier (`a$b`) starts nothing.
 * - Nested `/* ... *\/` comments and `--` line comments.
 * - A `;` ends a statement only outside parentheses and outside the `BEGIN ATOMIC ... END` body of
 *   `CREATE [OR REPLACE] FUNCTION|PROCEDURE`. Like psql, BEGIN/CASE ... END nesting is counted only
 *   in such a statement, only outside parentheses, and CASE only once inside a BEGIN.
 * - A backslash outside quotes and comments starts a psql meta-command (`\i`, `\set`, ...): those
 *   are not SQL, so they are reported as errors.
 *
 * Each statement's `sql` runs from its first token to the end of its last token: the `;`, the
 * whitespace and the comments around it are left out, comments between its tokens are kept.
 * `line` and `column` are 1-based; columns count Unicode code points (a character outside the
 * BMP counts once). CRLF, CR and LF each end a line. A UTF-8 BOM at the start is ignored.
 *
 * One pass over the text, no backtracking: linear time.
 */
import { MigrationFileError } from '../errors.js'
import type { Statement } from './types.js'

const BOM = 0xfeff
const LF = 0x0a
const CR = 0x0d

/** Splits the text of one migration file into statements. `file` is the path used in locations and errors. */
export function splitStatements(text: string, file: string): Statement[] {
  return new Splitter(text, file).run()
}

function isSpace(c: number): boolean {
  // scan.l: space [ \t\n\r\f\v]
  return c === 0x20 || (c >= 0x09 && c <= 0x0d)
}

function isLineBreak(c: number): boolean {
  return c === LF || c === CR
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/** scan.l ident_start: [A-Za-z\200-\377_] (every byte of a non-ASCII UTF-8 character is >= 0x80). */
function isIdentStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c >= 0x80
}

/** scan.l ident_cont: [A-Za-z\200-\377_0-9\$] */
function isIdentCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === 0x24
}

/** scan.l dolq_cont: [A-Za-z\200-\377_0-9] (no `$`, so `$a$b$` closes at the second `$`). */
function isDollarTagCont(c: number): boolean {
  return isIdentStart(c) || isDigit(c)
}

/** Tracks line and column while moving forward through the text; queries must not go backwards. */
class Cursor {
  private index: number
  private line = 1
  private column = 1

  constructor(
    private readonly text: string,
    start: number
  ) {
    this.index = start
  }

  at(target: number): { line: number; column: number } {
    const text = this.text
    while (this.index < target) {
      const c = text.charCodeAt(this.index)
      if (c === CR) {
        this.index += text.charCodeAt(this.index + 1) === LF ? 2 : 1
        this.line++
        this.column = 1
      } else if (c === LF) {
        this.index++
        this.line++
        this.column = 1
      } else {
        // A surrogate pair is one code point: one column.
        const pair = c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(this.index + 1))
        this.index += pair ? 2 : 1
        this.column++
      }
    }
    return { line: this.line, column: this.column }
  }
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff
}

class Splitter {
  private readonly statements: Statement[] = []
  private readonly start: number
  private readonly cursor: Cursor
  private pos: number

  // The statement being read.
  private stmtStart = -1
  private stmtEnd = -1
  private parenDepth = 0
  private beginDepth = 0
  /** The first four identifiers of the statement (lower case, or '' when not a word psql looks for). */
  private readonly leadingWords: string[] = ['', '', '', '']
  private identifierCount = 0
  /** The statement starts with CREATE [OR REPLACE] FUNCTION|PROCEDURE. */
  private routineStatement = false

  constructor(
    private readonly text: string,
    private readonly file: string
  ) {
    this.start = text.charCodeAt(0) === BOM ? 1 : 0
    this.pos = this.start
    this.cursor = new Cursor(text, this.start)
  }

  run(): Statement[] {
    const text = this.text
    const length = text.length
    while (this.pos < length) {
      const c = text.charCodeAt(this.pos)
      const next = text.charCodeAt(this.pos + 1)
      if (isSpace(c)) {
        this.pos++
      } else if (c === 0x2d && next === 0x2d) {
        this.skipLineComment()
      } else if (c === 0x2f && next === 0x2a) {
        this.skipBlockComment()
      } else if (c === 0x3b) {
        this.semicolon()
      } else {
        this.token(c, next)
      }
    }
    this.endStatement()
    return this.statements
  }

  /** Reads one token starting at `pos` (not whitespace, a comment or a `;`). */
  private token(c: number, next: number): void {
    const start = this.pos
    if (this.stmtStart < 0) this.stmtStart = start
    const lower = c | 0x20
    if (c === 0x27) {
      this.quoted(start, 0x27, 1, 'quoted string')
    } else if (c === 0x22) {
      this.quoted(start, 0x22, 1, 'quoted identifier')
    } else if (lower === 0x65 && next === 0x27) {
      this.escapeString(start)
    } else if ((lower === 0x62 || lower === 0x78 || lower === 0x6e) && next === 0x27) {
      this.quoted(start, 0x27, 2, 'quoted string')
    } else if (lower === 0x75 && next === 0x26 && this.text.charCodeAt(start + 2) === 0x27) {
      this.quoted(start, 0x27, 3, 'quoted string')
    } else if (lower === 0x75 && next === 0x26 && this.text.charCodeAt(start + 2) === 0x22) {
      this.quoted(start, 0x22, 3, 'quoted identifier')
    } else if (c === 0x24) {
      this.dollar(start)
    } else if (isIdentStart(c)) {
      this.identifier(start)
    } else if (isDigit(c)) {
      this.number()
    } else if (c === 0x5c) {
      this.metaCommand(start)
    } else {
      if (c === 0x28) this.parenDepth++
      else if (c === 0x29 && this.parenDepth > 0) this.parenDepth--
      this.pos++
    }
    this.stmtEnd = this.pos
  }

  private semicolon(): void {
    if (this.parenDepth === 0 && this.beginDepth === 0) {
      this.pos++
      this.endStatement()
      return
    }
    // Inside parentheses or a BEGIN ATOMIC body: part of the statement.
    this.pos++
    this.stmtEnd = this.pos
  }

  private endStatement(): void {
    if (this.stmtStart >= 0) {
      const { line, column } = this.cursor.at(this.stmtStart)
      this.statements.push({ sql: this.text.slice(this.stmtStart, this.stmtEnd), file: this.file, line, column })
    }
    this.stmtStart = -1
    this.stmtEnd = -1
    this.parenDepth = 0
    this.beginDepth = 0
    this.identifierCount = 0
    this.routineStatement = false
    this.leadingWords.fill('')
  }

  private skipLineComment(): void {
    const text = this.text
    let i = this.pos + 2
    while (i < text.length && !isLineBreak(text.charCodeAt(i))) i++
    this.pos = i
  }

  private skipBlockComment(): void {
    const text = this.text
    const start = this.pos
    let depth = 1
    let i = start + 2
    while (i < text.length) {
      const c = text.charCodeAt(i)
      const next = text.charCodeAt(i + 1)
      if (c === 0x2a && next === 0x2f) {
        i += 2
        if (--depth === 0) {
          this.pos = i
          return
        }
      } else if (c === 0x2f && next === 0x2a) {
        depth++
        i += 2
      } else {
        i++
      }
    }
    throw this.unterminated(start, 'block comment (/* ... */)', '*/')
  }

  /** A string or identifier closed by `quote`, where a doubled quote stands for itself. */
  private quoted(start: number, quote: number, prefixLength: number, what: string): void {
    const text = this.text
    const quoteChar = quote === 0x27 ? "'" : '"'
    let i = start + prefixLength
    for (;;) {
      i = text.indexOf(quoteChar, i)
      if (i < 0) throw this.unterminated(start, what, quoteChar)
      if (text.charCodeAt(i + 1) === quote) {
        i += 2
      } else {
        this.pos = i + 1
        return
      }
    }
  }

  /** `E'...'`: a backslash escapes the next character; `''` is a quote too. */
  private escapeString(start: number): void {
    const text = this.text
    let i = start + 2
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === 0x5c) {
        i += 2
      } else if (c === 0x27) {
        if (text.charCodeAt(i + 1) === 0x27) {
          i += 2
          continue
        }
        // scan.l quotecontinue: a string followed by whitespace holding a newline and another
        // quote continues, still with backslash escapes.
        const continued = this.quoteContinuation(i + 1)
        if (continued < 0) {
          this.pos = i + 1
          return
        }
        i = continued + 1
      } else {
        i++
      }
    }
    throw this.unterminated(start, "escape string (E'...')", "'")
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
      this.pos = i
      return
    }
    if (isIdentStart(text.charCodeAt(i))) {
      i++
      while (isDollarTagCont(text.charCodeAt(i))) i++
    }
    if (text.charCodeAt(i) !== 0x24) {
      // scan.l dolqfailed: only the `$` is consumed; what follows is lexed on its own.
      this.pos = start + 1
      return
    }
    const delimiter = text.slice(start, i + 1)
    const close = text.indexOf(delimiter, i + 1)
    if (close < 0) throw this.unterminated(start, `dollar-quoted string (${delimiter} ... ${delimiter})`, delimiter)
    this.pos = close + delimiter.length
  }

  private identifier(start: number): void {
    const text = this.text
    let i = start + 1
    while (i < text.length && isIdentCont(text.charCodeAt(i))) i++
    this.pos = i
    this.trackBlocks(start, i)
  }

  /**
   * psqlscan.l's heuristic for SQL-standard function bodies: once the statement starts with
   * CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN opens a block, CASE opens one inside a block,
   * END closes one; all only outside parentheses. Semicolons inside a block do not end the statement.
   */
  private trackBlocks(start: number, end: number): void {
    const count = this.identifierCount++
    if (count < 4) {
      this.leadingWords[count] = this.leadingWord(start, end)
      const [first, second, third, fourth] = this.leadingWords
      this.routineStatement =
        first === 'create' && (isRoutineWord(second) || (second === 'or' && third === 'replace' && isRoutineWord(fourth)))
    }
    if (!this.routineStatement || this.parenDepth !== 0) return
    if (this.wordIs(start, end, 'begin')) this.beginDepth++
    else if (this.wordIs(start, end, 'case')) {
      if (this.beginDepth >= 1) this.beginDepth++
    } else if (this.wordIs(start, end, 'end')) {
      if (this.beginDepth > 0) this.beginDepth--
    }
  }

  private leadingWord(start: number, end: number): string {
    for (const word of LEADING_WORDS) if (this.wordIs(start, end, word)) return word
    return ''
  }

  /** Whether text[start, end) is `word` (lower case ASCII), compared without case like pg_strcasecmp. */
  private wordIs(start: number, end: number, word: string): boolean {
    if (end - start !== word.length) return false
    for (let k = 0; k < word.length; k++) {
      let c = this.text.charCodeAt(start + k)
      if (c >= 0x41 && c <= 0x5a) c |= 0x20
      if (c !== word.charCodeAt(k)) return false
    }
    return true
  }

  /** Digits, and (like scan.l's integer_junk) an identifier glued to them, so `1e'x'` is not an E-string. */
  private number(): void {
    const text = this.text
    let i = this.pos
    while (isDigit(text.charCodeAt(i))) i++
    if (i < text.length && isIdentStart(text.charCodeAt(i))) {
      while (i < text.length && isIdentCont(text.charCodeAt(i))) i++
    }
    this.pos = i
  }

  private metaCommand(start: number): never {
    const text = this.text
    let i = start + 1
    // psql reads the command name up to whitespace; `\\` (the separator) is a command of its own.
    if (text.charCodeAt(i) === 0x5c) i++
    else while (i < text.length && i - start < 40 && !isSpace(text.charCodeAt(i)) && text.charCodeAt(i) !== 0x5c) i++
    const command = text.slice(start, i)
    const where = this.locate(start)
    throw new MigrationFileError(
      `${where.file}:${where.line}:${where.column}: psql meta-command ${command} in a migration. ` +
        'Migrations must be plain SQL: psql meta-commands are not SQL and cannot be sent through the Data API. ' +
        'Remove the command (or write what it does as SQL).',
      where
    )
  }

  private unterminated(start: number, what: string, closing: string): MigrationFileError {
    const where = this.locate(start)
    return new MigrationFileError(
      `${where.file}:${where.line}:${where.column}: unterminated ${what} starting here: ` +
        `the file ends before its closing ${closing}. Add the missing ${closing}.`,
      where
    )
  }

  /** Location of any index (errors only: a fresh cursor, since errors may point backwards). */
  private locate(index: number): { file: string; line: number; column: number } {
    return { file: this.file, ...new Cursor(this.text, this.start).at(index) }
  }
}

/** The words psql's heuristic looks at among a statement's first four identifiers. */
const LEADING_WORDS = ['create', 'or', 'replace', 'function', 'procedure']

function isRoutineWord(word: string): boolean {
  return word === 'function' || word === 'procedure'
}
