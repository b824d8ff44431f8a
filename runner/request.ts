/**
 * Validates what the runner is asked to do (src/targets/runner-protocol.ts) before anything touches
 * the database. Every refusal is data (`BAD_REQUEST` or `UNSUPPORTED_PROTOCOL`) whose message names
 * the field. Messages never repeat a parameter value or SQL text: they are logged.
 */
import { RUNNER_PROTOCOL, type RunnerFailure, type RunnerRequest } from '../src/targets/runner-protocol.js'
import type { SqlParams, TxStatement } from '../src/targets/target.js'

/** The protocol versions this runner speaks. */
export const SUPPORTED_PROTOCOLS: readonly number[] = [RUNNER_PROTOCOL]

/** Most statements one transaction request may carry (a version is far smaller in practice). */
export const MAX_STATEMENTS = 10_000

/** Most session statements one query may carry (the action sends two). */
export const MAX_SESSION_STATEMENTS = 20

const OPS = ['ping', 'query', 'transaction'] as const

export type ParsedRequest = { ok: true; request: RunnerRequest } | { ok: false; failure: RunnerFailure; op?: string }

class Refusal extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'UNSUPPORTED_PROTOCOL',
    message: string
  ) {
    super(message)
  }
}

const badRequest = (message: string): Refusal => new Refusal('BAD_REQUEST', message)

/** What a value is, for a message, without showing the value. */
function kind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a non-finite number'
  return `a ${typeof value}`
}

/** A short quoted form of a value that is safe to show (op names, protocol versions). */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value)
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function speaks(): string {
  return SUPPORTED_PROTOCOLS.length === 1
    ? `runner protocol ${SUPPORTED_PROTOCOLS[0]}`
    : `runner protocols ${SUPPORTED_PROTOCOLS.join(', ')}`
}

function checkProtocol(protocol: unknown, runnerVersion: string): number {
  if (typeof protocol === 'number' && SUPPORTED_PROTOCOLS.includes(protocol)) return protocol
  const newest = Math.max(...SUPPORTED_PROTOCOLS)
  if (protocol === undefined) {
    throw new Refusal(
      'UNSUPPORTED_PROTOCOL',
      `The request has no 'protocol'; this runner (${runnerVersion}) speaks ${speaks()}. Use an aurora-migrate action and runner from the same release.`
    )
  }
  const what = typeof protocol === 'number' ? `runner protocol ${protocol}` : `'protocol' ${shown(protocol)} (${kind(protocol)})`
  const advice =
    typeof protocol === 'number' && protocol > newest
      ? 'Update the runner: deploy the runner.zip of the same release as the action.'
      : 'Update the action, or deploy the runner.zip of the same release as the action.'
  throw new Refusal('UNSUPPORTED_PROTOCOL', `The request uses ${what}; this runner (${runnerVersion}) speaks ${speaks()}. ${advice}`)
}

function checkSql(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw badRequest(
      value === undefined ? `'${field}' is missing: it must be a string of SQL.` : `'${field}' must be a string of SQL, got ${kind(value)}.`
    )
  }
  if (value.trim() === '') throw badRequest(`'${field}' is empty.`)
  return value
}

function checkParams(value: unknown, field: string): SqlParams | undefined {
  if (value === undefined || value === null) return undefined
  if (!isObject(value)) throw badRequest(`'${field}' must be an object of parameter names to values, got ${kind(value)}.`)
  const params: SqlParams = {}
  for (const [name, v] of Object.entries(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw badRequest(`'${field}' has a parameter name that cannot appear as :name in SQL (letters, digits and _ only).`)
    }
    const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))
    if (!ok) throw badRequest(`'${field}.${name}' must be a string, number, boolean or null, got ${kind(v)}.`)
    params[name] = v as SqlParams[string]
  }
  return params
}

/** Session statements for one query: a short array of SQL strings, or absent. */
function checkSession(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value)) throw badRequest(`'session' must be an array of SQL strings when given, got ${kind(value)}.`)
  if (value.length > MAX_SESSION_STATEMENTS) {
    throw badRequest(`'session' has ${value.length} statements: at most ${MAX_SESSION_STATEMENTS} are accepted.`)
  }
  const session = value.map((statement, index) => checkSql(statement, `session[${index}]`))
  return session.length ? session : undefined
}

function checkStatement(value: unknown, index: number): TxStatement {
  const field = `statements[${index}]`
  if (!isObject(value)) throw badRequest(`'${field}' must be an object {sql, params?, expectRows?, label?}, got ${kind(value)}.`)
  const statement: TxStatement = { sql: checkSql(value.sql, `${field}.sql`) }
  const params = checkParams(value.params, `${field}.params`)
  if (params) statement.params = params
  if (value.expectRows !== undefined && value.expectRows !== null) {
    const rows = value.expectRows
    if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 0) {
      throw badRequest(`'${field}.expectRows' must be a non-negative integer, got ${typeof rows === 'number' ? rows : kind(rows)}.`)
    }
    statement.expectRows = rows
  }
  if (value.label !== undefined && value.label !== null) {
    const label = value.label
    if (typeof label !== 'string' || !/^[a-z][a-z0-9-]{0,39}$/.test(label)) {
      throw badRequest(
        `'${field}.label' must be a short lowercase word (a-z, 0-9, -), got ${typeof label === 'string' ? JSON.stringify(label.slice(0, 40)) : kind(label)}.`
      )
    }
    statement.label = label
  }
  return statement
}

function parse(event: unknown, runnerVersion: string): RunnerRequest {
  let body = event
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body)
    } catch {
      // Not the parser's message: it quotes the text.
      throw badRequest('The request is a string that is not JSON; send a JSON object such as {"protocol":1,"op":"ping"}.')
    }
  }
  if (!isObject(body)) throw badRequest(`The request must be a JSON object such as {"protocol":1,"op":"ping"}, got ${kind(body)}.`)
  const protocol = checkProtocol(body.protocol, runnerVersion)
  const op = body.op as (typeof OPS)[number]
  if (typeof op !== 'string' || !OPS.includes(op)) {
    const got = op === undefined ? 'is missing' : typeof op === 'string' ? `is ${shown(op)}` : `must be a string, got ${kind(op)}`
    throw badRequest(`'op' ${got}: expected one of ${OPS.join(', ')}.`)
  }
  if (op === 'ping') return { protocol, op }
  if (op === 'query') {
    const sql = checkSql(body.sql, 'sql')
    const params = checkParams(body.params, 'params')
    const session = checkSession(body.session)
    return { protocol, op, sql, ...(params ? { params } : {}), ...(session ? { session } : {}) }
  }
  const statements = body.statements
  if (!Array.isArray(statements)) {
    throw badRequest(
      statements === undefined
        ? `'statements' is missing: it must be an array of {sql, params?, expectRows?, label?}.`
        : `'statements' must be an array of {sql, params?, expectRows?, label?}, got ${kind(statements)}.`
    )
  }
  if (statements.length === 0) throw badRequest(`'statements' is empty: a transaction needs at least one statement.`)
  if (statements.length > MAX_STATEMENTS) {
    throw badRequest(`'statements' has ${statements.length} statements: at most ${MAX_STATEMENTS} fit in one transaction request.`)
  }
  if (body.resultsNeeded !== undefined && typeof body.resultsNeeded !== 'boolean') {
    throw badRequest(`'resultsNeeded' must be a boolean when given, got ${kind(body.resultsNeeded)}.`)
  }
  const checked = statements.map(checkStatement)
  return body.resultsNeeded === false ? { protocol, op, statements: checked, resultsNeeded: false } : { protocol, op, statements: checked }
}

/** The request as the runner will act on it (a clean copy, unknown fields dropped), or the refusal to answer. */
export function parseRequest(event: unknown, runnerVersion = 'dev'): ParsedRequest {
  try {
    return { ok: true, request: parse(event, runnerVersion) }
  } catch (error) {
    if (!(error instanceof Refusal)) throw error
    const op = isObject(event) && typeof event.op === 'string' ? event.op : undefined
    return { ok: false, failure: { ok: false, error: { code: error.code, message: error.message } }, op }
  }
}
