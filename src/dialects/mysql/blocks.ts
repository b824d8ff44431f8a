/**
 * Where a stored program's body ends when a file has no DELIMITER. Armed only in a statement that starts
 * `CREATE [OR REPLACE] [DEFINER = …] [AGGREGATE] {PROCEDURE | FUNCTION | TRIGGER | EVENT}` (MariaDB's
 * anonymous `BEGIN NOT ATOMIC` too): it follows the compound statements `BEGIN … END`, `IF … END IF`,
 * `CASE … END CASE` (and the CASE expression, closed by a bare `END`), `LOOP … END LOOP`,
 * `WHILE … END WHILE` and `REPEAT … END REPEAT`, so that a `;` inside the body does not end the statement.
 * Outside a stored program nothing is tracked: `BEGIN;` is a transaction statement.
 *
 * IF and REPEAT are also functions (`IF(a, b, c)`, `REPEAT('x', 3)`): they open a block only where a
 * statement starts (after `;`, a label's `:`, BEGIN, THEN, ELSE, DO, LOOP or REPEAT). REPEAT followed by
 * `(` is the function; IF followed by `(` right after THEN or ELSE inside a CASE is taken for the function
 * (`CASE WHEN a THEN IF(b, 1, 2) … END`), anywhere else for a statement (`IF (a) THEN`).
 */

export interface BlockToken {
  kind: 'word' | 'symbol' | 'other'
  /** word: lower case; symbol: the character; other (a string, a quoted identifier): empty. */
  value: string
}

const ROUTINES = new Set(['procedure', 'function', 'trigger', 'event'])
const HEAD_WORDS = new Set(['or', 'replace', 'definer', 'aggregate', 'current_user'])
const CLOSED_BY_END = new Set(['if', 'case', 'loop', 'while', 'repeat'])
const STATEMENT_START = new Set([';', ':', 'begin', 'then', 'else', 'do', 'loop', 'repeat'])

export class Blocks {
  /** null while the statement's head is read; then whether it is a stored program. */
  private program: boolean | null = null
  private count = 0
  private readonly stack: string[] = []
  private prev: BlockToken = { kind: 'other', value: '' }
  private pendingEnd = false
  /** An IF or REPEAT in statement position, waiting for the next token to tell a statement from a function. */
  private pendingOpener: { word: string; functionIfParen: boolean } | null = null

  reset(): void {
    this.program = null
    this.count = 0
    this.stack.length = 0
    this.prev = { kind: 'other', value: '' }
    this.pendingEnd = false
    this.pendingOpener = null
  }

  /** Whether a `;` here is inside a block (so it does not end the statement). */
  inBlock(): boolean {
    this.settle(null)
    return this.stack.length > 0
  }

  token(token: BlockToken): void {
    if (this.program === false) return
    if (this.program === null) return this.head(token)
    if (this.settle(token)) {
      this.prev = token
      return
    }
    if (token.kind === 'word') {
      const word = token.value
      if (word === 'begin' || word === 'loop' || word === 'while' || word === 'case') this.stack.push(word)
      else if ((word === 'if' || word === 'repeat') && this.atStatementStart()) {
        const afterBranch = this.prev.value === 'then' || this.prev.value === 'else'
        const functionIfParen = word === 'repeat' || (afterBranch && this.stack[this.stack.length - 1] === 'case')
        this.pendingOpener = { word, functionIfParen }
      } else if (word === 'end' && this.stack.length > 0) this.pendingEnd = true
    }
    this.prev = token
  }

  /** Resolves a pending END or opener with the token that follows it; true when the token was consumed (END IF …). */
  private settle(next: BlockToken | null): boolean {
    if (this.pendingEnd) {
      this.pendingEnd = false
      this.stack.pop()
      if (next?.kind === 'word' && CLOSED_BY_END.has(next.value)) return true
    }
    if (this.pendingOpener) {
      const { word, functionIfParen } = this.pendingOpener
      this.pendingOpener = null
      const paren = next?.kind === 'symbol' && next.value === '('
      if (next && !(functionIfParen && paren)) this.stack.push(word)
    }
    return false
  }

  private atStatementStart(): boolean {
    return this.prev.kind !== 'other' && STATEMENT_START.has(this.prev.value)
  }

  /** CREATE … {PROCEDURE | FUNCTION | TRIGGER | EVENT}, or BEGIN NOT ATOMIC. */
  private head(token: BlockToken): void {
    const index = this.count++
    const word = token.kind === 'word' ? token.value : null
    if (index === 0) {
      if (word !== 'create' && word !== 'begin') this.program = false
    } else if (this.prev.value === 'begin' && index === 1) {
      this.program = word === 'not'
      if (this.program) this.stack.push('begin')
    } else if (word !== null && ROUTINES.has(word)) {
      this.program = true
    } else if (word !== null && !HEAD_WORDS.has(word) && !['=', '@', '.'].includes(this.prev.value)) {
      this.program = false
    } else if (token.kind === 'symbol' && !['=', '@', '.', '(', ')'].includes(token.value)) {
      this.program = false
    }
    this.prev = token
  }
}
