/**
 * A local Lambda Invoke endpoint for the tests. The real `@aws-sdk/client-lambda` talks to it over
 * HTTP (pass `endpoint` to the client or set AWS_ENDPOINT_URL_LAMBDA):
 * `POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=…]`.
 *
 * It answers like the service (see /work/shared/data-api-facts.md): a function error is HTTP 200 with
 * `X-Amz-Function-Error: Unhandled` and `{"errorType","errorMessage","trace"}`; a function that runs
 * longer than its timeout answers `Sandbox.Timedout` while its work goes on in the background (a
 * frozen sandbox's work may already have reached the database); payloads are limited to 6 MB each
 * way; API errors carry `x-amzn-ErrorType`. Handlers run in-process, each invocation in a sandbox
 * of its own: an idle sandbox is reused (warm), a busy one never, and one that timed out or crashed
 * is thrown away. Faults (throttling, a Pending function, API errors, crashes, timeouts, dropped
 * replies, replies that never come) are injected per call and every call is recorded in `calls`.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import { readBody, startEmulatorServer } from './emulator-server.js'

/** Lambda's limit for a synchronous request and response payload. */
export const PAYLOAD_LIMIT = 6 * 1024 * 1024
/** The limit the service names in its ResponseSizeTooLarge message (sic: not 6291456). */
const RESPONSE_LIMIT_IN_MESSAGE = 6_291_556
const DEFAULT_TIMEOUT_MS = 900_000

export interface LambdaContext {
  functionName: string
  functionVersion: string
  invokedFunctionArn: string
  memoryLimitInMB: string
  awsRequestId: string
  logGroupName: string
  logStreamName: string
  callbackWaitsForEmptyEventLoop: boolean
  getRemainingTimeInMillis(): number
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown>

export interface EmulatedFunction {
  /** One handler shared by every sandbox (it must cope with concurrent invocations). */
  handler?: LambdaHandler
  /** A new handler per sandbox, as a cold start loads the module anew. */
  sandbox?: () => LambdaHandler
  /** Called for each sandbox's handler when the emulator stops. */
  dispose?: (handler: LambdaHandler) => Promise<void> | void
  /** The function's timeout. Default 900000 (15 minutes, the maximum). */
  timeoutMs?: number
  /** What X-Amz-Executed-Version answers. Default $LATEST. */
  version?: string
}

export type LambdaFaultKind =
  'throttle' | 'pending' | 'error' | 'unhandled' | 'timeout' | 'drop-before' | 'drop-after' | 'hang-before' | 'hang-after'

export interface LambdaCall {
  /** 1-based number of the request, counting every request the emulator received. */
  n: number
  /** `op` of the (runner protocol) payload, when it has one. */
  op?: string
  /** The function's name, as resolved from a name or ARN (without the qualifier). */
  function?: string
  qualifier?: string
  invocationType: string
  payloadBytes: number
  /** The injected fault that answered this call, if any. */
  fault?: LambdaFaultKind
  /** HTTP status answered; undefined when the connection was dropped without a reply. */
  status?: number
  /** The API error answered (x-amzn-ErrorType), when the call failed. */
  error?: string
  /** The errorType of a function error (X-Amz-Function-Error). */
  functionError?: string
  /** True once the handler was started for this call. */
  ran: boolean
}

/** Which call a fault applies to: all given fields must match; none given is the next call. */
export interface CallMatch {
  /** 1-based call number. */
  at?: number
  /** Function name (or `name:qualifier`). */
  function?: string
  /** `op` of the payload. */
  op?: string
}

export interface LambdaFaultPlan {
  /** The next `calls` matching calls answer 429 TooManyRequestsException with Retry-After. */
  throttle(options: { calls: number; function?: string; retryAfterSeconds?: number }): void
  /** The next `calls` matching calls answer 409 ResourceConflictException: the function is Pending. */
  pending(options: { calls: number; function?: string }): void
  /** The matching call answers this API error instead of running (AccessDeniedException, ServiceException, …). */
  error(options: CallMatch & { status: number; name: string; message?: string }): void
  /** The function crashes before its handler runs: an Unhandled function error. */
  unhandled(options: CallMatch & { errorType?: string; errorMessage?: string }): void
  /**
   * The invocation answers Sandbox.Timedout `afterMs` (default 0) after its handler started, whether or
   * not the handler is done by then; the handler is not stopped.
   */
  timeout(options: CallMatch & { afterMs?: number }): void
  /** No reply: the socket is destroyed before the handler runs, or after it finished. */
  drop(options: CallMatch & { when: 'before' | 'after' }): void
  /**
   * The invocation is accepted and never answered, before its handler runs or after it finished: the
   * connection stays open until the client gives up on it or the emulator stops.
   */
  hang(options: CallMatch & { when: 'before' | 'after' }): void
  /** Forgets every fault not fired yet. */
  clear(): void
}

export interface LambdaEmulatorOptions {
  /** By function name, or `name:qualifier` for an alias or version of it. */
  functions: Record<string, EmulatedFunction>
  region?: string
  accountId?: string
  /** Added to every invocation before it is answered, like a network round trip to a region. Default 0. */
  latencyMs?: number
}

export interface LambdaEmulator {
  endpoint: string
  region: string
  accountId: string
  calls: LambdaCall[]
  faults: LambdaFaultPlan
  /** The function's ARN, as the service names it in messages. */
  arn(name: string, qualifier?: string): string
  /** Handlers still running, including those whose invocation already timed out or lost its reply. */
  running(): number
  /** Resolves when no handler is running. */
  settled(): Promise<void>
  stop(): Promise<void>
}

// ---------------------------------------------------------------------------------------------
// Errors answered to the client
// ---------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

interface FunctionErrorBody {
  errorType: string
  errorMessage: string
  trace: string[]
}

function errorBody(error: unknown): FunctionErrorBody {
  if (error instanceof Error) {
    return { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') }
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] }
}

// ---------------------------------------------------------------------------------------------
// Function names
// ---------------------------------------------------------------------------------------------

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/
const NAME = '[A-Za-z0-9_-]{1,64}'
const QUALIFIER = '(?:\\$LATEST|[A-Za-z0-9_-]{1,128})'
const FULL_ARN = new RegExp(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:(${NAME})(?::(${QUALIFIER}))?$`)
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:(${NAME})(?::(${QUALIFIER}))?$`)
const PLAIN = new RegExp(`^(${NAME})(?::(${QUALIFIER}))?$`)

interface ResolvedName {
  name: string
  qualifier?: string
  region?: string
  accountId?: string
}

function parseName(functionName: string): ResolvedName | undefined {
  const full = FULL_ARN.exec(functionName)
  if (full) return { region: full[1], accountId: full[2], name: full[3], qualifier: full[4] }
  const partial = PARTIAL_ARN.exec(functionName)
  if (partial) return { accountId: partial[1], name: partial[2], qualifier: partial[3] }
  const plain = PLAIN.exec(functionName)
  if (plain) return { name: plain[1], qualifier: plain[2] }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

type Fault =
  | { kind: 'error'; match: CallMatch; status: number; name: string; message?: string }
  | { kind: 'unhandled'; match: CallMatch; errorType?: string; errorMessage?: string }
  | { kind: 'timeout'; match: CallMatch; afterMs?: number }
  | { kind: 'drop'; match: CallMatch; when: 'before' | 'after' }
  | { kind: 'hang'; match: CallMatch; when: 'before' | 'after' }

interface CountedFault {
  remaining: number
  function?: string
  retryAfterSeconds?: number
}

interface CallIdentity {
  n: number
  name: string
  qualifier?: string
  op?: string
}

function functionMatches(wanted: string | undefined, call: CallIdentity): boolean {
  return wanted === undefined || wanted === call.name || wanted === `${call.name}:${call.qualifier ?? ''}`
}

function matches(match: CallMatch, call: CallIdentity): boolean {
  return (
    (match.at === undefined || match.at === call.n) &&
    functionMatches(match.function, call) &&
    (match.op === undefined || match.op === call.op)
  )
}

/** Consumes one call of the first counted fault that applies. */
function takeCounted(faults: CountedFault[], call: CallIdentity): CountedFault | undefined {
  const fault = faults.find((f) => f.remaining > 0 && functionMatches(f.function, call))
  if (fault) fault.remaining--
  return fault
}

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

interface Sandbox {
  handler: LambdaHandler
  busy: boolean
}

interface FunctionState {
  key: string
  config: EmulatedFunction
  idle: Sandbox[]
  all: Set<Sandbox>
}

type Outcome = { kind: 'result'; payload: string } | { kind: 'function-error'; body: FunctionErrorBody }

export async function startLambdaEmulator(options: LambdaEmulatorOptions): Promise<LambdaEmulator> {
  const region = options.region ?? 'us-east-1'
  const accountId = options.accountId ?? '123456789012'
  const latencyMs = options.latencyMs ?? 0
  const states = new Map<string, FunctionState>()
  for (const [key, config] of Object.entries(options.functions)) {
    if (!config.handler === !config.sandbox) throw new Error(`Emulated function ${key}: give exactly one of handler and sandbox`)
    states.set(key, { key, config, idle: [], all: new Set() })
  }

  const calls: LambdaCall[] = []
  const running = new Set<Promise<unknown>>()
  let callCount = 0
  let throttles: CountedFault[] = []
  let pendings: CountedFault[] = []
  let faults: Fault[] = []

  const arn = (name: string, qualifier?: string) =>
    `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`

  const faultPlan: LambdaFaultPlan = {
    throttle: ({ calls: n, function: fn, retryAfterSeconds }) => {
      throttles.push({ remaining: n, function: fn, retryAfterSeconds })
    },
    pending: ({ calls: n, function: fn }) => {
      pendings.push({ remaining: n, function: fn })
    },
    error: ({ status, name, message, ...match }) => {
      faults.push({ kind: 'error', match, status, name, message })
    },
    unhandled: ({ errorType, errorMessage, ...match }) => {
      faults.push({ kind: 'unhandled', match, errorType, errorMessage })
    },
    timeout: ({ afterMs, ...match }) => {
      faults.push({ kind: 'timeout', match, afterMs })
    },
    drop: ({ when, ...match }) => {
      faults.push({ kind: 'drop', match, when })
    },
    hang: ({ when, ...match }) => {
      faults.push({ kind: 'hang', match, when })
    },
    clear: () => {
      throttles = []
      pendings = []
      faults = []
    }
  }

  function takeFault<K extends Fault['kind']>(
    kind: K,
    call: CallIdentity,
    extra: (f: Extract<Fault, { kind: K }>) => boolean = () => true
  ) {
    const index = faults.findIndex((f) => f.kind === kind && matches(f.match, call) && extra(f as Extract<Fault, { kind: K }>))
    if (index < 0) return undefined
    return faults.splice(index, 1)[0] as Extract<Fault, { kind: K }>
  }

  function track<T>(promise: Promise<T>): Promise<T> {
    running.add(promise)
    const forget = () => running.delete(promise)
    promise.then(forget, forget)
    return promise
  }

  function lookup(name: string, qualifier: string | undefined): FunctionState | undefined {
    return qualifier && qualifier !== '$LATEST' ? states.get(`${name}:${qualifier}`) : states.get(name)
  }

  function acquireSandbox(state: FunctionState): Sandbox {
    const warm = state.idle.shift()
    const sandbox = warm ?? { handler: state.config.handler ?? state.config.sandbox!(), busy: false }
    sandbox.busy = true
    state.all.add(sandbox)
    return sandbox
  }

  /** A sandbox goes back to the pool after a clean invocation; after a timeout or crash it is discarded once its work ends. */
  function releaseSandbox(state: FunctionState, sandbox: Sandbox, reuse: boolean): void {
    sandbox.busy = false
    if (reuse && !server.stopped) state.idle.push(sandbox)
  }

  /** Runs the handler in a sandbox; `answerAfterMs` forces a Sandbox.Timedout answer that early (the timeout fault). */
  async function runHandler(
    state: FunctionState,
    name: string,
    qualifier: string | undefined,
    event: unknown,
    answerAfterMs?: number
  ): Promise<Outcome> {
    const timeoutMs = state.config.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const requestId = randomUUID()
    const started = Date.now()
    const context: LambdaContext = {
      functionName: name,
      functionVersion: state.config.version ?? '$LATEST',
      invokedFunctionArn: arn(name, qualifier),
      memoryLimitInMB: '256',
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${new Date(started).toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, started + timeoutMs - Date.now())
    }
    const sandbox = acquireSandbox(state)
    const work: Promise<Outcome> = track(
      Promise.resolve()
        .then(() => sandbox.handler(event, context))
        .then(
          (result): Outcome => {
            let payload: string
            try {
              payload = JSON.stringify(result === undefined ? null : result)
            } catch (error) {
              return {
                kind: 'function-error',
                body: { errorType: 'Runtime.MarshalError', errorMessage: `Unable to marshal response: ${String(error)}`, trace: [] }
              }
            }
            if (Buffer.byteLength(payload) > PAYLOAD_LIMIT) {
              return {
                kind: 'function-error',
                body: {
                  errorType: 'Function.ResponseSizeTooLarge',
                  errorMessage: `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT_IN_MESSAGE} bytes).`,
                  trace: []
                }
              }
            }
            return { kind: 'result', payload }
          },
          (error: unknown): Outcome => ({ kind: 'function-error', body: errorBody(error) })
        )
    )
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), answerAfterMs ?? timeoutMs)
      timer.unref()
    })
    // A forced timeout answers Sandbox.Timedout even when the handler happens to be done sooner.
    const first = answerAfterMs !== undefined ? await timedOut : await Promise.race([work, timedOut])
    clearTimeout(timer)
    if (first === 'timed out') {
      // The sandbox is frozen and thrown away; what the handler had started goes on in the background.
      work.then(
        () => releaseSandbox(state, sandbox, false),
        () => releaseSandbox(state, sandbox, false)
      )
      return {
        kind: 'function-error',
        body: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
          trace: []
        }
      }
    }
    // A handler that threw leaves its sandbox usable in Node (the runtime catches it); reuse it.
    releaseSandbox(state, sandbox, true)
    return first
  }

  function send(res: http.ServerResponse, call: LambdaCall, status: number, body: string, headers: Record<string, string> = {}) {
    call.status = status
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-amzn-requestid': randomUUID(),
      ...headers
    })
    res.end(body)
  }

  function sendError(res: http.ServerResponse, call: LambdaCall, error: ApiError) {
    call.error = error.type
    send(
      res,
      call,
      error.status,
      JSON.stringify({ Type: error.status >= 500 ? 'Service' : 'User', message: error.message, ...error.extra }),
      {
        'x-amzn-ErrorType': error.type,
        ...error.headers
      }
    )
  }

  function sendOutcome(res: http.ServerResponse, call: LambdaCall, outcome: Outcome, version: string) {
    const headers: Record<string, string> = { 'X-Amz-Executed-Version': version }
    if (outcome.kind === 'result') return send(res, call, 200, outcome.payload, headers)
    call.functionError = outcome.body.errorType
    send(res, call, 200, JSON.stringify(outcome.body), { ...headers, 'X-Amz-Function-Error': 'Unhandled' })
  }

  /** Holds an invocation (a `hang` fault) without answering until the client closes the connection or the emulator stops. */
  const hold = (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => server.hold(req, res)

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const n = ++callCount
    const url = new URL(req.url ?? '/', 'http://emulator')
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse')
    const call: LambdaCall = { n, invocationType, payloadBytes: 0, ran: false }
    calls.push(call)
    const { body, size } = await readBody(req, PAYLOAD_LIMIT)
    call.payloadBytes = size
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))

    const path = INVOKE_PATH.exec(url.pathname)
    if (req.method !== 'POST' || !path) {
      return sendError(res, call, new ApiError(404, 'UnknownOperationException', `Unknown operation ${req.method} ${url.pathname}`))
    }
    const functionName = decodeURIComponent(path[1])
    const parsed = parseName(functionName)
    const queryQualifier = url.searchParams.get('Qualifier') ?? undefined
    if (parsed) {
      call.function = parsed.name
      call.qualifier = parsed.qualifier ?? queryQualifier
    }
    if (size > PAYLOAD_LIMIT) {
      return sendError(
        res,
        call,
        new ApiError(
          413,
          'RequestTooLargeException',
          `Request must be smaller than ${PAYLOAD_LIMIT} bytes for the InvokeFunction operation`
        )
      )
    }
    if (!parsed) {
      return sendError(
        res,
        call,
        new ApiError(
          400,
          'ValidationException',
          `1 validation error detected: Value '${functionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`
        )
      )
    }
    if (parsed.qualifier && queryQualifier && parsed.qualifier !== queryQualifier) {
      return sendError(
        res,
        call,
        new ApiError(
          400,
          'InvalidParameterValueException',
          'The derived qualifier from the function name does not match the specified version or alias.'
        )
      )
    }
    const qualifier = parsed.qualifier ?? queryQualifier
    const state =
      (parsed.region ?? region) === region && (parsed.accountId ?? accountId) === accountId ? lookup(parsed.name, qualifier) : undefined
    if (!state) {
      return sendError(
        res,
        call,
        new ApiError(
          404,
          'ResourceNotFoundException',
          `Function not found: arn:aws:lambda:${parsed.region ?? region}:${parsed.accountId ?? accountId}:function:${parsed.name}${qualifier ? `:${qualifier}` : ''}`
        )
      )
    }

    let event: unknown = {}
    if (body.length > 0) {
      try {
        event = JSON.parse(body.toString('utf8'))
      } catch (error) {
        return sendError(
          res,
          call,
          new ApiError(
            400,
            'InvalidRequestContentException',
            `Could not parse request body into json: Could not parse payload into json: ${String((error as Error).message)}`
          )
        )
      }
    }
    const op =
      event && typeof event === 'object' && typeof (event as { op?: unknown }).op === 'string' ? (event as { op: string }).op : undefined
    call.op = op
    const identity: CallIdentity = { n, name: parsed.name, qualifier, op }

    // Injected faults: the service answers before the function runs.
    const throttled = takeCounted(throttles, identity)
    if (throttled) {
      call.fault = 'throttle'
      return sendError(
        res,
        call,
        new ApiError(
          429,
          'TooManyRequestsException',
          'Rate Exceeded.',
          { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
          { 'Retry-After': String(throttled.retryAfterSeconds ?? 1) }
        )
      )
    }
    if (takeCounted(pendings, identity)) {
      call.fault = 'pending'
      return sendError(
        res,
        call,
        new ApiError(
          409,
          'ResourceConflictException',
          'The operation cannot be performed at this time. The function is currently in the following state: Pending'
        )
      )
    }
    const apiFault = takeFault('error', identity)
    if (apiFault) {
      call.fault = 'error'
      return sendError(res, call, new ApiError(apiFault.status, apiFault.name, apiFault.message ?? `${apiFault.name} (injected)`))
    }
    if (takeFault('drop', identity, (f) => f.when === 'before')) {
      call.fault = 'drop-before'
      req.socket.destroy()
      return
    }
    if (takeFault('hang', identity, (f) => f.when === 'before')) {
      call.fault = 'hang-before'
      return hold(req, res)
    }
    const version = state.config.version ?? '$LATEST'
    const crash = takeFault('unhandled', identity)
    if (crash) {
      call.fault = 'unhandled'
      return sendOutcome(
        res,
        call,
        {
          kind: 'function-error',
          body: {
            errorType: crash.errorType ?? 'Runtime.ExitError',
            errorMessage: crash.errorMessage ?? `RequestId: ${randomUUID()} Error: Runtime exited with error: signal: killed`,
            trace: []
          }
        },
        version
      )
    }

    if (invocationType === 'DryRun') return send(res, call, 204, '')
    if (invocationType === 'Event') {
      call.ran = true
      void runHandler(state, parsed.name, qualifier, event)
      return send(res, call, 202, '')
    }
    if (invocationType !== 'RequestResponse') {
      return sendError(res, call, new ApiError(400, 'InvalidParameterValueException', `Unsupported invocation type: ${invocationType}`))
    }

    const timeoutFault = takeFault('timeout', identity)
    if (timeoutFault) call.fault = 'timeout'
    call.ran = true
    const outcome = await runHandler(state, parsed.name, qualifier, event, timeoutFault ? (timeoutFault.afterMs ?? 0) : undefined)
    if (takeFault('drop', identity, (f) => f.when === 'after')) {
      call.fault = 'drop-after'
      if (outcome.kind === 'function-error') call.functionError = outcome.body.errorType
      req.socket.destroy()
      return
    }
    if (takeFault('hang', identity, (f) => f.when === 'after')) {
      call.fault = 'hang-after'
      if (outcome.kind === 'function-error') call.functionError = outcome.body.errorType
      return hold(req, res)
    }
    sendOutcome(res, call, outcome, version)
  }

  const server = await startEmulatorServer(handle, { errorType: 'ServiceException', body: (message) => ({ Type: 'Service', message }) })

  async function settled(): Promise<void> {
    while (running.size > 0) await Promise.allSettled([...running])
  }

  return {
    endpoint: server.endpoint,
    region,
    accountId,
    calls,
    faults: faultPlan,
    arn,
    running: () => running.size,
    settled,
    async stop() {
      await server.close()
      let grace: NodeJS.Timeout | undefined
      await Promise.race([
        settled(),
        new Promise((resolve) => {
          grace = setTimeout(resolve, 5000)
        })
      ])
      clearTimeout(grace)
      for (const state of states.values()) {
        const dispose = state.config.dispose
        if (!dispose) continue
        const handlers = new Set([...state.all].map((s) => s.handler))
        for (const handler of handlers) await Promise.resolve(dispose(handler)).catch(() => {})
      }
    }
  }
}
