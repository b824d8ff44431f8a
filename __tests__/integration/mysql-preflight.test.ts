/**
 * The pre-flight of a MySQL DDL (src/engine/preflight.ts, src/dialects/mysql/metadata-locks.ts) on the file's
 * own MariaDB, over a direct `mysql://` URL (each DDL a step of its own) and over the Data API emulator in
 * MySQL mode (the version as one temporary procedure): a transaction left open on the table holds the DDL
 * back up to wait-timeout, and then the version is refused before its DDL (or its procedure) runs, naming the
 * session; a transaction that ends during the wait lets it go on; a table nobody holds is not waited for.
 * The test server runs with performance_schema off, so these tests exercise the heuristic (idle transactions,
 * statements naming the table); mysql-metadata-locks.test.ts reads performance_schema's rows.
 * Every test reads the database afterwards over a direct connection.
 */
import mysql2 from 'mysql2/promise'
import { mysql } from '../../src/dialects/mysql/index.js'
import { mysqlMetaTables } from '../../src/dialects/mysql/identifiers.js'
import { applyMigrations, type ApplyResult } from '../../src/engine/apply.js'
import { TableLockWaitError } from '../../src/engine/preflight.js'
import { discoverMigrations as discover } from '../../src/migrations/discover.js'
import type { Version } from '../../src/migrations/types.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { MysqlTarget } from '../../src/targets/mysql.js'
import type { Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { options as baseOptions } from '../../testkit/contract/engine-cases.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { FakeClock } from '../../testkit/fake-clock.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'

useDummyAwsEnvironment()

const V1 = {
  'v1/01_orders.sql': 'CREATE TABLE orders (id INT PRIMARY KEY, total INT);\nINSERT INTO orders VALUES (1, 10), (2, 20);',
  'v1/02_customers.sql': 'CREATE TABLE customers (id INT PRIMARY KEY);\nINSERT INTO customers VALUES (1);'
}
/** A batch of DML, then a DDL of orders. */
const V2 = { ...V1, 'v2/01_note.sql': 'INSERT INTO orders VALUES (3, 30);\nALTER TABLE orders ADD COLUMN note VARCHAR(20);' }

/** Long enough for a transaction to be older than a lock-timeout of 1 s in whole seconds (INNODB_TRX's). */
const AGE_MS = 2100

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeMysql('the pre-flight of a MySQL DDL', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let emulator: DataApiEmulator | undefined
  let target: Target
  let holder: mysql2.Connection | undefined

  const sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string): Promise<T[]> => mysqlSql<T>(db.url, text)
  const options = (overrides: Parameters<typeof baseOptions>[0] = {}): ReturnType<typeof baseOptions> =>
    baseOptions({ dialect: mysql.engine, tables: mysqlMetaTables(db.name, 'schema_migrations'), lockTimeoutMs: 1000, ...overrides })
  const versionsOf = async (files: Record<string, string>): Promise<Version[]> =>
    (await discover(mysql.syntax, writeMigrations(files))).versions
  const columns = async (): Promise<string[]> =>
    (
      await sql<{ c: string }>(
        "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
      )
    ).map((r) => r.c)
  const orders = async (): Promise<number[]> => (await sql<{ id: number }>('SELECT id FROM orders ORDER BY id')).map((r) => r.id)
  const journal = (): Promise<unknown[]> => sql('SELECT version, step, state FROM schema_migrations_progress ORDER BY version, step')
  const applied = async (): Promise<number[]> =>
    (await sql<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)
  const leaseOwner = async (): Promise<string> =>
    String((await sql<{ owner: string }>('SELECT owner FROM schema_migrations_lock'))[0]?.owner)
  const waitingLogs = (logs: string[]) => logs.filter((line) => / waits? before (it runs|they run): /.test(line))

  /** A second session that opens a transaction and reads `table`, then stays idle in it; its session id. */
  async function holdTable(table: string): Promise<number> {
    holder = await mysql2.createConnection({ uri: db.url })
    await holder.query('START TRANSACTION')
    await holder.query(`SELECT * FROM ${table}`)
    const [rows] = await holder.query('SELECT CONNECTION_ID() AS id')
    return Number((rows as Array<{ id: number }>)[0].id)
  }

  afterEach(async () => {
    await holder?.query('ROLLBACK').catch(() => {})
    await holder?.end().catch(() => {})
    holder = undefined
    await target?.close()
    await emulator?.stop()
    emulator = undefined
    await db?.drop()
  })

  describe.each([
    ['a mysql:// URL, each DDL a step of its own', 'direct'],
    ['the Data API, the version as one procedure', 'data-api']
  ] as const)('over %s', (_title, transport) => {
    async function start(): Promise<void> {
      db = await createMysqlDatabase(server.url, 'preflight')
      if (transport === 'direct') {
        target = new MysqlTarget(db.url, { wire: mysql.wire })
      } else {
        emulator = await startDataApiEmulator({ databaseUrl: server.url })
        target = createDataApiTarget({
          wire: mysql.wire,
          resourceArn: emulator.resourceArn,
          secretArn: emulator.secretArn,
          database: db.name,
          endpoint: emulator.endpoint,
          ...new FakeClock().hooks
        })
      }
      const first = await applyMigrations(target, await versionsOf(V1), options())
      expect(first.error).toBeNull()
    }

    test('a transaction left open on the table: it waits up to wait-timeout, then refuses the version before its DDL runs, naming the session', async () => {
      await start()
      const session = await holdTable('orders')
      await sleep(AGE_MS)
      const calls = emulator?.calls.length ?? 0
      const logs = options({ lease: { owner: 'preflight-test', ttlSeconds: 30, waitTimeoutSeconds: 3 } })
      const started = Date.now()
      const result: ApplyResult = await applyMigrations(target, await versionsOf(V2), logs)
      const elapsed = Date.now() - started

      expect(result.failedVersion).toBe(2)
      expect(result.error).toBeInstanceOf(TableLockWaitError)
      expect((result.error as TableLockWaitError).sessions).toEqual([String(session)])
      const message = result.error!.message
      expect(message).toContain(`performance_schema is off: session ${session} (user root, Sleep) has had a transaction open for `)
      expect(message).toMatch(/ s and may hold the metadata lock on orders\./)
      expect(message).toContain(`after 3 s (wait-timeout)`)
      expect(message).toContain(`KILL ${session}`)
      // Never the statement's text or the host.
      expect(message).not.toMatch(/SELECT \* FROM orders|127\.0\.0\.1/)
      // It waited the whole wait-timeout, looking every 2 s, and said so once.
      expect(elapsed).toBeGreaterThanOrEqual(3000)
      expect(elapsed).toBeLessThan(8000)
      expect(waitingLogs(logs.logs)).toHaveLength(1)
      expect(waitingLogs(logs.logs)[0]).toContain(`session ${session} (user root, Sleep)`)

      expect(await columns()).toEqual(['id', 'total'])
      expect(await applied()).toEqual([1])
      expect(await leaseOwner()).toBe('')
      if (transport === 'direct') {
        // The batch before the DDL committed and is journaled; the DDL was not started (no 'started' row).
        expect(message).toMatch(/^Step 2 of v2 \(.*v2\/01_note\.sql:2\) was not run: it needs the metadata lock on orders, and after 3 s/)
        expect(message).toMatch(
          /Nothing of v2 ran from step 2 on\. v2 is partly applied: step 1 of 2 ran and stay applied .* Re-run: the run resumes after step 1\.$/
        )
        expect(await orders()).toEqual([1, 2, 3])
        expect(await journal()).toEqual([{ version: 2, step: 0, state: 'done' }])
      } else {
        // The procedure looked first, server-side, and ran nothing; the run then waited with its own check.
        expect(message).toMatch(
          /^Steps 1–2 of v2 \(one procedure\) were not run: step 2 \(.*v2\/01_note\.sql:2\) needs the metadata lock on orders/
        )
        expect(message).toMatch(/Nothing of v2 was applied; versions before it stay applied\.$/)
        const procedures = emulator!.calls.slice(calls).filter((c) => /^CREATE PROCEDURE/.test(c.sql ?? ''))
        expect(procedures).toHaveLength(1)
        expect(procedures[0].sql).toContain('aurora-migrate preflight guard')
        expect(await sql('SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()')).toEqual([])
        expect(await orders()).toEqual([1, 2])
        expect(await journal()).toEqual([])
      }
      // The holder is untouched: its transaction is still open.
      expect(await sql(`SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = ${session}`)).toEqual([
        { n: 1 }
      ])
    })

    test('the transaction ends during the wait: the version goes on and applies', async () => {
      await start()
      const session = await holdTable('orders')
      await sleep(AGE_MS)
      const logs = options({ lease: { owner: 'preflight-test', ttlSeconds: 30, waitTimeoutSeconds: 20 } })
      const started = Date.now()
      const ended = sleep(1500).then(() => holder!.query('COMMIT'))
      const result = await applyMigrations(target, await versionsOf(V2), logs)
      const elapsed = Date.now() - started
      await ended

      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([2])
      expect(waitingLogs(logs.logs)).toHaveLength(1)
      expect(waitingLogs(logs.logs)[0]).toContain(`session ${session} (user root, Sleep)`)
      expect(logs.logs).toContainEqual(expect.stringMatching(/^The table locks of .* are free after \d+(\.\d)? s; running (it|them)$/))
      // It went on at the first look after the commit (every 2 s), long before wait-timeout.
      expect(elapsed).toBeGreaterThanOrEqual(1500)
      expect(elapsed).toBeLessThan(10_000)
      expect(await columns()).toEqual(['id', 'total', 'note'])
      expect(await orders()).toEqual([1, 2, 3])
      expect(await journal()).toEqual([])
      expect(await applied()).toEqual([1, 2])
      expect(await leaseOwner()).toBe('')
    })

    test('a table no session holds is not waited for, while a long statement runs on another table', async () => {
      await start()
      // A statement running for seconds on customers (not idle, not naming orders): it holds customers' lock only.
      const other = await mysql2.createConnection({ uri: db.url })
      try {
        const running = other.query('SELECT SLEEP(4) FROM customers')
        await sleep(AGE_MS)
        const logs = options({ lease: { owner: 'preflight-test', ttlSeconds: 30, waitTimeoutSeconds: 20 } })
        const started = Date.now()
        const result = await applyMigrations(target, await versionsOf(V2), logs)
        const elapsed = Date.now() - started
        expect(result.error).toBeNull()
        expect(waitingLogs(logs.logs)).toEqual([])
        expect(elapsed).toBeLessThan(1500)
        expect(await columns()).toEqual(['id', 'total', 'note'])
        expect(await applied()).toEqual([1, 2])
        await running
      } finally {
        await other.end()
      }
    })
  })

  test('sessions in another time zone than the server: the transaction is as old as it is; wait-timeout 0 refuses at once (direct URL)', async () => {
    db = await createMysqlDatabase(server.url, 'preflight')
    target = new MysqlTarget(db.url, { wire: mysql.wire })
    expect((await applyMigrations(target, await versionsOf(V1), options())).error).toBeNull()
    // New sessions (the engine's and the holder's) at -03:00, while trx_started is in the server's system zone.
    await mysqlSql(server.url, "SET GLOBAL time_zone = '-03:00'")
    try {
      await target.close()
      target = new MysqlTarget(db.url, { wire: mysql.wire })
      const session = await holdTable('orders')
      await sleep(AGE_MS)
      const logs = options({ lease: { owner: 'preflight-test', ttlSeconds: 30, waitTimeoutSeconds: 0 } })
      const started = Date.now()
      const result = await applyMigrations(target, await versionsOf(V2), logs)
      expect(Date.now() - started).toBeLessThan(1500)
      expect(result.error).toBeInstanceOf(TableLockWaitError)
      expect(result.error!.message).toMatch(
        new RegExp(
          `session ${session} \\(user root, Sleep\\) has had a transaction open for [2-9] s and may hold the metadata lock on orders`
        )
      )
      expect(result.error!.message).toContain('after 0 s (wait-timeout)')
      // Refused at once: no wait, so nothing logged as waiting.
      expect(waitingLogs(logs.logs)).toEqual([])
      expect(await columns()).toEqual(['id', 'total'])
      expect(await journal()).toEqual([{ version: 2, step: 0, state: 'done' }])
    } finally {
      await mysqlSql(server.url, "SET GLOBAL time_zone = 'SYSTEM'")
    }
  })

  test('a statement running on the table for longer than the lock timeout is waited for until it ends (direct URL)', async () => {
    db = await createMysqlDatabase(server.url, 'preflight')
    target = new MysqlTarget(db.url, { wire: mysql.wire })
    expect((await applyMigrations(target, await versionsOf(V1), options())).error).toBeNull()
    const other = await mysql2.createConnection({ uri: db.url })
    try {
      const [rows] = await other.query('SELECT CONNECTION_ID() AS id')
      const session = Number((rows as Array<{ id: number }>)[0].id)
      const running = other.query('SELECT SLEEP(4) FROM orders LIMIT 1')
      await sleep(AGE_MS)
      const logs = options({ lease: { owner: 'preflight-test', ttlSeconds: 30, waitTimeoutSeconds: 20 } })
      const result = await applyMigrations(target, await versionsOf(V2), logs)
      await running
      expect(result.error).toBeNull()
      expect(waitingLogs(logs.logs)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^Step 2 of v2 .*: it needs the metadata lock on orders, and performance_schema is off: session ${session} \\(user root, transaction open \\d+ s, Query\\) has been running a statement that names orders for \\d+ s\\.`
          )
        )
      ])
      expect(await columns()).toEqual(['id', 'total', 'note'])
      expect(await applied()).toEqual([1, 2])
    } finally {
      await other.end()
    }
  })
})
