/**
 * What the rules `index-not-concurrent`, `drop-index-not-concurrent`, `truncate`, `lock-table`, `vacuum-full`,
 * `cluster`, `reindex-not-concurrent`, `refresh-matview-not-concurrent` share.
 */
import type { ReviewContext, ReviewStatement, Rule } from '../../../../../review/types.js'
import { isRangeVar, type RangeVar } from '../../names.js'
import {
  catalogNote,
  describeRelation,
  isNew,
  lockBlocks,
  lockLabel,
  type LockMode,
  relationOf,
  traceContradictsLock,
  traceShowsNoRewrite
} from './lock-context.js'
import { heldNote } from './lock-need.js'

export type Check = ReturnType<Rule['check']>

export type Fields = Record<string, unknown>

export const NO_TRANSACTION_FIX = 'Put it alone in a file whose first line is `-- migrate:no-transaction`'

/** The lock the statement needs on the relation, what it blocks, and whether the transaction holds it already. */
export function locked(statement: ReviewStatement, relation: string, mode: LockMode, context: ReviewContext, during: string): string {
  return (
    `${lockLabel(mode)} on ${describeRelation(relation, context)} ${during}: ${lockBlocks(mode)}.` +
    heldNote(statement, context, relation, mode)
  )
}

/** The existing relations among RangeVar nodes. */
export function existing(values: unknown, context: ReviewContext): string[] {
  return ((values as unknown[] | undefined) ?? [])
    .map((value) => (isRangeVar(value) ? value : ((value as { RangeVar?: RangeVar }).RangeVar ?? null)))
    .filter((value): value is RangeVar => value !== null && isRangeVar(value))
    .map((value) => relationOf(value, context))
    .filter((relation) => !isNew(relation, context))
}

/** A table rewrite under ACCESS EXCLUSIVE (VACUUM FULL, CLUSTER): silent when the trace shows no rewrite. */
export function rewriteFindings(
  statement: ReviewStatement,
  context: ReviewContext,
  relations: string[],
  what: string,
  fix: string,
  fixSql?: string
): Check {
  if (traceShowsNoRewrite(statement, context)) return []
  return relations
    .filter((relation) => !traceContradictsLock(statement, context, relation, 'AccessExclusiveLock'))
    .map((relation) => ({
      severity: 'warning',
      message: locked(statement, relation, 'AccessExclusiveLock', context, `while ${what} rewrites it`) + catalogNote(context),
      fix,
      fixSql,
      relation,
      lock: 'AccessExclusiveLock'
    }))
}

/** VACUUM FULL or CLUSTER without a table name: every table of the database (CLUSTER: every clustered one). */
export function everyTable(statement: ReviewStatement, context: ReviewContext, what: string, fix: string): Check {
  if (traceShowsNoRewrite(statement, context)) return []
  const tables = what === 'CLUSTER' ? 'every clustered table of the database' : 'every table of the database'
  return [
    {
      severity: 'warning',
      message: `ACCESS EXCLUSIVE on ${tables}, one after another, while ${what} rewrites it: blocks every read and write of each.`,
      fix,
      relation: null,
      lock: 'AccessExclusiveLock'
    }
  ]
}
