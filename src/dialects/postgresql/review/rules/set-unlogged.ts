/**
 * `set-unlogged`: SET UNLOGGED on an existing table: a rewrite under ACCESS EXCLUSIVE, then no crash safety and no
 * replicas. Its page is in docs/rules.md.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { sqlRelation } from './support/lock-context.js'
import { persistenceChange, rewriteMessage } from './support/persistence.js'
import { ACCESS_EXCLUSIVE, observedLock } from './support/relations.js'

export const setUnlogged: Rule = {
  id: 'set-unlogged',
  severity: 'error',
  summary: 'SET UNLOGGED on an existing table: a rewrite under ACCESS EXCLUSIVE, then no crash safety and no replicas',
  check(statement, context): RuleResult[] {
    const relation = persistenceChange(statement, context, 'AT_SetUnLogged')
    if (!relation) return []
    return [
      {
        severity: 'error',
        message:
          rewriteMessage(statement, context, relation, 'as UNLOGGED') +
          ' Afterwards the table is not written to the WAL: PostgreSQL empties it after a crash or a failover, and replicas do not ' +
          'receive its rows (read replicas see it empty). PostgreSQL refuses the change while a foreign key of a logged table references it.',
        fix:
          'Keep the table logged. For data that may be lost (a cache, a staging area), create a new UNLOGGED table and move the ' +
          'application to it; never make a table that holds data of record unlogged.',
        fixSql: `CREATE UNLOGGED TABLE ${sqlRelation(`${relation}_unlogged`, context)} (LIKE ${sqlRelation(relation, context)} INCLUDING ALL);`,
        relation,
        lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE
      }
    ]
  }
}
