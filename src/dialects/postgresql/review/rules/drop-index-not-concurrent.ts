/**
 * `drop-index-not-concurrent`: DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index’s table. Its
 * page is in docs/rules.md.
 */
import { type Rule, traceKey } from '../../../../review/types.js'
import { nameFromList, statementKind } from '../names.js'
import { catalogNote, describeRelation, isNew, sqlRelation } from './support/lock-context.js'
import { type Check, NO_TRANSACTION_FIX } from './support/locks.js'

export const dropIndexNotConcurrent: Rule = {
  id: 'drop-index-not-concurrent',
  severity: 'warning',
  summary: 'DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index’s table',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'DropStmt' || fields.removeType !== 'OBJECT_INDEX' || fields.concurrent === true) return []
    const trace = context.trace?.get(traceKey(statement.version, statement.index))
    return ((fields.objects as unknown[] | undefined) ?? []).flatMap((object) => {
      const index = nameFromList((object as { List?: { items?: unknown } }).List?.items, context.defaultSchema)
      if (index === null || isNew(index, context)) return []
      // The statement names the index; the trace names its table (the dropped index is gone from pg_class).
      const tables = trace?.locks
        .filter((lock) => lock.mode === 'AccessExclusiveLock' && lock.relation !== index)
        .map((lock) => lock.relation)
      if (tables !== undefined && tables.length === 0) return []
      const table = tables?.[0]
      return [
        {
          severity: 'warning',
          message:
            `ACCESS EXCLUSIVE on ${table ? describeRelation(table, context) : 'the table'} while index ` +
            `${describeRelation(index, context)} is dropped, until the version commits: blocks every read and write of the table.` +
            catalogNote(context),
          fix: `Drop it with DROP INDEX CONCURRENTLY, which waits for running queries instead of blocking new ones. ${NO_TRANSACTION_FIX}.`,
          fixSql: `-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS ${sqlRelation(index, context)};`,
          relation: table ?? index,
          lock: 'AccessExclusiveLock'
        }
      ]
    })
  }
}
