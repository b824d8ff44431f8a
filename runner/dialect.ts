/**
 * What the runner does differently per SQL dialect: the target it opens, how it prepares a session for an
 * invocation (reset and deadline), how it runs a transaction under that deadline, and which errors mean a
 * timeout or a refused password. The connection's settings pick one (connection.ts: the URL's scheme or the
 * secret's engine): postgresql.ts and mysql.ts.
 */
import type { SqlErrorInfo } from '../src/errors.js'
import type { Target, TransactionResult, TxStatement } from '../src/targets/target.js'
import type { ConnectionSettings } from './connection.js'
import type { Invocation } from './session.js'

export interface RunnerDialect<T extends Target = Target> {
  /** How answers name the server ("PostgreSQL"). */
  readonly serverName: string
  openTarget(settings: ConnectionSettings, log: (message: string) => void): T
  /** Resets a kept connection's session (`reused`), then bounds this invocation's statements by its deadline. */
  prepareSession(target: T, reused: boolean, invocation: Invocation): Promise<void>
  /** The request's transaction, its statements bounded by the invocation's deadline. */
  transaction(target: T, statements: TxStatement[], resultsNeeded: boolean, invocation: Invocation): Promise<TransactionResult>
  /** The server's version text (`16.4`, `8.0.36`). */
  serverVersion(target: T): Promise<string>
  /** An SQL error that means the runner's deadline stopped the statement. */
  isStatementTimeout(info: SqlErrorInfo): boolean
  /** A TransportError code that means the password was refused (the secret may have been rotated). */
  isAuthenticationFailure(code: string): boolean
}
