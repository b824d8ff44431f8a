/**
 * `drop-column`: DROP COLUMN on an existing table: deletes its data and breaks the application version still
 * running. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { STILL_RUNNING } from './support/destructive.js'
import { sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { alterTable, text } from './support/nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock } from './support/relations.js'

export const dropColumn: Rule = {
  id: 'drop-column',
  severity: 'warning',
  summary: 'DROP COLUMN on an existing table: deletes its data and breaks the application version still running',
  check(statement, context) {
    const altered = alterTable(statement.node, context.defaultSchema)
    if (!altered || !existedBefore(altered.relation, context)) return []
    return altered.commands.flatMap((command) => {
      const column = text(command.name)
      if (command.subtype !== 'AT_DropColumn' || !column) return []
      return [
        {
          severity: 'warning',
          message: `Drops column \`${column}\` of ${describeRelation(altered.relation, context)}: its values are gone, and ${STILL_RUNNING}.`,
          fix: 'Release an application version that neither reads nor writes the column first; drop it in a later version.',
          fixSql: `-- after the application stopped using ${column}, in a later version:\nALTER TABLE ${sqlRelation(altered.relation, context)} DROP COLUMN ${sqlIdentifier(column)};`,
          relation: altered.relation,
          lock: observedLock(altered.relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}
