/**
 * MySQL's and MariaDB's errors, as the classes the engine branches on: by the server's error number
 * (SqlErrorInfo.errno; many MySQL errors share SQLSTATE HY000), with the SQLSTATE as a fallback for a
 * transport that reports only that. SERVER_DIFFERENCES keeps in one place what MySQL 8 (Aurora MySQL 3)
 * and MariaDB 10.11 (the test server) do differently here.
 */
import type { EngineErrorClass } from '../../engine/dialect.js'
import type { SqlErrorInfo } from '../../errors.js'

/** Where MySQL 8 and MariaDB 10.11 differ for the engine's statements (tests read their expectations here). */
export const SERVER_DIFFERENCES = {
  /** A NOWAIT lock that found the row locked: MySQL's ER_LOCK_NOWAIT; MariaDB reports a lock wait timeout. */
  nowaitErrno: { mysql: 3572, mariadb: 1205 },
  /** A CHECK constraint that failed (the lease row's one-row check, see meta-sql.ts). */
  checkViolatedErrno: { mysql: 3819, mariadb: 4025 },
  /** information_schema.COLUMNS.DATA_TYPE of a JSON column: MariaDB's JSON is LONGTEXT with a json_valid check. */
  jsonDataType: { mysql: 'json', mariadb: 'longtext' },
  /** RETURNING: MariaDB has it for INSERT/DELETE, MySQL none; the engine's statements never use it. */
  returning: { mysql: false, mariadb: true }
} as const

/** The errno a SIGNAL without MYSQL_ERRNO raises (ER_SIGNAL_EXCEPTION), with our message prefix below. */
export const SIGNAL_ERRNO = 1644
/** The message a statement of ours signals when the lease row exists (or the one-call path is not open). */
export const LEASE_ROW_EXISTS_MESSAGE = 'aurora-migrate: the lease row exists'
/** The CHECK constraint of the lock table whose failure means "the lease row exists" (see meta-sql.ts). */
export const LEASE_ROW_CHECK_SUFFIX = '_lock_once'

const BY_ERRNO: Record<number, EngineErrorClass> = {
  // ER_LOCK_WAIT_TIMEOUT (row lock, metadata lock, and MariaDB's NOWAIT), ER_LOCK_NOWAIT (MySQL's NOWAIT).
  1205: 'lock-not-available',
  3572: 'lock-not-available',
  1213: 'deadlock',
  // ER_DUP_ENTRY; ER_TABLE_EXISTS_ERROR (CREATE TABLE racing with itself); ER_DB_CREATE_EXISTS.
  1062: 'duplicate',
  1050: 'duplicate',
  1007: 'duplicate',
  // ER_NO_SUCH_TABLE, ER_BAD_DB_ERROR, ER_BAD_FIELD_ERROR, ER_BAD_TABLE_ERROR, ER_CANT_DROP_FIELD_OR_KEY.
  1146: 'undefined-object',
  1049: 'undefined-object',
  1054: 'undefined-object',
  1051: 'undefined-object',
  1091: 'undefined-object',
  // ER_TABLEACCESS_DENIED, ER_DBACCESS_DENIED, ER_ACCESS_DENIED, ER_SPECIFIC_ACCESS_DENIED, ER_PROCACCESS_DENIED,
  // ER_COLUMNACCESS_DENIED.
  1142: 'insufficient-privilege',
  1044: 'insufficient-privilege',
  1045: 'insufficient-privilege',
  1227: 'insufficient-privilege',
  1370: 'insufficient-privilege',
  1143: 'insufficient-privilege',
  // ER_OPTION_PREVENTS_STATEMENT (--read-only, Aurora's readers), ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION,
  // ER_READ_ONLY_MODE.
  1290: 'read-only',
  1792: 'read-only',
  1836: 'read-only'
}

/** For a transport that reports a SQLSTATE and no number: only the states that name one class. */
const BY_SQLSTATE: Record<string, EngineErrorClass> = {
  '40001': 'deadlock',
  '42S02': 'undefined-object',
  '42S22': 'undefined-object',
  '25006': 'read-only'
}

function leaseRowExists(error: SqlErrorInfo): boolean {
  const { errno, message } = error
  if (errno === SIGNAL_ERRNO || error.sqlState === '45000') return message.includes(LEASE_ROW_EXISTS_MESSAGE)
  const check = errno === SERVER_DIFFERENCES.checkViolatedErrno.mysql || errno === SERVER_DIFFERENCES.checkViolatedErrno.mariadb
  return check && new RegExp(`${LEASE_ROW_CHECK_SUFFIX}[\`']`).test(message)
}

export function classify(error: SqlErrorInfo): EngineErrorClass | null {
  if (leaseRowExists(error)) return 'lease-row-exists'
  if (error.errno !== undefined) return BY_ERRNO[error.errno] ?? null
  return BY_SQLSTATE[error.sqlState ?? ''] ?? null
}

const HINTS: Partial<Record<EngineErrorClass, string>> = {
  'read-only':
    'The session is read-only: is the URL or endpoint an Aurora reader (replicas are read-only; use the cluster endpoint), ' +
    'or is read_only / super_read_only / transaction_read_only set?',
  'insufficient-privilege':
    'The user may not write the meta tables: grant it SELECT, INSERT, UPDATE and DELETE on them (and CREATE on the database to create them).'
}

export function engineStatementHint(error: SqlErrorInfo): string | null {
  const kind = classify(error)
  return (kind && HINTS[kind]) || null
}
