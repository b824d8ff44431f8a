/**
 * The runner Lambda: deployed inside the VPC, it runs the action's SQL on a cluster the action cannot
 * reach itself (no Data API). It speaks src/targets/runner-protocol.ts and leaves every SQL semantic
 * (named parameters, guards, value shapes, lost COMMITs) to PostgresTarget, so it behaves exactly like
 * the direct transport.
 *
 * Per container: the secret is read once and one connection is kept across invocations. A connection
 * error drops it and the next invocation connects again. Every invocation on a kept connection starts by
 * resetting its session (DISCARD ALL), so nothing an earlier invocation's SQL set for the session (a
 * search_path, a role, a read-only default, a temporary table, an advisory lock) reaches this one: each
 * starts as on a new connection, as each call does over the Data API. Statements are stopped by `statement_timeout`
 * shortly before Lambda would kill the function, so a slow statement comes back as SQL error 57014
 * (with the transaction rolled back) instead of a `Sandbox.Timedout` that leaves its fate unknown. In a
 * transaction the runner has a statement of its own run before each of the request's statements after
 * the first (PostgresTarget's `between`), which lowers statement_timeout to the time still left (a smaller
 * one the migration set is kept), so the deadline holds for the whole transaction and not only for each
 * statement. A transaction sent with `resultsNeeded: false` runs packed, as one DO block: one statement,
 * which the deadline set for the session bounds as a whole.
 *
 * Logging: one line per invocation with the operation, the statement count, the duration and the
 * outcome. Never SQL text, parameters, row values, the URL or the secret.
 *
 * The parts: request.ts (what a request may say), container.ts (the secret and the connection a warm
 * container keeps), session.ts (the deadline and the session setup, with PostgreSQL's statements from
 * src/dialects/postgresql/runner-session.ts), invocation.ts (answering one request) and this file (the
 * entry point and its log line).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { RUNNER_ERROR_CODES, type RunnerResponse } from '../src/targets/runner-protocol.js'
import { ConfigurationError } from './connection.js'
import { Container } from './container.js'
import { Failure, failureResponse } from './failure.js'
import { answer } from './invocation.js'
import { parseRequest } from './request.js'
import type { Invocation } from './session.js'
import { RUNNER_VERSION } from './version.js'

export { resolveTls, isRdsHost, type TlsMode } from './connection.js'
export { parseRequest, MAX_STATEMENTS, SUPPORTED_PROTOCOLS } from './request.js'
export { MIN_REMAINING_MS, TIME_MARGIN_MS } from './session.js'
export { RUNNER_VERSION } from './version.js'

export interface HandlerOptions {
  env?: NodeJS.ProcessEnv
  secretsClient?: SecretsManagerClient
  log?: (line: string) => void
}

export interface InvocationContext {
  getRemainingTimeInMillis?(): number
}

export type RunnerHandler = ((event: unknown, context?: InvocationContext) => Promise<RunnerResponse>) & {
  /** Closes the container's connection (tests; Lambda simply freezes the container). */
  close(): Promise<void>
}

export function createHandler(options: HandlerOptions = {}): RunnerHandler {
  const log = options.log ?? ((line: string) => console.log(line))
  const container = new Container(options.env ?? process.env, options.secretsClient, log)

  async function handler(event: unknown, context?: InvocationContext): Promise<RunnerResponse> {
    const started = Date.now()
    const invocation: Invocation = {
      remaining: () => (typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined),
      logDetail: []
    }
    const parsed = parseRequest(event, RUNNER_VERSION)
    const op = parsed.ok ? parsed.request.op : /^[a-z]{1,20}$/.test(parsed.op ?? '') ? parsed.op! : '-'
    const count =
      parsed.ok && parsed.request.op === 'transaction'
        ? parsed.request.statements.length
        : parsed.ok && parsed.request.op === 'query'
          ? 1
          : 0
    let response: RunnerResponse
    try {
      if (!parsed.ok) {
        response = parsed.failure
        invocation.logDetail.push(`reason=${JSON.stringify(parsed.failure.error.message)}`)
      } else {
        response = await answer(container, parsed.request, invocation)
      }
    } catch (error) {
      if (error instanceof ConfigurationError) {
        response = failureResponse('CONNECTION', error.message)
        invocation.logDetail.push('cause=configuration', `reason=${JSON.stringify(error.message)}`)
      } else if (error instanceof Failure) {
        response = failureResponse(error.code, error.message)
        if (error.logCause) invocation.logDetail.push(`cause=${error.logCause}`)
      } else {
        log(
          `op=${op} statements=${count} ms=${Date.now() - started} outcome=error type=${error instanceof Error ? error.name : typeof error}`
        )
        await container.drop()
        throw error
      }
    }
    log(
      `op=${op} statements=${count} ms=${Date.now() - started} outcome=${outcome(response)}${invocation.logDetail.map((d) => ` ${d}`).join('')}`
    )
    return response
  }

  return Object.assign(handler, { close: () => container.drop() })
}

/** The outcome words of the log line: codes and indexes only. */
function outcome(response: RunnerResponse): string {
  if (response.ok) {
    if ('results' in response) return `ok rows=${response.results.reduce((sum, r) => sum + r.rowCount, 0)}`
    if ('rowCount' in response) return `ok rows=${response.rowCount}`
    return 'ok'
  }
  const error = response.error as { code?: string; sqlState?: string }
  if ('failedIndex' in response) {
    return response.guard
      ? `guard failedIndex=${response.failedIndex}`
      : `sql-error ${response.phase === 'commit' ? 'phase=commit ' : ''}failedIndex=${response.failedIndex} sqlState=${error.sqlState ?? '-'}`
  }
  if (error.code && (RUNNER_ERROR_CODES as readonly string[]).includes(error.code)) return error.code
  return `sql-error sqlState=${error.sqlState ?? '-'}`
}
