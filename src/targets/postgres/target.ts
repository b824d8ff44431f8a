/**
 * The direct PostgreSQL transport (`database-url`, and the throwaway verification database).
 *
 * One `pg.Client`, connected on first use. Values are converted to the same shapes the Data API
 * transport returns for the same SQL (types.ts). The SQL it adds of its own (parameters, packing, the
 * session reset and timeout) comes from the wire dialect it is given.
 */
import pg from 'pg'
import { CommitOutcomeUnknownError, DatabaseError, TransportError, errorMessage } from '../../errors.js'
import { locateFailure } from '../locate-failure.js'
import { maskUrl } from '../mask.js'
import { runStatementLoop } from '../statement-loop.js'
import { toSqlValue } from '../values.js'
import type { WireDialect } from '../wire.js'
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
import { errorCode, isServerError, sqlErrorInfo } from './errors.js'
import { getTypeParser } from './types.js'

export interface PostgresTargetOptions {
  /** The SQL dialect's part for transports: parameters, packing, the session reset and timeout. */
  wire: WireDialect
  log?: (msg: string) => void
  /**
   * TLS for the connection, passed to pg.Client as is. Note that a `sslmode`, `ssl` or `sslrootcert`
   * in the URL takes precedence over it (that is how pg merges the two).
   */
  ssl?: pg.ClientConfig['ssl']
}

/** SQL of the caller's own run inside a transaction before its statements: see PostgresTarget.transaction. */
export type Between = string | ((statement: TxStatement, index: number) => string | undefined)

export class PostgresTarget implements Target {
  readonly description: string
  private client: pg.Client | undefined
  private connecting: Promise<pg.Client> | undefined
  private readonly log: (msg: string) => void
  private readonly ssl: pg.ClientConfig['ssl']
  private readonly wire: WireDialect
  /** Calls are serialised: with one connection, a query() must never land inside another call's transaction. */
  private queue: Promise<unknown> = Promise.resolve()
  /** Connections opened for one long-running statement each. */
  private readonly own = new Set<pg.Client>()

  constructor(
    private readonly url: string,
    options: PostgresTargetOptions
  ) {
    this.description = maskUrl(url)
    this.wire = options.wire
    this.log = options.log ?? (() => {})
    this.ssl = options.ssl
  }

  /**
   * A `longRunning` statement is sent once, never re-sent, on a connection of its own opened for it
   * (with `timeoutMs` as its statement_timeout): the main connection stays free meanwhile, so the
   * engine can renew its lease while a CREATE INDEX CONCURRENTLY runs for longer than the lease lives.
   */
  query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    if (options?.longRunning) return this.queryAlone(sql, params, options.longRunning.timeoutMs)
    return this.exclusive(async () => {
      const client = await this.connection()
      try {
        return await this.run(client, sql, params)
      } catch (error) {
        throw this.translate(error, client)
      }
    })
  }

  /**
   * `between`: SQL of the caller's own, run before each statement but the first in the same transaction
   * (the runner Lambda lowers statement_timeout to the time it has left this way). It returns nothing
   * and is not counted: indexes and results are those of `statements`, and a failure of it is reported
   * at the statement it came before. As a function, it says what to run before each statement (the first included), if anything.
   */
  transaction(statements: TxStatement[], options: TransactionOptions & { between?: Between } = {}): Promise<TransactionResult> {
    // Packed, the transaction is one statement (one block): `between` has no place to run, and needs none.
    const packed = options.resultsNeeded === false && this.wire.packable(statements)
    return this.exclusive(() => (packed ? this.runPacked(statements, options.between) : this.runTransaction(statements, options.between)))
  }

  private async queryAlone(sql: string, params: SqlParams | undefined, timeoutMs: number | null): Promise<QueryResult> {
    const client = this.newClient()
    this.own.add(client)
    try {
      try {
        await client.connect()
      } catch (error) {
        throw new TransportError(`Could not connect to ${this.description}: ${errorMessage(error)}`, errorCode(error), false, {
          cause: error
        })
      }
      try {
        if (timeoutMs && this.wire.statementTimeoutSql) await client.query(this.wire.statementTimeoutSql(timeoutMs))
        return await this.run(client, sql, params)
      } catch (error) {
        throw this.translate(error, client)
      }
    } finally {
      this.own.delete(client)
      await client.end().catch(() => {})
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.own].map((client) => client.end().catch(() => {})))
    await this.queue.catch(() => {})
    const client = this.client ?? (await this.connecting?.catch(() => undefined))
    this.client = undefined
    this.connecting = undefined
    if (client) await client.end().catch(() => {})
  }

  /**
   * Runs the statements on the shared connection and then resets its session, so that nothing a
   * migration set for it (see resetSession) reaches the next transaction or query.
   */
  private async runTransaction(
    statements: TxStatement[],
    between: Between | undefined,
    end: 'commit' | 'rollback' = 'commit'
  ): Promise<TransactionResult> {
    const client = await this.connection()
    try {
      return await this.runTransactionOn(client, statements, between, end)
    } finally {
      await this.resetSession(client)
    }
  }

  /**
   * A migration may change its session for good: `SET` without LOCAL, `set_config(…, false)` (pg_dump's
   * header), `SET ROLE`, a temporary table, a session advisory lock. Over the Data API none of that
   * outlives the call or transaction (the service resets pooled connections); here the connection is
   * reused, so it is reset the same way once each transaction has ended, with the wire dialect's reset
   * (PostgreSQL: DISCARD ALL, which returns the session to how it was at connect). It cannot run in a
   * transaction block, so it costs one round trip of its own per transaction. A connection that cannot
   * be reset (or a wire with no reset statement) is dropped: the next call connects afresh.
   */
  private async resetSession(client: pg.Client): Promise<void> {
    if (this.client !== client) return
    if (this.wire.resetSessionSql === undefined) return this.discard(client)
    try {
      await client.query(this.wire.resetSessionSql)
    } catch (error) {
      this.log(`Resetting the session after a transaction failed (${errorMessage(error)}); connecting again for the next call`)
      this.discard(client)
    }
  }

  /**
   * The statements packed into one block (the wire dialect's `pack`), sent as one autocommit simple
   * query: one round trip for the version, and one more for the session reset (which cannot share a
   * call with other statements: it refuses to run inside the implicit transaction that makes).
   */
  private async runPacked(statements: TxStatement[], between: Between | undefined): Promise<TransactionResult> {
    const packing = this.wire.pack(statements)
    if (!packing.ok) return this.runTransaction(statements, between)
    const client = await this.connection()
    try {
      const failure = await this.runBlock(client, packing.chunks[0].sql, statements, packing.marker)
      if (!failure) return { ok: true, results: [] }
      // The block failed as a whole, its SETs with it: the session is as before it for what follows here.
      if (this.wire.refusedByPacking(failure)) {
        this.log(
          `${this.wire.serverName} refused the packed form (${failure.error.message}); running the transaction statement by statement`
        )
        return await this.runTransactionOn(client, statements, between)
      }
      return await locateFailure(this.wire, failure, statements, (prefix) => this.runTransactionOn(client, prefix, between, 'rollback'))
    } finally {
      await this.resetSession(client)
    }
  }

  /** One packed block, autocommit; its SQL error decoded, or undefined when it committed. */
  private async runBlock(client: pg.Client, sql: string, statements: TxStatement[], marker: string) {
    try {
      await client.query(sql)
      return undefined
    } catch (error) {
      if (!isServerError(error) || this.wire.isConnectionLoss(error.code)) {
        this.discard(client)
        throw new CommitOutcomeUnknownError(
          `The connection was lost while the version's block ran (autocommit); whether it was committed is unknown: ${errorMessage(error)}`,
          { cause: error }
        )
      }
      return this.wire.decodePackedError(sqlErrorInfo(error), statements, marker)
    }
  }

  private async runTransactionOn(
    client: pg.Client,
    statements: TxStatement[],
    between: Between | undefined,
    end: 'commit' | 'rollback' = 'commit'
  ): Promise<TransactionResult> {
    const rollback = async (): Promise<void> => {
      try {
        await client.query('ROLLBACK')
      } catch (error) {
        this.log(`ROLLBACK failed: ${errorMessage(error)}`)
        this.discard(client)
      }
    }
    try {
      await client.query('BEGIN')
    } catch (error) {
      throw this.translate(error, client)
    }
    const ran = await runStatementLoop(
      {
        run: async (statement, index) => {
          const before = typeof between === 'function' ? between(statement, index) : index > 0 ? between : undefined
          if (before) await this.run(client, before, undefined)
          return this.run(client, statement.sql, statement.params)
        },
        translate: (error) => this.translate(error, client),
        rollback
      },
      statements
    )
    if (!ran.ok) return ran
    const { results } = ran
    if (end === 'rollback') {
      await rollback()
      return { ok: true, results }
    }
    try {
      await client.query('COMMIT')
    } catch (error) {
      if (isServerError(error) && !this.wire.isConnectionLoss(error.code)) {
        // COMMIT answered with an error (a deferred constraint, a serialization failure): rolled back.
        await rollback()
        return { ok: false, phase: 'commit', failedIndex: statements.length, error: sqlErrorInfo(error) }
      }
      this.discard(client)
      throw new CommitOutcomeUnknownError(
        `The connection was lost while committing; whether the transaction was committed is unknown: ${errorMessage(error)}`,
        { cause: error }
      )
    }
    return { ok: true, results }
  }

  private async run(client: pg.Client, sql: string, params: SqlParams | undefined): Promise<QueryResult> {
    const { text, values } = this.wire.toPositional(sql, params)
    const raw = (await client.query(values.length > 0 ? { text, values } : text)) as pg.QueryResult | pg.QueryResult[]
    // Several statements in one simple-protocol call return one result each: report the last.
    const result = Array.isArray(raw) ? raw[raw.length - 1] : raw
    const rows: Row[] = (result?.rows ?? []).map((row: Record<string, unknown>) => {
      const converted: Row = {}
      for (const [key, value] of Object.entries(row)) converted[key] = toSqlValue(value)
      return converted
    })
    const returnsRows = (result?.fields?.length ?? 0) > 0
    return { rows, rowCount: returnsRows ? rows.length : (result?.rowCount ?? 0) }
  }

  /** SQL errors → DatabaseError; everything else (the connection) → TransportError. */
  private translate(error: unknown, client: pg.Client): DatabaseError | TransportError {
    if (error instanceof DatabaseError || error instanceof TransportError) return error
    if (isServerError(error) && !this.wire.isConnectionLoss(error.code)) return new DatabaseError(sqlErrorInfo(error))
    this.discard(client)
    return new TransportError(`PostgreSQL connection to ${this.description} failed: ${errorMessage(error)}`, errorCode(error), false, {
      cause: error
    })
  }

  /** Forgets a broken client so the next call connects again. */
  private discard(client: pg.Client): void {
    if (this.client === client) this.client = undefined
    client.end().catch(() => {})
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client
    if (!this.connecting) {
      this.connecting = (async () => {
        const client = this.newClient()
        try {
          await client.connect()
        } catch (error) {
          client.end().catch(() => {})
          throw new TransportError(`Could not connect to ${this.description}: ${errorMessage(error)}`, errorCode(error), false, {
            cause: error
          })
        }
        this.client = client
        return client
      })().finally(() => {
        this.connecting = undefined
      })
    }
    return this.connecting
  }

  private newClient(): pg.Client {
    const client = new pg.Client({ connectionString: this.url, ssl: this.ssl, types: { getTypeParser } as pg.CustomTypesConfig })
    client.on('error', (error) => {
      this.log(`PostgreSQL connection error: ${errorMessage(error)}`)
      if (this.client === client) this.client = undefined
    })
    return client
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work)
    this.queue = run.catch(() => {})
    return run
  }
}
