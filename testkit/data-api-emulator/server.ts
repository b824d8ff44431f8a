/**
 * The RDS Data API emulator's HTTP front, shared by its database backends (backend.ts): restJson1 routing,
 * request size limits, injected faults (faults.ts) answered before a call reaches the database, the response
 * size limit, error envelopes and the call log. The operations themselves are operations.ts; what a statement
 * does and how its result reads is the backend's.
 */
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import { readBody as readLimitedBody, startEmulatorServer } from '../emulator-server.js'
import type { DataApiBackend } from './backend.js'
import { createFaults, type FaultPlan } from './faults.js'
import { createOperations } from './operations.js'
import {
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  OPERATIONS,
  ServiceError,
  badRequest,
  type DataApiOperation,
  type EmulatorCall,
  type ReplyBody
} from './protocol.js'

export interface DataApiServerOptions {
  resourceArn?: string
  secretArn?: string
  /** A transaction with no call for this long is rolled back and forgotten. Default 180000 (3 min). */
  idleTransactionTimeoutMs?: number
  /** A call running longer than this answers StatementTimeoutException. Default 45000. */
  statementTimeoutMs?: number
  /** The clock of `resumingFor` windows (tests pass the fake clock their target sleeps on). Default Date.now. */
  clock?: () => number
  /** Added to every call before it is answered, like a network round trip to a region (the bench uses 25). Default 0. */
  latencyMs?: number
}

export interface DataApiEmulator {
  endpoint: string
  resourceArn: string
  secretArn: string
  calls: EmulatorCall[]
  faults: FaultPlan
  /** Open transactions (for assertions). */
  openTransactions(): number
  stop(): Promise<void>
}

export async function startDataApiServer<C, S, R>(
  backend: DataApiBackend<C, S, R>,
  options: DataApiServerOptions
): Promise<DataApiEmulator> {
  const resourceArn = options.resourceArn ?? 'arn:aws:rds:us-east-1:123456789012:cluster:emulated-cluster'
  const secretArn = options.secretArn ?? 'arn:aws:secretsmanager:us-east-1:123456789012:secret:emulated-cluster-secret-AbCdEf'
  const idleTransactionTimeoutMs = options.idleTransactionTimeoutMs ?? 180_000
  const clock = options.clock ?? Date.now
  const statementTimeoutMs = options.statementTimeoutMs ?? 45_000
  const latencyMs = options.latencyMs ?? 0

  const calls: EmulatorCall[] = []
  const faults = createFaults(clock)
  const operations = createOperations(backend, { resourceArn, secretArn, idleTransactionTimeoutMs, statementTimeoutMs })
  const handlers = operations.handlers
  let callCount = 0

  /** The request's body, and whether the request (its headers counted) is over the service's limit. */
  async function readBody(req: http.IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
    let headerBytes = 0
    for (let i = 0; i < req.rawHeaders.length; i++) headerBytes += Buffer.byteLength(req.rawHeaders[i]) + 2
    const { body, size } = await readLimitedBody(req, MAX_REQUEST_BYTES - headerBytes)
    return { text: body.toString('utf8'), tooLarge: size + headerBytes > MAX_REQUEST_BYTES }
  }

  function send(res: http.ServerResponse, call: EmulatorCall, status: number, body: ReplyBody, errorType?: string) {
    call.status = status
    call.answeredAt = Date.now()
    if (errorType) call.error = errorType
    const payload = JSON.stringify(body)
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      'x-amzn-requestid': randomBytes(16).toString('hex')
    }
    if (errorType) headers['x-amzn-ErrorType'] = errorType
    res.writeHead(status, headers)
    res.end(payload)
  }

  function sendError(res: http.ServerResponse, call: EmulatorCall, error: ServiceError) {
    send(res, call, error.status, { message: error.message, ...error.extra }, error.type)
  }

  /** Holds a call (a `hang` fault) without answering until the client closes the connection or the emulator stops. */
  const hold = (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => server.hold(req, res)

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const n = ++callCount
    const path = (req.url ?? '/').split('?')[0]
    const op = OPERATIONS[path] ?? path
    const call: EmulatorCall = { n, op, receivedAt: Date.now() }
    calls.push(call)
    const { text, tooLarge } = await readBody(req)
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
    let body: Record<string, unknown> = {}
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
    } catch {
      if (!tooLarge) return sendError(res, call, new ServiceError(400, 'SerializationException', 'Malformed JSON'))
    }
    if (typeof body.sql === 'string') call.sql = body.sql
    if (typeof body.transactionId === 'string') call.transactionId = body.transactionId
    if (typeof body.database === 'string') call.database = body.database
    if (Array.isArray(body.parameters)) call.parameters = body.parameters
    if (body.continueAfterTimeout !== undefined) call.continueAfterTimeout = body.continueAfterTimeout === true

    if (req.method !== 'POST' || !OPERATIONS[path]) {
      return sendError(res, call, new ServiceError(404, 'UnknownOperationException', `Unknown operation ${req.method} ${path}`))
    }
    if (tooLarge) {
      return sendError(res, call, new ServiceError(413, 'ValidationException', `Request must be smaller than ${MAX_REQUEST_BYTES} bytes`))
    }

    // Injected faults: the service answers before the call reaches the database.
    if (faults.resuming(op)) {
      call.fault = 'resuming'
      return sendError(
        res,
        call,
        new ServiceError(
          400,
          'DatabaseResumingException',
          `${resourceArn} is resuming after being auto-paused. Please wait a few seconds and try again.`
        )
      )
    }
    if (faults.throttled(op, typeof body.transactionId === 'string')) {
      call.fault = 'throttle'
      return sendError(res, call, new ServiceError(429, 'ThrottlingException', 'Rate exceeded'))
    }
    const statusFault = faults.take(call, (f) => f.kind === 'status')
    if (statusFault?.kind === 'status') {
      call.fault = 'status'
      return sendError(
        res,
        call,
        new ServiceError(statusFault.status, statusFault.name, statusFault.message ?? `${statusFault.name} (injected)`)
      )
    }
    if (faults.take(call, (f) => f.kind === 'drop' && f.when === 'before')) {
      call.fault = 'drop-before'
      req.socket.destroy()
      return
    }
    if (faults.take(call, (f) => f.kind === 'hang' && f.when === 'before')) {
      call.fault = 'hang-before'
      return hold(req, res)
    }

    let status = 200
    let reply: ReplyBody
    let errorType: string | undefined
    try {
      reply = await handlers[op as DataApiOperation](body)
      const size = Buffer.byteLength(JSON.stringify(reply))
      if (size > MAX_RESPONSE_BYTES) {
        throw badRequest('Database returned more than the allowed response size limit')
      }
    } catch (error) {
      const serviceError =
        error instanceof ServiceError ? error : new ServiceError(500, 'InternalServerErrorException', `Emulator failure: ${String(error)}`)
      status = serviceError.status
      errorType = serviceError.type
      reply = { message: serviceError.message, ...serviceError.extra }
    }
    if (faults.take(call, (f) => f.kind === 'drop' && f.when === 'after')) {
      call.fault = 'drop-after'
      req.socket.destroy()
      return
    }
    if (faults.take(call, (f) => f.kind === 'hang' && f.when === 'after')) {
      call.fault = 'hang-after'
      return hold(req, res)
    }
    send(res, call, status, reply, errorType)
  }

  const server = await startEmulatorServer(handle, { errorType: 'InternalServerErrorException', body: (message) => ({ message }) })

  return {
    endpoint: server.endpoint,
    resourceArn,
    secretArn,
    calls,
    faults: faults.plan,
    openTransactions: operations.openTransactions,
    async stop() {
      await server.close()
      await operations.stop()
    }
  }
}
