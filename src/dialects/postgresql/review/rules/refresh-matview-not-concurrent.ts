/**
 * `refresh-matview-not-concurrent`: REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view. Its
 * page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { isRangeVar, statementKind } from '../names.js'
import { catalogNote, isNew, relationOf, sqlRelation, traceContradictsLock } from './support/lock-context.js'
import { type Check, locked } from './support/locks.js'

export const refreshNotConcurrent: Rule = {
  id: 'refresh-matview-not-concurrent',
  severity: 'warning',
  summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'RefreshMatViewStmt' || fields.concurrent === true || fields.skipData === true || !isRangeVar(fields.relation)) return []
    const relation = relationOf(fields.relation, context)
    if (isNew(relation, context) || traceContradictsLock(statement, context, relation, 'AccessExclusiveLock')) return []
    return [
      {
        severity: 'warning',
        message: locked(statement, relation, 'AccessExclusiveLock', context, 'while the view is recomputed') + catalogNote(context),
        fix: 'Use REFRESH MATERIALIZED VIEW CONCURRENTLY (EXCLUSIVE: reads continue); it needs a unique index on the view.',
        fixSql: `REFRESH MATERIALIZED VIEW CONCURRENTLY ${sqlRelation(relation, context)};`,
        relation,
        lock: 'AccessExclusiveLock'
      }
    ]
  }
}
