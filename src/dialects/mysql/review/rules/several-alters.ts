/**
 * `mysql-several-alters`: two or more ALTER TABLE (or CREATE/DROP INDEX) statements on one existing table in one
 * version. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import type { MysqlNode } from '../node.js'
import { describeTable, existedBefore, nodeOf, tableKey } from './support.js'

/** The table an ALTER-like statement changes, keyed; null for other statements. */
export function alteredTable(node: MysqlNode | null): string | null {
  if (!node) return null
  if (node.kind === 'alter-table' || node.kind === 'create-index' || node.kind === 'drop-index') return tableKey(node.table)
  return null
}

export const severalAlters: Rule = {
  id: 'mysql-several-alters',
  severity: 'warning',
  summary: 'several ALTER TABLE statements on one table in a version: each commits alone, and each may rebuild the table again',
  check(statement, context) {
    const key = alteredTable(nodeOf(statement))
    if (!key || !existedBefore(key, context) || !context.versionStatements) return []
    const earlier = context.versionStatements.filter((other) => other.index < statement.index && alteredTable(nodeOf(other)) === key)
    if (!earlier.length) return []
    const first = earlier[0]
    return [
      {
        severity: 'warning',
        message:
          `Alters ${describeTable(key, context)} again: ${first.file}:${first.line} altered it earlier in v${statement.version}. ` +
          'Each ALTER TABLE commits on its own, waits for the metadata lock again, and may rebuild the table again; if a later ' +
          'one fails, the earlier ones stay.',
        fix: 'Combine the clauses into one ALTER TABLE statement: one metadata lock, one rebuild at most, and atomic (all or nothing).',
        relation: key,
        lock: null
      }
    ]
  }
}
