/**
 * The Data API emulator in MySQL mode, driven by the real @aws-sdk/client-rds-data client against the file's
 * own MariaDB: one statement per call, the session reset between calls, transactions that pin a connection,
 * DDL that commits on its own under both BeginTransaction models, errors with errno and SQLSTATE, the call
 * time limit with continueAfterTimeout, and the service's value shapes. Every test reads the database
 * afterwards over a direct connection.
 */
import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type ExecuteStatementCommandInput
} from '@aws-sdk/client-rds-data'
import mysql from 'mysql2/promise'
import { parseDataApiError } from '../../src/targets/data-api/errors.js'
import { DUMMY_CREDENTIALS } from '../../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator, type DataApiEmulatorOptions } from '../../testkit/data-api-emulator.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

interface CaughtError {
  name: string
  message: string
  status?: number
}

async function failure(promise: Promise<unknown>): Promise<CaughtError> {
  try {
    await promise
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }
  }
  throw new Error('expected the call to fail, it succeeded')
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describeMysql('the Data API emulator in MySQL mode', () => {
  const server = useMysqlServer()
  let admin: mysql.Connection
  let emulator: DataApiEmulator | undefined
  let client: RDSDataClient | undefined

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: server.url })
    await admin.query('CREATE DATABASE app')
    await admin.query('CREATE DATABASE other')
    await admin.query('USE app')
  })
  afterAll(async () => {
    await admin?.end()
  })
  beforeEach(async () => {
    await admin.query('DROP TABLE IF EXISTS t, t2, kv, shapes')
    await admin.query('CREATE TABLE t (id INT PRIMARY KEY)')
  })
  afterEach(async () => {
    client?.destroy()
    await emulator?.stop()
    client = undefined
    emulator = undefined
  })

  async function start(options: Partial<DataApiEmulatorOptions> = {}): Promise<void> {
    emulator = await startDataApiEmulator({ mysqlUrl: `${server.url}app`, ...options })
    client = new RDSDataClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  }
  const arns = () => ({ resourceArn: emulator!.resourceArn, secretArn: emulator!.secretArn })
  const execute = (input: Omit<ExecuteStatementCommandInput, 'resourceArn' | 'secretArn'>) =>
    client!.send(new ExecuteStatementCommand({ ...arns(), ...input }))
  const begin = async () => (await client!.send(new BeginTransactionCommand(arns()))).transactionId!
  const commit = (transactionId: string) => client!.send(new CommitTransactionCommand({ ...arns(), transactionId }))
  const rollback = (transactionId: string) => client!.send(new RollbackTransactionCommand({ ...arns(), transactionId }))
  /** The first column of every row of t (or `table`), read directly. */
  async function ids(table = 't'): Promise<number[]> {
    const [rows] = await admin.query(`SELECT id FROM ${table} ORDER BY id`)
    return (rows as { id: number }[]).map((r) => Number(r.id))
  }
  async function tableExists(name: string): Promise<boolean> {
    const [rows] = await admin.query('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [
      'app',
      name
    ])
    return Number((rows as { n: number }[])[0].n) === 1
  }
  const value = async (sql: string, transactionId?: string) => (await execute({ sql, transactionId })).records?.[0]?.[0]

  describe('one statement per call', () => {
    beforeEach(() => start())

    test('more than one statement is refused and nothing runs', async () => {
      expect(await failure(execute({ sql: 'INSERT INTO t VALUES (1); CREATE TABLE t2 (id INT)' }))).toEqual({
        name: 'ValidationException',
        message: "Multistatements aren't supported.",
        status: 400
      })
      expect(await ids()).toEqual([])
      expect(await tableExists('t2')).toBe(false)
    })

    test("a trailing ';', quotes and comments holding ';', and a routine body are one statement", async () => {
      await execute({ sql: 'INSERT INTO t VALUES (1);' })
      await execute({ sql: 'INSERT INTO t SELECT 2 FROM dual WHERE \'a;b\' <> "c;d" -- x; y\n # z; w\n /* ; */' })
      await execute({
        sql: 'CREATE PROCEDURE p() BEGIN DECLARE n INT DEFAULT 3; IF n > 2 THEN INSERT INTO t VALUES (n); END IF; INSERT INTO t VALUES (CASE WHEN n = 3 THEN 4 ELSE 0 END); END'
      })
      await execute({ sql: 'CALL p()' })
      expect(await ids()).toEqual([1, 2, 3, 4])
      await admin.query('DROP PROCEDURE p')
    })

    test('empty and comment-only SQL is refused', async () => {
      for (const sql of ['', '  ', '-- nothing\n', '/* nothing */ ;']) {
        expect(await failure(execute({ sql }))).toMatchObject({ name: 'ValidationException', message: 'SQL is empty' })
      }
    })

    test('DELIMITER is a client command: the server answers 1064', async () => {
      const error = await failure(execute({ sql: 'DELIMITER $$' }))
      expect(error.name).toBe('DatabaseErrorException')
      expect(parseDataApiError(error.message)).toMatchObject({ errno: 1064, sqlState: '42000' })
    })
  })

  describe('the session is reset between calls', () => {
    beforeEach(() => start())

    test('user variables, session settings, temporary tables and USE do not survive a call', async () => {
      // Two calls after each: with the pool's two sessions taken in turn, one of them is the session that set it.
      const nextTwo = async (sql: string) => [await value(sql), await value(sql)]
      await execute({ sql: 'SET @x = 42' })
      expect(await nextTwo('SELECT @x')).toEqual([{ isNull: true }, { isNull: true }])
      await execute({ sql: 'SET SESSION lock_wait_timeout = 7' })
      expect(await nextTwo('SELECT @@session.lock_wait_timeout = 7')).toEqual([{ longValue: 0 }, { longValue: 0 }])
      await execute({ sql: 'CREATE TEMPORARY TABLE tmp (id INT)' })
      for (let i = 0; i < 2; i++) {
        const error = await failure(execute({ sql: 'SELECT * FROM tmp' }))
        expect(parseDataApiError(error.message)).toMatchObject({ errno: 1146, sqlState: '42S02' })
      }
      await execute({ sql: 'USE other' })
      expect(await nextTwo('SELECT DATABASE()')).toEqual([{ stringValue: 'app' }, { stringValue: 'app' }])
    })

    test('a GET_LOCK lock is released when its call ends', async () => {
      expect(await value("SELECT GET_LOCK('lease', 0)")).toEqual({ longValue: 1 })
      expect(await value("SELECT IS_USED_LOCK('lease')")).toEqual({ isNull: true })
      const [rows] = await admin.query("SELECT GET_LOCK('lease', 0) AS got")
      expect(Number((rows as { got: number }[])[0].got)).toBe(1)
      await admin.query("SELECT RELEASE_LOCK('lease')")
    })

    test('`database` chooses the database; an unknown one is DatabaseNotFoundException', async () => {
      expect(await (async () => (await execute({ sql: 'SELECT DATABASE()', database: 'other' })).records?.[0]?.[0])()).toEqual({
        stringValue: 'other'
      })
      expect(await failure(execute({ sql: 'SELECT 1', database: 'nosuch' }))).toMatchObject({
        name: 'DatabaseNotFoundException',
        status: 404
      })
    })
  })

  describe('transactions', () => {
    beforeEach(() => start())

    test('a transaction pins one connection: variables and GET_LOCK hold across its calls', async () => {
      const tx = await begin()
      await execute({ sql: 'SET @x = 5', transactionId: tx })
      expect(await value('SELECT @x', tx)).toEqual({ longValue: 5 })
      expect(await value("SELECT GET_LOCK('lease', 0)", tx)).toEqual({ longValue: 1 })
      expect(await value("SELECT IS_USED_LOCK('lease') IS NOT NULL", tx)).toEqual({ longValue: 1 })
      await commit(tx)
      expect(await value("SELECT IS_USED_LOCK('lease')")).toEqual({ isNull: true })
    })

    test('commit keeps the DML, rollback undoes it', async () => {
      const kept = await begin()
      await execute({ sql: 'INSERT INTO t VALUES (1)', transactionId: kept })
      expect(await ids()).toEqual([])
      expect(await commit(kept)).toMatchObject({ transactionStatus: 'Transaction Committed' })
      const undone = await begin()
      await execute({ sql: 'INSERT INTO t VALUES (2)', transactionId: undone })
      expect(await rollback(undone)).toMatchObject({ transactionStatus: 'Rollback Complete' })
      expect(await ids()).toEqual([1])
      expect(emulator!.openTransactions()).toBe(0)
    })

    test('an SQL error ends the transaction: its DML is rolled back and the id is gone', async () => {
      const tx = await begin()
      await execute({ sql: 'INSERT INTO t VALUES (1)', transactionId: tx })
      const error = await failure(execute({ sql: 'INSERT INTO t VALUES (1)', transactionId: tx }))
      expect(error.name).toBe('DatabaseErrorException')
      expect(parseDataApiError(error.message)).toMatchObject({ errno: 1062, sqlState: '23000' })
      const gone = await failure(rollback(tx))
      expect(gone).toMatchObject({ name: 'TransactionNotFoundException', status: 404 })
      expect(gone.message).toMatch(/aborted due to an error from a previous call/)
      expect(await ids()).toEqual([])
    })
  })

  describe.each([
    ['autocommit-off', [10]],
    ['start-transaction', [10, 11]]
  ] as const)('DDL in a transaction (BeginTransaction as %s)', (model, kept) => {
    beforeEach(() => start({ mysqlTransactions: model }))

    test(`a DDL commits the DML before it; Rollback afterwards keeps ${kept.join(', ')}`, async () => {
      const tx = await begin()
      await execute({ sql: 'INSERT INTO t VALUES (10)', transactionId: tx })
      await execute({ sql: 'CREATE TABLE t2 (id INT)', transactionId: tx })
      expect(await ids()).toEqual([10])
      await execute({ sql: 'INSERT INTO t VALUES (11)', transactionId: tx })
      await rollback(tx)
      expect(await ids()).toEqual(kept)
      expect(await tableExists('t2')).toBe(true)
    })

    test('a DDL that fails at run time still commits the DML before it, and ends the transaction', async () => {
      const tx = await begin()
      await execute({ sql: 'INSERT INTO t VALUES (20)', transactionId: tx })
      const error = await failure(execute({ sql: 'CREATE TABLE t (id INT)', transactionId: tx }))
      expect(parseDataApiError(error.message)).toMatchObject({ errno: 1050, sqlState: '42S01' })
      expect(await failure(rollback(tx))).toMatchObject({ name: 'TransactionNotFoundException' })
      expect(await ids()).toEqual([20])
    })

    test('a DDL that does not parse commits nothing', async () => {
      const tx = await begin()
      await execute({ sql: 'INSERT INTO t VALUES (30)', transactionId: tx })
      const error = await failure(execute({ sql: 'CREATE TABLE t2 (id INT', transactionId: tx }))
      expect(parseDataApiError(error.message)).toMatchObject({ errno: 1064 })
      expect(await ids()).toEqual([])
      expect(await tableExists('t2')).toBe(false)
    })
  })

  describe('errors', () => {
    beforeEach(() => start())

    test('an SQL error answers DatabaseErrorException with the server text, errno and SQLSTATE', async () => {
      const error = await failure(execute({ sql: 'SELECT * FROM nosuch' }))
      expect(error).toEqual({
        name: 'DatabaseErrorException',
        message: "Table 'app.nosuch' doesn't exist; Error code: 1146; SQLState: 42S02",
        status: 400
      })
      expect(parseDataApiError(error.message)).toEqual({ message: "Table 'app.nosuch' doesn't exist", errno: 1146, sqlState: '42S02' })
    })
  })

  describe('the call time limit', () => {
    beforeEach(() => start({ statementTimeoutMs: 300 }))

    test('a slow call answers StatementTimeoutException and is stopped', async () => {
      const error = await failure(execute({ sql: 'INSERT INTO t SELECT 1 FROM (SELECT SLEEP(1.5)) AS s' }))
      expect(error).toMatchObject({ name: 'StatementTimeoutException', status: 400 })
      await sleep(1700)
      expect(await ids()).toEqual([])
    })

    test('with continueAfterTimeout the statement keeps running and takes effect', async () => {
      const error = await failure(execute({ sql: 'INSERT INTO t SELECT 1 FROM (SELECT SLEEP(1)) AS s', continueAfterTimeout: true }))
      expect(error.name).toBe('StatementTimeoutException')
      expect(await ids()).toEqual([])
      await sleep(1400)
      expect(await ids()).toEqual([1])
    })

    test('a timeout inside a transaction aborts it; continueAfterTimeout is refused there', async () => {
      const tx = await begin()
      await execute({ sql: 'INSERT INTO t VALUES (5)', transactionId: tx })
      expect(await failure(execute({ sql: 'SELECT 1', transactionId: tx, continueAfterTimeout: true }))).toMatchObject({
        name: 'ValidationException'
      })
      expect(await failure(execute({ sql: 'SELECT SLEEP(2)', transactionId: tx }))).toMatchObject({ name: 'StatementTimeoutException' })
      expect(await failure(commit(tx))).toMatchObject({ name: 'TransactionNotFoundException' })
      expect(await ids()).toEqual([])
    })
  })

  describe('values', () => {
    beforeEach(() => start())

    test("fields follow the service's shapes for MySQL types", async () => {
      await execute({
        sql:
          'CREATE TABLE shapes (id BIGINT AUTO_INCREMENT PRIMARY KEY, flag TINYINT(1), small TINYINT, amount DECIMAL(10,2), ' +
          'at DATETIME(3), day DATE, doc JSON, name VARCHAR(20), raw VARBINARY(4), ratio DOUBLE, bit1 BIT(1), yr YEAR, missing INT)'
      })
      const inserted = await execute({
        sql:
          "INSERT INTO shapes (flag, small, amount, at, day, doc, name, raw, ratio, bit1, yr) VALUES (TRUE, 7, 12.50, '2024-01-02 03:04:05.678', " +
          "'2024-01-02', '{\"a\": 1}', 'x', X'0102', 0.5, b'1', 2024)"
      })
      expect(inserted).toMatchObject({ numberOfRecordsUpdated: 1, generatedFields: [{ longValue: 1 }] })
      const reply = await execute({ sql: 'SELECT * FROM shapes', includeResultMetadata: true })
      expect(reply.records).toEqual([
        [
          { longValue: 1 },
          { booleanValue: true },
          { longValue: 7 },
          { stringValue: '12.50' },
          { stringValue: '2024-01-02 03:04:05.678' },
          { stringValue: '2024-01-02' },
          { stringValue: '{"a": 1}' },
          { stringValue: 'x' },
          { blobValue: Buffer.from([1, 2]) },
          { doubleValue: 0.5 },
          { booleanValue: true },
          { longValue: 2024 },
          { isNull: true }
        ]
      ])
      expect(reply.columnMetadata?.map((c) => c.typeName)).toEqual([
        'BIGINT',
        'BIT',
        'TINYINT',
        'DECIMAL',
        'DATETIME',
        'DATE',
        'JSON',
        'VARCHAR',
        'VARBINARY',
        'DOUBLE',
        'BIT',
        'YEAR',
        'INT'
      ])
      expect(reply.columnMetadata?.[0]).toMatchObject({ name: 'id', isAutoIncrement: true, nullable: 0, tableName: 'shapes' })
      expect((await execute({ sql: 'SELECT 1' })).columnMetadata).toBeUndefined()
      const json = await execute({ sql: 'SELECT id, flag, amount, missing FROM shapes', formatRecordsAs: 'JSON' })
      expect(JSON.parse(json.formattedRecords!)).toEqual([{ id: 1, flag: true, amount: '12.50', missing: null }])
      expect(json.records).toBeUndefined()
    })

    test('numberOfRecordsUpdated counts matched rows; parameters bind; BatchExecute reports each insert id', async () => {
      await admin.query('CREATE TABLE kv (id INT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(40), v INT, b VARBINARY(4), f TINYINT(1))')
      const batch = await client!.send(
        new BatchExecuteStatementCommand({
          ...arns(),
          sql: 'INSERT INTO kv (k, v, b, f) VALUES (:k, :v, :b, :f)',
          parameterSets: [
            [
              { name: 'k', value: { stringValue: "it's :v; -- not a comment" } },
              { name: 'v', value: { longValue: 1 } },
              { name: 'b', value: { blobValue: Buffer.from([9]) } },
              { name: 'f', value: { booleanValue: true } }
            ],
            [
              { name: 'k', value: { stringValue: 'two' } },
              { name: 'v', value: { isNull: true } },
              { name: 'b', value: { isNull: true } },
              { name: 'f', value: { booleanValue: false } }
            ]
          ]
        })
      )
      expect(batch.updateResults).toEqual([{ generatedFields: [{ longValue: 1 }] }, { generatedFields: [{ longValue: 2 }] }])
      const [rows] = await admin.query('SELECT k, v, HEX(b) AS b, f FROM kv ORDER BY id')
      expect(rows).toEqual([
        { k: "it's :v; -- not a comment", v: 1, b: '09', f: 1 },
        { k: 'two', v: null, b: null, f: 0 }
      ])
      // Both rows match; one already holds the value: found rows (2), as Connector/J counts by default.
      await admin.query('UPDATE kv SET v = 5 WHERE id = 1')
      expect((await execute({ sql: 'UPDATE kv SET v = 5' })).numberOfRecordsUpdated).toBe(2)
      expect(
        (await execute({ sql: 'SELECT v FROM kv WHERE k = :k', parameters: [{ name: 'k', value: { stringValue: 'two' } }] })).records
      ).toEqual([[{ longValue: 5 }]])
    })
  })

  test('auto-pause faults answer the same way in MySQL mode', async () => {
    await start()
    emulator!.faults.resuming({ calls: 1 })
    expect(await failure(execute({ sql: 'INSERT INTO t VALUES (1)' }))).toMatchObject({ name: 'DatabaseResumingException', status: 400 })
    expect(await ids()).toEqual([])
    await execute({ sql: 'INSERT INTO t VALUES (1)' })
    expect(await ids()).toEqual([1])
  })
})
