/**
 * The Data API transport under faults, against the emulator through the real SDK client. Assertions
 * look at the emulator's `calls`: what was (re)sent matters as much as what the caller got.
 */
import { CommitOutcomeUnknownError, DatabaseError, TransportError } from '../../src/errors.js'
import { createDataApiTarget, parseDataApiError, type DataApiTargetOptions } from '../../src/targets/data-api.js'
import type { Target } from '../../src/targets/target.js'
import { startDataApiEmulator, type DataApiEmulator, type DataApiEmulatorOptions } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { FakeClock } from '../../testkit/fake-clock.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

useDummyAwsEnvironment()

let db: Awaited<ReturnType<typeof createTestDatabase>>
let emulator: DataApiEmulator
let target: Target
let waits: number[]
let logs: string[]
let clock: FakeClock

async function start(emulatorOptions: Partial<DataApiEmulatorOptions> = {}, targetOptions: Partial<DataApiTargetOptions> = {}) {
  emulator = await startDataApiEmulator({ postgresUrl: db.url, ...emulatorOptions })
  clock = new FakeClock()
  waits = clock.waits
  logs = clock.logs
  target = createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint,
    // A fake sleep that advances a fake clock: retries run instantly, the resume deadline still counts.
    ...clock.hooks,
    ...targetOptions
  })
}

beforeEach(async () => {
  db = await createTestDatabase('dapi')
})

afterEach(async () => {
  await target?.close()
  await emulator?.stop()
  await db.drop()
})

const ops = () => emulator.calls.map((c) => `${c.op}${c.fault ? `:${c.fault}` : ''}${c.error ? `:${c.error}` : ''}`)

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection, the call succeeded')
}

describe('auto-pause', () => {
  test('a cluster resuming for the first 5 calls: waits with backoff, logs each wait, then succeeds', async () => {
    await start()
    emulator.faults.resuming({ calls: 5 })
    const result = await target.query('SELECT 1 AS one')
    expect(result.rows).toEqual([{ one: 1 }])
    expect(ops()).toEqual([...Array(5).fill('ExecuteStatement:resuming:DatabaseResumingException'), 'ExecuteStatement'])
    expect(waits).toHaveLength(5)
    // Exponential with jitter: each step at least half of 1, 2, 4, 8, 10 (capped) seconds, and at most the step.
    const steps = [1000, 2000, 4000, 8000, 10_000]
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(steps[i] / 2)
      expect(ms).toBeLessThanOrEqual(steps[i])
    })
    expect(logs).toHaveLength(5)
    expect(logs[0]).toMatch(/^Aurora cluster is resuming after auto-pause; retrying in [\d.]+ s \(attempt 2, 0 s so far\)$/)
    expect(logs[4]).toMatch(/retrying in [\d.]+ s \(attempt 6, [\d.]+ s so far\)$/)
  })

  test('a cluster that does not resume in time fails with a TransportError that says so', async () => {
    await start({}, { resumeTimeoutMs: 20_000 })
    emulator.faults.resuming({ calls: 1000 })
    const error = await rejection(target.query('SELECT 1'))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toMatch(/did not resume from auto-pause within 20 s/)
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20_000)
    expect(emulator.calls.length).toBeGreaterThan(3)
    expect(emulator.calls.length).toBeLessThan(15)
  })

  test('resuming is retried at any call of a transaction, CommitTransaction included', async () => {
    await start()
    await target.query('CREATE TABLE t (id int)')
    emulator.calls.length = 0
    emulator.faults.resuming({ calls: 1, op: 'BeginTransaction' })
    emulator.faults.resuming({ calls: 1, op: 'ExecuteStatement' })
    emulator.faults.resuming({ calls: 1, op: 'CommitTransaction' })
    const result = await target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }])
    expect(result.ok).toBe(true)
    expect(ops()).toEqual([
      'BeginTransaction:resuming:DatabaseResumingException',
      'BeginTransaction',
      'ExecuteStatement:resuming:DatabaseResumingException',
      'ExecuteStatement',
      'CommitTransaction:resuming:DatabaseResumingException',
      'CommitTransaction'
    ])
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([{ id: 1 }])
  })
})

describe('transport failures inside a transaction', () => {
  test('a 500 on a statement: TransportError, not re-sent, rolled back, nothing committed', async () => {
    await start()
    await target.query('CREATE TABLE t (id int)') // call 1
    // calls: 2 Begin, 3 Execute (1), 4 Execute (2) ← fails
    emulator.faults.status({ at: 4, status: 500, name: 'InternalServerErrorException' })
    const error = await rejection(
      target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'INSERT INTO t VALUES (2)' }, { sql: 'INSERT INTO t VALUES (3)' }])
    )
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).retryable).toBe(false)
    expect(error.message).toMatch(/statement 2 of 3/)
    expect(error.message).toMatch(/Nothing of the transaction was committed; the transaction was rolled back\.$/)
    expect(ops()).toEqual([
      'ExecuteStatement',
      'BeginTransaction',
      'ExecuteStatement',
      'ExecuteStatement:status:InternalServerErrorException',
      'RollbackTransaction'
    ])
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([])
    expect(emulator.openTransactions()).toBe(0)
  })

  test('a dropped reply to a statement is not re-sent', async () => {
    await start()
    await target.query('CREATE TABLE t (id int)')
    emulator.faults.drop({ op: 'ExecuteStatement', when: 'after', at: 3 })
    const error = await rejection(target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'INSERT INTO t VALUES (2)' }]))
    expect(error).toBeInstanceOf(TransportError)
    expect(ops()).toEqual(['ExecuteStatement', 'BeginTransaction', 'ExecuteStatement:drop-after', 'RollbackTransaction'])
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([])
  })

  test('a dropped CommitTransaction reply after a real commit: CommitOutcomeUnknownError, and the data is committed', async () => {
    await start()
    await target.query('CREATE TABLE t (id int)')
    emulator.faults.drop({ op: 'CommitTransaction', when: 'after' })
    const error = await rejection(target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }]))
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    // The rollback that asks whether the commit happened answers "not found": the outcome stays unknown.
    expect(ops()).toEqual([
      'ExecuteStatement',
      'BeginTransaction',
      'ExecuteStatement',
      'CommitTransaction:drop-after',
      'RollbackTransaction:TransactionNotFoundException'
    ])
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([{ id: 1 }])
  })

  test('a dropped CommitTransaction that never ran is proven by a successful rollback: nothing committed, no open transaction', async () => {
    await start()
    await target.query('CREATE TABLE t (id int)')
    emulator.faults.drop({ op: 'CommitTransaction', when: 'before' })
    const error = await rejection(target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }]))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toMatch(/a RollbackTransaction then succeeded, so nothing of the transaction was committed/)
    expect(ops()).toEqual([
      'ExecuteStatement',
      'BeginTransaction',
      'ExecuteStatement',
      'CommitTransaction:drop-before',
      'RollbackTransaction'
    ])
    expect(emulator.openTransactions()).toBe(0)
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([])
  })

  test('a 503 on CommitTransaction is never re-sent; the rollback that follows proves nothing was committed', async () => {
    await start()
    emulator.faults.status({ op: 'CommitTransaction', status: 503, name: 'ServiceUnavailableError' })
    const error = await rejection(target.transaction([{ sql: 'SELECT 1' }]))
    expect(error).toBeInstanceOf(TransportError)
    expect(ops().filter((op) => op.startsWith('CommitTransaction'))).toHaveLength(1)
    expect(ops().filter((op) => op.startsWith('RollbackTransaction'))).toHaveLength(1)
  })

  test('a CommitTransaction that times out is an unknown outcome, not a failure', async () => {
    await start({ statementTimeoutMs: 300 })
    await target.query('CREATE TABLE t (id int)')
    await target.query('CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.6); RETURN NULL; END $$')
    await target.query(
      'CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow()'
    )
    const error = await rejection(target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }]))
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(ops().filter((op) => op.startsWith('CommitTransaction'))).toEqual(['CommitTransaction:StatementTimeoutException'])
    // The rollback finds the commit still running, waits, then finds the transaction gone.
    const rollbacks = emulator.calls.filter((c) => c.op === 'RollbackTransaction')
    expect(rollbacks.length).toBeGreaterThanOrEqual(1)
    expect(rollbacks.at(-1)!.error).toBe('TransactionNotFoundException')
    // The COMMIT goes on server-side after the call timed out, and lands.
    let rows: unknown[] = []
    for (let i = 0; i < 40 && !rows.length; i++) {
      rows = await sql(db.url, 'SELECT * FROM t')
      if (!rows.length) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(rows).toEqual([{ id: 1 }])
  })

  test('a transient failure of BeginTransaction is retried', async () => {
    await start()
    emulator.faults.status({ op: 'BeginTransaction', status: 503, name: 'ServiceUnavailableError' })
    const result = await target.transaction([{ sql: 'SELECT 1 AS one' }])
    expect(result).toEqual({ ok: true, results: [{ rows: [{ one: 1 }], rowCount: 1 }] })
    expect(ops()).toEqual(['BeginTransaction:status:ServiceUnavailableError', 'BeginTransaction', 'ExecuteStatement', 'CommitTransaction'])
  })
})

describe('retries by error class', () => {
  test('throttling is retried, in query() and for a statement inside a transaction (it was refused, not run)', async () => {
    await start()
    emulator.faults.throttle({ calls: 2 })
    expect((await target.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect(ops()).toEqual([
      'ExecuteStatement:throttle:ThrottlingException',
      'ExecuteStatement:throttle:ThrottlingException',
      'ExecuteStatement'
    ])
    expect(waits).toHaveLength(2)

    await target.query('CREATE TABLE t (id int)')
    emulator.calls.length = 0
    emulator.faults.throttle({ calls: 2, op: 'ExecuteStatement' })
    const result = await target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }])
    expect(result.ok).toBe(true)
    expect(ops()).toEqual([
      'BeginTransaction',
      'ExecuteStatement:throttle:ThrottlingException',
      'ExecuteStatement:throttle:ThrottlingException',
      'ExecuteStatement',
      'CommitTransaction'
    ])
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([{ id: 1 }])
  })

  test('throttling that does not stop fails after 5 minutes of backoff, saying so', async () => {
    await start({}, { random: () => 0.5 })
    emulator.faults.throttle({ calls: 100 })
    const error = await rejection(target.query('SELECT 1'))
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('ThrottlingException')
    expect(error.message).toMatch(
      /\(ThrottlingException\): Rate exceeded\. The Data API kept throttling requests for 5 minutes \(with backoff\)/
    )
    expect(clock.elapsed).toBeLessThanOrEqual(300_000)
    expect(clock.elapsed).toBeGreaterThan(280_000)
    // Jittered pauses (three quarters of each step here), never longer than 20 s.
    expect(waits.slice(0, 6)).toEqual([375, 750, 1500, 3000, 6000, 12_000])
    expect(Math.max(...waits)).toBe(15_000)
    expect(emulator.calls).toHaveLength(waits.length + 1)
    expect(logs[6]).toMatch(/^The Data API is throttling requests \(ThrottlingException\); retrying in 15 s \(attempt 8, 24 s so far\)$/)
  })

  test('a throttling storm inside a transaction is retried for at most 2 minutes (the idle limit is 3), and the transaction is then rolled back', async () => {
    await start()
    await target.query('CREATE TABLE t (id int)')
    emulator.calls.length = 0
    emulator.faults.throttle({ calls: 1000, op: 'ExecuteStatement', inTransaction: true })
    const error = await rejection(target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }]))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toMatch(
      /^ThrottlingException at statement 1 of 1: Rate exceeded\. Nothing of the transaction was committed; the transaction was rolled back\.$/
    )
    expect(clock.elapsed).toBeLessThanOrEqual(120_000)
    expect(Math.max(...waits)).toBeLessThanOrEqual(10_000)
    expect(ops().at(-1)).toBe('RollbackTransaction')
    expect(emulator.openTransactions()).toBe(0)
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([])
  })

  test('a statement whose call times out while it still runs: the rollback finds the transaction busy, and is retried until it lands', async () => {
    await start(
      {},
      {
        requestTimeoutMs: 300,
        // The backoff counts on the fake clock, and really waits a twentieth of it: the statement goes on meanwhile.
        sleep: async (ms) => {
          await clock.sleep(ms)
          await new Promise((resolve) => setTimeout(resolve, ms / 20))
        }
      }
    )
    await target.query('CREATE TABLE t (id int)')
    emulator.calls.length = 0
    const error = await rejection(target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'SELECT pg_sleep(1)' }]))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toMatch(
      /^TimeoutError at statement 2 of 2: .*requestTimeout\. Nothing of the transaction was committed; the transaction was rolled back\.$/
    )
    const rollbacks = emulator.calls.filter((c) => c.op === 'RollbackTransaction')
    expect(rollbacks[0].error).toBe('DatabaseErrorException')
    expect(rollbacks.at(-1)!.status).toBe(200)
    expect(emulator.calls.filter((c) => c.sql === 'SELECT pg_sleep(1)')).toHaveLength(1)
    expect(emulator.openTransactions()).toBe(0)
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([])
  })

  test('a query that gets no answer times out and is re-sent (it is safe to repeat); a long-running statement is not', async () => {
    await start({}, { requestTimeoutMs: 300 })
    emulator.faults.hang({ at: 1, when: 'before' })
    expect((await target.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect(ops()).toEqual(['ExecuteStatement:hang-before', 'ExecuteStatement'])
    expect(logs[0]).toMatch(/^The Data API call failed \(TimeoutError: .*requestTimeout\.\); retrying in/)

    await target.query('CREATE TABLE t (id int)')
    emulator.calls.length = 0
    emulator.faults.hang({ sql: 'INSERT', when: 'after' })
    const error = await rejection(target.query('INSERT INTO t VALUES (1)', undefined, { longRunning: { timeoutMs: null } }))
    expect(error.name).toBe('StatementOutcomeUnknownError')
    expect(error.message).toMatch(/was sent, but the call failed \(TimeoutError: .*\) and the statement is not running on the server/)
    expect(emulator.calls.filter((c) => c.sql === 'INSERT INTO t VALUES (1)')).toHaveLength(1)
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([{ id: 1 }])
  })

  test('every call gets a request timeout: a query that never gets an answer fails after 3 tries, naming the timeout', async () => {
    await start({}, { requestTimeoutMs: 200 })
    for (let at = 1; at <= 3; at++) emulator.faults.hang({ at, when: 'before' })
    const started = Date.now()
    const error = await rejection(target.query('SELECT 1'))
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('TimeoutError')
    expect(error.message).toMatch(/\(TimeoutError\): .*200 ms requestTimeout.* The call got no answer within the client's request timeout/)
    expect(ops()).toEqual(Array(3).fill('ExecuteStatement:hang-before'))
    expect(Date.now() - started).toBeLessThan(5000)
  })

  test('an SQL error is never retried: query() throws DatabaseError after one call', async () => {
    await start()
    const error = await rejection(target.query('SELEC 1'))
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).info).toEqual({
      message: 'syntax error at or near "SELEC"',
      sqlState: '42601',
      position: 1
    })
    expect(ops()).toEqual(['ExecuteStatement:DatabaseErrorException'])
    expect(waits).toEqual([])
  })

  test('an SQL error in a transaction: one call, then a best-effort rollback that finds the transaction gone', async () => {
    await start()
    await target.query('CREATE TABLE t (id int PRIMARY KEY)')
    const result = await target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'INSERT INTO t VALUES (1)' }])
    expect(result).toEqual({
      ok: false,
      phase: 'statement',
      failedIndex: 1,
      error: {
        message: 'duplicate key value violates unique constraint "t_pkey"',
        detail: 'Key (id)=(1) already exists.',
        sqlState: '23505'
      }
    })
    expect(ops()).toEqual([
      'ExecuteStatement',
      'BeginTransaction',
      'ExecuteStatement',
      'ExecuteStatement:DatabaseErrorException',
      'RollbackTransaction:TransactionNotFoundException'
    ])
    expect(logs).toEqual([])
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([])
  })

  test('5xx and lost replies of query() are retried', async () => {
    await start()
    emulator.faults.status({ at: 1, status: 503, name: 'ServiceUnavailableError' })
    emulator.faults.drop({ at: 2, when: 'before' })
    expect((await target.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect(ops()).toEqual(['ExecuteStatement:status:ServiceUnavailableError', 'ExecuteStatement:drop-before', 'ExecuteStatement'])
  })

  test('query() gives up after 3 transient failures with a TransportError', async () => {
    await start()
    for (let at = 1; at <= 5; at++) emulator.faults.status({ at, status: 504, name: 'DatabaseUnavailableException' })
    const error = await rejection(target.query('SELECT 1'))
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('DatabaseUnavailableException')
    expect(emulator.calls).toHaveLength(3)
  })

  test('a statement timeout is not retried', async () => {
    await start({ statementTimeoutMs: 200 })
    const error = await rejection(target.query('SELECT pg_sleep(1)'))
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('StatementTimeoutException')
    expect(error.message).toMatch(/45 s/)
    expect(emulator.calls).toHaveLength(1)
  })

  test('a statement timeout inside a transaction fails the transaction at that statement', async () => {
    await start({ statementTimeoutMs: 200 })
    await target.query('CREATE TABLE t (id int)')
    const result = await target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'SELECT pg_sleep(1)' }])
    expect(result).toMatchObject({ ok: false, failedIndex: 1, error: { message: expect.stringMatching(/45 s/) } })
    expect(await sql(db.url, 'SELECT * FROM t')).toEqual([])
  })
})

describe('limits and configuration', () => {
  test('SQL over 65,536 characters is refused before anything is sent', async () => {
    await start()
    const long = 'SELECT 1' + ' '.repeat(65_536)
    const error = await rejection(target.query(long))
    expect(error).toBeInstanceOf(DatabaseError)
    expect(error.message).toMatch(/65,536/)
    const result = await target.transaction([{ sql: 'SELECT 1' }, { sql: long }])
    expect(result).toMatchObject({ ok: false, failedIndex: 1, error: { message: expect.stringMatching(/65,536/) } })
    expect(emulator.calls).toEqual([])
  })

  test('description names the cluster and database, never the secret', async () => {
    await start()
    expect(target.description).toBe(`data-api emulated-cluster/${db.name}`)
    expect(target.description).not.toContain(emulator.secretArn)
  })

  test('the endpoint comes from AWS_ENDPOINT_URL_RDS_DATA when none is given', async () => {
    await start()
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
    const fromEnv = createDataApiTarget({
      wire: postgresql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name
    })
    try {
      expect((await fromEnv.query('SELECT current_database() AS d')).rows).toEqual([{ d: db.name }])
      expect(emulator.calls).toHaveLength(1)
    } finally {
      delete process.env.AWS_ENDPOINT_URL_RDS_DATA
      await fromEnv.close()
    }
  })

  test('parameters are sent as Data API values', async () => {
    await start()
    await target.query('SELECT :s::text AS s, :i::int AS i, :f::float8 AS f, :b::boolean AS b, :n::text AS n', {
      s: 'x',
      i: 3,
      f: 1.5,
      b: true,
      n: null
    })
    expect(emulator.calls[0].parameters).toEqual([
      { name: 's', value: { stringValue: 'x' } },
      { name: 'i', value: { longValue: 3 } },
      { name: 'f', value: { doubleValue: 1.5 } },
      { name: 'b', value: { booleanValue: true } },
      { name: 'n', value: { isNull: true } }
    ])
  })
})

describe('parseDataApiError', () => {
  test.each([
    [
      'ERROR: syntax error at or near "selec"; Position: 1; SQLState: 42601',
      { message: 'syntax error at or near "selec"', position: 1, sqlState: '42601' }
    ],
    [
      'ERROR: cannot drop table u because other objects depend on it; Detail: view v depends on table u; Hint: Use DROP ... CASCADE to drop the dependent objects too.; SQLState: 2BP01',
      {
        message: 'cannot drop table u because other objects depend on it',
        detail: 'view v depends on table u',
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
        sqlState: '2BP01'
      }
    ],
    [
      'ERROR: division by zero; Where: PL/pgSQL function f() line 1 at RETURN; SQLState: 22012',
      { message: 'division by zero', sqlState: '22012' }
    ],
    [
      'Database error code: 0. Message: ERROR: relation "x" does not exist\n  Position: 15',
      { message: 'relation "x" does not exist', position: 15 }
    ],
    ['Database returned SQL Exception', { message: 'Database returned SQL Exception' }],
    ['ERROR: value "a; b" is odd; SQLState: 22P02', { message: 'value "a; b" is odd', sqlState: '22P02' }],
    ['', { message: '' }]
  ])('%s', (text, expected) => {
    expect(parseDataApiError(text)).toEqual(expected)
  })
})
