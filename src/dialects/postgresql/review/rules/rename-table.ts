/**
 * `rename-table`: RENAME of an existing table: breaks the application version still running. Its page is in
 * docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { STILL_RUNNING } from './support/destructive.js'
import { sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { body, rangeVarName, text } from './support/nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock } from './support/relations.js'

export const renameTable: Rule = {
  id: 'rename-table',
  severity: 'warning',
  summary: 'RENAME of an existing table: breaks the application version still running',
  check(statement, context) {
    const rename = body(statement.node, 'RenameStmt')
    if (!rename || rename.renameType !== 'OBJECT_TABLE') return []
    const relation = rangeVarName(rename.relation, context.defaultSchema)
    const to = text(rename.newname)
    if (!relation || !to || !existedBefore(relation, context)) return []
    return [
      {
        severity: 'warning',
        message: `Renames ${describeRelation(relation, context)} to \`${to}\`: ${STILL_RUNNING}.`,
        fix:
          'Rename it and leave a view under the old name in the same version (a simple view is updatable: the running application keeps ' +
          'reading and writing through it); drop the view once no application version uses the old name.',
        fixSql:
          `ALTER TABLE ${sqlRelation(relation, context)} RENAME TO ${sqlIdentifier(to)};\n` +
          `CREATE VIEW ${sqlRelation(relation, context)} AS SELECT * FROM ${sqlIdentifier(relation.split('.')[0])}.${sqlIdentifier(to)};`,
        relation,
        lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE
      }
    ]
  }
}
