/**
 * A rewrite the trace saw that no other rule explains: the throwaway database saw the statement give an existing
 * table new files (its relfilenode changed), which PostgreSQL does only by copying every row under ACCESS EXCLUSIVE.
 * The other rules name the usual causes (a type change, a volatile default, SET LOGGED …); this one catches the rest
 * (a column of a domain with a CHECK, an ALTER TABLE form no rule knows). When another finding about the statement
 * names the same table and lock, this one is left out (an empty addendum).
 */
import type { Rule, RuleResult } from '../../../../review/types.js'
import { heldNote, ownLockNeed } from './support/lock-need.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock, traceOf } from './support/relations.js'

export const tableRewrite: Rule = {
  id: 'table-rewrite',
  severity: 'warning',
  summary: 'Any statement the throwaway database saw rewrite an existing table (every row copied under ACCESS EXCLUSIVE)',
  check(statement, context): RuleResult[] {
    const trace = traceOf(statement, context)
    if (!trace || trace.rewritten.length === 0) return []
    // Tables only: with a catalog by its kind, without one those the statement names (the trace lists rebuilt indexes too).
    const named = new Set(ownLockNeed(statement, context.defaultSchema).map((need) => need.relation))
    const tables = trace.rewritten.filter((relation) => {
      const kind = context.catalog?.get(relation)?.kind
      return (
        (kind === undefined ? named.has(relation) : kind === 'table' || kind === 'materialized view') && existedBefore(relation, context)
      )
    })
    return tables.map((relation) => ({
      severity: 'warning',
      message:
        `The throwaway database saw this statement rewrite ${describeRelation(relation, context)}: PostgreSQL copies every row into new ` +
        'files and rebuilds its indexes under ACCESS EXCLUSIVE, and every read and write of the table waits for the whole copy.' +
        heldNote(statement, context, relation, 'AccessExclusiveLock'),
      fix:
        'Find the form of the change that PostgreSQL makes in the catalog alone (for a column of a domain with a CHECK: add it ' +
        'with the base type and a CHECK … NOT VALID, validated in a later version), or move the data to a new table in batches; ' +
        'else run it in a maintenance window.',
      relation,
      lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE,
      addendum: ''
    }))
  }
}
