/**
 * `set-logged`: SET LOGGED on an existing unlogged table: a rewrite under ACCESS EXCLUSIVE that writes the whole
 * table to the WAL. Its page is in docs/rules.md.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { sqlRelation } from './support/lock-context.js'
import { persistenceChange, rewriteMessage } from './support/persistence.js'
import { ACCESS_EXCLUSIVE, observedLock } from './support/relations.js'

export const setLogged: Rule = {
  id: 'set-logged',
  severity: 'warning',
  summary: 'SET LOGGED on an existing unlogged table: a rewrite under ACCESS EXCLUSIVE that writes the whole table to the WAL',
  check(statement, context): RuleResult[] {
    const relation = persistenceChange(statement, context, 'AT_SetLogged')
    if (!relation) return []
    return [
      {
        severity: 'warning',
        message:
          rewriteMessage(statement, context, relation, 'as LOGGED') +
          ' The whole table is written to the WAL as it is copied, and sent to every replica.',
        fix:
          'Run it in a maintenance window, or fill a new logged table in batches (from a job or -- migrate:no-transaction versions) ' +
          'and switch the application to it.',
        fixSql: `CREATE TABLE ${sqlRelation(`${relation}_logged`, context)} (LIKE ${sqlRelation(relation, context)} INCLUDING ALL);\n-- later versions: copy in batches, then switch the application`,
        relation,
        lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE
      }
    ]
  }
}
