/**
 * The migration lease on MySQL (one row in the lock table, SKIP LOCKED / NOWAIT, never waiting on its lock):
 * an expired lease is taken over with the next token and the old holder's fence and renewal fail; a live
 * lease, or a row an open transaction holds, makes a run poll up to wait-timeout; release frees the row and
 * never hangs on a locked one. On the file's own MariaDB over a direct URL; each test reads the lease row.
 */
import mysql2 from 'mysql2/promise'
import { mysql } from '../../src/dialects/mysql/index.js'
import { mysqlMetaTables } from '../../src/dialects/mysql/identifiers.js'
import { applyMigrations } from '../../src/engine/apply.js'
import { acquireLease, type Lease } from '../../src/engine/lease.js'
import type { MetaTables } from '../../src/engine/meta.js'
import { ensureMetaTables } from '../../src/engine/meta-store.js'
import { LeaseLostError, LeaseTimeoutError } from '../../src/errors.js'
import { discoverMigrations } from '../../src/migrations/discover.js'
import { MysqlTarget } from '../../src/targets/mysql.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'
import { options as baseOptions } from '../../testkit/contract/engine-cases.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'

describeMysql('the migration lease on MySQL', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let tables: MetaTables
  const targets: MysqlTarget[] = []
  const connect = (): MysqlTarget => {
    const target = new MysqlTarget(db.url, { wire: mysql.wire })
    targets.push(target)
    return target
  }
  const sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string): Promise<T[]> => mysqlSql<T>(db.url, text)
  const leaseRow = () =>
    sql<{ owner: string; token: number; expires_at: string; previous_owner: string | null }>(
      'SELECT owner, CAST(token AS SIGNED) AS token, expires_at, previous_owner, expires_at > UTC_TIMESTAMP(6) AS live FROM schema_migrations_lock'
    )
  const options = (overrides: Parameters<typeof baseOptions>[0] = {}) =>
    baseOptions({ dialect: mysql.engine, tables: mysqlMetaTables(db.name, 'schema_migrations'), ...overrides })
  const take = (target: MysqlTarget, owner: string, waitTimeoutSeconds = 5): Promise<Lease> =>
    acquireLease(mysql.engine, target, tables, { owner, ttlSeconds: 30, waitTimeoutSeconds, log: () => undefined })

  /** Holds the lease row's lock from a connection of its own, as an open version transaction does. */
  async function holdLeaseRow(): Promise<{ release(): Promise<void> }> {
    const connection = await mysql2.createConnection({ uri: db.url })
    await connection.query('START TRANSACTION')
    await connection.query('SELECT * FROM schema_migrations_lock WHERE id = 1 FOR UPDATE')
    return {
      async release() {
        await connection.query('ROLLBACK')
        await connection.end()
      }
    }
  }

  beforeEach(async () => {
    db = await createMysqlDatabase(server.url, 'lease')
    tables = mysqlMetaTables(db.name, 'schema_migrations')
    await ensureMetaTables(mysql.engine, connect(), tables, false)
  })
  afterEach(async () => {
    await Promise.all(targets.splice(0).map((t) => t.close()))
    await db.drop()
  })

  test('an expired lease is taken over with the next token; the old holder can neither fence, renew nor release it', async () => {
    const first = await take(connect(), 'first run')
    expect(first.tookOverFrom).toBeNull()
    expect(await leaseRow()).toEqual([expect.objectContaining({ owner: 'first run', token: first.token, live: 1 })])
    // The first run stops renewing: its lease runs out.
    await sql("UPDATE schema_migrations_lock SET expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 SECOND WHERE owner = 'first run'")

    const second = await take(connect(), 'second run')
    expect(second.tookOverFrom).toBe('first run')
    expect(second.token).toBe(first.token + 1)
    expect(await leaseRow()).toEqual([
      expect.objectContaining({ owner: 'second run', token: first.token + 1, previous_owner: 'first run', live: 1 })
    ])

    // The first run's fence fails as the first statement of its transaction: nothing after it commits.
    const target = connect()
    await target.query('CREATE TABLE t (id INT)')
    const fenced = await target.transaction([first.fence(), { sql: 'INSERT INTO t VALUES (1)' }])
    expect(fenced.ok).toBe(false)
    expect(fenced).toMatchObject({ failedIndex: 0 })
    expect(await sql('SELECT * FROM t')).toEqual([])
    await expect(first.renew()).rejects.toBeInstanceOf(LeaseLostError)
    await first.release().catch(() => undefined)
    expect(await leaseRow()).toEqual([expect.objectContaining({ owner: 'second run', token: first.token + 1, live: 1 })])

    // The second run's fence holds.
    expect(await target.transaction([second.fence(), { sql: 'INSERT INTO t VALUES (2)' }])).toMatchObject({ ok: true })
    expect(await sql('SELECT id FROM t')).toEqual([{ id: 2 }])
    await second.release()
    expect(await leaseRow()).toEqual([expect.objectContaining({ owner: '', token: first.token + 1, live: 0 })])
  })

  test('a run that finds a live lease polls up to wait-timeout, then stops naming the holder; lease and history stay', async () => {
    await sql("UPDATE schema_migrations_lock SET owner = 'busy run', token = 7, expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR")
    const before = await leaseRow()
    const dir = writeMigrations({ 'v1/01.sql': 'CREATE TABLE t1 (id INT);' })
    const { versions } = await discoverMigrations(mysql.syntax, dir, dir)
    const opts = options({ lease: { owner: 'waiting run', ttlSeconds: 30, waitTimeoutSeconds: 2 } })
    const started = Date.now()
    const result = await applyMigrations(connect(), versions, opts)
    const elapsed = Date.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(2000)
    expect(elapsed).toBeLessThan(8000)
    expect(result.error).toBeInstanceOf(LeaseTimeoutError)
    expect(result.error!.message).toMatch(
      /Another run holds the migration lease: busy run \(it expires in \d+ s unless renewed\)\. Waited 2 s \(wait-timeout\)/
    )
    expect(opts.logs.join('\n')).toMatch(/Waiting for the migration lease held by busy run/)
    expect(await leaseRow()).toEqual(before)
    expect(await sql('SELECT * FROM schema_migrations')).toEqual([])
    expect(await sql("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't1'")).toEqual([])
  })

  test('an expired lease whose row an open transaction still locks is waited for, up to wait-timeout', async () => {
    await sql("UPDATE schema_migrations_lock SET owner = 'stopped run', token = 7, expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE")
    const before = await leaseRow()
    const holder = await holdLeaseRow()
    try {
      const started = Date.now()
      await expect(take(connect(), 'waiting run', 2)).rejects.toThrow(
        /the lease of stopped run has run out, but its row in .*schema_migrations_lock is still locked by an open transaction/
      )
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    } finally {
      await holder.release()
    }
    expect(await leaseRow()).toEqual(before)
  })

  test('once the transaction that held the row ends, a waiting run takes the lease and applies', async () => {
    const dir = writeMigrations({ 'v1/01.sql': 'CREATE TABLE t1 (id INT);' })
    const { versions } = await discoverMigrations(mysql.syntax, dir, dir)
    const holder = await holdLeaseRow()
    setTimeout(() => void holder.release(), 1500)
    const opts = options({ lease: { owner: 'waiting run', ttlSeconds: 30, waitTimeoutSeconds: 20 } })
    const result = await applyMigrations(connect(), versions, opts)
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1])
    expect(opts.logs.join('\n')).toMatch(
      /Waiting for the migration lease: the lease is free, but its row in .* is still locked by an open transaction/
    )
    expect((await sql<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version)).toEqual([1])
    expect(await leaseRow()).toEqual([expect.objectContaining({ owner: '', token: 1, live: 0 })])
  })

  test('release frees the row; it never hangs on a locked row, and renewing then is neither done nor lost', async () => {
    const lease = await take(connect(), 'this run')
    const held = await leaseRow()
    expect(held).toEqual([expect.objectContaining({ owner: 'this run', token: lease.token, live: 1 })])
    const holder = await holdLeaseRow()
    const started = Date.now()
    try {
      await expect(lease.release()).rejects.toThrow(/stayed locked by an open transaction/)
      expect(Date.now() - started).toBeLessThan(5000)
      await expect(lease.renew()).resolves.toBe(false)
    } finally {
      await holder.release()
    }
    expect(await leaseRow()).toEqual(held)
    await expect(lease.renew()).resolves.toBe(true)
    await lease.release()
    expect(await leaseRow()).toEqual([
      expect.objectContaining({ owner: '', token: lease.token, expires_at: '1000-01-01 00:00:00.000000', live: 0 })
    ])
    // A free lease is taken at once, with the next token.
    const next = await take(connect(), 'next run', 1)
    expect([next.token, next.tookOverFrom]).toEqual([lease.token + 1, null])
    expect(next.waitedMs).toBeLessThan(500)
  })
})
