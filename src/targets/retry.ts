/**
 * Which Data API failures are retried, and how. Decided per error class, never "retry everything":
 *
 * - `resuming`  DatabaseResumingException: the call never reached the database (the cluster is
 *               waking up from auto-pause). Retried for any call, with backoff, up to a time limit.
 * - `throttled` 429 / ThrottlingException: refused before execution. Retried for any call, a few times.
 * - `transient` 5xx and network failures: the call may or may not have run. Retried only for calls
 *               that are safe to send twice (`idempotent`).
 * - `sql`       an error from PostgreSQL. Never retried.
 * - `fatal`     everything else (validation, permissions, statement timeout, a lost transaction).
 */
import { DatabaseError, TransportError } from '../errors.js'

export type ErrorClass = 'resuming' | 'throttled' | 'transient' | 'sql' | 'fatal'

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ThrottledException',
  'Throttling',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown'
])

const TRANSIENT_NAMES = new Set([
  'InternalServerErrorException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailableError',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'DatabaseUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError'
])

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT'
])

interface ErrorFields {
  name?: unknown
  code?: unknown
  message?: unknown
  $metadata?: { httpStatusCode?: unknown }
}

export function errorName(error: unknown): string {
  const e = (error ?? {}) as ErrorFields
  const name = typeof e.name === 'string' ? e.name : 'Error'
  // An error from another realm reaches us wrapped by the SDK: "AWS SDK error wrapper for TimeoutError: …".
  const wrapped = name === 'Error' && typeof e.message === 'string' ? /^AWS SDK error wrapper for (\w+)/.exec(e.message) : null
  return wrapped ? wrapped[1] : name
}

function httpStatus(error: unknown): number | undefined {
  const status = ((error ?? {}) as ErrorFields).$metadata?.httpStatusCode
  return typeof status === 'number' ? status : undefined
}

/** v1 sent SQL errors as BadRequestException "Database error code: N. Message: ERROR: …". */
function looksLikeSqlError(message: string): boolean {
  return /^Database error code:|^Database returned SQL Exception|^(ERROR|FATAL):/.test(message.trim())
}

export function classifyError(error: unknown): ErrorClass {
  if (error instanceof DatabaseError) return 'sql'
  if (error instanceof TransportError) return 'fatal'
  const e = (error ?? {}) as ErrorFields
  const name = errorName(error)
  const code = typeof e.code === 'string' ? e.code : ''
  const message = typeof e.message === 'string' ? e.message : ''
  const status = httpStatus(error)

  if (name === 'DatabaseResumingException') return 'resuming'
  if (THROTTLING.has(name) || status === 429) return 'throttled'
  if (name === 'DatabaseErrorException') return 'sql'
  if (name === 'BadRequestException' && looksLikeSqlError(message)) return 'sql'
  if (TRANSIENT_NAMES.has(name) || NETWORK_CODES.has(code) || NETWORK_CODES.has(name)) return 'transient'
  if (status === undefined && (/socket hang up|other side closed/i.test(message) || [...NETWORK_CODES].some((c) => message.includes(c)))) {
    return 'transient'
  }
  if (status !== undefined && status >= 500) return 'transient'
  return 'fatal'
}

export interface RetryOptions {
  /** True when sending the call twice is harmless (a read, BeginTransaction, RollbackTransaction). */
  idempotent: boolean
  /** How long to keep retrying while the cluster resumes from auto-pause. Default 300000 (5 min). */
  resumeTimeoutMs?: number
  /** Attempts in all when throttled. Default 5. */
  throttleAttempts?: number
  /** Attempts in all after 5xx/network failures of an idempotent call. Default 3. */
  transientAttempts?: number
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  /** A number in [0, 1), for jitter. */
  random?: () => number
  log?: (msg: string) => void
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step / 2 + (step / 2) * random())
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000
  return s < 10 ? `${Number(s.toFixed(1))} s` : `${Math.round(s)} s`
}

const RESUME_BASE_MS = 1000
const RESUME_CAP_MS = 10_000
const THROTTLE_BASE_MS = 500
const THROTTLE_CAP_MS = 10_000
const TRANSIENT_BASE_MS = 500
const TRANSIENT_CAP_MS = 5000

/**
 * Runs `call`, retrying it as the error class allows. Errors that are not retried, or whose retries
 * are used up, are rethrown unchanged, except a cluster that does not resume in time: that is a
 * TransportError saying so.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? defaultSleep
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const log = options.log ?? (() => {})
  const resumeTimeoutMs = options.resumeTimeoutMs ?? 300_000
  const throttleAttempts = options.throttleAttempts ?? 5
  const transientAttempts = options.transientAttempts ?? 3

  let attempt = 0
  let resumingSince: number | undefined
  let resumingRetries = 0
  let throttledRetries = 0
  let transientRetries = 0
  for (;;) {
    attempt++
    try {
      return await call()
    } catch (error) {
      const kind = classifyError(error)
      if (kind === 'resuming') {
        resumingSince ??= now()
        resumingRetries++
        const elapsed = now() - resumingSince
        const wait = backoffMs(resumingRetries, RESUME_BASE_MS, RESUME_CAP_MS, random)
        if (elapsed + wait > resumeTimeoutMs) {
          throw new TransportError(
            `The Aurora cluster did not resume from auto-pause within ${Math.round(resumeTimeoutMs / 1000)} s ` +
              `(${attempt} attempts). Try again later, or raise resume-timeout.`,
            'DatabaseResumingException',
            false,
            { cause: error }
          )
        }
        log(
          `Aurora cluster is resuming after auto-pause; retrying in ${formatSeconds(wait)} ` +
            `(attempt ${attempt + 1}, ${formatSeconds(elapsed)} so far)`
        )
        await sleep(wait)
        continue
      }
      if (kind === 'throttled' && throttledRetries + 1 < throttleAttempts) {
        throttledRetries++
        const wait = backoffMs(throttledRetries, THROTTLE_BASE_MS, THROTTLE_CAP_MS, random)
        log(`The Data API is throttling requests (${errorName(error)}); retrying in ${formatSeconds(wait)}`)
        await sleep(wait)
        continue
      }
      if (kind === 'transient' && options.idempotent && transientRetries + 1 < transientAttempts) {
        transientRetries++
        const wait = backoffMs(transientRetries, TRANSIENT_BASE_MS, TRANSIENT_CAP_MS, random)
        log(`The Data API call failed (${errorName(error)}: ${String((error as Error)?.message ?? error)}); retrying in ${formatSeconds(wait)}`)
        await sleep(wait)
        continue
      }
      throw error
    }
  }
}
