/** `mysql-truncate`: TRUNCATE of an existing table: every row gone, committed at once, no rollback. Its page is in docs/rules.md. */
import type { Rule } from '../../../../review/types.js'
import { describeTable, existedBefore, nodeOf, tableKey } from './support.js'

export const truncate: Rule = {
  id: 'mysql-truncate',
  severity: 'warning',
  summary: 'TRUNCATE of an existing table: every row gone, committed at once, no rollback',
  check(statement, context) {
    const node = nodeOf(statement)
    if (node?.kind !== 'truncate') return []
    const key = tableKey(node.table)
    if (!existedBefore(key, context)) return []
    return [
      {
        severity: 'warning',
        message:
          `Removes every row of ${describeTable(key, context)}. On MySQL TRUNCATE is DDL: it drops and recreates the table under an ` +
          'exclusive metadata lock and commits at once; nothing after it in the version can undo it.',
        fix: 'If the data must go, delete it in batches from a job (DELETE … LIMIT 10000, repeated); if it must not, remove the TRUNCATE.',
        relation: key,
        lock: 'EXCLUSIVE'
      }
    ]
  }
}
