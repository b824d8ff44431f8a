/**
 * `lock-table`: LOCK TABLE in a mode that blocks writes holds it until the version commits. Its page is in
 * docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { statementKind } from '../names.js'
import { isAtLeast, lockModeFromNumber, traceContradictsLock } from './support/lock-context.js'
import { type Check, existing, locked } from './support/locks.js'

export const lockTable: Rule = {
  id: 'lock-table',
  severity: 'warning',
  summary: 'LOCK TABLE in a mode that blocks writes holds it until the version commits',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    const mode = kind === 'LockStmt' ? lockModeFromNumber(Number(fields.mode ?? 8)) : null
    if (!mode || !isAtLeast(mode, 'ShareLock')) return []
    return existing(fields.relations, context)
      .filter((relation) => !traceContradictsLock(statement, context, relation, mode))
      .map((relation) => ({
        severity: 'warning',
        message: locked(statement, relation, mode, context, 'until the version commits'),
        fix: 'Leave the locking to the statements that need it, and keep the version short; if it must stay, set a lock_timeout before it.',
        relation,
        lock: mode
      }))
  }
}
