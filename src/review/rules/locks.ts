/**
 * Rules about locks: statements that block application traffic on an existing table (or fail on one with
 * rows). A table created earlier in the pending versions is new and empty, so none of them fire on it; a
 * statement whose trace on the throwaway database shows no such lock does not fire either.
 */
import { isRangeVar, nameFromList, statementKind, type RangeVar } from '../names.js'
import { traceKey, type ReviewContext, type ReviewStatement, type Rule } from '../types.js'
import {
  catalogNote,
  describeRelation,
  isAtLeast,
  isNew,
  lockBlocks,
  lockLabel,
  lockModeFromNumber,
  relationOf,
  shownName,
  sqlIdentifier,
  sqlRelation,
  traceContradictsLock,
  traceShowsNoRewrite,
  traceShowsNotValidated,
  type LockMode
} from './lock-context.js'

type Check = ReturnType<Rule['check']>
type Fields = Record<string, unknown>

const NO_TRANSACTION_FIX = 'Put it alone in a file whose first line is `-- migrate:no-transaction`'

/** The ALTER TABLE commands of a statement on an existing table, with that table's name. */
function alterCommands(statement: ReviewStatement, context: ReviewContext): { relation: string; commands: Fields[] } | null {
  const [kind, fields] = statementKind(statement.node)
  if (kind !== 'AlterTableStmt' || fields.objtype !== 'OBJECT_TABLE' || !isRangeVar(fields.relation)) return null
  const relation = relationOf(fields.relation, context)
  if (isNew(relation, context)) return null
  const commands = ((fields.cmds as unknown[] | undefined) ?? []).map(
    (cmd) => ((cmd as { AlterTableCmd?: Fields }).AlterTableCmd ?? {}) as Fields
  )
  return { relation, commands }
}

function constraintOf(command: Fields): Fields | null {
  if (command.subtype !== 'AT_AddConstraint') return null
  return ((command.def as { Constraint?: Fields } | undefined)?.Constraint ?? null) as Fields | null
}

function names(list: unknown): string[] {
  return ((list as unknown[] | undefined) ?? []).map((item) => String((item as { String?: { sval?: string } }).String?.sval))
}

function locked(relation: string, mode: LockMode, context: ReviewContext, during: string): string {
  return `${lockLabel(mode)} on ${describeRelation(relation, context)} ${during}: ${lockBlocks(mode)}.`
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
          message: locked(relation, 'ShareLock', context, 'and on every partition while the index is built on each'),
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
        message: locked(relation, 'ShareLock', context, 'while the whole index is built') + catalogNote(context),
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

const constraintValidatedAtOnce: Rule = {
  id: 'constraint-validated-at-once',
  severity: 'warning',
  summary: 'A FOREIGN KEY or CHECK constraint added to an existing table is validated at once, scanning it under lock',
  check(statement, context): Check {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return alter.commands.flatMap((command) => {
      const constraint = constraintOf(command)
      if (!constraint || constraint.skip_validation === true) return []
      const foreign = constraint.contype === 'CONSTR_FOREIGN'
      if (!foreign && constraint.contype !== 'CONSTR_CHECK') return []
      const conname = typeof constraint.conname === 'string' ? constraint.conname : undefined
      const mode: LockMode = foreign ? 'ShareRowExclusiveLock' : 'AccessExclusiveLock'
      if (traceShowsNotValidated(statement, context, conname) || traceContradictsLock(statement, context, relation, mode)) return []
      const name = conname ?? `${relation.split('.').pop()}_${foreign ? 'fkey' : 'check'}`
      const table = sqlRelation(relation, context)
      const what = foreign ? `FOREIGN KEY (${names(constraint.fk_attrs).join(', ')})` : 'CHECK constraint'
      const referenced =
        foreign && isRangeVar(constraint.pktable) ? ` and on \`${shownName(relationOf(constraint.pktable, context), context)}\`` : ''
      return [
        {
          severity: 'warning',
          message:
            `${lockLabel(mode)} on ${describeRelation(relation, context)}${referenced} while the ${what} is checked against every row: ` +
            `${lockBlocks(mode)}.` +
            catalogNote(context),
          fix:
            'Add the constraint NOT VALID (instant: new rows are checked, old rows are not), then validate it in a later version: ' +
            'VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE, so reads and writes continue while it scans.',
          fixSql:
            `-- this version\nALTER TABLE ${table} ADD CONSTRAINT ${sqlIdentifier(name)} … NOT VALID;\n` +
            `-- a later version\nALTER TABLE ${table} VALIDATE CONSTRAINT ${sqlIdentifier(name)};`,
          relation,
          lock: mode
        }
      ]
    })
  }
}

const setNotNull: Rule = {
  id: 'set-not-null',
  severity: 'warning',
  summary: 'SET NOT NULL on an existing column scans the table under ACCESS EXCLUSIVE',
  check(statement, context): Check {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return alter.commands.flatMap((command) => {
      if (command.subtype !== 'AT_SetNotNull' || typeof command.name !== 'string') return []
      if (traceContradictsLock(statement, context, relation, 'AccessExclusiveLock')) return []
      const column = command.name
      const nulls = context.catalog?.get(relation)?.nullFraction?.[column]
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
            locked(relation, 'AccessExclusiveLock', context, `while every row is checked for NULL in \`${column}\``) +
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

function columnConstraintTypes(column: Fields): string[] {
  return ((column.constraints as unknown[] | undefined) ?? []).map((c) => String((c as { Constraint?: Fields }).Constraint?.contype))
}

const addColumnNotNullWithoutDefault: Rule = {
  id: 'add-column-not-null-without-default',
  severity: 'error',
  summary: 'ADD COLUMN … NOT NULL without a default fails on a table that has rows',
  check(statement, context): Check {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return alter.commands.flatMap((command): Check => {
      if (command.subtype !== 'AT_AddColumn') return []
      const column = ((command.def as { ColumnDef?: Fields } | undefined)?.ColumnDef ?? {}) as Fields
      const types = columnConstraintTypes(column)
      const filled = ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].some((type) => types.includes(type))
      if (!types.includes('CONSTR_NOTNULL') || filled) return []
      const name = String(column.colname)
      const facts = context.catalog?.get(relation)
      const rows = facts?.rows ?? null
      if (context.catalog !== null && (facts === undefined || rows === 0)) return []
      const fix = {
        severity: 'error' as const,
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
            message: `${describeRelation(relation, context)} has rows: adding \`${name}\` NOT NULL without a default fails (the existing rows would be NULL), and the version rolls back.`
          }
        ]
      }
      return [
        {
          ...fix,
          severity: 'warning',
          message:
            `Adding \`${name}\` NOT NULL without a default fails if \`${shownName(relation, context)}\` has rows; ` +
            (context.catalog === null
              ? 'without a target catalog, whether it has any is unknown (judged from the repository alone).'
              : 'the catalog has no row estimate for it (never analyzed), so whether it has any is unknown.')
        }
      ]
    })
  }
}

const CONSTRAINT_KINDS: Record<string, string> = { CONSTR_PRIMARY: 'PRIMARY KEY', CONSTR_UNIQUE: 'UNIQUE', CONSTR_EXCLUSION: 'EXCLUDE' }

const uniqueConstraintLocks: Rule = {
  id: 'unique-constraint-locks',
  severity: 'warning',
  summary: 'UNIQUE, PRIMARY KEY or EXCLUDE added to an existing table builds its index under ACCESS EXCLUSIVE',
  check(statement, context): Check {
    const alter = alterCommands(statement, context)
    if (!alter) return []
    const { relation } = alter
    return alter.commands.flatMap((command) => {
      const constraint = constraintOf(command)
      const kind = constraint ? CONSTRAINT_KINDS[String(constraint.contype)] : undefined
      if (!constraint || !kind || typeof constraint.indexname === 'string') return []
      if (traceContradictsLock(statement, context, relation, 'AccessExclusiveLock')) return []
      const table = sqlRelation(relation, context)
      const name = sqlIdentifier(typeof constraint.conname === 'string' ? constraint.conname : `${relation.split('.').pop()}_key`)
      const columns = names(constraint.keys).map(sqlIdentifier).join(', ')
      const exclude = kind === 'EXCLUDE'
      return [
        {
          severity: 'warning',
          message: locked(relation, 'AccessExclusiveLock', context, `while the ${kind} index is built`) + catalogNote(context),
          fix: exclude
            ? 'An EXCLUDE constraint cannot be added from an existing index: run it in a maintenance window, or enforce the rule otherwise.'
            : `Build the unique index with CREATE UNIQUE INDEX CONCURRENTLY in a \`-- migrate:no-transaction\` file, then add the constraint USING INDEX in a later version (instant).`,
          fixSql: exclude
            ? undefined
            : `-- migrate:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY ${name} ON ${table} (${columns});\n` +
              `-- a later version\nALTER TABLE ${table} ADD CONSTRAINT ${name} ${kind} USING INDEX ${name};`,
          relation,
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
        message: `Removes every row of ${describeRelation(relation, context)}. ${locked(relation, 'AccessExclusiveLock', context, 'until the version commits')}`,
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
        message: locked(relation, mode, context, 'until the version commits'),
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
      message: locked(relation, 'AccessExclusiveLock', context, `while ${what} rewrites it`) + catalogNote(context),
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
        message: locked(relation, 'AccessExclusiveLock', context, 'while the view is recomputed') + catalogNote(context),
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
  setNotNull,
  addColumnNotNullWithoutDefault,
  uniqueConstraintLocks,
  truncate,
  lockTable,
  vacuumFull,
  cluster,
  reindexNotConcurrent,
  refreshNotConcurrent
]
