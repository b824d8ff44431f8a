/**
 * The Data API transport with MySQL's wire part (no packing) against the emulator in MySQL mode, on the file's
 * own MariaDB: queries with parameters and their values, SQL errors with errno and SQLSTATE, and guarded
 * transactions (committed, refused by the guard, failed at a statement), statement by statement even when the
 * caller needs no results. Each test reads the database afterwards over a direct connection.
 */
import mysql from 'mysql2/promise'
import { DatabaseError } from '../../src/errors.js'
import { wire } from '../../src/dialects/mysql/wire.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import type { Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator, type MysqlTransactionModel } from '../../testkit/data-api-emulator.js'
import { FakeClock } from '../../testkit/fake-clock.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

useDummyAwsEnvironment()

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection, the call succeeded')
}

describeMysql('the Data API transport on MySQL', () => {
  const server = useMysqlServer()
  let admin: mysql.Connection
  let emulator: DataApiEmulator | undefined
  let target: Target | undefined

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: server.url })
    await admin.query('CREATE DATABASE app')
    await admin.query('USE app')
  })
  afterAll(async () => {
    await admin?.end()
  })
  beforeEach(async () => {
    await admin.query('DROP TABLE IF EXISTS items, lease')
    await admin.query(
      'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE, qty BIGINT, price DECIMAL(8,2), ok BOOL, at DATETIME(3))'
    )
    await admin.query('CREATE TABLE lease (name VARCHAR(20) PRIMARY KEY, token INT NOT NULL, holder VARCHAR(20))')
    await admin.query("INSERT INTO lease VALUES ('migrate', 1, NULL)")
  })
  afterEach(async () => {
    await target?.close()
    await emulator?.stop()
    target = undefined
    emulator = undefined
  })

  async function start(transactions?: MysqlTransactionModel): Promise<Target> {
    // databaseUrl, as the contract suites' Data API transport would pass any dialect's server: the scheme picks MySQL.
    emulator = await startDataApiEmulator({ databaseUrl: server.url, mysqlTransactions: transactions })
    target = createDataApiTarget({
      wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: 'app',
      endpoint: emulator.endpoint,
      ...new FakeClock().hooks
    })
    return target
  }
  async function rows(sql: string): Promise<unknown[]> {
    const [result] = await admin.query(sql)
    return result as unknown[]
  }

  test('query(): parameters bind, values come back as the direct transport returns them', async () => {
    const t = await start()
    const inserted = await t.query('INSERT INTO items (name, qty, price, ok, at) VALUES (:name, :qty, :price, :ok, :at)', {
      name: "o'brien",
      qty: 3,
      price: '9.50',
      ok: true,
      at: '2024-01-02 03:04:05.678'
    })
    expect(inserted.rowCount).toBe(1)
    const read = await t.query('SELECT id, name, qty, price, ok, at, NULL AS nothing FROM items WHERE name = :name', { name: "o'brien" })
    expect(read).toEqual({
      rows: [{ id: 1, name: "o'brien", qty: 3, price: '9.50', ok: true, at: '2024-01-02T03:04:05.678Z', nothing: null }],
      rowCount: 1
    })
    expect(await rows('SELECT name, qty FROM items')).toEqual([{ name: "o'brien", qty: 3 }])
  })

  test("query(): an SQL error is a DatabaseError with errno and SQLSTATE, its message without the service's suffix", async () => {
    const t = await start()
    const error = await rejection(t.query('SELECT * FROM nosuch'))
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).info).toEqual({ message: "Table 'app.nosuch' doesn't exist", errno: 1146, sqlState: '42S02' })
    expect(error.message).toBe("Table 'app.nosuch' doesn't exist (error 1146, SQLSTATE 42S02)")
    expect(emulator!.calls.filter((c) => c.op === 'ExecuteStatement')).toHaveLength(1)
  })

  describe.each(['autocommit-off', 'start-transaction'] as const)('transactions (BeginTransaction as %s)', (model) => {
    test('a guarded transaction commits when its guard holds, one call per statement even without results needed', async () => {
      const t = await start(model)
      const result = await t.transaction(
        [
          {
            sql: "UPDATE lease SET token = token + 1, holder = :me WHERE name = 'migrate' AND token = :token",
            params: { me: 'a', token: 1 },
            expectRows: 1,
            label: 'fence'
          },
          { sql: 'INSERT INTO items (name, qty) VALUES (:name, 1)', params: { name: 'x' }, label: 'record' }
        ],
        { resultsNeeded: false }
      )
      expect(result).toEqual({ ok: true, results: expect.any(Array) })
      expect(await rows('SELECT token, holder FROM lease')).toEqual([{ token: 2, holder: 'a' }])
      expect(await rows('SELECT name FROM items')).toEqual([{ name: 'x' }])
      expect(emulator!.calls.map((c) => c.op)).toEqual(['BeginTransaction', 'ExecuteStatement', 'ExecuteStatement', 'CommitTransaction'])
      expect(emulator!.calls.filter((c) => c.op === 'ExecuteStatement').every((c) => c.transactionId)).toBe(true)
    })

    test('a guard that does not hold rolls back what ran before it', async () => {
      const t = await start(model)
      const result = await t.transaction([
        { sql: "INSERT INTO items (name) VALUES ('before')" },
        {
          sql: "UPDATE lease SET token = token + 1 WHERE name = 'migrate' AND token = :token",
          params: { token: 7 },
          expectRows: 1,
          label: 'fence'
        },
        { sql: "INSERT INTO items (name) VALUES ('after')" }
      ])
      expect(result).toMatchObject({ ok: false, failedIndex: 1, failedLabel: 'fence', guard: true })
      expect(await rows('SELECT name FROM items')).toEqual([])
      expect(await rows('SELECT token FROM lease')).toEqual([{ token: 1 }])
      expect(emulator!.openTransactions()).toBe(0)
    })

    test('an SQL error at a statement fails the transaction there, with errno and SQLSTATE, and leaves nothing', async () => {
      const t = await start(model)
      const result = await t.transaction([
        { sql: "INSERT INTO items (name) VALUES ('dup')" },
        { sql: "INSERT INTO items (name) VALUES ('dup')", label: 'record' }
      ])
      expect(result).toMatchObject({
        ok: false,
        failedIndex: 1,
        failedLabel: 'record',
        error: { errno: 1062, sqlState: '23000', message: expect.stringMatching(/^Duplicate entry 'dup' for key/) }
      })
      expect(await rows('SELECT name FROM items')).toEqual([])
      expect(emulator!.openTransactions()).toBe(0)
    })
  })
})
