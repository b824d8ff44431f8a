/**
 * The invocation's deadline, for every dialect: statements are stopped shortly before Lambda would kill the
 * function (PostgreSQL: statement_timeout; MySQL: the target kills them), so a slow statement comes back as
 * an SQL error (with the transaction rolled back) instead of a `Sandbox.Timedout` that leaves its fate
 * unknown. Each dialect's runner part (postgresql.ts, mysql.ts) resets a kept connection's session first, so
 * that each invocation starts as on a new connection.
 */
import type { SqlErrorInfo } from '../src/errors.js'
import { TransportError } from '../src/errors.js'
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

/**
 * The statement budget for this invocation (ms), recorded on it; undefined without a deadline. Throws when too
 * little time is left to start anything.
 */
export function invocationBudget(invocation: Invocation): number | undefined {
  const remaining = invocation.remaining()
  if (remaining === undefined) {
    invocation.timeoutMs = undefined
    return undefined
  }
  if (remaining < MIN_REMAINING_MS) throw notEnoughTime(remaining)
  const budget = Math.max(MIN_STATEMENT_TIMEOUT_MS, remaining - TIME_MARGIN_MS)
  invocation.timeoutMs = budget
  return budget
}

/** Explains a statement stopped by the runner's own deadline. */
export function withTimeoutHint(
  info: SqlErrorInfo,
  invocation: Invocation,
  isStatementTimeout: (info: SqlErrorInfo) => boolean
): SqlErrorInfo {
  if (invocation.timeoutMs === undefined || info.hint || !isStatementTimeout(info)) return info
  return {
    ...info,
    hint:
      `The runner stops statements ${TIME_MARGIN_MS / 1000} s before its Lambda timeout (at most ${Math.round(invocation.timeoutMs / 1000)} s here). ` +
      "Raise the function's Timeout (at most 900 s) or split the version into smaller ones."
  }
}
