/**
 * The runner Lambda's own session statements on PostgreSQL (runner/session.ts): its deadline, kept in a
 * custom setting of the session, and the statement_timeout that enforces it.
 */
import type { SqlErrorInfo } from '../../errors.js'

/**
 * Sets the session's deadline (server clock) and its statement_timeout. Both are set again on every
 * invocation, so nothing of an earlier one carries over. Parameters: `:timeout` (text, ms) and `:budget` (ms).
 */
export const SET_DEADLINE =
  "SELECT set_config('statement_timeout', :timeout, false) AS statement_timeout, " +
  // A sandbox frozen mid-transaction (a timed-out invocation) must not hold its locks for long: the
  // server ends an idle transaction after a minute, and the engine waits for the lease row that long.
  "set_config('idle_in_transaction_session_timeout', '60000', false) AS idle_timeout, " +
  "set_config('aurora_migrate.deadline', (floor(extract(epoch FROM clock_timestamp()) * 1000) + :budget)::bigint::text, false) AS deadline"

export const RESET_TIMEOUT = 'RESET statement_timeout'

/**
 * Run before each statement of a transaction but the first: lowers statement_timeout (for the
 * transaction only) to the time left until the deadline, unless the migration set a smaller one itself.
 */
export const REFRESH_TIMEOUT =
  "SELECT set_config('statement_timeout', b.budget::text, true) FROM " +
  "(SELECT greatest(1000, current_setting('aurora_migrate.deadline')::bigint - floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) AS budget) AS b, " +
  "pg_settings s WHERE s.name = 'statement_timeout' AND (s.setting::bigint = 0 OR s.setting::bigint > b.budget)"

/** One row, `server_version`: the server's version text (`16.4 (Debian …)`). */
export const SERVER_VERSION = 'SHOW server_version'

/** A statement stopped by statement_timeout (SQLSTATE 57014, query_canceled, with that message). */
export function isStatementTimeout(info: SqlErrorInfo): boolean {
  return info.sqlState === '57014' && /statement timeout/i.test(info.message)
}

/** A connection refused for its credentials (SQLSTATE class 28: a rotated password). */
export function isAuthenticationFailure(code: string): boolean {
  return /^28/.test(code)
}
