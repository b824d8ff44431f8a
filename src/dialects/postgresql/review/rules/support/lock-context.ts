/**
 * What the lock rules say about a relation: its size from the target's catalog, the lock modes and what they
 * block, and whether the statement's trace on the throwaway database contradicts a lock the rule expects.
 */
import { quoteIdentifier } from '../../../../../engine/meta.js'
import { qualifiedName, type RangeVar } from '../../names.js'
import { traceKey, type ReviewContext, type ReviewStatement } from '../../../../../review/types.js'

/** Lock modes as pg_locks names them, weakest first (also LOCK TABLE's mode numbers, 1 to 8). */
export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock'
] as const
export type LockMode = (typeof LOCK_MODES)[number]

/** LOCK TABLE's mode number in the parse tree (1 = ACCESS SHARE … 8 = ACCESS EXCLUSIVE). */
export function lockModeFromNumber(mode: number): LockMode | null {
  return LOCK_MODES[mode - 1] ?? null
}

export function isAtLeast(mode: LockMode, floor: LockMode): boolean {
  return LOCK_MODES.indexOf(mode) >= LOCK_MODES.indexOf(floor)
}

/** The mode as SQL writes it: `ACCESS EXCLUSIVE`. */
export function lockLabel(mode: LockMode): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase()
}

/** What holding the mode blocks for other sessions. */
export function lockBlocks(mode: LockMode): string {
  if (mode === 'AccessExclusiveLock') return 'blocks every read and write of it'
  if (isAtLeast(mode, 'ShareLock')) return 'blocks INSERT, UPDATE and DELETE (reads continue)'
  if (mode === 'ShareUpdateExclusiveLock') return 'blocks other schema changes, VACUUM and ANALYZE of it'
  return 'blocks only stronger locks'
}

/** The relation's name as the message shows it: without the default schema. */
export function shownName(relation: string, context: ReviewContext): string {
  const prefix = `${context.defaultSchema}.`
  return relation.startsWith(prefix) ? relation.slice(prefix.length) : relation
}

/**
 * A relation and its size in a message: one formatter for every rule (relations.ts), so that one comment never
 * names the same table two ways.
 */
export { describeRelation, relationName } from './relations.js'

/**
 * Appended to messages when the table's size was not read: a fork pull request has no target, and apply reads no
 * catalog (it is connected, so the note never says there is no target).
 */
export function catalogNote(context: ReviewContext): string {
  return context.catalog === null ? " (The table's size was not read: judged from the SQL alone.)" : ''
}

/** The relation a RangeVar names, `schema.name`. */
export function relationOf(value: RangeVar, context: ReviewContext): string {
  return qualifiedName(value, context.defaultSchema)
}

/** The relation is new: created earlier in the pending versions, so empty and unused by the running application. */
export function isNew(relation: string, context: ReviewContext): boolean {
  return context.createdEarlier.has(relation)
}

/**
 * The statement ran on the throwaway database and took no lock at least as strong as `mode` on `relation`, nor
 * did its transaction hold one already: the trace contradicts the rule, which then stays silent.
 */
export function traceContradictsLock(statement: ReviewStatement, context: ReviewContext, relation: string, mode: LockMode): boolean {
  const trace = context.trace?.get(traceKey(statement.version, statement.index))
  if (!trace) return false
  // A lock the transaction already held is not taken again: the trace shows it among the held ones, not the new.
  const covers = (lock: { relation: string; mode: string }): boolean => lock.relation === relation && isAtLeast(lock.mode as LockMode, mode)
  return !trace.locks.some(covers) && !(trace.held ?? []).some(covers)
}

/** The statement ran on the throwaway database and rewrote nothing: a rule about a rewrite stays silent. */
export function traceShowsNoRewrite(statement: ReviewStatement, context: ReviewContext): boolean {
  const trace = context.trace?.get(traceKey(statement.version, statement.index))
  return trace !== undefined && trace.rewritten.length === 0
}

/** The statement's trace lists `constraint` as added without validation (NOT VALID). */
export function traceShowsNotValidated(statement: ReviewStatement, context: ReviewContext, constraint: string | undefined): boolean {
  const trace = context.trace?.get(traceKey(statement.version, statement.index))
  if (!trace || constraint === undefined) return false
  return trace.constraints.some((added) => added.name === constraint && !added.validated)
}

/** A SQL identifier, quoted only when it must be. */
export function sqlIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdentifier(name)
}

/** `schema.name` as SQL, leaving out the default schema. */
export function sqlRelation(relation: string, context: ReviewContext): string {
  return shownName(relation, context).split('.').map(sqlIdentifier).join('.')
}
