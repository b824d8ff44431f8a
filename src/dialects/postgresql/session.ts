/** PostgreSQL's settings for one version's transaction: SET LOCAL ends with the transaction. */

/** The transaction's own timeouts (validated numbers of ms, never raw input); null or 0: the database's setting. */
export function sessionSettings(settings: { lockTimeoutMs: number | null; statementTimeoutMs: number | null }): string[] {
  const statements: string[] = []
  if (settings.lockTimeoutMs) statements.push(`SET LOCAL lock_timeout = '${Math.round(settings.lockTimeoutMs)}ms'`)
  if (settings.statementTimeoutMs) statements.push(`SET LOCAL statement_timeout = '${Math.round(settings.statementTimeoutMs)}ms'`)
  return statements
}
