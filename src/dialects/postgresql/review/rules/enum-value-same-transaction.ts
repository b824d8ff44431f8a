/**
 * `enum-value-same-transaction`: an enum value added by ALTER TYPE … ADD VALUE and used in the same transaction:
 * PostgreSQL refuses it. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { transactionOf } from './support/lock-need.js'
import { body, names, stringConstants, text } from './support/nodes.js'
import { traceOf } from './support/relations.js'

export const enumValueUsedInTransaction: Rule = {
  id: 'enum-value-same-transaction',
  severity: 'error',
  summary: 'An enum value added by ALTER TYPE … ADD VALUE and used in the same transaction: PostgreSQL refuses it',
  check(statement, context) {
    // The throwaway database ran this statement after the ALTER TYPE: whatever the constant is, it did not fail.
    if (traceOf(statement, context)) return []
    const transaction = transactionOf(statement, context)
    const earlier = transaction.slice(
      0,
      transaction.findIndex((other) => other.index === statement.index)
    )
    const createdEnums = new Set(earlier.map((other) => names(body(other.node, 'CreateEnumStmt')?.typeName).join('.')).filter(Boolean))
    const used = new Set(stringConstants(statement.node))
    return earlier.flatMap((other) => {
      const alter = body(other.node, 'AlterEnumStmt')
      const value = text(alter?.newVal)
      const type = names(alter?.typeName).join('.')
      // RENAME VALUE has an oldVal; a type created in the same transaction may use its new values at once.
      if (!alter || !value || alter.oldVal !== undefined || !used.has(value) || createdEnums.has(type)) return []
      return [
        {
          severity: 'error',
          message:
            `Uses '${value}', which \`ALTER TYPE ${type} ADD VALUE\` at ${other.file}:${other.line} adds in the same transaction: PostgreSQL ` +
            `refuses a new enum value until that transaction commits (unsafe use of new value "${value}"), so the version fails.`,
          fix: 'Add the value in an earlier version (or in a -- migrate:no-transaction file before this one), and use it from the next one.',
          fixSql: `-- version N:\nALTER TYPE ${type} ADD VALUE IF NOT EXISTS '${value}';\n-- version N + 1:\n${statement.sql.trim()}`,
          relation: null,
          lock: null
        }
      ]
    })
  }
}
