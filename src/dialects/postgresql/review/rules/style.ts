/**
 * Notices on column types, wherever a column is defined (CREATE TABLE, ADD COLUMN, ALTER COLUMN … TYPE): choices
 * that cost later, not now.
 */
import type { ReviewStatement, ReviewContext, Rule } from '../../../../review/types.js'
import { definedColumns, SERIAL_TYPES, type ColumnType } from './nodes.js'

/** A notice for every column the statement defines with a type the predicate picks. */
function columnNotice(
  statement: ReviewStatement,
  context: ReviewContext,
  picks: (type: ColumnType) => boolean,
  say: (column: string, type: ColumnType) => { message: string; fix: string; fixSql: string }
): ReturnType<Rule['check']> {
  return definedColumns(statement.node, context.defaultSchema)
    .filter((column) => picks(column.type))
    .map((column) => ({
      ...say(`\`${column.relation}.${column.column}\``, column.type),
      severity: 'notice',
      relation: column.relation,
      lock: null
    }))
}

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
