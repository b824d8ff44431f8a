/**
 * What the rules `add-column-volatile-default`, `add-column-stored-generated`, `add-column-serial-identity` share.
 */
import type { ReviewContext, ReviewStatement } from '../../../../../review/types.js'
import { alterTable, body, columnType, list, type Node, text } from './nodes.js'
import { describeRelation, existedBefore } from './relations.js'

export interface AddedColumn {
  relation: string
  name: string
  type: string
  constraints: Node[]
}

/** The columns an ALTER TABLE adds to a table that existed before the pending versions. */
export function columnsAddedToExistingTable(statement: ReviewStatement, context: ReviewContext): AddedColumn[] {
  const altered = alterTable(statement.node, context.defaultSchema)
  if (!altered || !existedBefore(altered.relation, context)) return []
  return altered.commands.flatMap((command) => {
    const column = body(command.def, 'ColumnDef')
    const name = text(column?.colname)
    if (command.subtype !== 'AT_AddColumn' || !column || !name) return []
    const constraints = list(column.constraints).flatMap((constraint) => {
      const inner = body(constraint, 'Constraint')
      return inner ? [inner] : []
    })
    return [{ relation: altered.relation, name, type: columnType(column.typeName)?.display ?? 'unknown', constraints }]
  })
}

export function rewriteMessage(what: string, column: AddedColumn, context: ReviewContext): string {
  return (
    `Adds column \`${column.name}\` ${what}: PostgreSQL rewrites ${describeRelation(column.relation, context)} to fill it, ` +
    'holding ACCESS EXCLUSIVE for the whole rewrite: every read and write of the table waits.'
  )
}

/** A later batch update of the new column, for the fixes (relation and column already as SQL). */
export function backfillSql(relation: string, column: string, value: string): string {
  return (
    `-- then, in a later version (a -- migrate:no-transaction file), in batches of a few thousand rows:\n` +
    `UPDATE ${relation} SET ${column} = ${value} WHERE ${column} IS NULL AND id BETWEEN 1 AND 10000;`
  )
}
