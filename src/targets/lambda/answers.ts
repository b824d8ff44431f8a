/**
 * What an Invoke of the runner comes back with: Lambda's own answers (errors before the function ran,
 * function errors, and what to do about them), and the runner's answers in the runner protocol, read
 * keeping only the fields the protocol defines.
 */
import type { SqlErrorInfo } from '../../errors.js'
import type { RunnerErrorCode } from '../runner-protocol.js'
import type { QueryResult } from '../target.js'

// ── What Lambda answers ─────────────────────────────────────────────────────────────────────────────

/** Invoke errors that come before the function runs, although their HTTP status is 5xx. */
export const REFUSED_BEFORE_RUNNING = new Set([
  'ResourceNotReadyException',
  'EC2ThrottledException',
  'EC2AccessDeniedException',
  'EC2UnexpectedException',
  'ENILimitReachedException',
  'SubnetIPAddressLimitReachedException',
  'InvalidSubnetIDException',
  'InvalidSecurityGroupIDException',
  'InvalidZipFileException',
  'InvalidRuntimeException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'EFSMountConnectivityException',
  'EFSMountFailureException',
  'EFSMountTimeoutException',
  'EFSIOException',
  'SnapStartException',
  'SnapStartNotReadyException',
  'SnapStartTimeoutException'
])

/** Network failures that happen before a request is sent: it never reached Lambda. */
export const NOT_SENT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)\b/

/** Function errors in which the runner's code never started (its module could not even load). */
export const CODE_NEVER_RAN = new Set([
  'Runtime.ImportModuleError',
  'Runtime.HandlerNotFound',
  'Runtime.UserCodeSyntaxError',
  'Runtime.MalformedHandlerName'
])

const TIMED_OUT = 'Sandbox.Timedout'
const RESPONSE_TOO_LARGE = 'Function.ResponseSizeTooLarge'

/** How often a failed query is re-sent after a function error: a timeout costs up to 15 minutes each time. */
export function functionErrorRetries(errorType: string): number {
  if (errorType === RESPONSE_TOO_LARGE || CODE_NEVER_RAN.has(errorType)) return 0
  return errorType === TIMED_OUT ? 1 : 2
}

export const FUNCTION_ERROR_HINTS: Record<string, string> = {
  [TIMED_OUT]: "The runner ran out of time: raise the function's timeout (15 minutes at most), or split the version.",
  [RESPONSE_TOO_LARGE]: "The answer was larger than Lambda's 6 MB limit for a synchronous invocation.",
  'Runtime.ImportModuleError':
    'The function does not contain the runner: deploy runner.zip (dist/runner) from the same release as the action.',
  'Runtime.HandlerNotFound':
    'The function does not contain the runner: deploy runner.zip (dist/runner) from the same release as the action.',
  'Runtime.UserCodeSyntaxError':
    'The function does not contain the runner: deploy runner.zip (dist/runner) from the same release as the action.'
}

export const API_HINTS: Record<string, (fn: string) => string> = {
  ResourceNotFoundException: () =>
    'Deploy the runner (runner/template.yaml), or check lambda-function: its name, alias, and the region (AWS_REGION) it is looked up in.',
  AccessDeniedException: (fn) => `The role needs lambda:InvokeFunction on ${fn}.`,
  AccessDenied: (fn) => `The role needs lambda:InvokeFunction on ${fn}.`,
  CredentialsProviderError: () => 'No AWS credentials were found: add aws-actions/configure-aws-credentials before this step.',
  UnrecognizedClientException: () => 'The AWS credentials were refused: check aws-actions/configure-aws-credentials.',
  InvalidSignatureException: () => 'The AWS credentials were refused: check aws-actions/configure-aws-credentials.',
  ExpiredTokenException: () => 'The AWS session expired: get fresh credentials with aws-actions/configure-aws-credentials.'
}

export interface FunctionFailure {
  errorType: string
  errorMessage: string
}

export type Reply = { kind: 'answer'; body: unknown; text: string } | ({ kind: 'function-error' } & FunctionFailure)

/** `RequestId: 1b6c… Error: Task timed out after 900.00 seconds` → `Task timed out after 900.00 seconds`. */
function cleanFunctionMessage(message: string): string {
  return message.replace(/^(?:\d{4}-\d\d-\d\dT\S+\s+)?(?:RequestId:\s*)?[0-9a-f]{8}-[0-9a-f-]{27}\s+(?:Error:\s*)?/i, '').trim()
}

export function readFunctionFailure(header: string, text: string): FunctionFailure {
  try {
    const body = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown }
    return {
      errorType: typeof body.errorType === 'string' && body.errorType ? body.errorType : header,
      errorMessage: cleanFunctionMessage(typeof body.errorMessage === 'string' ? body.errorMessage : text)
    }
  } catch {
    return { errorType: header, errorMessage: cleanFunctionMessage(text) }
  }
}

/** A message without its closing full stop, to go inside parentheses or before another. */
export function bare(message: string): string {
  return message.trim().replace(/[.\s]+$/, '')
}

/** A message as the end of a sentence, without doubling its full stop. */
export function sentence(message: string): string {
  return `${bare(message)}.`
}

// ── What the runner answers ─────────────────────────────────────────────────────────────────────────

type Json = Record<string, unknown>

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

export function isQueryResult(value: unknown): value is QueryResult {
  return isObject(value) && Array.isArray(value.rows) && value.rows.every(isObject) && typeof value.rowCount === 'number'
}

/** A runner failure that is not an SQL error: `{ ok: false, error: { code, message } }`. */
export function runnerFailure(body: unknown): { code: RunnerErrorCode | string; message: string } | undefined {
  if (!isObject(body) || body.ok !== false || !isObject(body.error) || typeof body.error.code !== 'string') return undefined
  return { code: body.error.code, message: typeof body.error.message === 'string' ? body.error.message : '' }
}

/** The SQL error of an answer, keeping only the fields the protocol defines. */
export function sqlError(value: unknown): SqlErrorInfo | undefined {
  if (!isObject(value) || typeof value.message !== 'string') return undefined
  const info: SqlErrorInfo = { message: value.message }
  if (typeof value.sqlState === 'string') info.sqlState = value.sqlState
  if (typeof value.errno === 'number' && Number.isInteger(value.errno)) info.errno = value.errno
  if (typeof value.position === 'number') info.position = value.position
  if (typeof value.detail === 'string') info.detail = value.detail
  if (typeof value.hint === 'string') info.hint = value.hint
  return info
}
