/**
 * `timestamp-without-time-zone`: `timestamp` (without time zone) column: prefer `timestamptz`. Its page is in
 * docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { columnNotice } from './support/style.js'

export const timestampWithoutTimeZone: Rule = {
  id: 'timestamp-without-time-zone',
  severity: 'notice',
  summary: '`timestamp` (without time zone) column: prefer `timestamptz`',
  check(statement, context) {
    return columnNotice(
      statement,
      context,
      (type) => type.name === 'timestamp',
      (column, type) => ({
        message: `${column} is \`${type.display}\` without time zone: it stores wall-clock time and reads differently for every session's TimeZone.`,
        fix: 'Use timestamptz: it stores an instant, and shows it in the time zone of whoever reads it.',
        fixSql: type.array ? 'timestamptz[]' : 'timestamptz'
      })
    )
  }
}
