/**
 * What each statement actually did on the throwaway database: the relation locks its own backend took (and
 * those its transaction already held before it), the tables and indexes it rewrote (relfilenode changed), the
 * tables it read in full (pg_stat_xact_user_tables' seq_scan), the constraints it added and whether they
 * were validated, and its duration.
 *
 * A version's statements are traced one by one on one connection inside one transaction that is then
 * rolled back (`traceInTransaction`): locks stay held until the end of a transaction, so the locks after a
 * statement minus those before it are the ones it took. A statement of a `-- migrate:no-transaction` file
 * runs on its own and releases its locks when it ends: `traceAlone` watches it from another connection
 * while it runs.
 */
import type pg from 'pg'
import { traceKey, type StatementTrace } from '../../../review/types.js'
import { readState, runAndReadState, WATCH_QUERY, type CatalogState, type RecordedState, type TracedStatement } from './trace-state.js'

/** What a traced transaction left: the traces, and the state after it. */
export interface RecordedTransaction {
  traces: StatementTrace[]
  /** `start` with every state the transaction wrote merged in: the state after it, without reading it all again. */
  end: CatalogState
}

/**
 * Where a traced transaction writes its states: right before each traced statement and right before the
 * statement that follows it (its end state). Nowhere else: the engine's own statements around them (fence,
 * guard, settings, history row) are not traced, and reading the state is most of what tracing costs.
 */
export function statePositions(traced: ReadonlyArray<{ position: number }>, statementCount: number): number[] {
  const positions = new Set<number>()
  for (const { position } of traced) {
    positions.add(position)
    if (position + 1 < statementCount) positions.add(position + 1)
  }
  return [...positions].sort((a, b) => a - b)
}

/**
 * The traces of the statements at their `position` in a transaction that ran with RECORD_STATE_SQL before
 * the statements at `positions` (statePositions) and committed: `rows` are the states it wrote, in order,
 * one before each of `positions`. `start` is the state before the transaction. A statement last in the
 * transaction has no state after it and is not traced.
 */
export function tracesFromStates(
  start: CatalogState,
  rows: RecordedState[],
  traced: Array<TracedStatement & { position: number }>,
  positions: number[]
): RecordedTransaction {
  const rowBefore = new Map(positions.map((position, row) => [position, row]))
  const traces: StatementTrace[] = []
  // Scan counts are this transaction's backend's: none are known from the start state (read by another).
  let known: CatalogState = { ...start, locks: [], scans: [] }
  let mergedUpTo = 0
  // What the engine holds before the first traced statement (its fence, its history table) is not the version's.
  const firstBefore = traced.length > 0 ? rows[rowBefore.get(traced[0].position) ?? -1] : undefined
  const engines = new Set((firstBefore?.state.locks ?? []).map(lockId))
  for (const statement of traced) {
    const beforeRow = rowBefore.get(statement.position)
    const afterRow = rowBefore.get(statement.position + 1)
    if (beforeRow === undefined || afterRow === undefined || !rows[afterRow]) continue
    const before = rows[beforeRow]
    const after = rows[afterRow]
    for (; mergedUpTo <= beforeRow; mergedUpTo++) known = merged(known, rows[mergedUpTo].state)
    const held = new Set(before.state.locks.map(lockId))
    traces.push({
      version: statement.version,
      index: statement.index,
      locks: uniqueLocks(after.state.locks.filter((lock) => !held.has(lockId(lock)))),
      held: uniqueLocks(before.state.locks.filter((lock) => !engines.has(lockId(lock)))),
      ...changes(known, after.state),
      scanned: scannedBetween(known, after.state),
      durationMs: Math.round(after.ms - before.ms)
    })
  }
  for (; mergedUpTo < rows.length; mergedUpTo++) known = merged(known, rows[mergedUpTo].state)
  return { traces, end: { ...known, locks: [], scans: [] } }
}

/**
 * The tables whose sequential scan count rose from `before` to `after` (both read in the same transaction of the
 * same backend; a table missing from `before` had not been scanned in it).
 */
function scannedBetween(before: CatalogState, after: CatalogState): string[] {
  const counts = new Map((before.scans ?? []).map((scan) => [scan.relation, scan.count]))
  return (after.scans ?? [])
    .filter((scan) => scan.count > (counts.get(scan.relation) ?? 0))
    .map((scan) => scan.relation)
    .sort()
}

function lockId(lock: { relation: string; mode: string }): string {
  return `${lock.relation} ${lock.mode}`
}

function uniqueLocks(locks: Array<{ relation: string; mode: string }>): Array<{ relation: string; mode: string }> {
  const seen = new Map(locks.map((lock) => [lockId(lock), lock]))
  return [...seen.values()].sort((a, b) => lockId(a).localeCompare(lockId(b)))
}

/** What changed from `before` to `after` other than the locks (`after` may hold only some relations). */
function changes(before: CatalogState, after: CatalogState): Pick<StatementTrace, 'rewritten' | 'constraints'> {
  const filenodes = new Map(before.files.map((file) => [file.oid, file.filenode]))
  const rewritten = after.files
    .filter((file) => filenodes.has(file.oid) && filenodes.get(file.oid) !== file.filenode)
    .map((file) => file.name)
    .sort()
  const existing = new Set(before.constraints.map((constraint) => constraint.oid))
  const constraints = after.constraints
    .filter((constraint) => !existing.has(constraint.oid))
    .map(({ name, relation, validated }) => ({ name, relation, validated }))
    .sort((a, b) => `${a.relation} ${a.name}`.localeCompare(`${b.relation} ${b.name}`))
  return { rewritten, constraints }
}

/** `before` updated with what `after` read (the locks are the backend's, read in full each time). */
function merged(before: CatalogState, after: CatalogState): CatalogState {
  const files = new Map(before.files.map((file) => [file.oid, file]))
  for (const file of after.files) files.set(file.oid, file)
  const constraints = new Map(before.constraints.map((constraint) => [constraint.oid, constraint]))
  for (const constraint of after.constraints) constraints.set(constraint.oid, constraint)
  const scans = new Map((before.scans ?? []).map((scan) => [scan.relation, scan]))
  for (const scan of after.scans ?? []) scans.set(scan.relation, scan)
  return { locks: after.locks, files: [...files.values()], constraints: [...constraints.values()], scans: [...scans.values()] }
}

export interface TransactionTrace {
  traces: StatementTrace[]
  /** The statement that failed (its trace is left out), with PostgreSQL's message; null when all ran. */
  failed: { index: number; message: string } | null
}

/**
 * Runs the statements one by one in one transaction on `client` and rolls it back: nothing stays. Stops at
 * the first statement that fails. The session is reset afterwards (DISCARD ALL), as a migration may have
 * changed it for good.
 */
export async function traceInTransaction(client: pg.Client, statements: TracedStatement[]): Promise<TransactionTrace> {
  const traces: StatementTrace[] = []
  let failed: TransactionTrace['failed'] = null
  await client.query('BEGIN')
  try {
    let before = await readState(client)
    for (const statement of statements) {
      const started = performance.now()
      let after: CatalogState
      try {
        after = await runAndReadState(client, statement.sql)
      } catch (error) {
        failed = { index: statement.index, message: error instanceof Error ? error.message : String(error) }
        break
      }
      // Includes the read of the state after it: one round trip, a fraction of a millisecond here.
      const durationMs = Math.round(performance.now() - started)
      const held = new Set(before.locks.map(lockId))
      traces.push({
        version: statement.version,
        index: statement.index,
        locks: uniqueLocks(after.locks.filter((lock) => !held.has(lockId(lock)))),
        held: uniqueLocks(before.locks),
        ...changes(before, after),
        scanned: scannedBetween(before, after),
        durationMs
      })
      before = merged(before, after)
    }
  } finally {
    await client.query('ROLLBACK')
    await client.query('DISCARD ALL')
  }
  return { traces, failed }
}

const WATCH_INTERVAL_MS = 2
/** The longest the observer's snapshot may hold the statement back. */
const HOLD_SNAPSHOT_MS = 2000

/**
 * Traces one statement that runs on its own (autocommit, on another connection) while `run` runs it: the
 * locks are those seen granted to other backends of the database meanwhile, polled from `observer` (the
 * caller runs nothing else there at the time, and leaves out what its own bookkeeping locks). The observer holds a
 * snapshot open meanwhile, so a statement that waits for older snapshots (CREATE INDEX CONCURRENTLY,
 * REINDEX CONCURRENTLY) is seen holding its lock before the observer lets it go on; a statement that holds
 * a lock only for a moment may end between two polls, so the locks of such a trace are marked as sampled.
 */
export async function traceAlone<T>(
  observer: pg.Client,
  statement: TracedStatement,
  run: () => Promise<T>
): Promise<{ trace: StatementTrace | null; result: T }> {
  const before = await readState(observer)
  await observer.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
  await observer.query('SELECT 1')
  let open = true
  const release = async (): Promise<void> => {
    if (!open) return
    open = false
    await observer.query('COMMIT')
  }
  const seen: Array<{ relation: string; mode: string }> = []
  let done = false
  const started = performance.now()
  // Settled into a value so that a failure is not an unhandled rejection while the watch polls.
  const running = run()
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error })
    )
    .finally(() => (done = true))
  let failure: unknown = null
  try {
    while (!done) {
      const [row] = (await observer.query<{ locks: string; waited_for: boolean }>(WATCH_QUERY)).rows
      seen.push(...(JSON.parse(row.locks) as typeof seen))
      // Never keeps the statement waiting for long, whoever it waits for.
      if (row.waited_for || performance.now() - started > HOLD_SNAPSHOT_MS) await release()
      if (!done) await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS))
    }
  } catch (error) {
    failure = error
  } finally {
    await release().catch(() => {})
  }
  // The statement's own outcome first: a failure of the watch only costs the trace.
  const outcome = await running
  const durationMs = Math.round(performance.now() - started)
  if (!outcome.ok) throw outcome.error
  const result = outcome.value
  if (failure) return { trace: null, result }
  let after: CatalogState
  try {
    after = await readState(observer)
  } catch {
    return { trace: null, result }
  }
  return {
    trace: {
      version: statement.version,
      index: statement.index,
      locks: uniqueLocks(seen),
      // On its own (autocommit), the statement began holding nothing; its scans are not visible from here.
      held: [],
      ...changes(before, after),
      durationMs,
      locksSampled: true
    },
    result
  }
}

/** The traces keyed as ReviewContext.trace wants them. */
export function traceMap(traces: StatementTrace[]): Map<string, StatementTrace> {
  return new Map(traces.map((trace) => [traceKey(trace.version, trace.index), trace]))
}
