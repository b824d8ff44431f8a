/** `truncate`: TRUNCATE empties an existing table under ACCESS EXCLUSIVE. Its page is in docs/rules.md. */
import type { Rule } from '../../../../review/types.js'
import { statementKind } from '../names.js'
import { traceContradictsLock } from './support/lock-context.js'
import { type Check, existing, locked } from './support/locks.js'

export const truncate: Rule = {
  id: 'truncate',
  severity: 'warning',
  summary: 'TRUNCATE empties an existing table under ACCESS EXCLUSIVE',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'TruncateStmt') return []
    return existing(fields.relations, context)
      .filter((relation) => !traceContradictsLock(statement, context, relation, 'AccessExclusiveLock'))
      .map((relation) => ({
        severity: 'warning',
        message: `Removes every row. ${locked(statement, relation, 'AccessExclusiveLock', context, 'until the version commits')}`,
        fix: 'If the data must go, delete it in batches in a later version (or from a job); if it must not, remove the TRUNCATE.',
        relation,
        lock: 'AccessExclusiveLock'
      }))
  }
}
