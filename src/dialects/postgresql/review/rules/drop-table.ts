/**
 * `drop-table`: DROP TABLE of an existing table: deletes its rows and breaks the application version still running.
 * Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { STILL_RUNNING } from './support/destructive.js'
import { sqlRelation } from './support/lock-context.js'
import { body, list, names, qualifiedName } from './support/nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock } from './support/relations.js'

export const dropTable: Rule = {
  id: 'drop-table',
  severity: 'warning',
  summary: 'DROP TABLE of an existing table: deletes its rows and breaks the application version still running',
  check(statement, context) {
    const drop = body(statement.node, 'DropStmt')
    if (!drop || drop.removeType !== 'OBJECT_TABLE') return []
    return list(drop.objects).flatMap((object) => {
      const relation = qualifiedName(names(body(object, 'List')?.items), context.defaultSchema)
      if (!existedBefore(relation, context)) return []
      return [
        {
          severity: 'warning',
          message: `Drops ${describeRelation(relation, context)}: its rows are gone, and ${STILL_RUNNING}.`,
          fix: 'Release an application version that no longer uses the table first; drop it in a later version (keep a backup if its rows matter).',
          fixSql: `-- after the application stopped using ${relation}, in a later version:\nDROP TABLE ${sqlRelation(relation, context)};`,
          relation,
          lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}
