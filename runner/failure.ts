/** A failure the runner answers as data (`{ ok: false, error: { code, message } }`), never as a function error. */
import type { RunnerErrorCode, RunnerFailure } from '../src/targets/runner-protocol.js'

/** Thrown inside an invocation; the handler answers it as a RunnerFailure and logs `logCause`. */
export class Failure extends Error {
  constructor(
    readonly code: RunnerErrorCode,
    message: string,
    /** For the log: a code or a short reason, never a value. */
    readonly logCause?: string
  ) {
    super(message)
  }
}

export function failureResponse(code: RunnerErrorCode, message: string): RunnerFailure {
  return { ok: false, error: { code, message } }
}
