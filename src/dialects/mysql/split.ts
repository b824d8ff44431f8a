/**
 * Cuts the text of one MySQL (or MariaDB) migration file into single statements, because the RDS Data API
 * accepts exactly one statement per call. Lexemes come from lexer.ts; where a statement ends follows the
 * `mysql`/`mariadb` client (client/mysql.cc), so a file splits the way `mysql < file` would send it:
 *
 * - A statement ends at the delimiter, `;` unless a `DELIMITER x` line changed it. Like the client, the
 *   delimiter is looked for outside strings, quoted identifiers and comments, but inside executable
 *   comments (`/*!50003 … *\/` is code) and inside parentheses.
 * - `DELIMITER x` (any case, at the start of a line) is a client command: the rest of the line, trimmed,
 *   is the new delimiter (`//`, `$$`, `;;` …). The line is never part of a statement; a statement still
 *   open there ends. `DELIMITER` with nothing after it is an error.
 * - Under another delimiter, a `;` outside a stored program's body still ends a statement, where the server
 *   would end it: the client sends the text up to the delimiter as one query, and with its multi-statements
 *   the server runs each statement in it, while a transport that sends one statement per call must not.
 * - Where the client would split a stored program written without DELIMITER, this splitter does not:
 *   with the delimiter `;`, a `;` inside the BEGIN … END body of CREATE PROCEDURE, FUNCTION, TRIGGER or
 *   EVENT (blocks.ts) is part of the statement, which ends at the `;` after its outermost END.
 * - An unterminated string, quoted identifier, comment, hint or executable comment is an error naming
 *   where it starts.
 *
 * The conventions are the PostgreSQL splitter's: each statement's `sql` runs from its first token to the
 * end of its last token (the delimiter, the whitespace and the comments around it are left out, comments
 * between its tokens are kept); `line` and `column` are 1-based, columns count Unicode code points; CRLF,
 * CR and LF each end a line; a UTF-8 BOM at the start is ignored; empty statements are dropped. Where they
 * differ: an executable comment's markers and an optimizer hint are tokens (kept, and a statement may
 * start with `/*!40101`), and a `;` inside parentheses ends a statement (the client does not count them).
 *
 * One pass over the text: linear time.
 */
import { MigrationFileError } from '../../errors.js'
import { TextCursor, textStart } from '../../migrations/text-cursor.js'
import type { Statement } from '../../migrations/types.js'
import { Blocks, type BlockToken } from './blocks.js'
import { Scanner, isLineBreak, type LexemeKind, type MysqlMode } from './lexer.js'

export type { MysqlMode } from './lexer.js'

/** Splits the text of one migration file into statements. `file` is the path used in locations and errors. */
export function splitStatements(text: string, file: string, mode: MysqlMode = {}): Statement[] {
  return new Splitter(text, file, mode).run()
}

/** What an unterminated lexeme is called in the error, and what closes it. */
const UNTERMINATED: Partial<Record<LexemeKind, { what: string; closing: string }>> = {
  comment: { what: 'block comment (/* ... */)', closing: '*/' },
  hint: { what: 'optimizer hint (/*+ ... */)', closing: '*/' },
  string: { what: 'quoted string', closing: 'quote' },
  quoted: { what: 'quoted identifier', closing: 'quote' }
}

class Splitter {
  private readonly statements: Statement[] = []
  private readonly start: number
  private readonly cursor: TextCursor
  private readonly scanner: Scanner
  private readonly blocks = new Blocks()
  private delimiter = ';'

  // The statement being read.
  private stmtStart = -1
  private stmtEnd = -1

  constructor(
    private readonly text: string,
    private readonly file: string,
    mode: MysqlMode
  ) {
    this.start = textStart(text)
    this.cursor = new TextCursor(text, this.start)
    this.scanner = new Scanner(text, mode)
  }

  run(): Statement[] {
    const text = this.text
    const scanner = this.scanner
    let pos = this.start
    while (pos < text.length) {
      if (this.delimiter !== ';' && text.startsWith(this.delimiter, pos)) {
        this.endStatement()
        pos += this.delimiter.length
        continue
      }
      scanner.scan(pos)
      const { kind, start } = scanner
      let end = scanner.end
      if (!scanner.terminated) throw this.unterminatedError(kind, start)
      if (kind === 'space' || kind === 'comment') {
        pos = end
        continue
      }
      if (kind === 'word') {
        if (this.isDelimiterCommand(start, end)) {
          pos = this.delimiterCommand(start, end)
          continue
        }
        // A delimiter glued to a word (`END$$`, `END//`) ends it.
        const inside = this.delimiter === ';' ? -1 : text.indexOf(this.delimiter, start)
        if (inside > start && inside < end) end = inside
      }
      pos = end
      // A `;` outside a stored program's body ends a statement whatever the delimiter: under `DELIMITER $$` the
      // client sends `DROP PROCEDURE p; CREATE PROCEDURE p() BEGIN … END$$` as one query, which the server runs as
      // two statements (the client turns multi-statements on). One statement per call needs them apart.
      if (kind === 'symbol' && text.charCodeAt(start) === 0x3b && !this.blocks.inBlock()) {
        this.endStatement()
        continue
      }
      if (this.stmtStart < 0) this.stmtStart = start
      this.stmtEnd = end
      const token = blockToken(kind, text.slice(start, end))
      if (token) this.blocks.token(token)
    }
    if (scanner.executableStart >= 0) {
      throw this.unterminated(scanner.executableStart, 'executable comment (/*! ... */)', '*/')
    }
    this.endStatement()
    return this.statements
  }

  private endStatement(): void {
    if (this.stmtStart >= 0) {
      const { line, column } = this.cursor.at(this.stmtStart)
      this.statements.push({ sql: this.text.slice(this.stmtStart, this.stmtEnd), file: this.file, line, column })
    }
    this.stmtStart = -1
    this.stmtEnd = -1
    this.blocks.reset()
  }

  /** The word at start..end is `DELIMITER`, first on its line, followed by a space, a tab, a line break or the end of the text. */
  private isDelimiterCommand(start: number, end: number): boolean {
    const text = this.text
    if (end - start !== 9 || text.slice(start, end).toLowerCase() !== 'delimiter') return false
    const after = text.charCodeAt(end)
    if (!(end >= text.length || after === 0x20 || after === 0x09 || isLineBreak(after))) return false
    let j = start - 1
    while (j >= this.start && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09)) j--
    return j < this.start || isLineBreak(text.charCodeAt(j))
  }

  /** Reads `DELIMITER x` to the end of its line; returns where the line ends. */
  private delimiterCommand(start: number, end: number): number {
    const text = this.text
    let lineEnd = end
    while (lineEnd < text.length && !isLineBreak(text.charCodeAt(lineEnd))) lineEnd++
    const delimiter = text.slice(end, lineEnd).trim()
    if (!delimiter) {
      const where = this.locate(start)
      throw new MigrationFileError(
        `${where.file}:${where.line}:${where.column}: DELIMITER without a delimiter: the rest of its line must be the new ` +
          'statement delimiter (DELIMITER // … DELIMITER ;). Add one, or remove the line.',
        where
      )
    }
    this.endStatement()
    this.delimiter = delimiter
    return lineEnd
  }

  private unterminatedError(kind: LexemeKind, start: number): MigrationFileError {
    const { what, closing } = UNTERMINATED[kind]!
    return this.unterminated(start, what, closing === 'quote' ? this.text[start] : closing)
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

/** What the block tracker sees of a lexeme: words, symbols and literals (not the executable-comment markers or hints). */
function blockToken(kind: LexemeKind, text: string): BlockToken | null {
  if (kind === 'word') return { kind: 'word', value: text.toLowerCase() }
  if (kind === 'symbol') return { kind: 'symbol', value: text }
  if (kind === 'string' || kind === 'quoted') return { kind: 'other', value: '' }
  return null
}
