/** `json-column`: `json` column: prefer `jsonb`. Its page is in docs/rules.md. */
import type { Rule } from '../../../../review/types.js'
import { columnNotice } from './support/style.js'

export const jsonColumn: Rule = {
  id: 'json-column',
  severity: 'notice',
  summary: '`json` column: prefer `jsonb`',
  check(statement, context) {
    return columnNotice(
      statement,
      context,
      (type) => type.name === 'json',
      (column, type) => ({
        message: `${column} is \`${type.display}\`: stored as text, parsed again on every read, and it has no equality operator (no DISTINCT, GROUP BY or index).`,
        fix: 'Use jsonb, unless the exact text (key order, duplicate keys, white space) must be kept.',
        fixSql: type.array ? 'jsonb[]' : 'jsonb'
      })
    )
  }
}
