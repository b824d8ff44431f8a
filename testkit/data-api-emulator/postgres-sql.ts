/**
 * The PostgreSQL backend's reading of one call's SQL, as the service does: one statement (counted with
 * PostgreSQL's own parser, libpg-query), not empty, not too long; `:name` parameters bound as `$n` with the
 * casts the service applies; and the pgjdbc-style text of a server error.
 */
import pg from 'pg'
import { loadModule, parse, scan } from 'libpg-query'
import { checkSqlText, validation, type SqlParameterInput } from './protocol.js'

/** pgjdbc-style text of a server error, parts joined by "; " as the v2 service does. */
export function formatPgError(error: pg.DatabaseError, mapPosition: (p: number) => number): string {
  const parts = [`${error.severity ?? 'ERROR'}: ${error.message}`]
  if (error.detail) parts.push(`Detail: ${error.detail}`)
  if (error.hint) parts.push(`Hint: ${error.hint}`)
  if (error.position) parts.push(`Position: ${mapPosition(Number(error.position))}`)
  if (error.where) parts.push(`Where: ${error.where}`)
  if (error.code) parts.push(`SQLState: ${error.code}`)
  return parts.join('; ')
}

export function isPgServerError(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError
}

// ---------------------------------------------------------------------------------------------
// SQL text: statement count and named parameters
// ---------------------------------------------------------------------------------------------

export interface PreparedSql {
  text: string
  values: unknown[]
  /** Maps a 1-based position in `text` back to the SQL the client sent. */
  mapPosition(position: number): number
}

interface Token {
  start: number
  end: number
  text: string
  tokenType: number
}

const COLON = 58
const SEMICOLON = 59
const COMMENT_TOKENS = new Set(['SQL_COMMENT', 'C_COMMENT'])

let moduleLoaded: Promise<void> | undefined
export function ensureParser(): Promise<void> {
  moduleLoaded ??= loadModule()
  return moduleLoaded
}

/** Scanner tokens with character (not byte) offsets; undefined when the text cannot be scanned. */
async function tokens(sql: string): Promise<(Token & { tokenName: string })[] | undefined> {
  try {
    const result = await scan(sql)
    const ascii = !/[^\x00-\x7f]/.test(sql)
    if (ascii) return result.tokens
    const bytes = Buffer.from(sql, 'utf8')
    const charOffset = (byteOffset: number) => bytes.subarray(0, byteOffset).toString('utf8').length
    return result.tokens.map((t) => ({ ...t, start: charOffset(t.start), end: charOffset(t.end) }))
  } catch {
    return undefined
  }
}

/** Parameter value → the SQL put in place of `:name` and the value sent with it. */
function bindParameter(parameter: SqlParameterInput, placeholder: string): { sql: string; value: unknown } {
  const value = parameter.value ?? {}
  const hint = typeof parameter.typeHint === 'string' ? parameter.typeHint.toUpperCase() : undefined
  if (value.isNull) return { sql: placeholder, value: null }
  if (value.booleanValue !== undefined) return { sql: `(${placeholder}::boolean)`, value: value.booleanValue }
  if (value.longValue !== undefined) return { sql: `(${placeholder}::int8)`, value: String(value.longValue) }
  if (value.doubleValue !== undefined) return { sql: `(${placeholder}::float8)`, value: String(value.doubleValue) }
  if (value.blobValue !== undefined) {
    return { sql: `(${placeholder}::bytea)`, value: Buffer.from(String(value.blobValue), 'base64') }
  }
  if (value.arrayValue !== undefined) throw validation('Array parameters are not supported.')
  if (value.stringValue !== undefined) {
    // Like the service, a string is sent as varchar unless a typeHint says otherwise.
    const cast =
      { DATE: 'date', TIME: 'time', TIMESTAMP: 'timestamp', DECIMAL: 'numeric', JSON: 'json', UUID: 'uuid' }[hint ?? ''] ?? 'varchar'
    return { sql: `(${placeholder}::${cast})`, value: value.stringValue }
  }
  throw validation(`Parameter ${parameter.name ?? ''} has no value.`)
}
/** Validates the SQL of one call and rewrites `:name` parameters to `$n`. */
export async function prepareSql(sql: unknown, parameters: unknown): Promise<PreparedSql> {
  checkSqlText(sql)
  await ensureParser()
  const params = Array.isArray(parameters) ? (parameters as SqlParameterInput[]) : []
  const byName = new Map(params.map((p) => [p.name ?? '', p]))
  const scanned = await tokens(sql)

  // Rewrite `:name` (a ':' token directly followed by a word) for the names given.
  let text = sql
  const values: unknown[] = []
  const replacements: { origStart: number; origEnd: number; newStart: number; newEnd: number }[] = []
  if (scanned && byName.size > 0) {
    const index = new Map<string, number>()
    let out = ''
    let copied = 0
    for (let i = 0; i < scanned.length - 1; i++) {
      const colon = scanned[i]
      const word = scanned[i + 1]
      if (colon.tokenType !== COLON || word.start !== colon.end || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(word.text)) continue
      const parameter = byName.get(word.text)
      if (!parameter) continue
      let position = index.get(word.text)
      const bound = bindParameter(parameter, `$${position ?? values.length + 1}`)
      if (position === undefined) {
        values.push(bound.value)
        position = values.length
        index.set(word.text, position)
      }
      out += sql.slice(copied, colon.start)
      replacements.push({ origStart: colon.start, origEnd: word.end, newStart: out.length, newEnd: out.length + bound.sql.length })
      out += bound.sql
      copied = word.end
      i++
    }
    text = out + sql.slice(copied)
  }

  // Count statements with PostgreSQL's own parser; SQL it cannot parse is counted by `;` tokens and
  // then left to the server to reject.
  let count: number
  try {
    const tree = await parse(text)
    count = tree.stmts?.length ?? 0
  } catch {
    if (scanned) {
      count = 0
      let inStatement = false
      for (const token of scanned) {
        if (COMMENT_TOKENS.has(token.tokenName)) continue
        if (token.tokenType === SEMICOLON) {
          if (inStatement) count++
          inStatement = false
        } else inStatement = true
      }
      if (inStatement) count++
    } else count = 1
  }
  if (count === 0) throw validation('SQL is empty')
  if (count > 1) throw validation("Multistatements aren't supported.")

  const mapPosition = (position: number): number => {
    let delta = 0
    for (const r of replacements) {
      const newStart1 = r.newStart + 1
      if (position < newStart1) break
      if (position <= r.newEnd) return r.origStart + 1
      delta = r.origEnd - r.newEnd
    }
    return position + delta
  }
  return { text, values, mapPosition }
}
