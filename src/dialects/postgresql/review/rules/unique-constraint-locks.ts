/**
 * `unique-constraint-locks`: UNIQUE, PRIMARY KEY or EXCLUDE added to an existing table (also inline in ADD COLUMN)
 * builds its index under ACCESS EXCLUSIVE. Its page is in docs/rules.md.
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { addedConstraints, alterCommands, locked } from './support/constraints.js'
import { catalogNote, sqlIdentifier, sqlRelation, traceContradictsLock } from './support/lock-context.js'
import { names } from './support/nodes.js'
import { traceOf } from './support/relations.js'

const CONSTRAINT_KINDS: Record<string, string> = { CONSTR_PRIMARY: 'PRIMARY KEY', CONSTR_UNIQUE: 'UNIQUE', CONSTR_EXCLUSION: 'EXCLUDE' }

export const uniqueConstraintLocks: Rule = {
  id: 'unique-constraint-locks',
  severity: 'warning',
  summary: 'UNIQUE, PRIMARY KEY or EXCLUDE added to an existing table (also inline in ADD COLUMN) builds its index under ACCESS EXCLUSIVE',
  check(statement, context) {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return addedConstraints(alter.commands).flatMap(({ constraint, column }): RuleResult[] => {
      const kind = CONSTRAINT_KINDS[String(constraint.contype)]
      if (!kind || traceContradictsLock(statement, context, relation, 'AccessExclusiveLock')) return []
      const table = sqlRelation(relation, context)
      if (typeof constraint.indexname === 'string') {
        // USING INDEX builds nothing; a PRIMARY KEY still sets NOT NULL on its columns, reading every row of the table
        // for a column that lacks it. The SQL does not say which columns the index has: the trace's scans decide.
        const scanned = traceOf(statement, context)?.scanned
        if (kind !== 'PRIMARY KEY' || !scanned?.includes(relation)) return []
        return [
          {
            severity: 'warning',
            message:
              locked(
                statement,
                relation,
                'AccessExclusiveLock',
                context,
                `while every row is read to set NOT NULL on the key's columns (PRIMARY KEY USING INDEX ${sqlIdentifier(constraint.indexname)}: the throwaway database saw the scan)`
              ) + catalogNote(context),
            fix:
              'Make the index’s columns NOT NULL first without a scan under lock: a CHECK (… IS NOT NULL) NOT VALID, validated in a ' +
              'later version, then SET NOT NULL (see set-not-null); then PRIMARY KEY USING INDEX reads nothing.',
            fixSql:
              `ALTER TABLE ${table} ADD CONSTRAINT <column>_not_null CHECK (<column> IS NOT NULL) NOT VALID;\n` +
              `-- a later version\nALTER TABLE ${table} VALIDATE CONSTRAINT <column>_not_null;\n` +
              `ALTER TABLE ${table} ALTER COLUMN <column> SET NOT NULL;\n` +
              `ALTER TABLE ${table} ADD CONSTRAINT ${sqlIdentifier(typeof constraint.conname === 'string' ? constraint.conname : constraint.indexname)} PRIMARY KEY USING INDEX ${sqlIdentifier(constraint.indexname)};`,
            relation,
            lock: 'AccessExclusiveLock'
          }
        ]
      }
      const defaultName = `${relation.split('.').pop()}_${column ? `${column.name}_` : ''}${kind === 'PRIMARY KEY' ? 'pkey' : 'key'}`
      const name = sqlIdentifier(typeof constraint.conname === 'string' ? constraint.conname : defaultName)
      const columns = (column ? [column.name] : names(constraint.keys)).map(sqlIdentifier).join(', ')
      const exclude = kind === 'EXCLUDE'
      const during = column
        ? `while the ${kind} index on the new column \`${column.name}\` is built over every row`
        : `while the ${kind} index is built`
      const addColumn = column
        ? `-- this version\nALTER TABLE ${table} ADD COLUMN ${sqlIdentifier(column.name)} ${column.type}${column.hasDefault ? ' DEFAULT …' : ''};\n`
        : ''
      return [
        {
          severity: 'warning',
          message: locked(statement, relation, 'AccessExclusiveLock', context, during) + catalogNote(context),
          fix: exclude
            ? 'An EXCLUDE constraint cannot be added from an existing index: run it in a maintenance window, or enforce the rule otherwise.'
            : (column ? 'Add the column without the constraint (instant), then build' : 'Build') +
              ` the unique index with CREATE UNIQUE INDEX CONCURRENTLY in a \`-- migrate:no-transaction\` file, then add the constraint USING INDEX in a later version (instant` +
              (kind === 'PRIMARY KEY' ? ' once its columns are NOT NULL: else PostgreSQL reads every row to set it).' : ').'),
          fixSql: exclude
            ? undefined
            : `${addColumn}-- migrate:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY ${name} ON ${table} (${columns});\n` +
              (kind === 'PRIMARY KEY'
                ? `-- a later version: the key's columns NOT NULL without a scan under lock (see set-not-null), then\n`
                : `-- a later version\n`) +
              `ALTER TABLE ${table} ADD CONSTRAINT ${name} ${kind} USING INDEX ${name};`,
          relation,
          lock: 'AccessExclusiveLock'
        }
      ]
    })
  }
}
