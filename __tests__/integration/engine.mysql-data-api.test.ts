/**
 * The MySQL engine over the RDS Data API (the emulator in MySQL mode, under both BeginTransaction models, the
 * real SDK client, the file's own MariaDB): a version of DDL and DML applies as one temporary procedure
 * that sets lock-timeout first; a version that fails half-way leaves the database as its journal says
 * (tables, columns, progress rows, meta rows, the lease row), and the re-run resumes at the failed statement.
 * Each test reads the database afterwards over a direct connection.
 */
import mysql2 from 'mysql2/promise'
import { mysql } from '../../src/dialects/mysql/index.js'
import { mysqlMetaTables } from '../../src/dialects/mysql/identifiers.js'
import { applyMigrations, type ApplyResult } from '../../src/engine/apply.js'
import { StepFailedError } from '../../src/errors.js'
import { discoverMigrations as discover } from '../../src/migrations/discover.js'
import type { Version } from '../../src/migrations/types.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import type { Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { options as baseOptions } from '../../testkit/contract/engine-cases.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'
import { startDataApiEmulator, type DataApiEmulator, type MysqlTransactionModel } from '../../testkit/data-api-emulator.js'
import { FakeClock } from '../../testkit/fake-clock.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'

useDummyAwsEnvironment()

const GOOD = {
  'v1/01_orders.sql':
    'CREATE TABLE orders (id INT PRIMARY KEY, total INT);\nINSERT INTO orders VALUES (1, 10), (2, 20);\n' +
    "ALTER TABLE orders ADD COLUMN note VARCHAR(20);\nUPDATE orders SET note = CONCAT('n', id);"
}
const BROKEN = {
  ...GOOD,
  'v2/01_rows.sql': 'INSERT INTO orders (id, total) VALUES (3, 30);\nALTER TABLE orders ADD COLUMN status VARCHAR(10);',
  // Step 3 adds `status` again: error 1060, after steps 1–2 committed.
  'v2/02_more.sql': 'ALTER TABLE orders ADD COLUMN status VARCHAR(10);\nCREATE INDEX orders_total ON orders (total);'
}
const FIXED = {
  ...BROKEN,
  'v2/02_more.sql': 'ALTER TABLE orders ADD COLUMN kind VARCHAR(10);\nCREATE INDEX orders_total ON orders (total);'
}

describeMysql('the MySQL engine over the Data API', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let emulator: DataApiEmulator
  let target: Target

  const sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string): Promise<T[]> => mysqlSql<T>(db.url, text)
  const options = (overrides: Parameters<typeof baseOptions>[0] = {}): ReturnType<typeof baseOptions> =>
    baseOptions({ dialect: mysql.engine, tables: mysqlMetaTables(db.name, 'schema_migrations'), lockTimeoutMs: 5000, ...overrides })
  const versionsOf = async (files: Record<string, string>): Promise<Version[]> =>
    (await discover(mysql.syntax, writeMigrations(files))).versions
  const columns = async (): Promise<string[]> =>
    (
      await sql<{ c: string }>(
        "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
      )
    ).map((r) => r.c)
  const tables = async (): Promise<string[]> =>
    (
      await sql<{ t: string }>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME')
    ).map((r) => r.t)
  const journal = (): Promise<unknown[]> => sql('SELECT version, step, state FROM schema_migrations_progress ORDER BY version, step')
  const applied = async (): Promise<number[]> =>
    (await sql<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)
  const lease = (): Promise<unknown[]> => sql('SELECT id, owner FROM schema_migrations_lock')
  const routines = (): Promise<unknown[]> => sql('SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()')

  afterEach(async () => {
    await target?.close()
    await emulator?.stop()
    // A failure here fails the test that left a procedure behind.
    const left = await routines()
    if (left.length) throw new Error(`temporary procedures left behind: ${JSON.stringify(left)}`)
    await db?.drop()
  })

  async function start(model: MysqlTransactionModel): Promise<void> {
    db = await createMysqlDatabase(server.url, 'engine_dapi')
    emulator = await startDataApiEmulator({ databaseUrl: server.url, mysqlTransactions: model })
    target = createDataApiTarget({
      wire: mysql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint,
      ...new FakeClock().hooks
    })
  }

  describe.each(['autocommit-off', 'start-transaction'] as const)('BeginTransaction as %s', (model) => {
    test('a cluster waking from auto-pause: the calls that met it are retried, the version applies once, nothing is left half-done', async () => {
      await start(model)
      // The first six calls answer DatabaseResumingException (nothing ran), as a paused cluster does while it wakes.
      emulator.faults.resuming({ calls: 6 })
      const logs = options()
      const result = await applyMigrations(target, await versionsOf(GOOD), logs)
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(emulator.calls.filter((c) => c.error === 'DatabaseResumingException')).toHaveLength(6)
      expect(await columns()).toEqual(['id', 'total', 'note'])
      expect(await sql('SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 2 }])
      expect(await applied()).toEqual([1])
      expect(await journal()).toEqual([])
      expect(await lease()).toEqual([{ id: 1, owner: '' }])
    })

    test('a version of DDL and DML applies as one procedure that sets the lock timeout before its statements', async () => {
      await start(model)
      const result = await applyMigrations(target, await versionsOf(GOOD), options())
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(await columns()).toEqual(['id', 'total', 'note'])
      expect(await sql('SELECT id, total, note FROM orders ORDER BY id')).toEqual([
        { id: 1, total: 10, note: 'n1' },
        { id: 2, total: 20, note: 'n2' }
      ])
      expect(await applied()).toEqual([1])
      expect(await journal()).toEqual([])
      expect(await lease()).toEqual([{ id: 1, owner: '' }])
      // One procedure: lock_wait_timeout = 5 first, then both DDL, each on lines of its own.
      const creates = emulator.calls.filter((c) => c.sql?.startsWith('CREATE PROCEDURE')).map((c) => c.sql!)
      expect(creates).toHaveLength(1)
      const body = creates[0]
      const settings = body.indexOf('SET SESSION lock_wait_timeout = 5, SESSION innodb_lock_wait_timeout = 5;\n')
      expect(settings).toBeGreaterThan(0)
      expect(body.indexOf('\nCREATE TABLE orders (id INT PRIMARY KEY, total INT)\n;\n')).toBeGreaterThan(settings)
      expect(body).toContain('\nALTER TABLE orders ADD COLUMN note VARCHAR(20)\n;\n')
    })

    test('a version that fails half-way leaves what its journal says; the fixed re-run resumes at the failed statement', async () => {
      await start(model)
      const first: ApplyResult = await applyMigrations(target, await versionsOf(BROKEN), options())
      expect(first.applied.map((a) => a.version)).toEqual([1])
      expect(first.failedVersion).toBe(2)
      const error = first.error as StepFailedError
      expect(error).toBeInstanceOf(StepFailedError)
      expect(error.message).toMatch(/\(error 1060, SQLSTATE 42S21\)/)
      expect(error.message).toMatch(/steps 1–2 of 4 ran and stay applied/)
      // What the database holds: v2's insert and first ALTER, their progress rows, no 'started' row, v2 not recorded, the lease free.
      expect(await tables()).toEqual(['orders', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
      expect(await columns()).toEqual(['id', 'total', 'note', 'status'])
      expect(await sql('SELECT id FROM orders ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
      expect(await journal()).toEqual([0, 1].map((step) => ({ version: 2, step, state: 'done' })))
      expect(await applied()).toEqual([1])
      expect(await lease()).toEqual([{ id: 1, owner: '' }])

      const logs = options()
      const second = await applyMigrations(target, await versionsOf(FIXED), logs)
      expect(second.error).toBeNull()
      expect(second.applied.map((a) => a.version)).toEqual([2])
      expect(logs.logs).toContainEqual(expect.stringMatching(/^Resuming v2 after step 2 of 4/))
      expect(await sql('SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 3 }])
      expect(await columns()).toEqual(['id', 'total', 'note', 'status', 'kind'])
      expect(
        await sql(
          "SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'orders_total'"
        )
      ).toEqual([{ i: 'orders_total' }])
      expect(await journal()).toEqual([])
      expect(await applied()).toEqual([1, 2])
      expect(await lease()).toEqual([{ id: 1, owner: '' }])
    })

    test('a DDL behind a long transaction gives up at lock-timeout instead of queueing, names the holder, and leaves the table as it was', async () => {
      await start(model)
      await applyMigrations(target, await versionsOf(GOOD), options())
      const holder = await mysql2.createConnection({ uri: db.url })
      const started = Date.now()
      try {
        await holder.query('START TRANSACTION')
        await holder.query('SELECT * FROM orders')
        const logs = options({ lockTimeoutMs: 1000, lockRetries: 1, sleep: () => Promise.resolve() })
        const result = await applyMigrations(
          target,
          await versionsOf({ ...GOOD, 'v2/01.sql': 'ALTER TABLE orders ADD COLUMN kind INT;' }),
          logs
        )
        expect(result.failedVersion).toBe(2)
        expect(result.error?.message).toMatch(/error 1205/)
        // Two tries of a second each, not a year's wait.
        expect(Date.now() - started).toBeLessThan(10_000)
        expect(logs.logs).toContainEqual(expect.stringMatching(/^v2 waited for a lock held by session \d+/))
        expect(logs.logs).toContainEqual(
          expect.stringMatching(/^v2 waited longer than lock-timeout for a lock and had no effect .*retry 1 of 1/)
        )
        expect(await columns()).toEqual(['id', 'total', 'note'])
        expect(await journal()).toEqual([])
        expect(await applied()).toEqual([1])
        expect(await lease()).toEqual([{ id: 1, owner: '' }])
      } finally {
        await holder.query('ROLLBACK').catch(() => {})
        await holder.end()
      }
    })
  })
})
