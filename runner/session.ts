/**
 * The invocation's deadline and the session it runs on. Statements are stopped by `statement_timeout`
 * shortly before Lambda would kill the function, so a slow statement comes back as an SQL error (with
 * the transaction rolled back) instead of a `Sandbox.Timedout` that leaves its fate unknown. A kept
 * connection's session is reset first, so that each invocation starts as on a new connection.
 */
import type { SqlErrorInfo } from '../src/errors.js'
import { wire } from '../src/dialects/postgresql/wire.js'
import { isStatementTimeout, REFRESH_TIMEOUT, RESET_TIMEOUT, SET_DEADLINE } from '../src/dialects/postgresql/runner-session.js'
import { TransportError } from '../src/errors.js'
import type { PostgresTarget } from '../src/targets/postgres.js'
import { Failure } from './failure.js'

/** Statements must end this long before Lambda's own timeout, to roll back and answer. */
export const TIME_MARGIN_MS = 3_000
/** The shortest statement_timeout the runner sets. */
const MIN_STATEMENT_TIMEOUT_MS = 1_000
/** Below this much time left (the margin plus one shortest statement), a query or transaction is not started. */
export const MIN_REMAINING_MS = TIME_MARGIN_MS + MIN_STATEMENT_TIMEOUT_MS

/** One invocation: its time left, and what the log line says of it. */
export interface Invocation {
  remaining(): number | undefined
  /** The statement budget set for this invocation, when there was a deadline. */
  timeoutMs?: number
  /** Extra words for the log line. */
  logDetail: string[]
}

export function notEnoughTime(remaining: number): Failure {
  return new Failure(
    'CONNECTION',
    `Not enough time left: ${remaining} ms of this invocation remain and the runner needs at least ${MIN_REMAINING_MS} ms to run statements safely. Raise the function's Timeout.`,
    'time'
  )
}

/** Throws when too little time is left to start anything. */
export function checkTimeLeft(invocation: Invocation): void {
  const remaining = invocation.remaining()
  if (remaining !== undefined && remaining < MIN_REMAINING_MS) throw notEnoughTime(remaining)
}

/**
 * Runs the first call of an invocation. A connection kept from an earlier invocation may have died
 * while the container was frozen; nothing has run yet, so one more try on a new connection is safe.
 */
export async function firstCall<T>(reused: boolean, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (!(error instanceof TransportError) || !reused) throw error
    return call()
  }
}

/** Resets a kept connection's session, then sets (or resets) statement_timeout for this invocation. */
export async function prepareSession(target: PostgresTarget, reused: boolean, invocation: Invocation): Promise<void> {
  let fresh = !reused
  const set = async (): Promise<void> => {
    if (!fresh) {
      await target.query(wire.resetSessionSql)
      fresh = true
    }
    const remaining = invocation.remaining()
    if (remaining === undefined) {
      await target.query(RESET_TIMEOUT)
      return
    }
    if (remaining < MIN_REMAINING_MS) throw notEnoughTime(remaining)
    const budget = Math.max(MIN_STATEMENT_TIMEOUT_MS, remaining - TIME_MARGIN_MS)
    invocation.timeoutMs = budget
    await target.query(SET_DEADLINE, { timeout: String(budget), budget })
  }
  const started = Date.now()
  await firstCall(reused, set)
  // Connecting took a while: the deadline was computed before it, so set it again from the time left now.
  if (invocation.remaining() !== undefined && Date.now() - started > 250) await set()
}

/**
 * What runs before each statement of a transaction but the first: with a deadline, the statement that
 * shortens statement_timeout to the time left, so the deadline holds for the whole transaction.
 */
export function betweenStatements(invocation: Invocation): string | undefined {
  return invocation.timeoutMs !== undefined ? REFRESH_TIMEOUT : undefined
}

/** Explains a statement stopped by the runner's own deadline. */
export function withTimeoutHint(info: SqlErrorInfo, invocation: Invocation): SqlErrorInfo {
  if (invocation.timeoutMs === undefined || info.hint || !isStatementTimeout(info)) return info
  return {
    ...info,
    hint:
      `The runner stops statements ${TIME_MARGIN_MS / 1000} s before its Lambda timeout (at most ${Math.round(invocation.timeoutMs / 1000)} s here). ` +
      "Raise the function's Timeout (at most 900 s) or split the version into smaller ones."
  }
}
