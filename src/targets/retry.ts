/**
 * Which AWS failures (Data API, Lambda Invoke) are retried, and how. Decided per error class, never
 * "retry everything":
 *
 * - `resuming`  DatabaseResumingException: the call never reached the database (the cluster is
 *               waking up from auto-pause). Retried for any call, with backoff, up to a time limit.
 * - `throttled` 429 / ThrottlingException / TooManyRequestsException: refused before execution.
 *               Retried for any call, with backoff and jitter, for up to `throttleTimeoutMs` (5 minutes
 *               by default: long enough to ride out a throttling storm). Inside a Data API transaction
 *               the caller passes a shorter window, since the transaction expires after 3 idle minutes.
 * - `not-ready` a Lambda function that cannot run yet (Pending or being updated, its VPC network
 *               interfaces or subnet addresses not available): refused before the function ran.
 *               Retried for any call, like throttling.
 * - `transient` 5xx and network failures, and a call that got no answer within the client's request
 *               timeout (aws-http.ts): the call may or may not have run. Retried only for calls that are
 *               safe to send twice (`idempotent`).
 * - `sql`       an error from PostgreSQL. Never retried.
 * - `fatal`     everything else (validation, permissions, statement timeout, a lost transaction).
 */
import { DatabaseError, TransportError } from '../errors.js'
import { realSleep } from '../text.js'

export type ErrorClass = 'resuming' | 'throttled' | 'not-ready' | 'transient' | 'sql' | 'fatal'

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

/** Lambda Invoke answers that mean the function did not run because it is not ready yet. */
const NOT_READY = new Set([
  'ResourceConflictException',
  'ResourceNotReadyException',
  'EC2ThrottledException',
  'ENILimitReachedException',
  'SubnetIPAddressLimitReachedException'
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
  if (NOT_READY.has(name)) return 'not-ready'
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
  /**
   * Throttled and not-ready calls are retried until this much time has passed since the first refusal.
   * Default 300000 (5 min).
   */
  throttleTimeoutMs?: number
  /** The longest single pause after a refusal (a longer Retry-After is cut to it). Default 20000. */
  throttleMaxPauseMs?: number
  /** Who answered, for the log lines. Default "The Data API". */
  service?: string
  /** Attempts in all after 5xx/network failures of an idempotent call. Default 3. */
  transientAttempts?: number
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  /** A number in [0, 1), for jitter. */
  random?: () => number
  log?: (msg: string) => void
}

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step / 2 + (step / 2) * random())
}

/**
 * The wait a refusal asks for: Lambda's TooManyRequestsException carries the Retry-After header as
 * `retryAfterSeconds`; other errors may have the raw header in `$response`.
 */
export function retryAfterMs(error: unknown): number | undefined {
  const e = (error ?? {}) as { retryAfterSeconds?: unknown; $response?: { headers?: Record<string, unknown> } }
  const header = e.retryAfterSeconds ?? e.$response?.headers?.['retry-after']
  const seconds =
    typeof header === 'number' ? header : typeof header === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(header) ? Number(header) : NaN
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000
  return s < 10 ? `${Number(s.toFixed(1))} s` : `${Math.round(s)} s`
}

function messageOf(error: unknown): string {
  return String((error as Error)?.message ?? error)
}

/** Lambda says why it throttled (`Reason`: ReservedFunctionConcurrentInvocationLimitExceeded, …). */
function reasonOf(error: unknown): string {
  const reason = ((error ?? {}) as { Reason?: unknown }).Reason
  return typeof reason === 'string' && reason ? `: ${reason}` : ''
}

const RESUME_BASE_MS = 1000
const RESUME_CAP_MS = 10_000
const THROTTLE_BASE_MS = 500
const THROTTLE_CAP_MS = 20_000
export const DEFAULT_THROTTLE_TIMEOUT_MS = 300_000
const TRANSIENT_BASE_MS = 500
const TRANSIENT_CAP_MS = 5000

/**
 * Runs `call`, retrying it as the error class allows. Errors that are not retried, or whose retries
 * are used up, are rethrown unchanged, except a cluster that does not resume in time: that is a
 * TransportError saying so.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? realSleep
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const log = options.log ?? (() => {})
  const resumeTimeoutMs = options.resumeTimeoutMs ?? 300_000
  const throttleTimeoutMs = options.throttleTimeoutMs ?? DEFAULT_THROTTLE_TIMEOUT_MS
  const throttleMaxPauseMs = options.throttleMaxPauseMs ?? THROTTLE_CAP_MS
  const transientAttempts = options.transientAttempts ?? 3
  const service = options.service ?? 'The Data API'

  let attempt = 0
  let resumingSince: number | undefined
  let resumingRetries = 0
  let throttledRetries = 0
  let refusedSince: number | undefined
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
      if (kind === 'throttled' || kind === 'not-ready') {
        refusedSince ??= now()
        const elapsed = now() - refusedSince
        // The backoff (with jitter), but never sooner than the service asked for (Retry-After), and never
        // longer than one pause may last.
        const backoff = backoffMs(throttledRetries + 1, THROTTLE_BASE_MS, Math.min(THROTTLE_CAP_MS, throttleMaxPauseMs), random)
        const wait = Math.min(throttleMaxPauseMs, Math.max(backoff, retryAfterMs(error) ?? 0))
        if (elapsed + wait <= throttleTimeoutMs) {
          throttledRetries++
          const progress = ` (attempt ${attempt + 1}, ${formatSeconds(elapsed)} so far)`
          log(
            kind === 'throttled'
              ? `${service} is throttling requests (${errorName(error)}${reasonOf(error)}); retrying in ${formatSeconds(wait)}${progress}`
              : `${service} is not ready (${errorName(error)}: ${messageOf(error)}); retrying in ${formatSeconds(wait)}${progress}`
          )
          await sleep(wait)
          continue
        }
      }
      if (kind === 'transient' && options.idempotent && transientRetries + 1 < transientAttempts) {
        transientRetries++
        const wait = backoffMs(transientRetries, TRANSIENT_BASE_MS, TRANSIENT_CAP_MS, random)
        log(`${service} call failed (${errorName(error)}: ${messageOf(error)}); retrying in ${formatSeconds(wait)}`)
        await sleep(wait)
        continue
      }
      throw error
    }
  }
}
