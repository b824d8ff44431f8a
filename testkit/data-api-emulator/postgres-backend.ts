/**
 * The RDS Data API emulator's PostgreSQL backend (backend.ts): pooled `pg` connections reset with
 * `DISCARD ALL` between calls (at least two, FIFO, so consecutive calls land on different sessions),
 * transactions opened with BEGIN, a running statement cancelled with pg_cancel_backend, server errors as
 * pgjdbc-style text, and values mapped from PostgreSQL's text as the service maps them (postgres-values.ts).
 */
import pg from 'pg'
import type { DataApiBackend } from './backend.js'
import { formatPgError, isPgServerError, prepareSql, ensureParser, type PreparedSql } from './postgres-sql.js'
import {
  BUILTIN_TYPES,
  DOUBLE_TYPES,
  JDBC_TYPES,
  LONG_TYPES,
  arrayValue,
  parseArrayLiteral,
  scalarField,
  type TypeInfo
} from './postgres-values.js'
import { ServiceError, checkRowSize, databaseError, databaseUnavailable, type FieldValue, type ReplyBody } from './protocol.js'

/** Every value arrives as PostgreSQL's text; the emulator maps it to fields itself. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig

/** Databases whose connections the emulator keeps open at once (two each, at least); older unused ones are closed. */
const MAX_POOLS = 24

class DatabasePool {
  private idle: pg.Client[] = []
  private readonly all = new Set<pg.Client>()
  private readonly broken = new WeakSet<pg.Client>()
  readonly types = new Map<number, TypeInfo>()

  constructor(private readonly url: string) {}

  /**
   * A connection for one call or one transaction. With at least two connections and a FIFO idle
   * list, consecutive calls land on different sessions, as they may on the service.
   */
  async acquire(): Promise<pg.Client> {
    while (this.all.size < 2) this.idle.push(await this.connect())
    return this.idle.shift() ?? (await this.connect())
  }

  /** Resets a connection (like the service between calls) and puts it back. */
  async release(client: pg.Client): Promise<void> {
    if (this.broken.has(client)) return this.destroy(client)
    try {
      const status = (client as unknown as { _txStatus?: string })._txStatus
      if (status && status !== 'I') await client.query('ROLLBACK')
      await client.query('DISCARD ALL')
      this.idle.push(client)
    } catch {
      await this.destroy(client)
    }
  }

  async destroy(client: pg.Client): Promise<void> {
    this.all.delete(client)
    this.idle = this.idle.filter((c) => c !== client)
    await client.end().catch(() => {})
  }

  async typeInfo(client: pg.Client, oid: number): Promise<TypeInfo> {
    const known = BUILTIN_TYPES[oid] ?? this.types.get(oid)
    if (known) return known
    const result = await client.query<{ typname: string; typcategory: string; typelem: string }>(
      'SELECT typname, typcategory, typelem FROM pg_catalog.pg_type WHERE oid = $1',
      [oid]
    )
    const row = result.rows[0]
    const info: TypeInfo = row
      ? { name: row.typname, category: row.typcategory, element: Number(row.typelem) }
      : { name: 'unknown', category: 'X', element: 0 }
    this.types.set(oid, info)
    return info
  }

  /** No connection is out (in a call or a transaction): the pool can be closed without harm. */
  get unused(): boolean {
    return this.idle.length === this.all.size
  }

  async close(): Promise<void> {
    const clients = [...this.all]
    this.all.clear()
    this.idle = []
    await Promise.all(clients.map((c) => c.end().catch(() => {})))
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, types: RAW_TYPES, options: '-c TimeZone=UTC' })
    client.on('error', () => {
      this.broken.add(client)
    })
    await client.connect()
    this.all.add(client)
    return client
  }
}

export interface PostgresConnection {
  client: pg.Client
  pool: DatabasePool
}

/** A PostgreSQL backend on the server `postgresUrl` names (its path names the database used when a call names none). */
export async function createPostgresBackend(postgresUrl: string): Promise<DataApiBackend<PostgresConnection, PreparedSql, pg.QueryResult>> {
  const baseUrl = new URL(postgresUrl)
  const defaultDatabase = decodeURIComponent(baseUrl.pathname.replace(/^\//, '')) || 'postgres'
  const pools = new Map<string, DatabasePool>()

  await ensureParser()

  function poolFor(database: unknown): DatabasePool {
    const name = typeof database === 'string' && database !== '' ? database : defaultDatabase
    let pool = pools.get(name)
    if (pool) {
      // Most recently used last: the pools closed first are the ones longest unused.
      pools.delete(name)
      pools.set(name, pool)
      return pool
    }
    const url = new URL(baseUrl.toString())
    url.pathname = `/${encodeURIComponent(name)}`
    pool = new DatabasePool(url.toString())
    pools.set(name, pool)
    // A fleet reaches hundreds of databases: keep the server's connections (max_connections 100) for the ones in use.
    for (const [other, candidate] of pools) {
      if (pools.size <= MAX_POOLS) break
      if (candidate === pool || !candidate.unused) continue
      pools.delete(other)
      void candidate.close()
    }
    return pool
  }

  async function acquireFrom(pool: DatabasePool): Promise<pg.Client> {
    try {
      return await pool.acquire()
    } catch (error) {
      if (isPgServerError(error)) {
        if (error.code === '3D000')
          throw new ServiceError(
            404,
            'DatabaseNotFoundException',
            formatPgError(error, (p) => p)
          )
        throw databaseError(formatPgError(error, (p) => p))
      }
      throw databaseUnavailable(error)
    }
  }

  async function toRecords(
    pool: DatabasePool,
    client: pg.Client,
    result: pg.QueryResult,
    body: Record<string, unknown>
  ): Promise<ReplyBody> {
    const fields = result.fields ?? []
    const reply: ReplyBody = {
      numberOfRecordsUpdated: fields.length > 0 ? 0 : (result.rowCount ?? 0)
    }
    if (fields.length === 0) return reply
    const infos = await Promise.all(fields.map((f) => pool.typeInfo(client, f.dataTypeID)))
    const elementInfos = await Promise.all(
      infos.map((info) => (info.category === 'A' && info.element ? pool.typeInfo(client, info.element) : undefined))
    )
    const rawRows = result.rows as Record<string, string | null>[]
    if (body.includeResultMetadata === true) {
      reply.columnMetadata = fields.map((f, i) => ({
        name: f.name,
        label: f.name,
        type: infos[i].category === 'A' ? 2003 : (JDBC_TYPES[infos[i].name] ?? 1111),
        typeName: infos[i].name,
        isSigned: LONG_TYPES.has(infos[i].name) || DOUBLE_TYPES.has(infos[i].name) || infos[i].name === 'numeric',
        isAutoIncrement: false,
        isCurrency: false,
        isCaseSensitive: infos[i].category === 'S',
        nullable: 2,
        precision: 0,
        scale: 0,
        schemaName: '',
        tableName: '',
        arrayBaseColumnType: 0
      }))
    }
    // pg keys rows by column name; with duplicate names use the arrays instead.
    const rows: (string | null)[][] = rawRows.map((row) => fields.map((f) => row[f.name] ?? null))
    // The service returns at most 64 KB per row ("Packet for query is too large").
    for (const row of rows) checkRowSize(row.map((text) => (text === null ? 0 : Buffer.byteLength(text))))
    if (body.formatRecordsAs === 'JSON') {
      const objects = rows.map((row) => {
        const object: Record<string, unknown> = {}
        fields.forEach((f, i) => {
          const text = row[i]
          const field = text === null ? null : scalarField(text, infos[i].name)
          object[f.name] = field === null ? null : Object.values(field)[0]
        })
        return object
      })
      reply.formattedRecords = JSON.stringify(objects)
      return reply
    }
    reply.records = rows.map((row) =>
      row.map((text, i): FieldValue => {
        if (text === null) return { isNull: true }
        if (infos[i].category === 'A') return { arrayValue: arrayValue(parseArrayLiteral(text), elementInfos[i]?.name ?? 'text') }
        return scalarField(text, infos[i].name)
      })
    )
    return reply
  }

  return {
    prepare: prepareSql,
    async acquire(database) {
      const pool = poolFor(database)
      return { client: await acquireFrom(pool), pool }
    },
    release: ({ client, pool }) => pool.release(client),
    run: ({ client }, statement) =>
      client.query({ text: statement.text, values: statement.values, queryMode: 'extended' } as pg.QueryConfig),
    begin: async ({ client }) => {
      await client.query('BEGIN')
    },
    commit: async ({ client }) => {
      await client.query('COMMIT')
    },
    rollback: async ({ client }) => {
      await client.query('ROLLBACK')
    },
    async cancel({ client, pool }) {
      const pid = (client as unknown as { processID?: number }).processID
      if (!pid) return
      const other = await pool.acquire().catch(() => undefined)
      if (!other) return
      try {
        await other.query('SELECT pg_cancel_backend($1)', [pid])
      } finally {
        await pool.release(other)
      }
    },
    connectionId: ({ client }) => (client as unknown as { processID?: number }).processID ?? 0,
    reply: ({ client, pool }, result, body) => toRecords(pool, client, result, body),
    updateResult: () => ({ generatedFields: [] }),
    sqlError: (error, statement) =>
      isPgServerError(error) ? databaseError(formatPgError(error, statement ? statement.mapPosition : (p) => p)) : undefined,
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close()))
    }
  }
}
