/**
 * `mysql-unbatched-backfill`: UPDATE or DELETE of a whole existing table in one statement (no WHERE and no LIMIT):
 * every row locked until it commits, and a long undo log. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { describeTable, existedBefore, nodeOf, sizeSeverity, sqlTable, tableKey } from './support.js'

export const unbatchedBackfill: Rule = {
  id: 'mysql-unbatched-backfill',
  severity: 'warning',
  summary: 'UPDATE or DELETE of a whole existing table in one statement: every row locked until it commits',
  check(statement, context) {
    const node = nodeOf(statement)
    if ((node?.kind !== 'update' && node?.kind !== 'delete') || node.where || node.limit) return []
    return node.tables
      .map(tableKey)
      .filter((key) => existedBefore(key, context))
      .map((key) => ({
        severity: sizeSeverity(key, context),
        message:
          `${node.kind === 'update' ? 'Updates' : 'Deletes'} every row of ${describeTable(key, context)} in one statement: InnoDB locks each ` +
          'row until the statement commits (blocking other writers of those rows), the undo log grows with the table, and replicas ' +
          'fall behind while they replay it.',
        fix: 'Backfill in batches by key range from a job, or in several versions: each batch a short statement that commits.',
        fixSql: `${node.kind === 'update' ? `UPDATE ${sqlTable(key)} SET … WHERE id BETWEEN 1 AND 10000` : `DELETE FROM ${sqlTable(key)} WHERE … LIMIT 10000`};`,
        relation: key,
        lock: null
      }))
  }
}
