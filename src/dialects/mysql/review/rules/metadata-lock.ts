/**
 * `mysql-metadata-lock`: DDL on an existing table while the target has transactions that have been open for a
 * minute or more. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import type { MysqlTableFacts } from '../catalog.js'
import type { MysqlNode, TableName } from '../node.js'
import { describeTable, existedBefore, factsOf, nodeOf, tableKey } from './support.js'

/** The tables a DDL statement needs the metadata lock of. */
function ddlTables(node: MysqlNode | null): TableName[] {
  switch (node?.kind) {
    case 'alter-table':
    case 'create-index':
    case 'drop-index':
    case 'truncate':
      return [node.table]
    case 'drop-table':
      return node.tables
    case 'rename-table':
      return node.renames.map((r) => r.from)
    case 'create-trigger':
      return node.table ? [node.table] : []
    default:
      return []
  }
}

export const metadataLock: Rule = {
  id: 'mysql-metadata-lock',
  severity: 'warning',
  summary: 'DDL while transactions have been open for a minute or more: it waits for its metadata lock, and queries queue behind it',
  check(statement, context) {
    return ddlTables(nodeOf(statement))
      .map(tableKey)
      .filter((key) => existedBefore(key, context))
      .flatMap((key) => {
        const open = (factsOf(key, context) as MysqlTableFacts | null)?.server?.openTransactions ?? []
        if (!open.length) return []
        const sessions = open
          .map(
            (t) =>
              `session ${t.id} (${t.user ? `user ${t.user}, ` : ''}transaction open ${t.seconds} s${t.command ? `, ${t.command}` : ''})`
          )
          .join('; ')
        return [
          {
            severity: 'warning' as const,
            message:
              `When the plan read the target, ${sessions}. A transaction that touched ${describeTable(key, context)} holds its metadata ` +
              'lock until it ends: this statement would wait for it, and every new query on the table would queue behind the waiting ' +
              'statement (apply gives up after lock-timeout and retries, up to lock-retries).',
            fix:
              'Find what keeps those transactions open (an idle client in a transaction, a long report) and end it before applying ' +
              '(`KILL <session>`), or apply when they are gone. Keep lock-timeout short.',
            relation: key,
            lock: 'EXCLUSIVE'
          }
        ]
      })
  }
}
