/**
 * `index-not-concurrent`: CREATE INDEX without CONCURRENTLY on an existing table blocks writes while the index is
 * built. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { isRangeVar, statementKind } from '../names.js'
import { catalogNote, isNew, relationOf, sqlIdentifier, sqlRelation, traceContradictsLock } from './support/lock-context.js'
import { type Check, locked, NO_TRANSACTION_FIX } from './support/locks.js'

export const indexNotConcurrent: Rule = {
  id: 'index-not-concurrent',
  severity: 'warning',
  summary: 'CREATE INDEX without CONCURRENTLY on an existing table blocks writes while the index is built',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'IndexStmt' || fields.concurrent === true || !isRangeVar(fields.relation)) return []
    const relation = relationOf(fields.relation, context)
    if (isNew(relation, context) || traceContradictsLock(statement, context, relation, 'ShareLock')) return []
    const name = typeof fields.idxname === 'string' ? `${sqlIdentifier(fields.idxname)} ` : ''
    if (context.catalog?.get(relation)?.kind === 'partitioned table') {
      // CREATE INDEX ON ONLY the parent builds nothing; CONCURRENTLY is refused on a partitioned table.
      if (fields.relation.inh !== true) return []
      return [
        {
          severity: 'warning',
          message: locked(statement, relation, 'ShareLock', context, 'and on every partition while the index is built on each'),
          fix:
            'PostgreSQL refuses CONCURRENTLY on a partitioned table. Create the index ON ONLY the parent (instant, not yet valid), ' +
            'build it CONCURRENTLY on each partition in a `-- migrate:no-transaction` file, then attach each one: the parent index becomes valid when all are attached.',
          fixSql:
            `CREATE INDEX ${name}ON ONLY ${sqlRelation(relation, context)} (…);\n` +
            `-- migrate:no-transaction, for each partition:\nCREATE INDEX CONCURRENTLY <partition_index> ON <partition> (…);\n` +
            `ALTER INDEX ${name || '<parent_index> '}ATTACH PARTITION <partition_index>;`,
          relation,
          lock: 'ShareLock'
        }
      ]
    }
    const concurrent = statement.sql.replace(/^(CREATE\s+(?:UNIQUE\s+)?INDEX)\s+/i, '$1 CONCURRENTLY ')
    return [
      {
        severity: 'warning',
        message: locked(statement, relation, 'ShareLock', context, 'while the whole index is built') + catalogNote(context),
        fix: `Build the index ${name}with CONCURRENTLY: it takes SHARE UPDATE EXCLUSIVE and lets writes continue. ${NO_TRANSACTION_FIX} (CONCURRENTLY cannot run in a transaction).`,
        fixSql: `-- migrate:no-transaction\n${concurrent};`,
        relation,
        lock: 'ShareLock'
      }
    ]
  }
}
