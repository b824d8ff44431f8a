/**
 * The Data API transport's packed transactions (resultsNeeded: false) against the emulator: what each
 * costs in calls, how lost replies and the 45 s call limit are settled, how an error's position is
 * found, and what the database holds afterwards.
 */
import { CommitOutcomeUnknownError } from '../../src/errors.js'
import { createDataApiTarget, type DataApiTargetOptions } from '../../src/targets/data-api.js'
import type { Target, TransactionResult, TxStatement } from '../../src/targets/target.js'
import { startDataApiEmulator, type DataApiEmulator, type DataApiEmulatorOptions } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

useDummyAwsEnvironment()

let db: Awaited<ReturnType<typeof createTestDatabase>>
let emulator: DataApiEmulator
let target: Target
let logs: string[]

/** Target time runs this many times faster than real time (its 5 s polls take 50 ms). */
const SCALE = 100

async function start(emulatorOptions: Partial<DataApiEmulatorOptions> = {}, targetOptions: Partial<DataApiTargetOptions> = {}) {
  emulator = await startDataApiEmulator({ postgresUrl: db.url, ...emulatorOptions })
  logs = []
  const t0 = Date.now()
  target = createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint,
    log: (msg) => logs.push(msg),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / SCALE)),
    now: () => (Date.now() - t0) * SCALE,
    ...targetOptions
  })
}

beforeEach(async () => {
  db = await createTestDatabase('dpacked')
  await sql(db.url, 'CREATE TABLE t (id int PRIMARY KEY)')
})

afterEach(async () => {
  await target?.close()
  await emulator?.stop()
  await db.drop()
})

const ops = () => emulator.calls.map((c) => `${c.op}${c.fault ? `:${c.fault}` : ''}${c.error ? `:${c.error}` : ''}`)
const ids = async () => (await sql<{ id: number }>(db.url, 'SELECT id FROM t ORDER BY id')).map((r) => r.id)
const packed = (statements: TxStatement[]): Promise<TransactionResult> => target.transaction(statements, { resultsNeeded: false })

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection, the call succeeded')
}

const version: TxStatement[] = [
  { sql: 'INSERT INTO t VALUES (:id)', params: { id: 1 }, expectRows: 1, label: 'fence' },
  { sql: 'INSERT INTO t VALUES (2)' },
  { sql: 'INSERT INTO t VALUES (3)', expectRows: 1, label: 'record' }
]

describe('one call per transaction', () => {
  test('a packed transaction is one autocommit ExecuteStatement with continueAfterTimeout; packing: false is one call per statement', async () => {
    await start()
    expect(await packed(version)).toEqual({ ok: true, results: [] })
    expect(ops()).toEqual(['ExecuteStatement'])
    expect(emulator.calls[0].continueAfterTimeout).toBe(true)
    expect(emulator.calls[0].transactionId).toBeUndefined()
    expect(emulator.calls[0].parameters).toBeUndefined()
    expect(await ids()).toEqual([1, 2, 3])

    await target.close()
    await emulator.stop()
    await sql(db.url, 'TRUNCATE t')
    await start({}, { packing: false })
    expect(await packed(version)).toMatchObject({ ok: true })
    expect(ops()).toEqual(['BeginTransaction', 'ExecuteStatement', 'ExecuteStatement', 'ExecuteStatement', 'CommitTransaction'])
    expect(await ids()).toEqual([1, 2, 3])
  })

  test('a failed guard or a deferred constraint costs the one call too, and nothing stays', async () => {
    await start()
    await sql(db.url, 'CREATE TABLE d (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)')
    const guard = await packed([...version, { sql: 'SELECT id FROM t', expectRows: 0, label: 'not-applied' }])
    expect(guard).toMatchObject({ ok: false, phase: 'statement', failedIndex: 3, failedLabel: 'not-applied', guard: true })
    const deferred = await packed([{ sql: 'INSERT INTO t VALUES (9)' }, { sql: 'INSERT INTO d VALUES (1), (1)' }])
    expect(deferred).toMatchObject({ ok: false, phase: 'commit', failedIndex: 2, error: { sqlState: '23505' } })
    expect(ops()).toEqual(['ExecuteStatement:DatabaseErrorException', 'ExecuteStatement:DatabaseErrorException'])
    expect(await ids()).toEqual([])
    expect(await sql(db.url, 'SELECT * FROM d')).toEqual([])
  })
})

describe('statement_timeout', () => {
  test('a transaction that sets it runs statement by statement, where it bounds each statement after it', async () => {
    await start()
    const result = await packed([
      { sql: "SET LOCAL statement_timeout = '200ms'", label: 'settings' },
      { sql: 'INSERT INTO t VALUES (1)' },
      { sql: 'SELECT pg_sleep(1)' }
    ])
    expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 2, error: { sqlState: '57014' } })
    expect(ops()[0]).toBe('BeginTransaction')
    expect(await ids()).toEqual([])
  })
})

describe('errors stay exact', () => {
  test('a syntax error: the position comes from a replay up to that statement, rolled back; nothing stays', async () => {
    await start()
    const result = await packed([...version, { sql: 'SELECT id FROM t WHERE id = 1 ORDER id' }, { sql: 'INSERT INTO t VALUES (4)' }])
    expect(result).toEqual({
      ok: false,
      phase: 'statement',
      failedIndex: 3,
      failedLabel: undefined,
      error: { message: 'syntax error at or near "id"', sqlState: '42601', position: 37 }
    })
    expect(ops()).toEqual([
      'ExecuteStatement:DatabaseErrorException',
      'BeginTransaction',
      'ExecuteStatement',
      'ExecuteStatement',
      'ExecuteStatement',
      'ExecuteStatement:DatabaseErrorException',
      // The failed statement ended the transaction; the rollback finds it gone.
      'RollbackTransaction:TransactionNotFoundException'
    ])
    expect(await ids()).toEqual([])
    expect(emulator.openTransactions()).toBe(0)
  })

  test('a replay that does not fail the same way: the statement is named, its position left out, and the message says so', async () => {
    await start()
    // A sequence is not rolled back: the error comes at the first run only, the packed one, and the replay succeeds.
    await sql(db.url, 'CREATE SEQUENCE runs')
    await sql(
      db.url,
      "CREATE FUNCTION fails_first() RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF nextval('runs') = 1 THEN RAISE EXCEPTION USING ERRCODE = '42P01', MESSAGE = 'gone'; END IF; END $$"
    )
    const result = await packed([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'SELECT fails_first()' }])
    expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: '42P01' } })
    expect(result.ok === false && result.error.position).toBeUndefined()
    expect(result.ok === false && result.error.message).toBe('gone (the position inside the statement could not be confirmed)')
    // The replay ran (the sequence moved on) and was rolled back.
    expect(await sql(db.url, 'SELECT last_value::int AS v FROM runs')).toEqual([{ v: 2 }])
    expect(await ids()).toEqual([])
    expect(emulator.openTransactions()).toBe(0)
  })
})

describe('lost replies and the call limit', () => {
  test('a lost reply after the block ran: CommitOutcomeUnknownError, nothing re-sent, the version committed', async () => {
    await start()
    emulator.faults.drop({ op: 'ExecuteStatement', when: 'after', at: 1 })
    const error = await rejection(packed(version))
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    const blocks = emulator.calls.filter((c) => c.sql?.startsWith('DO $aurora_migrate_packed'))
    expect(blocks).toHaveLength(1)
    expect(await ids()).toEqual([1, 2, 3])
  })

  test('a lost request before the block ran: CommitOutcomeUnknownError, nothing re-sent, nothing committed', async () => {
    await start()
    emulator.faults.drop({ op: 'ExecuteStatement', when: 'before', at: 1 })
    const error = await rejection(packed(version))
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(emulator.calls.filter((c) => c.sql?.startsWith('DO $aurora_migrate_packed'))).toHaveLength(1)
    expect(await ids()).toEqual([])
  })

  test('a 500 at the block call is not re-sent', async () => {
    await start()
    emulator.faults.status({ at: 1, status: 500, name: 'InternalServerErrorException' })
    await expect(packed(version)).rejects.toBeInstanceOf(CommitOutcomeUnknownError)
    expect(emulator.calls.filter((c) => c.sql?.startsWith('DO $aurora_migrate_packed'))).toHaveLength(1)
    expect(await ids()).toEqual([])
  })

  test('a version longer than the call limit goes on server-side; the target waits for it, then leaves the outcome to the meta table', async () => {
    await start({ statementTimeoutMs: 300 })
    const started = Date.now()
    const error = await rejection(packed([...version.slice(0, 2), { sql: 'SELECT pg_sleep(1.2)' }, version[2]]))
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(error.message).toMatch(
      /^The version's block \(4 statements, one call\) ran past the Data API's 45 s call limit and finished on the server after about \d+ s; whether it committed cannot be read from the Data API, only from the meta table\.$/
    )
    // It returned only once the block was done, and the block committed.
    expect(Date.now() - started).toBeGreaterThan(1000)
    expect(await ids()).toEqual([1, 2, 3])
    expect(ops()[0]).toBe('ExecuteStatement:StatementTimeoutException')
    expect(emulator.calls.filter((c) => c.sql?.startsWith('DO $aurora_migrate_packed'))).toHaveLength(1)
    expect(logs.some((l) => l.includes("still running after the Data API's 45 s call limit"))).toBe(true)
  })

  test('the emulator refuses continueAfterTimeout inside a transaction, as the service may', async () => {
    await start()
    const { RDSDataClient, BeginTransactionCommand, ExecuteStatementCommand } = await import('@aws-sdk/client-rds-data')
    const client = new RDSDataClient({ endpoint: emulator.endpoint, maxAttempts: 1 })
    const base = { resourceArn: emulator.resourceArn, secretArn: emulator.secretArn, database: db.name }
    const { transactionId } = await client.send(new BeginTransactionCommand(base))
    const refused = await rejection(
      client.send(new ExecuteStatementCommand({ ...base, transactionId, sql: 'INSERT INTO t VALUES (5)', continueAfterTimeout: true }))
    )
    expect(refused.name).toBe('ValidationException')
    client.destroy()
    expect(await ids()).toEqual([])
  })
})

describe('a transaction over 65,536 characters', () => {
  test('a block that outlives the call limit inside the transaction fails the version, at no statement it could name', async () => {
    await start({ statementTimeoutMs: 300 })
    const filler = 'x'.repeat(3000)
    const statements: TxStatement[] = Array.from({ length: 30 }, (_, i) => ({
      sql: `INSERT INTO t SELECT ${i} WHERE length('${filler}') = 3000`
    }))
    statements.push({ sql: 'SELECT pg_sleep(1)' })
    const result = await packed(statements)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.phase).toBeUndefined()
    expect(result.error.message).toMatch(/ran longer than the Data API allows for one call \(45 s\) inside a transaction/)
    expect(emulator.calls.every((c) => c.continueAfterTimeout !== true)).toBe(true)
    expect(await ids()).toEqual([])
    expect(emulator.openTransactions()).toBe(0)
  })

  test('as few blocks as fit, in one Data API transaction; a failure in the second block leaves nothing', async () => {
    await start()
    const filler = 'x'.repeat(3000)
    const statements: TxStatement[] = Array.from({ length: 30 }, (_, i) => ({
      sql: `INSERT INTO t SELECT ${i} WHERE length('${filler}') = 3000`,
      expectRows: 1
    }))
    expect(await packed(statements)).toEqual({ ok: true, results: [] })
    expect(ops()).toEqual(['BeginTransaction', 'ExecuteStatement', 'ExecuteStatement', 'CommitTransaction'])
    expect(emulator.calls.every((c) => c.continueAfterTimeout !== true)).toBe(true)
    expect((await ids()).length).toBe(30)

    emulator.calls.length = 0
    const failing = statements.map((s, i) =>
      i === 28 ? { ...s, sql: s.sql.replace('SELECT 28', 'SELECT 0') } : { ...s, sql: s.sql.replace('SELECT ', 'SELECT 100 + ') }
    )
    const result = await packed(failing)
    expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 28, error: { sqlState: '23505' } })
    expect((await ids()).length).toBe(30)
    expect(emulator.openTransactions()).toBe(0)
  })
})
