/**
 * Calls that never get an answer, and throttling storms, over the Data API and the runner Lambda: the
 * engine through the real SDK clients against the emulators. Each case is judged by what the database
 * holds afterwards: the meta rows, the migration's own tables, and the lease row — no transaction may be
 * left open holding it (no backend idle in a transaction, and FOR UPDATE NOWAIT on it succeeds).
 */
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import pg from 'pg'
import { createHandler } from '../../runner/handler.js'
import { applyMigrations, type ApplyResult } from '../../src/engine/apply.js'
import { CommitOutcomeUnknownError, TransportError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { createLambdaTarget } from '../../src/targets/lambda.js'
import type { Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { startLambdaEmulator, type LambdaEmulator } from '../../testkit/lambda-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

useDummyAwsEnvironment()

/** The client's request timeout in these tests, instead of 60 s (Data API) or 16 minutes (Lambda). */
const REQUEST_TIMEOUT_MS = 400
const RUNNER = 'aurora-migrate-runner'
const MIGRATIONS = { 'v1/01.sql': 'create table t (id int);\ninsert into t values (1);\n' }

let db: Awaited<ReturnType<typeof createTestDatabase>>
let target: Target | undefined
/** The target's fake clock: its sleeps return at once and advance it. */
let clock: number
let waits: number[]
let logs: string[]

beforeEach(async () => {
  db = await createTestDatabase('awsfault')
  target = undefined
  clock = 0
  waits = []
  logs = []
})

afterEach(async () => {
  await target?.close()
  await db.drop()
})

const fakeTime = {
  sleep: async (ms: number) => {
    waits.push(ms)
    clock += ms
  },
  now: () => clock,
  random: () => 1
}

async function apply(files: Record<string, string> = MIGRATIONS): Promise<ApplyResult> {
  const dir = writeMigrations(files)
  const { versions } = await discoverMigrations(dir, dir)
  const opts = options({ log: (message: string) => logs.push(message) })
  return applyMigrations(target!, versions, opts)
}

const metaVersions = async (): Promise<number[]> =>
  (await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)
const tableT = async (): Promise<number[] | null> => {
  if (!(await sql<{ present: boolean }>(db.url, "select to_regclass('public.t') is not null as present"))[0].present) return null
  return (await sql<{ id: number }>(db.url, 'select id from t order by id')).map((r) => r.id)
}

/** Backends of the test database that sit in an open transaction. */
const idleInTransaction = async (): Promise<number> =>
  (
    await sql<{ n: number }>(
      db.url,
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'"
    )
  )[0].n

/** Whether the lease row can be locked at once: no transaction holds it. */
async function leaseRowFree(): Promise<boolean> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    await client.query('begin')
    await client.query('select id from schema_migrations_lock where id = 1 for update nowait')
    return true
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') return false
    throw error
  } finally {
    await client.query('rollback').catch(() => undefined)
    await client.end()
  }
}

const leaseReleased = async (): Promise<boolean> =>
  (await sql<{ free: boolean }>(db.url, 'select expires_at < now() as free from schema_migrations_lock'))[0].free

/** Nothing of v1 in the database, and nothing left holding the lease. */
async function expectNothingApplied(): Promise<void> {
  expect(await metaVersions()).toEqual([])
  expect(await tableT()).toBeNull()
  expect(await idleInTransaction()).toBe(0)
  expect(await leaseRowFree()).toBe(true)
  expect(await leaseReleased()).toBe(true)
}

describe('the Data API', () => {
  let emulator: DataApiEmulator
  beforeEach(async () => {
    emulator = await startDataApiEmulator({ postgresUrl: db.url })
  })
  afterEach(async () => {
    await target?.close()
    target = undefined
    await emulator.stop()
  })

  const connect = (extra: { fakeTime?: boolean } = {}): Target =>
    (target = createDataApiTarget({
      wire: postgresql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      log: (message) => logs.push(message),
      // These faults hit calls inside a Data API transaction: the path of a version too long for one packed call.
      packing: false,
      ...(extra.fakeTime ? fakeTime : {})
    }))
  const calls = (op: string) => emulator.calls.filter((c) => c.op === op)

  describe('a call that never gets an answer', () => {
    test('a statement of the version: the call times out, is not re-sent, the transaction is rolled back and nothing is applied', async () => {
      connect()
      emulator.faults.hang({ sql: 'insert into t', when: 'before' })
      const result = await apply()
      expect(result.failedVersion).toBe(1)
      expect(result.error).toBeInstanceOf(TransportError)
      expect(result.error!.message).toMatch(
        /^TimeoutError at statement \d+ of \d+: .*requestTimeout.*Nothing of the transaction was committed; the transaction was rolled back\.$/
      )
      expect(emulator.calls.filter((c) => c.sql === 'insert into t values (1)').map((c) => c.fault)).toEqual(['hang-before'])
      expect(calls('RollbackTransaction').map((c) => c.status)).toEqual([200])
      expect(emulator.openTransactions()).toBe(0)
      await expectNothingApplied()
    })

    test('a CommitTransaction that committed: the outcome is read from the meta table, and the version counts as applied', async () => {
      connect()
      emulator.faults.hang({ op: 'CommitTransaction', when: 'after' })
      const result = await apply()
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(logs.some((line) => /reply to the commit of v1 was lost/.test(line))).toBe(true)
      expect(calls('CommitTransaction').map((c) => c.fault)).toEqual(['hang-after'])
      expect(await metaVersions()).toEqual([1])
      expect(await tableT()).toEqual([1])
      expect(await idleInTransaction()).toBe(0)
      expect(await leaseRowFree()).toBe(true)
    })

    test('a CommitTransaction that never ran: the rollback that follows proves it, and nothing is applied', async () => {
      connect()
      emulator.faults.hang({ op: 'CommitTransaction', when: 'before' })
      const result = await apply()
      expect(result.failedVersion).toBe(1)
      expect(result.error).toBeInstanceOf(TransportError)
      expect(result.error!.message).toMatch(
        /^CommitTransaction got no reply \(TimeoutError: .*\); a RollbackTransaction then succeeded, so nothing of the transaction was committed\.$/
      )
      expect(calls('CommitTransaction')).toHaveLength(1)
      await expectNothingApplied()
    })

    test('a no-transaction ALTER TYPE … ADD VALUE that ran: not re-sent; the catalog has the label, so the step is done and the version recorded', async () => {
      connect()
      await sql(db.url, "create type mood as enum ('sad')")
      emulator.faults.hang({ sql: 'add value', when: 'after' })
      const result = await apply({ 'v1/01.sql': "-- migrate:no-transaction\nalter type mood add value 'happy';\n" })
      expect(result.error).toBeNull()
      expect(emulator.calls.filter((c) => c.sql === "alter type mood add value 'happy'").map((c) => c.fault)).toEqual(['hang-after'])
      expect(
        logs.some((line) =>
          /^v1\/01\.sql:2 got no result \(.*TimeoutError.*\), but the catalog shows it took effect: the type "mood" has the value 'happy'; continuing$/.test(
            line
          )
        )
      ).toBe(true)
      expect(await sql(db.url, 'select enum_range(null::mood)::text as labels')).toEqual([{ labels: '{sad,happy}' }])
      expect(await metaVersions()).toEqual([1])
      expect(await sql(db.url, 'select count(*)::int as n from schema_migrations_progress')).toEqual([{ n: 0 }])
    })

    test('a query of the engine: it is safe to repeat, so it is re-sent and the run goes on', async () => {
      connect()
      emulator.faults.hang({ op: 'ExecuteStatement', at: 1, when: 'before' })
      const result = await apply()
      expect(result.error).toBeNull()
      expect(emulator.calls[0].fault).toBe('hang-before')
      expect(emulator.calls[1].sql).toBe(emulator.calls[0].sql)
      expect(await metaVersions()).toEqual([1])
      expect(await tableT()).toEqual([1])
    })
  })

  describe('throttling storms', () => {
    test('15 refusals of a query outside a transaction are ridden out with backoff: minutes, not seconds', async () => {
      connect({ fakeTime: true })
      emulator.faults.throttle({ calls: 15, op: 'ExecuteStatement', inTransaction: false })
      const result = await apply()
      expect(result.error).toBeNull()
      expect(await metaVersions()).toEqual([1])
      expect(await tableT()).toEqual([1])
      // Doubling from 0.5 s up to 20 s a pause (the jitter is fixed at its top here): 211.5 s in all.
      expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16_000, ...Array(9).fill(20_000)])
      expect(emulator.calls.slice(0, 16).map((c) => c.fault ?? 'ran')).toEqual([...Array(15).fill('throttle'), 'ran'])
    })

    test('a storm at a statement inside the transaction: pauses of at most 10 s, under 2 minutes in all, then the version applies', async () => {
      connect({ fakeTime: true })
      emulator.faults.throttle({ calls: 12, op: 'ExecuteStatement', inTransaction: true })
      const result = await apply()
      expect(result.error).toBeNull()
      expect(waits).toHaveLength(12)
      expect(Math.max(...waits)).toBe(10_000)
      expect(clock).toBeLessThan(120_000)
      expect(await metaVersions()).toEqual([1])
      expect(await tableT()).toEqual([1])
      expect(emulator.openTransactions()).toBe(0)
    })

    test('a storm at a statement longer than 2 minutes, and at the rollback: the statement is given up, the rollback retried until it lands', async () => {
      connect({ fakeTime: true })
      emulator.faults.throttle({ calls: 1000, op: 'ExecuteStatement', inTransaction: true })
      emulator.faults.throttle({ calls: 8, op: 'RollbackTransaction' })
      const result = await apply()
      expect(result.failedVersion).toBe(1)
      expect(result.error!.message).toMatch(
        /^ThrottlingException at statement 1 of \d+: Rate exceeded\. Nothing of the transaction was committed; the transaction was rolled back\.$/
      )
      expect(calls('RollbackTransaction').map((c) => c.fault ?? c.status)).toEqual([...Array(8).fill('throttle'), 200])
      expect(emulator.openTransactions()).toBe(0)
      await expectNothingApplied()
    })

    test('a storm at CommitTransaction longer than 2 minutes, and at the rollback: the commit is given up, the transaction ended, nothing applied', async () => {
      connect({ fakeTime: true })
      emulator.faults.throttle({ calls: 1000, op: 'CommitTransaction' })
      emulator.faults.throttle({ calls: 8, op: 'RollbackTransaction' })
      const result = await apply()
      expect(result.failedVersion).toBe(1)
      expect(result.error!.message).toMatch(
        /^CommitTransaction was refused \(ThrottlingException: Rate exceeded\); nothing of the transaction was committed; the transaction was rolled back\.$/
      )
      const commits = calls('CommitTransaction')
      expect(commits.every((c) => c.fault === 'throttle')).toBe(true)
      expect(commits.length).toBeGreaterThan(10)
      expect(calls('RollbackTransaction').map((c) => c.fault ?? c.status)).toEqual([...Array(8).fill('throttle'), 200])
      expect(emulator.openTransactions()).toBe(0)
      await expectNothingApplied()
    })

    test('a rollback that stays throttled: the message says the transaction is still open until the idle limit; it is, and holds the lease row', async () => {
      connect({ fakeTime: true })
      emulator.faults.throttle({ calls: 1000, op: 'CommitTransaction' })
      emulator.faults.throttle({ calls: 1000, op: 'RollbackTransaction' })
      const result = await apply()
      expect(result.failedVersion).toBe(1)
      expect(result.error!.message).toMatch(
        /nothing of the transaction was committed; the transaction could not be rolled back \(RollbackTransaction, tried for \d+ s, answered ThrottlingException: Rate exceeded\): the service rolls it back once it has seen no call for 3 minutes, and until then it holds its locks\.$/
      )
      // Honest: the transaction is indeed still open, with the lease row locked.
      expect(emulator.openTransactions()).toBe(1)
      expect(await idleInTransaction()).toBe(1)
      expect(await leaseRowFree()).toBe(false)
      expect(await metaVersions()).toEqual([])
    })
  })
})

describe('the runner Lambda', () => {
  let emulator: LambdaEmulator
  beforeEach(async () => {
    emulator = await startLambdaEmulator({
      functions: { [RUNNER]: { sandbox: () => createHandler({ env: { DATABASE_URL: db.url }, log: () => {} }) } }
    })
    target = createLambdaTarget({
      functionName: RUNNER,
      endpoint: emulator.endpoint,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      log: (message) => logs.push(message),
      ...fakeTime
    })
  })
  afterEach(async () => {
    await target?.close()
    target = undefined
    await emulator.stop()
  })

  test('an Invoke of the version that never answers after the runner committed: settled from the meta table as applied', async () => {
    emulator.faults.hang({ op: 'transaction', when: 'after' })
    const result = await apply()
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1])
    expect(emulator.calls.filter((c) => c.op === 'transaction').map((c) => c.fault)).toEqual(['hang-after'])
    expect(await metaVersions()).toEqual([1])
    expect(await tableT()).toEqual([1])
    expect(await leaseRowFree()).toBe(true)
  })

  test('an Invoke of the version that never answers before the runner ran: not re-sent, found not applied, nothing in the database', async () => {
    emulator.faults.hang({ op: 'transaction', when: 'before' })
    const result = await apply()
    expect(result.failedVersion).toBe(1)
    expect(result.error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(result.error!.message).toMatch(
      /^The commit of v1 got no reply and the version is not recorded in public\.schema_migrations: it was not applied\. Re-run to apply it\.$/
    )
    expect((result.error!.cause as Error).message).toMatch(
      /got no answer \(TimeoutError: .*requestTimeout.*\); the runner may have committed it\.$/
    )
    expect(emulator.calls.filter((c) => c.op === 'transaction')).toHaveLength(1)
    await expectNothingApplied()
  })

  test('a query that never answers is re-sent (it is safe to repeat) and the run goes on', async () => {
    emulator.faults.hang({ op: 'query', at: 1, when: 'before' })
    const result = await apply()
    expect(result.error).toBeNull()
    expect(emulator.calls[0].fault).toBe('hang-before')
    expect(await metaVersions()).toEqual([1])
  })
})

describe("the emulators' hang fault", () => {
  test('holds a call without an answer, and lets it go when the emulator stops (a client without a timeout is not left hanging)', async () => {
    const dataApi = await startDataApiEmulator({ postgresUrl: db.url })
    const lambda = await startLambdaEmulator({ functions: { [RUNNER]: { handler: async () => ({ ok: true }) } } })
    const rdsClient = new RDSDataClient({ endpoint: dataApi.endpoint, maxAttempts: 1 })
    const lambdaClient = new LambdaClient({ endpoint: lambda.endpoint, maxAttempts: 1 })
    try {
      dataApi.faults.hang({ when: 'before' })
      lambda.faults.hang({ when: 'before' })
      const settled = (promise: Promise<unknown>) =>
        promise.then(
          () => 'answered',
          (error: Error) => `failed: ${error.name}`
        )
      const sql = settled(
        rdsClient.send(new ExecuteStatementCommand({ resourceArn: dataApi.resourceArn, secretArn: dataApi.secretArn, sql: 'SELECT 1' }))
      )
      const invoke = settled(lambdaClient.send(new InvokeCommand({ FunctionName: RUNNER, Payload: Buffer.from('{}') })))
      const first = await Promise.race([sql, invoke, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 500))])
      expect(first).toBe('still waiting')
      expect([dataApi.calls[0].fault, lambda.calls[0].fault]).toEqual(['hang-before', 'hang-before'])
      const stopped = Date.now()
      await Promise.all([dataApi.stop(), lambda.stop()])
      expect(await sql).toMatch(/^failed: /)
      expect(await invoke).toMatch(/^failed: /)
      expect(Date.now() - stopped).toBeLessThan(5000)
    } finally {
      rdsClient.destroy()
      lambdaClient.destroy()
    }
  })
})
