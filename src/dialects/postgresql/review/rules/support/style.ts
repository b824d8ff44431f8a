/** What the rules `timestamp-without-time-zone`, `serial-column`, `json-column` share. */
import type { ReviewContext, ReviewStatement, Rule } from '../../../../../review/types.js'
import { type ColumnType, definedColumns } from './nodes.js'

/** A notice for every column the statement defines with a type the predicate picks. */
export function columnNotice(
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
