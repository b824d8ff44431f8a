/**
 * The runner Lambda's own session statements and error classes on MySQL (runner/mysql.ts). MySQL has no
 * statement timeout that covers DDL, so the runner's deadline is enforced by the transport, which kills a
 * statement still running at it (MysqlTarget's `setDeadline`): the statement then fails with 1317.
 */
import type { SqlErrorInfo } from '../../errors.js'

/**
 * Set on every invocation, after the session reset: a sandbox frozen mid-transaction (a timed-out invocation)
 * must not hold its locks for hours (wait_timeout defaults to 8 h); the server closes a connection idle for a
 * minute, and the next invocation connects again.
 */
export const SESSION_SETUP = 'SET SESSION wait_timeout = 60'

/** One row, `server_version`: the server's version text (`8.0.36`, `10.11.19-MariaDB`). */
export const SERVER_VERSION = 'SELECT VERSION() AS server_version'

/**
 * A statement stopped before its end: 1317 (query interrupted: KILL QUERY, the runner's deadline), 3024
 * (MySQL's max_execution_time), 1969 (MariaDB's max_statement_time).
 */
export function isStatementTimeout(info: SqlErrorInfo): boolean {
  return info.errno === 1317 || info.errno === 3024 || info.errno === 1969
}

/** A connection refused for its credentials (a rotated password): mysql2's code for error 1045. */
export function isAuthenticationFailure(code: string): boolean {
  return code === 'ER_ACCESS_DENIED_ERROR'
}
