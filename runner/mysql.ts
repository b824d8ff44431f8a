/**
 * The runner on MySQL: MysqlTarget, the session reset (COM_RESET_CONNECTION, the target's resetSession) and
 * the deadline, which MysqlTarget enforces by killing a statement still running at it (MySQL has no statement
 * timeout that covers DDL). The statements: src/dialects/mysql/runner-session.ts.
 */
import { isAuthenticationFailure, isStatementTimeout, SERVER_VERSION, SESSION_SETUP } from '../src/dialects/mysql/runner-session.js'
import { wire } from '../src/dialects/mysql/wire.js'
import { MysqlTarget } from '../src/targets/mysql.js'
import type { SslOptions } from 'mysql2'
import type { ConnectionSettings } from './connection.js'
import type { RunnerDialect } from './dialect.js'
import { firstCall, invocationBudget } from './session.js'

/** The runner's TLS mode as mysql2 takes it: verify-full checks the host name too (verifyIdentity). */
function mysqlSsl(settings: ConnectionSettings): SslOptions | undefined {
  if (!settings.ssl) return undefined
  const { rejectUnauthorized, ca, cert, key } = settings.ssl
  return {
    rejectUnauthorized,
    verifyIdentity: settings.tls === 'verify-full',
    ...(typeof ca === 'string' ? { ca } : {}),
    ...(typeof cert === 'string' ? { cert } : {}),
    ...(typeof key === 'string' ? { key } : {})
  }
}

export const mysqlRunner: RunnerDialect<MysqlTarget> = {
  serverName: wire.serverName,
  openTarget: (settings, log) =>
    new MysqlTarget(settings.url, { wire, ssl: mysqlSsl(settings), log: (message) => log(`mysql: ${message}`) }),

  async prepareSession(target, reused, invocation) {
    // The deadline is the target's own (nothing of it lives in the session): set before anything runs.
    const budget = invocationBudget(invocation)
    target.setDeadline(budget === undefined ? undefined : Date.now() + budget)
    await firstCall(reused, async () => {
      // A reset that fails drops the connection, and the next statement opens a fresh one: fresh either way.
      if (reused) await target.resetSession()
      await target.query(SESSION_SETUP)
    })
  },

  // Not packed (MySQL has no packed form yet); the deadline bounds the whole transaction, every statement in it.
  transaction: (target, statements, resultsNeeded, _invocation) => target.transaction(statements, { resultsNeeded }),

  async serverVersion(target) {
    const result = await target.query(SERVER_VERSION)
    return String(result.rows[0]?.server_version ?? '')
  },
  isStatementTimeout,
  isAuthenticationFailure
}
