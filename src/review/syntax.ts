/**
 * Statements PostgreSQL's parser refuses: each is an error at its file, line and column, found with no
 * database. `review` is what people run as a lint step, and a statement that does not parse fails on
 * every PostgreSQL, so it is never a finding a comment or the ignore-rules input can waive.
 */
import type { Statement, Version } from '../migrations/types.js'
import { loadParser } from './parse.js'
import type { Finding } from './types.js'

/** The id syntax errors are reported under (not a rule: nothing can waive it). */
export const SYNTAX_ERROR = 'syntax-error'

/** Every pending statement the parser refuses, as an error finding where the parser points. */
export async function syntaxErrors(versions: Version[], pending: number[]): Promise<Finding[]> {
  const parser = await loadParser()
  const wanted = new Set(pending)
  const findings: Finding[] = []
  for (const version of versions) {
    if (!wanted.has(version.number)) continue
    for (const file of version.files) {
      for (const statement of file.statements) {
        const error = parser.syntaxError(statement.sql)
        if (!error) continue
        const { line, column } = positionOf(statement, error.offset)
        findings.push({
          rule: SYNTAX_ERROR,
          severity: 'error',
          version: version.number,
          file: statement.file,
          line,
          column,
          message: `PostgreSQL cannot parse this statement: ${error.message}.`,
          fix: 'Correct the SQL: it fails on every PostgreSQL, so apply would stop at this statement.',
          relation: null,
          lock: null
        })
      }
    }
  }
  return findings
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
