/**
 * The emulator is only worth something if it is as strict as the service: these tests drive it with
 * the real @aws-sdk/client-rds-data client and check each refusal and each injected fault.
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
import { startDataApiEmulator, type DataApiEmulator, type DataApiEmulatorOptions } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { DUMMY_CREDENTIALS } from '../../testkit/aws-env.js'

let db: Awaited<ReturnType<typeof createTestDatabase>>
let emulator: DataApiEmulator
let client: RDSDataClient

async function start(options: Partial<DataApiEmulatorOptions> = {}): Promise<void> {
  emulator = await startDataApiEmulator({ postgresUrl: db.url, ...options })
  client = new RDSDataClient({
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1
  })
}

beforeEach(async () => {
  db = await createTestDatabase('emulator')
})

afterEach(async () => {
  client?.destroy()
  await emulator?.stop()
  await db.drop()
})

const arns = () => ({ resourceArn: emulator.resourceArn, secretArn: emulator.secretArn })

function execute(input: Omit<ExecuteStatementCommandInput, 'resourceArn' | 'secretArn'>) {
  return client.send(new ExecuteStatementCommand({ ...arns(), ...input }))
}

async function begin(): Promise<string> {
  const { transactionId } = await client.send(new BeginTransactionCommand(arns()))
  expect(typeof transactionId).toBe('string')
  return transactionId!
}

interface CaughtError {
  name: string
  message: string
  status?: number
  code?: string
}

async function failure(promise: Promise<unknown>): Promise<CaughtError> {
  try {
    await promise
  } catch (error) {
    const e = error as { name: string; message: string; code?: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode, code: e.code }
  }
  throw new Error('expected the call to fail, it succeeded')
}

describe('one statement per call', () => {
  beforeEach(() => start())

  test('more than one statement is refused and nothing runs', async () => {
    const error = await failure(execute({ sql: 'CREATE TABLE a (id int); CREATE TABLE b (id int)' }))
    expect(error).toEqual({ name: 'ValidationException', message: "Multistatements aren't supported.", status: 400, code: undefined })
    expect(await sql(db.url, "SELECT to_regclass('a')::text AS t")).toEqual([{ t: null }])
  })

  test('a multi-statement call with a syntax error is still refused as multi-statement', async () => {
    const error = await failure(execute({ sql: 'SELEC 1; SELECT 2' }))
    expect(error.name).toBe('ValidationException')
    expect(error.message).toBe("Multistatements aren't supported.")
  })

  test('a trailing semicolon, a DO block and a dollar-quoted body with semicolons are one statement', async () => {
    await execute({ sql: 'CREATE TABLE t (id int);' })
    await execute({ sql: 'DO $$ BEGIN INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END $$' })
    await execute({
      sql: `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN 1; END; $fn$`
    })
    const result = await execute({ sql: 'SELECT count(*) AS c, f() AS f FROM t' })
    expect(result.records).toEqual([[{ longValue: 2 }, { longValue: 1 }]])
  })

  test('empty and comment-only SQL is refused', async () => {
    for (const text of ['', '   ', '-- nothing here', '/* nothing */ ;']) {
      const error = await failure(execute({ sql: text }))
      expect(error).toMatchObject({ name: 'ValidationException', message: 'SQL is empty', status: 400 })
    }
  })

  test('SQL longer than 65,536 characters is refused; exactly 65,536 is accepted', async () => {
    const base = 'SELECT 1 AS one'
    const atLimit = base + ' '.repeat(65_536 - base.length)
    await expect(execute({ sql: atLimit })).resolves.toMatchObject({ records: [[{ longValue: 1 }]] })
    const error = await failure(execute({ sql: atLimit + ' ' }))
    expect(error.name).toBe('ValidationException')
    expect(error.message).toContain('65536')
  })

  test('a request body over 4 MiB is refused with 413', async () => {
    const big = 'x'.repeat(4 * 1024 * 1024 + 10)
    const error = await failure(execute({ sql: 'SELECT :big AS big', parameters: [{ name: 'big', value: { stringValue: big } }] }))
    expect(error).toMatchObject({ name: 'ValidationException', status: 413 })
  })

  test('the schema parameter is refused', async () => {
    const error = await failure(execute({ sql: 'SELECT 1', schema: 'public' }))
    expect(error).toMatchObject({ name: 'ValidationException', status: 400 })
    expect(error.message).toMatch(/schema/)
  })

  test('an unknown cluster or a wrong secret is refused', async () => {
    const wrongCluster = await failure(
      client.send(new ExecuteStatementCommand({ ...arns(), resourceArn: 'arn:aws:rds:us-east-1:1:cluster:other', sql: 'SELECT 1' }))
    )
    expect(wrongCluster).toMatchObject({ name: 'BadRequestException', status: 400 })
    const wrongSecret = await failure(
      client.send(new ExecuteStatementCommand({ ...arns(), secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:x', sql: 'SELECT 1' }))
    )
    expect(wrongSecret).toMatchObject({ name: 'BadRequestException', status: 400 })
    expect(wrongSecret.message).toMatch(/secret/i)
  })

  test('`database` chooses the database on the server', async () => {
    const result = await execute({ sql: 'SELECT current_database() AS d', database: 'postgres' })
    expect(result.records).toEqual([[{ stringValue: 'postgres' }]])
    const own = await execute({ sql: 'SELECT current_database() AS d' })
    expect(own.records).toEqual([[{ stringValue: db.name }]])
  })
})

describe('results', () => {
  beforeEach(() => start())

  test('field unions follow the service type mapping', async () => {
    const result = await execute({
      sql: `SELECT 1::int2 AS a, 2::int4 AS b, 3::int8 AS c, 1.50::numeric AS d, 2.5::float8 AS e, true AS f,
                   NULL::int AS g, '{"k": 1}'::jsonb AS h, '2024-01-02 03:04:05.123+00'::timestamptz AS i,
                   '2024-01-02 03:04:05'::timestamp AS j, '2024-01-02'::date AS k,
                   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS l, 'x'::varchar AS m, ARRAY[1, 2] AS n,
                   '\\x0102'::bytea AS o`,
      includeResultMetadata: true
    })
    expect(result.records).toEqual([
      [
        { longValue: 1 },
        { longValue: 2 },
        { longValue: 3 },
        { stringValue: '1.50' },
        { doubleValue: 2.5 },
        { booleanValue: true },
        { isNull: true },
        { stringValue: '{"k": 1}' },
        { stringValue: '2024-01-02 03:04:05.123' },
        { stringValue: '2024-01-02 03:04:05' },
        { stringValue: '2024-01-02' },
        { stringValue: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
        { stringValue: 'x' },
        { arrayValue: { longValues: [1, 2] } },
        { blobValue: new Uint8Array([1, 2]) }
      ]
    ])
    expect(result.columnMetadata?.map((c) => [c.name, c.typeName])).toEqual([
      ['a', 'int2'],
      ['b', 'int4'],
      ['c', 'int8'],
      ['d', 'numeric'],
      ['e', 'float8'],
      ['f', 'bool'],
      ['g', 'int4'],
      ['h', 'jsonb'],
      ['i', 'timestamptz'],
      ['j', 'timestamp'],
      ['k', 'date'],
      ['l', 'uuid'],
      ['m', 'varchar'],
      ['n', '_int4'],
      ['o', 'bytea']
    ])
    expect(result.numberOfRecordsUpdated).toBe(0)
  })

  test('columnMetadata only when asked; formattedRecords with formatRecordsAs JSON', async () => {
    const plain = await execute({ sql: "SELECT 1 AS one, 'x' AS x" })
    expect(plain.columnMetadata).toBeUndefined()
    const json = await execute({ sql: "SELECT 1 AS one, 'x' AS x, NULL::text AS n", formatRecordsAs: 'JSON' })
    expect(json.records).toBeUndefined()
    expect(JSON.parse(json.formattedRecords!)).toEqual([{ one: 1, x: 'x', n: null }])
  })

  test('numberOfRecordsUpdated counts affected rows', async () => {
    await execute({ sql: 'CREATE TABLE t (id int)' })
    const inserted = await execute({ sql: 'INSERT INTO t VALUES (1), (2), (3)' })
    expect(inserted.numberOfRecordsUpdated).toBe(3)
    expect(inserted.records).toBeUndefined()
    expect((await execute({ sql: 'DELETE FROM t WHERE id > 1' })).numberOfRecordsUpdated).toBe(2)
  })

  test('an SQL error answers DatabaseErrorException with pgjdbc-style text', async () => {
    const syntax = await failure(execute({ sql: 'SELEC 1' }))
    expect(syntax).toMatchObject({
      name: 'DatabaseErrorException',
      status: 400,
      message: 'ERROR: syntax error at or near "SELEC"; Position: 1; SQLState: 42601'
    })
    await execute({ sql: 'CREATE TABLE u (id int PRIMARY KEY)' })
    await execute({ sql: 'INSERT INTO u VALUES (1)' })
    const duplicate = await failure(execute({ sql: 'INSERT INTO u VALUES (1)' }))
    expect(duplicate.message).toBe(
      'ERROR: duplicate key value violates unique constraint "u_pkey"; Detail: Key (id)=(1) already exists.; SQLState: 23505'
    )
    await execute({ sql: 'CREATE VIEW v AS SELECT id FROM u' })
    const dependent = await failure(execute({ sql: 'DROP TABLE u' }))
    expect(dependent.message).toBe(
      'ERROR: cannot drop table u because other objects depend on it; Detail: view v depends on table u; ' +
        'Hint: Use DROP ... CASCADE to drop the dependent objects too.; SQLState: 2BP01'
    )
  })
})

describe('named parameters', () => {
  beforeEach(() => start())

  test('values of every kind, outside quotes and comments only; positions point into the original SQL', async () => {
    const result = await execute({
      sql: "SELECT :s AS s, :n::text AS n, :l AS l, :d AS d, :b AS b, ':s' AS literal, :s || '!' AS again -- :s",
      parameters: [
        { name: 's', value: { stringValue: "it's :x" } },
        { name: 'n', value: { isNull: true } },
        { name: 'l', value: { longValue: 5 } },
        { name: 'd', value: { doubleValue: 1.5 } },
        { name: 'b', value: { booleanValue: false } }
      ]
    })
    expect(result.records).toEqual([
      [
        { stringValue: "it's :x" },
        { isNull: true },
        { longValue: 5 },
        { doubleValue: 1.5 },
        { booleanValue: false },
        { stringValue: ':s' },
        { stringValue: "it's :x!" }
      ]
    ])
    const error = await failure(execute({ sql: 'SELECT :a + nope', parameters: [{ name: 'a', value: { longValue: 1 } }] }))
    expect(error.message).toBe('ERROR: column "nope" does not exist; Position: 13; SQLState: 42703')
  })

  test('strings are varchar unless a typeHint says otherwise', async () => {
    await execute({ sql: 'CREATE TABLE ids (id uuid)' })
    const id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'
    const untyped = await failure(
      execute({ sql: 'SELECT * FROM ids WHERE id = :id', parameters: [{ name: 'id', value: { stringValue: id } }] })
    )
    expect(untyped.message).toMatch(/operator does not exist: uuid = character varying.*SQLState: 42883/)
    const hinted = await execute({
      sql: 'INSERT INTO ids VALUES (:id)',
      parameters: [{ name: 'id', value: { stringValue: id }, typeHint: 'UUID' }]
    })
    expect(hinted.numberOfRecordsUpdated).toBe(1)
  })

  test('BatchExecute runs the statement once per parameter set', async () => {
    await execute({ sql: 'CREATE TABLE t (id int)' })
    const result = await client.send(
      new BatchExecuteStatementCommand({
        ...arns(),
        sql: 'INSERT INTO t VALUES (:id)',
        parameterSets: [[{ name: 'id', value: { longValue: 1 } }], [{ name: 'id', value: { longValue: 2 } }]]
      })
    )
    expect(result.updateResults).toHaveLength(2)
    expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
  })
})

describe('sessions', () => {
  beforeEach(() => start())

  test('autocommit calls do not share session state', async () => {
    const pids = new Set<number>()
    for (let i = 0; i < 4; i++) {
      const r = await execute({ sql: 'SELECT pg_backend_pid() AS pid' })
      pids.add(Number(r.records![0][0].longValue))
    }
    expect(pids.size).toBeGreaterThan(1)
    await execute({ sql: 'SET search_path TO pg_catalog' })
    await execute({ sql: 'SET search_path TO pg_catalog' })
    const path = await execute({ sql: 'SHOW search_path' })
    expect(path.records).toEqual([[{ stringValue: '"$user", public' }]])
    await execute({ sql: 'CREATE TEMP TABLE scratch (id int)' })
    const error = await failure(execute({ sql: 'SELECT * FROM scratch' }))
    expect(error.message).toContain('relation "scratch" does not exist')
    await execute({ sql: 'SELECT pg_advisory_lock(42)' })
    const locks = await sql(db.url, "SELECT count(*)::int AS c FROM pg_locks WHERE locktype = 'advisory'")
    expect(locks).toEqual([{ c: 0 }])
  })

  test('a transaction pins one connection: session state and advisory xact locks hold', async () => {
    const transactionId = await begin()
    await execute({ sql: 'SET LOCAL search_path TO pg_catalog', transactionId })
    const pathInside = await execute({ sql: 'SHOW search_path', transactionId })
    expect(pathInside.records).toEqual([[{ stringValue: 'pg_catalog' }]])
    await execute({ sql: 'SELECT pg_advisory_xact_lock(7)', transactionId })
    const locks = await sql(db.url, "SELECT count(*)::int AS c FROM pg_locks WHERE locktype = 'advisory' AND granted")
    expect(locks).toEqual([{ c: 1 }])
    await client.send(new CommitTransactionCommand({ ...arns(), transactionId }))
  })
})

describe('transactions', () => {
  test('commit and rollback answer like the service', async () => {
    await start()
    await execute({ sql: 'CREATE TABLE t (id int)' })
    const committed = await begin()
    await execute({ sql: 'INSERT INTO t VALUES (1)', transactionId: committed })
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    const commit = await client.send(new CommitTransactionCommand({ ...arns(), transactionId: committed }))
    expect(commit.transactionStatus).toBe('Transaction Committed')
    const rolledBack = await begin()
    await execute({ sql: 'INSERT INTO t VALUES (2)', transactionId: rolledBack })
    const rollback = await client.send(new RollbackTransactionCommand({ ...arns(), transactionId: rolledBack }))
    expect(rollback.transactionStatus).toBe('Rollback Complete')
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([{ id: 1 }])
    const again = await failure(client.send(new CommitTransactionCommand({ ...arns(), transactionId: committed })))
    expect(again).toMatchObject({ name: 'TransactionNotFoundException', status: 404 })
    expect(emulator.openTransactions()).toBe(0)
  })

  test('an SQL error aborts the transaction: every later call answers TransactionNotFoundException', async () => {
    await start()
    await execute({ sql: 'CREATE TABLE t (id int)' })
    const transactionId = await begin()
    await execute({ sql: 'INSERT INTO t VALUES (1)', transactionId })
    const sqlError = await failure(execute({ sql: 'SELECT 1/0', transactionId }))
    expect(sqlError.name).toBe('DatabaseErrorException')
    const expected = {
      name: 'TransactionNotFoundException',
      status: 404,
      message: `Transaction ${transactionId} isn't found. Transaction has been aborted due to an error from a previous call.`
    }
    expect(await failure(execute({ sql: 'SELECT 1', transactionId }))).toMatchObject(expected)
    expect(await failure(client.send(new RollbackTransactionCommand({ ...arns(), transactionId })))).toMatchObject(expected)
    expect(await failure(client.send(new CommitTransactionCommand({ ...arns(), transactionId })))).toMatchObject(expected)
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    const idle = await sql(db.url, "SELECT count(*)::int AS c FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")
    expect(idle).toEqual([{ c: 0 }])
  })

  test('a second call while one runs on the same transaction is refused', async () => {
    await start()
    const transactionId = await begin()
    const slow = execute({ sql: 'SELECT pg_sleep(0.4)', transactionId })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const busy = await failure(execute({ sql: 'SELECT 1', transactionId }))
    expect(busy).toMatchObject({ name: 'DatabaseErrorException', status: 400, message: 'Transaction is still running a query' })
    await slow
    // The transaction survives the refusal.
    const after = await execute({ sql: 'SELECT 2 AS two', transactionId })
    expect(after.records).toEqual([[{ longValue: 2 }]])
    await client.send(new CommitTransactionCommand({ ...arns(), transactionId }))
  })

  test('an idle transaction is rolled back and forgotten', async () => {
    await start({ idleTransactionTimeoutMs: 300 })
    await execute({ sql: 'CREATE TABLE t (id int)' })
    const transactionId = await begin()
    await execute({ sql: 'INSERT INTO t VALUES (1)', transactionId })
    await new Promise((resolve) => setTimeout(resolve, 200))
    // A call resets the idle clock.
    await execute({ sql: 'INSERT INTO t VALUES (2)', transactionId })
    await new Promise((resolve) => setTimeout(resolve, 200))
    await execute({ sql: 'SELECT 1', transactionId })
    await new Promise((resolve) => setTimeout(resolve, 600))
    const error = await failure(client.send(new CommitTransactionCommand({ ...arns(), transactionId })))
    expect(error).toMatchObject({ name: 'TransactionNotFoundException', message: `Transaction ${transactionId} isn't found` })
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    expect(emulator.openTransactions()).toBe(0)
  })
})

describe('statement timeout', () => {
  test('a slow autocommit call answers StatementTimeoutException and is cancelled', async () => {
    await start({ statementTimeoutMs: 300 })
    await execute({ sql: 'CREATE TABLE t (id int)' })
    const started = Date.now()
    const error = await failure(execute({ sql: 'INSERT INTO t SELECT 1 FROM pg_sleep(1.5)' }))
    expect(error).toMatchObject({ name: 'StatementTimeoutException', status: 400 })
    expect(Date.now() - started).toBeLessThan(1200)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
  })

  test('with continueAfterTimeout the SQL keeps running', async () => {
    await start({ statementTimeoutMs: 300 })
    await execute({ sql: 'CREATE TABLE t (id int)' })
    const error = await failure(execute({ sql: 'INSERT INTO t SELECT 1 FROM pg_sleep(0.8)', continueAfterTimeout: true }))
    expect(error.name).toBe('StatementTimeoutException')
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    const deadline = Date.now() + 3000
    let rows: unknown[] = []
    while (Date.now() < deadline && rows.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      rows = await sql(db.url, 'SELECT id FROM t')
    }
    expect(rows).toEqual([{ id: 1 }])
  })

  test('a COMMIT that outlives the call answers StatementTimeoutException and still commits', async () => {
    await start({ statementTimeoutMs: 300 })
    await execute({ sql: 'CREATE TABLE t (id int)' })
    await execute({
      sql: 'CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.6); RETURN NULL; END $$'
    })
    await execute({
      sql: 'CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow()'
    })
    const transactionId = await begin()
    await execute({ sql: 'INSERT INTO t VALUES (1)', transactionId })
    const error = await failure(client.send(new CommitTransactionCommand({ ...arns(), transactionId })))
    expect(error.name).toBe('StatementTimeoutException')
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    const deadline = Date.now() + 3000
    let rows: unknown[] = []
    while (Date.now() < deadline && rows.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      rows = await sql(db.url, 'SELECT id FROM t')
    }
    expect(rows).toEqual([{ id: 1 }])
  })

  test('a timeout inside a transaction aborts it', async () => {
    await start({ statementTimeoutMs: 300 })
    const transactionId = await begin()
    const error = await failure(execute({ sql: 'SELECT pg_sleep(1.5)', transactionId }))
    expect(error.name).toBe('StatementTimeoutException')
    const after = await failure(execute({ sql: 'SELECT 1', transactionId }))
    expect(after.name).toBe('TransactionNotFoundException')
  })
})

describe('faults', () => {
  beforeEach(() => start())

  test('resuming({ calls }) answers DatabaseResumingException for the next N calls only', async () => {
    emulator.faults.resuming({ calls: 2 })
    for (let i = 0; i < 2; i++) {
      const error = await failure(execute({ sql: 'SELECT 1' }))
      expect(error).toEqual({
        name: 'DatabaseResumingException',
        status: 400,
        code: undefined,
        message: `${emulator.resourceArn} is resuming after being auto-paused. Please wait a few seconds and try again.`
      })
    }
    await expect(execute({ sql: 'SELECT 1' })).resolves.toBeDefined()
    expect(emulator.calls.map((c) => c.fault ?? 'none')).toEqual(['resuming', 'resuming', 'none'])
  })

  test('resumingFor({ ms }) answers it during a time window', async () => {
    emulator.faults.resumingFor({ ms: 250 })
    expect((await failure(execute({ sql: 'SELECT 1' }))).name).toBe('DatabaseResumingException')
    expect((await failure(client.send(new BeginTransactionCommand(arns())))).name).toBe('DatabaseResumingException')
    await new Promise((resolve) => setTimeout(resolve, 300))
    await expect(execute({ sql: 'SELECT 1' })).resolves.toBeDefined()
  })

  test('status() answers a 5xx instead of executing, at a call number or operation', async () => {
    await execute({ sql: 'CREATE TABLE t (id int)' }) // call 1
    emulator.faults.status({ at: 3, status: 503, name: 'ServiceUnavailableError' })
    await execute({ sql: 'INSERT INTO t VALUES (1)' }) // call 2
    const unavailable = await failure(execute({ sql: 'INSERT INTO t VALUES (2)' })) // call 3
    expect(unavailable).toMatchObject({ name: 'ServiceUnavailableError', status: 503 })
    await execute({ sql: 'INSERT INTO t VALUES (3)' }) // call 4: the fault fired once
    expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }])

    emulator.faults.status({ op: 'CommitTransaction', status: 500, name: 'InternalServerErrorException' })
    const transactionId = await begin()
    await execute({ sql: 'INSERT INTO t VALUES (4)', transactionId })
    const commit = await failure(client.send(new CommitTransactionCommand({ ...arns(), transactionId })))
    expect(commit).toMatchObject({ name: 'InternalServerErrorException', status: 500 })
    // Not executed: the transaction is still open and can be rolled back.
    expect(emulator.openTransactions()).toBe(1)
    await client.send(new RollbackTransactionCommand({ ...arns(), transactionId }))
    expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 3 }])
  })

  test('drop({ when: before }) gives no reply and does not execute', async () => {
    await execute({ sql: 'CREATE TABLE t (id int)' })
    emulator.faults.drop({ op: 'ExecuteStatement', when: 'before' })
    const error = await failure(execute({ sql: 'INSERT INTO t VALUES (1)' }))
    expect(error.status).toBeUndefined()
    // Outside jest's sandbox the SDK passes Node's error through (code ECONNRESET); inside it, wrapped.
    expect(`${error.code} ${error.message}`).toMatch(/ECONNRESET|socket hang up/)
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    expect(emulator.calls.at(-1)).toMatchObject({ op: 'ExecuteStatement', fault: 'drop-before' })
    expect(emulator.calls.at(-1)!.status).toBeUndefined()
  })

  test('drop({ when: after }) on CommitTransaction loses the reply of a real commit', async () => {
    await execute({ sql: 'CREATE TABLE t (id int)' })
    const transactionId = await begin()
    await execute({ sql: 'INSERT INTO t VALUES (1)', transactionId })
    emulator.faults.drop({ op: 'CommitTransaction', when: 'after' })
    const error = await failure(client.send(new CommitTransactionCommand({ ...arns(), transactionId })))
    expect(error.status).toBeUndefined()
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([{ id: 1 }])
    expect(emulator.calls.at(-1)).toMatchObject({ op: 'CommitTransaction', transactionId, fault: 'drop-after' })
  })

  test('throttle({ calls }) answers 429 ThrottlingException', async () => {
    emulator.faults.throttle({ calls: 1 })
    const error = await failure(execute({ sql: 'SELECT 1' }))
    expect(error).toMatchObject({ name: 'ThrottlingException', status: 429 })
    await expect(execute({ sql: 'SELECT 1' })).resolves.toBeDefined()
  })

  test('every call is recorded with what was sent and what was answered', async () => {
    const transactionId = await begin()
    await execute({ sql: 'SELECT :a', parameters: [{ name: 'a', value: { longValue: 1 } }], transactionId })
    await failure(execute({ sql: 'SELECT 1; SELECT 2' }))
    await client.send(new RollbackTransactionCommand({ ...arns(), transactionId }))
    // The times are checked where they are used (fleet.test.ts: the concurrency bound); here, that each call has both.
    for (const call of emulator.calls) expect(call.answeredAt! >= call.receivedAt!).toBe(true)
    expect(emulator.calls.map(({ receivedAt, answeredAt, ...call }) => (void receivedAt, void answeredAt, call))).toEqual([
      { n: 1, op: 'BeginTransaction', status: 200 },
      {
        n: 2,
        op: 'ExecuteStatement',
        sql: 'SELECT :a',
        transactionId,
        parameters: [{ name: 'a', value: { longValue: 1 } }],
        status: 200
      },
      { n: 3, op: 'ExecuteStatement', sql: 'SELECT 1; SELECT 2', status: 400, error: 'ValidationException' },
      { n: 4, op: 'RollbackTransaction', transactionId, status: 200 }
    ])
  })
})
