/** `serial-column`: `serial` / `bigserial` column: prefer an identity column. Its page is in docs/rules.md. */
import type { Rule } from '../../../../review/types.js'
import { SERIAL_TYPES } from './support/nodes.js'
import { columnNotice } from './support/style.js'

export const serialColumn: Rule = {
  id: 'serial-column',
  severity: 'notice',
  summary: '`serial` / `bigserial` column: prefer an identity column',
  check(statement, context) {
    return columnNotice(
      statement,
      context,
      (type) => SERIAL_TYPES.has(type.name),
      (column, type) => ({
        message: `${column} is \`${type.display}\`: its sequence is a separate object with its own grants and ownership, and inserts may write the column by hand.`,
        fix: 'Use an identity column (SQL standard; the sequence belongs to the column, and GENERATED ALWAYS refuses hand-written values).',
        fixSql: `${type.name.startsWith('small') || type.name === 'serial2' ? 'smallint' : type.name.startsWith('big') || type.name === 'serial8' ? 'bigint' : 'integer'} GENERATED ALWAYS AS IDENTITY`
      })
    )
  }
}
