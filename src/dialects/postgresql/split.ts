/**
 * Cuts the text of one migration file into single SQL statements, because the RDS Data API accepts
 * exactly one statement per call. Lexemes come from lexer.ts; where a statement ends follows psql
 * (src/fe_utils/psqlscan.l), so a file splits the way `psql -f` would send it:
 *
 * - A `;` ends a statement only outside parentheses and outside the `BEGIN ATOMIC ... END` body of
 *   `CREATE [OR REPLACE] FUNCTION|PROCEDURE`. Like psql, BEGIN/CASE ... END nesting is counted only
 *   in such a statement, only outside parentheses, and CASE only once inside a BEGIN.
 * - A backslash outside quotes and comments starts a psql meta-command (`\i`, `\set`, ...): those
 *   are not SQL, so they are reported as errors.
 * - An unterminated string, identifier, dollar quote or block comment is an error naming where it starts.
 *
 * Each statement's `sql` runs from its first token to the end of its last token: the `;`, the
 * whitespace and the comments around it are left out, comments between its tokens are kept.
 * `line` and `column` are 1-based; columns count Unicode code points (a character outside the
 * BMP counts once). CRLF, CR and LF each end a line. A UTF-8 BOM at the start is ignored.
 *
 * One pass over the text, no backtracking: linear time.
 */
import { MigrationFileError } from '../../errors.js'
import { TextCursor, textStart } from '../../migrations/text-cursor.js'
import type { Statement } from '../../migrations/types.js'
import { Scanner, isSpace, type LexemeKind } from './lexer.js'

/** Splits the text of one migration file into statements. `file` is the path used in locations and errors. */
export function splitStatements(text: string, file: string): Statement[] {
  return new Splitter(text, file).run()
}

/** What an unterminated lexeme is called in the error, and what closes it. */
const UNTERMINATED: Partial<Record<LexemeKind, { what: string; closing: string }>> = {
  'block-comment': { what: 'block comment (/* ... */)', closing: '*/' },
  string: { what: 'quoted string', closing: "'" },
  'escape-string': { what: "escape string (E'...')", closing: "'" },
  quoted: { what: 'quoted identifier', closing: '"' },
  'unicode-quoted': { what: 'quoted identifier', closing: '"' }
}

class Splitter {
  private readonly statements: Statement[] = []
  private readonly start: number
  private readonly cursor: TextCursor
  private readonly scanner: Scanner

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
    this.start = textStart(text)
    this.cursor = new TextCursor(text, this.start)
    this.scanner = new Scanner(text, true)
  }

  run(): Statement[] {
    const text = this.text
    const length = text.length
    const scanner = this.scanner
    let pos = this.start
    while (pos < length) {
      scanner.scan(pos)
      const { kind, start, end } = scanner
      pos = end
      if (!scanner.terminated) throw this.unterminatedError(kind, start)
      if (kind === 'space' || kind === 'line-comment' || kind === 'block-comment') continue
      if (kind === 'symbol' && text.charCodeAt(start) === 0x3b) {
        this.semicolon(end)
        continue
      }
      if (this.stmtStart < 0) this.stmtStart = start
      if (kind === 'word') this.trackBlocks(start, end)
      else if (kind === 'symbol') {
        const c = text.charCodeAt(start)
        if (c === 0x28) this.parenDepth++
        else if (c === 0x29 && this.parenDepth > 0) this.parenDepth--
      } else if (kind === 'backslash') this.metaCommand(start)
      this.stmtEnd = end
    }
    this.endStatement()
    return this.statements
  }

  private semicolon(end: number): void {
    // Inside parentheses or a BEGIN ATOMIC body: part of the statement.
    if (this.parenDepth === 0 && this.beginDepth === 0) this.endStatement()
    else this.stmtEnd = end
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

  private unterminatedError(kind: LexemeKind, start: number): MigrationFileError {
    if (kind === 'dollar-string') {
      const delimiter = this.scanner.delimiter()
      return this.unterminated(start, `dollar-quoted string (${delimiter} ... ${delimiter})`, delimiter)
    }
    const { what, closing } = UNTERMINATED[kind]!
    return this.unterminated(start, what, closing)
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
    return { file: this.file, ...new TextCursor(this.text, this.start).at(index) }
  }
}

/** The words psql's heuristic looks at among a statement's first four identifiers. */
const LEADING_WORDS = ['create', 'or', 'replace', 'function', 'procedure']

function isRoutineWord(word: string): boolean {
  return word === 'function' || word === 'procedure'
}
