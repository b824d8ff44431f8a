/** PostgreSQL's settings for one version's transaction: SET LOCAL ends with the transaction. */
import type { SessionSettings } from '../../engine/dialect.js'

/** The transaction's own timeouts (validated numbers of ms, never raw input); null or 0: the database's setting. */
export function sessionSettings(settings: SessionSettings): string[] {
  const statements: string[] = []
  // A validated schema name (a fleet's schemas-query row), quoted: the version's unqualified names resolve there.
  if (settings.searchPath) statements.push(`SET LOCAL search_path TO "${settings.searchPath.replace(/"/g, '""')}"`)
  if (settings.lockTimeoutMs) statements.push(`SET LOCAL lock_timeout = '${Math.round(settings.lockTimeoutMs)}ms'`)
  if (settings.statementTimeoutMs) statements.push(`SET LOCAL statement_timeout = '${Math.round(settings.statementTimeoutMs)}ms'`)
  return statements
}
