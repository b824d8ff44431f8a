/**
 * ALTER TABLE … ATTACH PARTITION of an existing table: PostgreSQL checks that every row of the table fits the
 * partition's bounds, reading all of it under ACCESS EXCLUSIVE on that table (SHARE UPDATE EXCLUSIVE on the parent),
 * unless a valid CHECK constraint on the table already implies the bounds. The trace decides when there is one (it
 * saw the table read in full, or not); without it the rule fires, saying what would spare the scan.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { sqlRelation } from './support/lock-context.js'
import { heldNote } from './support/lock-need.js'
import { alterTable, body, rangeVarName } from './support/nodes.js'
import { describeRelation, existedBefore, traceOf } from './support/relations.js'

export const attachPartitionScan: Rule = {
  id: 'attach-partition-scan',
  severity: 'warning',
  summary: 'ATTACH PARTITION of an existing table without a CHECK that implies its bounds reads it all under ACCESS EXCLUSIVE',
  check(statement, context) {
    const altered = alterTable(statement.node, context.defaultSchema)
    if (!altered) return []
    return altered.commands.flatMap((command): RuleResult[] => {
      if (command.subtype !== 'AT_AttachPartition') return []
      const partition = rangeVarName(body(command.def, 'PartitionCmd')?.name, context.defaultSchema)
      if (!partition || !existedBefore(partition, context)) return []
      const scanned = traceOf(statement, context)?.scanned
      if (scanned !== undefined && !scanned.includes(partition)) return []
      const table = sqlRelation(partition, context)
      return [
        {
          severity: 'warning',
          message:
            `ACCESS EXCLUSIVE on ${describeRelation(partition, context)} while every row of it is checked against the partition's bounds` +
            (scanned === undefined ? ' (unless a valid CHECK constraint on it implies them)' : ' (the throwaway database saw the scan)') +
            ': every read and write of it waits.' +
            heldNote(statement, context, partition, 'AccessExclusiveLock'),
          fix:
            'Add a CHECK constraint that matches the bounds NOT VALID, validate it in a later version (SHARE UPDATE EXCLUSIVE only), ' +
            'then attach: PostgreSQL uses the valid constraint and skips the scan; drop the CHECK afterwards.',
          fixSql:
            `ALTER TABLE ${table} ADD CONSTRAINT <bounds_check> CHECK (<partition key> >= <from> AND <partition key> < <to>) NOT VALID;\n` +
            `-- a later version\nALTER TABLE ${table} VALIDATE CONSTRAINT <bounds_check>;\n` +
            `ALTER TABLE ${sqlRelation(altered.relation, context)} ATTACH PARTITION ${table} FOR VALUES …;\n` +
            `ALTER TABLE ${table} DROP CONSTRAINT <bounds_check>;`,
          relation: partition,
          lock: 'AccessExclusiveLock'
        }
      ]
    })
  }
}
