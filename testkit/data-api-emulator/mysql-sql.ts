/**
 * The MySQL backend's reading of one call's SQL, as the service does: one statement, not empty, not too long;
 * `:name` parameters bound; and the text of a server error.
 *
 * Statements are counted by a small lexer of its own (not the project's splitter, which the tests check
 * against this emulator): quotes ('', "", `` with doubled quotes and backslash escapes), comments (`#`,
 * `-- ` followed by a space or control character, `/* *\/`; `/*! *\/` counts as code), and `;` outside
 * them. Inside CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT a BEGIN…END body is one statement; CASE…END is tracked
 * everywhere. Whatever it misses the server still refuses: the emulator's connections do not allow several
 * statements, so a second one is a syntax error (1064) and nothing runs. A call starting with DELIMITER (a
 * client command, not SQL) is left to the server too, which answers 1064 as it would on the service.
 *
 * Parameters are inlined as escaped literals (the service binds them with JDBC; MySQL converts a string to
 * the type it needs, so the type hints change nothing here): the server never sees a `?` of ours.
 */
import mysql from 'mysql2'
import { checkSqlText, databaseError, validation, type ServiceError, type SqlParameterInput } from './protocol.js'

export interface MysqlStatement {
  /** The SQL sent to the server: parameters inlined. */
  text: string
}

interface Token {
  kind: 'word' | 'code' | 'semicolon' | 'parameter'
  start: number
  end: number
  /** Upper-cased word, or the parameter's name. */
  text: string
}

const WORD = /[A-Za-z0-9_$\u0080-\uffff]/
const ROUTINES = new Set(['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT'])
const END_OF_BLOCK = new Set(['IF', 'LOOP', 'WHILE', 'REPEAT'])

/** The code tokens of `sql` (comments and whitespace dropped; strings and quoted names as 'code'). */
export function lexMysql(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql[i]
    const next = sql[i + 1] ?? ''
    if (/\s/.test(c)) {
      i++
    } else if (c === '#' || (c === '-' && next === '-' && (i + 2 >= n || /[\s\x00-\x1f]/.test(sql[i + 2])))) {
      while (i < n && sql[i] !== '\n') i++
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2)
      const end = close < 0 ? n : close + 2
      // `/*! … */` and `/*M! … */` are run by the server: they count as code.
      if (sql[i + 2] === '!' || sql.startsWith('M!', i + 2)) tokens.push({ kind: 'code', start: i, end, text: '' })
      i = end
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1
      while (j < n) {
        if (sql[j] === '\\' && c !== '`') j += 2
        else if (sql[j] === c && sql[j + 1] === c) j += 2
        else if (sql[j] === c) break
        else j++
      }
      tokens.push({ kind: 'code', start: i, end: Math.min(j + 1, n), text: '' })
      i = j + 1
    } else if (c === ';') {
      tokens.push({ kind: 'semicolon', start: i, end: i + 1, text: ';' })
      i++
    } else if (c === ':' && /[A-Za-z_]/.test(next)) {
      let j = i + 1
      while (j < n && /[A-Za-z0-9_]/.test(sql[j])) j++
      tokens.push({ kind: 'parameter', start: i, end: j, text: sql.slice(i + 1, j) })
      i = j
    } else if (WORD.test(c)) {
      let j = i
      while (j < n && WORD.test(sql[j])) j++
      tokens.push({ kind: 'word', start: i, end: j, text: sql.slice(i, j).toUpperCase() })
      i = j
    } else {
      tokens.push({ kind: 'code', start: i, end: i + 1, text: c })
      i++
    }
  }
  return tokens
}

/** How many statements the tokens hold (a trailing `;` ends the last one; empty ones do not count). */
export function countStatements(tokens: Token[]): number {
  let count = 0
  let words: string[] = []
  let hasCode = false
  let depth = 0
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]
    if (token.kind === 'semicolon' && depth === 0) {
      if (hasCode) count++
      hasCode = false
      words = []
      continue
    }
    hasCode = true
    if (token.kind !== 'word') continue
    words.push(token.text)
    const routine = words[0] === 'CREATE' && words.slice(1, 8).some((w) => ROUTINES.has(w))
    if ((token.text === 'BEGIN' && routine) || token.text === 'CASE') depth++
    else if (token.text === 'END') {
      const following = tokens[k + 1]
      if (following?.kind === 'word' && END_OF_BLOCK.has(following.text)) {
        k++
        continue
      }
      if (following?.kind === 'word' && following.text === 'CASE') k++
      depth = Math.max(0, depth - 1)
    }
  }
  if (hasCode) count++
  return count
}

/** A parameter as an SQL literal. */
function literal(parameter: SqlParameterInput): string {
  const value = parameter.value ?? {}
  if (value.isNull) return 'NULL'
  if (value.booleanValue !== undefined) return value.booleanValue ? 'TRUE' : 'FALSE'
  if (value.longValue !== undefined) return String(Math.trunc(Number(value.longValue)))
  if (value.doubleValue !== undefined) return mysql.escape(Number(value.doubleValue))
  if (value.blobValue !== undefined) return `X'${Buffer.from(String(value.blobValue), 'base64').toString('hex')}'`
  if (value.arrayValue !== undefined) throw validation('Array parameters are not supported.')
  if (value.stringValue !== undefined) return mysql.escape(String(value.stringValue))
  throw validation(`Parameter ${parameter.name ?? ''} has no value.`)
}

/** Validates the SQL of one call and inlines its `:name` parameters. */
export function prepareMysql(sql: unknown, parameters: unknown): Promise<MysqlStatement> {
  return Promise.resolve().then(() => {
    checkSqlText(sql)
    const tokens = lexMysql(sql)
    const first = tokens.find((t) => t.kind === 'word')
    if (first?.text !== 'DELIMITER') {
      const count = countStatements(tokens)
      if (count === 0) throw validation('SQL is empty')
      if (count > 1) throw validation("Multistatements aren't supported.")
    }
    const params = Array.isArray(parameters) ? (parameters as SqlParameterInput[]) : []
    const byName = new Map(params.map((p) => [p.name ?? '', p]))
    let text = ''
    let copied = 0
    for (const token of tokens) {
      if (token.kind !== 'parameter') continue
      const parameter = byName.get(token.text)
      if (!parameter) continue
      text += sql.slice(copied, token.start) + literal(parameter)
      copied = token.end
    }
    return { text: text + sql.slice(copied) }
  })
}

/** A server error as mysql2 reports it. */
export interface MysqlServerError {
  errno: number
  sqlState: string
  sqlMessage: string
}

export function isMysqlServerError(error: unknown): error is MysqlServerError {
  const e = error as Partial<MysqlServerError> | null
  return typeof e?.errno === 'number' && typeof e.sqlState === 'string' && typeof e.sqlMessage === 'string'
}

/**
 * The service's text of a MySQL error. Its v2 form is undocumented; the one public parser of it
 * (aurora-data-api) reads `<message>; Error code: <n>; SQLState: <s>`, the Connector/J way, so that is the
 * emulator's. The transport also reads v1's `Database error code: N. Message: …` and a bare message.
 */
export function formatMysqlError(error: MysqlServerError): string {
  return `${error.sqlMessage}; Error code: ${error.errno}; SQLState: ${error.sqlState}`
}

export function mysqlSqlError(error: unknown): ServiceError | undefined {
  return isMysqlServerError(error) ? databaseError(formatMysqlError(error)) : undefined
}
