/**
 * The value shapes every transport returns for the same column type (see
 * `testkit/contract/target-contract.ts`): timestamps as ISO strings in UTC, anything that is not a
 * SqlValue already (arrays, buffers, objects) as a string.
 */
import type { SqlValue } from './target.js'

/**
 * PostgreSQL's text form of a timestamp (`2024-01-02 03:04:05.123456+01`, or without offset for
 * `timestamp`, read as UTC) → `2024-01-02T02:04:05.123Z`. Anything it cannot read (infinity, BC
 * dates) is returned unchanged.
 */
export function timestampToIso(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:([+-]\d{2})(?::?(\d{2}))?(?::?(\d{2}))?|Z)?$/.exec(text.trim())
  if (!m) return text
  const [, date, time, fraction = '', offH, offM = '00'] = m
  const ms = (fraction + '000').slice(0, 3)
  const offset = offH ? `${offH}:${offM}` : 'Z'
  const parsed = new Date(`${date}T${time}.${ms}${offset}`)
  return Number.isNaN(parsed.getTime()) ? text : parsed.toISOString()
}

/** Anything that is not already a SqlValue (arrays, buffers, objects) becomes a string. */
export function toSqlValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString()
  if (Buffer.isBuffer(value)) return value.toString('base64')
  return JSON.stringify(value, (_key, v: unknown) => (Buffer.isBuffer(v) ? v.toString('base64') : v))
}

/**
 * A yes/no column as the database answers it: a boolean (PostgreSQL), or 1/0 where the engine has no boolean
 * type (MySQL's EXISTS and comparisons), as a number or as text.
 */
export function isYes(value: unknown): boolean {
  return value === true || value === 1 || value === '1'
}
