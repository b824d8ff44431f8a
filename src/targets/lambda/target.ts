/**
 * The runner Lambda transport: each Target call is one synchronous Invoke of the runner (runner/),
 * which runs the SQL inside the VPC and answers in the runner protocol (runner-protocol.ts).
 *
 * The SDK client makes one attempt per call; retries are decided here per error class (retry.ts):
 * - Lambda refused to run the function (throttling, a function still Pending, its VPC network not
 *   ready): nothing ran, so any call is retried with backoff for up to 2 minutes.
 * - The function failed (a crash, a timeout, an answer over 6 MB), the reply was lost (or did not come
 *   within the client's request timeout, 16 minutes: aws-http.ts), or a 5xx: the function may have
 *   run. A query (idempotent by contract) is re-sent a few times; a transaction never is: it may have
 *   committed, and the engine settles that by reading the meta table (CommitOutcomeUnknownError). Nor
 *   is a long-running migration statement (`longRunning`): StatementOutcomeUnknownError.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { CommitOutcomeUnknownError, DatabaseError, StatementOutcomeUnknownError, TransportError, errorMessage } from '../../errors.js'
import { isConnectionTimeout, LAMBDA_REQUEST_TIMEOUT_MS, requestHandlerOptions } from '../aws-http.js'
import { backoffMs, classifyError, errorName, formatSeconds, withRetry, type RetryOptions } from '../retry.js'
import { LAMBDA_PAYLOAD_LIMIT, RUNNER_PROTOCOL, type RunnerRequest } from '../runner-protocol.js'
import type { QueryOptions, QueryResult, Row, SqlParams, Target, TransactionOptions, TransactionResult, TxStatement } from '../target.js'
import {
  API_HINTS,
  CODE_NEVER_RAN,
  FUNCTION_ERROR_HINTS,
  NOT_SENT,
  REFUSED_BEFORE_RUNNING,
  bare,
  functionErrorRetries,
  isObject,
  isQueryResult,
  readFunctionFailure,
  runnerFailure,
  sentence,
  sqlError,
  type FunctionFailure,
  type Reply
} from './answers.js'
import { parseFunctionName } from './function-name.js'
import { formatBytesExactly, preview, realSleep } from '../../text.js'

export interface LambdaTargetOptions {
  /** A function name, `name:alias`, or an ARN (full or partial), optionally ending with `:qualifier`. */
  functionName: string
  /** An alias or version, when `functionName` has none. */
  qualifier?: string
  log?: (msg: string) => void
  sleep?: (ms: number) => Promise<void>
  /** Clock for the retry deadline (tests pass a fake one together with `sleep`). */
  now?: () => number
  /** A number in [0, 1), for the jitter of backoffs. Default Math.random. */
  random?: () => number
  /** How long to keep retrying invocations Lambda refused before running the function. Default 120000 (2 min). */
  refusedTimeoutMs?: number
  /**
   * How long one Invoke may take before it counts as a lost reply. Default 960000 (16 min): a function
   * runs for at most 15 minutes. Ignored when `client` is given.
   */
  requestTimeoutMs?: number
  /** Overrides the endpoint the SDK would resolve (AWS_ENDPOINT_URL_LAMBDA works too). */
  endpoint?: string
  client?: LambdaClient
}

export function createLambdaTarget(options: LambdaTargetOptions): Target {
  return new LambdaTarget(options)
}

class LambdaTarget implements Target {
  readonly description: string
  /** `Lambda function <name>[:qualifier]`, for messages. */
  private readonly subject: string
  private readonly functionName: string
  private readonly qualifier: string | undefined
  private readonly client: LambdaClient
  private readonly ownsClient: boolean
  private readonly log: (msg: string) => void
  private readonly sleep: (ms: number) => Promise<void>
  private readonly random: () => number
  private readonly refusedTimeoutMs: number
  private readonly retry: Omit<RetryOptions, 'idempotent'>

  constructor(options: LambdaTargetOptions) {
    const identity = parseFunctionName(options.functionName)
    if (options.qualifier && identity.qualifier && options.qualifier !== identity.qualifier) {
      throw new TransportError(
        `The function name ${options.functionName} names qualifier ${identity.qualifier}, but qualifier ${options.qualifier} was given too.`,
        'InvalidParameterValueException',
        false
      )
    }
    this.functionName = options.functionName
    // Sent as a separate parameter only when the name does not carry it already.
    this.qualifier = identity.qualifier ? undefined : options.qualifier
    const qualifier = identity.qualifier ?? options.qualifier
    const shown = `${identity.name}${qualifier ? `:${qualifier}` : ''}`
    this.description = `lambda ${shown}`
    this.subject = `Lambda function ${shown}`
    this.log = options.log ?? (() => {})
    this.sleep = options.sleep ?? realSleep
    this.random = options.random ?? Math.random
    this.refusedTimeoutMs = options.refusedTimeoutMs ?? 120_000
    this.ownsClient = !options.client
    this.client =
      options.client ??
      new LambdaClient({
        maxAttempts: 1,
        requestHandler: requestHandlerOptions(options.requestTimeoutMs ?? LAMBDA_REQUEST_TIMEOUT_MS),
        // A function ARN names its region; anything else uses the SDK's (AWS_REGION).
        ...(identity.region ? { region: identity.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {})
      })
    this.retry = {
      sleep: this.sleep,
      now: options.now,
      random: this.random,
      throttleTimeoutMs: this.refusedTimeoutMs,
      service: `Lambda (function ${shown})`,
      log: this.log
    }
  }

  /**
   * With `longRunning` the statement runs within one invocation (the runner has up to 15 minutes) and
   * is never re-sent: only refusals before the function ran are retried. A failure that may have run
   * it (a function error, a lost reply, a 5xx) is StatementOutcomeUnknownError, as for a transaction
   * whose commit is in doubt; the engine settles it from the database.
   */
  async query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    const request: RunnerRequest = {
      protocol: RUNNER_PROTOCOL,
      op: 'query',
      sql,
      ...(params ? { params } : {}),
      // Run by the runner on the statement's connection first (a runner that predates `session` ignores it).
      ...(options?.session?.length ? { session: options.session } : {})
    }
    const longRunning = options?.longRunning !== undefined
    for (let attempt = 1; ; attempt++) {
      let reply: Reply
      try {
        // Only idempotent statements go through query() without longRunning, so a lost reply or a 5xx may be re-sent.
        reply = await this.invoke(request, !longRunning)
      } catch (error) {
        if (longRunning && !(error instanceof TransportError) && this.mayHaveRun(error)) {
          throw new StatementOutcomeUnknownError(
            `The invocation of ${this.subject} for a long-running statement got no answer (${errorName(error)}: ` +
              `${bare(errorMessage(error))}); the statement may have run, and may still be running.`,
            { cause: error, sql }
          )
        }
        throw this.translate(error)
      }
      if (reply.kind === 'function-error' && longRunning) {
        const failed = this.functionFailed(reply)
        if (CODE_NEVER_RAN.has(reply.errorType)) {
          throw new TransportError(`${failed.message} The runner's code never started: the statement did not run.`, reply.errorType, false)
        }
        throw new StatementOutcomeUnknownError(
          `${failed.message} It failed while running a long-running statement, which may have run (and may still be running).`,
          { cause: failed, sql }
        )
      }
      if (reply.kind === 'function-error') {
        if (attempt <= functionErrorRetries(reply.errorType)) {
          const wait = backoffMs(attempt, 1000, 5000, this.random)
          this.log(
            `${this.subject} failed (${reply.errorType}: ${bare(reply.errorMessage)}); the query is safe to repeat, retrying in ${formatSeconds(wait)}`
          )
          await this.sleep(wait)
          continue
        }
        throw this.functionFailed(reply)
      }
      const body = reply.body
      const failure = runnerFailure(body)
      if (failure) {
        const error = this.runnerFailed(failure)
        // A query commits nothing of the caller's: no outcome for the engine to settle.
        throw error instanceof CommitOutcomeUnknownError ? new TransportError(error.message, failure.code, false) : error
      }
      if (isObject(body) && body.ok === true && isQueryResult(body)) return { rows: body.rows as Row[], rowCount: body.rowCount }
      const info = isObject(body) && body.ok === false ? sqlError(body.error) : undefined
      if (info) throw new DatabaseError(info)
      throw new TransportError(this.notARunnerAnswer(reply.text), 'BAD_RESPONSE', false)
    }
  }

  async transaction(statements: TxStatement[], options: TransactionOptions = {}): Promise<TransactionResult> {
    // Nothing to run, nothing to commit: no invocation (the runner refuses an empty transaction).
    if (statements.length === 0) return { ok: true, results: [] }
    const packed = options.resultsNeeded === false
    const request: RunnerRequest = packed
      ? { protocol: RUNNER_PROTOCOL, op: 'transaction', statements, resultsNeeded: false }
      : { protocol: RUNNER_PROTOCOL, op: 'transaction', statements }
    let reply: Reply
    try {
      // Never re-sent after anything that may have run it: throttling and "not ready" alone are retried.
      reply = await this.invoke(request, false)
    } catch (error) {
      if (error instanceof TransportError) throw error
      if (this.mayHaveRun(error)) {
        throw new CommitOutcomeUnknownError(
          `The invocation of ${this.subject} for a transaction got no answer (${errorName(error)}: ${bare(errorMessage(error))}); ` +
            'the runner may have committed it.',
          { cause: error }
        )
      }
      throw this.translate(error, ' Nothing of the transaction ran.')
    }

    if (reply.kind === 'function-error') {
      const failed = this.functionFailed(reply)
      if (CODE_NEVER_RAN.has(reply.errorType)) {
        throw new TransportError(
          `${failed.message} The runner's code never started: nothing of the transaction ran.`,
          reply.errorType,
          false
        )
      }
      // A timeout or crash may have come after COMMIT, and an answer too large to return follows it.
      throw new CommitOutcomeUnknownError(`${failed.message} It failed during a transaction, which may have been committed.`, {
        cause: failed
      })
    }

    const body = reply.body
    const failure = runnerFailure(body)
    if (failure) throw this.runnerFailed(failure)
    if (
      isObject(body) &&
      body.ok === true &&
      Array.isArray(body.results) &&
      // Packed, the runner answers no results (one that predates packing answers them all).
      (body.results.length === statements.length || (packed && body.results.length === 0)) &&
      body.results.every(isQueryResult)
    ) {
      if (packed) return { ok: true, results: [] }
      return { ok: true, results: (body.results as QueryResult[]).map((r) => ({ rows: r.rows, rowCount: r.rowCount })) }
    }
    const info = isObject(body) && body.ok === false ? sqlError(body.error) : undefined
    if (info && isObject(body) && typeof body.failedIndex === 'number') {
      const failed: TransactionResult = { ok: false, failedIndex: body.failedIndex, error: info }
      // A runner older than these fields leaves them out: the failure's place is then unknown, and the
      // engine takes it for the version's own failure.
      if (body.phase === 'statement' || body.phase === 'commit') failed.phase = body.phase
      if (typeof body.failedLabel === 'string') failed.failedLabel = body.failedLabel
      if (body.guard === true) failed.guard = true
      if (Array.isArray(body.guardRows)) failed.guardRows = body.guardRows.filter(isObject) as Row[]
      return failed
    }
    // The function ran to its end but the answer is not one we can read: it may have committed.
    throw new CommitOutcomeUnknownError(`${this.notARunnerAnswer(reply.text)} Whether the transaction was committed is unknown.`)
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy()
  }

  /** One synchronous Invoke, retried while Lambda refuses to run the function (and for `idempotent` calls, after 5xx/network failures). */
  private async invoke(request: RunnerRequest, idempotent: boolean): Promise<Reply> {
    const payload = Buffer.from(JSON.stringify(request), 'utf8')
    if (payload.length > LAMBDA_PAYLOAD_LIMIT) {
      throw new TransportError(
        `The ${request.op} request for ${this.subject} is ${formatBytesExactly(payload.length)}; Lambda takes at most 6 MB ` +
          `(${LAMBDA_PAYLOAD_LIMIT.toLocaleString('en-US')} bytes) per synchronous invocation. Nothing was sent.`,
        'PAYLOAD_TOO_LARGE',
        false
      )
    }
    const output = await withRetry(
      () =>
        this.client.send(
          new InvokeCommand({
            FunctionName: this.functionName,
            Qualifier: this.qualifier,
            InvocationType: 'RequestResponse',
            Payload: payload
          })
        ),
      { ...this.retry, idempotent }
    )
    const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : ''
    if (output.FunctionError) return { kind: 'function-error', ...readFunctionFailure(output.FunctionError, text) }
    try {
      return { kind: 'answer', body: JSON.parse(text) as unknown, text }
    } catch {
      return { kind: 'answer', body: undefined, text }
    }
  }

  /** Whether an Invoke that threw may have run the function: a lost reply, a 5xx that is not a refusal. */
  private mayHaveRun(error: unknown): boolean {
    if (classifyError(error) !== 'transient') return false
    if (REFUSED_BEFORE_RUNNING.has(errorName(error))) return false
    const code = (error as { code?: unknown } | null)?.code
    return !NOT_SENT.test(`${typeof code === 'string' ? code : ''} ${errorMessage(error)}`) && !isConnectionTimeout(error)
  }

  private functionFailed(failure: FunctionFailure): TransportError {
    const hint = FUNCTION_ERROR_HINTS[failure.errorType]
    return new TransportError(
      `${this.subject} failed: ${failure.errorType}: ${sentence(failure.errorMessage)}${hint ? ` ${hint}` : ' See its CloudWatch logs.'}`,
      failure.errorType,
      false
    )
  }

  private runnerFailed(failure: { code: string; message: string }): TransportError | CommitOutcomeUnknownError {
    switch (failure.code) {
      case 'UNSUPPORTED_PROTOCOL':
        return new TransportError(
          `${this.subject} does not speak runner protocol ${RUNNER_PROTOCOL} (${bare(failure.message)}). Update the runner: ` +
            'redeploy runner.zip (dist/runner) from the same release as the action.',
          failure.code,
          false
        )
      case 'BAD_REQUEST':
        return new TransportError(
          `${this.subject} refused the request as malformed (${bare(failure.message)}). This is a bug in aurora-migrate: please report it.`,
          failure.code,
          false
        )
      case 'CONNECTION':
        return new TransportError(
          `${this.subject}: the runner could not reach the database: ${sentence(failure.message)} ` +
            "Check the runner's security group and subnets, and its DB_SECRET_ARN or DATABASE_URL.",
          failure.code,
          false
        )
      case 'COMMIT_UNKNOWN':
        return new CommitOutcomeUnknownError(
          `${this.subject} lost its connection to the database during COMMIT (${bare(failure.message)}); whether the transaction was committed is unknown.`
        )
      default:
        return new TransportError(
          `${this.subject} answered an error this action does not know: ${failure.code}: ${sentence(failure.message)}`,
          failure.code,
          false
        )
    }
  }

  private notARunnerAnswer(text: string): string {
    return (
      `${this.subject} answered something that is not a runner protocol ${RUNNER_PROTOCOL} answer: ${preview(text) || '(empty)'}. ` +
      'Check that lambda-function names the aurora-migrate runner, deployed from the same release as the action.'
    )
  }

  private translate(error: unknown, suffix = ''): TransportError {
    if (error instanceof TransportError) return error
    const kind = classifyError(error)
    const code = (error as { code?: unknown } | null)?.code
    const name = errorName(error) === 'Error' && typeof code === 'string' ? code : errorName(error)
    const message = errorMessage(error)
    if (kind === 'throttled' || kind === 'not-ready') {
      const hint =
        kind === 'throttled'
          ? "Its concurrency is used up: wait for other invocations to finish, or raise the function's reserved concurrency."
          : `The function is not ready (being created or updated, or its VPC network is not available): check it with aws lambda get-function --function-name ${this.functionName}.`
      return new TransportError(
        `Lambda refused to run ${this.subject.replace(/^Lambda /, '')} for ${formatSeconds(this.refusedTimeoutMs)} (${name}: ${bare(message)}). ${hint}${suffix}`,
        name,
        false,
        { cause: error }
      )
    }
    const hint = API_HINTS[name]?.(this.functionName)
    return new TransportError(
      `Invoking ${this.subject} failed (${name}): ${sentence(message)}${hint ? ` ${hint}` : ''}${suffix}`,
      name,
      false,
      {
        cause: error
      }
    )
  }
}
