/**
 * The pre-flight of a MySQL DDL (EngineDialect.tableLockBlockers): the sessions that hold or wait on the
 * metadata lock (MDL) of a table a DDL names, looked for before the DDL is sent. Every DDL waits for that lock
 * behind any transaction that touched the table and has not ended, and while it waits every new query on the
 * table queues behind it (a write-lock request goes first).
 *
 * One query per check, judged one of two ways (the query itself tells which, on every row):
 * - exactly, where performance_schema is on and its instrument wait/lock/metadata/sql/mdl is enabled (MySQL
 *   8.0's default; often off on Aurora; MariaDB 10.11 has performance_schema off by default, and the instrument
 *   off even when it is on): performance_schema.metadata_locks rows of the table, PENDING ones (a queue is
 *   already forming) and GRANTED ones of other sessions whose transaction (without one: whose statement, or
 *   idleness) is older than the lock timeout;
 * - otherwise by a heuristic: sessions idle (`Sleep`) in an InnoDB transaction open longer than the lock timeout
 *   (which tables it touched cannot be read: it may hold the lock), sessions running a statement that names the
 *   table for longer than the lock timeout, and sessions in state 'Waiting for table metadata lock' whose
 *   statement names the table.
 * A younger transaction counts for neither: it ends before the DDL would give up on its lock_wait_timeout, and
 * counting it would hold a DDL back on every busy table. Without a lock timeout (lock-timeout 0) the limit is
 * one second. Ages are whole seconds (INNODB_TRX, PROCESSLIST): "older than 1 s" means a whole second shows.
 *
 * INNODB_TRX is a snapshot InnoDB refreshes at most every 0.1 s (measured: a transaction ended a moment before
 * still shows), well within the seconds between checks; its trx_started is in the server's system time zone
 * (measured: a session at +05:00 read a transaction 2 s old as 18002 s old), so ages are taken against NOW() in
 * that zone.
 *
 * The performance_schema tables exist when it is off (they are empty; measured on MariaDB 10.11), so one
 * statement reads both ways. A user who may not read them gets the heuristic alone, for the rest of the run.
 * INNODB_TRX needs the PROCESS privilege, as do other users' sessions in PROCESSLIST.
 *
 * Never the statements' text nor the client's host: the description goes to logs that every reader of the
 * repository may see. A statement's text is read by the server only, to match the table's name.
 */
import type { TableLockBlockers } from '../../engine/dialect.js'
import { DatabaseError } from '../../errors.js'
import type { Row, Target } from '../../targets/target.js'
import { commitsImplicitly, objectKindAt } from './implicit-commit.js'
import { namedObjects, type ObjectName } from './recovery.js'
import { isWord, statementWords } from './statement-words.js'

/** What CREATE / ALTER / DROP may name that takes a table's metadata lock. */
const TABLE_KINDS = new Set(['table', 'index', 'view', 'trigger', 'spatial', 'fulltext'])

/** Whether `sql` is DDL that takes the metadata lock of the tables it names. */
export function locksTables(sql: string): boolean {
  if (!commitsImplicitly(sql)) return false
  const tokens = statementWords(sql, 24)
  const [first, second] = tokens
  if (isWord(first, 'create', 'alter', 'drop')) return TABLE_KINDS.has(tokens[objectKindAt(tokens, 1)]?.value ?? '')
  if (isWord(first, 'rename')) return isWord(second, 'table', 'tables')
  return isWord(first, 'truncate', 'optimize', 'analyze', 'repair')
}

/** A value as a literal that reads the same in every sql_mode (no quotes, no backslashes: hex), in utf8mb4. */
function literal(value: string): string {
  const text = value === '' ? "''" : `0x${Buffer.from(value, 'utf8').toString('hex')}`
  return `CONVERT(${text} USING utf8mb4) COLLATE utf8mb4_general_ci`
}

/** A column of the catalog compared with literal() the same way (table names compare case-insensitively). */
const column = (name: string) => `CONVERT(${name} USING utf8mb4) COLLATE utf8mb4_general_ci`

/**
 * A regular expression matching `name` as a whole name in a statement's text (bare, backticked or
 * qualified): not inside a longer identifier. Written for the three engines MySQL and MariaDB have had (ICU,
 * PCRE, Henry Spencer's): no classes, no look-around.
 */
export function namePattern(name: string): string {
  const escaped = name.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')
  return `(^|[^0-9A-Za-z_$])${escaped}([^0-9A-Za-z_$]|$)`
}

/** Whole seconds a session must have been at it to count: longer than the lock timeout (at least 1 s). */
export function ageLimitSeconds(lockTimeoutMs: number | null): number {
  return lockTimeoutMs && lockTimeoutMs > 0 ? Math.ceil(lockTimeoutMs / 1000) : 1
}

/**
 * The check's one statement for `tables` (ObjectName: null schema = the connection's default database).
 * Columns: `judged` ('on': metadata_locks; 'off', 'no-instrument', 'unreadable': the heuristic), `kind`
 * ('held', 'pending', 'idle', 'running', 'waiting'), `session`, `user`, `command`, `transaction_seconds`,
 * `seconds` (in its statement or idle), `lock_type`, `wanted` (the index of the table in `tables`; NULL for
 * an idle transaction, which may hold any). `readsPerformanceSchema` false: the heuristic alone.
 */
export function blockersSql(tables: ObjectName[], limitSeconds: number, readsPerformanceSchema = true): string {
  const seconds = Math.max(0, Math.floor(limitSeconds))
  const wanted = tables
    .map(
      (table, index) =>
        `SELECT ${index} AS i, ${table.schema === null ? column('DATABASE()') : literal(table.schema)} AS s, ${literal(table.name)} AS n, ${literal(namePattern(table.name))} AS p`
    )
    .join('\nUNION ALL ')
  const judged = readsPerformanceSchema
    ? `SELECT CASE WHEN @@performance_schema = 0 THEN 'off'
  WHEN EXISTS (SELECT 1 FROM performance_schema.setup_instruments WHERE NAME = 'wait/lock/metadata/sql/mdl' AND ENABLED = 'YES') THEN 'on'
  ELSE 'no-instrument' END AS judged`
    : `SELECT 'unreadable' AS judged`
  // trx_started is in the server's system time zone, NOW() in the session's: NOW() is brought to the system's.
  const transactionSeconds = "TIMESTAMPDIFF(SECOND, x.trx_started, COALESCE(CONVERT_TZ(NOW(), @@session.time_zone, 'SYSTEM'), NOW()))"
  const exact = `SELECT ps.judged, CASE WHEN m.LOCK_STATUS = 'PENDING' THEN 'pending' ELSE 'held' END AS kind, t.PROCESSLIST_ID AS session,
  t.PROCESSLIST_USER AS user, t.PROCESSLIST_COMMAND AS command, ${transactionSeconds} AS transaction_seconds, t.PROCESSLIST_TIME AS seconds,
  m.LOCK_TYPE AS lock_type, w.i AS wanted
FROM ps
JOIN performance_schema.metadata_locks AS m ON ps.judged = 'on'
JOIN wanted AS w ON ${column('m.OBJECT_SCHEMA')} = w.s AND ${column('m.OBJECT_NAME')} = w.n
JOIN performance_schema.threads AS t ON t.THREAD_ID = m.OWNER_THREAD_ID
LEFT JOIN information_schema.INNODB_TRX AS x ON x.trx_mysql_thread_id = t.PROCESSLIST_ID
WHERE m.OBJECT_TYPE = 'TABLE' AND t.PROCESSLIST_ID <> CONNECTION_ID()
  AND (m.LOCK_STATUS = 'PENDING' OR (m.LOCK_STATUS = 'GRANTED' AND COALESCE(${transactionSeconds}, t.PROCESSLIST_TIME) > ${seconds}))
UNION ALL
`
  return `WITH wanted AS (${wanted}),
ps AS (${judged})
${readsPerformanceSchema ? exact : ''}SELECT ps.judged, 'idle' AS kind, p.ID AS session, p.USER AS user, p.COMMAND AS command, ${transactionSeconds} AS transaction_seconds,
  p.TIME AS seconds, NULL AS lock_type, NULL AS wanted
FROM ps
JOIN information_schema.INNODB_TRX AS x ON ps.judged <> 'on'
JOIN information_schema.PROCESSLIST AS p ON p.ID = x.trx_mysql_thread_id
WHERE p.COMMAND = 'Sleep' AND p.ID <> CONNECTION_ID() AND ${transactionSeconds} > ${seconds}
UNION ALL
SELECT ps.judged, CASE WHEN p.STATE = 'Waiting for table metadata lock' THEN 'waiting' ELSE 'running' END, p.ID, p.USER, p.COMMAND,
  ${transactionSeconds}, p.TIME, NULL, w.i
FROM ps
JOIN information_schema.PROCESSLIST AS p ON ps.judged <> 'on'
JOIN wanted AS w ON ${column('p.INFO')} REGEXP w.p
LEFT JOIN information_schema.INNODB_TRX AS x ON x.trx_mysql_thread_id = p.ID
WHERE p.ID <> CONNECTION_ID() AND p.INFO IS NOT NULL AND p.COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump', 'Binlog Dump GTID')
  AND (p.STATE = 'Waiting for table metadata lock' OR p.TIME > ${seconds})`
}

/** How the rows were judged, as the description starts. */
const JUDGED: Record<string, string> = {
  on: 'performance_schema shows',
  off: 'performance_schema is off:',
  'no-instrument': 'performance_schema does not record metadata locks (its instrument wait/lock/metadata/sql/mdl is disabled):',
  unreadable: 'performance_schema cannot be read by this user:'
}

/** After the advice, for a check that could not read the locks themselves: how to let it. */
const HOW_TO_SEE_EXACTLY: Record<string, string> = {
  off: " With performance_schema on and its instrument wait/lock/metadata/sql/mdl enabled, the check names exactly the sessions that hold a table's lock.",
  'no-instrument':
    " To name exactly the sessions that hold a table's lock, enable the instrument: UPDATE performance_schema.setup_instruments SET ENABLED = 'YES' WHERE NAME = 'wait/lock/metadata/sql/mdl'.",
  unreadable:
    " Given SELECT on performance_schema (with it on and its instrument wait/lock/metadata/sql/mdl enabled), the check names exactly the sessions that hold a table's lock."
}

/** At most this many sessions are described; the rest are counted. */
const SHOWN = 5

const display = (table: ObjectName) => (table.schema === null ? table.name : `${table.schema}.${table.name}`)
const text = (value: unknown) => (value === null || value === undefined ? '' : String(value))
const number = (value: unknown): number | null => (value === null || value === undefined || value === '' ? null : Number(value))

interface Session {
  id: string
  user: string
  command: string
  transactionSeconds: number | null
  rows: Row[]
}

/** "session 42 (user app, transaction open 312 s, Sleep)"; `withTransaction` false: without the age. */
function label(session: Session, withTransaction = true): string {
  const parts = [
    ...(session.user ? [`user ${session.user}`] : []),
    ...(withTransaction && session.transactionSeconds !== null ? [`transaction open ${session.transactionSeconds} s`] : []),
    ...(session.command ? [session.command] : [])
  ]
  return `session ${session.id}${parts.length ? ` (${parts.join(', ')})` : ''}`
}

/** The tables of `rows` as people read them, once each. */
function tablesOf(rows: Row[], tables: ObjectName[]): string {
  const indexes = [...new Set(rows.map((row) => number(row.wanted)).filter((index): index is number => index !== null))]
  return indexes.map((index) => display(tables[index])).join(', ')
}

/**
 * What one session does to the tables, in words: what the server showed, never its statement or host. After
 * "performance_schema shows" (exact) a participle; after the heuristic's "performance_schema is off:" a clause.
 */
function describe(session: Session, tables: ObjectName[]): string {
  const held = session.rows.filter((row) => row.kind === 'held')
  const pending = session.rows.filter((row) => row.kind === 'pending')
  if (held.length || pending.length) {
    const locks = (rows: Row[]) =>
      `the metadata lock on ${tablesOf(rows, tables)} (${[...new Set(rows.map((row) => text(row.lock_type)))].join(', ')})`
    const what = [...(held.length ? [`holding ${locks(held)}`] : []), ...(pending.length ? [`waiting for ${locks(pending)}`] : [])]
    return `${label(session)} ${what.join(' and ')}`
  }
  const waiting = session.rows.filter((row) => row.kind === 'waiting')
  if (waiting.length) return `${label(session)} is waiting for the metadata lock on ${tablesOf(waiting, tables)}`
  const running = session.rows.filter((row) => row.kind === 'running')
  if (running.length) {
    const seconds = Math.max(...running.map((row) => number(row.seconds) ?? 0))
    return `${label(session)} has been running a statement that names ${tablesOf(running, tables)} for ${seconds} s`
  }
  return (
    `${label(session, false)} has had a transaction open for ${session.transactionSeconds ?? '?'} s and may hold the metadata lock on ` +
    tables.map(display).join(', ')
  )
}

/**
 * The check's rows as the engine reads them: the sessions, oldest transaction first, described; which
 * statements wait behind them (an idle transaction may hold any table: all of them); what to do.
 */
export function readBlockers(rows: Row[], tables: ObjectName[], statementTables: number[][]): TableLockBlockers {
  const sessions = new Map<string, Session>()
  for (const row of rows) {
    const id = text(row.session)
    const session = sessions.get(id) ?? { id, user: text(row.user), command: text(row.command), transactionSeconds: null, rows: [] }
    const seconds = number(row.transaction_seconds)
    if (seconds !== null) session.transactionSeconds = Math.max(session.transactionSeconds ?? 0, seconds)
    session.rows.push(row)
    sessions.set(id, session)
  }
  const ordered = [...sessions.values()].sort(
    (a, b) => (b.transactionSeconds ?? -1) - (a.transactionSeconds ?? -1) || Number(a.id) - Number(b.id)
  )
  const judged = text(rows[0]?.judged)
  const blockedTables = new Set(rows.map((row) => number(row.wanted)))
  // A row without a table (an idle transaction) may hold any of them.
  const statements = statementTables
    .map((indexes, statement) => (indexes.some((index) => blockedTables.has(index) || blockedTables.has(null)) ? statement : -1))
    .filter((statement) => statement >= 0)
  const shown = ordered.slice(0, SHOWN).map((session) => describe(session, tables))
  const more = ordered.length > SHOWN ? `; and ${ordered.length - SHOWN} more` : ''
  const ids = ordered.map((session) => session.id)
  const them = ids.length === 1 ? 'it' : 'them'
  const advice = !ids.length
    ? ''
    : `End ${ids.length === 1 ? 'its transaction' : 'their transactions'} (COMMIT or ROLLBACK in the application that holds ${them}) or ` +
      `${ids.length === 1 ? 'the session' : 'the sessions'} (${ids.map((id) => `KILL ${id}`).join(', ')}; on RDS and Aurora, ` +
      `CALL mysql.rds_kill(<session>) for another user's session).${HOW_TO_SEE_EXACTLY[judged] ?? ''}`
  return {
    sessions: ids,
    description: ordered.length ? `${JUDGED[judged] ?? `${judged}:`} ${shown.join('; ')}${more}` : '',
    statements,
    tables: tables.map(display),
    advice
  }
}

/** The tables whose metadata locks the DDL among `statements` needs, and which of them each statement needs. */
function lockedTables(statements: string[]): { tables: ObjectName[]; statementTables: number[][] } {
  const tables: ObjectName[] = []
  const keys: string[] = []
  const statementTables = statements.map((sql) => {
    if (!locksTables(sql)) return []
    return namedObjects(sql).map((name) => {
      const key = JSON.stringify([name.schema, name.name.toLowerCase()])
      if (!keys.includes(key)) {
        keys.push(key)
        tables.push(name)
      }
      return keys.indexOf(key)
    })
  })
  return { tables, statementTables }
}

/**
 * The check as the version procedure runs it server-side, before any of its statements (version-routine.ts):
 * the query with performance_schema and the heuristic's alone (for a user who may not read performance_schema);
 * null when none of `statements` needs a table lock.
 */
export function blockersCheck(statements: string[], lockTimeoutMs: number | null): { full: string; heuristic: string } | null {
  const { tables } = lockedTables(statements)
  if (!tables.length) return null
  const seconds = ageLimitSeconds(lockTimeoutMs)
  return { full: blockersSql(tables, seconds), heuristic: blockersSql(tables, seconds, false) }
}

/** Targets whose user may not read performance_schema: the heuristic alone from then on. */
const heuristicOnly = new WeakSet<Target>()

/**
 * The sessions that hold or wait on the metadata locks the DDL among `statements` needs, in one query; null
 * when none of them is DDL that names a table. Throws when the server refuses the check (no PROCESS privilege).
 */
export async function tableLockBlockers(
  target: Target,
  statements: string[],
  settings: { lockTimeoutMs: number | null }
): Promise<TableLockBlockers | null> {
  const { tables, statementTables } = lockedTables(statements)
  if (!tables.length) return null
  const seconds = ageLimitSeconds(settings.lockTimeoutMs)
  if (!heuristicOnly.has(target)) {
    try {
      return readBlockers((await target.query(blockersSql(tables, seconds))).rows, tables, statementTables)
    } catch (error) {
      if (!(error instanceof DatabaseError)) throw error
      // performance_schema refused (no SELECT on it): the heuristic alone answers, or its own error says why.
      const rows = (await target.query(blockersSql(tables, seconds, false))).rows
      heuristicOnly.add(target)
      return readBlockers(rows, tables, statementTables)
    }
  }
  return readBlockers((await target.query(blockersSql(tables, seconds, false))).rows, tables, statementTables)
}
