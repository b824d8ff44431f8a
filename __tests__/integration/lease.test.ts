/**
 * The lease never waits on its row's lock: a run that finds the row locked (a version still running, or
 * the transaction of a run stopped mid-version) polls up to wait-timeout and ends with a clear message;
 * renewing and releasing never block. Over a direct PostgreSQL URL and over the Data API emulator.
 */
import pg from 'pg'
import { applyMigrations } from '../../src/engine/apply.js'
import { acquireLease } from '../../src/engine/lease.js'
import { metaTables } from '../../src/engine/meta.js'
import { ensureMetaTables } from '../../src/engine/meta-store.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { LeaseTimeoutError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import type { Target } from '../../src/targets/target.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { writeMigrations } from '../../testkit/versions.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'

const emulator = useDataApiEmulator()

let db: Awaited<ReturnType<typeof createTestDatabase>>
const targets: Target[] = []
beforeEach(async () => {
  db = await createTestDatabase('lease')
})
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()))
  await db.drop()
})

const transports: Array<[string, (url: string) => Target]> = [
  ['a direct PostgreSQL URL', (url) => new PostgresTarget(url, { wire: postgresql.wire })],
  [
    'the RDS Data API',
    (url) =>
      createDataApiTarget({
        wire: postgresql.wire,
        resourceArn: emulator.resourceArn,
        secretArn: emulator.secretArn,
        database: new URL(url).pathname.slice(1),
        endpoint: emulator.endpoint
      })
  ]
]

function connect(make: (url: string) => Target): Target {
  const target = make(db.url)
  targets.push(target)
  return target
}

/** Holds the lease row's lock from a connection of its own, as an open version transaction does. */
async function holdLeaseRow(): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  await client.query('BEGIN')
  await client.query('SELECT * FROM schema_migrations_lock WHERE id = 1 FOR UPDATE')
  return {
    async release() {
      await client.query('ROLLBACK')
      await client.end()
    }
  }
}

const leaseRow = (): Promise<Array<Record<string, unknown>>> =>
  sql(db.url, 'select id, owner, token, expires_at, renewed_at from schema_migrations_lock')
const history = (): Promise<Array<Record<string, unknown>>> => sql(db.url, 'select * from schema_migrations order by version')

describe.each(transports)('over %s', (_, make) => {
  test.each([
    [
      'a run stopped mid-version left its transaction open after its lease ran out',
      `'stopped run', token = 7, expires_at = clock_timestamp() - interval '1 minute'`,
      /the lease of stopped run has run out, but its row in public\.schema_migrations_lock is still locked by an open transaction/
    ],
    [
      'another run is inside a long version',
      `'busy run', token = 7, expires_at = clock_timestamp() + interval '1 hour'`,
      /Another run holds the migration lease: busy run \(it expires in \d+ s unless renewed\)\. Waited 2 s \(wait-timeout\)/
    ]
  ])('%s: a new run polls up to wait-timeout, then stops; lease row and history are as before', async (_, owner, message) => {
    const dir = writeMigrations({ 'v1/01.sql': 'create table t1 (id int);', 'v2/01.sql': 'create table t2 (id int);' })
    const { versions } = await discoverMigrations(dir, dir)
    expect((await applyMigrations(connect(make), versions.slice(0, 1), options())).error).toBeNull()
    await sql(db.url, `update schema_migrations_lock set owner = ${owner}`)
    const lease = await leaseRow()
    const meta = await history()
    const holder = await holdLeaseRow()
    try {
      const opts = options({ lease: { owner: 'waiting run', ttlSeconds: 30, waitTimeoutSeconds: 2 } })
      const started = Date.now()
      const result = await applyMigrations(connect(make), versions, opts)
      const elapsed = Date.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(2000)
      expect(elapsed).toBeLessThan(8000)
      expect(result.error).toBeInstanceOf(LeaseTimeoutError)
      expect(result.error!.message).toMatch(message)
      expect(result.applied).toEqual([])
      expect(opts.logs.join('\n')).toMatch(/Waiting for the migration lease/)
    } finally {
      await holder.release()
    }
    expect(await leaseRow()).toEqual(lease)
    expect(await history()).toEqual(meta)
    expect(await sql(db.url, `select to_regclass('t2') as t`)).toEqual([{ t: null }])
  })

  test('once the transaction that held the row ends, a waiting run takes the lease and applies', async () => {
    const dir = writeMigrations({ 'v1/01.sql': 'create table t1 (id int);', 'v2/01.sql': 'create table t2 (id int);' })
    const { versions } = await discoverMigrations(dir, dir)
    expect((await applyMigrations(connect(make), versions.slice(0, 1), options())).error).toBeNull()
    const holder = await holdLeaseRow()
    setTimeout(() => void holder.release(), 1500)
    const opts = options({ lease: { owner: 'waiting run', ttlSeconds: 30, waitTimeoutSeconds: 20 } })
    const result = await applyMigrations(connect(make), versions, opts)
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([2])
    expect(opts.logs.join('\n')).toMatch(
      /Waiting for the migration lease: the lease is free, but its row in public\.schema_migrations_lock is still locked by an open transaction/
    )
    expect((await history()).map((r) => r.version)).toEqual([1, 2])
    expect((await leaseRow())[0].owner).toBe('')
  })

  test('release never hangs on a locked row: it gives up, and the lease stays as it was until it expires', async () => {
    const target = connect(make)
    const tables = metaTables('public', 'schema_migrations')
    await ensureMetaTables(postgresql.engine, target, tables, false)
    const lease = await acquireLease(postgresql.engine, target, tables, {
      owner: 'this run',
      ttlSeconds: 30,
      waitTimeoutSeconds: 5,
      log: () => undefined
    })
    const held = await leaseRow()
    const holder = await holdLeaseRow()
    const started = Date.now()
    try {
      await expect(lease.release()).rejects.toThrow(/its row in public\.schema_migrations_lock stayed locked by an open transaction/)
      expect(Date.now() - started).toBeLessThan(5000)
      // Renewing finds the row locked too: not renewed, not lost.
      await expect(lease.renew()).resolves.toBe(false)
    } finally {
      await holder.release()
    }
    expect(await leaseRow()).toEqual(held)
    await lease.release()
    expect((await leaseRow())[0]).toMatchObject({ owner: '', token: held[0].token })
  })
})

test('over the RDS Data API, the background renewal does not wait on the row its own version holds', async () => {
  // Each Data API call may land on another pooled connection: a renewal that waited for the version's
  // row lock would sit there (up to the 45 s call limit) for as long as the version runs.
  const dir = writeMigrations({ 'v1/01.sql': 'select pg_sleep(3.5);' })
  const { versions } = await discoverMigrations(dir, dir)
  const waits: string[] = []
  let watching = true
  const watcher = (async () => {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    while (watching) {
      const { rows } = await client.query(
        "select query from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()"
      )
      waits.push(...rows.map((r) => String(r.query)))
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await client.end()
  })()
  const opts = options({ lease: { owner: 'renewing run', ttlSeconds: 3, waitTimeoutSeconds: 5 } })
  const result = await applyMigrations(connect(transports[1][1]), versions, opts)
  watching = false
  await watcher
  expect(result.error).toBeNull()
  expect(result.applied.map((a) => a.version)).toEqual([1])
  expect(waits).toEqual([])
  expect(opts.logs.join('\n')).not.toMatch(/Renewing the migration lease failed/)
  expect((await history()).map((r) => r.version)).toEqual([1])
  expect((await leaseRow())[0].owner).toBe('')
})
