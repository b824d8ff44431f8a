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

/** One statement to trace: its SQL and where it is in its version (index over all files, in order). */
export interface TracedStatement {
  version: number
  index: number
  sql: string
}

interface Relation {
  oid: string
  name: string
}

/** The state of the catalog that the trace compares before and after a statement. */
export interface CatalogState {
  locks: Array<{ relation: string; mode: string }>
  files: Array<Relation & { filenode: string }>
  /** Sequential scans of each table in this backend's current transaction (pg_stat_get_xact_numscans). */
  scans?: Array<{ relation: string; count: number }>
  constraints: Array<{ oid: string; name: string; relation: string; validated: boolean }>
}

/** The schema of the table the states of a traced transaction are written to (on the throwaway database only). */
export const TRACE_SCHEMA = 'aurora_migrate_trace'

const USER_RELATION = `n.nspname NOT IN ('pg_catalog', 'information_schema', '${TRACE_SCHEMA}') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`

/**
 * This backend's relation locks, the relfilenodes and the constraints of user relations, as one text value:
 * of every user relation (`all`), or of those this backend holds a lock on (`locked`, cheap: read after each
 * statement of a transaction, while the state of every other relation is the one read at its start).
 */
function stateQuery(scope: 'all' | 'locked'): string {
  const relations = scope === 'locked' ? `(SELECT DISTINCT relation AS oid FROM mine)` : `pg_class`
  return `WITH mine AS MATERIALIZED (
  SELECT l.relation, l.mode FROM pg_locks l WHERE l.locktype = 'relation' AND l.granted AND l.pid = pg_backend_pid()
), rels AS MATERIALIZED (
  SELECT c.oid, c.relkind, c.relfilenode, n.nspname || '.' || c.relname AS name
    FROM ${relations} r JOIN pg_class c ON c.oid = r.oid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE ${USER_RELATION}
)
SELECT json_build_object(
  'locks', (SELECT coalesce(json_agg(json_build_object('relation', r.name, 'mode', m.mode)), '[]') FROM mine m JOIN rels r ON r.oid = m.relation),
  'files', (SELECT coalesce(json_agg(json_build_object('oid', r.oid::text, 'name', r.name, 'filenode', r.relfilenode::text)), '[]')
              FROM rels r WHERE r.relkind IN ('r', 'm', 'i')),
  'constraints', (SELECT coalesce(json_agg(json_build_object('oid', k.oid::text, 'name', k.conname, 'relation', r.name, 'validated', k.convalidated)), '[]')
                    FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid),
  'scans', (SELECT coalesce(json_agg(json_build_object('relation', r.name, 'count', pg_stat_get_xact_numscans(r.oid))), '[]')
              FROM rels r WHERE r.relkind IN ('r', 'm'))
)::text AS state`
}

const STATE_QUERY = stateQuery('all')
const LOCKED_STATE_QUERY = stateQuery('locked')

const STATES = `${TRACE_SCHEMA}.states`

/** Backslash and newline escaped, so that a name may end a line of RECORDED_STATE_QUERY's text. */
const escapedName = (name: string): string => `replace(replace(${name}, E'\\\\', E'\\\\\\\\'), E'\\n', E'\\\\n')`

/**
 * What LOCKED_STATE_QUERY reads, at less than half its cost with a few dozen relations locked (it runs around
 * every traced statement): relations looked up by oid, pg_constraint read once rather than once per
 * relation, and plain lines rather than JSON. One line per locked
 * relation: `R <mode,mode…> <oid> <relkind> <relfilenode> <sequential scans in this transaction> <name>`, then one
 * per constraint of it:
 * `C <oid> <relation oid> <t|f validated> <name>`.
 */
const RECORDED_STATE_QUERY = `WITH held AS MATERIALIZED (
  SELECT l.relation, string_agg(l.mode, ',') AS modes FROM pg_locks l
   WHERE l.locktype = 'relation' AND l.granted AND l.pid = pg_backend_pid() GROUP BY l.relation
), rels AS MATERIALIZED (
  -- By oid, one relation at a time: pg_locks is estimated at 1,000 rows, and a join would scan pg_class.
  SELECT c.oid, c.relkind, c.relfilenode, n.nspname || '.' || c.relname AS name, l.modes
    FROM held l
   CROSS JOIN LATERAL (SELECT c.oid, c.relkind, c.relfilenode, c.relname, c.relnamespace FROM pg_class c WHERE c.oid = l.relation) c
   CROSS JOIN LATERAL (SELECT n.nspname FROM pg_namespace n WHERE n.oid = c.relnamespace) n
   WHERE ${USER_RELATION}
)
SELECT concat_ws(E'\\n',
  (SELECT string_agg(concat_ws(' ', 'R', r.modes, r.oid, r.relkind, r.relfilenode, pg_stat_get_xact_numscans(r.oid), ${escapedName('r.name')}), E'\\n') FROM rels r),
  -- One pass over pg_constraint for all of them, rather than one scan per relation.
  (SELECT string_agg(concat_ws(' ', 'C', k.oid, k.conrelid, k.convalidated, ${escapedName('k.conname')}), E'\\n')
     FROM pg_constraint k WHERE k.conrelid IN (SELECT r.oid FROM rels r))
)`

/**
 * The sequential scan counts of every user table this backend has counted and not yet reported (`S <scans> <name>`
 * lines), read once per traced transaction, by its first recorded state. pg_stat_get_xact_numscans also counts
 * scans of transactions that ended less than a second ago (their counts wait to be reported): a table's count
 * before a statement is its count at the start of the transaction unless the transaction scanned it since, and a
 * scanned table stays locked, in the lines of every later state.
 */
const SCAN_BASELINE_QUERY = `SELECT string_agg(concat_ws(' ', 'S', pg_stat_get_xact_numscans(c.oid), ${escapedName("n.nspname || '.' || c.relname")}), E'\\n')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm') AND ${USER_RELATION} AND pg_stat_get_xact_numscans(c.oid) > 0`

/** The setting (local to the transaction) that says the scan baseline is written. */
const BASELINE_SETTING = `${TRACE_SCHEMA}.baseline`

/** A state written by RECORDED_STATE_QUERY. */
export function parseRecordedState(text: string): CatalogState {
  const unescape = (name: string): string => name.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char))
  const names = new Map<string, string>()
  const locks: CatalogState['locks'] = []
  const files = new Map<string, CatalogState['files'][number]>()
  const constraints = new Map<string, { oid: string; relationOid: string; validated: boolean; name: string }>()
  const scans: NonNullable<CatalogState['scans']> = []
  for (const line of text ? text.split('\n') : []) {
    const fields = line.split(' ')
    if (fields[0] === 'R') {
      const [, modes, oid, relkind, filenode, scanCount] = fields
      const name = unescape(fields.slice(6).join(' '))
      names.set(oid, name)
      for (const mode of modes.split(',')) locks.push({ relation: name, mode })
      if (relkind === 'r' || relkind === 'm' || relkind === 'i') files.set(oid, { oid, name, filenode })
      if (relkind === 'r' || relkind === 'm') scans.push({ relation: name, count: Number(scanCount) })
    } else if (fields[0] === 'S') {
      scans.push({ relation: unescape(fields.slice(2).join(' ')), count: Number(fields[1]) })
    } else {
      const [, oid, relationOid, validated] = fields
      constraints.set(oid, { oid, relationOid, validated: validated === 't', name: unescape(fields.slice(4).join(' ')) })
    }
  }
  return {
    locks,
    files: [...files.values()],
    scans,
    constraints: [...constraints.values()].map(({ oid, relationOid, validated, name }) => ({
      oid,
      name,
      relation: names.get(relationOid) ?? relationOid,
      validated
    }))
  }
}

/**
 * The statement the trace puts into the transaction being traced, before the statements at statePositions
 * (tracing-target.ts, withRecordedStates): it writes the state at that point, with the time, to a table
 * (through a PL/pgSQL function, whose plan is made once per session rather than at every statement)
 * that commits with the transaction. Anyone may write to it: a migration that switches role (SET LOCAL ROLE)
 * must not fail here because of the trace.
 */
export const RECORD_STATE_SQL = `SELECT ${TRACE_SCHEMA}.record_state()`

/** Creates the table RECORD_STATE_SQL writes to (once); returns the highest id written so far. */
export async function prepareStates(client: pg.Client): Promise<number> {
  await client.query(
    `CREATE SCHEMA IF NOT EXISTS ${TRACE_SCHEMA}; CREATE TABLE IF NOT EXISTS ${STATES} (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(), state text NOT NULL);
     CREATE OR REPLACE FUNCTION ${TRACE_SCHEMA}.record_state() RETURNS void LANGUAGE plpgsql AS $trace$
     BEGIN
       IF current_setting('${BASELINE_SETTING}', true) IS DISTINCT FROM 'on' THEN
         PERFORM set_config('${BASELINE_SETTING}', 'on', true);
         INSERT INTO ${STATES} (state) SELECT concat_ws(E'\\n', (${SCAN_BASELINE_QUERY}), (${RECORDED_STATE_QUERY}));
       ELSE
         INSERT INTO ${STATES} (state) ${RECORDED_STATE_QUERY};
       END IF;
     END
     $trace$;
     GRANT USAGE ON SCHEMA ${TRACE_SCHEMA} TO PUBLIC; GRANT INSERT ON ${STATES} TO PUBLIC; GRANT USAGE ON SEQUENCE ${STATES}_id_seq TO PUBLIC`
  )
  return lastStateId(client)
}

async function lastStateId(client: pg.Client): Promise<number> {
  const result = await client.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM ${STATES}`)
  return Number(result.rows[0].id)
}

/** The full state, read outside the traced transaction (its locks are this observer's: left out). */
export async function readStartState(client: pg.Client): Promise<CatalogState> {
  return { ...(await readState(client)), locks: [], scans: [] }
}

/** A state written by RECORD_STATE_SQL: what it holds and when it was written (ms since the epoch). */
export interface RecordedState {
  ms: number
  state: CatalogState
}

/** Every state written after `afterId`, in the order written: read once, when the traced versions have run. */
export async function readRecordedStates(client: pg.Client, afterId: number): Promise<RecordedState[]> {
  const result = await client.query<{ ms: string; state: string }>(
    `SELECT (extract(epoch FROM at) * 1000)::float8::text AS ms, state FROM ${STATES} WHERE id > $1 ORDER BY id`,
    [afterId]
  )
  return result.rows.map((row) => ({ ms: Number(row.ms), state: parseRecordedState(row.state) }))
}

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
 * The relation locks granted to other backends in this database, and whether any backend waits for this
 * one. pg_locks only: inside a transaction pg_stat_activity is read once and then stays as it was.
 */
const WATCH_QUERY = `SELECT
  (SELECT coalesce(json_agg(json_build_object('relation', n.nspname || '.' || c.relname, 'mode', l.mode)), '[]')
     FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
      AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()) AND ${USER_RELATION})::text AS locks,
  EXISTS (SELECT 1 FROM pg_locks w WHERE NOT w.granted AND pg_backend_pid() = ANY (pg_blocking_pids(w.pid))) AS waited_for`

async function readState(client: pg.Client): Promise<CatalogState> {
  const result = await client.query<{ state: string }>(STATE_QUERY)
  return JSON.parse(result.rows[0].state) as CatalogState
}

/**
 * Runs the statement and reads the state after it in one round trip (one simple query of two statements:
 * in the open transaction they run as if sent one by one). The newline ends a trailing line comment.
 */
async function runAndReadState(client: pg.Client, sql: string): Promise<CatalogState> {
  const results = (await client.query(`${sql}\n;\n${LOCKED_STATE_QUERY}`)) as unknown as pg.QueryResult | pg.QueryResult[]
  const last = Array.isArray(results) ? results[results.length - 1] : results
  return JSON.parse((last.rows[0] as { state: string }).state) as CatalogState
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
