/**
 * What every backend of the RDS Data API emulator shares with its HTTP front (server.ts): the service's
 * limits, the operations, the call log's shape, the errors the service answers and the field unions it
 * returns. Nothing here knows a database.
 */

export type DataApiOperation =
  'ExecuteStatement' | 'BatchExecuteStatement' | 'BeginTransaction' | 'CommitTransaction' | 'RollbackTransaction'

export const OPERATIONS: Record<string, DataApiOperation> = {
  '/Execute': 'ExecuteStatement',
  '/BatchExecute': 'BatchExecuteStatement',
  '/BeginTransaction': 'BeginTransaction',
  '/CommitTransaction': 'CommitTransaction',
  '/RollbackTransaction': 'RollbackTransaction'
}

export const MAX_SQL_LENGTH = 65_536
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024
export const MAX_RESPONSE_BYTES = 1024 * 1024
export const MAX_ROW_BYTES = 64 * 1024

export type FaultKind = 'resuming' | 'throttle' | 'status' | 'drop-before' | 'drop-after' | 'hang-before' | 'hang-after'

export interface EmulatorCall {
  /** 1-based number of the request, counting every request the emulator received. */
  n: number
  op: DataApiOperation | string
  sql?: string
  transactionId?: string
  database?: string
  parameters?: unknown[]
  continueAfterTimeout?: boolean
  /** The injected fault that answered this call, if any. */
  fault?: FaultKind
  /** HTTP status answered; undefined when the connection was dropped without a reply. */
  status?: number
  /** The error name answered (x-amzn-ErrorType), when the call failed. */
  error?: string
  /** When the request arrived and when it was answered (Date.now): how many calls overlap, for concurrency tests. */
  receivedAt?: number
  answeredAt?: number
}

export type ReplyBody = Record<string, unknown>

// ---------------------------------------------------------------------------------------------
// Errors answered to the client
// ---------------------------------------------------------------------------------------------

export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {}
  ) {
    super(message)
  }
}

export const validation = (message: string) => new ServiceError(400, 'ValidationException', message)
export const badRequest = (message: string) => new ServiceError(400, 'BadRequestException', message)
export const databaseError = (message: string) => new ServiceError(400, 'DatabaseErrorException', message)
export const connectionLost = () => new ServiceError(500, 'InternalServerErrorException', 'The connection to the database was lost')
export const databaseUnavailable = (error: unknown) =>
  new ServiceError(504, 'DatabaseUnavailableException', `The database is unavailable: ${String(error)}`)

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

export type FieldValue =
  | { isNull: true }
  | { booleanValue: boolean }
  | { longValue: number }
  | { doubleValue: number }
  | { stringValue: string }
  | { blobValue: string }
  | { arrayValue: ArrayValue }

export type ArrayValue =
  | { booleanValues: boolean[] }
  | { longValues: number[] }
  | { doubleValues: number[] }
  | { stringValues: string[] }
  | { arrayValues: ArrayValue[] }

/** A parameter as the client sends it. */
export interface SqlParameterInput {
  name?: string
  value?: {
    isNull?: boolean
    booleanValue?: boolean
    longValue?: number
    doubleValue?: number
    stringValue?: string
    blobValue?: string
    arrayValue?: unknown
  }
  typeHint?: string
}

/** The service returns at most 64 KB per row ("Packet for query is too large"); `sizes` are each value's bytes. */
export function checkRowSize(sizes: number[]): void {
  if (sizes.reduce((sum, size) => sum + size, 0) > MAX_ROW_BYTES) {
    throw badRequest('Packet for query is too large: a row of the result set is larger than 64 KB')
  }
}

/** The common checks of `sql`: present, not blank, not over the length limit. */
export function checkSqlText(sql: unknown): asserts sql is string {
  if (typeof sql !== 'string' || sql.trim() === '') throw validation('SQL is empty')
  if (sql.length > MAX_SQL_LENGTH) {
    throw validation(`SQL statement length ${sql.length} exceeds the maximum of ${MAX_SQL_LENGTH} characters.`)
  }
}
