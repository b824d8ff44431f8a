/**
 * `mysql-redundant-index`: an index whose columns are the leading columns of another index of the table (in the
 * target's catalog, or created by the same statement): every write maintains it, and no query needs it. Its page is
 * in docs/rules.md.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import type { MysqlTableFacts } from '../catalog.js'
import type { IndexDefinition } from '../node.js'
import { describeTable, factsOf, nodeOf, tableKey } from './support.js'

const lower = (columns: readonly string[]) => columns.map((column) => column.toLowerCase().replace(/\(\d+\)$/, ''))

/** Whether `a`'s columns are the leading columns of `b`'s (same or fewer). */
function covered(a: readonly string[], b: readonly string[]): boolean {
  const x = lower(a)
  const y = lower(b)
  return x.length > 0 && x.length <= y.length && x.every((column, i) => column === y[i])
}

export const redundantIndex: Rule = {
  id: 'mysql-redundant-index',
  severity: 'notice',
  summary: 'an index whose columns lead another index of the table: every write maintains it, and no query needs it',
  check(statement, context) {
    const node = nodeOf(statement)
    const added: Array<{ table: string; index: IndexDefinition }> =
      node?.kind === 'create-index'
        ? [{ table: tableKey(node.table), index: node.index }]
        : node?.kind === 'alter-table'
          ? node.clauses.flatMap((c) => (c.op === 'add-index' ? [{ table: tableKey(node.table), index: c.index }] : []))
          : []
    const results: RuleResult[] = []
    for (const { table, index } of added) {
      // A UNIQUE or PRIMARY index enforces something; FULLTEXT and SPATIAL serve other queries.
      if (index.kind !== 'index') continue
      const facts = factsOf(table, context) as MysqlTableFacts | null
      const existing = (facts?.indexes ?? []).filter((other) => other.kind !== 'fulltext' && other.kind !== 'spatial')
      const siblings = added
        .filter((other) => other.index !== index && other.table === table)
        .map((other) => ({ name: other.index.name ?? '(unnamed)', columns: other.index.columns }))
      const wider = [...existing, ...siblings].find((other) => covered(index.columns, other.columns))
      if (!wider) continue
      results.push({
        severity: 'notice',
        message:
          `Adds an index on (${index.columns.join(', ')}) to ${describeTable(table, context)}, whose index \`${wider.name}\` on ` +
          `(${wider.columns.join(', ')}) starts with the same columns: it serves the same lookups, and every insert and update pays for both.`,
        fix: `Leave this index out: \`${wider.name}\` serves its queries.`,
        relation: table,
        lock: null
      })
    }
    return results
  }
}
