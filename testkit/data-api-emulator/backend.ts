/**
 * The database behind the RDS Data API emulator, as the HTTP front (server.ts) uses it: the front owns the
 * protocol (validation of the request, ARNs and the secret, transaction ids, busy and idle transactions, the
 * call time limit and `continueAfterTimeout`, injected faults, error envelopes, the call log); a backend owns
 * everything that depends on the engine: how one call's SQL is checked and bound, pooled connections and
 * their reset between calls, how a transaction begins, how a running statement is cancelled, how a server
 * error reads, and the records' field shapes.
 *
 * Implementations: postgres-backend.ts (PostgreSQL, pgjdbc-style replies) and mysql-backend.ts (MySQL or
 * MariaDB, Connector/J-style replies).
 */
import type { ReplyBody, ServiceError } from './protocol.js'

/** C: a connection (with whatever it needs to find its pool); S: one prepared statement; R: a driver result. */
export interface DataApiBackend<C, S, R> {
  /**
   * Checks one call's SQL as the service does (one statement, not empty, not too long) and binds its
   * `:name` parameters; throws a ServiceError (ValidationException) when the service would refuse it.
   */
  prepare(sql: unknown, parameters: unknown): Promise<S>
  /**
   * A pooled connection to `database` (the call's, or the default when it names none), for one call or one
   * transaction. Throws the ServiceError the service answers when the database is missing or unreachable.
   */
  acquire(database: unknown): Promise<C>
  /** Resets the connection's session (as the service does between calls) and returns it to its pool. */
  release(connection: C): Promise<void>
  /** Runs one statement; rejects with the driver's error. */
  run(connection: C, statement: S): Promise<R>
  /** Opens a transaction on the connection (BeginTransaction, and an autocommit BatchExecute). */
  begin(connection: C): Promise<void>
  commit(connection: C): Promise<void>
  rollback(connection: C): Promise<void>
  /** Stops the statement running on the connection (from another connection). */
  cancel(connection: C): Promise<void>
  /** The server's id of the connection's session (StatementTimeoutException's dbConnectionId). */
  connectionId(connection: C): number
  /** The ExecuteStatement reply for a result: records or formattedRecords, metadata, counts. */
  reply(connection: C, result: R, body: Record<string, unknown>): Promise<ReplyBody>
  /** One entry of BatchExecuteStatement's `updateResults`. */
  updateResult(result: R): ReplyBody
  /**
   * The answer to an error of `run`, `begin` or `commit`: a DatabaseErrorException carrying the server's
   * text; undefined when the error is not the server's (the connection was lost).
   */
  sqlError(error: unknown, statement?: S): ServiceError | undefined
  close(): Promise<void>
}
