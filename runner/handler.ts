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
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import packageJson from '../package.json' with { type: 'json' }
import { CommitOutcomeUnknownError, DatabaseError, TransportError, type SqlErrorInfo } from '../src/errors.js'
import { PostgresTarget } from '../src/targets/postgres.js'
import {
  LAMBDA_PAYLOAD_LIMIT,
  RUNNER_PROTOCOL,
  type RunnerErrorCode,
  type RunnerFailure,
  type RunnerRequest,
  type RunnerResponse
} from '../src/targets/runner-protocol.js'
import type { SqlParams, TxStatement } from '../src/targets/target.js'
import { ConfigurationError, fetchSecret, settingsFromSecret, settingsFromUrl, type ConnectionSettings } from './connection.js'
import { parseRequest } from './request.js'

export { resolveTls, isRdsHost, type TlsMode } from './connection.js'
export { parseRequest, MAX_STATEMENTS, SUPPORTED_PROTOCOLS } from './request.js'

export const RUNNER_VERSION: string = typeof packageJson.version === 'string' && packageJson.version ? packageJson.version : 'dev'

/** Statements must end this long before Lambda's own timeout, to roll back and answer. */
export const TIME_MARGIN_MS = 3_000
/** The shortest statement_timeout the runner sets. */
const MIN_STATEMENT_TIMEOUT_MS = 1_000
/** Below this much time left (the margin plus one shortest statement), a query or transaction is not started. */
export const MIN_REMAINING_MS = TIME_MARGIN_MS + MIN_STATEMENT_TIMEOUT_MS
/** Room for the Lambda runtime's own framing of the response. */
const RESPONSE_LIMIT = LAMBDA_PAYLOAD_LIMIT - 16 * 1024

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

/** A failure answered as data, and what the log line says about it. */
class Failure extends Error {
  constructor(
    readonly code: RunnerErrorCode,
    message: string,
    /** For the log: a code or a short reason, never a value. */
    readonly logCause?: string
  ) {
    super(message)
  }
}

function failure(code: RunnerErrorCode, message: string): RunnerFailure {
  return { ok: false, error: { code, message } }
}

/**
 * Sets the session's deadline (server clock) and its statement_timeout. Both are set again on every
 * invocation, so nothing of an earlier one carries over.
 */
const SET_DEADLINE =
  "SELECT set_config('statement_timeout', :timeout, false) AS statement_timeout, " +
  // A sandbox frozen mid-transaction (a timed-out invocation) must not hold its locks for long: the
  // server ends an idle transaction after a minute, and the engine waits for the lease row that long.
  "set_config('idle_in_transaction_session_timeout', '60000', false) AS idle_timeout, " +
  "set_config('aurora_migrate.deadline', (floor(extract(epoch FROM clock_timestamp()) * 1000) + :budget)::bigint::text, false) AS deadline"
const RESET_TIMEOUT = 'RESET statement_timeout'
/** Returns a kept connection's session to how a new connection starts (it cannot run in a transaction). */
const RESET_SESSION = 'DISCARD ALL'
/**
 * Run before each statement of a transaction but the first: lowers statement_timeout (for the
 * transaction only) to the time left until the deadline, unless the migration set a smaller one itself.
 */
const REFRESH_TIMEOUT =
  "SELECT set_config('statement_timeout', b.budget::text, true) FROM " +
  "(SELECT greatest(1000, current_setting('aurora_migrate.deadline')::bigint - floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) AS budget) AS b, " +
  "pg_settings s WHERE s.name = 'statement_timeout' AND (s.setting::bigint = 0 OR s.setting::bigint > b.budget)"

interface Invocation {
  remaining(): number | undefined
  /** The statement budget set for this invocation, when there was a deadline. */
  timeoutMs?: number
  /** Extra words for the log line. */
  logDetail: string[]
}

export function createHandler(options: HandlerOptions = {}): RunnerHandler {
  const env = options.env ?? process.env
  const log = options.log ?? ((line: string) => console.log(line))
  let secretsClient = options.secretsClient
  let secret: Promise<Record<string, unknown>> | undefined
  let current: { url: string; tls: string; target: PostgresTarget } | undefined

  /** The secret, read once per container; a failed read is not kept, so the next invocation tries again. */
  function readSecret(arn: string): Promise<Record<string, unknown>> {
    if (!secret) {
      secretsClient ??= new SecretsManagerClient({
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true }
      })
      const reading = fetchSecret(secretsClient, arn)
      secret = reading
      reading.catch(() => {
        if (secret === reading) secret = undefined
      })
    }
    return secret
  }

  async function settings(): Promise<ConnectionSettings> {
    const secretArn = env.DB_SECRET_ARN?.trim()
    const databaseUrl = env.DATABASE_URL?.trim()
    if (secretArn && databaseUrl)
      throw new ConfigurationError('Both DB_SECRET_ARN and DATABASE_URL are set on the runner function; set only one.')
    if (secretArn) return settingsFromSecret(await readSecret(secretArn), env, secretArn)
    if (databaseUrl) return settingsFromUrl(databaseUrl, env)
    throw new ConfigurationError(
      'The runner function has no database: set DB_SECRET_ARN (an RDS secret: host, port, username, password, dbname) or DATABASE_URL (postgres://…) in its environment.'
    )
  }

  /** The container's target for these settings; `reused` when it was connected by an earlier invocation. */
  async function targetFor(found: ConnectionSettings): Promise<{ target: PostgresTarget; reused: boolean }> {
    if (current && current.url === found.url && current.tls === found.tls) return { target: current.target, reused: true }
    await dropTarget()
    const target = new PostgresTarget(found.url, { ssl: found.ssl, log: (message) => log(`postgres: ${message}`) })
    current = { url: found.url, tls: found.tls, target }
    return { target, reused: false }
  }

  async function dropTarget(): Promise<void> {
    const old = current
    current = undefined
    if (old) await old.target.close().catch(() => {})
  }

  /** A connection failure: forget the connection, and the secret when the password was refused (rotated). */
  async function connectionFailure(error: TransportError | CommitOutcomeUnknownError, target: PostgresTarget): Promise<void> {
    if (error instanceof TransportError && /^28/.test(error.code)) secret = undefined
    if (current?.target === target) await dropTarget()
  }

  /**
   * Runs the first call of an invocation. A connection kept from an earlier invocation may have died
   * while the container was frozen; nothing has run yet, so one more try on a new connection is safe.
   */
  async function firstCall<T>(reused: boolean, call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      if (!(error instanceof TransportError) || !reused) throw error
      return call()
    }
  }

  /** Resets a kept connection's session, then sets (or resets) statement_timeout for this invocation. */
  async function prepareSession(target: PostgresTarget, reused: boolean, invocation: Invocation): Promise<void> {
    let fresh = !reused
    const set = async (): Promise<void> => {
      if (!fresh) {
        await target.query(RESET_SESSION)
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

  function notEnoughTime(remaining: number): Failure {
    return new Failure(
      'CONNECTION',
      `Not enough time left: ${remaining} ms of this invocation remain and the runner needs at least ${MIN_REMAINING_MS} ms to run statements safely. Raise the function's Timeout.`,
      'time'
    )
  }

  /** Explains a statement stopped by the runner's own deadline. */
  function withTimeoutHint(info: SqlErrorInfo, invocation: Invocation): SqlErrorInfo {
    if (info.sqlState !== '57014' || invocation.timeoutMs === undefined || info.hint || !/statement timeout/i.test(info.message))
      return info
    return {
      ...info,
      hint:
        `The runner stops statements ${TIME_MARGIN_MS / 1000} s before its Lambda timeout (at most ${Math.round(invocation.timeoutMs / 1000)} s here). ` +
        "Raise the function's Timeout (at most 900 s) or split the version into smaller ones."
    }
  }

  async function ping(invocation: Invocation): Promise<RunnerResponse> {
    const { target, reused } = await targetFor(await settings())
    try {
      const result = await firstCall(reused, () => target.query('SHOW server_version'))
      const version = String(result.rows[0]?.server_version ?? '').split(' ')[0]
      invocation.logDetail.push(`server=${version}`)
      return { ok: true, protocol: RUNNER_PROTOCOL, runner: RUNNER_VERSION, server: `PostgreSQL ${version}` }
    } catch (error) {
      return rethrowAsFailure(error, target)
    }
  }

  async function query(sql: string, params: SqlParams | undefined, invocation: Invocation): Promise<RunnerResponse> {
    const { target, reused } = await targetFor(await settings())
    try {
      await prepareSession(target, reused, invocation)
    } catch (error) {
      return rethrowAsFailure(error, target)
    }
    try {
      const result = await target.query(sql, params)
      return fitResponse({ ok: true, ...result }, 'query', invocation)
    } catch (error) {
      if (error instanceof DatabaseError) return { ok: false, error: withTimeoutHint(error.info, invocation) }
      return rethrowAsFailure(error, target)
    }
  }

  async function transaction(statements: TxStatement[], resultsNeeded: boolean, invocation: Invocation): Promise<RunnerResponse> {
    const { target, reused } = await targetFor(await settings())
    try {
      await prepareSession(target, reused, invocation)
    } catch (error) {
      return rethrowAsFailure(error, target)
    }
    try {
      // With a deadline, each statement after the first is preceded by one that shortens statement_timeout to the time left.
      // Packed (resultsNeeded false), the transaction is one statement: the deadline set for the session bounds it whole.
      const result = await target.transaction(statements, {
        resultsNeeded,
        between: invocation.timeoutMs !== undefined ? REFRESH_TIMEOUT : undefined
      })
      if (!result.ok) return fitResponse({ ...result, error: withTimeoutHint(result.error, invocation) }, 'transaction', invocation)
      return fitResponse(result, 'transaction', invocation)
    } catch (error) {
      if (error instanceof DatabaseError) return { ok: false, failedIndex: 0, error: withTimeoutHint(error.info, invocation) }
      if (error instanceof CommitOutcomeUnknownError) {
        await connectionFailure(error, target)
        invocation.logDetail.push('cause=commit')
        return failure('COMMIT_UNKNOWN', error.message)
      }
      return rethrowAsFailure(error, target)
    }
  }

  /**
   * Lambda refuses a response over 6 MB with a function error, which would hide that the work was done.
   * An oversized query result is answered as an error; a committed transaction as COMMIT_UNKNOWN, which
   * sends the caller to the meta table where it finds the version applied. A refused guard's rows are dropped.
   */
  function fitResponse(response: RunnerResponse, op: 'query' | 'transaction', invocation: Invocation): RunnerResponse {
    const size = Buffer.byteLength(JSON.stringify(response))
    if (size <= RESPONSE_LIMIT) return response
    invocation.logDetail.push(`bytes=${size}`)
    const mb = (size / 1024 / 1024).toFixed(1)
    if (!response.ok && 'guardRows' in response) {
      // A refused guard rolled back: its rows only explain the refusal, and can go.
      const { guardRows: _dropped, ...rest } = response
      return {
        ...rest,
        error: { ...rest.error, message: `${rest.error.message} (The rows it returned, ${mb} MB, are too large to return.)` }
      }
    }
    if (op === 'query') {
      return {
        ok: false,
        error: { message: `The result is ${mb} MB, more than fits in a Lambda response (6 MB); select fewer rows or columns.` }
      }
    }
    return failure(
      'COMMIT_UNKNOWN',
      `The transaction committed, but its results (${mb} MB) do not fit in a Lambda response (6 MB); read the meta table to confirm, and avoid statements that return many rows.`
    )
  }

  /**
   * A connection-level error becomes a CONNECTION Failure (and the target is dropped); an SQL error here
   * can only come from the runner's own session setup. Anything else is a bug and is thrown as is.
   */
  async function rethrowAsFailure(error: unknown, target: PostgresTarget): Promise<never> {
    if (error instanceof Failure) throw error
    if (error instanceof TransportError) {
      await connectionFailure(error, target)
      throw new Failure('CONNECTION', error.message, error.code)
    }
    if (error instanceof DatabaseError) {
      throw new Failure('CONNECTION', `The runner could not prepare the session: ${error.message}`, error.info.sqlState ?? 'sql')
    }
    throw error
  }

  function checkTimeLeft(invocation: Invocation): void {
    const remaining = invocation.remaining()
    if (remaining !== undefined && remaining < MIN_REMAINING_MS) throw notEnoughTime(remaining)
  }

  async function answer(request: RunnerRequest, invocation: Invocation): Promise<RunnerResponse> {
    switch (request.op) {
      case 'ping':
        return ping(invocation)
      // Checked before the secret and the connection too: with too little time, nothing is started.
      case 'query':
        checkTimeLeft(invocation)
        return query(request.sql, request.params, invocation)
      case 'transaction':
        checkTimeLeft(invocation)
        return transaction(request.statements, request.resultsNeeded !== false, invocation)
    }
  }

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
        response = await answer(parsed.request, invocation)
      }
    } catch (error) {
      if (error instanceof ConfigurationError) {
        response = failure('CONNECTION', error.message)
        invocation.logDetail.push('cause=configuration', `reason=${JSON.stringify(error.message)}`)
      } else if (error instanceof Failure) {
        response = failure(error.code, error.message)
        if (error.logCause) invocation.logDetail.push(`cause=${error.logCause}`)
      } else {
        log(
          `op=${op} statements=${count} ms=${Date.now() - started} outcome=error type=${error instanceof Error ? error.name : typeof error}`
        )
        await dropTarget()
        throw error
      }
    }
    log(
      `op=${op} statements=${count} ms=${Date.now() - started} outcome=${outcome(response)}${invocation.logDetail.map((d) => ` ${d}`).join('')}`
    )
    return response
  }

  return Object.assign(handler, { close: dropTarget })
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
  if (error.code && ['BAD_REQUEST', 'UNSUPPORTED_PROTOCOL', 'CONNECTION', 'COMMIT_UNKNOWN'].includes(error.code)) return error.code
  return `sql-error sqlState=${error.sqlState ?? '-'}`
}
