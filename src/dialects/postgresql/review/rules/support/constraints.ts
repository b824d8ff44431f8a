/**
 * What the rules `constraint-validated-at-once`, `set-not-null`, `add-column-not-null-without-default`, `unique-
 * constraint-locks`, `validate-in-same-transaction` share.
 */
import type { ReviewContext, ReviewStatement } from '../../../../../review/types.js'
import { isRangeVar, statementKind } from '../../names.js'
import { describeRelation, isNew, lockBlocks, lockLabel, type LockMode, relationOf } from './lock-context.js'
import { heldNote, transactionOf } from './lock-need.js'
import { body, columnType, list, names } from './nodes.js'
import { traceOf } from './relations.js'

export type Fields = Record<string, unknown>

/** A constraint an ALTER TABLE adds: by ADD CONSTRAINT, or inline in the definition of a column it adds. */
export interface AddedConstraint {
  constraint: Fields
  /** The column added with it, for an inline constraint. */
  column: { name: string; type: string; hasDefault: boolean } | null
}

/** The ALTER TABLE commands of a statement on an existing table, with that table's name. */
export function alterCommands(statement: ReviewStatement, context: ReviewContext): { relation: string; commands: Fields[] } | null {
  const [kind, fields] = statementKind(statement.node)
  if (kind !== 'AlterTableStmt' || fields.objtype !== 'OBJECT_TABLE' || !isRangeVar(fields.relation)) return null
  const relation = relationOf(fields.relation, context)
  if (isNew(relation, context)) return null
  const commands = list(fields.cmds).map((cmd) => body(cmd, 'AlterTableCmd') ?? {})
  return { relation, commands }
}

export function constraintsOf(column: Fields): Fields[] {
  return list(column.constraints).flatMap((item) => {
    const constraint = body(item, 'Constraint')
    return constraint ? [constraint] : []
  })
}

export function addedConstraints(commands: Fields[]): AddedConstraint[] {
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

export function locked(statement: ReviewStatement, relation: string, mode: LockMode, context: ReviewContext, during: string): string {
  return (
    `${lockLabel(mode)} on ${describeRelation(relation, context)} ${during}: ${lockBlocks(mode)}.` +
    heldNote(statement, context, relation, mode)
  )
}

/** The statement's trace shows that it read no table in full: it checked no row. */
export function traceShowsNoScan(statement: ReviewStatement, context: ReviewContext, relation: string): boolean {
  const scanned = traceOf(statement, context)?.scanned
  return scanned !== undefined && !scanned.includes(relation)
}

/** `CHECK (column IS NOT NULL)`: the constraint whose validity lets SET NOT NULL skip its scan. */
export function provesNotNull(constraint: Fields | null, column: string): boolean {
  if (constraint?.contype !== 'CONSTR_CHECK') return false
  const test = body(constraint.raw_expr, 'NullTest')
  return test?.nulltesttype === 'IS_NOT_NULL' && names(body(test.arg, 'ColumnRef')?.fields).join('.') === column
}

/** The constraint's name holds the column's as a whole part between underscores (`users_n_not_null` names `n`). */
export function namesColumn(name: string, column: string): boolean {
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
