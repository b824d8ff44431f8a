/** `vacuum-full`: VACUUM FULL rewrites tables under ACCESS EXCLUSIVE. Its page is in docs/rules.md. */
import type { Rule } from '../../../../review/types.js'
import { statementKind } from '../names.js'
import { type Check, everyTable, existing, type Fields, rewriteFindings } from './support/locks.js'

/** A boolean option as PostgreSQL reads it (defGetBoolean): no value, `true`/`on`, or a non-zero integer. */
function optionEnabled(option: Fields): boolean {
  const arg = option.arg as { String?: { sval?: string }; Integer?: { ival?: number } } | undefined
  if (arg === undefined) return true
  if (arg.Integer) return (arg.Integer.ival ?? 0) !== 0
  return !['false', 'off'].includes(String(arg.String?.sval).toLowerCase())
}

export const vacuumFull: Rule = {
  id: 'vacuum-full',
  severity: 'warning',
  summary: 'VACUUM FULL rewrites tables under ACCESS EXCLUSIVE',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'VacuumStmt' || fields.is_vacuumcmd !== true) return []
    const options = ((fields.options as unknown[] | undefined) ?? []).map((option) => (option as { DefElem?: Fields }).DefElem ?? {})
    const full = options.some((option) => option.defname === 'full' && optionEnabled(option))
    if (!full) return []
    const rels = ((fields.rels as unknown[] | undefined) ?? []).map(
      (rel) => (rel as { VacuumRelation?: { relation?: unknown } }).VacuumRelation?.relation
    )
    const fix = 'Use plain VACUUM (no exclusive lock); to reclaim space online, use pg_repack outside the migration.'
    if (rels.length === 0) return everyTable(statement, context, 'VACUUM FULL', fix)
    return rewriteFindings(statement, context, existing(rels, context), 'VACUUM FULL', fix)
  }
}
