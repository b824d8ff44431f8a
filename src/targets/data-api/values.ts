/** Data API values: parameters sent as its typed values, records read back in the shapes the pg transport returns. */
import type { ArrayValue, ColumnMetadata, ExecuteStatementCommandOutput, Field, SqlParameter } from '@aws-sdk/client-rds-data'
import type { QueryResult, Row, SqlParams, SqlValue } from '../target.js'
import { timestampToIso } from '../values.js'

export function toParameters(params: SqlParams | undefined): SqlParameter[] | undefined {
  if (!params) return undefined
  const entries = Object.entries(params)
  if (entries.length === 0) return undefined
  return entries.map(([name, value]): SqlParameter => {
    if (value === null || value === undefined) return { name, value: { isNull: true } }
    if (typeof value === 'boolean') return { name, value: { booleanValue: value } }
    if (typeof value === 'number') {
      return Number.isSafeInteger(value) ? { name, value: { longValue: value } } : { name, value: { doubleValue: value } }
    }
    return { name, value: { stringValue: String(value) } }
  })
}

/**
 * Type names as the service reports them: pgjdbc's (`int4`, `int8`, `timestamptz`) or Connector/J's (`INT`,
 * `BIGINT UNSIGNED`, `DATETIME`), compared lower-cased without ` unsigned`.
 */
const SMALL_INTEGER_TYPES = new Set([
  'int2',
  'int4',
  'smallint',
  'integer',
  'serial',
  'smallserial',
  'oid',
  'tinyint',
  'mediumint',
  'int',
  'year'
])
/** Connector/J's BIGINT is a number where it is exact, as the direct transport on that server returns it (pgjdbc's int8 stays a string). */
const SAFE_NUMBER_TYPES = new Set(['bigint'])
const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamptz', 'datetime'])

function arrayToJson(value: ArrayValue | null): unknown[] | null {
  if (value === null) return null
  if (value.arrayValues) return value.arrayValues.map(arrayToJson)
  return value.booleanValues ?? value.longValues ?? value.doubleValues ?? value.stringValues ?? []
}

/** A Data API field → the same shape the pg transport returns for the same column type. */
function fieldValue(field: Field, column: ColumnMetadata | undefined): SqlValue {
  const typeName = (column?.typeName?.toLowerCase() ?? '').replace(/ unsigned$/, '')
  if (field.isNull) return null
  if (field.booleanValue !== undefined) return field.booleanValue
  if (field.longValue !== undefined) {
    // int8 stays a string, as pg returns it (its range exceeds a JS number's exact integers).
    if (typeName === '' || SMALL_INTEGER_TYPES.has(typeName)) return field.longValue
    return SAFE_NUMBER_TYPES.has(typeName) && Number.isSafeInteger(field.longValue) ? field.longValue : String(field.longValue)
  }
  if (field.doubleValue !== undefined) return field.doubleValue
  if (field.stringValue !== undefined) {
    return TIMESTAMP_TYPES.has(typeName) ? timestampToIso(field.stringValue) : field.stringValue
  }
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString('base64')
  if (field.arrayValue !== undefined) return JSON.stringify(arrayToJson(field.arrayValue))
  return null
}

export function toQueryResult(output: ExecuteStatementCommandOutput): QueryResult {
  const columns = output.columnMetadata ?? []
  if (columns.length === 0 || !output.records) {
    return { rows: [], rowCount: output.numberOfRecordsUpdated ?? 0 }
  }
  const rows: Row[] = output.records.map((record) => {
    const row: Row = {}
    record.forEach((field, i) => {
      const column = columns[i]
      row[column?.label || column?.name || `column${i + 1}`] = fieldValue(field, column)
    })
    return row
  })
  return { rows, rowCount: rows.length }
}
