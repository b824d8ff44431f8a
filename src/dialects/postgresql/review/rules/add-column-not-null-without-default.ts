/**
 * `add-column-not-null-without-default`: ADD COLUMN … NOT NULL (or PRIMARY KEY) without a default fails on a table
 * that has rows. Its page is in docs/rules.md.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { alterCommands, constraintsOf } from './support/constraints.js'
import { describeRelation, relationName, sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { body, columnType } from './support/nodes.js'

export const addColumnNotNullWithoutDefault: Rule = {
  id: 'add-column-not-null-without-default',
  severity: 'error',
  summary: 'ADD COLUMN … NOT NULL (or PRIMARY KEY) without a default fails on a table that has rows',
  check(statement, context) {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return alter.commands.flatMap((command): RuleResult[] => {
      if (command.subtype !== 'AT_AddColumn') return []
      const column = body(command.def, 'ColumnDef') ?? {}
      const types = constraintsOf(column).map((constraint) => String(constraint.contype))
      const filled = ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].some((type) => types.includes(type))
      // A serial column has a default; PRIMARY KEY makes the column NOT NULL.
      const serial = /serial[248]?$/.test(columnType(column.typeName)?.name ?? '')
      const notNull = types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY')
      if (!notNull || filled || serial) return []
      const name = String(column.colname)
      const what = types.includes('CONSTR_NOTNULL') ? 'NOT NULL' : 'PRIMARY KEY (so NOT NULL)'
      const facts = context.catalog?.get(relation)
      const rows = facts?.rows ?? null
      if (context.catalog !== null && (facts === undefined || rows === 0)) return []
      const fix = {
        fix:
          'Add the column with a constant default (instant since PostgreSQL 11: no rewrite), or add it nullable, ' +
          'backfill it in batches and set NOT NULL in a later version.',
        fixSql: `ALTER TABLE ${sqlRelation(relation, context)} ADD COLUMN ${sqlIdentifier(name)} … NOT NULL DEFAULT <constant>;`,
        relation,
        lock: 'AccessExclusiveLock'
      }
      if (rows !== null && rows > 0) {
        return [
          {
            ...fix,
            severity: 'error',
            message: `${describeRelation(relation, context)} has rows: adding \`${name}\` ${what} without a default fails (the existing rows would be NULL), and the version rolls back.`
          }
        ]
      }
      return [
        {
          ...fix,
          severity: 'warning',
          message:
            `Adding \`${name}\` ${what} without a default fails if ${relationName(relation)} has rows; ` +
            (context.catalog === null
              ? 'without a target catalog, whether it has any is unknown (judged from the repository alone).'
              : 'the catalog has no row estimate for it (never analyzed), so whether it has any is unknown.')
        }
      ]
    })
  }
}
