/**
 * Fault injection: every case breaks something on purpose (a call of a version, a sleeping cluster, a
 * crowd of runs, a killed run, a lock held by the application, bad input) and then looks at the
 * database itself: each version is there exactly once, or not at all.
 */
import fs from 'node:fs'
import pg from 'pg'
import { applyMigrations, type ApplyResult } from '../../src/engine/apply.js'
import { StatementFailedError } from '../../src/errors.js'
import type { Version } from '../../src/migrations/types.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import type { Target } from '../../src/targets/target.js'
import { runAction, startAction, type ActionRun } from '../../testkit/action-runner.js'
import { startDataApiEmulator, type DataApiEmulator, type DataApiOperation, type FaultKind } from '../../testkit/data-api-emulator.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../testkit/postgres.js'
import { version, writeMigrations } from '../../testkit/versions.js'
import { DUMMY_AWS_ENV, setDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>

// ---------------------------------------------------------------------------------------------
// One emulator for the whole file, on a clock that only case 2 moves forward
// ---------------------------------------------------------------------------------------------

/** How far the fake clock runs ahead of real time (advanced by the fake sleep of the resuming case). */
let clockOffset = 0
const clock = (): number => Date.now() + clockOffset
const noSleep = async (): Promise<void> => {}
const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A transaction whose BeginTransaction reply was lost is orphaned: nobody knows its id. The service
 * rolls it back after 3 minutes without a call; the emulator here does so after this long.
 */
const IDLE_TRANSACTION_MS = 3000

let emulator: DataApiEmulator
let restoreAwsEnvironment = (): void => {}
beforeAll(async () => {
  // Dummy credentials; nothing of the machine's AWS setup may take part.
  restoreAwsEnvironment = setDummyAwsEnvironment()
  emulator = await startDataApiEmulator({ postgresUrl: process.env[ADMIN_URL_ENV]!, idleTransactionTimeoutMs: IDLE_TRANSACTION_MS, clock })
})
afterAll(async () => {
  await emulator.stop()
  restoreAwsEnvironment()
})

function dataApiTarget(
  db: TestDatabase,
  extra: { sleep?: (ms: number) => Promise<void>; now?: () => number; log?: (m: string) => void; packing?: boolean } = {}
): Target {
  return createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint,
    ...extra
  })
}

async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await condition()) return true
    if (Date.now() >= deadline) return false
    await realSleep(intervalMs)
  }
}

async function withDatabase<T>(prefix: string, body: (db: TestDatabase) => Promise<T>): Promise<T> {
  const db = await createTestDatabase(prefix)
  try {
    return await body(db)
  } finally {
    await db.drop()
  }
}

async function versionsRecorded(url: string): Promise<number[]> {
  const [present] = await sql<{ meta: boolean }>(url, `select to_regclass('public.schema_migrations') is not null as meta`)
  if (!present.meta) return []
  return (await sql<{ version: number }>(url, 'select version from schema_migrations order by version')).map((r) => r.version)
}

async function leaseIsFree(url: string): Promise<boolean> {
  const rows = await sql<{ free: boolean }>(url, `select owner = '' and expires_at <= now() as free from schema_migrations_lock`)
  return rows.length === 1 && rows[0].free
}

// ---------------------------------------------------------------------------------------------
// 1. A fault at every call of a version
// ---------------------------------------------------------------------------------------------

/** Three statements; no primary key, so rows applied twice would show as duplicates. */
const THREE_STATEMENTS: Version = version(1, {
  '01_t.sql': 'create table t (id int);\ninsert into t values (1);\ninsert into t values (2);\n'
})

/** What one clean apply of that version sends statement by statement (packing off), from BeginTransaction to CommitTransaction. */
const VERSION_CALLS: Array<{ op: DataApiOperation; what: string; sql?: RegExp }> = [
  { op: 'BeginTransaction', what: 'BeginTransaction' },
  { op: 'ExecuteStatement', what: 'the lease fence', sql: /^UPDATE "public"."schema_migrations_lock" SET renewed_at/ },
  {
    op: 'ExecuteStatement',
    what: 'the not-yet-applied check',
    sql: /^SELECT version FROM "public"."schema_migrations" WHERE version = :version$/
  },
  { op: 'ExecuteStatement', what: 'SET LOCAL lock_timeout', sql: /^SET LOCAL lock_timeout = '5000ms'$/ },
  { op: 'ExecuteStatement', what: 'statement 1 (create table)', sql: /^create table t \(id int\);?$/ },
  { op: 'ExecuteStatement', what: 'statement 2 (insert)', sql: /^insert into t values \(1\);?$/ },
  { op: 'ExecuteStatement', what: 'statement 3 (insert)', sql: /^insert into t values \(2\);?$/ },
  { op: 'ExecuteStatement', what: 'the meta row insert', sql: /^INSERT INTO "public"."schema_migrations"/ },
  { op: 'CommitTransaction', what: 'CommitTransaction' }
]

interface InjectedFault {
  label: string
  kind: FaultKind
  inject(at: number): void
}

const FAULTS: InjectedFault[] = [
  {
    label: 'status 500',
    kind: 'status',
    inject: (at) => emulator.faults.status({ at, status: 500, name: 'InternalServerErrorException' })
  },
  { label: 'drop before', kind: 'drop-before', inject: (at) => emulator.faults.drop({ at, when: 'before' }) },
  { label: 'drop after', kind: 'drop-after', inject: (at) => emulator.faults.drop({ at, when: 'after' }) }
]

const APPLIED_STATE = { rows: [1, 2], recorded: [1] }
const NOTHING_STATE = { rows: null, recorded: [] }

async function threeStatementState(url: string): Promise<{ rows: number[] | null; recorded: number[] }> {
  const [present] = await sql<{ t: boolean }>(url, `select to_regclass('public.t') is not null as t`)
  const rows = present.t ? (await sql<{ id: number }>(url, 'select id from t order by id')).map((r) => r.id) : null
  return { rows, recorded: await versionsRecorded(url) }
}

function faultOptions(): ReturnType<typeof options> {
  return options({ lockTimeoutMs: 5000, sleep: noSleep })
}

describe('a fault at every call of a version sent statement by statement (RDS Data API, packing off)', () => {
  /** Calls a fresh database sees before the version's BeginTransaction (meta tables, plan, lease). */
  let callsBeforeVersion: number | undefined

  beforeEach(() => emulator.faults.clear())
  afterEach(() => emulator.faults.clear())

  test('a clean apply makes exactly these calls for the version', async () => {
    await withDatabase('faults', async (db) => {
      const base = emulator.calls.length
      const target = dataApiTarget(db, { sleep: noSleep, packing: false })
      const result = await applyMigrations(target, [THREE_STATEMENTS], faultOptions())
      await target.close()
      expect(result.error).toBeNull()
      const calls = emulator.calls.slice(base)
      const begin = calls.findIndex((c) => c.op === 'BeginTransaction')
      const commit = calls.findIndex((c) => c.op === 'CommitTransaction')
      expect(begin).toBeGreaterThan(0)
      const versionCalls = calls.slice(begin, commit + 1)
      expect(versionCalls.map((c) => c.op)).toEqual(VERSION_CALLS.map((c) => c.op))
      versionCalls.forEach((call, i) => {
        if (VERSION_CALLS[i].sql) expect(call.sql?.trim()).toMatch(VERSION_CALLS[i].sql!)
        if (i > 0) expect(call.transactionId).toBe(versionCalls[1].transactionId)
      })
      expect(await threeStatementState(db.url)).toEqual(APPLIED_STATE)
      callsBeforeVersion = begin
    })
  })

  const cases = VERSION_CALLS.flatMap((call, index) => FAULTS.map((fault) => ({ k: index + 1, call, fault })))
  test.each(cases)(
    '$fault.label at call $k of the version ($call.what): all or nothing, and a re-run completes it',
    async ({ k, call, fault }) => {
      expect(callsBeforeVersion).toBeDefined()
      await withDatabase('faults', async (db) => {
        const at = emulator.calls.length + callsBeforeVersion! + k
        fault.inject(at)
        const opts = faultOptions()
        const target = dataApiTarget(db, { sleep: noSleep, log: opts.log, packing: false })
        const first = await applyMigrations(target, [THREE_STATEMENTS], opts)
        await target.close()

        // The fault hit the call it was meant for.
        const hit = emulator.calls.find((c) => c.n === at)
        expect(hit?.op).toBe(call.op)
        if (call.sql) expect(hit?.sql?.trim()).toMatch(call.sql)
        expect(hit?.fault).toBe(fault.kind)

        // No transaction is left open (an orphan of a lost BeginTransaction reply expires by itself).
        expect(await eventually(() => emulator.openTransactions() === 0, IDLE_TRANSACTION_MS + 3000)).toBe(true)

        // All or nothing, and the run says which.
        const state = await threeStatementState(db.url)
        const reportedApplied = first.applied.map((a) => a.version)
        if (reportedApplied.includes(1)) {
          expect(first.error).toBeNull()
          expect(state).toEqual(APPLIED_STATE)
        } else {
          expect(first.error).not.toBeNull()
          expect(first.failedVersion).toBe(1)
          expect(state).toEqual(NOTHING_STATE)
        }
        if (call.op === 'CommitTransaction' && fault.kind === 'drop-after') {
          // The commit happened; only its reply was lost.
          expect(first.error).toBeNull()
          expect(reportedApplied).toEqual([1])
          expect(opts.logs.join('\n')).toMatch(/The reply to the commit of v1 was lost/)
        }
        expect(await leaseIsFree(db.url)).toBe(true)

        // A second run, without faults, leaves the version applied exactly once.
        const again = dataApiTarget(db, { sleep: noSleep, packing: false })
        const second = await applyMigrations(again, [THREE_STATEMENTS], faultOptions())
        await again.close()
        expect(second.error).toBeNull()
        expect(second.applied.map((a) => a.version)).toEqual(reportedApplied.includes(1) ? [] : [1])
        expect(second.toVersion).toBe(1)
        expect(await threeStatementState(db.url)).toEqual(APPLIED_STATE)
        expect(emulator.openTransactions()).toBe(0)
      })
    }
  )
})

// ---------------------------------------------------------------------------------------------
// 1b. A fault at every call of a run whose version is packed into one call
// ---------------------------------------------------------------------------------------------

/** Recorded before the faulted run, so that the meta tables exist and the run makes its fewest calls. */
const FIRST: Version = version(1, { '01.sql': 'select 1;\n' })
/** The same three statements as v2. */
const SECOND: Version = version(2, {
  '01_t.sql': 'create table t (id int);\ninsert into t values (1);\ninsert into t values (2);\n'
})

/** Every call of `apply` of one pending version on a database with the meta tables, packing on. */
const RUN_CALLS: Array<{ what: string; sql: RegExp }> = [
  { what: 'the history read', sql: /^SELECT CASE WHEN coalesce\(page.pos, 1\) = 1 THEN catalog.current/ },
  {
    what: 'the lease taken with the history',
    sql: /^WITH previous AS \(SELECT owner, token, expires_at, renewed_at FROM "public"."schema_migrations_lock"/
  },
  { what: 'the version, packed', sql: /^DO \$aurora_migrate_packed/ },
  { what: 'the lease release', sql: /^WITH ours AS \(SELECT id FROM "public"."schema_migrations_lock"/ }
]

async function packedState(url: string): Promise<{ rows: number[] | null; recorded: number[] }> {
  const [present] = await sql<{ t: boolean }>(url, `select to_regclass('public.t') is not null as t`)
  const rows = present.t ? (await sql<{ id: number }>(url, 'select id from t order by id')).map((r) => r.id) : null
  return { rows, recorded: await versionsRecorded(url) }
}

describe('a fault at every call of a run with a packed version (RDS Data API)', () => {
  beforeEach(() => emulator.faults.clear())
  afterEach(() => emulator.faults.clear())

  test('a clean apply makes exactly these calls: N + 3 for N = 1', async () => {
    await withDatabase('faults_packed', async (db) => {
      const target = dataApiTarget(db, { sleep: noSleep })
      expect((await applyMigrations(target, [FIRST], faultOptions())).error).toBeNull()
      const base = emulator.calls.length
      const result = await applyMigrations(target, [FIRST, SECOND], faultOptions())
      await target.close()
      expect(result.error).toBeNull()
      const calls = emulator.calls.slice(base).filter((c) => c.database === db.name)
      expect(calls).toHaveLength(RUN_CALLS.length)
      calls.forEach((call, i) => {
        expect(call.op).toBe('ExecuteStatement')
        expect(call.transactionId).toBeUndefined()
        expect(call.sql?.trim()).toMatch(RUN_CALLS[i].sql)
      })
      expect(await packedState(db.url)).toEqual({ rows: [1, 2], recorded: [1, 2] })
    })
  })

  const cases = RUN_CALLS.flatMap((call, index) => FAULTS.map((fault) => ({ k: index + 1, call, fault })))
  test.each(cases)(
    '$fault.label at call $k of the run ($call.what): all or nothing, and a re-run completes it',
    async ({ k, call, fault }) => {
      await withDatabase('faults_packed', async (db) => {
        const setup = dataApiTarget(db, { sleep: noSleep })
        expect((await applyMigrations(setup, [FIRST], faultOptions())).error).toBeNull()
        await setup.close()
        const opts = faultOptions()
        const target = dataApiTarget(db, { sleep: noSleep, log: opts.log })
        const at = emulator.calls.length + k
        fault.inject(at)
        const first = await applyMigrations(target, [FIRST, SECOND], opts)
        await target.close()

        // The fault hit the call it was meant for.
        const hit = emulator.calls.find((c) => c.n === at)
        expect(hit?.sql?.trim()).toMatch(call.sql)
        expect(hit?.fault).toBe(fault.kind)
        expect(emulator.openTransactions()).toBe(0)

        // All or nothing, and the run says which: never "applied" without the rows, never a silent skip.
        const state = await packedState(db.url)
        if (first.applied.some((a) => a.version === 2)) {
          expect(state).toEqual({ rows: [1, 2], recorded: [1, 2] })
        } else {
          expect(first.error).not.toBeNull()
          expect(first.appliedElsewhere).toEqual([])
          expect(state).toEqual({ rows: null, recorded: [1] })
        }
        if (call.what === 'the version, packed' && fault.kind === 'drop-after') {
          // The block committed; only its reply was lost, and the meta row says so.
          expect(first.error).toBeNull()
          expect(first.applied.map((a) => a.version)).toEqual([2])
          expect(opts.logs.join('\n')).toMatch(/The reply to the commit of v2 was lost/)
        }

        // The lease is free, or (its release got no reply) still this run's until it expires: never another's.
        const [lease] = await sql<{ owner: string; free: boolean }>(
          db.url,
          `select owner, expires_at <= now() as free from schema_migrations_lock`
        )
        expect(lease.owner === '' ? lease.free : lease.owner === opts.lease.owner).toBe(true)
        if (lease.owner !== '') await sql(db.url, `update schema_migrations_lock set owner = '', expires_at = '-infinity'`)

        // A second run, without faults, leaves the version applied exactly once.
        const again = dataApiTarget(db, { sleep: noSleep })
        const second = await applyMigrations(again, [FIRST, SECOND], faultOptions())
        await again.close()
        expect(second.error).toBeNull()
        expect(second.toVersion).toBe(2)
        expect(await packedState(db.url)).toEqual({ rows: [1, 2], recorded: [1, 2] })
        expect(await leaseIsFree(db.url)).toBe(true)
      })
    }
  )
})

// ---------------------------------------------------------------------------------------------
// 2. An auto-paused cluster that answers DatabaseResumingException for 30 s
// ---------------------------------------------------------------------------------------------

test('a cluster resuming for 30 s of calls is waited for on a fake clock, and the run succeeds', async () => {
  await withDatabase('resume', async (db) => {
    const waits: number[] = []
    const fakeSleep = async (ms: number): Promise<void> => {
      waits.push(ms)
      clockOffset += ms
    }
    const opts = options({ sleep: fakeSleep, now: clock })
    const target = dataApiTarget(db, { sleep: fakeSleep, now: clock, log: opts.log })
    const base = emulator.calls.length
    const realStart = Date.now()
    const fakeStart = clock()
    emulator.faults.resumingFor({ ms: 30_000 })
    const result: ApplyResult = await applyMigrations(target, [THREE_STATEMENTS], opts)
    await target.close()
    emulator.faults.clear()

    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1])
    expect(await threeStatementState(db.url)).toEqual(APPLIED_STATE)
    const refused = emulator.calls.slice(base).filter((c) => c.fault === 'resuming')
    expect(refused.length).toBeGreaterThanOrEqual(3)
    // The first call was refused, and the run went on only after the 30 s had passed on the clock.
    expect(emulator.calls[base].fault).toBe('resuming')
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThanOrEqual(30_000)
    expect(clock() - fakeStart).toBeGreaterThanOrEqual(30_000)
    const resumingLines = opts.logs.filter((line) => /Aurora cluster is resuming after auto-pause; retrying in/.test(line))
    expect(resumingLines).toHaveLength(refused.length)
    // Not 30 real seconds.
    expect(Date.now() - realStart).toBeLessThan(15_000)
  })
})

// ---------------------------------------------------------------------------------------------
// 3. Ten runs at once
// ---------------------------------------------------------------------------------------------

test('ten concurrent apply runs (Data API) apply every version exactly once, and every run succeeds', async () => {
  await withDatabase('crowd', async (db) => {
    const versions = [1, 2, 3, 4, 5].map((n) =>
      version(n, { '01.sql': `create table t${n} (id int);\ninsert into t${n} values (${n});\nselect pg_sleep(0.05);\n` })
    )
    const runs = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        // Lease polls wait 0.5 s growing to 5 s, and ten runs that start together poll in step: each
        // round lets one through. Shorter waits keep the test quick without changing who wins what.
        const opts = options({
          lease: { owner: `run-${i}`, ttlSeconds: 30, waitTimeoutSeconds: 60 },
          sleep: (ms) => realSleep(Math.min(ms, 200))
        })
        const target = dataApiTarget(db, { log: opts.log })
        try {
          return { result: await applyMigrations(target, versions, opts), logs: opts.logs }
        } finally {
          await target.close()
        }
      })
    )
    for (const { result, logs } of runs) {
      expect({ error: result.error?.message ?? null, logs }).toEqual({ error: null, logs })
      expect(result.toVersion).toBe(5)
      // Each version: applied by this run, applied by another while it waited, or already there.
      const accounted = new Set([...result.applied.map((a) => a.version), ...result.appliedElsewhere, ...result.plan.appliedVersions])
      expect([...accounted].sort()).toEqual([1, 2, 3, 4, 5])
    }
    const applied = runs.flatMap((r) => r.result.applied.map((a) => a.version)).sort()
    expect(applied).toEqual([1, 2, 3, 4, 5])
    expect(await versionsRecorded(db.url)).toEqual([1, 2, 3, 4, 5])
    const rows = await sql<{ n: number; v: number }>(
      db.url,
      'select count(*)::int as n, sum(id)::int as v from (select id from t1 union all select id from t2 union all select id from t3 union all select id from t4 union all select id from t5) x'
    )
    expect(rows[0]).toEqual({ n: 5, v: 15 })
    expect(await leaseIsFree(db.url)).toBe(true)
    expect(emulator.openTransactions()).toBe(0)
  })
})

// ---------------------------------------------------------------------------------------------
// 4. A run killed with SIGKILL while it holds the lease
// ---------------------------------------------------------------------------------------------

test('a run killed with SIGKILL while holding the lease: the next run waits for the lease to expire, takes it over and applies the rest once', async () => {
  await withDatabase('killed', async (db) => {
    // A backend whose client vanished notices it during pg_sleep only when told to look.
    await sql(process.env[ADMIN_URL_ENV]!, `ALTER DATABASE "${db.name}" SET client_connection_check_interval = '200ms'`)
    const workspace = writeMigrations({
      'db/v1/01_a.sql': 'create table a (id int);\ninsert into a values (1);\n',
      'db/v2/01_b.sql': 'create table b (id int);\ninsert into b values (2);\nselect pg_sleep(30);\n'
    })
    const inputs = { command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }
    const killed = startAction({ ...inputs, 'lease-ttl': '5' }, { GITHUB_WORKSPACE: workspace })
    let owner = ''
    try {
      const holding = await eventually(
        async () => {
          try {
            const [lock] = await sql<{ owner: string }>(db.url, 'select owner from schema_migrations_lock')
            const recorded = await versionsRecorded(db.url)
            const sleeping = await sql(
              db.url,
              `select 1 from pg_stat_activity where datname = current_database() and query like '%pg_sleep(30)%' and pid <> pg_backend_pid()`
            )
            owner = lock?.owner ?? ''
            return owner !== '' && recorded.includes(1) && sleeping.length === 1
          } catch {
            return false // the meta tables do not exist yet
          }
        },
        20_000,
        100
      )
      expect(holding).toBe(true)
    } finally {
      killed.child.kill('SIGKILL')
    }
    const first = await killed.done
    expect(first.code).toBeNull()
    expect(first.stdout).toContain('Applied v1')
    // Let the server notice the lost client; the next run would otherwise wait on its row lock instead.
    await eventually(
      async () =>
        (await sql(db.url, `select 1 from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()`)).length === 0,
      10_000,
      100
    )
    expect(await versionsRecorded(db.url)).toEqual([1])

    writeMigrations({ 'db/v2/01_b.sql': 'create table b (id int);\ninsert into b values (2);\n' }, workspace)
    const second = await runAction({ ...inputs, 'wait-timeout': '60' }, { GITHUB_WORKSPACE: workspace }, { timeoutMs: 60_000 })
    expect(second.code).toBe(0)
    expect(second.stdout).toContain(`Took over the migration lease of ${owner}`)
    expect(JSON.parse(second.outputs.applied)).toEqual([2])
    expect(await versionsRecorded(db.url)).toEqual([1, 2])
    expect(await sql(db.url, 'select id from a')).toEqual([{ id: 1 }])
    expect(await sql(db.url, 'select id from b')).toEqual([{ id: 2 }])
    expect(await leaseIsFree(db.url)).toBe(true)
    fs.rmSync(workspace, { recursive: true, force: true })
  })
}, 90_000)

// ---------------------------------------------------------------------------------------------
// 5. A statement blocked by a lock another session holds
// ---------------------------------------------------------------------------------------------

describe('a statement blocked by another session’s lock', () => {
  async function withBlocker<T>(db: TestDatabase, body: (release: () => Promise<void>) => Promise<T>): Promise<T> {
    const blocker = new pg.Client({ connectionString: db.url })
    await blocker.connect()
    let released = false
    const release = async (): Promise<void> => {
      if (released) return
      released = true
      await blocker.query('COMMIT')
    }
    try {
      await blocker.query('BEGIN')
      await blocker.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE')
      return await body(release)
    } finally {
      await release().catch(() => undefined)
      await blocker.end()
    }
  }

  test('times out on lock-timeout, is rolled back and retried, and succeeds once the lock is released', async () => {
    await withDatabase('locked', async (db) => {
      await sql(db.url, 'create table t (id int)')
      const v1 = version(1, { '01_alter.sql': 'alter table t add column c int;\n' })
      const opts = options({ lockTimeoutMs: 300, lockRetries: 5 })
      const target = new PostgresTarget(db.url, { wire: postgresql.wire })
      const started = Date.now()
      const result = await withBlocker(db, async (release) => {
        const timer = setTimeout(() => void release(), 1000)
        try {
          return await applyMigrations(target, [v1], opts)
        } finally {
          clearTimeout(timer)
        }
      })
      await target.close()
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
      const log = opts.logs.join('\n')
      expect(log).toMatch(/v1 waited longer than lock-timeout for a lock and was rolled back \(.*lock timeout.*55P03.*\); retry 1 of 5/)
      expect(await versionsRecorded(db.url)).toEqual([1])
      expect(
        await sql(db.url, `select column_name from information_schema.columns where table_name = 't' order by ordinal_position`)
      ).toEqual([{ column_name: 'id' }, { column_name: 'c' }])
    })
  })

  test('with lock-retries 0 the run fails with 55P03 at the ALTER statement and nothing of the version remains', async () => {
    await withDatabase('locked', async (db) => {
      await sql(db.url, 'create table t (id int)')
      const v1 = version(1, { '01_alter.sql': 'create table u (id int);\n\n  alter table t add column d int;\n' })
      const opts = options({ lockTimeoutMs: 300, lockRetries: 0 })
      const target = new PostgresTarget(db.url, { wire: postgresql.wire })
      const result = await withBlocker(db, () => applyMigrations(target, [v1], opts))
      await target.close()
      expect(result.failedVersion).toBe(1)
      expect(result.applied).toEqual([])
      const error = result.error as StatementFailedError
      expect(error).toBeInstanceOf(StatementFailedError)
      expect(error.sqlError.sqlState).toBe('55P03')
      expect(error.location).toEqual({ file: 'm/v1/01_alter.sql', line: 3, column: 3 })
      expect(error.message).toMatch(/^v1 failed at m\/v1\/01_alter.sql:3:3: .*lock timeout.*\(SQLSTATE 55P03\)/)
      expect(opts.logs.join('\n')).not.toMatch(/retry/)
      expect(await versionsRecorded(db.url)).toEqual([])
      expect(await sql(db.url, `select to_regclass('public.u') is null as gone`)).toEqual([{ gone: true }])
      expect(await sql(db.url, `select column_name from information_schema.columns where table_name = 't'`)).toEqual([
        { column_name: 'id' }
      ])
      expect(await leaseIsFree(db.url)).toBe(true)
    })
  })
})

// ---------------------------------------------------------------------------------------------
// 6. Bad input, through dist/index.js
// ---------------------------------------------------------------------------------------------

interface BadInput {
  name: string
  /** Files of the workspace; migrations live in db/. */
  files: Record<string, string | Buffer>
  inputs: (ctx: { db: TestDatabase }) => Record<string, string>
  env?: Record<string, string>
  /** The annotation names this input (title and message) … */
  input?: string
  /** … or this file … */
  file?: string
  /** … or something this matches (where either a file or the input would do). */
  names?: RegExp
  message: RegExp
}

const VALID = { 'db/v1/01_a.sql': 'create table a (id int);\n' }
const LONG_SQL = `select '${'x'.repeat(70_000)}';\n`

const BAD_INPUTS: BadInput[] = [
  {
    name: 'missing migrations directory',
    files: VALID,
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'nowhere', 'database-url': db.url }),
    input: 'migrations-dir',
    message: /directory 'nowhere' does not exist/
  },
  {
    name: 'a gap in the versions (v1, v3)',
    files: { ...VALID, 'db/v3/01_c.sql': 'create table c (id int);\n' },
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }),
    names: /db\/v[13]|migrations-dir/,
    message: /version 2 is missing/
  },
  {
    name: 'a duplicate version number (v2 and v02_x)',
    files: { ...VALID, 'db/v2/01_b.sql': 'create table b (id int);\n', 'db/v02_x/01_b.sql': 'create table bx (id int);\n' },
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }),
    file: 'db/v02_x',
    message: /version 2/
  },
  {
    name: 'a file that is not UTF-8',
    files: { 'db/v1/01_latin1.sql': Buffer.from([...Buffer.from("insert into a values ('caf"), 0xe9, ...Buffer.from("');\n")]) },
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }),
    file: 'db/v1/01_latin1.sql',
    message: /not valid UTF-8/
  },
  {
    name: 'an empty file',
    files: { ...VALID, 'db/v1/02_empty.sql': '' },
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }),
    file: 'db/v1/02_empty.sql',
    message: /has no SQL statements/
  },
  {
    name: 'an unknown directive',
    files: { 'db/v1/01_a.sql': '-- migrate:foo\ncreate table a (id int);\n' },
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }),
    file: 'db/v1/01_a.sql',
    message: /unknown directive/
  },
  {
    name: 'a psql meta-command',
    files: { 'db/v1/01_a.sql': 'create table a (id int);\n\\i x.sql\n' },
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }),
    file: 'db/v1/01_a.sql',
    message: /psql meta-command \\i/
  },
  {
    name: 'an unterminated dollar quote',
    files: { 'db/v1/01_f.sql': 'create table a (id int);\ncreate function f() returns int language sql as $$ select 1;\n' },
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }),
    file: 'db/v1/01_f.sql',
    message: /unterminated dollar-quoted string/
  },
  {
    name: 'an unterminated block comment',
    files: { 'db/v1/01_a.sql': 'create table a (id int);\n/* never closed\ncreate table b (id int);\n' },
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }),
    file: 'db/v1/01_a.sql',
    message: /unterminated block comment/
  },
  {
    name: 'a statement over 65,536 characters for the Data API',
    files: { ...VALID, 'db/v1/02_long.sql': LONG_SQL },
    inputs: ({ db }) => ({
      command: 'apply',
      'migrations-dir': 'db',
      'resource-arn': emulator.resourceArn,
      'secret-arn': emulator.secretArn,
      database: db.name
    }),
    env: {},
    file: 'db/v1/02_long.sql',
    message: /65,536|too long/
  },
  {
    name: 'a malformed resource ARN',
    files: VALID,
    inputs: ({ db }) => ({
      command: 'apply',
      'migrations-dir': 'db',
      'resource-arn': 'arn:aws:rds:us-east-1:1234:cluster:emulated-cluster',
      'secret-arn': emulator.secretArn,
      database: db.name
    }),
    env: {},
    input: 'resource-arn',
    message: /is not an Aurora cluster ARN/
  },
  {
    name: 'two targets',
    files: VALID,
    inputs: ({ db }) => ({
      command: 'apply',
      'migrations-dir': 'db',
      'database-url': db.url,
      'resource-arn': emulator.resourceArn,
      'secret-arn': emulator.secretArn
    }),
    env: {},
    input: 'database-url',
    message: /give exactly one target/
  },
  {
    name: 'no target with command apply',
    files: VALID,
    inputs: () => ({ command: 'apply', 'migrations-dir': 'db' }),
    input: 'resource-arn',
    message: /needs a database|no database to migrate/
  },
  {
    name: 'a meta-table that is not a table name',
    files: VALID,
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url, 'meta-table': 'x; drop table users' }),
    input: 'meta-table',
    message: /'x; drop table users' is not a valid table name/
  },
  {
    name: 'a target-version that is not a number',
    files: VALID,
    inputs: ({ db }) => ({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url, 'target-version': 'three' }),
    input: 'target-version',
    message: /'three' is not a whole number/
  }
]

describe('bad input fails the step with one annotation and applies nothing (dist/index.js)', () => {
  interface Outcome {
    run: ActionRun
    tables: string[]
    emulatorCalls: number
  }
  const outcomes = new Map<string, Outcome | Error>()

  beforeAll(async () => {
    const queue = [...BAD_INPUTS]
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const bad = item
        try {
          const outcome = await withDatabase('bad', async (db) => {
            const workspace = writeMigrations(bad.files)
            try {
              const env = bad.env ? { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint, ...bad.env } : {}
              const run = await runAction(bad.inputs({ db }), { ...env, GITHUB_WORKSPACE: workspace }, { timeoutMs: 30_000 })
              const tables = await sql<{ name: string }>(
                db.url,
                `select schemaname || '.' || tablename as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema') order by 1`
              )
              const emulatorCalls = emulator.calls.filter((c) => c.database === db.name).length
              return { run, tables: tables.map((t) => t.name), emulatorCalls }
            } finally {
              fs.rmSync(workspace, { recursive: true, force: true })
            }
          })
          outcomes.set(bad.name, outcome)
        } catch (error) {
          outcomes.set(bad.name, error as Error)
        }
      }
    }
    await Promise.all([worker(), worker(), worker()])
  }, 120_000)

  test.each(BAD_INPUTS.map((bad) => [bad.name, bad] as const))('%s', (_name, bad) => {
    const outcome = outcomes.get(bad.name)
    if (outcome instanceof Error) throw outcome
    expect(outcome).toBeDefined()
    const { run, tables, emulatorCalls } = outcome!
    // core.error writes the annotation (with its title and file) and core.setFailed repeats its message.
    const annotations = run.stdout.split('\n').filter((line) => line.startsWith('::error'))
    expect({ code: run.code, annotations }).toEqual({ code: 1, annotations: expect.arrayContaining([expect.any(String)]) })
    const parsed = annotations.map((line) => /^::error(?: ([^:]*))?::(.*)$/.exec(line))
    expect(new Set(parsed.map((match) => match?.[2])).size).toBe(1)
    const [, properties = '', message] = parsed[0] ?? []
    expect(message).toBeDefined()
    // One line: a newline in the message would be escaped as %0A.
    expect(message).not.toMatch(/%0A|%0D/)
    expect(message).toMatch(bad.message)
    if (bad.input) {
      expect(properties).toContain(`title=Input ${bad.input}`)
      expect(message.startsWith(`Input '${bad.input}':`)).toBe(true)
    }
    if (bad.file) expect(message).toContain(bad.file)
    if (bad.names) expect(message).toMatch(bad.names)
    // Nothing applied: not even the meta table exists.
    expect(tables).toEqual([])
    if (bad.input) expect(emulatorCalls).toBe(0)
    expect(JSON.parse(run.outputs.applied ?? '[]')).toEqual([])
  })
})
