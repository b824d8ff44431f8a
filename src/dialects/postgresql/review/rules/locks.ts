/**
 * Rules about locks: statements that block application traffic on an existing table (or fail on one with
 * rows). A table created earlier in the pending versions is new and empty, so none of them fire on it; a
 * statement whose trace on the throwaway database shows no such lock does not fire either.
 */
import { isRangeVar, nameFromList, statementKind, type RangeVar } from '../names.js'
import { traceKey, type ReviewContext, type ReviewStatement, type Rule } from '../../../../review/types.js'
import {
  catalogNote,
  describeRelation,
  isAtLeast,
  isNew,
  lockBlocks,
  lockLabel,
  lockModeFromNumber,
  relationOf,
  sqlIdentifier,
  sqlRelation,
  traceContradictsLock,
  traceShowsNoRewrite,
  type LockMode
} from './lock-context.js'
import {
  addColumnNotNullWithoutDefault,
  constraintValidatedAtOnce,
  setNotNull,
  uniqueConstraintLocks,
  validateInSameTransaction
} from './constraints.js'
import { heldNote } from './lock-need.js'
import { alterDomainScan } from './domains.js'
import { attachPartitionScan } from './partitions.js'

type Check = ReturnType<Rule['check']>
type Fields = Record<string, unknown>

const NO_TRANSACTION_FIX = 'Put it alone in a file whose first line is `-- migrate:no-transaction`'

/** The lock the statement needs on the relation, what it blocks, and whether the transaction holds it already. */
function locked(statement: ReviewStatement, relation: string, mode: LockMode, context: ReviewContext, during: string): string {
  return (
    `${lockLabel(mode)} on ${describeRelation(relation, context)} ${during}: ${lockBlocks(mode)}.` +
    heldNote(statement, context, relation, mode)
  )
}

const indexNotConcurrent: Rule = {
  id: 'index-not-concurrent',
  severity: 'warning',
  summary: 'CREATE INDEX without CONCURRENTLY on an existing table blocks writes while the index is built',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'IndexStmt' || fields.concurrent === true || !isRangeVar(fields.relation)) return []
    const relation = relationOf(fields.relation, context)
    if (isNew(relation, context) || traceContradictsLock(statement, context, relation, 'ShareLock')) return []
    const name = typeof fields.idxname === 'string' ? `${sqlIdentifier(fields.idxname)} ` : ''
    if (context.catalog?.get(relation)?.kind === 'partitioned table') {
      // CREATE INDEX ON ONLY the parent builds nothing; CONCURRENTLY is refused on a partitioned table.
      if (fields.relation.inh !== true) return []
      return [
        {
          severity: 'warning',
          message: locked(statement, relation, 'ShareLock', context, 'and on every partition while the index is built on each'),
          fix:
            'PostgreSQL refuses CONCURRENTLY on a partitioned table. Create the index ON ONLY the parent (instant, not yet valid), ' +
            'build it CONCURRENTLY on each partition in a `-- migrate:no-transaction` file, then attach each one: the parent index becomes valid when all are attached.',
          fixSql:
            `CREATE INDEX ${name}ON ONLY ${sqlRelation(relation, context)} (…);\n` +
            `-- migrate:no-transaction, for each partition:\nCREATE INDEX CONCURRENTLY <partition_index> ON <partition> (…);\n` +
            `ALTER INDEX ${name || '<parent_index> '}ATTACH PARTITION <partition_index>;`,
          relation,
          lock: 'ShareLock'
        }
      ]
    }
    const concurrent = statement.sql.replace(/^(CREATE\s+(?:UNIQUE\s+)?INDEX)\s+/i, '$1 CONCURRENTLY ')
    return [
      {
        severity: 'warning',
        message: locked(statement, relation, 'ShareLock', context, 'while the whole index is built') + catalogNote(context),
        fix: `Build the index ${name}with CONCURRENTLY: it takes SHARE UPDATE EXCLUSIVE and lets writes continue. ${NO_TRANSACTION_FIX} (CONCURRENTLY cannot run in a transaction).`,
        fixSql: `-- migrate:no-transaction\n${concurrent};`,
        relation,
        lock: 'ShareLock'
      }
    ]
  }
}

const dropIndexNotConcurrent: Rule = {
  id: 'drop-index-not-concurrent',
  severity: 'warning',
  summary: 'DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the index’s table',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'DropStmt' || fields.removeType !== 'OBJECT_INDEX' || fields.concurrent === true) return []
    const trace = context.trace?.get(traceKey(statement.version, statement.index))
    return ((fields.objects as unknown[] | undefined) ?? []).flatMap((object) => {
      const index = nameFromList((object as { List?: { items?: unknown } }).List?.items, context.defaultSchema)
      if (index === null || isNew(index, context)) return []
      // The statement names the index; the trace names its table (the dropped index is gone from pg_class).
      const tables = trace?.locks
        .filter((lock) => lock.mode === 'AccessExclusiveLock' && lock.relation !== index)
        .map((lock) => lock.relation)
      if (tables !== undefined && tables.length === 0) return []
      const table = tables?.[0]
      return [
        {
          severity: 'warning',
          message:
            `ACCESS EXCLUSIVE on ${table ? describeRelation(table, context) : 'the table'} while index ` +
            `${describeRelation(index, context)} is dropped, until the version commits: blocks every read and write of the table.` +
            catalogNote(context),
          fix: `Drop it with DROP INDEX CONCURRENTLY, which waits for running queries instead of blocking new ones. ${NO_TRANSACTION_FIX}.`,
          fixSql: `-- migrate:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS ${sqlRelation(index, context)};`,
          relation: table ?? index,
          lock: 'AccessExclusiveLock'
        }
      ]
    })
  }
}

/** The existing relations among RangeVar nodes. */
function existing(values: unknown, context: ReviewContext): string[] {
  return ((values as unknown[] | undefined) ?? [])
    .map((value) => (isRangeVar(value) ? value : ((value as { RangeVar?: RangeVar }).RangeVar ?? null)))
    .filter((value): value is RangeVar => value !== null && isRangeVar(value))
    .map((value) => relationOf(value, context))
    .filter((relation) => !isNew(relation, context))
}

const truncate: Rule = {
  id: 'truncate',
  severity: 'warning',
  summary: 'TRUNCATE empties an existing table under ACCESS EXCLUSIVE',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'TruncateStmt') return []
    return existing(fields.relations, context)
      .filter((relation) => !traceContradictsLock(statement, context, relation, 'AccessExclusiveLock'))
      .map((relation) => ({
        severity: 'warning',
        message: `Removes every row. ${locked(statement, relation, 'AccessExclusiveLock', context, 'until the version commits')}`,
        fix: 'If the data must go, delete it in batches in a later version (or from a job); if it must not, remove the TRUNCATE.',
        relation,
        lock: 'AccessExclusiveLock'
      }))
  }
}

const lockTable: Rule = {
  id: 'lock-table',
  severity: 'warning',
  summary: 'LOCK TABLE in a mode that blocks writes holds it until the version commits',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    const mode = kind === 'LockStmt' ? lockModeFromNumber(Number(fields.mode ?? 8)) : null
    if (!mode || !isAtLeast(mode, 'ShareLock')) return []
    return existing(fields.relations, context)
      .filter((relation) => !traceContradictsLock(statement, context, relation, mode))
      .map((relation) => ({
        severity: 'warning',
        message: locked(statement, relation, mode, context, 'until the version commits'),
        fix: 'Leave the locking to the statements that need it, and keep the version short; if it must stay, set a lock_timeout before it.',
        relation,
        lock: mode
      }))
  }
}

/** A table rewrite under ACCESS EXCLUSIVE (VACUUM FULL, CLUSTER): silent when the trace shows no rewrite. */
function rewriteFindings(
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

/** A boolean option as PostgreSQL reads it (defGetBoolean): no value, `true`/`on`, or a non-zero integer. */
function optionEnabled(option: Fields): boolean {
  const arg = option.arg as { String?: { sval?: string }; Integer?: { ival?: number } } | undefined
  if (arg === undefined) return true
  if (arg.Integer) return (arg.Integer.ival ?? 0) !== 0
  return !['false', 'off'].includes(String(arg.String?.sval).toLowerCase())
}

const vacuumFull: Rule = {
  id: 'vacuum-full',
  severity: 'warning',
  summary: 'VACUUM FULL rewrites tables under ACCESS EXCLUSIVE',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'VacuumStmt' || fields.is_vacuumcmd !== true) return []
    const options = ((fields.options as unknown[] | undefined) ?? []).map((option) => (option as { DefElem?: Fields }).DefElem ?? {})
    const full = options.some((option) => option.defname === 'full' && optionEnabled(option))
    if (!full) return []
    const rels = ((fields.rels as unknown[] | undefined) ?? []).map(
      (rel) => (rel as { VacuumRelation?: { relation?: unknown } }).VacuumRelation?.relation
    )
    const fix = 'Use plain VACUUM (no exclusive lock); to reclaim space online, use pg_repack outside the migration.'
    if (rels.length === 0) return everyTable(statement, context, 'VACUUM FULL', fix)
    return rewriteFindings(statement, context, existing(rels, context), 'VACUUM FULL', fix)
  }
}

/** VACUUM FULL or CLUSTER without a table name: every table of the database (CLUSTER: every clustered one). */
function everyTable(statement: ReviewStatement, context: ReviewContext, what: string, fix: string): Check {
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

const cluster: Rule = {
  id: 'cluster',
  severity: 'warning',
  summary: 'CLUSTER rewrites a table under ACCESS EXCLUSIVE',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'ClusterStmt') return []
    const fix = 'Remove the CLUSTER; to reorder a table online, use pg_repack outside the migration.'
    if (!isRangeVar(fields.relation)) return everyTable(statement, context, 'CLUSTER', fix)
    return rewriteFindings(statement, context, existing([fields.relation], context), 'CLUSTER', fix)
  }
}

const reindexNotConcurrent: Rule = {
  id: 'reindex-not-concurrent',
  severity: 'warning',
  summary: 'REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index)',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'ReindexStmt') return []
    const params = ((fields.params as unknown[] | undefined) ?? []).map((param) => (param as { DefElem?: Fields }).DefElem?.defname)
    if (params.includes('concurrently')) return []
    const target = isRangeVar(fields.relation) ? relationOf(fields.relation, context) : null
    if (target !== null && isNew(target, context)) return []
    const onIndex = fields.kind === 'REINDEX_OBJECT_INDEX'
    const mode: LockMode = onIndex ? 'AccessExclusiveLock' : 'ShareLock'
    if (target !== null && traceContradictsLock(statement, context, target, mode)) return []
    const shown =
      target === null
        ? `every index of the ${String(fields.kind).replace('REINDEX_OBJECT_', '').toLowerCase()}`
        : describeRelation(target, context)
    const sql = statement.sql.replace(/^REINDEX\s+(\([^)]*\)\s*)?(INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)\s+/i, 'REINDEX $1$2 CONCURRENTLY ')
    return [
      {
        severity: 'warning',
        message:
          (onIndex
            ? `ACCESS EXCLUSIVE on index ${shown} and SHARE on its table while it is rebuilt: blocks writes to the table and every query that would use the index.`
            : `SHARE on ${shown} while its indexes are rebuilt: blocks INSERT, UPDATE and DELETE, and queries that would use each index as it is rebuilt.`) +
          catalogNote(context),
        fix: `Use REINDEX … CONCURRENTLY. ${NO_TRANSACTION_FIX}.`,
        fixSql: `-- migrate:no-transaction\n${sql};`,
        relation: target,
        lock: mode
      }
    ]
  }
}

const refreshNotConcurrent: Rule = {
  id: 'refresh-matview-not-concurrent',
  severity: 'warning',
  summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view',
  check(statement, context): Check {
    const [kind, fields] = statementKind(statement.node)
    if (kind !== 'RefreshMatViewStmt' || fields.concurrent === true || fields.skipData === true || !isRangeVar(fields.relation)) return []
    const relation = relationOf(fields.relation, context)
    if (isNew(relation, context) || traceContradictsLock(statement, context, relation, 'AccessExclusiveLock')) return []
    return [
      {
        severity: 'warning',
        message: locked(statement, relation, 'AccessExclusiveLock', context, 'while the view is recomputed') + catalogNote(context),
        fix: 'Use REFRESH MATERIALIZED VIEW CONCURRENTLY (EXCLUSIVE: reads continue); it needs a unique index on the view.',
        fixSql: `REFRESH MATERIALIZED VIEW CONCURRENTLY ${sqlRelation(relation, context)};`,
        relation,
        lock: 'AccessExclusiveLock'
      }
    ]
  }
}

export const LOCK_RULES: Rule[] = [
  indexNotConcurrent,
  dropIndexNotConcurrent,
  constraintValidatedAtOnce,
  validateInSameTransaction,
  setNotNull,
  addColumnNotNullWithoutDefault,
  uniqueConstraintLocks,
  attachPartitionScan,
  alterDomainScan,
  truncate,
  lockTable,
  vacuumFull,
  cluster,
  reindexNotConcurrent,
  refreshNotConcurrent
]
