/**
 * `mysql-table-without-primary-key`: CREATE TABLE without a PRIMARY KEY. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { describeTable, nodeOf, tableKey } from './support.js'

export const tableWithoutPrimaryKey: Rule = {
  id: 'mysql-table-without-primary-key',
  severity: 'warning',
  summary: 'CREATE TABLE without a PRIMARY KEY: a hidden key InnoDB chooses, and no online schema change later',
  check(statement, context) {
    const node = nodeOf(statement)
    if (node?.kind !== 'create-table' || node.temporary || node.like || node.asSelect) return []
    const primary = node.indexes.some((index) => index.kind === 'primary') || node.columns.some((column) => column.primaryKey)
    if (primary) return []
    const key = tableKey(node.table)
    return [
      {
        severity: 'warning',
        message:
          `Creates ${describeTable(key, context)} without a PRIMARY KEY: InnoDB clusters it on its first unique NOT NULL index or on a ` +
          'hidden row id shared by every such table of the server, row-based replication finds each row it changes by scanning, and ' +
          'online schema-change tools (gh-ost, pt-online-schema-change, Spirit) refuse a table without a primary or unique key.',
        fix: 'Give it a PRIMARY KEY (an `id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY` column, or the natural key).',
        relation: key,
        lock: null
      }
    ]
  }
}
