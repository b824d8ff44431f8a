/**
 * `drop-schema`: DROP SCHEMA of an existing schema: deletes what it holds and breaks the application version still
 * running. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { schemaExistedBefore, STILL_RUNNING } from './support/destructive.js'
import { sqlIdentifier } from './support/lock-context.js'
import { body, list, text } from './support/nodes.js'

export const dropSchema: Rule = {
  id: 'drop-schema',
  severity: 'warning',
  summary: 'DROP SCHEMA of an existing schema: deletes what it holds and breaks the application version still running',
  check(statement, context) {
    const drop = body(statement.node, 'DropStmt')
    if (!drop || drop.removeType !== 'OBJECT_SCHEMA') return []
    return list(drop.objects).flatMap((object) => {
      const schema = text(body(object, 'String')?.sval)
      if (!schema || !schemaExistedBefore(schema, context)) return []
      const cascade = drop.behavior === 'DROP_CASCADE' ? ' and, with CASCADE, every table, view and function in it' : ''
      return [
        {
          severity: 'warning',
          message: `Drops schema \`${schema}\`${cascade}: what it held is gone, and ${STILL_RUNNING}.`,
          fix: 'Release an application version that no longer uses the schema first; drop it in a later version, without CASCADE, so that anything still in it stops the drop.',
          fixSql: `-- after the application stopped using ${schema}, in a later version:\nDROP SCHEMA ${sqlIdentifier(schema)};`,
          relation: null,
          lock: null
        }
      ]
    })
  }
}
