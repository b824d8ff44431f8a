/**
 * `rename-schema`: RENAME of an existing schema: breaks the application version still running. Its page is in
 * docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { schemaExistedBefore, STILL_RUNNING } from './support/destructive.js'
import { sqlIdentifier } from './support/lock-context.js'
import { body, text } from './support/nodes.js'

export const renameSchema: Rule = {
  id: 'rename-schema',
  severity: 'warning',
  summary: 'RENAME of an existing schema: breaks the application version still running',
  check(statement, context) {
    const rename = body(statement.node, 'RenameStmt')
    if (!rename || rename.renameType !== 'OBJECT_SCHEMA') return []
    const [from, to] = [text(rename.subname), text(rename.newname)]
    if (!from || !to || !schemaExistedBefore(from, context)) return []
    return [
      {
        severity: 'warning',
        message: `Renames schema \`${from}\` to \`${to}\`: ${STILL_RUNNING}.`,
        fix: 'Create the new schema and move the application to it over several versions (or keep the old name in the search_path of the running version); rename only names nothing uses.',
        fixSql: `-- after no application version uses ${from}, in a later version:\nALTER SCHEMA ${sqlIdentifier(from)} RENAME TO ${sqlIdentifier(to)};`,
        relation: null,
        lock: null
      }
    ]
  }
}
