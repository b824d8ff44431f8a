/**
 * `mysql-non-transactional-table`: a table on an engine without transactions (MyISAM, MEMORY, ARCHIVE …), created,
 * converted to, or written by a version: a statement that fails half-way leaves what it wrote, and the journal's
 * batches are not atomic there. Its page is in docs/rules.md.
 */
import type { RelationFacts, Rule } from '../../../../review/types.js'
import { describeTable, existedBefore, factsOf, nodeOf, tableKey } from './support.js'

const TRANSACTIONAL = new Set(['innodb', 'ndb', 'ndbcluster'])

const WHY =
  'a statement on it that fails half-way keeps the rows it wrote, and a batch of the version that fails is not rolled back there; ' +
  'Aurora MySQL supports only InnoDB for durable tables'

const FIX = 'Use InnoDB (the default: leave ENGINE out, or write ENGINE = InnoDB), and convert existing tables in a version of their own.'

function engineOf(facts: RelationFacts | null): string | null {
  const engine = (facts as { engine?: unknown } | null)?.engine
  return typeof engine === 'string' ? engine : null
}

export const nonTransactionalTable: Rule = {
  id: 'mysql-non-transactional-table',
  severity: 'warning',
  summary: 'a table on an engine without transactions (MyISAM, MEMORY …): a failure half-way keeps what it wrote',
  check(statement, context) {
    const node = nodeOf(statement)
    if (node?.kind === 'create-table' && node.engine && !TRANSACTIONAL.has(node.engine.toLowerCase()) && !node.temporary) {
      const key = tableKey(node.table)
      return [
        {
          severity: 'warning',
          message: `Creates ${describeTable(key, context)} with ENGINE = ${node.engine}: ${WHY}.`,
          fix: FIX,
          relation: key,
          lock: null
        }
      ]
    }
    if (node?.kind === 'alter-table') {
      const clause = node.clauses.find((c) => c.op === 'engine' && !TRANSACTIONAL.has(c.engine.toLowerCase()))
      if (clause && clause.op === 'engine') {
        const key = tableKey(node.table)
        return [
          {
            severity: 'warning',
            message: `Converts ${describeTable(key, context)} to ENGINE = ${clause.engine}: ${WHY}.`,
            fix: FIX,
            relation: key,
            lock: null
          }
        ]
      }
      return []
    }
    const written =
      node?.kind === 'update' || node?.kind === 'delete'
        ? node.tables
        : node?.kind === 'insert' || node?.kind === 'replace'
          ? [node.table]
          : []
    return written
      .map(tableKey)
      .filter((key) => existedBefore(key, context))
      .flatMap((key) => {
        const engine = engineOf(factsOf(key, context))
        if (!engine || TRANSACTIONAL.has(engine.toLowerCase())) return []
        return [
          {
            severity: 'warning' as const,
            message: `Writes ${describeTable(key, context)}, a ${engine} table: ${WHY}.`,
            fix: FIX,
            relation: key,
            lock: null
          }
        ]
      })
  }
}
