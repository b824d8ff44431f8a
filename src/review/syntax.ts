/**
 * Statements the dialect's parser refuses: each is an error at its file, line and column, found with no
 * database. `review` is what people run as a lint step, and a statement that does not parse fails on
 * every server of the dialect, so it is never a finding a comment or the ignore-rules input can waive.
 */
import type { Statement } from '../migrations/types.js'
import type { SyntaxError } from './dialect.js'
import type { Finding } from './types.js'

/** The id syntax errors are reported under (not a rule: nothing can waive it). */
export const SYNTAX_ERROR = 'syntax-error'

/** The statement the parser refuses, as an error finding where the parser points; `engine` names the dialect ("PostgreSQL"). */
export function syntaxErrorFinding(version: number, statement: Statement, error: SyntaxError, engine: string): Finding {
  const { line, column } = positionOf(statement, error.offset)
  return {
    rule: SYNTAX_ERROR,
    severity: 'error',
    version,
    file: statement.file,
    line,
    column,
    message: `${engine} cannot parse this statement: ${error.message}.`,
    fix: `Correct the SQL: it fails on every ${engine}, so apply would stop at this statement.`,
    relation: null,
    lock: null
  }
}

/**
 * The syntax errors among `findings` that verification did not already fail at (`failedAt`: where the failed
 * version stopped on the throwaway database, when it did). Verification stops at the first error of a version,
 * so an error elsewhere, even in the same file, is still said.
 */
export function syntaxErrorsBesides(
  findings: readonly Finding[],
  failedAt: { file: string; line: number; column: number } | null | undefined
): Finding[] {
  return findings.filter(
    (finding) =>
      finding.rule === SYNTAX_ERROR &&
      !finding.waived &&
      !(failedAt && finding.file === failedAt.file && finding.line === failedAt.line && finding.column === failedAt.column)
  )
}

/**
 * The file line and column of `offset` code points into the statement (which starts at its own line and
 * column). The parser counts code points, as the splitter's columns do.
 */
export function positionOf(statement: Statement, offset: number): { line: number; column: number } {
  const before = [...statement.sql].slice(0, offset).join('')
  const lines = before.split(/\r\n|\r|\n/)
  if (lines.length === 1) return { line: statement.line, column: statement.column + [...before].length }
  return { line: statement.line + lines.length - 1, column: [...lines[lines.length - 1]].length + 1 }
}
