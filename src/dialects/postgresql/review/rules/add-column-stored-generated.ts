/**
 * `add-column-stored-generated`: ADD COLUMN … GENERATED ALWAYS AS (…) STORED on an existing table: a table rewrite.
 * Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { backfillSql, columnsAddedToExistingTable, rewriteMessage } from './support/add-column.js'
import { sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { ACCESS_EXCLUSIVE, observedLock, observedRewrite } from './support/relations.js'

export const addColumnStoredGenerated: Rule = {
  id: 'add-column-stored-generated',
  severity: 'warning',
  summary: 'ADD COLUMN … GENERATED ALWAYS AS (…) STORED on an existing table: a table rewrite',
  check(statement, context) {
    return columnsAddedToExistingTable(statement, context).flatMap((column) => {
      const stored = column.constraints.some((constraint) => constraint.contype === 'CONSTR_GENERATED' && constraint.generated_kind === 's')
      if (!stored || observedRewrite(column.relation, statement, context) === false) return []
      const [table, name] = [sqlRelation(column.relation, context), sqlIdentifier(column.name)]
      return [
        {
          severity: 'warning',
          message: rewriteMessage('as a stored generated column, computed for every existing row', column, context),
          fix:
            'Add a plain nullable column, keep it filled for new rows with a trigger, and fill the existing rows in batches in a later version; ' +
            'or compute the value in a view or the query.',
          fixSql:
            `ALTER TABLE ${table} ADD COLUMN ${name} ${column.type};\n` +
            `-- a BEFORE INSERT OR UPDATE trigger sets NEW.${name} for new rows\n` +
            backfillSql(table, name, '<the expression>'),
          relation: column.relation,
          lock: observedLock(column.relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}
