/**
 * `set-not-null`: SET NOT NULL on an existing column scans the table under ACCESS EXCLUSIVE (unless a valid CHECK
 * proves it). Its page is in docs/rules.md.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { alterCommands, locked, provenByPendingCheck, traceShowsNoScan } from './support/constraints.js'
import { catalogNote, sqlIdentifier, sqlRelation, traceContradictsLock } from './support/lock-context.js'
import { traceOf } from './support/relations.js'

export const setNotNull: Rule = {
  id: 'set-not-null',
  severity: 'warning',
  summary: 'SET NOT NULL on an existing column scans the table under ACCESS EXCLUSIVE (unless a valid CHECK proves it)',
  check(statement, context) {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return alter.commands.flatMap((command): RuleResult[] => {
      if (command.subtype !== 'AT_SetNotNull' || typeof command.name !== 'string') return []
      if (traceContradictsLock(statement, context, relation, 'AccessExclusiveLock')) return []
      const column = command.name
      // No scan on the throwaway database: a valid CHECK (column IS NOT NULL) proved it, or it was NOT NULL already.
      if (traceShowsNoScan(statement, context, relation)) return []
      if (!traceOf(statement, context) && provenByPendingCheck(statement, context, relation, column)) return []
      // The target's catalog, when it says: NOT NULL already, or proved by a valid CHECK (nothing to scan either way).
      const facts = context.catalog?.get(relation)
      if (facts?.notNullColumns?.includes(column) || facts?.checkedNotNullColumns?.includes(column)) return []
      const nulls = facts?.nullFraction?.[column]
      const table = sqlRelation(relation, context)
      const check = sqlIdentifier(`${relation.split('.').pop()}_${column}_not_null`)
      const failing = nulls !== undefined && nulls > 0
      return [
        {
          severity: failing ? 'error' : 'warning',
          message:
            (failing
              ? `\`${column}\` holds NULL in about ${Math.max(1, Math.round(nulls * 100))}% of rows (pg_stats): SET NOT NULL will fail. `
              : '') +
            locked(statement, relation, 'AccessExclusiveLock', context, `while every row is checked for NULL in \`${column}\``) +
            catalogNote(context),
          fix:
            (failing ? 'Backfill the NULLs first (in batches). ' : '') +
            'Add a CHECK (… IS NOT NULL) NOT VALID constraint, validate it in a later version (SHARE UPDATE EXCLUSIVE only), ' +
            'then SET NOT NULL: PostgreSQL uses the valid constraint and skips the scan; drop the CHECK afterwards.',
          fixSql:
            `-- this version\nALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${sqlIdentifier(column)} IS NOT NULL) NOT VALID;\n` +
            `-- a later version\nALTER TABLE ${table} VALIDATE CONSTRAINT ${check};\n` +
            `ALTER TABLE ${table} ALTER COLUMN ${sqlIdentifier(column)} SET NOT NULL;\nALTER TABLE ${table} DROP CONSTRAINT ${check};`,
          relation,
          lock: 'AccessExclusiveLock'
        }
      ]
    })
  }
}
