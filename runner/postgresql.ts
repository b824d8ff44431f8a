/**
 * The runner on PostgreSQL: PostgresTarget, the session reset (DISCARD ALL) and the deadline kept in the
 * session and enforced by statement_timeout (src/dialects/postgresql/runner-session.ts).
 */
import {
  isAuthenticationFailure,
  isStatementTimeout,
  REFRESH_TIMEOUT,
  RESET_TIMEOUT,
  SERVER_VERSION,
  SET_DEADLINE
} from '../src/dialects/postgresql/runner-session.js'
import { wire } from '../src/dialects/postgresql/wire.js'
import { PostgresTarget } from '../src/targets/postgres.js'
import type { RunnerDialect } from './dialect.js'
import { firstCall, invocationBudget } from './session.js'

export const postgresqlRunner: RunnerDialect<PostgresTarget> = {
  serverName: wire.serverName,
  openTarget: (settings, log) =>
    new PostgresTarget(settings.url, { wire, ssl: settings.ssl, log: (message) => log(`postgres: ${message}`) }),

  /** Resets a kept connection's session, then sets (or resets) statement_timeout for this invocation. */
  async prepareSession(target, reused, invocation) {
    let fresh = !reused
    const set = async (): Promise<void> => {
      if (!fresh) {
        await target.query(wire.resetSessionSql!)
        fresh = true
      }
      const budget = invocationBudget(invocation)
      if (budget === undefined) {
        await target.query(RESET_TIMEOUT)
        return
      }
      await target.query(SET_DEADLINE, { timeout: String(budget), budget })
    }
    const started = Date.now()
    await firstCall(reused, set)
    // Connecting took a while: the deadline was computed before it, so set it again from the time left now.
    if (invocation.remaining() !== undefined && Date.now() - started > 250) await set()
  },

  /**
   * With a deadline, each statement after the first is preceded by one that shortens statement_timeout to the
   * time left. Packed (resultsNeeded false), the transaction is one statement: the deadline set for the
   * session bounds it whole.
   */
  transaction: (target, statements, resultsNeeded, invocation) =>
    target.transaction(statements, { resultsNeeded, between: invocation.timeoutMs !== undefined ? REFRESH_TIMEOUT : undefined }),

  async serverVersion(target) {
    const result = await target.query(SERVER_VERSION)
    return String(result.rows[0]?.server_version ?? '').split(' ')[0]
  },
  isStatementTimeout,
  isAuthenticationFailure
}
