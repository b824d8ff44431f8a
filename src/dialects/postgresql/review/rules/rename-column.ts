/**
 * `rename-column`: RENAME COLUMN on an existing table: breaks the application version still running. Its page is in
 * docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { STILL_RUNNING } from './support/destructive.js'
import { sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { body, rangeVarName, text } from './support/nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock } from './support/relations.js'

export const renameColumn: Rule = {
  id: 'rename-column',
  severity: 'warning',
  summary: 'RENAME COLUMN on an existing table: breaks the application version still running',
  check(statement, context) {
    const rename = body(statement.node, 'RenameStmt')
    if (!rename || rename.renameType !== 'OBJECT_COLUMN' || rename.relationType !== 'OBJECT_TABLE') return []
    const relation = rangeVarName(rename.relation, context.defaultSchema)
    const [from, to] = [text(rename.subname), text(rename.newname)]
    if (!relation || !from || !to || !existedBefore(relation, context)) return []
    return [
      {
        severity: 'warning',
        message: `Renames column \`${from}\` of ${describeRelation(relation, context)} to \`${to}\`: ${STILL_RUNNING}.`,
        fix:
          'Add the new column, keep both filled (trigger or application), copy the existing rows in batches, switch the application to ' +
          'the new name, and drop the old column in a later version.',
        fixSql:
          `ALTER TABLE ${sqlRelation(relation, context)} ADD COLUMN ${sqlIdentifier(to)} <type of ${from}>;\n` +
          `-- a trigger keeps ${to} = ${from} for new rows; copy the rest in batches;\n` +
          `-- after the application reads ${to}, in a later version:\nALTER TABLE ${sqlRelation(relation, context)} DROP COLUMN ${sqlIdentifier(from)};`,
        relation,
        lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE
      }
    ]
  }
}
