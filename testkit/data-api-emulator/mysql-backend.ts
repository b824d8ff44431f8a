/**
 * The RDS Data API emulator's MySQL backend (backend.ts), on a MySQL or MariaDB server through mysql2, as
 * mysql-notes §1.8 describes the service on Aurora MySQL:
 * - pooled connections (at least two, FIFO, so consecutive calls land on different sessions), reset between
 *   calls with COM_RESET_CONNECTION (mysql2's `reset()`): GET_LOCK locks, user variables, `SET SESSION`,
 *   temporary tables and an open transaction do not survive a call; a `USE` is undone too (the pool's database
 *   is selected again). A transaction pins its connection until it ends.
 * - BeginTransaction is `SET autocommit=0` (the JDBC model, the default) or, as an option, `START TRANSACTION`
 *   (mysql-notes §1.3): after a DDL's implicit commit the first goes on in a new transaction, the second in
 *   autocommit, so Rollback then undoes nothing. Which one the service uses is unconfirmed: tests run both.
 * - DDL commits implicitly: that is the server's doing, and nothing here hides it.
 * - a server error reads `<message>; Error code: <errno>; SQLState: <state>` (mysql-sql.ts).
 * - a running statement is stopped with KILL QUERY from another connection.
 * - `numberOfRecordsUpdated` is the server's affected rows with CLIENT_FOUND_ROWS (mysql2's default, and
 *   Connector/J's useAffectedRows=false): rows matched, not only rows changed. `generatedFields` holds the
 *   AUTO_INCREMENT id an INSERT generated.
 */
import mysql from 'mysql2/promise'
import type { FieldPacket, ResultSetHeader } from 'mysql2'
import type { DataApiBackend } from './backend.js'
import { formatMysqlError, isMysqlServerError, mysqlSqlError, prepareMysql, type MysqlStatement } from './mysql-sql.js'
import { columnMetadata, describeColumn, fieldValue } from './mysql-values.js'
import { ServiceError, checkRowSize, databaseError, databaseUnavailable, type FieldValue, type ReplyBody } from './protocol.js'

export type MysqlTransactionModel = 'autocommit-off' | 'start-transaction'

/** ER_BAD_DB_ERROR: "Unknown database". */
const UNKNOWN_DATABASE = 1049

class MysqlPool {
  private idle: mysql.Connection[] = []
  private readonly all = new Set<mysql.Connection>()
  private readonly broken = new WeakSet<mysql.Connection>()

  constructor(
    private readonly url: string,
    /** The database every call on this pool starts in; undefined for none. */
    private readonly database: string | undefined
  ) {}

  /** A connection for one call or one transaction (see the PostgreSQL pool: FIFO, at least two). */
  async acquire(): Promise<mysql.Connection> {
    while (this.all.size < 2) this.idle.push(await this.connect())
    return this.idle.shift() ?? (await this.connect())
  }

  /** Resets a connection (like the service between calls) and puts it back. */
  async release(connection: mysql.Connection): Promise<void> {
    if (this.broken.has(connection)) return this.destroy(connection)
    try {
      await connection.reset()
      if (this.database !== undefined) await connection.query(`USE ${mysql.escapeId(this.database)}`)
      this.idle.push(connection)
    } catch {
      await this.destroy(connection)
    }
  }

  async destroy(connection: mysql.Connection): Promise<void> {
    this.all.delete(connection)
    this.idle = this.idle.filter((c) => c !== connection)
    connection.destroy()
  }

  async close(): Promise<void> {
    const connections = [...this.all]
    this.all.clear()
    this.idle = []
    await Promise.all(connections.map((c) => c.end().catch(() => c.destroy())))
  }

  private async connect(): Promise<mysql.Connection> {
    const connection = await mysql.createConnection({
      uri: this.url,
      ...(this.database !== undefined ? { database: this.database } : {}),
      multipleStatements: false,
      // Not mysql2's defaults (IGNORE_SPACE added to the session's sql_mode, utf8mb4_unicode_ci): what the
      // server's own settings give, as the direct transport.
      flags: ['-IGNORE_SPACE'],
      charset: 'utf8mb4',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true
    })
    connection.on('error', () => {
      this.broken.add(connection)
    })
    this.all.add(connection)
    return connection
  }
}

export interface MysqlConnection {
  connection: mysql.Connection
  pool: MysqlPool
}

/** What one statement returned: a result set (rows of raw values and its columns) or an OK packet. */
export type MysqlResult = { rows: (Buffer | null)[][]; fields: FieldPacket[] } | { header: ResultSetHeader }

/** Every value arrives as the server's bytes; the backend maps it to fields itself (mysql-values.ts). */
const RAW_BYTES = (field: { buffer: () => Buffer | null }) => field.buffer()

async function runStatement(connection: mysql.Connection, statement: MysqlStatement): Promise<MysqlResult> {
  const [result, fields] = (await connection.query({ sql: statement.text, rowsAsArray: true, typeCast: RAW_BYTES })) as [
    unknown,
    FieldPacket[] | FieldPacket[][] | undefined
  ]
  if (!fields) return { header: result as ResultSetHeader }
  // A CALL answers its result sets and then an OK packet: the first result set is the call's result.
  if (Array.isArray(fields[0])) {
    return { rows: (result as (Buffer | null)[][][])[0], fields: fields[0] }
  }
  return { rows: result as (Buffer | null)[][], fields: fields as FieldPacket[] }
}

function insertedFields(header: ResultSetHeader): FieldValue[] {
  return header.insertId ? [{ longValue: Number(header.insertId) }] : []
}

export interface MysqlBackendOptions {
  /** How BeginTransaction opens a transaction. Default 'autocommit-off'. */
  transactions?: MysqlTransactionModel
}

/** A MySQL backend on the server `mysqlUrl` names (its path names the database used when a call names none). */
export function createMysqlBackend(
  mysqlUrl: string,
  options: MysqlBackendOptions = {}
): DataApiBackend<MysqlConnection, MysqlStatement, MysqlResult> {
  const baseUrl = new URL(mysqlUrl)
  const defaultDatabase = decodeURIComponent(baseUrl.pathname.replace(/^\//, '')) || undefined
  const serverUrl = new URL(baseUrl.toString())
  serverUrl.pathname = '/'
  const beginSql = (options.transactions ?? 'autocommit-off') === 'autocommit-off' ? 'SET autocommit=0' : 'START TRANSACTION'
  const pools = new Map<string, MysqlPool>()

  function poolFor(database: unknown): MysqlPool {
    const name = typeof database === 'string' && database !== '' ? database : defaultDatabase
    const key = name ?? ''
    let pool = pools.get(key)
    if (!pool) {
      pool = new MysqlPool(serverUrl.toString(), name)
      pools.set(key, pool)
    }
    return pool
  }

  function reply(result: MysqlResult, body: Record<string, unknown>): ReplyBody {
    if ('header' in result) {
      const generated = insertedFields(result.header)
      return { numberOfRecordsUpdated: result.header.affectedRows, ...(generated.length > 0 ? { generatedFields: generated } : {}) }
    }
    const out: ReplyBody = { numberOfRecordsUpdated: 0 }
    const columns = result.fields.map(describeColumn)
    if (body.includeResultMetadata === true) out.columnMetadata = columns.map(columnMetadata)
    const records = result.rows.map((row) => {
      checkRowSize(row.map((bytes) => bytes?.length ?? 0))
      return row.map((bytes, i) => fieldValue(bytes, columns[i]))
    })
    if (body.formatRecordsAs === 'JSON') {
      const objects = records.map((row) => {
        const object: Record<string, unknown> = {}
        columns.forEach((column, i) => {
          const field = row[i]
          object[column.name] = 'isNull' in field ? null : Object.values(field)[0]
        })
        return object
      })
      out.formattedRecords = JSON.stringify(objects)
      return out
    }
    out.records = records
    return out
  }

  return {
    prepare: prepareMysql,
    async acquire(database) {
      const pool = poolFor(database)
      try {
        return { connection: await pool.acquire(), pool }
      } catch (error) {
        if (isMysqlServerError(error)) {
          if (error.errno === UNKNOWN_DATABASE) throw new ServiceError(404, 'DatabaseNotFoundException', formatMysqlError(error))
          throw databaseError(formatMysqlError(error))
        }
        throw databaseUnavailable(error)
      }
    },
    release: ({ connection, pool }) => pool.release(connection),
    run: ({ connection }, statement) => runStatement(connection, statement),
    begin: async ({ connection }) => {
      await connection.query(beginSql)
    },
    commit: async ({ connection }) => {
      await connection.query('COMMIT')
    },
    rollback: async ({ connection }) => {
      await connection.query('ROLLBACK')
    },
    async cancel({ connection, pool }) {
      const other = await pool.acquire().catch(() => undefined)
      if (!other) return
      try {
        await other.query(`KILL QUERY ${Number(connection.threadId)}`)
      } catch {
        // The statement ended (and its session with it) before it could be stopped.
      } finally {
        await pool.release(other)
      }
    },
    connectionId: ({ connection }) => connection.threadId ?? 0,
    reply: async (_connection, result, body) => reply(result, body),
    updateResult: (result) => ({ generatedFields: 'header' in result ? insertedFields(result.header) : [] }),
    sqlError: (error) => mysqlSqlError(error),
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close()))
    }
  }
}
