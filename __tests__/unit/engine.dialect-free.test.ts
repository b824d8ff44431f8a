/**
 * The engine is dialect-free: it asks its dialect (src/engine/dialect.ts) for every statement and error
 * class, and never imports src/dialects/. PostgreSQL's SQL lives in src/dialects/postgresql/.
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'

const ENGINE = path.resolve('src/engine')
const files = readdirSync(ENGINE).filter((name) => name.endsWith('.ts'))

/** What only PostgreSQL says: catalogs, its statements and functions, SQLSTATE codes. */
const POSTGRESQL = [
  /\bpg_[a-z_]+/,
  /regclass|regnamespace|regtype/,
  /\bSET LOCAL\b/,
  /\bSKIP LOCKED\b/,
  /\bNOWAIT\b/,
  /\bclock_timestamp\(/,
  /\bcurrent_schema\(/,
  /\bcurrent_setting\(/,
  /\bjsonb\b/,
  /\bDO \$/,
  /'[0-9A-Z]{2}[0-9A-Z]{3}'/
]

describe('src/engine holds no SQL of a dialect', () => {
  test.each(files)('%s', (name) => {
    const text = readFileSync(path.join(ENGINE, name), 'utf8')
    expect(text).not.toMatch(/from '\.\.\/dialects\//)
    for (const pattern of POSTGRESQL) expect({ name, match: text.match(pattern)?.[0] ?? null }).toEqual({ name, match: null })
  })
})
