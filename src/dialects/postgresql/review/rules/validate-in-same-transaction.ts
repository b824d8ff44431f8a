/**
 * `validate-in-same-transaction`: VALIDATE CONSTRAINT in the transaction that locked the table more strongly (its
 * ADD … NOT VALID): the scan runs under that lock. Its page is in docs/rules.md.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { alterCommands } from './support/constraints.js'
import { describeRelation, isAtLeast, lockBlocks, lockLabel, sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { heldBefore } from './support/lock-need.js'

export const validateInSameTransaction: Rule = {
  id: 'validate-in-same-transaction',
  severity: 'warning',
  summary:
    'VALIDATE CONSTRAINT in the transaction that locked the table more strongly (its ADD … NOT VALID): the scan runs under that lock',
  check(statement, context) {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return alter.commands.flatMap((command): RuleResult[] => {
      if (command.subtype !== 'AT_ValidateConstraint' || typeof command.name !== 'string') return []
      // VALIDATE itself takes SHARE UPDATE EXCLUSIVE: reads and writes go on, unless the transaction holds more already.
      const held = heldBefore(statement, context, relation)
      if (!held || !isAtLeast(held.mode, 'ShareLock')) return []
      const since = held.by ? ` since ${held.by.file}:${held.by.line}` : ''
      const table = sqlRelation(relation, context)
      return [
        {
          severity: 'warning',
          message:
            `Validates \`${command.name}\` by reading every row of ${describeRelation(relation, context)} while the version's transaction holds ` +
            `${lockLabel(held.mode)} on it${since}: ${lockBlocks(held.mode)} for the whole scan. Adding a constraint NOT VALID and ` +
            'validating it spares the table only when the validation runs in a later transaction.',
          fix: 'Validate it in a later version: there VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE, so reads and writes continue while it scans.',
          fixSql: `-- a later version\nALTER TABLE ${table} VALIDATE CONSTRAINT ${sqlIdentifier(command.name)};`,
          relation,
          lock: held.mode
        }
      ]
    })
  }
}
