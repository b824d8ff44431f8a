/** `cluster`: CLUSTER rewrites a table under ACCESS EXCLUSIVE. Its page is in docs/rules.md. */
import type { Rule } from '../../../../review/types.js'
import { isRangeVar, statementKind } from '../names.js'
import { type Check, everyTable, existing, rewriteFindings } from './support/locks.js'

export const cluster: Rule = {
  id: 'cluster',
  severity: 'warning',
  summary: 'CLUSTER rewrites a table under ACCESS EXCLUSIVE',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'ClusterStmt') return []
    const fix = 'Remove the CLUSTER; to reorder a table online, use pg_repack outside the migration.'
    if (!isRangeVar(fields.relation)) return everyTable(statement, context, 'CLUSTER', fix)
    return rewriteFindings(statement, context, existing([fields.relation], context), 'CLUSTER', fix)
  }
}
