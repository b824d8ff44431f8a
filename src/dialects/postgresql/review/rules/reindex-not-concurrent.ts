/**
 * `reindex-not-concurrent`: REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index).
 * Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { isRangeVar, statementKind } from '../names.js'
import { catalogNote, describeRelation, isNew, type LockMode, relationOf, traceContradictsLock } from './support/lock-context.js'
import { type Check, type Fields, NO_TRANSACTION_FIX } from './support/locks.js'

export const reindexNotConcurrent: Rule = {
  id: 'reindex-not-concurrent',
  severity: 'warning',
  summary: 'REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index)',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'ReindexStmt') return []
    const params = ((fields.params as unknown[] | undefined) ?? []).map((param) => (param as { DefElem?: Fields }).DefElem?.defname)
    if (params.includes('concurrently')) return []
    const target = isRangeVar(fields.relation) ? relationOf(fields.relation, context) : null
    if (target !== null && isNew(target, context)) return []
    const onIndex = fields.kind === 'REINDEX_OBJECT_INDEX'
    const mode: LockMode = onIndex ? 'AccessExclusiveLock' : 'ShareLock'
    if (target !== null && traceContradictsLock(statement, context, target, mode)) return []
    const shown =
      target === null
        ? `every index of the ${String(fields.kind).replace('REINDEX_OBJECT_', '').toLowerCase()}`
        : describeRelation(target, context)
    const sql = statement.sql.replace(/^REINDEX\s+(\([^)]*\)\s*)?(INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+/i, 'REINDEX $1$2 CONCURRENTLY ')
    return [
      {
        severity: 'warning',
        message:
          (onIndex
            ? `ACCESS EXCLUSIVE on index ${shown} and SHARE on its table while it is rebuilt: blocks writes to the table and every query that would use the index.`
            : `SHARE on ${shown} while its indexes are rebuilt: blocks INSERT, UPDATE and DELETE, and queries that would use each index as it is rebuilt.`) +
          catalogNote(context),
        fix: `Use REINDEX … CONCURRENTLY. ${NO_TRANSACTION_FIX}.`,
        fixSql: `-- migrate:no-transaction\n${sql};`,
        relation: target,
        lock: mode
      }
    ]
  }
}
