/**
 * A foreign key without an index on its referencing columns: every DELETE or key UPDATE on the referenced
 * table scans the referencing table for matching rows, holding its row locks meanwhile.
 */
import type { ReviewContext, ReviewStatement, Rule } from '../../../../review/types.js'
import { isRangeVar, qualifiedName, statementKind } from '../names.js'
import { relationName, sqlIdentifier, sqlRelation } from './support/lock-context.js'

type Fields = Record<string, unknown>

function constraintsIn(list: unknown): Fields[] {
  return ((list as unknown[] | undefined) ?? []).flatMap((item) => {
    const constraint = (item as { Constraint?: Fields }).Constraint
    return constraint ? [constraint] : []
  })
}

function strings(list: unknown): string[] {
  return ((list as unknown[] | undefined) ?? []).map((item) => String((item as { String?: { sval?: string } }).String?.sval))
}

/** The referencing column lists of the foreign keys a statement adds, with their table. */
function foreignKeys(statement: ReviewStatement, context: ReviewContext): { relation: string; columns: string[] }[] {
  const [kind, fields] = statementKind(statement.node)
  if (!isRangeVar(fields.relation)) return []
  const relation = qualifiedName(fields.relation, context.defaultSchema)
  const found: string[][] = []
  const fromColumn = (column: Fields): void => {
    for (const constraint of constraintsIn(column.constraints)) {
      if (constraint.contype === 'CONSTR_FOREIGN') found.push([String(column.colname)])
    }
  }
  const fromConstraint = (constraint: Fields): void => {
    if (constraint.contype === 'CONSTR_FOREIGN') found.push(strings(constraint.fk_attrs))
  }
  if (kind === 'CreateStmt') {
    for (const element of (fields.tableElts as unknown[] | undefined) ?? []) {
      const column = (element as { ColumnDef?: Fields }).ColumnDef
      if (column) fromColumn(column)
      const constraint = (element as { Constraint?: Fields }).Constraint
      if (constraint) fromConstraint(constraint)
    }
  } else if (kind === 'AlterTableStmt') {
    for (const cmd of (fields.cmds as unknown[] | undefined) ?? []) {
      const command = (cmd as { AlterTableCmd?: Fields }).AlterTableCmd ?? {}
      const def = command.def as { ColumnDef?: Fields; Constraint?: Fields } | undefined
      if (command.subtype === 'AT_AddColumn' && def?.ColumnDef) fromColumn(def.ColumnDef)
      if (command.subtype === 'AT_AddConstraint' && def?.Constraint) fromConstraint(def.Constraint)
    }
  }
  return found.map((columns) => ({ relation, columns }))
}

/** An index whose leading columns are the foreign key's columns (in any order) serves its lookups. */
function covered(columns: string[], indexes: ReadonlyArray<readonly string[]>): boolean {
  return indexes.some((index) => {
    const leading = new Set(index.slice(0, columns.length))
    return columns.every((column) => leading.has(column))
  })
}

export const foreignKeyWithoutIndex: Rule = {
  id: 'foreign-key-without-index',
  severity: 'notice',
  summary: 'A foreign key without an index on its referencing columns makes deletes on the referenced table scan this one',
  check(statement, context) {
    return foreignKeys(statement, context).flatMap(({ relation, columns }) => {
      if (covered(columns, context.pendingIndexColumns?.get(relation) ?? [])) return []
      const existing = !context.createdEarlier.has(relation) && statementKind(statement.node)[0] !== 'CreateStmt'
      const list = columns.map(sqlIdentifier).join(', ')
      const table = relationName(relation)
      return [
        {
          severity: 'notice',
          message:
            `No index on ${table} (${list}) in the pending versions: each DELETE or key UPDATE on the referenced table scans ${table}, ` +
            `and so does validating the key.` +
            (existing ? ' The target’s existing indexes are not read: if one already starts with these columns, waive this finding.' : ''),
          fix: `Create an index on the referencing columns${existing ? ' (CONCURRENTLY, in a `-- migrate:no-transaction` file)' : ''}.`,
          fixSql: existing
            ? `-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY ON ${sqlRelation(relation, context)} (${list});`
            : `CREATE INDEX ON ${sqlRelation(relation, context)} (${list});`,
          relation,
          lock: null
        }
      ]
    })
  }
}
