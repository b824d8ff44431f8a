/**
 * The engine's port: what the engine needs of a SQL dialect. The engine itself holds no SQL and no
 * error code of any database: it asks its dialect (EngineContext.dialect, or a parameter of the
 * functions that run before a context exists) for every statement it sends, every error class it
 * branches on, and whether a version can run as one transaction. `src/dialects/<name>/` implements it.
 *
 * Statements come back as text with named parameters (`:name`); the values are the engine's. Table
 * names are MetaTables (quoted once, see meta.ts); nothing from input is ever spliced in unquoted.
 */
import type { SqlErrorInfo } from '../errors.js'
import type { AppliedRow, RunIdentity } from '../meta-row.js'
import type { MetaTableName } from '../meta-table-name.js'
import type { Row, SqlValue, Target } from '../targets/target.js'
import type { MetaTables } from './meta.js'

/** A statement and its parameters. */
export interface Query {
  sql: string
  params: Record<string, SqlValue>
}

/** Which of the tables (and the schema) exist, as the catalog showed before anything was created. */
export interface TablesPresent {
  schema: boolean
  meta: boolean
  lock: boolean
  progress: boolean
}

/**
 * The error classes the engine branches on. `lock-not-available`: a lock wait gave up (the lock
 * timeout, or a no-wait lock found the row locked); `undefined-object`: a table, column or schema a
 * statement names does not exist; `lease-row-exists`: the block that creates the tables with the lease
 * found the lease row there already (see MetaSql.createTablesWithLease).
 */
export type EngineErrorClass =
  | 'lock-not-available'
  | 'deadlock'
  | 'serialization'
  | 'duplicate'
  | 'lease-row-exists'
  | 'undefined-object'
  | 'insufficient-privilege'
  | 'read-only'

/** A completed step of a version run in steps, as the progress table holds it. */
export interface ProgressStep {
  step: number
  statementChecksum: string
  file: string
  line: number
}

/** The meta, lock and progress tables: their DDL, and the reads and writes of the history. */
export interface MetaSql {
  /**
   * One statement that creates what `present` lacks and inserts the lease row held by `lease` (token
   * 1); it fails with class `lease-row-exists`, having changed nothing, when the lease row exists. A
   * dialect without a block statement (MySQL) returns a list run in order: `CREATE … IF NOT EXISTS`
   * statements, then the insert, which fails as said when the lease row exists.
   */
  createTablesWithLease(
    tables: MetaTables,
    present: TablesPresent,
    createSchema: boolean,
    lease: { owner: string; ttlSeconds: number }
  ): string | string[]
  /** Columns `meta`, `lock`, `progress`, `schema`: whether each exists (booleans). */
  tablesPresent(tables: MetaTables): Query
  createSchema(tables: MetaTables): string
  metaTableDdl(tables: MetaTables): string
  lockTableDdl(tables: MetaTables): string
  progressTableDdl(tables: MetaTables): string
  /** The free lease row (token 0), when it is missing; never waits on the row's lock. */
  insertLeaseRow(tables: MetaTables): string
  /** Column `present`: whether the table named by `quoted` (a quoted, maybe qualified name) exists. */
  tableExists(quoted: string): Query
  /**
   * Columns `step`, `statement_checksum`, `file`, `line` of one version, in step order; where the dialect
   * journals intent (`insertStarted`), also `state` ('started' or 'done') and `fingerprint`.
   */
  readProgress(tables: MetaTables, version: number): Query
  /**
   * Journals that a step is about to run on its own (its statement commits by itself: MySQL's DDL): a row
   * in state 'started' holding the fingerprint the statement's objects had (StatementRecovery.fingerprint),
   * committed before the statement is sent, replacing a 'started' row of the same step. A later run that
   * finds it without 'done' settles it from the catalog. Optional: without it, an unanswered statement is
   * settled within the run only.
   */
  insertStarted?(tables: MetaTables, version: number, step: ProgressStep, fingerprint: string | null): Query
  /**
   * Deletes the 'started' row of a step whose statement the server refused with an error (it did not
   * run: DDL is atomic per statement where this is used). Provided with insertStarted.
   */
  forgetStarted?(tables: MetaTables, version: number, step: number): Query
  /** Columns `version`, `steps`: versions with progress rows and no meta row, in version order. */
  partialVersions(tables: MetaTables): string
  /** A scalar subquery: the partly applied versions as JSON text (a list of {version, steps}). */
  partialVersionsJson(tables: MetaTables): string
  /** Records completed steps, state 'done' where the dialect journals intent, replacing their 'started' rows (idempotent, so a transport may re-send it). */
  insertProgress(tables: MetaTables, version: number, steps: ProgressStep[]): Query
  /** Forgets the progress of a version, in the transaction that records it. */
  deleteProgress(tables: MetaTables, version: number): Query
  /** The statement a person runs to record a step as done by hand. */
  recordStepByHand(tables: MetaTables, version: number, step: ProgressStep): string
  /**
   * One page of meta rows after `:after`, in version order: at most `:rows`, cut where the estimated
   * reply passes `:budget` bytes (the first row always); `files` is NULL where it is longer than
   * `:inline` bytes (`files_bytes` says how long). Columns: those of the meta table, `files_bytes`,
   * `head_rows` (rows before the cut).
   */
  page(tables: MetaTables): string
  /** Column `part`: characters `:from`..`:from + :count - 1` of the `files` of version `:version`. */
  filesSlice(tables: MetaTables): string
  /** Fails its guard (0 rows) when the version is recorded: `expectRows: 0`. */
  notApplied(tables: MetaTables, version: number): Query
  /**
   * The meta row insert that ends a version's transaction: its time measured by the database (plus
   * `earlierMs`), inserted only while the meta table holds `recordedRows` rows (when given).
   */
  insertAppliedRow(
    tables: MetaTables,
    version: { version: number; description: string; checksum: string; files: AppliedRow['files'] },
    run: RunIdentity,
    recordedRows?: number,
    earlierMs?: number
  ): Query
  /** The meta row of a version baseline records (not run: execution_ms 0). */
  insertBaselineRow(
    tables: MetaTables,
    version: { version: number; description: string; checksum: string; files: string },
    run: RunIdentity
  ): Query
  /** Accepts the files on disk of a drifted version; guarded by the checksum it had (`previous`). */
  updateRepairedRow(
    tables: MetaTables,
    version: { version: number; checksum: string; files: string; repairedBy: string | null; previous: string }
  ): Query
  /** Column `present`: how many of repaired_by / repaired_at the meta table has. */
  repairColumnsPresent(tables: MetaTables): Query
  /** Adds repaired_by / repaired_at where missing; `byHand`: the same for a person to run. */
  addRepairColumns(tables: MetaTables): string
  addRepairColumnsByHand(tables: MetaTables): string
  /** Column `name` of every row of sequelize-cli's table, ordered by name. */
  sequelizeNames(quoted: string): string
}

/** Reading where the history is, and the history itself, in as few statements as the dialect can. */
export interface HistorySql {
  /**
   * The tables as `name` names them, quoted the dialect's way: qualified when it has a schema, else by
   * their bare names (the database's default schema decides), for the statement that reads them.
   */
  named(name: MetaTableName): MetaTables
  /**
   * Column `current` (the default schema) and `tables` (JSON: every table named `:table` the user may
   * see, with its columns), for resolveFromCatalog.
   */
  namedTables(name: MetaTableName): Query
  /** The meta tables as the row of namedTables resolves them; throws the refusals (InputError). */
  resolveFromCatalog(name: MetaTableName, row: Row): MetaTables
  /**
   * The catalog (`catalog_current`, `catalog_tables`), where each of `named`'s tables was found
   * (`meta_schema`, `lock_schema`, `progress_schema`), the lease rows (`lease_rows`), the partly applied
   * versions (`partial_versions`) and the first page (`page`'s columns) in one statement. It fails with
   * class `undefined-object` when a table does not exist.
   */
  combinedRead(name: MetaTableName, named: MetaTables, page: Query): Query
  /** namedTables' columns plus `lock_present`, `progress_present`, `schema_present`. */
  longRead(name: MetaTableName): Query
  /** A read for LeaseSql.take: the first page with `partial_versions` on its first row. */
  readWithLease(tables: MetaTables, page: Query): Query
}

/** The lease row: take, poll, renew, release, and the fence that starts each fenced transaction. */
export interface LeaseSql {
  /**
   * Takes the lease when it is free or expired and its row is not locked (params `:owner`, `:ttl`),
   * never waiting on the row's lock: columns `lease_token`, `lease_previous_owner` and, with `read`,
   * `lease_unchanged` and the read's columns. No row: not taken. A dialect whose UPDATE returns no
   * rows gives two statements run one after the other with the same parameters: `take` (its rows are
   * not read) and `taken`, whose rows mean what one statement's would.
   */
  take(tables: MetaTables, read: string | null): string | { take: string; taken: string }
  /** Columns `owner`, `token`, `remaining` (seconds) of the lease row, without waiting on its lock. */
  held(tables: MetaTables): string
  /**
   * Updates the row when it is ours (`:token`, `:owner`), failing with `lock-not-available` rather
   * than waiting when it is locked. `renew` extends it by `:ttl`; `release` frees it.
   */
  updateOurs(tables: MetaTables, change: 'renew' | 'release'): string
  /** As the first statement of a transaction: proves and extends the lease (`:token`, `:owner`, `:ttl`; 1 row). */
  fence(tables: MetaTables): string
  /** One row when no transaction holds the lease row's lock; answers at once. */
  rowUnlocked(tables: MetaTables): string
  /** Columns `owner` and `remaining` (whole seconds) of the lease row while it has not expired; no row otherwise. Takes no lock. */
  liveHolder(tables: MetaTables): string
  /** Columns `owner`, `token`, `expires_at` (text) and `expired` of the lease row, for messages. */
  row(tables: MetaTables): string
  /** How a person finds and ends the open transaction that holds the lease row over a direct connection. */
  openTransactionHint: string
}

/** A statement that builds an object outside a transaction and can leave it behind invalid when it fails. */
export interface ConcurrentBuild {
  unique: boolean
  ifNotExists: boolean
  /** The object's name as the database stores it; null when the database picks one. */
  name: string | null
}

export interface BuildState {
  /** Qualified and quoted: ready to paste into a drop statement. */
  qualified: string
  valid: boolean
  /** It belongs to the statement's table (not an object of the same name elsewhere). */
  onTable: boolean
  /** A build of it is running right now. */
  building: boolean
}

/** What the catalog can tell about a statement whose result never arrived. */
export interface EffectCheck {
  /** done: the catalog shows the effect; not-done: it shows the effect did not happen; unknown: it cannot tell. */
  verdict: 'done' | 'not-done' | 'unknown'
  /** What the catalog showed, for people. */
  evidence: string
}

/**
 * Statements outside a transaction, looked at closely: concurrent index builds (which leave an invalid
 * index behind when they fail) and statements whose effect the catalog can confirm.
 */
export interface StatementRecovery<Build extends ConcurrentBuild = ConcurrentBuild, Effect = unknown> {
  /** The concurrent build `sql` is, or null. */
  concurrentBuild(sql: string): Build | null
  findBuilt(target: Target, build: Build): Promise<BuildState | null>
  /** The invalid objects of the build's table (for a build whose name the database picked). */
  invalidOn(target: Target, build: Build): Promise<string[]>
  dropStatement(qualified: string, ifExists?: boolean): string
  /** For people: how to find an invalid object left behind, and how to drop it. */
  checkInvalidHint: string
  /** For people: where to watch a build that is still running. */
  buildProgressHint: string
  /** Statements that only maintain what exists: running one again is harmless. */
  isMaintenance(sql: string): boolean
  /** The effect the catalog can confirm for `sql`, or null. */
  statementEffect(sql: string): Effect | null
  /** What must be read before the statement is sent, to compare with afterwards. */
  snapshotBefore(target: Target, effect: Effect): Promise<Row[] | null>
  checkEffect(target: Target, effect: Effect, before: Row[] | null): Promise<EffectCheck>
  /** The session still running `sql` (from any session), or undefined. */
  findRunning(target: Target, sql: string): Promise<Row | undefined>
  /**
   * A digest of what the catalog holds for the objects `sql` names (a table's columns, indexes,
   * constraints and options; a view, routine, trigger or event's definition; absent objects as absent),
   * or null when the statement names nothing the catalog shows. Compared before and after a statement
   * whose outcome is unknown: for a dialect whose DDL is atomic per statement, a changed digest means it
   * ran, an unchanged one that it did not. Optional: dialects that journal intent provide it.
   */
  fingerprint?(target: Target, sql: string): Promise<string | null>
}

/**
 * What each statement the engine adds around a version's own is for, sent as its `label`: a failed
 * transaction is read by what failed (fenced-transaction.ts failedPart), never by position alone.
 */
export type EnginePart = 'fence' | 'not-applied' | 'settings' | 'record' | 'progress'

/** A part of a version routine (VersionRoutineSql): a step run alone and journaled, or a batch in one transaction. */
export type RoutinePart =
  { kind: 'alone'; step: ProgressStep; sql: string } | { kind: 'batch'; steps: Array<{ step: ProgressStep; sql: string }> }

/** What the engine asks a version routine to run: its parts in order, under this run's lease. */
export interface RoutinePlan {
  tables: MetaTables
  version: number
  /** Letters and digits, new for every routine: its name and the server-side lock that shows it running. */
  token: string
  /** The lease's fence (Lease.fence()): it must change exactly one row, or the run has lost the lease. */
  fence: Query
  /** Session statements set first (the dialect's statementSettings and sessionSettings). */
  settings: string[]
  parts: RoutinePart[]
  /**
   * When the routine runs the version's last step: the statements of the transaction that records it, as
   * runFenced would send them (a not-applied guard that must find no row, the meta row insert that must
   * insert one, the progress delete). They join the last batch, or form a transaction of their own.
   */
  finish: { notApplied: Query; record: Query; deleteProgress: Query } | null
  /**
   * Set when the run checks table locks before DDL (EngineContext.lockPreflightMs): the routine first looks,
   * server-side, for sessions that hold or wait on the table locks its statements need (the dialect's
   * tableLockBlockers, in the routine), and when there are any it refuses before running anything, failing with
   * the `preflight` guard; the run then waits for them as the pre-flight does. `lockTimeoutMs`: how long a
   * session must have been at it to count.
   */
  preflight?: { lockTimeoutMs: number | null }
}

/** How a routine's CALL failed, read from its error. */
export type RoutineFailure =
  /** A statement of the version: the error is the server's own. */
  | { kind: 'statement' }
  /** One of the engine's parts: a guard refused (`guard`), or the server's error `errno` met it. */
  | { kind: 'engine'; part: EnginePart | 'commit' | 'preflight'; guard: boolean; error: SqlErrorInfo }

/** A version routine, ready to send: create, call (long-running), drop. */
export interface VersionRoutine {
  create: string
  call: string
  drop: string
  /** A query answering one row (`pid`) while the routine runs, and none once it has ended. */
  running: string
  /** Whether a CREATE failed because the routine exists already (a re-sent CREATE whose first reply was lost). */
  alreadyExists(error: SqlErrorInfo): boolean
  /**
   * A CREATE error the server places in one statement of the plan (a syntax error at a line of the body):
   * that step, and the error as it reads for the statement alone. Null when the error names no statement.
   */
  placeCreateError(error: SqlErrorInfo): { step: number; error: SqlErrorInfo } | null
  /** What a CALL error is. */
  failure(error: SqlErrorInfo): RoutineFailure
}

/**
 * A dialect whose calls over the Data API each run in a fresh session can run a run of a version's steps
 * in one server-side routine (MySQL: a temporary stored procedure): its body sets the session, renews the
 * lease before every step, journals each step run alone (started with its fingerprint, then done), and runs
 * each batch in one transaction with its progress rows, all in one call. A step whose statement may not run
 * inside one (`runsInside` false) runs the ordinary way.
 */
export interface VersionRoutineSql {
  runsInside(sql: string): boolean
  build(plan: RoutinePlan): VersionRoutine
  /**
   * Column `name`: the version routines of this database that no longer run (left by a run that died before
   * it could drop its own), for a run that took over an expired lease to drop.
   */
  readonly leftovers: string
  /** Drops the routine `name` (a name `leftovers` gave); harmless when it is gone. */
  drop(name: string): string
}

/**
 * What the pre-flight of statements about to run alone found (EngineDialect.tableLockBlockers): the sessions
 * that hold or wait on the table locks they need.
 */
export interface TableLockBlockers {
  /** The sessions' ids (as the database's own kill statement takes them), oldest first; empty: nothing blocks. */
  sessions: string[]
  /**
   * For people, and for logs every reader of the repository may see: how the database was judged, and what each
   * session does (its id, user, how long its transaction has been open, its command; never its statement's
   * text or its host). Empty when nothing blocks.
   */
  description: string
  /** Which of the statements checked need a lock the sessions hold or wait on (indexes). */
  statements: number[]
  /** The tables the statements need, as they name them. */
  tables: string[]
  /** What a person can do about the sessions (end their transactions, and how). */
  advice: string
}

/** What a version's transaction sets for itself (validated values, never raw input). */
export interface SessionSettings {
  lockTimeoutMs: number | null
  statementTimeoutMs: number | null
  /**
   * The schema the version's unqualified names resolve to (a fleet's schemas-query: one schema per tenant);
   * null or absent: the database's own. Only a dialect with schemas inside a database sets it.
   */
  searchPath?: string | null
}

export interface EngineDialect {
  /** How messages name the database: "PostgreSQL". */
  readonly name: string
  /** Where the database looks for a table named without its schema, for messages: "this database (with its search_path)". */
  readonly unqualifiedScope: string
  /**
   * Whether a database holds schemas that SessionSettings.searchPath can point a version at (a fleet's
   * schemas-query). False where a schema is a database (MySQL: use databases-query).
   */
  readonly schemasInDatabase: boolean
  /**
   * The first statement of a transaction that makes it read-only (a fleet's listing query from the repository
   * runs in one); null where the engine cannot say so inside a transaction already begun.
   */
  readonly readOnlyTransaction: string | null
  /**
   * DDL is transactional: a version runs as one fenced transaction (its statements and its meta row
   * commit together). Where it is not, every version runs in steps, recorded one by one.
   */
  readonly transactionalDdl: boolean
  /**
   * Whether `sql` (one migration statement) commits on its own, ending any open transaction first
   * (MySQL's DDL): such a statement runs as a step of its own, journaled, never inside the engine's
   * transactions. Always false where DDL is transactional.
   */
  commitsImplicitly(sql: string): boolean
  /** An identifier as the dialect delimits it ("x" on PostgreSQL): for names that come from input. */
  quoteIdentifier(name: string): string
  readonly meta: MetaSql
  readonly history: HistorySql
  readonly lease: LeaseSql
  /** The statements that set a version's transaction's own lock and statement timeouts (ms; null or 0: unset). */
  sessionSettings(settings: SessionSettings): string[]
  /**
   * Session statements that bound one statement run alone, outside a transaction (the transport runs them in
   * the statement's session, and none outlive it): MySQL's lock_wait_timeout, so that a DDL gives up on a
   * metadata lock instead of queueing every query behind it. Empty where such statements are bounded
   * otherwise (PostgreSQL's run alone only for no-transaction files, at the database's settings).
   */
  statementSettings(settings: { lockTimeoutMs: number | null; statementTimeoutMs: number | null }): string[]
  /**
   * Who holds the locks a statement that gave up waiting for one needed, for the message: sessions with long
   * open transactions or holding the tables it names, where the server can tell; null when it cannot.
   */
  lockHolders?(target: Target, sql: string): Promise<string | null>
  /**
   * The pre-flight of statements about to run alone whose lock waits stall the table's traffic (MySQL's DDL:
   * it waits for the table's metadata lock behind every transaction that touched the table, and every new
   * query on the table queues behind it): the sessions that hold or wait on the locks they need, in one call.
   * A session counts when it has been at it longer than `lockTimeoutMs` (a younger one ends before the
   * statement would give up on its lock timeout). Null when none of the statements needs such a lock; throws
   * when the database refuses the check. The engine polls it before sending them, up to wait-timeout, and
   * refuses them when the sessions are still there (src/engine/preflight.ts). Optional: without it (PostgreSQL,
   * whose lock_timeout bounds the wait inside the version's transaction) nothing is checked.
   */
  tableLockBlockers?(target: Target, statements: string[], settings: { lockTimeoutMs: number | null }): Promise<TableLockBlockers | null>
  /** The class of a database error (a DatabaseError's info); null when the engine does not branch on it. */
  classify(error: SqlErrorInfo): EngineErrorClass | null
  /** What a person can do about an error one of the engine's own statements met; null when nothing useful. */
  engineStatementHint(error: SqlErrorInfo): string | null
  /** Where calls are sessions (Target.callsAreSessions): a run of a version's steps as one routine. */
  readonly versionRoutine?: VersionRoutineSql
  /** A dialect's own build and effect types stand behind ConcurrentBuild and unknown (method parameters are bivariant). */
  readonly recovery: StatementRecovery
}
