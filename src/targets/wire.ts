/**
 * What a transport needs of the SQL dialect (a port): the transports speak their wire protocol (the
 * `pg` driver, the Data API's JSON, the runner's payloads) and get every piece of SQL-dialect knowledge
 * from here, handed to them at construction. A dialect implements it (src/dialects/<name>/wire.ts).
 *
 * Not every transport needs every member: the runner Lambda transport needs none (the runner does the
 * dialect's work on its side), the Data API needs packing and the long-statement watch, the direct
 * transports positional parameters, packing and their session statements (where the server has them).
 */
import { randomBytes } from 'node:crypto'
import type { SqlErrorInfo } from '../errors.js'
import type { SqlParams, SqlValue, TransactionResult, TxStatement } from './target.js'

/** A failed transaction, as a transport reports it. */
export type PackedFailure = Extract<TransactionResult, { ok: false }>

export interface PackedChunk {
  /** One statement the server runs as a whole (PostgreSQL: a DO block). */
  sql: string
  /** Index of its first statement in the transaction, and how many it runs. */
  first: number
  count: number
}

export type Packing =
  | { ok: true; marker: string; chunks: PackedChunk[] }
  /** A statement that alone does not fit in one chunk of `maxLength` characters. */
  | { ok: false; index: number; length: number }

export interface WireDialect {
  /** How messages name the server ("PostgreSQL"). */
  readonly serverName: string

  // ── Parameters ─────────────────────────────────────────────────────────────────────────────────────
  /**
   * `:name` parameters → the driver's positional ones (`$1`, …) and their values in order, for the names
   * present in `params`; other `:word`s are left alone. Without params the text is returned as is.
   */
  toPositional(sql: string, params: SqlParams | undefined): { text: string; values: SqlValue[] }

  // ── A transaction in one call ──────────────────────────────────────────────────────────────────────
  /** Whether packing keeps the statements' meaning (some statements only run one per call). */
  packable(statements: TxStatement[]): boolean
  /**
   * The statements, parameters inlined, packed into as few chunks of at most `maxLength` characters as
   * they fit in, each statement whole and in order. `marker` names the chunks' errors.
   */
  pack(statements: TxStatement[], maxLength?: number): Packing
  /** The failure an SQL error of a packed chunk (or of the commit after it) means, as the unpacked form reports it. */
  decodePackedError(error: SqlErrorInfo, statements: TxStatement[], marker: string): PackedFailure
  /** An error only the packed form raises (nothing ran): the transport runs the statements one per call instead. */
  refusedByPacking(failure: PackedFailure): boolean
  /** An error the server reports with a position inside the statement, which the packed form loses. */
  carriesPosition(failure: PackedFailure): boolean

  // ── The direct connection's session ────────────────────────────────────────────────────────────────
  /**
   * Returns a kept connection's session to how it was at connect; run outside any transaction. Undefined
   * when the server has no such statement and the driver resets a session with a protocol command of its
   * own (MySQL's COM_RESET_CONNECTION): the dialect's transport does that, and a transport that has
   * neither drops the connection instead (a new one is a fresh session).
   */
  readonly resetSessionSql?: string
  /**
   * Bounds every statement of the session to `ms` milliseconds. Undefined when the server has no setting
   * that covers every statement, DDL included (MySQL's max_execution_time covers SELECT only): such a
   * statement then runs without a limit of the server's.
   */
  readonly statementTimeoutSql?: (ms: number) => string
  /**
   * Whether a server error means the connection itself is gone (not the SQL's fault): by its SQLSTATE, or
   * by the server's error number where the SQLSTATE does not tell (MySQL's HY000).
   */
  isConnectionLoss(sqlState: string | undefined, errno?: number): boolean

  // ── Statements that outlive their call (the Data API's 45 s) ──────────────────────────────────────
  readonly runningStatement: RunningStatementProbe

  // ── Session statements for one statement, where every call is a fresh session (the Data API) ─────────
  /**
   * A temporary routine that runs `session` and then `sql` in one server-side unit (one call): so that
   * `SET SESSION lock_wait_timeout` reaches the statement, and the call may go on past its limit. `token`
   * (letters and digits, new for every statement) makes its name unique. Null when `sql` may not run inside
   * such a routine (or the server refuses it there): the transport then runs the session statements and the
   * statement in one transaction, whose connection is pinned. Undefined where the dialect has no such
   * routine (PostgreSQL's engine sends no session statements): the transaction way too.
   */
  sessionRoutine?(sql: string, session: string[], token: string): SessionRoutine | null
}

/** A temporary routine carrying one statement and its session statements (see `sessionRoutine`). */
export interface SessionRoutine {
  /** Creates it; the server parses the whole body here (a syntax error of the statement is its error). */
  create: string
  /** Runs it: the session statements, then the statement, whose error comes back as the call's. */
  call: string
  /** Drops it; harmless when it does not exist. */
  drop: string
  /** The statement as the server's activity shows it while the routine runs it (for `runningStatement`). */
  inner: string
  /** Whether a CREATE failed because the routine exists already (a re-sent CREATE whose first reply was lost). */
  alreadyExists(error: SqlErrorInfo): boolean
}

/** How a statement left running server-side is found and watched, through ordinary short queries. */
export interface RunningStatementProbe {
  /** With `:sql`: one row (`pid`, `wait_event_type`, `wait_event`) for the backend running it, or none. */
  readonly findSql: string
  /**
   * With `:pid`: the progress of a statement like `statement`, as one row of `phase`, `blocks_done`,
   * `blocks_total`, `tuples_done`, `tuples_total`; undefined when the server reports none for it.
   */
  progressSql(statement: string): string | undefined
  /** The query a person runs to see the statement (`pid` known) or every active one. */
  activityQuery(pid: number | undefined): string
  /** The query a person runs to stop it. */
  cancelQuery(pid: number): string
}

/** A token for a temporary routine's name (session or version routine): letters and digits, new each time, unique enough for concurrent runs on one cluster. */
export function routineToken(): string {
  return `${Date.now().toString(36)}${randomBytes(6).toString('hex')}`
}
