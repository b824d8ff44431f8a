/**
 * The one seam every transport implements (Data API, runner Lambda, direct PostgreSQL URL).
 * A shared contract suite runs against each of them unchanged.
 *
 * Parameters are named, `:name` in the SQL text (the Data API's form); the pg transport rewrites them
 * to the driver's positional form (the wire dialect's `toPositional`). They are only used for the action's own meta-table queries: migration SQL is sent as is,
 * with no parameters.
 */
import type { SqlErrorInfo } from '../errors.js'

export type SqlValue = string | number | boolean | null
export type SqlParams = Record<string, SqlValue>
export type Row = Record<string, SqlValue>

export interface QueryResult {
  rows: Row[]
  /** Rows returned, or rows affected for INSERT/UPDATE/DELETE. */
  rowCount: number
}

export interface TxStatement {
  sql: string
  params?: SqlParams
  /**
   * A guard: the statement must return/affect exactly this many rows, or the transaction is rolled
   * back and reported as failed at this statement with `guard: true`.
   */
  expectRows?: number
  /**
   * What the statement is for (`fence`, `not-applied`, `record`, …): echoed back as `failedLabel` when
   * it fails, so the engine branches on what failed rather than on a position.
   */
  label?: string
}

export type TransactionResult =
  | { ok: true; results: QueryResult[] }
  | {
      ok: false
      /**
       * Where it failed: at a statement (`failedIndex`), or at COMMIT after every statement succeeded (a
       * deferred constraint, a serialization failure; `failedIndex` is then `statements.length`). A
       * transport that cannot tell leaves it out, and the engine then treats the failure as the version's
       * own, never as "applied elsewhere".
       */
      phase?: 'statement' | 'commit'
      /** Index of the statement that failed; `statements.length` when the commit failed. */
      failedIndex: number
      /** The `label` of the failed statement, when it had one. */
      failedLabel?: string
      error: SqlErrorInfo
      /** True when a guard (expectRows) failed rather than the database. */
      guard?: boolean
      /** Rows the guard statement returned, for the caller to explain the refusal. */
      guardRows?: Row[]
    }

export interface QueryOptions {
  /**
   * A migration statement run outside a transaction that may outlast one transport call (CREATE INDEX
   * CONCURRENTLY on a big table, VACUUM): the transport keeps it running and waits for it to finish, up
   * to `timeoutMs` (null: no limit of our own), logging progress. Such a query is never re-sent.
   */
  longRunning?: {
    timeoutMs: number | null
    /**
     * How a transport that waits for it server-side tells that it still runs: a query answering one row
     * (`pid`) while it runs and none once it ended. Default: the server's activity shows the statement's
     * own text (a routine's CALL shows the statements inside it instead, so a routine passes its own).
     */
    runningWhile?: string
  }
  /**
   * Session statements (`SET SESSION lock_wait_timeout = 5`) run first in the statement's own session; none
   * outlives the call. A transport without sessions of its own (the Data API) runs them with the statement
   * in one server-side unit.
   */
  session?: string[]
}

export interface TransactionOptions {
  /**
   * False when the caller reads nothing of `results` (the engine never does): the transport may then run
   * the statements packed (one block in one call: the wire dialect's `pack`, targets/wire.ts) and answer `results: []`.
   * Guards, labels, phases and the failing statement's index are reported exactly as in the unpacked form.
   */
  resultsNeeded?: boolean
}

export interface Target {
  /** Safe to log: never contains a secret. */
  readonly description: string
  /**
   * One statement, autocommit. SQL errors throw DatabaseError; transport failures TransportError.
   * Without `longRunning`, only idempotent statements are sent this way (a transport may re-send them).
   */
  query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult>
  /**
   * Runs the statements in order in one transaction. An SQL error or failed guard rolls everything back
   * and is returned as data. A transport failure before commit rolls back (best effort) and throws
   * TransportError; a lost commit reply is resolved by the transport where it can, or thrown as
   * CommitOutcomeUnknownError for the engine to settle by reading the meta table.
   */
  transaction(statements: TxStatement[], options?: TransactionOptions): Promise<TransactionResult>
  /**
   * Set where every call runs in a fresh session and costs a round trip (the Data API): the engine then runs
   * a version's steps as one server-side routine where its dialect has one (EngineDialect.versionRoutine).
   * `maxSqlChars`: the longest statement text one call takes.
   */
  readonly callsAreSessions?: { maxSqlChars: number }
  close(): Promise<void>
}

/** The failure a transport returns when a statement's `expectRows` guard does not hold; null when it holds. */
export function guardFailure(statement: TxStatement, result: QueryResult, index: number): TransactionResult | null {
  if (statement.expectRows === undefined || result.rowCount === statement.expectRows) return null
  return { ...guardFailed(statement, index, result.rowCount), guardRows: result.rows }
}

/** The failure of the guarded statement at `index`, which gave `got` rows instead of its `expectRows`. */
export function guardFailed(statement: TxStatement, index: number, got: number | string): Extract<TransactionResult, { ok: false }> {
  return {
    ok: false,
    phase: 'statement',
    failedIndex: index,
    failedLabel: statement.label,
    error: {
      message: `Expected ${statement.expectRows} ${statement.expectRows === 1 ? 'row' : 'rows'}, got ${got}; the transaction was rolled back.`
    },
    guard: true
  }
}
