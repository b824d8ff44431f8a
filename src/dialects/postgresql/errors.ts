/** PostgreSQL's SQLSTATEs, as the classes the engine branches on. */
import type { EngineErrorClass } from '../../engine/dialect.js'
import type { SqlErrorInfo } from '../../errors.js'
import { LEASE_ROW_EXISTS } from './meta-sql.js'

const CLASSES: Record<string, EngineErrorClass> = {
  // lock_not_available: lock_timeout ran out, or a NOWAIT statement found the row locked.
  '55P03': 'lock-not-available',
  '40P01': 'deadlock',
  '40001': 'serialization',
  // CREATE … IF NOT EXISTS races with itself (two runs at once): unique_violation, duplicate_table, duplicate_object.
  '23505': 'duplicate',
  '42P07': 'duplicate',
  '42710': 'duplicate',
  [LEASE_ROW_EXISTS]: 'lease-row-exists',
  // undefined_table, undefined_column, invalid_schema_name.
  '42P01': 'undefined-object',
  '42703': 'undefined-object',
  '3F000': 'undefined-object',
  '42501': 'insufficient-privilege',
  '25006': 'read-only'
}

export function classify(error: SqlErrorInfo): EngineErrorClass | null {
  return CLASSES[error.sqlState ?? ''] ?? null
}

/** What a person can do about SQL errors the engine's own statements meet. */
const ENGINE_STATEMENT_HINTS: Record<string, string> = {
  '25006':
    'The session is read-only: is the URL or endpoint a reader instance or a standby, or is default_transaction_read_only set for this role or database (ALTER ROLE/DATABASE … SET)?',
  '42501': 'The user may not write the meta tables: grant it SELECT, INSERT, UPDATE and DELETE on them.'
}

export function engineStatementHint(error: SqlErrorInfo): string | null {
  return (error.sqlState && ENGINE_STATEMENT_HINTS[error.sqlState]) || null
}
