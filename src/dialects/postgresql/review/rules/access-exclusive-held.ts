/**
 * `access-exclusive-held`: ACCESS EXCLUSIVE on an existing table followed by more statements in the same
 * transaction: the lock is held for all of them. Its page is in docs/rules.md.
 */
import type { ReviewContext, ReviewStatement, Rule } from '../../../../review/types.js'
import { provenByPendingCheck } from './support/constraints.js'
import { isAtLeast, type LockMode } from './support/lock-context.js'
import { ownLockNeed, transactionOf } from './support/lock-need.js'
import { alterTable, body, findAll, kindOf, list, names, qualifiedName, rangeVarName } from './support/nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, traceOf } from './support/relations.js'

/** LockStmt.mode of ACCESS EXCLUSIVE (the default of LOCK TABLE). */
const LOCK_MODE_ACCESS_EXCLUSIVE = 8

/** The tables a statement names as its object, and whether its syntax alone says it takes ACCESS EXCLUSIVE on them. */
function lockTargets(statement: ReviewStatement, defaultSchema: string): { relations: string[]; accessExclusive: boolean } {
  const node = statement.node
  const altered = alterTable(node, defaultSchema)
  if (altered) {
    // Each subcommand's documented level (lock-need.ts): most take ACCESS EXCLUSIVE, some less.
    const needs = ownLockNeed(statement, defaultSchema)
    return {
      relations: [altered.relation],
      accessExclusive: needs.some((need) => need.relation === altered.relation && need.mode === 'AccessExclusiveLock')
    }
  }
  const rangeVars = (items: unknown): string[] => list(items).flatMap((item) => rangeVarName(body(item, 'RangeVar'), defaultSchema) ?? [])
  const drop = body(node, 'DropStmt')
  if (drop?.removeType === 'OBJECT_TABLE') {
    return {
      relations: list(drop.objects).map((object) => qualifiedName(names(body(object, 'List')?.items), defaultSchema)),
      accessExclusive: true
    }
  }
  const truncate = body(node, 'TruncateStmt')
  if (truncate) return { relations: rangeVars(truncate.relations), accessExclusive: true }
  const lock = body(node, 'LockStmt')
  if (lock)
    return {
      relations: rangeVars(lock.relations),
      accessExclusive: (lock.mode ?? LOCK_MODE_ACCESS_EXCLUSIVE) === LOCK_MODE_ACCESS_EXCLUSIVE
    }
  const rename = body(node, 'RenameStmt')
  const renamed = rangeVarName(rename?.relation, defaultSchema)
  if (rename && renamed && (rename.renameType === 'OBJECT_TABLE' || rename.relationType === 'OBJECT_TABLE'))
    return { relations: [renamed], accessExclusive: true }
  return { relations: [], accessExclusive: false }
}

/**
 * The tables the statement takes ACCESS EXCLUSIVE on: as its trace saw it, or as its syntax says. The trace names a
 * relation as it is after the statement, so a table the statement renames or drops is not in it: the syntax decides
 * for those, and the trace only where it saw the table locked.
 */
function accessExclusiveOn(statement: ReviewStatement, context: ReviewContext): string[] {
  const { relations, accessExclusive } = lockTargets(statement, context.defaultSchema)
  const locks = traceOf(statement, context)?.locks ?? []
  return relations.filter((relation) => {
    const seen = locks.filter((lock) => lock.relation === relation)
    return seen.length > 0 ? seen.some((lock) => lock.mode === ACCESS_EXCLUSIVE) : accessExclusive
  })
}

function lines(statements: readonly ReviewStatement[]): string {
  const first = statements[0]
  const last = statements[statements.length - 1]
  if (first.file !== last.file) return `${first.file}:${first.line} to ${last.file}:${last.line}`
  return first.line === last.line ? `${first.file}:${first.line}` : `${first.file}:${first.line}–${last.line}`
}

const SAYS_ITS_OWN_LOCK_IS_HELD = new Set(['TruncateStmt', 'LockStmt'])

/** ALTER TABLE subcommands that change only the catalog: instant under a lock already held. */
const CATALOG_ONLY = new Set([
  'AT_DropConstraint',
  'AT_ColumnDefault',
  'AT_DropNotNull',
  'AT_DropColumn',
  'AT_SetStatistics',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_SetOptions',
  'AT_ResetOptions',
  'AT_ChangeOwner',
  'AT_DropIdentity',
  'AT_SetIdentity',
  'AT_EnableTrig',
  'AT_DisableTrig',
  'AT_EnableTrigAll',
  'AT_DisableTrigAll',
  'AT_EnableTrigUser',
  'AT_DisableTrigUser',
  'AT_ReplicaIdentity'
])

/** Statements without a relation lock of their own that take no time: a setting, a comment. */
const INSTANT_STATEMENTS = new Set(['VariableSetStmt', 'CommentStmt'])

/** An ALTER TABLE subcommand that changes only the catalog, read from the SQL. */
function catalogOnly(command: Record<string, unknown>, statement: ReviewStatement, context: ReviewContext, relation: string): boolean {
  const subtype = String(command.subtype)
  if (CATALOG_ONLY.has(subtype)) return true
  if (subtype === 'AT_AddConstraint') return body(command.def, 'Constraint')?.skip_validation === true
  if (subtype === 'AT_SetNotNull')
    return typeof command.name === 'string' && provenByPendingCheck(statement, context, relation, command.name)
  if (subtype !== 'AT_AddColumn') return false
  // A plain column, or one with a constant default (no function call, no constraint that scans or builds an index).
  const constraints = list(body(command.def, 'ColumnDef')?.constraints).map((item) => body(item, 'Constraint') ?? {})
  return constraints.every(
    (constraint) =>
      constraint.contype === 'CONSTR_NULL' ||
      constraint.contype === 'CONSTR_NOTNULL' ||
      (constraint.contype === 'CONSTR_DEFAULT' && findAll(constraint.raw_expr, 'FuncCall').length === 0)
  )
}

/**
 * Whether a statement that runs while the lock is held makes the lock last: it reads or rewrites a table, writes
 * rows, or needs a lock the transaction does not hold yet (and may queue for it). A change of the catalog alone on
 * a table already locked (docs/rules.md's DROP CONSTRAINT after SET NOT NULL) takes no time. The statement's trace
 * decides when it says what it read; else its SQL.
 */
function holdsUp(other: ReviewStatement, context: ReviewContext, held: ReadonlyMap<string, LockMode>): boolean {
  const kind = kindOf(other.node) ?? ''
  const needs = ownLockNeed(other, context.defaultSchema)
  if (
    needs.some((need) => {
      const mode = held.get(need.relation)
      return mode === undefined || !isAtLeast(mode, need.mode)
    })
  )
    return true
  if (needs.length === 0) return !INSTANT_STATEMENTS.has(kind)
  const trace = traceOf(other, context)
  if (trace?.scanned !== undefined) return trace.scanned.length > 0 || trace.rewritten.length > 0
  const altered = alterTable(other.node, context.defaultSchema)
  if (altered) return !altered.commands.every((command) => catalogOnly(command, other, context, altered.relation))
  return kind !== 'RenameStmt'
}

/** The locks the statements hold after running, strongest per relation (their own needs, from the SQL). */
function locksAfter(statements: readonly ReviewStatement[], context: ReviewContext): Map<string, LockMode> {
  const held = new Map<string, LockMode>()
  for (const statement of statements) {
    for (const need of ownLockNeed(statement, context.defaultSchema)) {
      const known = held.get(need.relation)
      if (!known || isAtLeast(need.mode, known)) held.set(need.relation, need.mode)
    }
  }
  return held
}

/** `the statement after it that takes time or waits for a lock`, or the plural with the count. */
function followingWords(count: number): string {
  return count === 1
    ? 'the statement after it that takes time or waits for a lock'
    : `the ${count} statements after it that take time or wait for a lock`
}

export const accessExclusiveHeld: Rule = {
  id: 'access-exclusive-held',
  severity: 'warning',
  summary: 'ACCESS EXCLUSIVE on an existing table followed by more statements in the same transaction: the lock is held for all of them',
  check(statement, context) {
    // The truncate and lock-table rules already say that their lock is held until the version commits.
    if (SAYS_ITS_OWN_LOCK_IS_HELD.has(kindOf(statement.node) ?? '')) return []
    const transaction = transactionOf(statement, context)
    const at = transaction.findIndex((other) => other.index === statement.index)
    const earlier = transaction.slice(0, at)
    const locked = accessExclusiveOn(statement, context)
    const relations = locked
      .filter((relation) => existedBefore(relation, context))
      .filter((relation) => !earlier.some((other) => accessExclusiveOn(other, context).includes(relation)))
    if (relations.length === 0 || at + 1 >= transaction.length) return []
    // Each statement after it, with the locks the transaction holds when it starts (one pass).
    const held = locksAfter(transaction.slice(0, at + 1), context)
    for (const relation of locked) held.set(relation, 'AccessExclusiveLock')
    const following: ReviewStatement[] = []
    for (const other of transaction.slice(at + 1)) {
      if (holdsUp(other, context, held)) following.push(other)
      for (const need of ownLockNeed(other, context.defaultSchema)) {
        const known = held.get(need.relation)
        if (!known || isAtLeast(need.mode, known)) held.set(need.relation, need.mode)
      }
    }
    if (following.length === 0) return []
    return relations.map((relation) => ({
      severity: 'warning',
      message:
        `Takes ACCESS EXCLUSIVE on ${describeRelation(relation, context)} and holds it until the version's transaction commits: ` +
        `${followingWords(following.length)} (${lines(following)}) ${following.length === 1 ? 'runs' : 'run'} while every read and write of the table waits.`,
      addendum:
        `It holds ACCESS EXCLUSIVE until the version's transaction commits, while ${followingWords(following.length)} ` +
        `(${lines(following)}) ${following.length === 1 ? 'runs' : 'run'}: make it the last statement of its transaction, with a lock_timeout before it.`,
      fix:
        'Make the statement that takes ACCESS EXCLUSIVE the last of its transaction: move the statements after it to a later ' +
        'version, and set a lock_timeout so that the lock is given up instead of queueing traffic behind it.',
      fixSql: `SET lock_timeout = '5s';\n${statement.sql.trim().replace(/;?$/, ';')}\n-- the statements that followed: in a later version`,
      relation,
      lock: ACCESS_EXCLUSIVE
    }))
  }
}
