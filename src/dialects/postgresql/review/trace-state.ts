/**
 * The catalog state a trace compares before and after a statement, read on the throwaway database: the relation
 * locks of a backend (pg_locks), the relfilenodes and constraints of the relations (pg_class, pg_constraint), and the
 * sequential scans of the transaction (pg_stat_xact_user_tables). A traced transaction writes its states to a table
 * of the trace's own (RECORD_STATE_SQL), read once the versions ran; trace.ts turns states into traces.
 */
import type pg from 'pg'

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

/**
 * The relation locks granted to other backends in this database, and whether any backend waits for this
 * one. pg_locks only: inside a transaction pg_stat_activity is read once and then stays as it was.
 */
export const WATCH_QUERY = `SELECT
  (SELECT coalesce(json_agg(json_build_object('relation', n.nspname || '.' || c.relname, 'mode', l.mode)), '[]')
     FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
      AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()) AND ${USER_RELATION})::text AS locks,
  EXISTS (SELECT 1 FROM pg_locks w WHERE NOT w.granted AND pg_backend_pid() = ANY (pg_blocking_pids(w.pid))) AS waited_for`

export async function readState(client: pg.Client): Promise<CatalogState> {
  const result = await client.query<{ state: string }>(STATE_QUERY)
  return JSON.parse(result.rows[0].state) as CatalogState
}

/**
 * Runs the statement and reads the state after it in one round trip (one simple query of two statements:
 * in the open transaction they run as if sent one by one). The newline ends a trailing line comment.
 */
export async function runAndReadState(client: pg.Client, sql: string): Promise<CatalogState> {
  const results = (await client.query(`${sql}\n;\n${LOCKED_STATE_QUERY}`)) as unknown as pg.QueryResult | pg.QueryResult[]
  const last = Array.isArray(results) ? results[results.length - 1] : results
  return JSON.parse((last.rows[0] as { state: string }).state) as CatalogState
}
