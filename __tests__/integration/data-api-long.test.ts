/**
 * Long-running statements (Target.query with `longRunning`): a statement outside a transaction that
 * outlives the Data API's per-call limit keeps running server-side, and the target waits for it by
 * watching pg_stat_activity. The emulator's call limit is 300 ms here instead of 45 s, and the target
 * runs on a clock 100 times faster than real time: its 5 s polls take 50 ms, its 15 s progress lines
 * 150 ms.
 */
import pg from 'pg'
import { createHandler } from '../../runner/handler.js'
import { applyMigrations, type ApplyResult } from '../../src/engine/apply.js'
import { statementChecksum } from '../../src/engine/steps.js'
import { DatabaseError, StatementOutcomeUnknownError, StepFailedError, TransportError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { createLambdaTarget } from '../../src/targets/lambda.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import type { Target } from '../../src/targets/target.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { startLambdaEmulator, type LambdaEmulator } from '../../testkit/lambda-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { writeMigrations } from '../../testkit/versions.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

useDummyAwsEnvironment()

/** Target time runs this many times faster than real time. */
const SCALE = 100
const CALL_LIMIT_MS = 300

let db: Awaited<ReturnType<typeof createTestDatabase>>
let emulator: DataApiEmulator | undefined
let lambda: LambdaEmulator | undefined
let target: Target | undefined
let logs: { at: number; msg: string }[]
/** Backends to cancel after the test (statements deliberately left running). */
let leftRunning: number[]

beforeEach(async () => {
  db = await createTestDatabase('dlong')
  emulator = undefined
  lambda = undefined
  target = undefined
  leftRunning = []
})

afterEach(async () => {
  for (const pid of leftRunning) await sql(db.url, 'SELECT pg_cancel_backend($1)', [pid])
  await target?.close()
  await emulator?.stop()
  await lambda?.stop()
  await db.drop()
})

async function start(callLimitMs = CALL_LIMIT_MS): Promise<{ emulator: DataApiEmulator; target: Target; now: () => number }> {
  emulator = await startDataApiEmulator({ postgresUrl: db.url, statementTimeoutMs: callLimitMs })
  logs = []
  const t0 = Date.now()
  const now = () => (Date.now() - t0) * SCALE
  target = createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint,
    log: (msg) => logs.push({ at: now(), msg }),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / SCALE)),
    now
  })
  return { emulator, target, now }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection, the call succeeded')
}

const sent = (text: string) => emulator!.calls.filter((c) => c.op === 'ExecuteStatement' && c.sql === text)
const rows = async (table: string) => (await sql<{ id: number }>(db.url, `SELECT id FROM ${table} ORDER BY id`)).map((r) => r.id)

/** The backends running `text` right now, seen from outside the target. */
async function runningNow(prefix: string): Promise<number[]> {
  const found = await sql<{ pid: number }>(
    db.url,
    "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND starts_with(query, $1)",
    [prefix]
  )
  return found.map((r) => r.pid)
}

async function untilGone(prefix: string): Promise<void> {
  for (let i = 0; i < 100 && (await runningNow(prefix)).length > 0; i++) await new Promise((r) => setTimeout(r, 50))
}

describe('Data API: a statement that outlives the call limit', () => {
  test('CREATE INDEX CONCURRENTLY: sent once, waited for while logging progress, then reported as outcome unknown; the index is built', async () => {
    const { emulator } = await start()
    // 30 rows, each index key computed in 40 ms: about 1.2 s to build, four times the call limit.
    await sql(db.url, 'CREATE TABLE big (id int)')
    await sql(db.url, 'INSERT INTO big SELECT generate_series(1, 30)')
    await sql(
      db.url,
      'CREATE FUNCTION slow_key(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN PERFORM pg_sleep(0.04); RETURN i; END $$'
    )
    const statement = 'CREATE INDEX CONCURRENTLY big_slow_idx ON big (slow_key(id))'
    const startedAt = Date.now()

    const error = await rejection(target!.query(statement, undefined, { longRunning: { timeoutMs: null } }))

    expect(error).toBeInstanceOf(StatementOutcomeUnknownError)
    expect(error.message).toMatch(
      /^"CREATE INDEX CONCURRENTLY big_slow_idx ON big \(slow_key\(id\)\)" ran past the Data API's 45 s call limit and finished on the server after about \d+ s; whether it succeeded cannot be read from the Data API\.$/
    )
    expect((error as StatementOutcomeUnknownError).sql).toBe(statement)
    // It returned only once the statement was done: the index is there, valid, and nothing runs it any more.
    expect(Date.now() - startedAt).toBeGreaterThan(1000)
    expect(await runningNow('CREATE INDEX CONCURRENTLY big_slow_idx')).toEqual([])
    expect(await sql(db.url, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_slow_idx'::regclass")).toEqual([{ indisvalid: true }])

    // Sent once, asking the service to go on after the call limit; the rest are short lookups.
    expect(sent(statement)).toHaveLength(1)
    expect(sent(statement)[0]).toMatchObject({ continueAfterTimeout: true, error: 'StatementTimeoutException' })
    const others = emulator.calls.filter((c) => c.sql !== statement)
    expect(others.length).toBeGreaterThanOrEqual(3)
    for (const call of others) {
      expect(call).toMatchObject({ op: 'ExecuteStatement', status: 200 })
      expect(call.sql).toMatch(/pg_stat_activity|pg_stat_progress_create_index/)
      expect(call.transactionId).toBeUndefined()
      expect(call.continueAfterTimeout).toBeUndefined()
    }

    const messages = logs.map((l) => l.msg)
    expect(messages[0]).toMatch(
      /^"CREATE INDEX CONCURRENTLY big_slow_idx .*" is still running after the Data API's 45 s call limit; waiting for it to finish on the server with no time limit$/
    )
    expect(messages[messages.length - 1]).toMatch(/is no longer running on the server \(after \d+ s\)$/)
    // Progress: elapsed time and the backend, at least 15 s (target time) apart, with the index build's phase.
    const progress = logs.filter((l) => / still running on the server after \d+ s \(pid \d+/.test(l.msg))
    expect(progress.length).toBeGreaterThanOrEqual(2)
    for (let i = 1; i < progress.length; i++) expect(progress[i].at - progress[i - 1].at).toBeGreaterThanOrEqual(15_000)
    expect(progress[0].at - logs[0].at).toBeGreaterThanOrEqual(15_000)
    expect(progress.some((l) => /; phase "[a-z :]+"/.test(l.msg))).toBe(true)
  })

  test('a DO block that sleeps then inserts: the insert happened, and the outcome is still reported as unknown', async () => {
    await start()
    await sql(db.url, 'CREATE TABLE t (id int)')
    const statement = '  DO $$ BEGIN PERFORM pg_sleep(0.9); INSERT INTO t VALUES (7); END $$;\n'
    const error = await rejection(target!.query(statement, undefined, { longRunning: { timeoutMs: 600_000 } }))
    expect(error).toBeInstanceOf(StatementOutcomeUnknownError)
    expect(error.message).toMatch(/finished on the server after about \d+ s/)
    expect(await rows('t')).toEqual([7])
    expect(sent(statement)).toHaveLength(1)
  })

  test('still running after timeoutMs: a TransportError naming it and how to see it; the statement goes on', async () => {
    await start()
    await sql(db.url, 'CREATE TABLE t (id int)')
    // Longer than the 1 kB pg_stat_activity keeps of a statement: only its start can be matched.
    const statement = `DO $$ BEGIN PERFORM pg_sleep(30); INSERT INTO t VALUES (1); PERFORM '${'x'.repeat(1500)}'; END $$`
    expect(Buffer.byteLength(statement)).toBeGreaterThan(1024)

    const error = await rejection(target!.query(statement, undefined, { longRunning: { timeoutMs: 60_000 } }))

    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('STATEMENT_STILL_RUNNING')
    const pids = await runningNow('DO $$ BEGIN PERFORM pg_sleep(30)')
    leftRunning.push(...pids)
    expect(pids).toHaveLength(1)
    expect(error.message).toContain(`"${statement.slice(0, 80)}…" is still running on the server after `)
    expect(error.message).toContain(
      `(pid ${pids[0]}); the limit for it was 60 s. It was not cancelled: see it with SELECT pid, state, now() - query_start AS running, query FROM pg_stat_activity WHERE pid = ${pids[0]}`
    )
    expect(error.message).toMatch(/The migration version it belongs to is not complete/)
    expect(sent(statement)).toHaveLength(1)
    expect(logs.map((l) => l.msg).some((m) => /with no time limit/.test(m))).toBe(false)
    expect(logs[0].msg).toMatch(/waiting for it to finish on the server for up to 60 s$/)

    // Cleanup cancels it: the insert never happens.
    await sql(db.url, 'SELECT pg_cancel_backend($1)', [pids[0]])
    leftRunning = []
    await untilGone('DO $$ BEGIN PERFORM pg_sleep(30)')
    expect(await rows('t')).toEqual([])
  })

  test('a statement that finishes within the call is an ordinary result; an SQL error is a DatabaseError', async () => {
    await start()
    await sql(db.url, 'CREATE TABLE t (id int)')
    const result = await target!.query('INSERT INTO t VALUES (1), (2)', undefined, { longRunning: { timeoutMs: null } })
    expect(result).toEqual({ rows: [], rowCount: 2 })
    const error = await rejection(
      target!.query('CREATE INDEX CONCURRENTLY t_idx ON nope (id)', undefined, { longRunning: { timeoutMs: null } })
    )
    expect(error).toBeInstanceOf(DatabaseError)
    expect(emulator!.calls.map((c) => `${c.op}:${c.status}:${c.continueAfterTimeout}`)).toEqual([
      'ExecuteStatement:200:true',
      'ExecuteStatement:400:true'
    ])
    expect(logs).toEqual([])
  })
})

describe('Data API: a long-running statement is never re-sent', () => {
  test('a lost reply: not re-sent; it ran once, and the outcome is unknown', async () => {
    await start()
    await sql(db.url, 'CREATE TABLE t (id int)')
    const statement = 'INSERT INTO t VALUES (1)'
    emulator!.faults.drop({ at: 1, when: 'after' })
    const error = await rejection(target!.query(statement, undefined, { longRunning: { timeoutMs: null } }))
    expect(error).toBeInstanceOf(StatementOutcomeUnknownError)
    expect(error.message).toMatch(
      /^"INSERT INTO t VALUES \(1\)" was sent, but the call failed \(.+\) and the statement is not running on the server; whether it succeeded cannot be read from the Data API\.$/
    )
    expect(sent(statement)).toHaveLength(1)
    expect(await rows('t')).toEqual([1])
  })

  test('a 5xx: not re-sent (here it never ran)', async () => {
    await start()
    await sql(db.url, 'CREATE TABLE t (id int)')
    const statement = 'INSERT INTO t VALUES (1)'
    emulator!.faults.status({ at: 1, status: 503, name: 'ServiceUnavailableError' })
    const error = await rejection(target!.query(statement, undefined, { longRunning: { timeoutMs: null } }))
    expect(error).toBeInstanceOf(StatementOutcomeUnknownError)
    expect(sent(statement)).toHaveLength(1)
    expect(await rows('t')).toEqual([])
  })

  test('resuming and throttling answers prove it did not run: those alone are retried', async () => {
    await start()
    await sql(db.url, 'CREATE TABLE t (id int)')
    const statement = 'INSERT INTO t VALUES (1)'
    emulator!.faults.resuming({ calls: 2 })
    emulator!.faults.throttle({ calls: 1 })
    expect(await target!.query(statement, undefined, { longRunning: { timeoutMs: null } })).toEqual({ rows: [], rowCount: 1 })
    expect(sent(statement).map((c) => c.fault ?? 'ran')).toEqual(['resuming', 'resuming', 'throttle', 'ran'])
    expect(await rows('t')).toEqual([1])
  })
})

describe('Data API: inside a transaction', () => {
  test('a statement over the call limit fails the transaction; the message names it and the ways out', async () => {
    await start()
    await sql(db.url, 'CREATE TABLE t (id int)')
    const slow = `SELECT pg_sleep(1) AS first_eighty_characters_of_this_statement_are_quoted, '${'y'.repeat(60)}' AS padding`
    const result = await target!.transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: slow }])
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.failedIndex).toBe(1)
    expect(result.error.message).toContain(
      `Statement 2 of 2 ("${slow.slice(0, 80)}…") ran longer than the Data API allows for one call (45 s)`
    )
    expect(result.error.message).not.toContain(slow.slice(0, 81))
    expect(result.error.message).toMatch(/-- migrate:no-transaction/)
    expect(result.error.message).toMatch(/runner Lambda \(lambda-function input, up to 15 minutes per call\)/)
    expect(result.error.message).toMatch(/database-url/)
    expect(await rows('t')).toEqual([])
    expect(emulator!.openTransactions()).toBe(0)
  })
})

describe('the other transports', () => {
  test('PostgresTarget runs a long-running statement once, past any Data API limit', async () => {
    await sql(db.url, 'CREATE TABLE t (id int)')
    target = new PostgresTarget(db.url, { wire: postgresql.wire })
    const result = await target.query('DO $$ BEGIN PERFORM pg_sleep(0.4); INSERT INTO t VALUES (1); END $$', undefined, {
      longRunning: { timeoutMs: null }
    })
    expect(result.rowCount).toBe(0)
    expect(await rows('t')).toEqual([1])
  })

  test('Lambda: a long-running statement is not re-sent after a function error; its outcome is unknown', async () => {
    await sql(db.url, 'CREATE TABLE t (id int)')
    lambda = await startLambdaEmulator({
      functions: { runner: { sandbox: () => createHandler({ env: { DATABASE_URL: db.url }, log: () => {} }) } }
    })
    target = createLambdaTarget({ functionName: 'runner', endpoint: lambda.endpoint, sleep: async () => {}, log: () => {} })
    lambda.faults.timeout({})
    const error = await rejection(target.query('INSERT INTO t VALUES (1)', undefined, { longRunning: { timeoutMs: null } }))
    expect(error).toBeInstanceOf(StatementOutcomeUnknownError)
    expect(error.message).toMatch(/Sandbox\.Timedout.*may have run/)
    expect(lambda.calls).toHaveLength(1)
    await lambda.settled()
    expect(await rows('t')).toEqual([1])

    // Without longRunning the same failure is retried (the contract: such queries are idempotent).
    lambda.faults.timeout({})
    expect(await target.query('SELECT 1 AS one')).toEqual({ rows: [{ one: 1 }], rowCount: 1 })
    expect(lambda.calls).toHaveLength(3)
  })
})

describe('Data API: a no-transaction step whose result never arrives is settled from the catalog', () => {
  /** The engine's own calls get a whole second; the steps below are held up for longer by another session's lock. */
  const ENGINE_CALL_LIMIT_MS = 1000
  let engineLogs: string[]

  async function apply(files: Record<string, string>, dir?: string): Promise<ApplyResult & { dir: string }> {
    const root = writeMigrations(files, dir)
    const { versions } = await discoverMigrations(root, root)
    const opts = options()
    const result = await applyMigrations(target!, versions, opts)
    engineLogs = opts.logs
    return { ...result, dir: root }
  }

  /** Another session holds SHARE UPDATE EXCLUSIVE on `table` for `ms`: VACUUM, REINDEX and the CONCURRENTLY statements wait for it. */
  async function lockTableFor(table: string, ms: number): Promise<{ client: pg.Client; released: Promise<void> }> {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    await client.query('begin')
    await client.query(`lock table ${table} in share update exclusive mode`)
    const released = new Promise((resolve) => setTimeout(resolve, ms)).then(async () => {
      await client.query('commit').catch(() => undefined)
      await client.end()
    })
    return { client, released }
  }

  const metaVersions = async () =>
    (await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)
  const progress = async () =>
    (await sql<{ step: number }>(db.url, 'select step from schema_migrations_progress order by version, step')).map((r) => r.step)

  beforeEach(async () => {
    await sql(db.url, 'create table t (id int); insert into t select generate_series(1, 100); create index t_id on t (id)')
  })

  test('DROP INDEX CONCURRENTLY past the call limit: the index is gone, so the step counts as done and the version is recorded', async () => {
    await start(ENGINE_CALL_LIMIT_MS)
    const { released } = await lockTableFor('t', 2500)
    const result = await apply({ 'v1/01.sql': '-- migrate:no-transaction\ndrop index concurrently t_id;\n' })
    await released
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1])
    expect(sent('drop index concurrently t_id')[0]).toMatchObject({ continueAfterTimeout: true, error: 'StatementTimeoutException' })
    expect(engineLogs).toContain(
      'v1/01.sql:2 got no result ("drop index concurrently t_id" ran past the Data API\'s 45 s call limit and finished on the server after about ' +
        `${engineLogs.join('\n').match(/finished on the server after about (\d+ s)/)?.[1]}; whether it succeeded cannot be read from the Data API), ` +
        'but the catalog shows it took effect: no index "t_id" exists any more; continuing'
    )
    expect(await sql(db.url, "select to_regclass('t_id') is null as gone")).toEqual([{ gone: true }])
    expect(await metaVersions()).toEqual([1])
    expect(await progress()).toEqual([])
  })

  test('VACUUM and REINDEX TABLE CONCURRENTLY past the call limit: the statistics and the new file nodes show they ran', async () => {
    await start(ENGINE_CALL_LIMIT_MS)
    const filenode = async () => (await sql<{ f: string }>(db.url, "select pg_relation_filenode('t_id')::text as f"))[0].f
    const before = await filenode()
    const files: Record<string, string> = { 'v1/01.sql': '-- migrate:no-transaction\nvacuum (analyze) t;\n' }
    const first = await lockTableFor('t', 2500)
    const vacuumed = await apply(files)
    await first.released
    expect(vacuumed.error).toBeNull()
    expect(sent('vacuum (analyze) t')[0]).toMatchObject({ error: 'StatementTimeoutException' })
    expect(engineLogs.filter((line) => /but the catalog shows it took effect/.test(line))).toEqual([
      expect.stringMatching(/^v1\/01.sql:2 got no result .* the statistics show "t" vacuumed and analyzed since it was sent; continuing$/)
    ])
    expect(
      (
        await sql<{ vacuumed: boolean }>(db.url, "select last_vacuum is not null as vacuumed from pg_stat_user_tables where relname = 't'")
      )[0].vacuumed
    ).toBe(true)

    files['v2/01.sql'] = '-- migrate:no-transaction\nreindex table concurrently t;\n'
    const second = await lockTableFor('t', 2500)
    const reindexed = await apply(files, vacuumed.dir)
    await second.released
    expect(reindexed.error).toBeNull()
    expect(sent('reindex table concurrently t')[0]).toMatchObject({ error: 'StatementTimeoutException' })
    expect(engineLogs.filter((line) => /but the catalog shows it took effect/.test(line))).toEqual([
      expect.stringMatching(/^v2\/01.sql:2 got no result .* public\.t_id has been rebuilt and is valid; continuing$/)
    ])
    expect(await filenode()).not.toBe(before)
    expect(await metaVersions()).toEqual([1, 2])
    expect(await progress()).toEqual([])
  })

  test('a DROP INDEX cancelled on the server after the call limit: the index is still there, so the step failed for sure; the re-run applies it', async () => {
    await start(ENGINE_CALL_LIMIT_MS)
    const { released } = await lockTableFor('t', 4000)
    const canceller = (async () => {
      for (let i = 0; i < 200; i++) {
        const pids = await sql<{ pid: number }>(
          db.url,
          "select pid from pg_stat_activity where query like 'drop index concurrently t_id%' and wait_event_type = 'Lock' and query_start < now() - interval '1.5 s'"
        )
        if (pids.length) return sql(db.url, 'select pg_cancel_backend($1)', [pids[0].pid])
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    })()
    const files = { 'v1/01.sql': 'create table u (id int);\n', 'v1/02.sql': '-- migrate:no-transaction\ndrop index concurrently t_id;\n' }
    const result = await apply(files)
    await canceller
    await released
    const error = result.error as StepFailedError
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error.location).toMatchObject({ file: 'v1/02.sql', line: 2 })
    expect(error.message).toMatch(
      /The catalog shows it did not take effect: the index "t_id" still exists\. v1 is partly applied: step 1 of 2 ran and stay applied/
    )
    expect(await sql(db.url, "select to_regclass('t_id') is not null as present")).toEqual([{ present: true }])
    expect(await metaVersions()).toEqual([])
    expect(await progress()).toEqual([0])

    const rerun = await apply(files, result.dir)
    expect(rerun.error).toBeNull()
    expect(await metaVersions()).toEqual([1])
    expect(await progress()).toEqual([])
    expect(await sql(db.url, "select to_regclass('t_id') is null as gone")).toEqual([{ gone: true }])
  })

  test('REFRESH MATERIALIZED VIEW past the call limit cannot be confirmed: the step fails saying what is known, never "nothing was applied"; recording it by hand lets the re-run go on', async () => {
    await start(ENGINE_CALL_LIMIT_MS)
    await sql(
      db.url,
      'create function slow_key(i int) returns int language plpgsql immutable as $$ begin perform pg_sleep(0.05); return i; end $$; ' +
        'create materialized view mv as select slow_key(id) as id from t where id <= 40 with no data'
    )
    const files = { 'v1/01.sql': 'create table u (id int);\n', 'v1/02.sql': '-- migrate:no-transaction\nrefresh materialized view mv;\n' }
    const result = await apply(files)
    const error = result.error as StepFailedError
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error.message).not.toMatch(/Nothing of v1 was applied/)
    expect(error.message).toMatch(
      /step 1 of 2 ran and stay applied \(recorded in public\.schema_migrations_progress\); step 2 \(v1\/02\.sql:2\) may or may not have taken effect; v1 is not recorded as applied\.$/
    )
    expect(error.message).toMatch(/It only maintains what exists \(no data or schema change\), so a re-run simply runs it again/)
    const record = /INSERT INTO "public"\."schema_migrations_progress" .*?\)(?=; )/.exec(error.message)?.[0]
    expect(record).toBe(
      `INSERT INTO "public"."schema_migrations_progress" (version, step, statement_checksum, file, line) VALUES (1, 1, '${statementChecksum('refresh materialized view mv')}', 'v1/02.sql', 2)`
    )
    // The refresh did run to its end on the server; the table of step 1 is there; nothing is recorded for v1.
    expect(await sql(db.url, 'select count(*)::int as n from mv')).toEqual([{ n: 40 }])
    expect(await sql(db.url, "select to_regclass('u') is not null as present")).toEqual([{ present: true }])
    expect(await metaVersions()).toEqual([])
    expect(await progress()).toEqual([0])

    // A person checked it and records the step: the re-run resumes after it without running it again.
    await sql(db.url, record!)
    emulator!.calls.length = 0
    const rerun = await apply(files, result.dir)
    expect(rerun.error).toBeNull()
    expect(sent('refresh materialized view mv')).toEqual([])
    expect(await metaVersions()).toEqual([1])
    expect(await progress()).toEqual([])
  })
})
