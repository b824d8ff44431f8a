/** The mysql2 driver's errors: a server's error as the SQL error it reports, and the code of a connection failure. */
import type { SqlErrorInfo } from '../../errors.js'

/** What mysql2 puts on an error the server sent (an ERR packet), beside the message. */
export interface MysqlServerError extends Error {
  code: string
  errno: number
  sqlState: string
  sqlMessage: string
  fatal?: boolean
}

/**
 * An error the server sent about the statement (it has an error number and a SQLSTATE), as opposed to one of
 * the connection (ECONNREFUSED, PROTOCOL_CONNECTION_LOST, a timeout), which mysql2 marks `fatal`.
 */
export function isServerError(error: unknown): error is MysqlServerError {
  if (!(error instanceof Error)) return false
  const e = error as Partial<MysqlServerError>
  return typeof e.errno === 'number' && e.errno > 0 && typeof e.sqlState === 'string' && typeof e.sqlMessage === 'string' && !e.fatal
}

export function sqlErrorInfo(error: MysqlServerError): SqlErrorInfo {
  return { message: error.sqlMessage || error.message, sqlState: error.sqlState, errno: error.errno }
}

/** A connection failure's code (ECONNREFUSED, PROTOCOL_CONNECTION_LOST, ER_ACCESS_DENIED_ERROR, …), or CONNECTION_ERROR. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code ? code : 'CONNECTION_ERROR'
}
