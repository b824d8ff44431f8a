/**
 * The PostgreSQL backend's result values: PostgreSQL's type oids and categories, the java.sql.Types codes
 * pgjdbc reports in columnMetadata, and PostgreSQL's text of a value (scalars and arrays) as the service's
 * field unions.
 */
import type { ArrayValue, FieldValue } from './protocol.js'

export interface TypeInfo {
  name: string
  category: string
  element: number
}

export const BUILTIN_TYPES: Record<number, TypeInfo> = {
  16: { name: 'bool', category: 'B', element: 0 },
  17: { name: 'bytea', category: 'U', element: 0 },
  18: { name: 'char', category: 'S', element: 0 },
  19: { name: 'name', category: 'S', element: 0 },
  20: { name: 'int8', category: 'N', element: 0 },
  21: { name: 'int2', category: 'N', element: 0 },
  23: { name: 'int4', category: 'N', element: 0 },
  25: { name: 'text', category: 'S', element: 0 },
  26: { name: 'oid', category: 'N', element: 0 },
  114: { name: 'json', category: 'U', element: 0 },
  700: { name: 'float4', category: 'N', element: 0 },
  701: { name: 'float8', category: 'N', element: 0 },
  1000: { name: '_bool', category: 'A', element: 16 },
  1005: { name: '_int2', category: 'A', element: 21 },
  1007: { name: '_int4', category: 'A', element: 23 },
  1009: { name: '_text', category: 'A', element: 25 },
  1015: { name: '_varchar', category: 'A', element: 1043 },
  1016: { name: '_int8', category: 'A', element: 20 },
  1021: { name: '_float4', category: 'A', element: 700 },
  1022: { name: '_float8', category: 'A', element: 701 },
  1042: { name: 'bpchar', category: 'S', element: 0 },
  1043: { name: 'varchar', category: 'S', element: 0 },
  1082: { name: 'date', category: 'D', element: 0 },
  1083: { name: 'time', category: 'D', element: 0 },
  1114: { name: 'timestamp', category: 'D', element: 0 },
  1184: { name: 'timestamptz', category: 'D', element: 0 },
  1186: { name: 'interval', category: 'T', element: 0 },
  1231: { name: '_numeric', category: 'A', element: 1700 },
  1266: { name: 'timetz', category: 'D', element: 0 },
  1700: { name: 'numeric', category: 'N', element: 0 },
  2950: { name: 'uuid', category: 'U', element: 0 },
  3802: { name: 'jsonb', category: 'U', element: 0 }
}

/** java.sql.Types codes, as pgjdbc reports them in columnMetadata.type. */
export const JDBC_TYPES: Record<string, number> = {
  bool: -7,
  bytea: -2,
  int2: 5,
  int4: 4,
  int8: -5,
  oid: -5,
  float4: 7,
  float8: 8,
  numeric: 2,
  text: 12,
  varchar: 12,
  name: 12,
  bpchar: 1,
  char: 1,
  date: 91,
  time: 92,
  timetz: 92,
  timestamp: 93,
  timestamptz: 93
}

export const LONG_TYPES = new Set(['int2', 'int4', 'int8', 'oid'])
export const DOUBLE_TYPES = new Set(['float4', 'float8'])

/** `2024-01-02 03:04:05.123+00` (the session runs in UTC) → `2024-01-02 03:04:05.123`. */
function formatTimestamp(text: string): string {
  return text.replace(/([+-]00(?::00)?)$/, '')
}

export function scalarField(text: string, typeName: string): FieldValue {
  if (typeName === 'bool') return { booleanValue: text === 't' || text === 'true' }
  if (LONG_TYPES.has(typeName)) return { longValue: Number(text) }
  if (DOUBLE_TYPES.has(typeName)) {
    const n = Number(text)
    return Number.isFinite(n) ? { doubleValue: n } : { stringValue: text }
  }
  if (typeName === 'bytea') {
    const hex = text.startsWith('\\x') ? text.slice(2) : ''
    return { blobValue: Buffer.from(hex, 'hex').toString('base64') }
  }
  if (typeName === 'timestamptz' || typeName === 'timestamp') return { stringValue: formatTimestamp(text) }
  return { stringValue: text }
}

/** Parses PostgreSQL's array text (`{1,2,"a b",NULL}`, nested `{{1},{2}}`). */
export function parseArrayLiteral(text: string): unknown[] {
  let i = text.indexOf('{')
  const readArray = (): unknown[] => {
    const items: unknown[] = []
    i++ // '{'
    while (i < text.length) {
      const c = text[i]
      if (c === '}') {
        i++
        return items
      }
      if (c === ',') {
        i++
        continue
      }
      if (c === '{') {
        items.push(readArray())
        continue
      }
      if (c === '"') {
        let value = ''
        i++
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++
          value += text[i]
          i++
        }
        i++
        items.push(value)
        continue
      }
      let j = i
      while (j < text.length && text[j] !== ',' && text[j] !== '}') j++
      const raw = text.slice(i, j).trim()
      items.push(raw === 'NULL' ? null : raw)
      i = j
    }
    return items
  }
  return i < 0 ? [] : readArray()
}

export function arrayValue(items: unknown[], elementType: string): ArrayValue {
  if (items.some((item) => Array.isArray(item))) {
    return { arrayValues: items.map((item) => arrayValue(Array.isArray(item) ? item : [item], elementType)) }
  }
  const strings = items as (string | null)[]
  if (elementType === 'bool') return { booleanValues: strings.map((s) => s === 't') }
  if (LONG_TYPES.has(elementType)) return { longValues: strings.map((s) => Number(s)) }
  if (DOUBLE_TYPES.has(elementType)) return { doubleValues: strings.map((s) => Number(s)) }
  return { stringValues: strings.map((s) => s ?? '') }
}
