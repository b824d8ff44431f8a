/**
 * Answering one request on the container's connection: a ping, a query, or a transaction, with the
 * invocation's deadline set first (session.ts). SQL errors are answered as data; connection failures
 * as CONNECTION (or COMMIT_UNKNOWN when COMMIT's reply was lost).
 */
import { CommitOutcomeUnknownError, DatabaseError, TransportError } from '../src/errors.js'
import { LAMBDA_PAYLOAD_LIMIT, RUNNER_PROTOCOL, type RunnerRequest, type RunnerResponse } from '../src/targets/runner-protocol.js'
import type { SqlParams, TxStatement } from '../src/targets/target.js'
import type { SqlErrorInfo } from '../src/errors.js'
import type { Connected, Container } from './container.js'
import { Failure, failureResponse } from './failure.js'
import { checkTimeLeft, firstCall, withTimeoutHint, type Invocation } from './session.js'
import { RUNNER_VERSION } from './version.js'

/** Room for the Lambda runtime's own framing of the response. */
const RESPONSE_LIMIT = LAMBDA_PAYLOAD_LIMIT - 16 * 1024

export async function answer(container: Container, request: RunnerRequest, invocation: Invocation): Promise<RunnerResponse> {
  switch (request.op) {
    case 'ping':
      return ping(container, invocation)
    // Checked before the secret and the connection too: with too little time, nothing is started.
    case 'query':
      checkTimeLeft(invocation)
      return query(container, request.sql, request.params, request.session, invocation)
    case 'transaction':
      checkTimeLeft(invocation)
      return transaction(container, request.statements, request.resultsNeeded !== false, invocation)
  }
}

async function ping(container: Container, invocation: Invocation): Promise<RunnerResponse> {
  const connected = await container.target()
  const { target, dialect, reused } = connected
  try {
    const version = await firstCall(reused, () => dialect.serverVersion(target))
    invocation.logDetail.push(`server=${version}`)
    return { ok: true, protocol: RUNNER_PROTOCOL, runner: RUNNER_VERSION, server: `${dialect.serverName} ${version}` }
  } catch (error) {
    return rethrowAsFailure(container, error, connected)
  }
}

async function query(
  container: Container,
  sql: string,
  params: SqlParams | undefined,
  session: string[] | undefined,
  invocation: Invocation
): Promise<RunnerResponse> {
  const connected = await container.target()
  const { target, dialect, reused } = connected
  try {
    await dialect.prepareSession(target, reused, invocation)
  } catch (error) {
    return rethrowAsFailure(container, error, connected)
  }
  try {
    // Session statements run first on the same connection, for this statement alone (the target resets after).
    const result = await target.query(sql, params, session ? { session } : undefined)
    return fitResponse({ ok: true, ...result }, 'query', invocation)
  } catch (error) {
    if (error instanceof DatabaseError) return { ok: false, error: withTimeoutHint(error.info, invocation, dialect.isStatementTimeout) }
    return rethrowAsFailure(container, error, connected)
  }
}

async function transaction(
  container: Container,
  statements: TxStatement[],
  resultsNeeded: boolean,
  invocation: Invocation
): Promise<RunnerResponse> {
  const connected = await container.target()
  const { target, dialect, reused } = connected
  try {
    await dialect.prepareSession(target, reused, invocation)
  } catch (error) {
    return rethrowAsFailure(container, error, connected)
  }
  const hinted = (info: SqlErrorInfo) => withTimeoutHint(info, invocation, dialect.isStatementTimeout)
  try {
    // The deadline bounds the whole transaction, not only each statement (the dialect's runner part says how).
    const result = await dialect.transaction(target, statements, resultsNeeded, invocation)
    if (!result.ok) return fitResponse({ ...result, error: hinted(result.error) }, 'transaction', invocation)
    return fitResponse(result, 'transaction', invocation)
  } catch (error) {
    if (error instanceof DatabaseError) return { ok: false, failedIndex: 0, error: hinted(error.info) }
    if (error instanceof CommitOutcomeUnknownError) {
      await container.connectionFailure(error, connected)
      invocation.logDetail.push('cause=commit')
      return failureResponse('COMMIT_UNKNOWN', error.message)
    }
    return rethrowAsFailure(container, error, connected)
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
  return failureResponse(
    'COMMIT_UNKNOWN',
    `The transaction committed, but its results (${mb} MB) do not fit in a Lambda response (6 MB); read the meta table to confirm, and avoid statements that return many rows.`
  )
}

/**
 * A connection-level error becomes a CONNECTION Failure (and the target is dropped); an SQL error here
 * can only come from the runner's own session setup. Anything else is a bug and is thrown as is.
 */
async function rethrowAsFailure(container: Container, error: unknown, connected: Connected): Promise<never> {
  if (error instanceof Failure) throw error
  if (error instanceof TransportError) {
    await container.connectionFailure(error, connected)
    throw new Failure('CONNECTION', error.message, error.code)
  }
  if (error instanceof DatabaseError) {
    throw new Failure('CONNECTION', `The runner could not prepare the session: ${error.message}`, error.info.sqlState ?? 'sql')
  }
  throw error
}
