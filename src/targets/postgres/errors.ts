/** The `pg` driver's errors: a server's error as the SQL error it reports, and the code of a connection failure. */
import pg from 'pg'
import type { SqlErrorInfo } from '../../errors.js'

/** An error the server sent (it has a severity and a code), as opposed to one of the connection. */
export function isServerError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError || (error instanceof Error && 'severity' in error && 'code' in error)
}

export function sqlErrorInfo(error: pg.DatabaseError): SqlErrorInfo {
  const info: SqlErrorInfo = { message: error.message }
  if (error.code) info.sqlState = error.code
  const position = error.position ? Number(error.position) : NaN
  if (Number.isInteger(position) && position > 0) info.position = position
  if (error.detail) info.detail = error.detail
  if (error.hint) info.hint = error.hint
  return info
}

/** A connection failure's code (ECONNREFUSED, a SQLSTATE, …), or CONNECTION_ERROR. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code ? code : 'CONNECTION_ERROR'
}
