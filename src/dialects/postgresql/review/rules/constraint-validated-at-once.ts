/**
 * `constraint-validated-at-once`: A FOREIGN KEY or CHECK constraint added to an existing table (also inline in ADD
 * COLUMN) is validated at once, scanning it under lock. Its page is in docs/rules.md.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { isRangeVar } from '../names.js'
import { addedConstraints, alterCommands, traceShowsNoScan } from './support/constraints.js'
import {
  catalogNote,
  describeRelation,
  lockBlocks,
  lockLabel,
  type LockMode,
  relationName,
  relationOf,
  sqlIdentifier,
  sqlRelation,
  traceContradictsLock,
  traceShowsNotValidated
} from './support/lock-context.js'
import { heldNote } from './support/lock-need.js'
import { names } from './support/nodes.js'

export const constraintValidatedAtOnce: Rule = {
  id: 'constraint-validated-at-once',
  severity: 'warning',
  summary:
    'A FOREIGN KEY or CHECK constraint added to an existing table (also inline in ADD COLUMN) is validated at once, scanning it under lock',
  check(statement, context) {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return addedConstraints(alter.commands).flatMap(({ constraint, column }): RuleResult[] => {
      if (constraint.skip_validation === true) return []
      const foreign = constraint.contype === 'CONSTR_FOREIGN'
      if (!foreign && constraint.contype !== 'CONSTR_CHECK') return []
      // A column added without a value is NULL in every row: PostgreSQL checks no existing row of a foreign key on it.
      if (foreign && column && !column.hasDefault) return []
      const conname = typeof constraint.conname === 'string' ? constraint.conname : undefined
      // ADD COLUMN takes ACCESS EXCLUSIVE whatever the constraint; ADD CONSTRAINT FOREIGN KEY takes SHARE ROW EXCLUSIVE.
      const mode: LockMode = foreign && !column ? 'ShareRowExclusiveLock' : 'AccessExclusiveLock'
      if (traceShowsNotValidated(statement, context, conname) || traceContradictsLock(statement, context, relation, mode)) return []
      if (traceShowsNoScan(statement, context, relation)) return []
      const name = conname ?? `${relation.split('.').pop()}_${column ? `${column.name}_` : ''}${foreign ? 'fkey' : 'check'}`
      const table = sqlRelation(relation, context)
      const fkColumns = column ? [column.name] : names(constraint.fk_attrs)
      const what = foreign ? `FOREIGN KEY (${fkColumns.join(', ')})` : 'CHECK constraint'
      const referenced = foreign && isRangeVar(constraint.pktable) ? ` and on ${relationName(relationOf(constraint.pktable, context))}` : ''
      const inline = column ? `Adds column \`${column.name}\` with an inline ${foreign ? 'REFERENCES' : 'CHECK'}: ` : ''
      const addColumn = column
        ? `ALTER TABLE ${table} ADD COLUMN ${sqlIdentifier(column.name)} ${column.type}${column.hasDefault ? ' DEFAULT …' : ''};\n`
        : ''
      return [
        {
          severity: 'warning',
          message:
            inline +
            `${lockLabel(mode)} on ${describeRelation(relation, context)}${referenced} while the ${what} is checked against every row: ` +
            `${lockBlocks(mode)}.` +
            heldNote(statement, context, relation, mode) +
            catalogNote(context),
          fix:
            (column
              ? 'Add the column without the constraint (instant), then add the constraint NOT VALID'
              : 'Add the constraint NOT VALID') +
            ' (instant: new rows are checked, old rows are not), then validate it in a later version: ' +
            'VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE, so reads and writes continue while it scans.',
          fixSql:
            `-- this version\n${addColumn}ALTER TABLE ${table} ADD CONSTRAINT ${sqlIdentifier(name)} … NOT VALID;\n` +
            `-- a later version\nALTER TABLE ${table} VALIDATE CONSTRAINT ${sqlIdentifier(name)};`,
          relation,
          lock: mode
        }
      ]
    })
  }
}
