/**
 * MySQL's settings for one version's transaction. There is no SET LOCAL: SET SESSION lasts for the
 * connection, which a transaction pins (the Data API resets it between calls; a kept direct connection is
 * reset by the wire part). lock_wait_timeout bounds metadata-lock waits (a DDL queued behind a long
 * transaction), innodb_lock_wait_timeout row-lock waits; both take whole seconds, at least 1.
 *
 * No statement timeout: MySQL's max_execution_time (and the MAX_EXECUTION_TIME hint) bound read-only
 * SELECTs only, never DDL or DML, and MariaDB's max_statement_time does not exist on MySQL. A bound on a
 * statement's time is the transport's (its call timeout), not a session setting.
 */
export function sessionSettings(settings: { lockTimeoutMs: number | null; statementTimeoutMs: number | null }): string[] {
  if (!settings.lockTimeoutMs) return []
  const seconds = Math.max(1, Math.ceil(settings.lockTimeoutMs / 1000))
  // One statement: one call less per transaction over the Data API.
  return [`SET SESSION lock_wait_timeout = ${seconds}, SESSION innodb_lock_wait_timeout = ${seconds}`]
}
