/**
 * The `pg` driver's type parsers for the direct transport: values in the same shapes the Data API
 * transport returns for the same SQL (see `testkit/contract/target-contract.ts`): int2/int4 → number,
 * int8/numeric → string, json/jsonb → the server's own text, timestamps → ISO strings in UTC, dates →
 * `YYYY-MM-DD`.
 */
import pg from 'pg'
import { timestampToIso } from '../values.js'

const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  jsonb: 3802
} as const

const asText = (value: string): string => value

/** Type parsers for the pg client: the shapes documented at the top of this file. */
export function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  switch (oid) {
    case OID.int8:
    case OID.numeric:
    case OID.json:
    case OID.jsonb:
    case OID.date:
    case OID.time:
    case OID.timetz:
    case OID.interval:
      return asText
    case OID.timestamp:
    case OID.timestamptz:
      return timestampToIso
    default:
      return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown
  }
}
