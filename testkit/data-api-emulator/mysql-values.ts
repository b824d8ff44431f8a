/**
 * The MySQL backend's result values: a column's protocol type (mysql2's field packet) as the Data API's
 * field union and as Connector/J's columnMetadata (type name, java.sql.Types code).
 *
 * Shapes follow what the service is seen to return on Aurora MySQL 3 (mysql-notes §1.2): TINYINT(1) (and
 * BOOLEAN) and BIT(1) as booleanValue, the integer types and YEAR as longValue, FLOAT/DOUBLE as doubleValue,
 * DECIMAL, dates and times (the server's text), JSON, ENUM and SET as stringValue, binary strings and BLOB as
 * blobValue, NULL as isNull. MariaDB's JSON (a LONGTEXT flagged `json`) reads as MySQL's JSON.
 */
import type { FieldPacket } from 'mysql2'
import type { FieldValue } from './protocol.js'

/** Protocol column types (include/mysql_com.h enum_field_types). */
const T = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255
} as const

const FLAG = { NOT_NULL: 1, UNSIGNED: 32, ENUM: 256, AUTO_INCREMENT: 512, SET: 2048 } as const
const FLAG_NAMES: Record<string, number> = { NOT_NULL: 1, UNSIGNED: 32, ENUM: 256, AUTO_INCREMENT: 512, SET: 2048 }
const BINARY_CHARSET = 63

export type ValueKind = 'boolean' | 'long' | 'double' | 'string' | 'blob' | 'bits'

export interface MysqlColumn {
  name: string
  kind: ValueKind
  /** Connector/J's type name (`INT UNSIGNED`, `VARCHAR`, `BIT` for TINYINT(1)). */
  typeName: string
  /** java.sql.Types code. */
  jdbcType: number
  flags: number
  field: FieldPacket
}

function flagBits(flags: FieldPacket['flags']): number {
  if (typeof flags === 'number') return flags
  return (flags ?? []).reduce((bits, name) => bits | (FLAG_NAMES[name] ?? 0), 0)
}

/** Kind, type name and java.sql.Types code of one result column. */
export function describeColumn(field: FieldPacket): MysqlColumn {
  const type = field.columnType ?? field.type ?? T.VAR_STRING
  const length = field.columnLength ?? field.length ?? 0
  const flags = flagBits(field.flags)
  const binary = field.characterSet === BINARY_CHARSET
  const unsigned = (flags & FLAG.UNSIGNED) !== 0 ? ' UNSIGNED' : ''
  const column = (kind: ValueKind, typeName: string, jdbcType: number): MysqlColumn => ({
    name: field.name,
    kind,
    typeName,
    jdbcType,
    flags,
    field
  })
  switch (type) {
    case T.TINY:
      return length === 1 ? column('boolean', 'BIT', -7) : column('long', `TINYINT${unsigned}`, -6)
    case T.SHORT:
      return column('long', `SMALLINT${unsigned}`, 5)
    case T.INT24:
      return column('long', `MEDIUMINT${unsigned}`, 4)
    case T.LONG:
      return column('long', `INT${unsigned}`, 4)
    case T.LONGLONG:
      return column('long', `BIGINT${unsigned}`, -5)
    case T.YEAR:
      return column('long', 'YEAR', 91)
    case T.FLOAT:
      return column('double', `FLOAT${unsigned}`, 7)
    case T.DOUBLE:
      return column('double', `DOUBLE${unsigned}`, 8)
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return column('string', `DECIMAL${unsigned}`, 3)
    case T.DATE:
    case T.NEWDATE:
      return column('string', 'DATE', 91)
    case T.TIME:
      return column('string', 'TIME', 92)
    case T.DATETIME:
      return column('string', 'DATETIME', 93)
    case T.TIMESTAMP:
      return column('string', 'TIMESTAMP', 93)
    case T.BIT:
      return length === 1 ? column('boolean', 'BIT', -7) : column('bits', 'BIT', -7)
    case T.JSON:
      return column('string', 'JSON', -1)
    case T.ENUM:
      return column('string', 'ENUM', 1)
    case T.SET:
      return column('string', 'SET', 1)
    case T.NULL:
      return column('string', 'NULL', 0)
    case T.GEOMETRY:
      return column('blob', 'GEOMETRY', -2)
    case T.TINY_BLOB:
    case T.MEDIUM_BLOB:
    case T.LONG_BLOB:
    case T.BLOB:
      if (field.extendedFormat === 'json') return column('string', 'JSON', -1)
      return binary ? column('blob', 'BLOB', -4) : column('string', 'TEXT', -1)
    case T.STRING:
      if (flags & FLAG.ENUM) return column('string', 'ENUM', 1)
      if (flags & FLAG.SET) return column('string', 'SET', 1)
      return binary ? column('blob', 'BINARY', -2) : column('string', 'CHAR', 1)
    default:
      return binary ? column('blob', 'VARBINARY', -3) : column('string', 'VARCHAR', 12)
  }
}

/** The bytes the server sent for one value (text protocol) as the service's field union. */
export function fieldValue(bytes: Buffer | null, column: MysqlColumn): FieldValue {
  if (bytes === null) return { isNull: true }
  switch (column.kind) {
    case 'boolean':
      return column.field.columnType === T.BIT ? { booleanValue: bytes.some((b) => b !== 0) } : { booleanValue: bytes.toString() !== '0' }
    case 'long':
      return { longValue: Number(bytes.toString()) }
    case 'double':
      return { doubleValue: Number(bytes.toString()) }
    case 'bits':
      return { longValue: bytes.reduce((n, b) => n * 256 + b, 0) }
    case 'blob':
      return { blobValue: bytes.toString('base64') }
    default:
      return { stringValue: bytes.toString('utf8') }
  }
}

/** One row's columnMetadata entries, Connector/J style. */
export function columnMetadata(column: MysqlColumn): Record<string, unknown> {
  const { field, flags, kind } = column
  return {
    name: field.name,
    label: field.name,
    type: column.jdbcType,
    typeName: column.typeName,
    isSigned: (kind === 'long' || kind === 'double' || column.typeName.startsWith('DECIMAL')) && (flags & FLAG.UNSIGNED) === 0,
    isAutoIncrement: (flags & FLAG.AUTO_INCREMENT) !== 0,
    isCurrency: false,
    isCaseSensitive: kind === 'blob',
    nullable: (flags & FLAG.NOT_NULL) !== 0 ? 0 : 1,
    precision: field.columnLength ?? 0,
    scale: field.decimals ?? 0,
    schemaName: '',
    tableName: field.orgTable ?? '',
    arrayBaseColumnType: 0
  }
}
