/**
 * MySQL's wire part (see the wire section of ../dialect.ts and src/targets/wire.ts).
 *
 * No packing: over the Data API a MySQL version goes to the server as one stored procedure, built by the engine
 * part (version-routine.ts: the engine knows the journal and the lease that go in it), so the packing members
 * say no statement fits, and a transaction sent on its own runs statement by statement. One statement with its
 * session statements, run on its own, goes through a procedure of its own (session-routine.ts).
 *
 * No reset statement: MySQL resets a session with the protocol's COM_RESET_CONNECTION (mysql2's
 * `connection.reset()`), which the MySQL transport sends itself (src/targets/mysql/target.ts). No statement
 * timeout: `max_execution_time` bounds read-only SELECTs only, never DDL or DML, so a session-wide one would
 * promise what it does not do; the transports bound a statement in time by other means where they must
 * (the runner's deadline kills the statement: MysqlTarget's `deadline`).
 */
import type { WirePart } from '../dialect.js'
import { toPositional } from './named-parameters.js'
import { sessionRoutine } from './session-routine.js'
import { runningStatement } from './statement-activity.js'

/**
 * Server error numbers that mean the session is gone: 1053 the server is shutting down, 1927 the connection
 * was killed, 4031 the server closed an idle client (MySQL 8.0.24+), 2006/2013 the client's "server has gone
 * away" and "lost connection during query" (how other clients report them).
 */
const CONNECTION_LOSS_ERRNOS = new Set([1053, 1927, 4031, 2006, 2013])

/** SQLSTATE class 08 (connection exception), or one of MySQL's lost-connection error numbers. */
function isConnectionLoss(sqlState: string | undefined, errno?: number): boolean {
  return (!!sqlState && sqlState.startsWith('08')) || (errno !== undefined && CONNECTION_LOSS_ERRNOS.has(errno))
}

export const wire: WirePart = {
  serverName: 'MySQL',
  toPositional,
  packable: () => false,
  pack: (statements) =>
    // Never called while packable is false; a caller that does anyway is told no statement fits.
    ({ ok: false, index: 0, length: statements[0]?.sql.length ?? 0 }),
  // Nothing is packed, so no packed error names a statement: the failure is left without a phase (the engine then takes it as the version's own).
  decodePackedError: (error) => ({ ok: false, failedIndex: 0, error }),
  refusedByPacking: () => true,
  carriesPosition: () => false,
  isConnectionLoss,
  runningStatement,
  sessionRoutine
}
