/**
 * The direct MySQL transport (`mysql://` URLs, and the runner Lambda's connection to a MySQL cluster).
 *
 * One mysql2 connection, connected on first use and kept; calls are serialised on it. It behaves as
 * PostgresTarget does (../postgres/target.ts): the same guards, labels, phases, commit failures and
 * errors. Where MySQL differs, it says so rather than pretend:
 *
 * - A transaction is `SET autocommit = 0` … `COMMIT` on the kept connection (the session reset afterwards
 *   restores autocommit), as the Data API's JDBC driver opens one, rather than `START TRANSACTION`: a DDL
 *   statement inside commits implicitly (the work before it, then itself), and after it a session in
 *   autocommit would commit every later statement on its own, while with autocommit off they form a new
 *   transaction that a later failure still rolls back (measured, mysql-notes §1.3). So a failure rolls back
 *   what ran after the last DDL, never more. The target does not hide that; the engine never puts DDL in a
 *   transaction on MySQL (its dialect commits DDL implicitly), and the contract suite asserts what stays.
 * - Nothing is packed (the wire part's `packable` is false): `resultsNeeded: false` runs statement by statement.
 * - Affected rows are found (matched) rows, mysql2's default (CLIENT_FOUND_ROWS), as PostgreSQL counts an
 *   UPDATE and as the Data API's JDBC driver does by default; the engine's guarded UPDATEs change a value anyway.
 * - The session is reset after every transaction with COM_RESET_CONNECTION (mysql2's `reset()`): user and
 *   session variables, temporary tables, GET_LOCK locks and prepared statements go, as over the Data API.
 * - There is no statement timeout for every statement (see the wire part). A `longRunning` query's
 *   `timeoutMs`, and the runner's `deadline`, are enforced by killing the statement (KILL QUERY, from a
 *   connection of its own): it ends with error 1317 and, being atomic per statement, leaves nothing half done.
 */
import mysql from 'mysql2/promise'
import { CommitOutcomeUnknownError, DatabaseError, TransportError, errorMessage } from '../../errors.js'
import { maskUrl } from '../mask.js'
import { runStatementLoop } from '../statement-loop.js'
import {
  type QueryOptions,
  type QueryResult,
  type Row,
  type SqlParams,
  type Target,
  type TransactionOptions,
  type TransactionResult,
  type TxStatement
} from '../target.js'
import type { WireDialect } from '../wire.js'
import { errorCode, isServerError, sqlErrorInfo } from './errors.js'
import { typeCast } from './types.js'

/** How long connecting may take before it is a TransportError. */
export const CONNECT_TIMEOUT_MS = 10_000

export interface MysqlTargetOptions {
  /** The SQL dialect's part for transports: parameters, lost-connection errors, the statement probe. */
  wire: WireDialect
  log?: (msg: string) => void
  /** TLS for the connection, passed to mysql2 as is (undefined: mysql2's default, no TLS). */
  ssl?: mysql.ConnectionOptions['ssl']
  connectTimeoutMs?: number
}

export class MysqlTarget implements Target {
  readonly description: string
  private connection: mysql.Connection | undefined
  private connecting: Promise<mysql.Connection> | undefined
  private readonly log: (msg: string) => void
  private readonly wire: WireDialect
  private readonly options: MysqlTargetOptions
  /** Calls are serialised: with one connection, a query() must never land inside another call's transaction. */
  private queue: Promise<unknown> = Promise.resolve()
  /** Connections opened for one long-running statement each, or to kill a statement. */
  private readonly own = new Set<mysql.Connection>()
  /** When statements must have ended (epoch ms): one still running then is killed. */
  private deadlineAt: number | undefined

  constructor(
    private readonly url: string,
    options: MysqlTargetOptions
  ) {
    this.description = maskUrl(url)
    this.wire = options.wire
    this.options = options
    this.log = options.log ?? (() => {})
  }

  /**
   * Every statement still running at `at` (epoch ms) is killed then, and fails with error 1317 (query
   * interrupted): the runner Lambda's deadline, MySQL's stand-in for PostgreSQL's statement_timeout.
   * Undefined lifts it.
   */
  setDeadline(at: number | undefined): void {
    this.deadlineAt = at
  }

  /**
   * A `longRunning` statement is sent once, never re-sent, on a connection of its own (with `timeoutMs`
   * enforced by killing it), so the main connection stays free to renew the lease meanwhile.
   */
  query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    const session = options?.session ?? []
    if (options?.longRunning) return this.queryAlone(sql, params, options.longRunning.timeoutMs, session)
    return this.exclusive(async () => {
      const connection = await this.kept()
      try {
        for (const statement of session) await this.run(connection, statement, undefined, this.deadlineAt)
        return await this.run(connection, sql, params, this.deadlineAt)
      } catch (error) {
        throw this.translate(error, connection)
      } finally {
        // The session statements were for this statement alone.
        if (session.length) await this.reset(connection)
      }
    })
  }

  /**
   * Never packed (the wire part's packable is false until MySQL's vehicle exists): statement by statement. With
   * `resultsNeeded: false` it answers as the packed form does on other transports: no results, and a failed
   * guard without its rows.
   */
  async transaction(statements: TxStatement[], options: TransactionOptions = {}): Promise<TransactionResult> {
    const result = await this.exclusive(() => this.runTransaction(statements))
    if (options.resultsNeeded !== false) return result
    if (result.ok) return { ok: true, results: [] }
    const { guardRows: _unused, ...failure } = result
    return failure
  }

  /** Resets the kept connection's session (COM_RESET_CONNECTION), as after a transaction; nothing when none is open. */
  resetSession(): Promise<void> {
    return this.exclusive(async () => {
      if (this.connection) await this.reset(this.connection)
    })
  }

  async close(): Promise<void> {
    await Promise.all([...this.own].map((connection) => connection.end().catch(() => connection.destroy())))
    await this.queue.catch(() => {})
    const connection = this.connection ?? (await this.connecting?.catch(() => undefined))
    this.connection = undefined
    this.connecting = undefined
    if (connection) await connection.end().catch(() => connection.destroy())
  }

  private async queryAlone(sql: string, params: SqlParams | undefined, timeoutMs: number | null, session: string[]): Promise<QueryResult> {
    const connection = await this.connect()
    this.own.add(connection)
    try {
      const deadline = timeoutMs ? Date.now() + timeoutMs : undefined
      try {
        // Its own connection, closed afterwards: the session statements end with it.
        for (const statement of session) await this.run(connection, statement, undefined, deadline)
        return await this.run(connection, sql, params, deadline)
      } catch (error) {
        throw this.translate(error, connection)
      }
    } finally {
      this.own.delete(connection)
      await connection.end().catch(() => connection.destroy())
    }
  }

  /**
   * The statements on the kept connection, then its session reset, so that nothing a migration set for it
   * (`SET` of a session variable, `@variables`, a temporary table, GET_LOCK) reaches the next call. Over the
   * Data API none of that outlives a call either. A connection that cannot be reset is dropped.
   */
  private async runTransaction(statements: TxStatement[]): Promise<TransactionResult> {
    const connection = await this.kept()
    try {
      return await this.runTransactionOn(connection, statements)
    } finally {
      await this.reset(connection)
    }
  }

  private async reset(connection: mysql.Connection): Promise<void> {
    if (this.connection !== connection) return
    try {
      await connection.reset()
    } catch (error) {
      this.log(`Resetting the session after a transaction failed (${errorMessage(error)}); connecting again for the next call`)
      this.discard(connection)
    }
  }

  private async runTransactionOn(connection: mysql.Connection, statements: TxStatement[]): Promise<TransactionResult> {
    const rollback = async (): Promise<void> => {
      try {
        await connection.query('ROLLBACK')
      } catch (error) {
        this.log(`ROLLBACK failed: ${errorMessage(error)}`)
        this.discard(connection)
      }
    }
    try {
      await connection.query('SET autocommit = 0')
    } catch (error) {
      throw this.translate(error, connection)
    }
    const ran = await runStatementLoop(
      {
        run: (statement) => this.run(connection, statement.sql, statement.params, this.deadlineAt),
        translate: (error) => this.translate(error, connection),
        rollback,
        committedAnyway: '(but for what a DDL statement in it committed implicitly)'
      },
      statements
    )
    if (!ran.ok) return ran
    const { results } = ran
    try {
      await connection.query('COMMIT')
    } catch (error) {
      if (isServerError(error) && !this.wire.isConnectionLoss(error.sqlState, error.errno)) {
        // COMMIT answered with an error: rolled back.
        await rollback()
        return { ok: false, phase: 'commit', failedIndex: statements.length, error: sqlErrorInfo(error) }
      }
      this.discard(connection)
      throw new CommitOutcomeUnknownError(
        `The connection was lost while committing; whether the transaction was committed is unknown: ${errorMessage(error)}`,
        { cause: error }
      )
    }
    return { ok: true, results }
  }

  /** One statement; `deadline` (epoch ms): killed if it is still running then. */
  private async run(
    connection: mysql.Connection,
    sql: string,
    params: SqlParams | undefined,
    deadline: number | undefined
  ): Promise<QueryResult> {
    const { text, values } = this.wire.toPositional(sql, params)
    const watch = deadline === undefined ? undefined : this.watch(connection, deadline)
    try {
      // With values, a server-side prepared statement (the server finds the `?`s, never inside a string); without, the text as is.
      const [raw, fields] =
        values.length > 0 ? await connection.execute({ sql: text, typeCast }, values) : await connection.query({ sql: text, typeCast })
      return toQueryResult(raw, fields)
    } finally {
      await watch?.stop()
    }
  }

  /**
   * Kills the statement running on `connection` at `deadline`, from a connection of its own. stop() waits for
   * a kill already sent, so that it can never reach a later statement.
   */
  private watch(connection: mysql.Connection, deadline: number): { stop(): Promise<void> } {
    let killing: Promise<void> | undefined
    const kill = async (): Promise<void> => {
      const killer = await this.connect().catch(() => undefined)
      if (!killer) return this.log('Could not connect to stop a statement past its deadline')
      this.own.add(killer)
      try {
        await killer.query(this.wire.runningStatement.cancelQuery(connection.threadId))
      } catch (error) {
        this.log(`Stopping a statement past its deadline failed: ${errorMessage(error)}`)
      } finally {
        this.own.delete(killer)
        await killer.end().catch(() => killer.destroy())
      }
    }
    const timer = setTimeout(
      () => {
        killing = kill()
      },
      Math.max(0, deadline - Date.now())
    )
    return {
      async stop() {
        clearTimeout(timer)
        await killing
      }
    }
  }

  /** SQL errors → DatabaseError; everything else (the connection) → TransportError. */
  private translate(error: unknown, connection: mysql.Connection): DatabaseError | TransportError {
    if (error instanceof DatabaseError || error instanceof TransportError) return error
    if (isServerError(error) && !this.wire.isConnectionLoss(error.sqlState, error.errno)) return new DatabaseError(sqlErrorInfo(error))
    this.discard(connection)
    return new TransportError(
      `${this.wire.serverName} connection to ${this.description} failed: ${errorMessage(error)}`,
      errorCode(error),
      false,
      {
        cause: error
      }
    )
  }

  /** Forgets a broken connection so the next call connects again. */
  private discard(connection: mysql.Connection): void {
    if (this.connection === connection) this.connection = undefined
    connection.destroy()
  }

  private kept(): Promise<mysql.Connection> {
    if (this.connection) return Promise.resolve(this.connection)
    this.connecting ??= this.connect()
      .then((connection) => {
        this.connection = connection
        return connection
      })
      .finally(() => {
        this.connecting = undefined
      })
    return this.connecting
  }

  /** A new connection: utf8mb4, one statement per call, dates as text, exact big numbers. */
  private async connect(): Promise<mysql.Connection> {
    let connection: mysql.Connection
    try {
      connection = await mysql.createConnection({
        uri: this.url,
        ssl: this.options.ssl,
        connectTimeout: this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
        multipleStatements: false,
        // mysql2 asks for IGNORE_SPACE by default, which the server adds to the session's sql_mode and stores
        // with every routine, trigger and view the migrations create; the server's own sql_mode is left as is.
        // Nor LOCAL_FILES: `LOAD DATA LOCAL INFILE` in a migration (a pull request's, on verification's
        // throwaway server) must never make this process send a file of the machine it runs on.
        flags: ['-IGNORE_SPACE', '-LOCAL_FILES'],
        charset: 'utf8mb4',
        dateStrings: true,
        supportBigNumbers: true,
        typeCast
      })
    } catch (error) {
      throw new TransportError(`Could not connect to ${this.description}: ${errorMessage(error)}`, errorCode(error), false, {
        cause: error
      })
    }
    // An idle connection the server closes (wait_timeout, a restart, KILL) reports it here: forgotten, and the next call connects again.
    connection.on('error', (error: unknown) => {
      this.log(`${this.wire.serverName} connection error: ${errorMessage(error)}`)
      if (this.connection === connection) this.connection = undefined
    })
    return connection
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work)
    this.queue = run.catch(() => {})
    return run
  }
}

type Raw = Awaited<ReturnType<mysql.Connection['query']>>

/**
 * mysql2's answer → rows and a count. A CALL answers several results (its SELECTs' row sets, then a
 * status): the last row set is reported, as the PostgreSQL transport reports the last of several.
 */
function toQueryResult(raw: Raw[0], fields: Raw[1]): QueryResult {
  if (!Array.isArray(raw)) return { rows: [], rowCount: raw.affectedRows }
  const several = Array.isArray(fields) && fields.length > 0 && (fields[0] === undefined || Array.isArray(fields[0]))
  if (!several) {
    if (!Array.isArray(fields)) return { rows: [], rowCount: 0 }
    const rows = (raw as Record<string, unknown>[]).map(toRow)
    return { rows, rowCount: rows.length }
  }
  const sets = raw as unknown[]
  const lastRows = [...sets].reverse().find((set): set is Record<string, unknown>[] => Array.isArray(set))
  if (lastRows) {
    const rows = lastRows.map(toRow)
    return { rows, rowCount: rows.length }
  }
  const status = sets[sets.length - 1] as { affectedRows?: number } | undefined
  return { rows: [], rowCount: status?.affectedRows ?? 0 }
}

function toRow(row: Record<string, unknown>): Row {
  const converted: Row = {}
  for (const [key, value] of Object.entries(row)) converted[key] = value as Row[string]
  return converted
}
