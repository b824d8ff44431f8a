/**
 * `mysql-drop-or-rename`: DROP or RENAME of an existing table, or of one of its columns: the application version
 * still running during the deploy uses the old name. Its page is in docs/rules.md.
 */
import type { ReviewContext, Rule, RuleResult } from '../../../../review/types.js'
import type { TableName } from '../node.js'
import { backticked, describeTable, existedBefore, nodeOf, tableKey } from './support.js'

const STILL_RUNNING =
  'the application version still running while the deploy rolls out reads and writes the old name, and fails until it is replaced'

function finding(key: string, what: string, fix: string, context: ReviewContext): RuleResult {
  return {
    severity: 'warning',
    message: `${what} of ${describeTable(key, context)}: ${STILL_RUNNING}.`,
    fix,
    relation: key,
    lock: 'EXCLUSIVE'
  }
}

const EXPAND_CONTRACT =
  'Expand, then contract: first ship application code that no longer uses the old name (or uses both), and drop or rename in a later ' +
  'version, once no running application version needs it.'

export const dropOrRename: Rule = {
  id: 'mysql-drop-or-rename',
  severity: 'warning',
  summary: 'DROP or RENAME of an existing table or column: breaks the application version still running',
  check(statement, context) {
    const node = nodeOf(statement)
    const existing = (table: TableName) => existedBefore(tableKey(table), context)
    if (node?.kind === 'drop-table') {
      return node.tables
        .filter(existing)
        .map((table) => finding(tableKey(table), 'Drops the table and every row', EXPAND_CONTRACT, context))
    }
    if (node?.kind === 'rename-table') {
      return node.renames
        .filter((rename) => existing(rename.from))
        .map((rename) =>
          finding(
            tableKey(rename.from),
            `Renames the table to ${backticked(rename.to.name)}`,
            `${EXPAND_CONTRACT} (A view under the old name keeps simple reads and writes working meanwhile.)`,
            context
          )
        )
    }
    if (node?.kind !== 'alter-table' || !existing(node.table)) return []
    const key = tableKey(node.table)
    const results: RuleResult[] = []
    for (const clause of node.clauses) {
      if (clause.op === 'drop-column') results.push(finding(key, `Drops column ${backticked(clause.column)}`, EXPAND_CONTRACT, context))
      else if (clause.op === 'rename-column')
        results.push(finding(key, `Renames column ${backticked(clause.column)} to ${backticked(clause.to)}`, EXPAND_CONTRACT, context))
      else if (clause.op === 'change-column' && clause.definition.name !== clause.column)
        results.push(
          finding(
            key,
            `Renames column ${backticked(clause.column)} to ${backticked(clause.definition.name)} (CHANGE)`,
            EXPAND_CONTRACT,
            context
          )
        )
      else if (clause.op === 'rename-table')
        results.push(finding(key, `Renames the table to ${backticked(clause.to.name)}`, EXPAND_CONTRACT, context))
    }
    return results
  }
}
