/**
 * A fleet over the RDS Data API (the real SDK client against the emulator, one PostgreSQL holding every tenant's
 * database), run through the command line: what each database holds afterwards is the truth the `runs` entries
 * are checked against — a tenant whose data makes v3 fail stays at v2 with nothing of v3, a drifted tenant is
 * untouched, a failing canary leaves wave 2 as it was, the concurrency bound holds on the emulator's call log,
 * and `only`/`targets` pick slices of the file.
 */
import fs from 'node:fs'
import path from 'node:path'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'
import type { FleetRun } from '../../src/fleet/types.js'

const emulator = useDataApiEmulator({ latencyMs: 5 })

const V1_V2 = {
  'v1/01_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, qty int);',
  'v2/01_seed.sql': 'INSERT INTO orders VALUES (1, 1);'
}
const V3 = { 'v3/01_not_null.sql': 'CREATE TABLE audit (id bigint PRIMARY KEY);\nALTER TABLE orders ALTER COLUMN qty SET NOT NULL;' }

type Db = Awaited<ReturnType<typeof createTestDatabase>>
let databases: Db[] = []
const HOME = process.env.HOME

beforeAll(() => {
  process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
})
afterAll(() => {
  delete process.env.AWS_ENDPOINT_URL_RDS_DATA
})
afterEach(async () => {
  await Promise.all(databases.map((db) => db.drop()))
  databases = []
})

async function tenants(count: number): Promise<Db[]> {
  const made = await Promise.all(Array.from({ length: count }, () => createTestDatabase('fleet')))
  databases.push(...made)
  return made
}

function fleetFile(dir: string, entries: string): void {
  fs.writeFileSync(
    path.join(dir, 'fleet.yml'),
    `defaults:\n  resource-arn: ${emulator.resourceArn}\n  secret-arn: ${emulator.secretArn}\n  lease-ttl: 5s\ntargets:\n${entries}`
  )
}

function cli(argv: string[], dir: string): Promise<CliRun> {
  return runCliCaptured(argv, dir, { PATH: process.env.PATH, HOME, NO_COLOR: '1' })
}

function runsOf(run: CliRun): FleetRun[] {
  return (JSON.parse(run.stdout) as { runs: FleetRun[] }).runs
}

async function tables(db: Db): Promise<string[]> {
  const rows = await sql<{ t: string }>(db.url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
  return rows.map((r) => r.t)
}

async function versionsOf(db: Db): Promise<number[]> {
  return (await sql<{ version: number }>(db.url, 'SELECT version FROM schema_migrations ORDER BY 1')).map((r) => Number(r.version))
}

async function leaseOwner(db: Db): Promise<string> {
  return (await sql<{ owner: string }>(db.url, 'SELECT owner FROM schema_migrations_lock'))[0].owner
}

test('on-error: continue — one tenant fails v3 and one has drift: the rest apply, those two are as they were, runs says so', async () => {
  const dbs = await tenants(5)
  const [a, bad, drifted, c, d] = dbs
  const dir = cliProject(V1_V2)
  fleetFile(dir, dbs.map((db, i) => `  - name: t${i}\n    database: ${db.name}\n`).join(''))
  const first = await cli(['apply', '--targets', 'fleet.yml', '--json'], dir)
  expect(first.code).toBe(0)
  expect(runsOf(first).map((r) => [r.name, r.status, r.from, r.to])).toEqual(dbs.map((_, i) => [`t${i}`, 'applied', 0, 2]))

  // The bad tenant's data breaks v3's NOT NULL; the drifted tenant's v2 was edited after it ran.
  await sql(bad.url, 'INSERT INTO orders VALUES (2, NULL)')
  await sql(drifted.url, "UPDATE schema_migrations SET checksum = 'edited-by-hand' WHERE version = 2")
  for (const [file, text] of Object.entries(V3)) {
    fs.mkdirSync(path.join(dir, 'migrations/resources', path.dirname(file)), { recursive: true })
    fs.writeFileSync(path.join(dir, 'migrations/resources', file), text)
  }
  const second = await cli(['apply', '--targets', 'fleet.yml', '--on-error', 'continue', '--json'], dir)
  expect(second.code).toBe(1)
  const runs = runsOf(second)
  expect(runs.map((r) => [r.name, r.database, r.status, r.from, r.to, r.applied])).toEqual([
    ['t0', a.name, 'applied', 2, 3, [3]],
    ['t1', bad.name, 'failed', 2, 2, []],
    ['t2', drifted.name, 'refused', 2, 2, []],
    ['t3', c.name, 'applied', 2, 3, [3]],
    ['t4', d.name, 'applied', 2, 3, [3]]
  ])
  expect(runs[1].error).toMatch(/v3 failed at migrations\/resources\/v3\/01_not_null\.sql:2: .*null values/)
  expect(runs[1].location).toEqual({ file: 'migrations/resources/v3/01_not_null.sql', line: 2, column: 1 })
  expect(runs[2].error).toMatch(/v2.*checksum|drift/i)
  expect(second.stderr).toMatch(/✗ t1: failed \(at v2\): v3 failed at/)
  expect(second.stderr).toMatch(/Fleet: .*3 applied.*in [\d.]+ s/)

  // The database is the truth: v3 whole where it ran, nothing of it where it failed or was refused.
  for (const db of [a, c, d]) {
    expect(await versionsOf(db)).toEqual([1, 2, 3])
    expect(await tables(db)).toEqual(['audit', 'orders', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
  }
  for (const db of [bad, drifted]) {
    expect(await versionsOf(db)).toEqual([1, 2])
    expect(await tables(db)).not.toContain('audit')
  }
  expect(
    await sql(bad.url, 'SELECT is_nullable FROM information_schema.columns WHERE table_name = $1 AND column_name = $2', ['orders', 'qty'])
  ).toEqual([{ is_nullable: 'YES' }])
  for (const db of dbs) expect(await leaseOwner(db)).toBe('')
})

test('on-error: stop — the canary fails: wave 2 is untouched and reported skipped', async () => {
  const [canary, ...wave2] = await tenants(4)
  await sql(canary.url, 'CREATE TABLE orders (id bigint)')
  const dir = cliProject(V1_V2)
  fleetFile(
    dir,
    `  - name: canary\n    database: ${canary.name}\n    wave: 1\n` +
      wave2.map((db, i) => `  - name: w${i}\n    database: ${db.name}\n    wave: 2\n`).join('')
  )
  const run = await cli(['apply', '--targets', 'fleet.yml', '--json'], dir)
  expect(run.code).toBe(1)
  const runs = runsOf(run)
  expect(runs[0]).toMatchObject({ name: 'canary', status: 'failed', from: 0, to: 0 })
  expect(runs[0].error).toMatch(/relation "orders" already exists/)
  for (const r of runs.slice(1)) {
    expect(r).toMatchObject({ status: 'skipped', from: null, to: null, applied: [] })
    expect(r.error).toBe('not started: canary did not apply (on-error: stop)')
  }
  // Nothing was created in wave 2: not even the meta tables.
  for (const db of wave2) expect(await tables(db)).toEqual([])
  expect(await tables(canary)).toEqual(['orders', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
  expect(await versionsOf(canary)).toEqual([])
})

test('at most `concurrency` databases at once, on the emulator call log, and really that many', async () => {
  const dbs = await tenants(8)
  const dir = cliProject({ ...V1_V2, ...V3 })
  fleetFile(dir, dbs.map((db, i) => `  - name: t${i}\n    database: ${db.name}\n`).join(''))
  const firstCall = emulator.calls.length
  const run = await cli(['apply', '--targets', 'fleet.yml', '--concurrency', '3', '--json'], dir)
  expect(run.code).toBe(0)
  expect(runsOf(run).every((r) => r.status === 'applied' && r.to === 3)).toBe(true)
  // Each database's span: from its first call's arrival to its last call's answer.
  const spans = new Map<string, { from: number; to: number }>()
  for (const call of emulator.calls.slice(firstCall)) {
    if (!call.database || !dbs.some((db) => db.name === call.database)) continue
    const span = spans.get(call.database) ?? { from: call.receivedAt!, to: call.answeredAt! }
    spans.set(call.database, { from: Math.min(span.from, call.receivedAt!), to: Math.max(span.to, call.answeredAt!) })
  }
  expect(spans.size).toBe(8)
  const edges = [...spans.values()].flatMap((s) => [
    [s.from, 1],
    [s.to, -1]
  ])
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1])
  let open = 0
  let peak = 0
  for (const [, delta] of edges) peak = Math.max(peak, (open += delta))
  expect(peak).toBeLessThanOrEqual(3)
  expect(peak).toBeGreaterThanOrEqual(2)
  for (const db of dbs) expect(await versionsOf(db)).toEqual([1, 2, 3])
})

test('a databases-query expands on the server; only and targets pick slices; matrix lists the entries', async () => {
  const dbs = await tenants(3)
  const dir = cliProject(V1_V2)
  fleetFile(
    dir,
    `  - name: canary\n    database: ${dbs[0].name}\n    wave: 1\n` +
      `  - name: tenants\n    wave: 2\n    database: postgres\n    databases-query: "SELECT datname FROM pg_database WHERE datname IN (${dbs.map((db) => `'${db.name}'`).join(', ')}) AND datname <> '${dbs[0].name}' ORDER BY 1"\n`
  )
  const callsBefore = emulator.calls.length
  const listed = await cli(['targets', '--targets', 'fleet.yml', '--json'], dir)
  expect(listed.code).toBe(0)
  expect(emulator.calls.length).toBe(callsBefore)
  const document = JSON.parse(listed.stdout) as { targets: Array<{ name: string; database: string }>; matrix: { target: string[] } }
  // Listed as written: the query is not run (no database is asked anything).
  expect(document.targets.map((t) => t.name)).toEqual(['canary', 'tenants'])
  expect(document.matrix).toEqual({ target: ['canary', 'tenants'] })
  for (const db of dbs) expect(await tables(db)).toEqual([])

  const only = await cli(['apply', '--targets', 'fleet.yml', '--only', `tenants/${dbs[2].name}`, '--json'], dir)
  expect(only.code).toBe(0)
  expect(runsOf(only).map((r) => [r.name, r.status])).toEqual([[`tenants/${dbs[2].name}`, 'applied']])
  expect(await versionsOf(dbs[2])).toEqual([1, 2])
  expect(await tables(dbs[0])).toEqual([])
  expect(await tables(dbs[1])).toEqual([])

  const none = await cli(['apply', '--targets', 'fleet.yml', '--only', 'nobody', '--json'], dir)
  expect(none.code).toBe(2)
  expect(JSON.parse(none.stdout).error.message).toMatch(/--only: 'nobody' matches no target of fleet\.yml/)
})

test('the file is checked before anything runs: a target with no connection, a query that returns nothing', async () => {
  const [db] = await tenants(1)
  const dir = cliProject(V1_V2)
  fs.writeFileSync(path.join(dir, 'fleet.yml'), `targets:\n  - name: a\n    database: ${db.name}\n`)
  const noConnection = await cli(['apply', '--targets', 'fleet.yml'], dir)
  expect(noConnection.code).toBe(2)
  expect(noConnection.stderr).toMatch(/--targets: fleet\.yml:2: a: .*needs a database|has no connection/)
  fleetFile(
    dir,
    `  - name: a\n    database: ${db.name}\n  - name: none\n    database: postgres\n    databases-query: "SELECT datname FROM pg_database WHERE false"\n`
  )
  const nothing = await cli(['apply', '--targets', 'fleet.yml'], dir)
  expect(nothing.code).toBe(2)
  expect(nothing.stderr).toMatch(/fleet\.yml:8: none: databases-query returned nothing/)
  expect(await tables(db)).toEqual([])
  const writes = await cli(['plan', '--targets', 'fleet.yml', '--database-url', db.url], dir)
  expect(writes.code).toBe(2)
  expect(writes.stderr).toMatch(/--database-url: does not go with targets/)
})

test('plan: one comment for the fleet — alike targets grouped and verified once per distinct plan, the odd ones by name', async () => {
  const dbs = await tenants(5)
  const dir = cliProject(V1_V2)
  fleetFile(
    dir,
    dbs.map((db, i) => `  - name: t${i}\n    database: ${db.name}\n`).join('') + '  - name: ghost\n    database: no_such_database_here\n'
  )
  // t0–t2 at v1, t3 at v2, t4 at v1 with v1 edited since (drift).
  const only = async (names: string, argv: string[] = []): Promise<void> => {
    expect((await cli(['apply', '--targets', 'fleet.yml', '--only', names, ...argv], dir)).code).toBe(0)
  }
  await only('t0,t1,t2,t4', ['--target-version', '1'])
  await only('t3')
  await sql(dbs[4].url, "UPDATE schema_migrations SET checksum = 'edited-by-hand' WHERE version = 1")
  for (const [file, text] of Object.entries(V3)) {
    fs.mkdirSync(path.join(dir, 'migrations/resources', path.dirname(file)), { recursive: true })
    fs.writeFileSync(path.join(dir, 'migrations/resources', file), text)
  }
  const before = await Promise.all(dbs.map(versionsOf))
  const plan = await cli(['plan', '--targets', 'fleet.yml', '--markdown'], dir)
  expect(plan.code).toBe(1)
  const comment = plan.stdout
  expect(comment.length).toBeLessThan(65_536)
  // Verified once per distinct set of pending versions: {v2, v3} and {v3}, not once per database.
  expect(plan.stderr.match(/^Verifying v/gm)).toHaveLength(2)
  expect(comment).toMatch(/`t0`, `t1`, `t2`|3 databases/)
  expect(comment).toContain('ghost')
  expect(comment).toContain('t3')
  expect(comment).toContain('t4')
  expect(comment).toMatch(/drift|checksum|changed/i)
  expect(plan.stderr).toMatch(/ghost.*could not be planned|ghost: not read/)
  // plan changes nothing.
  expect(await Promise.all(dbs.map(versionsOf))).toEqual(before)
})
