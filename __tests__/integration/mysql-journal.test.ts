/**
 * A MySQL version that fails half-way is never dirty: each statement is journaled, DDL alone between a
 * 'started' and a 'done' row, DML in transactions with its progress rows; a re-run resumes at the failed
 * statement, refuses edits to completed ones, and settles a statement an earlier run never heard back about
 * from the catalog. On the suite's own MariaDB over a direct URL; every test asserts what the database holds.
 */
import { mysql } from '../../src/dialects/mysql/index.js'
import { applyMigrations, type ApplyResult } from '../../src/engine/apply.js'
import { mysqlMetaTables } from '../../src/dialects/mysql/identifiers.js'
import { repairStep } from '../../src/engine/repair-step.js'
import { MigrationFileError, StepFailedError } from '../../src/errors.js'
import { discoverMigrations as discover } from '../../src/migrations/discover.js'
import type { Version } from '../../src/migrations/types.js'
import { MysqlTarget } from '../../src/targets/mysql.js'
import { options as baseOptions } from '../../testkit/contract/engine-cases.js'
import { startCuttingProxy } from '../../testkit/cutting-proxy.js'
import { createMysqlDatabase, databaseUrl, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'

const BROKEN = {
  'v1/01_orders.sql': 'CREATE TABLE orders (id INT PRIMARY KEY, total INT);',
  'v2/01_rows.sql':
    'INSERT INTO orders VALUES (1, 10);\nINSERT INTO orders VALUES (2, 20);\nALTER TABLE orders ADD COLUMN note VARCHAR(20);',
  // Step 4 adds `note` again: error 1060, after steps 1–3 committed.
  'v2/02_more.sql': 'ALTER TABLE orders ADD COLUMN note VARCHAR(20);\nCREATE INDEX orders_total ON orders (total);'
}
const FIXED = {
  ...BROKEN,
  'v2/02_more.sql': 'ALTER TABLE orders ADD COLUMN status VARCHAR(10);\nCREATE INDEX orders_total ON orders (total);'
}

/** The database of the current test, for the engine's tables. */
let database = ''

function options(overrides: Parameters<typeof baseOptions>[0] = {}): ReturnType<typeof baseOptions> {
  return baseOptions({ dialect: mysql.engine, tables: mysqlMetaTables(database, 'schema_migrations'), ...overrides })
}

async function versionsOf(files: Record<string, string>): Promise<Version[]> {
  return (await discover(mysql.syntax, writeMigrations(files))).versions
}

describeMysql('a MySQL version in steps, journaled', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let target: MysqlTarget
  const sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> =>
    mysqlSql<T>(db.url, text, params)
  const columns = async (): Promise<string[]> =>
    (
      await sql<{ c: string }>(
        "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
      )
    ).map((r) => r.c)
  const journal = async (): Promise<Array<{ version: number; step: number; state: string }>> =>
    sql('SELECT version, step, state FROM schema_migrations_progress ORDER BY version, step')
  const applied = async (): Promise<number[]> =>
    (await sql<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => r.version)
  const leaseOwner = async (): Promise<string> =>
    String((await sql<{ owner: string }>('SELECT owner FROM schema_migrations_lock WHERE id = 1'))[0]?.owner)

  beforeEach(async () => {
    db = await createMysqlDatabase(server.url, 'journal')
    database = db.name
    target = new MysqlTarget(db.url, { wire: mysql.wire })
  })
  afterEach(async () => {
    await target.close()
    await db.drop()
  })

  async function failHalfWay(): Promise<ApplyResult> {
    const result = await applyMigrations(target, await versionsOf(BROKEN), options())
    expect(result.applied.map((a) => a.version)).toEqual([1])
    expect(result.failedVersion).toBe(2)
    return result
  }

  test('it stops at the failed statement saying what committed; what committed stays, nothing is dirty, and a fixed re-run resumes there', async () => {
    const first = await failHalfWay()
    const error = first.error as StepFailedError
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error.location).toMatchObject({ file: expect.stringMatching(/v2\/02_more\.sql$/), line: 1 })
    expect(error.message).toMatch(/\(error 1060, SQLSTATE 42S21\)/)
    expect(error.message).toMatch(/steps 1–3 of 5 ran and stay applied/)
    // The database: both rows, the first ALTER; steps 1–3 done, no 'started' row left; v2 not recorded; the lease free.
    expect(await sql('SELECT id, total FROM orders ORDER BY id')).toEqual([
      { id: 1, total: 10 },
      { id: 2, total: 20 }
    ])
    expect(await columns()).toEqual(['id', 'total', 'note'])
    expect(await journal()).toEqual([0, 1, 2].map((step) => ({ version: 2, step, state: 'done' })))
    expect(await applied()).toEqual([1])
    expect(await leaseOwner()).toBe('')

    const logs = options()
    const second = await applyMigrations(target, await versionsOf(FIXED), logs)
    expect(second.error).toBeNull()
    expect(second.applied.map((a) => a.version)).toEqual([2])
    expect(logs.logs).toContainEqual(expect.stringMatching(/^Resuming v2 after step 3 of 5/))
    // The inserts did not run again (their primary keys would have refused it), and the rest ran once.
    expect(await sql('SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 2 }])
    expect(await columns()).toEqual(['id', 'total', 'note', 'status'])
    expect(
      await sql(
        "SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'orders_total'"
      )
    ).toEqual([{ i: 'orders_total' }])
    expect(await journal()).toEqual([])
    expect(await applied()).toEqual([1, 2])
    expect(await leaseOwner()).toBe('')
  })

  test('an edit to a statement that committed is refused, naming it; the failed statement itself may change', async () => {
    await failHalfWay()
    const edited = { ...FIXED, 'v2/01_rows.sql': BROKEN['v2/01_rows.sql'].replace('(2, 20)', '(2, 21)') }
    const refused = await applyMigrations(target, await versionsOf(edited), options())
    expect(refused.error).toBeInstanceOf(MigrationFileError)
    expect(refused.error?.message).toMatch(/v2\/01_rows\.sql:2 \(step 2\) has changed since it ran/)
    expect((refused.error as MigrationFileError).location).toMatchObject({ file: expect.stringMatching(/01_rows\.sql$/), line: 2 })
    // Nothing ran: the journal, the rows and the columns are as the failed run left them.
    expect(await journal()).toEqual([0, 1, 2].map((step) => ({ version: 2, step, state: 'done' })))
    expect(await sql('SELECT total FROM orders WHERE id = 2')).toEqual([{ total: 20 }])
    expect(await columns()).toEqual(['id', 'total', 'note'])
    expect(await applied()).toEqual([1])
  })

  test("a 'started' row an earlier run left is settled from the catalog: a DDL that ran is recorded, one that did not runs again", async () => {
    await failHalfWay()
    const step4 = FIXED['v2/02_more.sql'].split('\n')[0].replace(/;$/, '')
    const started = async (fingerprint: string | null): Promise<void> => {
      const versions = await versionsOf(FIXED)
      const statement = versions[1].files[1].statements[0]
      const row = mysql.engine.meta.insertStarted!(
        mysqlMetaTables(database, 'schema_migrations'),
        2,
        {
          step: 3,
          statementChecksum: (await import('../../src/engine/step-context.js')).statementChecksum(statement.sql),
          file: statement.file,
          line: statement.line
        },
        fingerprint
      )
      await target.query(row.sql, row.params)
    }

    // It ran (the run died before writing 'done'): the fingerprint before it differs from the catalog now.
    await started(await mysql.engine.recovery.fingerprint!(target, step4))
    await sql(step4)
    const logs = options()
    const result = await applyMigrations(target, await versionsOf(FIXED), logs)
    expect(result.error).toBeNull()
    expect(logs.logs).toContainEqual(expect.stringMatching(/step 4 .*the catalog shows it took effect: recording it as done/))
    expect(await columns()).toEqual(['id', 'total', 'note', 'status'])
    expect(await applied()).toEqual([1, 2])
    expect(await journal()).toEqual([])
  })

  test("a 'started' row whose statement did not run makes it run again; one the catalog cannot settle is refused until repair-step says", async () => {
    await failHalfWay()
    const step4 = FIXED['v2/02_more.sql'].split('\n')[0].replace(/;$/, '')
    const versions = await versionsOf(FIXED)
    const statement = versions[1].files[1].statements[0]
    const { statementChecksum } = await import('../../src/engine/step-context.js')
    const started = async (fingerprint: string | null): Promise<void> => {
      const row = mysql.engine.meta.insertStarted!(
        mysqlMetaTables(database, 'schema_migrations'),
        2,
        { step: 3, statementChecksum: statementChecksum(statement.sql), file: statement.file, line: statement.line },
        fingerprint
      )
      await target.query(row.sql, row.params)
    }

    // Unsettled: no fingerprint was taken. Refused, naming the way out; nothing ran.
    await started(null)
    const refused = await applyMigrations(target, versions, options())
    expect(refused.error?.message).toMatch(/repair-step: 2:4=done if it took effect, or repair-step: 2:4=not-done/)
    expect(await columns()).toEqual(['id', 'total', 'note'])
    expect(await journal()).toEqual([
      ...[0, 1, 2].map((step) => ({ version: 2, step, state: 'done' })),
      { version: 2, step: 3, state: 'started' }
    ])

    // A person says it did not run: the row is forgotten, and apply runs it.
    expect(await repairStep(target, versions, { version: 2, step: 4, done: false }, options())).toMatch(/as not done: apply runs it again/)
    expect(await journal()).toEqual([0, 1, 2].map((step) => ({ version: 2, step, state: 'done' })))

    // Settled by the catalog: the fingerprint now equals the one taken before: it did not run, so it runs.
    await started(await mysql.engine.recovery.fingerprint!(target, step4))
    const logs = options()
    const result = await applyMigrations(target, versions, logs)
    expect(result.error).toBeNull()
    expect(logs.logs).toContainEqual(expect.stringMatching(/step 4 .*the catalog shows it did not take effect: running it again/))
    expect(await columns()).toEqual(['id', 'total', 'note', 'status'])
    expect(await applied()).toEqual([1, 2])
  })

  test('a DDL whose reply is lost is settled in the run from the catalog: applied once, the version recorded', async () => {
    const proxy = await startCuttingProxy(server.url)
    const through = new MysqlTarget(databaseUrl(proxy.url, db.name), { wire: mysql.wire })
    try {
      proxy.cut('ADD COLUMN status', 'after')
      const logs = options()
      const result = await applyMigrations(through, await versionsOf(FIXED), logs)
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1, 2])
      expect(logs.logs).toContainEqual(expect.stringMatching(/got no result .*the catalog shows it took effect/))
      expect(await columns()).toEqual(['id', 'total', 'note', 'status'])
      expect(await applied()).toEqual([1, 2])
      expect(await journal()).toEqual([])
    } finally {
      await through.close()
      await proxy.stop()
    }
  })

  test('ten applies at once: each version runs once, under the lease, and the lease ends free', async () => {
    const versions = await versionsOf(FIXED)
    const targets = Array.from({ length: 10 }, () => new MysqlTarget(db.url, { wire: mysql.wire }))
    try {
      const results = await Promise.all(targets.map((t) => applyMigrations(t, versions, options())))
      expect(results.map((r) => r.error)).toEqual(Array(10).fill(null))
      expect(results.flatMap((r) => r.applied.map((a) => a.version)).sort()).toEqual([1, 2])
      expect(await sql('SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 2 }])
      expect(await columns()).toEqual(['id', 'total', 'note', 'status'])
      expect(await applied()).toEqual([1, 2])
      expect(await journal()).toEqual([])
      expect(await leaseOwner()).toBe('')
    } finally {
      await Promise.all(targets.map((t) => t.close()))
    }
  })

  test('a DDL behind a long transaction gives up at lock-timeout instead of queueing, is retried, names the holder, and leaves the table as it was', async () => {
    await applyMigrations(target, await versionsOf({ 'v1/01_orders.sql': BROKEN['v1/01_orders.sql'] }), options())
    const holder = await (await import('mysql2/promise')).default.createConnection({ uri: db.url })
    try {
      await holder.query('START TRANSACTION')
      await holder.query('SELECT * FROM orders')
      const logs = options({ lockTimeoutMs: 1000, lockRetries: 1, sleep: () => Promise.resolve() })
      const result = await applyMigrations(
        target,
        await versionsOf({ ...FIXED, 'v2/01_rows.sql': 'ALTER TABLE orders ADD COLUMN note VARCHAR(20);' }),
        logs
      )
      expect(result.failedVersion).toBe(2)
      expect(result.error?.message).toMatch(/error 1205/)
      expect(logs.logs).toContainEqual(
        expect.stringMatching(/^v2 waited for a lock held by session \d+ \(user root, transaction open \d+ s/)
      )
      expect(logs.logs).toContainEqual(
        expect.stringMatching(/^v2 waited longer than lock-timeout for a lock and had no effect .*retry 1 of 1/)
      )
      expect(await columns()).toEqual(['id', 'total'])
      expect(await journal()).toEqual([])
      expect(await applied()).toEqual([1])
      expect(await leaseOwner()).toBe('')
    } finally {
      await holder.query('ROLLBACK').catch(() => {})
      await holder.end()
    }
    const after = await applyMigrations(
      target,
      await versionsOf({ ...FIXED, 'v2/01_rows.sql': 'ALTER TABLE orders ADD COLUMN note VARCHAR(20);' }),
      options()
    )
    expect(after.error).toBeNull()
    expect(await columns()).toEqual(['id', 'total', 'note', 'status'])
  })
})
