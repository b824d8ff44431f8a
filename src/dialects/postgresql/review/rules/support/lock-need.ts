/**
 * Two lock facts about a statement, kept apart: what it needs on its own (PostgreSQL's documented lock level for
 * it, from the parse tree: "Explicit Locking" and each command's reference page), and what the version's
 * transaction already holds when it starts (from the trace's `held`, or from the statements before it in the same
 * transaction). A statement whose lock an earlier statement already took takes nothing new — the trace shows no new
 * lock — but it still runs under that lock: it needs it, and the table stays blocked while it runs.
 */
import type { ReviewContext, ReviewStatement } from '../../../../../review/types.js'
import { isAtLeast, LOCK_MODES, lockLabel, type LockMode } from './lock-context.js'
import { alterTable, body, kindOf, list, names, qualifiedName, rangeVarName } from './nodes.js'
import { relationName, traceOf } from './relations.js'

export interface LockNeed {
  relation: string
  mode: LockMode
}

/** The statements that run in the same transaction as this one, in order; empty for a statement of a no-transaction file. */
export function transactionOf(statement: ReviewStatement, context: ReviewContext): readonly ReviewStatement[] {
  const statements = context.versionStatements ?? []
  const at = statements.findIndex((other) => other.index === statement.index)
  if (at < 0 || statement.noTransaction) return []
  let [start, end] = [at, at + 1]
  while (start > 0 && !statements[start - 1].noTransaction) start--
  while (end < statements.length && !statements[end].noTransaction) end++
  return statements.slice(start, end)
}

/** ALTER TABLE subcommands and the lock each takes, where it is less than ACCESS EXCLUSIVE (AlterTableGetLockLevel). */
const ALTER_TABLE_LOCKS: Record<string, LockMode> = {
  AT_ValidateConstraint: 'ShareUpdateExclusiveLock',
  AT_SetStatistics: 'ShareUpdateExclusiveLock',
  // Storage parameters: SHARE UPDATE EXCLUSIVE for fillfactor, toast, autovacuum and planner ones (nearly all).
  AT_SetRelOptions: 'ShareUpdateExclusiveLock',
  AT_ResetRelOptions: 'ShareUpdateExclusiveLock',
  AT_ClusterOn: 'ShareUpdateExclusiveLock',
  AT_DropCluster: 'ShareUpdateExclusiveLock',
  AT_AttachPartition: 'ShareUpdateExclusiveLock',
  AT_DetachPartitionFinalize: 'ShareUpdateExclusiveLock',
  AT_EnableTrig: 'ShareRowExclusiveLock',
  AT_EnableAlwaysTrig: 'ShareRowExclusiveLock',
  AT_EnableReplicaTrig: 'ShareRowExclusiveLock',
  AT_DisableTrig: 'ShareRowExclusiveLock',
  AT_EnableTrigAll: 'ShareRowExclusiveLock',
  AT_DisableTrigAll: 'ShareRowExclusiveLock',
  AT_EnableTrigUser: 'ShareRowExclusiveLock',
  AT_DisableTrigUser: 'ShareRowExclusiveLock'
}

function strongest(needs: LockNeed[]): LockNeed[] {
  const byRelation = new Map<string, LockMode>()
  for (const { relation, mode } of needs) {
    const known = byRelation.get(relation)
    if (!known || isAtLeast(mode, known)) byRelation.set(relation, mode)
  }
  return [...byRelation].map(([relation, mode]) => ({ relation, mode }))
}

/**
 * The relation locks the statement needs on its own, by PostgreSQL's documented levels (the strongest per
 * relation). Relations named only through another object (the table of a dropped index) are not known here.
 */
export function ownLockNeed(statement: ReviewStatement, defaultSchema: string): LockNeed[] {
  const node = statement.node
  const kind = kindOf(node)
  const fields = (kind ? body(node, kind) : null) ?? {}
  const relation = rangeVarName(fields.relation, defaultSchema)
  const rangeVars = (items: unknown): string[] => list(items).flatMap((item) => rangeVarName(body(item, 'RangeVar'), defaultSchema) ?? [])
  const altered = alterTable(node, defaultSchema)
  if (altered) {
    const needs: LockNeed[] = []
    for (const command of altered.commands) {
      const constraint = body(command.def, 'Constraint')
      if (command.subtype === 'AT_AddConstraint' && constraint?.contype === 'CONSTR_FOREIGN') {
        needs.push({ relation: altered.relation, mode: 'ShareRowExclusiveLock' })
        const referenced = rangeVarName(constraint.pktable, defaultSchema)
        if (referenced) needs.push({ relation: referenced, mode: 'ShareRowExclusiveLock' })
        continue
      }
      needs.push({ relation: altered.relation, mode: ALTER_TABLE_LOCKS[String(command.subtype)] ?? 'AccessExclusiveLock' })
      // ATTACH PARTITION locks the table it attaches (ACCESS EXCLUSIVE) besides the parent (SHARE UPDATE EXCLUSIVE).
      const attached =
        command.subtype === 'AT_AttachPartition' ? rangeVarName(body(command.def, 'PartitionCmd')?.name, defaultSchema) : null
      if (attached) needs.push({ relation: attached, mode: 'AccessExclusiveLock' })
      // An inline REFERENCES in ADD COLUMN locks the referenced table too.
      for (const inline of list(body(command.def, 'ColumnDef')?.constraints)) {
        const referenced = body(inline, 'Constraint')?.contype === 'CONSTR_FOREIGN' ? body(inline, 'Constraint')?.pktable : undefined
        const name = rangeVarName(referenced, defaultSchema)
        if (name) needs.push({ relation: name, mode: 'ShareRowExclusiveLock' })
      }
    }
    return strongest(needs)
  }
  switch (kind) {
    case 'IndexStmt':
      return relation ? [{ relation, mode: fields.concurrent === true ? 'ShareUpdateExclusiveLock' : 'ShareLock' }] : []
    case 'DropStmt':
      if (fields.removeType !== 'OBJECT_TABLE' && fields.removeType !== 'OBJECT_MATVIEW' && fields.removeType !== 'OBJECT_VIEW') return []
      return list(fields.objects).map((object) => ({
        relation: qualifiedName(names(body(object, 'List')?.items), defaultSchema),
        mode: 'AccessExclusiveLock' as const
      }))
    case 'TruncateStmt':
      return rangeVars(fields.relations).map((name) => ({ relation: name, mode: 'AccessExclusiveLock' as const }))
    case 'LockStmt': {
      const mode = LOCK_MODES[Number(fields.mode ?? 8) - 1] ?? 'AccessExclusiveLock'
      return rangeVars(fields.relations).map((name) => ({ relation: name, mode }))
    }
    case 'RenameStmt':
      return relation ? [{ relation, mode: 'AccessExclusiveLock' }] : []
    case 'ClusterStmt':
      return relation ? [{ relation, mode: 'AccessExclusiveLock' }] : []
    case 'RefreshMatViewStmt':
      return relation ? [{ relation, mode: fields.concurrent === true ? 'ExclusiveLock' : 'AccessExclusiveLock' }] : []
    case 'ReindexStmt':
      return relation && fields.kind === 'REINDEX_OBJECT_TABLE' ? [{ relation, mode: 'ShareLock' }] : []
    case 'CreateTrigStmt':
      return relation ? [{ relation, mode: 'ShareRowExclusiveLock' }] : []
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return relation ? [{ relation, mode: 'RowExclusiveLock' }] : []
    default:
      return []
  }
}

export interface HeldLock {
  mode: LockMode
  /** The earlier statement of the transaction that took it, when the review can tell. */
  by: ReviewStatement | null
}

/**
 * The strongest lock the version's transaction holds on `relation` when the statement starts: from the statement's
 * trace (what PostgreSQL held), else from the own needs of the statements before it in the same transaction.
 */
export function heldBefore(statement: ReviewStatement, context: ReviewContext, relation: string): HeldLock | null {
  const transaction = transactionOf(statement, context)
  const earlier = transaction.slice(
    0,
    transaction.findIndex((other) => other.index === statement.index)
  )
  const takers = earlier.flatMap((other) =>
    ownLockNeed(other, context.defaultSchema)
      .filter((need) => need.relation === relation)
      .map((need) => ({ mode: need.mode, by: other }))
  )
  const byTrace = traceOf(statement, context)?.held
  const candidates: HeldLock[] =
    byTrace === undefined
      ? takers
      : byTrace
          .filter((lock) => lock.relation === relation && (LOCK_MODES as readonly string[]).includes(lock.mode))
          .map((lock) => ({
            mode: lock.mode as LockMode,
            by: takers.find((taker) => isAtLeast(taker.mode, lock.mode as LockMode))?.by ?? null
          }))
  let best: HeldLock | null = null
  for (const candidate of candidates) {
    if (!best || (isAtLeast(candidate.mode, best.mode) && candidate.mode !== best.mode)) best = candidate
  }
  return best
}

/**
 * The second fact, for a finding's message: the transaction already holds `mode` or a stronger lock on the relation
 * since an earlier statement, so the statement waits for nothing there, and the table stays blocked while it runs.
 * Empty when nothing at least as strong is held.
 */
export function heldNote(statement: ReviewStatement, context: ReviewContext, relation: string, mode: LockMode): string {
  const held = heldBefore(statement, context, relation)
  if (!held || !isAtLeast(held.mode, mode)) return ''
  const since = held.by ? ` since ${held.by.file}:${held.by.line}` : ''
  return (
    ` The version's transaction already holds ${lockLabel(held.mode)} on ${relationName(relation)}${since}: this statement ` +
    `waits for no new lock there, and the table stays blocked while it runs.`
  )
}
