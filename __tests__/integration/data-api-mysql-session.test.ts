/**
 * Session statements over the Data API on MySQL (QueryOptions.session): every call is a fresh session, so the
 * transport carries `SET SESSION lock_wait_timeout` and the statement in one temporary procedure (CREATE, CALL,
 * DROP), or in one transaction where a procedure may not hold the statement (CREATE TRIGGER). On the file's own
 * MariaDB, the real SDK client against the emulator in MySQL mode under both of its BeginTransaction models,
 * and the same through the runner Lambda (the real runner handler). Every test reads the database afterwards,
 * and no procedure may be left behind.
 */
import mysql from 'mysql2/promise'
import { createHandler } from '../../runner/handler.js'
import { parseRequest } from '../../runner/request.js'
import { wire } from '../../src/dialects/mysql/wire.js'
import { DatabaseError, StatementOutcomeUnknownError } from '../../src/errors.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { createLambdaTarget } from '../../src/targets/lambda.js'
import type { QueryOptions, Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'
import { startDataApiEmulator, type DataApiEmulator, type MysqlTransactionModel } from '../../testkit/data-api-emulator.js'
import { FakeClock } from '../../testkit/fake-clock.js'
import { startLambdaEmulator, type LambdaEmulator } from '../../testkit/lambda-emulator.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

useDummyAwsEnvironment()

const BOUNDED = (seconds: number): string[] => [
  `SET SESSION lock_wait_timeout = ${seconds}`,
  `SET SESSION innodb_lock_wait_timeout = ${seconds}`
]
const ALONE = (seconds = 1): QueryOptions => ({ longRunning: { timeoutMs: null }, session: BOUNDED(seconds) })
const ADD_COLUMN = 'ALTER TABLE t ADD COLUMN c INT'

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection, the call succeeded')
}

describeMysql('session statements over the Data API and the runner on MySQL', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let emulator: DataApiEmulator | undefined
  let lambda: LambdaEmulator | undefined
  let target: Target | undefined
  let holder: mysql.Connection | undefined
  let logs: string[]

  const sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string): Promise<T[]> => mysqlSql<T>(db.url, text)
  const columns = async (): Promise<string[]> =>
    (
      await sql<{ c: string }>(
        "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' ORDER BY ORDINAL_POSITION"
      )
    ).map((r) => r.c)
  const routines = (): Promise<unknown[]> => sql('SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()')
  const executed = (): string[] => emulator!.calls.map((c) => (c.op === 'ExecuteStatement' ? String(c.sql).split(/\s/)[0] : c.op))

  /** Another session holds the table's shared metadata lock: an open transaction that read it. */
  async function holdTable(): Promise<void> {
    holder = await mysql.createConnection({ uri: db.url })
    await holder.query('START TRANSACTION')
    await holder.query('SELECT * FROM t')
  }

  beforeEach(async () => {
    db = await createMysqlDatabase(server.url, 'session')
    await sql('CREATE TABLE t (id INT PRIMARY KEY, v INT)')
    await sql('INSERT INTO t VALUES (1, 10)')
    logs = []
  })
  afterEach(async () => {
    await holder?.query('ROLLBACK').catch(() => {})
    await holder?.end()
    await target?.close()
    await emulator?.stop()
    await lambda?.stop()
    // Whatever happened, no temporary procedure stays.
    // A failure here fails the test that left a procedure behind.
    const left = await routines()
    if (left.length) throw new Error(`temporary procedures left behind: ${JSON.stringify(left)}`)
    await db.drop()
    holder = undefined
    target = undefined
    emulator = undefined
    lambda = undefined
  })

  async function dataApi(
    transactions: MysqlTransactionModel,
    options: { callLimitMs?: number; clock?: 'fake' | 'scaled' } = {}
  ): Promise<Target> {
    emulator = await startDataApiEmulator({
      databaseUrl: server.url,
      mysqlTransactions: transactions,
      ...(options.callLimitMs ? { statementTimeoutMs: options.callLimitMs } : {})
    })
    const clock =
      options.clock === 'scaled'
        ? (() => {
            // The target's time runs 100 times faster: its 5 s polls take 50 ms.
            const t0 = Date.now()
            return { now: () => (Date.now() - t0) * 100, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms / 100)) }
          })()
        : new FakeClock().hooks
    target = createDataApiTarget({
      wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint,
      ...clock,
      log: (msg) => logs.push(msg)
    })
    return target
  }

  describe.each(['autocommit-off', 'start-transaction'] as const)('over the Data API (BeginTransaction as %s)', (model) => {
    test('a DDL behind a long open transaction gives up with 1205 within seconds: the procedure set lock_wait_timeout', async () => {
      const t = await dataApi(model)
      await holdTable()
      const started = Date.now()
      const error = await rejection(t.query(ADD_COLUMN, undefined, ALONE(1)))
      expect(Date.now() - started).toBeLessThan(5000)
      expect(error).toBeInstanceOf(DatabaseError)
      expect((error as DatabaseError).info).toMatchObject({ errno: 1205, sqlState: 'HY000' })
      expect(await columns()).toEqual(['id', 'v'])
      // The vehicle: one procedure whose body sets the timeouts before the DDL, its CALL, its DROP.
      expect(executed()).toEqual(['CREATE', 'CALL', 'DROP'])
      const create = emulator!.calls[0].sql!
      expect(create).toMatch(/^CREATE PROCEDURE `aurora_migrate_session_[a-z0-9]+`\(\) SQL SECURITY INVOKER BEGIN\n/)
      expect(create).toContain(
        'SET SESSION lock_wait_timeout = 1;\nSET SESSION innodb_lock_wait_timeout = 1;\nALTER TABLE t ADD COLUMN c INT\n;\nEND'
      )
      expect(emulator!.calls[1].continueAfterTimeout).toBe(true)
      // Once the holder is gone, the same DDL goes through.
      await holder!.query('ROLLBACK')
      await t.query(ADD_COLUMN, undefined, ALONE(1))
      expect(await columns()).toEqual(['id', 'v', 'c'])
    })

    test('without the session statements the same DDL waits behind the transaction (what the vehicle prevents)', async () => {
      const t = await dataApi(model)
      await holdTable()
      let settled = false
      const pending = t.query(ADD_COLUMN, undefined, { longRunning: { timeoutMs: null } }).finally(() => {
        settled = true
      })
      await new Promise((resolve) => setTimeout(resolve, 2500))
      expect(settled).toBe(false)
      const waiting = await sql<{ STATE: string }>(`SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO = '${ADD_COLUMN}'`)
      expect(waiting).toEqual([{ STATE: 'Waiting for table metadata lock' }])
      await holder!.query('ROLLBACK')
      await pending
      expect(await columns()).toEqual(['id', 'v', 'c'])
    })

    test('a statement that succeeds: its effect, the session reset afterwards, the procedure dropped', async () => {
      const t = await dataApi(model)
      await t.query(ADD_COLUMN, undefined, ALONE(7))
      expect(await columns()).toEqual(['id', 'v', 'c'])
      // The next call is a fresh session: the setting did not outlive its statement.
      expect((await t.query('SELECT @@SESSION.lock_wait_timeout AS w')).rows).not.toEqual([{ w: 7 }])
    })

    test("a failing statement's errno, SQLSTATE and message come back unchanged; nothing is left", async () => {
      const t = await dataApi(model)
      const missing = await rejection(t.query('ALTER TABLE nosuch ADD COLUMN c INT', undefined, ALONE()))
      expect(missing).toBeInstanceOf(DatabaseError)
      expect((missing as DatabaseError).info).toEqual({
        message: expect.stringMatching(/^Table '.*\.nosuch' doesn't exist$/),
        errno: 1146,
        sqlState: '42S02'
      })
      const duplicate = await rejection(t.query('ALTER TABLE t ADD COLUMN v INT', undefined, ALONE()))
      expect((duplicate as DatabaseError).info).toEqual({ message: "Duplicate column name 'v'", errno: 1060, sqlState: '42S21' })
      // A syntax error is found when the procedure is created: nothing ran, and the DROP still follows.
      const syntax = await rejection(t.query('ALTER TABLE t ADD COLUMN', undefined, ALONE()))
      expect((syntax as DatabaseError).info).toMatchObject({ errno: 1064, sqlState: '42000' })
      expect(executed()).toEqual(['CREATE', 'CALL', 'DROP', 'CREATE', 'CALL', 'DROP', 'CREATE', 'DROP'])
      expect(await columns()).toEqual(['id', 'v'])
    })

    test('a lost reply of CREATE PROCEDURE is settled: the re-sent CREATE finds it there, and the statement runs once', async () => {
      const t = await dataApi(model)
      emulator!.faults.drop({ op: 'ExecuteStatement', sql: 'CREATE PROCEDURE', when: 'after' })
      await t.query(ADD_COLUMN, undefined, ALONE())
      expect(emulator!.calls.map((c) => [c.op === 'ExecuteStatement' ? c.sql!.split(/\s/)[0] : c.op, c.fault ?? c.error ?? 'ok'])).toEqual([
        ['CREATE', 'drop-after'],
        ['CREATE', 'DatabaseErrorException'],
        ['CALL', 'ok'],
        ['DROP', 'ok']
      ])
      expect(await columns()).toEqual(['id', 'v', 'c'])
    })

    test('CREATE TRIGGER goes the transaction way: BeginTransaction, the settings, the trigger, CommitTransaction', async () => {
      const t = await dataApi(model)
      await t.query('CREATE TRIGGER t_bump BEFORE INSERT ON t FOR EACH ROW SET NEW.v = NEW.v + 1', undefined, ALONE())
      expect(executed()).toEqual(['BeginTransaction', 'SET', 'SET', 'CREATE', 'CommitTransaction'])
      expect(emulator!.calls.slice(1, 4).every((c) => typeof c.transactionId === 'string' && c.continueAfterTimeout === undefined)).toBe(
        true
      )
      await sql('INSERT INTO t VALUES (2, 20)')
      expect(await sql('SELECT v FROM t WHERE id = 2')).toEqual([{ v: 21 }])
      // Its error comes back as query() throws one: the trigger's table does not exist.
      const error = await rejection(t.query('CREATE TRIGGER x BEFORE INSERT ON nosuch FOR EACH ROW SET NEW.v = 1', undefined, ALONE()))
      expect((error as DatabaseError).info).toMatchObject({ errno: 1146, sqlState: '42S02' })
      expect(await sql('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()')).toEqual([
        { n: 't_bump' }
      ])
    })

    test('a trigger behind a long transaction gives up too: the transaction carries the setting', async () => {
      const t = await dataApi(model)
      await holdTable()
      const started = Date.now()
      const error = await rejection(t.query('CREATE TRIGGER t_bump BEFORE INSERT ON t FOR EACH ROW SET NEW.v = 1', undefined, ALONE(1)))
      expect(Date.now() - started).toBeLessThan(5000)
      expect((error as DatabaseError).info).toMatchObject({ errno: 1205 })
      expect(await sql('SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()')).toEqual([])
    })
  })

  test('a long statement goes on past the call limit inside the procedure, and is waited for before the procedure is dropped', async () => {
    const t = await dataApi('autocommit-off', { callLimitMs: 300, clock: 'scaled' })
    const statement = 'CREATE TABLE slow AS SELECT SLEEP(2) AS s'
    const started = Date.now()
    const error = await rejection(t.query(statement, undefined, ALONE()))
    // The Data API never says how a statement past its call limit ended: the engine settles it from the catalog.
    expect(error).toBeInstanceOf(StatementOutcomeUnknownError)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    expect(executed()).toEqual(expect.arrayContaining(['CREATE', 'CALL', 'SELECT', 'DROP']))
    expect(emulator!.calls.find((c) => c.sql?.startsWith('CALL'))).toMatchObject({
      continueAfterTimeout: true,
      error: 'StatementTimeoutException'
    })
    // The statement was found running by its own text (the process list shows it, not the CALL).
    expect(logs).toContainEqual(expect.stringMatching(/still running after the Data API's 45 s call limit/))
    expect(logs).toContainEqual(expect.stringMatching(/is no longer running on the server/))
    expect(executed().at(-1)).toBe('DROP')
    expect(
      await sql("SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'slow'")
    ).toEqual([{ n: 'slow' }])
  })

  describe('through the runner Lambda', () => {
    /** What the runner was sent, request by request. */
    let requests: Array<{ session?: string[] }>
    async function runner(): Promise<Target> {
      requests = []
      lambda = await startLambdaEmulator({
        functions: {
          runner: {
            sandbox: () => {
              const handler = createHandler({ env: { DATABASE_URL: db.url }, log: () => {} })
              return (event, context) => {
                requests.push(event as { session?: string[] })
                return handler(event, context)
              }
            }
          }
        }
      })
      target = createLambdaTarget({ functionName: 'runner', endpoint: lambda.endpoint })
      return target
    }

    test('the runner runs the session statements on the statement’s connection: a DDL behind a long transaction gives up with 1205', async () => {
      const t = await runner()
      await holdTable()
      const started = Date.now()
      const error = await rejection(t.query(ADD_COLUMN, undefined, ALONE(1)))
      expect(Date.now() - started).toBeLessThan(5000)
      expect((error as DatabaseError).info).toMatchObject({ errno: 1205 })
      expect(await columns()).toEqual(['id', 'v'])
      expect(requests.map((r) => r.session)).toEqual([BOUNDED(1)])
    })

    test('the setting reaches its statement alone: the next invocation is at the server’s setting again', async () => {
      const t = await runner()
      expect((await t.query('SELECT @@SESSION.lock_wait_timeout AS w', undefined, { session: BOUNDED(9) })).rows).toEqual([{ w: 9 }])
      expect((await t.query('SELECT @@SESSION.lock_wait_timeout AS w')).rows).not.toEqual([{ w: 9 }])
    })
  })

  test('the runner refuses a malformed session, naming the field; an absent one is no session', () => {
    expect(parseRequest({ protocol: 1, op: 'query', sql: 'SELECT 1', session: 'SET x = 1' })).toMatchObject({
      ok: false,
      failure: { error: { code: 'BAD_REQUEST', message: expect.stringMatching(/'session' must be an array/) } }
    })
    expect(parseRequest({ protocol: 1, op: 'query', sql: 'SELECT 1', session: [''] })).toMatchObject({
      ok: false,
      failure: { error: { message: "'session[0]' is empty." } }
    })
    expect(parseRequest({ protocol: 1, op: 'query', sql: 'SELECT 1', session: [] })).toEqual({
      ok: true,
      request: { protocol: 1, op: 'query', sql: 'SELECT 1' }
    })
  })
})
