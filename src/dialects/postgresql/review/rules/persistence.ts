/**
 * ALTER TABLE … SET LOGGED / SET UNLOGGED on an existing table: PostgreSQL copies the whole table (and rebuilds its
 * indexes) into new files under ACCESS EXCLUSIVE. SET UNLOGGED also takes the table out of the WAL: PostgreSQL empties
 * it after a crash or a failover, and replicas do not receive its rows. Changing a table to what it already is
 * rewrites nothing: a trace that saw no rewrite silences the rules.
 */
import type { ReviewContext, ReviewStatement, Rule, RuleResult } from '../../../../review/types.js'
import { sqlRelation } from './lock-context.js'
import { heldNote } from './lock-need.js'
import { alterTable } from './nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock, observedRewrite } from './relations.js'

/** The existing table the statement sets to `subtype` (AT_SetLogged or AT_SetUnLogged), when it rewrites it (or may). */
function persistenceChange(statement: ReviewStatement, context: ReviewContext, subtype: string): string | null {
  const altered = alterTable(statement.node, context.defaultSchema)
  if (!altered || !existedBefore(altered.relation, context)) return null
  if (!altered.commands.some((command) => command.subtype === subtype)) return null
  return observedRewrite(altered.relation, statement, context) === false ? null : altered.relation
}

function rewriteMessage(statement: ReviewStatement, context: ReviewContext, relation: string, what: string): string {
  return (
    `Rewrites ${describeRelation(relation, context)} ${what}: PostgreSQL copies every row and rebuilds its indexes under ACCESS EXCLUSIVE, ` +
    'and every read and write of the table waits for the whole copy.' +
    heldNote(statement, context, relation, 'AccessExclusiveLock')
  )
}

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
