/**
 * What the change rules need to know of a relation: whether it existed before the pending versions (a table
 * created earlier in them is new and empty: nothing to block or rewrite), and how to name it with its size.
 */
import type { RelationFacts, ReviewContext, ReviewStatement, StatementTrace } from '../../../../../review/types.js'
import { traceKey } from '../../../../../review/types.js'
import { formatSize as formatBytes } from '../../../../../review/size.js'

/**
 * True when the relation existed before this statement's pending versions: not created earlier in them, and, with a
 * target, present in its catalog (a relation the target does not have cannot be blocked or lose rows there).
 */
export function existedBefore(relation: string, context: ReviewContext): boolean {
  if (context.createdEarlier.has(relation)) return false
  return context.catalog === null || context.catalog.has(relation)
}

export function factsOf(relation: string, context: ReviewContext): RelationFacts | null {
  return context.catalog?.get(relation) ?? null
}

/** `1.2 GB`, `8 MB`, `16 kB`, in PostgreSQL's pg_size_pretty units. */
export function formatSize(bytes: number): string {
  return formatBytes(bytes, 'kB')
}

/** `` `public.orders` ``: how every message names a relation (schema-qualified, as `Finding.relation` and pg_locks do). */
export function relationName(relation: string): string {
  return `\`${relation}\``
}

/**
 * `` `public.orders` (≈100,000 rows, 8 MB) `` with what the target's catalog says, or `` `public.orders` `` alone: the one
 * formatter of a relation with its size, for every rule's message.
 */
export function describeRelation(relation: string, context: ReviewContext): string {
  const facts = factsOf(relation, context)
  const parts: string[] = []
  if (facts?.rows !== null && facts?.rows !== undefined && facts.rows >= 0)
    parts.push(`≈${Math.round(facts.rows).toLocaleString('en-US')} rows`)
  if (facts?.bytes !== null && facts?.bytes !== undefined) parts.push(formatSize(facts.bytes))
  return parts.length > 0 ? `${relationName(relation)} (${parts.join(', ')})` : relationName(relation)
}

export function traceOf(statement: ReviewStatement, context: ReviewContext): StatementTrace | null {
  return context.trace?.get(traceKey(statement.version, statement.index)) ?? null
}

/**
 * Whether the throwaway database saw the statement rewrite the relation: true or false from its trace, null when
 * there is no trace of the statement (verification did not run, or stopped before it).
 */
export function observedRewrite(relation: string, statement: ReviewStatement, context: ReviewContext): boolean | null {
  const trace = traceOf(statement, context)
  return trace ? trace.rewritten.includes(relation) : null
}

/** The lock mode the trace saw the statement take on the relation (strongest first), or null. */
export function observedLock(relation: string, statement: ReviewStatement, context: ReviewContext): string | null {
  const modes = (traceOf(statement, context)?.locks ?? []).filter((lock) => lock.relation === relation).map((lock) => lock.mode)
  return LOCK_STRENGTH.find((mode) => modes.includes(mode)) ?? modes[0] ?? null
}

export const ACCESS_EXCLUSIVE = 'AccessExclusiveLock'

/** pg_locks' relation lock modes, strongest first. */
export const LOCK_STRENGTH = [
  'AccessExclusiveLock',
  'ExclusiveLock',
  'ShareRowExclusiveLock',
  'ShareLock',
  'ShareUpdateExclusiveLock',
  'RowExclusiveLock',
  'RowShareLock',
  'AccessShareLock'
]
