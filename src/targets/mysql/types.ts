/**
 * mysql2's value conversion for the MySQL transport: every value a SqlValue, in the shapes the other transports
 * return for the same kind of column.
 *
 * - Integers are numbers; a BIGINT beyond 2^53 is a string (supportBigNumbers). BIGINT values are not strings
 *   as a rule (PostgreSQL's int8 is): MySQL 8 types integer literals and COUNT(*) as BIGINT, MariaDB as INT, so
 *   the rule "BIGINT is a string" would make `SELECT 1` differ between the two.
 * - DECIMAL is the server's text (exact); FLOAT and DOUBLE are numbers.
 * - TINYINT(1) (BOOL) and BIT(1) are booleans, as the Data API returns them; wider BIT values are numbers.
 * - DATETIME and TIMESTAMP are ISO strings read as UTC (`2024-01-02T03:04:05.123Z`): a TIMESTAMP is shown in
 *   the session's time_zone, which is UTC on Aurora by default. DATE, TIME and YEAR are the server's text
 *   (YEAR a number).
 * - JSON is the server's own text (on MariaDB, where JSON is LONGTEXT, too); BLOBs and BINARY are base64,
 *   as the Data API transport returns its blobValue; other strings are text.
 */
import type { TypeCast } from 'mysql2'
import { timestampToIso, toSqlValue } from '../values.js'

type Field = Parameters<Extract<TypeCast, (...args: never[]) => unknown>>[0]

function bitValue(bytes: Buffer | null, bits: number): boolean | number | string | null {
  if (bytes === null) return null
  if (bits === 1) return bytes[bytes.length - 1] !== 0
  const value = bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n)
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()
}

export const typeCast: TypeCast = (field: Field, next) => {
  switch (field.type) {
    case 'TINY':
      if (field.length === 1) {
        const value = next()
        return value === null ? null : Number(value) !== 0
      }
      return next()
    case 'BIT':
      return bitValue(field.buffer(), field.length)
    case 'JSON':
      return field.string('utf8')
    case 'DATETIME':
    case 'TIMESTAMP': {
      const value = next()
      return typeof value === 'string' ? timestampToIso(value) : toSqlValue(value)
    }
    default:
      // MariaDB's JSON is a LONGTEXT it marks with the json format.
      if (field.extendedFormat === 'json') return field.string('utf8')
      return toSqlValue(next())
  }
}
