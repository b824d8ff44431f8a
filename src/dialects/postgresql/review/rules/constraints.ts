/**
 * Rules about constraints added to an existing table, whether as `ADD CONSTRAINT` or written inline in
 * `ADD COLUMN` (`ADD COLUMN code text UNIQUE`, `… CHECK (…)`, `… PRIMARY KEY`, `… REFERENCES t DEFAULT 1`): a unique
 * index built, or every row checked, while the table is locked; NOT NULL set by a scan (or not, when a valid CHECK
 * proves it, or the column is NOT NULL already); a NOT NULL column added without a value for the existing rows.
 *
 * The trace decides where it can: a statement that read no table in full (`scanned`) checked no row.
 */
import { isRangeVar, statementKind } from '../names.js'
import type { ReviewContext, ReviewStatement, Rule, RuleResult } from '../../../../review/types.js'
import {
  catalogNote,
  describeRelation,
  isAtLeast,
  isNew,
  lockBlocks,
  lockLabel,
  relationName,
  relationOf,
  sqlIdentifier,
  sqlRelation,
  traceContradictsLock,
  traceShowsNotValidated,
  type LockMode
} from './lock-context.js'
import { heldBefore, heldNote, transactionOf } from './lock-need.js'
import { body, columnType, list, names } from './nodes.js'
import { traceOf } from './relations.js'

type Fields = Record<string, unknown>

/** A constraint an ALTER TABLE adds: by ADD CONSTRAINT, or inline in the definition of a column it adds. */
interface AddedConstraint {
  constraint: Fields
  /** The column added with it, for an inline constraint. */
  column: { name: string; type: string; hasDefault: boolean } | null
}

/** The ALTER TABLE commands of a statement on an existing table, with that table's name. */
function alterCommands(statement: ReviewStatement, context: ReviewContext): { relation: string; commands: Fields[] } | null {
  const [kind, fields] = statementKind(statement.node)
  if (kind !== 'AlterTableStmt' || fields.objtype !== 'OBJECT_TABLE' || !isRangeVar(fields.relation)) return null
  const relation = relationOf(fields.relation, context)
  if (isNew(relation, context)) return null
  const commands = list(fields.cmds).map((cmd) => body(cmd, 'AlterTableCmd') ?? {})
  return { relation, commands }
}

function constraintsOf(column: Fields): Fields[] {
  return list(column.constraints).flatMap((item) => {
    const constraint = body(item, 'Constraint')
    return constraint ? [constraint] : []
  })
}

function addedConstraints(commands: Fields[]): AddedConstraint[] {
  return commands.flatMap((command): AddedConstraint[] => {
    if (command.subtype === 'AT_AddConstraint') {
      const constraint = body(command.def, 'Constraint')
      return constraint ? [{ constraint, column: null }] : []
    }
    const column = command.subtype === 'AT_AddColumn' ? body(command.def, 'ColumnDef') : null
    if (!column) return []
    const inline = constraintsOf(column)
    // A DEFAULT NULL gives the existing rows no value either.
    const hasDefault = inline.some(
      (constraint) =>
        (constraint.contype === 'CONSTR_DEFAULT' && body(constraint.raw_expr, 'A_Const')?.isnull !== true) ||
        constraint.contype === 'CONSTR_IDENTITY' ||
        constraint.contype === 'CONSTR_GENERATED'
    )
    const shown = { name: String(column.colname), type: columnType(column.typeName)?.display ?? '…', hasDefault }
    return inline.map((constraint) => ({ constraint, column: shown }))
  })
}

function locked(statement: ReviewStatement, relation: string, mode: LockMode, context: ReviewContext, during: string): string {
  return (
    `${lockLabel(mode)} on ${describeRelation(relation, context)} ${during}: ${lockBlocks(mode)}.` +
    heldNote(statement, context, relation, mode)
  )
}

/** The statement's trace shows that it read no table in full: it checked no row. */
function traceShowsNoScan(statement: ReviewStatement, context: ReviewContext, relation: string): boolean {
  const scanned = traceOf(statement, context)?.scanned
  return scanned !== undefined && !scanned.includes(relation)
}

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

/** `CHECK (column IS NOT NULL)`: the constraint whose validity lets SET NOT NULL skip its scan. */
function provesNotNull(constraint: Fields | null, column: string): boolean {
  if (constraint?.contype !== 'CONSTR_CHECK') return false
  const test = body(constraint.raw_expr, 'NullTest')
  return test?.nulltesttype === 'IS_NOT_NULL' && names(body(test.arg, 'ColumnRef')?.fields).join('.') === column
}

/** The constraint's name holds the column's as a whole part between underscores (`users_n_not_null` names `n`). */
function namesColumn(name: string, column: string): boolean {
  return `_${name}_`.includes(`_${column}_`)
}

/**
 * Before the statement, in its transaction, the pending SQL makes a valid `CHECK (column IS NOT NULL)` on the table:
 * added without NOT VALID, or validated by VALIDATE CONSTRAINT. A constraint validated there whose definition is in
 * an applied version (not in the pending SQL) counts when its name has the column's between underscores (docs/rules.md's pattern):
 * the trace, when there is one, decides instead.
 */
export function provenByPendingCheck(statement: ReviewStatement, context: ReviewContext, relation: string, column: string): boolean {
  const transaction = transactionOf(statement, context)
  const earlier = transaction.slice(
    0,
    transaction.findIndex((other) => other.index === statement.index)
  )
  const defined = new Map<string, Fields>()
  for (const other of context.versionStatements ?? []) {
    const alter = alterCommands(other, context)
    if (!alter || alter.relation !== relation) continue
    for (const command of alter.commands) {
      const constraint = command.subtype === 'AT_AddConstraint' ? body(command.def, 'Constraint') : null
      if (constraint && typeof constraint.conname === 'string') defined.set(constraint.conname, constraint)
    }
  }
  return earlier.some((other) => {
    const alter = alterCommands(other, context)
    if (!alter || alter.relation !== relation) return false
    return alter.commands.some((command) => {
      const constraint = command.subtype === 'AT_AddConstraint' ? body(command.def, 'Constraint') : null
      if (constraint) return constraint.skip_validation !== true && provesNotNull(constraint, column)
      if (command.subtype !== 'AT_ValidateConstraint' || typeof command.name !== 'string') return false
      const definition = defined.get(command.name)
      return definition ? provesNotNull(definition, column) : namesColumn(command.name, column)
    })
  })
}

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

export const addColumnNotNullWithoutDefault: Rule = {
  id: 'add-column-not-null-without-default',
  severity: 'error',
  summary: 'ADD COLUMN … NOT NULL (or PRIMARY KEY) without a default fails on a table that has rows',
  check(statement, context) {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return alter.commands.flatMap((command): RuleResult[] => {
      if (command.subtype !== 'AT_AddColumn') return []
      const column = body(command.def, 'ColumnDef') ?? {}
      const types = constraintsOf(column).map((constraint) => String(constraint.contype))
      const filled = ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].some((type) => types.includes(type))
      // A serial column has a default; PRIMARY KEY makes the column NOT NULL.
      const serial = /serial[248]?$/.test(columnType(column.typeName)?.name ?? '')
      const notNull = types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY')
      if (!notNull || filled || serial) return []
      const name = String(column.colname)
      const what = types.includes('CONSTR_NOTNULL') ? 'NOT NULL' : 'PRIMARY KEY (so NOT NULL)'
      const facts = context.catalog?.get(relation)
      const rows = facts?.rows ?? null
      if (context.catalog !== null && (facts === undefined || rows === 0)) return []
      const fix = {
        fix:
          'Add the column with a constant default (instant since PostgreSQL 11: no rewrite), or add it nullable, ' +
          'backfill it in batches and set NOT NULL in a later version.',
        fixSql: `ALTER TABLE ${sqlRelation(relation, context)} ADD COLUMN ${sqlIdentifier(name)} … NOT NULL DEFAULT <constant>;`,
        relation,
        lock: 'AccessExclusiveLock'
      }
      if (rows !== null && rows > 0) {
        return [
          {
            ...fix,
            severity: 'error',
            message: `${describeRelation(relation, context)} has rows: adding \`${name}\` ${what} without a default fails (the existing rows would be NULL), and the version rolls back.`
          }
        ]
      }
      return [
        {
          ...fix,
          severity: 'warning',
          message:
            `Adding \`${name}\` ${what} without a default fails if ${relationName(relation)} has rows; ` +
            (context.catalog === null
              ? 'without a target catalog, whether it has any is unknown (judged from the repository alone).'
              : 'the catalog has no row estimate for it (never analyzed), so whether it has any is unknown.')
        }
      ]
    })
  }
}

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
