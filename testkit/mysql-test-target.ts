/**
 * A test helper, not the transport: a mysql2/promise connection as the engine's Target
 * (src/targets/target.ts), so that the MySQL dialect's statements can be run as the engine runs them
 * before the real MySQL transports (src/targets/mysql/) exist. `:name` parameters become `?` (found
 * through the MySQL lexer, so a `:` inside a string, an identifier or a comment is left alone); errors
 * become DatabaseError with the server's errno and SQLSTATE; transaction() runs BEGIN … COMMIT with the
 * guards (expectRows) and labels as the contract says. Values come back as the driver gives them
 * (numbers for 0/1 flags, strings for DECIMAL), so the tests see what MySQL really answers.
 */
import { createConnection, type Connection, type ResultSetHeader } from 'mysql2/promise'
import { DatabaseError, type SqlErrorInfo } from '../src/errors.js'
import { Scanner } from '../src/dialects/mysql/lexer.js'
import {
  guardFailure,
  type QueryResult,
  type Row,
  type SqlParams,
  type SqlValue,
  type Target,
  type TransactionResult,
  type TxStatement
} from '../src/targets/target.js'

/** `:name` → `?` with the values in order (a name used twice is bound twice); other text as is. */
export function positional(sql: string, params: SqlParams | undefined): { text: string; values: SqlValue[] } {
  if (!params) return { text: sql, values: [] }
  const scanner = new Scanner(sql)
  const values: SqlValue[] = []
  let text = ''
  for (let i = 0; i < sql.length;) {
    scanner.scan(i)
    const piece = sql.slice(i, scanner.end)
    if (scanner.kind === 'symbol' && piece === ':' && sql[i - 1] !== ':') {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))?.[0]
      if (name && Object.prototype.hasOwnProperty.call(params, name)) {
        values.push(params[name])
        text += '?'
        i += 1 + name.length
        continue
      }
    }
    text += piece
    i = scanner.end
  }
  return { text, values }
}

export function errorInfo(error: unknown): SqlErrorInfo {
  const e = error as { message?: string; sqlMessage?: string; sqlState?: string; errno?: number }
  return { message: e.sqlMessage ?? e.message ?? String(error), sqlState: e.sqlState, errno: e.errno }
}

export interface MysqlTestTarget extends Target {
  readonly connection: Connection
}

export async function mysqlTestTarget(uri: string): Promise<MysqlTestTarget> {
  const connection = await createConnection({ uri, dateStrings: true, supportBigNumbers: true, bigNumberStrings: false })
  const run = async (sql: string, params?: SqlParams): Promise<QueryResult> => {
    const { text, values } = positional(sql, params)
    try {
      const [result] = await connection.query(text, values)
      if (Array.isArray(result)) return { rows: result as Row[], rowCount: result.length }
      return { rows: [], rowCount: (result as ResultSetHeader).affectedRows }
    } catch (error) {
      throw new DatabaseError(errorInfo(error))
    }
  }
  return {
    description: 'MySQL test connection',
    connection,
    query: (sql, params) => run(sql, params),
    async transaction(statements: TxStatement[]): Promise<TransactionResult> {
      await connection.query('BEGIN')
      const results: QueryResult[] = []
      for (const [index, statement] of statements.entries()) {
        let result: QueryResult
        try {
          result = await run(statement.sql, statement.params)
        } catch (error) {
          await connection.query('ROLLBACK')
          const info = error instanceof DatabaseError ? error.info : errorInfo(error)
          return { ok: false, phase: 'statement', failedIndex: index, failedLabel: statement.label, error: info }
        }
        const guard = guardFailure(statement, result, index)
        if (guard) {
          await connection.query('ROLLBACK')
          return guard
        }
        results.push(result)
      }
      try {
        await connection.query('COMMIT')
      } catch (error) {
        return { ok: false, phase: 'commit', failedIndex: statements.length, error: errorInfo(error) }
      }
      return { ok: true, results }
    },
    close: () => connection.end()
  }
}
