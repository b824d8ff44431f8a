/**
 * A MySQL version over the Data API as one temporary procedure (src/engine/version-routine.ts and
 * src/dialects/mysql/version-routine.ts), through the real SDK client and the emulator in MySQL mode on the
 * file's own MariaDB: how many calls a version costs, and what the database holds after each way it can end
 * (applied; a DDL refused half-way; a DML batch refused; a syntax error found before anything ran; a statement
 * a procedure cannot hold; the lease lost; the reply lost; a call past the 45 s limit). Every test reads the
 * database afterwards over a direct connection.
 */
import { mysql } from '../../src/dialects/mysql/index.js'
import { mysqlMetaTables } from '../../src/dialects/mysql/identifiers.js'
import { applyMigrations } from '../../src/engine/apply.js'
import { LeaseLostError, StepFailedError } from '../../src/errors.js'
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

/** DDL, a DML batch, DDL, a DML batch: four parts, one procedure. */
const SHOP = {
  'v1/01_orders.sql':
    'CREATE TABLE orders (id INT PRIMARY KEY, total INT);\n' +
    'INSERT INTO orders VALUES (1, 10), (2, 20);\n' +
    "INSERT INTO orders VALUES (3, 30);\nALTER TABLE orders ADD COLUMN note VARCHAR(20);\nUPDATE orders SET note = CONCAT('n', id);"
}

describeMysql('a MySQL version over the Data API as one temporary procedure', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let emulator: DataApiEmulator
  let target: Target
  /** What the transport logged. */
  let targetLogs: string[] = []

  const sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string): Promise<T[]> => mysqlSql<T>(db.url, text)
  const options = (overrides: Parameters<typeof baseOptions>[0] = {}): ReturnType<typeof baseOptions> =>
    baseOptions({ dialect: mysql.engine, tables: mysqlMetaTables(db.name, 'schema_migrations'), lockTimeoutMs: 5000, ...overrides })
  const versionsOf = async (files: Record<string, string>): Promise<Version[]> =>
    (await discover(mysql.syntax, writeMigrations(files))).versions
  const columns = async (table = 'orders'): Promise<string[]> =>
    (
      await sql<{ c: string }>(
        `SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${table}' ORDER BY ORDINAL_POSITION`
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
  const orders = (): Promise<unknown[]> => sql('SELECT id FROM orders ORDER BY id')
  /** The calls one apply made, from emulator call number `from` on. */
  const callsSince = (from: number) => emulator.calls.filter((c) => c.n > from)
  const procedures = (from = 0) => callsSince(from).filter((c) => /^CREATE PROCEDURE `aurora_migrate_version_/.test(c.sql ?? ''))

  afterEach(async () => {
    await target?.close()
    await emulator?.stop()
    const left = await routines()
    if (left.length) throw new Error(`temporary procedures left behind: ${JSON.stringify(left)}`)
    await db?.drop()
  })

  async function start(model: MysqlTransactionModel = 'autocommit-off', statementTimeoutMs?: number): Promise<void> {
    targetLogs = []
    db = await createMysqlDatabase(server.url, 'routine')
    emulator = await startDataApiEmulator({
      databaseUrl: server.url,
      mysqlTransactions: model,
      ...(statementTimeoutMs ? { statementTimeoutMs } : {})
    })
    target = createDataApiTarget({
      wire: mysql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint,
      ...new FakeClock().hooks,
      log: (message) => targetLogs.push(message)
    })
  }

  describe.each(['autocommit-off', 'start-transaction'] as const)('BeginTransaction as %s', (model) => {
    test('a version of DDL and DML batches is one procedure: CREATE, CALL, DROP; the database holds it all, journal cleared, lease free', async () => {
      await start(model)
      // The tables exist and v1 is applied: the version measured next is an ordinary second one.
      await applyMigrations(target, await versionsOf({ 'v1/01.sql': 'CREATE TABLE base (id INT PRIMARY KEY);' }), options())
      const from = emulator.calls.length
      const files = {
        'v1/01.sql': 'CREATE TABLE base (id INT PRIMARY KEY);',
        ...Object.fromEntries(Object.entries(SHOP).map(([k, v]) => [k.replace('v1', 'v2'), v]))
      }
      const logs = options()
      const result = await applyMigrations(target, await versionsOf(files), logs)
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([2])
      const calls = callsSince(from)
      // The version itself: CREATE, CALL, DROP.
      expect(procedures(from)).toHaveLength(1)
      expect(calls.filter((c) => /^(CALL|DROP PROCEDURE IF EXISTS) `aurora_migrate_version_/.test(c.sql ?? ''))).toHaveLength(2)
      expect(calls.filter((c) => c.op === 'BeginTransaction')).toHaveLength(0)
      expect(logs.logs).toContainEqual(
        expect.stringMatching(/^Running steps 1–5 of v2 as one temporary procedure \(5 statements, and recording the version\)/)
      )
      expect(await columns()).toEqual(['id', 'total', 'note'])
      expect(await sql('SELECT id, note FROM orders ORDER BY id')).toEqual([
        { id: 1, note: 'n1' },
        { id: 2, note: 'n2' },
        { id: 3, note: 'n3' }
      ])
      expect(await applied()).toEqual([1, 2])
      expect(await sql('SELECT execution_ms >= 0 AS ok, applied_by FROM schema_migrations WHERE version = 2')).toEqual([
        { ok: 1, applied_by: 'octocat' }
      ])
      expect(await journal()).toEqual([])
      expect(await lease()).toEqual([{ id: 1, owner: '' }])
      // The procedure took its lock for as long as it ran, and let it go.
      const name = /`(aurora_migrate_version_\w+)`/.exec(procedures(from)[0].sql!)![1]
      expect(await sql(`SELECT IS_USED_LOCK('${name}') AS holder`)).toEqual([{ holder: null }])
      // The DDL ran with the session's lock timeouts.
      expect(procedures(from)[0].sql).toContain('SET SESSION lock_wait_timeout = 5, SESSION innodb_lock_wait_timeout = 5;\n')
    })

    test('a DDL refused half-way: what ran before it stays and is journaled, its started row is forgotten, the fixed re-run resumes at it', async () => {
      await start(model)
      const broken = {
        ...SHOP,
        'v1/02_more.sql': 'ALTER TABLE orders ADD COLUMN note VARCHAR(5);\nCREATE INDEX orders_total ON orders (total);'
      }
      const first = await applyMigrations(target, await versionsOf(broken), options())
      const error = first.error as StepFailedError
      expect(error).toBeInstanceOf(StepFailedError)
      expect(error.message).toMatch(/02_more\.sql:1/)
      expect(error.message).toMatch(/\(error 1060, SQLSTATE 42S21\)/)
      expect(error.message).toMatch(/steps 1–5 of 7 ran and stay applied/)
      expect(procedures()).toHaveLength(1)
      expect(await columns()).toEqual(['id', 'total', 'note'])
      expect(await orders()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
      expect(await journal()).toEqual([0, 1, 2, 3, 4].map((step) => ({ version: 1, step, state: 'done' })))
      expect(await applied()).toEqual([])
      expect(await lease()).toEqual([{ id: 1, owner: '' }])

      const fixed = {
        ...SHOP,
        'v1/02_more.sql': 'ALTER TABLE orders ADD COLUMN kind VARCHAR(5);\nCREATE INDEX orders_total ON orders (total);'
      }
      const logs = options()
      const second = await applyMigrations(target, await versionsOf(fixed), logs)
      expect(second.error).toBeNull()
      expect(logs.logs).toContainEqual(expect.stringMatching(/^Resuming v1 after step 5 of 7/))
      expect(logs.logs).toContainEqual(expect.stringMatching(/^Running steps 6–7 of v1 as one temporary procedure/))
      expect(await columns()).toEqual(['id', 'total', 'note', 'kind'])
      expect(await applied()).toEqual([1])
      expect(await journal()).toEqual([])
    })

    test('a DML batch refused inside the procedure is rolled back, then run on its own to name its failing statement', async () => {
      await start(model)
      const files = {
        'v1/01.sql':
          'CREATE TABLE orders (id INT PRIMARY KEY, total INT);\nINSERT INTO orders VALUES (1, 10);\n' +
          'INSERT INTO orders VALUES (2, 20);\nINSERT INTO orders VALUES (1, 99);\nALTER TABLE orders ADD COLUMN note INT;'
      }
      const logs = options()
      const result = await applyMigrations(target, await versionsOf(files), logs)
      const error = result.error as StepFailedError
      expect(error).toBeInstanceOf(StepFailedError)
      // The duplicate key, at its own line, found by running the batch again the ordinary way.
      expect(error.message).toMatch(/01\.sql:4/)
      expect(error.message).toMatch(/error 1062/)
      expect(logs.logs).toContainEqual(expect.stringMatching(/^v1: steps 2–4 failed inside the procedure and were rolled back/))
      expect(await orders()).toEqual([])
      expect(await columns()).toEqual(['id', 'total'])
      expect(await journal()).toEqual([{ version: 1, step: 0, state: 'done' }])
      expect(await applied()).toEqual([])
      expect(await lease()).toEqual([{ id: 1, owner: '' }])
    })
  })

  test('a syntax error in the fourth statement is found before the first runs: nothing changes, the error names its file and line', async () => {
    await start()
    const files = {
      'v1/01.sql': 'CREATE TABLE orders (id INT PRIMARY KEY);\nINSERT INTO orders VALUES (1);\n',
      'v1/02.sql': '-- a comment\nALTER TABLE orders ADD COLUMN a INT;\nALTER TABLE orders\n  ADD COLUMN b INT,\n  ADD COLUMN c INT INT;\n'
    }
    const result = await applyMigrations(target, await versionsOf(files), options())
    const error = result.error as StepFailedError
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error.message).toMatch(/error 1064/)
    // 02.sql's second statement starts at line 3; the server's "at line 3" of it is the file's line 5.
    expect(error.location).toEqual(expect.objectContaining({ file: expect.stringMatching(/02\.sql$/), line: 5 }))
    expect(error.message).toMatch(/at line 3/)
    expect(error.message).toMatch(/Nothing of v1 was applied/)
    expect(await tables()).toEqual(['schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
    expect(await journal()).toEqual([])
    expect(await applied()).toEqual([])
    expect(await lease()).toEqual([{ id: 1, owner: '' }])
  })

  test('a statement a procedure cannot hold (CREATE TRIGGER) runs on its own between two procedures, in the same journal', async () => {
    await start()
    const files = {
      'v1/01.sql':
        'CREATE TABLE orders (id INT PRIMARY KEY, total INT, seen INT);\n' +
        'CREATE TRIGGER orders_seen BEFORE INSERT ON orders FOR EACH ROW SET NEW.seen = 1;\n' +
        'ALTER TABLE orders ADD COLUMN note INT;\nINSERT INTO orders (id, total) VALUES (1, 10);'
    }
    const result = await applyMigrations(target, await versionsOf(files), options())
    expect(result.error).toBeNull()
    expect(procedures()).toHaveLength(2)
    expect(emulator.calls.filter((c) => c.sql?.startsWith('CREATE TRIGGER'))).toHaveLength(1)
    expect(await sql('SELECT id, seen FROM orders')).toEqual([{ id: 1, seen: 1 }])
    expect(await columns()).toEqual(['id', 'total', 'seen', 'note'])
    expect(await applied()).toEqual([1])
    expect(await journal()).toEqual([])
  })

  test('a version too long for one call is cut between its steps into several procedures, each within the 65,536 characters', async () => {
    await start()
    const comment = 'x'.repeat(1000)
    const alters = Array.from({ length: 40 }, (_, i) => `ALTER TABLE orders ADD COLUMN c${i} INT COMMENT '${comment}';`)
    const files = { 'v1/01.sql': `CREATE TABLE orders (id INT PRIMARY KEY);\n${alters.join('\n')}\nINSERT INTO orders (id) VALUES (1);` }
    const result = await applyMigrations(target, await versionsOf(files), options())
    expect(result.error).toBeNull()
    const creates = procedures()
    expect(creates.length).toBeGreaterThan(1)
    for (const create of creates) expect(create.sql!.length).toBeLessThanOrEqual(65_536)
    expect(await columns()).toEqual(['id', ...alters.map((_, i) => `c${i}`)])
    expect(await orders()).toEqual([{ id: 1 }])
    expect(await applied()).toEqual([1])
    expect(await journal()).toEqual([])
  })

  test('the lease taken over half-way: the procedure stops at its next fence, before the next statement, and says who holds the lease', async () => {
    await start()
    await applyMigrations(target, await versionsOf({ 'v1/01.sql': 'CREATE TABLE base (id INT);' }), options())
    // The batch (step 1) hands the lease to someone else as it commits; the DDL after it must not run.
    const files = {
      'v1/01.sql': 'CREATE TABLE base (id INT);',
      'v2/01.sql': "UPDATE schema_migrations_lock SET owner = 'someone-else', token = token + 100;\nCREATE TABLE orders (id INT);"
    }
    const result = await applyMigrations(target, await versionsOf(files), options())
    expect(result.error).toBeInstanceOf(LeaseLostError)
    expect(result.error?.message).toMatch(/before step 2 of v2/)
    expect(result.error?.message).toMatch(/someone-else/)
    expect(await tables()).not.toContain('orders')
    expect(await journal()).toEqual([{ version: 2, step: 0, state: 'done' }])
    expect(await applied()).toEqual([1])
    expect(await lease()).toEqual([{ id: 1, owner: 'someone-else' }])
  })

  test('the reply of the CALL lost after the procedure ran: the meta table shows the version recorded, and it is not sent again', async () => {
    await start()
    emulator.faults.drop({ op: 'ExecuteStatement', sql: 'CALL `aurora_migrate_version_', when: 'after' })
    const logs = options()
    const result = await applyMigrations(target, await versionsOf(SHOP), logs)
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1])
    expect(emulator.calls.filter((c) => c.sql?.startsWith('CALL `aurora_migrate_version_'))).toHaveLength(1)
    expect(logs.logs).toContainEqual(expect.stringMatching(/^The call running the procedure of v1 ended without its result/))
    expect(await orders()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
    expect(await applied()).toEqual([1])
    expect(await journal()).toEqual([])
    expect(await lease()).toEqual([{ id: 1, owner: '' }])
  })

  test('the reply of a failed CALL lost: the journal and the catalog settle the started step, which then fails with its own error', async () => {
    await start()
    const files = { 'v1/01.sql': 'CREATE TABLE orders (id INT);\nINSERT INTO orders VALUES (1);\nALTER TABLE orders ADD COLUMN id INT;' }
    emulator.faults.drop({ op: 'ExecuteStatement', sql: 'CALL `aurora_migrate_version_', when: 'after' })
    const logs = options()
    const result = await applyMigrations(target, await versionsOf(files), logs)
    const error = result.error as StepFailedError
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error.message).toMatch(/error 1060/)
    expect(error.message).toMatch(/steps 1–2 of 3 ran and stay applied/)
    expect(logs.logs).toContainEqual(expect.stringMatching(/the catalog shows it did not take effect: running it again/))
    // Sent twice: the CALL whose reply was lost, then the one for step 3 alone.
    expect(procedures()).toHaveLength(2)
    expect(await orders()).toEqual([{ id: 1 }])
    expect(await journal()).toEqual([0, 1].map((step) => ({ version: 1, step, state: 'done' })))
    expect(await applied()).toEqual([])
    expect(await lease()).toEqual([{ id: 1, owner: '' }])
  })

  test('a CALL answered by a 5xx without running: the journal shows nothing done, the version fails saying so, a re-run applies it', async () => {
    await start()
    emulator.faults.status({
      op: 'ExecuteStatement',
      sql: 'CALL `aurora_migrate_version_',
      status: 500,
      name: 'InternalServerErrorException'
    })
    const result = await applyMigrations(target, await versionsOf(SHOP), options())
    expect(result.error?.message).toMatch(/ended on the server without a reply, and the journal shows none of them done/)
    expect(result.error?.message).toMatch(/Nothing of v1 was applied/)
    expect(await tables()).toEqual(['schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
    expect(await journal()).toEqual([])
    expect(await applied()).toEqual([])
    expect(await lease()).toEqual([{ id: 1, owner: '' }])
    const again = await applyMigrations(target, await versionsOf(SHOP), options())
    expect(again.error).toBeNull()
    expect(await orders()).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
    expect(await applied()).toEqual([1])
  })

  test('a procedure that outlasts the call limit goes on server-side; the run waits while its lock is held, then reads the outcome', async () => {
    // A 1.5 s call limit stands for the 45 s one.
    await start('autocommit-off', 1500)
    const files = {
      'v1/01.sql': 'CREATE TABLE orders (id INT);\nCREATE TABLE slow AS SELECT SLEEP(3) AS s;\nINSERT INTO orders VALUES (1);'
    }
    const logs = options()
    const result = await applyMigrations(target, await versionsOf(files), logs)
    expect(result.error).toBeNull()
    expect(emulator.calls.some((c) => c.error === 'StatementTimeoutException')).toBe(true)
    expect(targetLogs).toContainEqual(
      expect.stringMatching(/^"CALL `aurora_migrate_version_\w+`\(\)" is still running after the Data API's 45 s call limit; waiting/)
    )
    expect(logs.logs).toContainEqual(
      expect.stringMatching(/^The call running the procedure of v1 ended without its result \(.*ran past the Data API's 45 s call limit/)
    )
    expect(await tables()).toEqual(expect.arrayContaining(['orders', 'slow']))
    expect(await orders()).toEqual([{ id: 1 }])
    expect(await applied()).toEqual([1])
    expect(await journal()).toEqual([])
  })
})
