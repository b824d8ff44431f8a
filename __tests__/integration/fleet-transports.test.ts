/**
 * A fleet over a direct URL and over the runner Lambda (the real handler behind the Lambda emulator), and the
 * bundled action (dist/index.js, run as a runner runs it) applying a fleet over the Data API: its `runs` and
 * `matrix` outputs and summary, and a cancelled run (SIGTERM mid-fleet) that leaves every database at a version
 * boundary with its lease released and names what it skipped.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHandler, type RunnerHandler } from '../../runner/handler.js'
import { PG_BIN, runAction, startAction } from '../../testkit/action-runner.js'
import { startFakeGitHub } from '../../testkit/github-api.js'
import { DUMMY_AWS_ENV } from '../../testkit/aws-env.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { startLambdaEmulator, type LambdaEmulator } from '../../testkit/lambda-emulator.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'
import { writeMigrations } from '../../testkit/versions.js'
import type { FleetRun } from '../../src/fleet/types.js'

const FILES = {
  'v1/01_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, qty int);',
  'v2/01_seed.sql': 'INSERT INTO orders VALUES (1, 1);',
  'v3/01_audit.sql': 'CREATE TABLE audit (id bigint PRIMARY KEY);'
}

type Db = Awaited<ReturnType<typeof createTestDatabase>>
let databases: Db[] = []
afterEach(async () => {
  await Promise.all(databases.map((db) => db.drop()))
  databases = []
})
async function tenants(count: number): Promise<Db[]> {
  const made = await Promise.all(Array.from({ length: count }, () => createTestDatabase('fleet_t')))
  databases.push(...made)
  return made
}
async function versionsOf(db: Db): Promise<number[]> {
  return (await sql<{ version: number }>(db.url, 'SELECT version FROM schema_migrations ORDER BY 1')).map((r) => Number(r.version))
}
async function leaseOwner(db: Db): Promise<string> {
  return (await sql<{ owner: string }>(db.url, 'SELECT owner FROM schema_migrations_lock'))[0].owner
}
function runsOf(run: CliRun): FleetRun[] {
  return (JSON.parse(run.stdout) as { runs: FleetRun[] }).runs
}

test('over direct URLs: each URL from an environment variable, a databases-query over the admin URL, no password in any output', async () => {
  const [a, b] = await tenants(2)
  const dir = cliProject(FILES)
  fs.writeFileSync(
    path.join(dir, 'fleet.yml'),
    `targets:\n  - name: a\n    database-url-env: TENANT_A_URL\n    wave: 1\n` +
      `  - name: rest\n    database-url-env: ADMIN_URL\n    databases-query: "SELECT datname FROM pg_database WHERE datname IN ('${a.name}', '${b.name}') AND datname <> '${a.name}'"\n`
  )
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', TENANT_A_URL: a.url, ADMIN_URL: process.env[ADMIN_URL_ENV]! }
  const run = await runCliCaptured(['apply', '--targets', 'fleet.yml', '--json'], dir, env)
  expect(run.stderr).not.toContain('test-password')
  expect(run.stdout).not.toContain('test-password')
  expect(run.code).toBe(0)
  expect(runsOf(run).map((r) => [r.name, r.status, r.to])).toEqual([
    ['a', 'applied', 3],
    [`rest/${b.name}`, 'applied', 3]
  ])
  expect(await versionsOf(a)).toEqual([1, 2, 3])
  expect(await versionsOf(b)).toEqual([1, 2, 3])
})

describe('over the runner Lambda', () => {
  let lambda: LambdaEmulator | undefined
  const handlers: RunnerHandler[] = []
  afterEach(async () => {
    await lambda?.stop()
    await Promise.all(handlers.map((h) => h.close()))
    handlers.length = 0
  })

  test('one function per database: each target invokes its own, and a failing one is kept from the other', async () => {
    const [a, b] = await tenants(2)
    await sql(b.url, 'CREATE TABLE audit (id int)')
    const runner = (db: Db): RunnerHandler => {
      const handler = createHandler({ env: { DATABASE_URL: db.url }, log: () => undefined })
      handlers.push(handler)
      return handler
    }
    lambda = await startLambdaEmulator({
      functions: { 'runner-a': { handler: runner(a) }, 'runner-b': { handler: runner(b) } }
    })
    const dir = cliProject(FILES)
    fs.writeFileSync(
      path.join(dir, 'fleet.yml'),
      'targets:\n  - name: a\n    lambda-function: runner-a\n  - name: b\n    lambda-function: runner-b\n'
    )
    const saved = { ...process.env }
    Object.assign(process.env, DUMMY_AWS_ENV, { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint })
    let run: CliRun
    try {
      run = await runCliCaptured(['apply', '--targets', 'fleet.yml', '--on-error', 'continue', '--json'], dir, {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NO_COLOR: '1'
      })
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    }
    expect(run.code).toBe(1)
    const runs = runsOf(run)
    expect(runs.map((r) => [r.name, r.status, r.from, r.to])).toEqual([
      ['a', 'applied', 0, 3],
      ['b', 'failed', 0, 2]
    ])
    expect(runs[1].error).toMatch(/v3 failed at migrations\/resources\/v3\/01_audit\.sql:1: relation "audit" already exists/)
    expect(await versionsOf(a)).toEqual([1, 2, 3])
    expect(await versionsOf(b)).toEqual([1, 2])
    expect(lambda.calls.filter((c) => c.function === 'runner-a').length).toBeGreaterThan(0)
    expect(lambda.calls.filter((c) => c.function === 'runner-b').length).toBeGreaterThan(0)
  })
})

describe('the bundled action', () => {
  const emulator = useDataApiEmulator({ latencyMs: 20 })

  function workspace(files: Record<string, string>, fleet: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-fleet-action-'))
    writeMigrations(files, path.join(dir, 'migrations', 'resources'))
    fs.writeFileSync(
      path.join(dir, 'fleet.yml'),
      `defaults:\n  resource-arn: ${emulator.resourceArn}\n  secret-arn: ${emulator.secretArn}\n  lease-ttl: 5s\ntargets:\n${fleet}`
    )
    return dir
  }

  test('apply: runs, matrix and the summary', async () => {
    const dbs = await tenants(3)
    const dir = workspace(
      FILES,
      `  - name: canary\n    database: ${dbs[0].name}\n    wave: 1\n` +
        dbs
          .slice(1)
          .map((db, i) => `  - name: t${i}\n    database: ${db.name}\n`)
          .join('')
    )
    const { done } = startAction(
      { command: 'apply', targets: 'fleet.yml', comment: 'false' },
      { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint, GITHUB_WORKSPACE: dir }
    )
    const run = await done
    // The AWS SDK may warn about this machine's Node version on stderr; nothing else may be there.
    expect(run.stderr).not.toMatch(/::error|Error:/)
    expect(run.code).toBe(0)
    expect(JSON.parse(run.outputs.matrix)).toEqual({ target: ['canary', 't0', 't1'] })
    const runs = JSON.parse(run.outputs.runs) as FleetRun[]
    expect(runs.map((r) => [r.name, r.database, r.status, r.from, r.to])).toEqual([
      ['canary', dbs[0].name, 'applied', 0, 3],
      ['t0', dbs[1].name, 'applied', 0, 3],
      ['t1', dbs[2].name, 'applied', 0, 3]
    ])
    expect(run.stdout).toMatch(/\[1\/3\] canary: applied v1, v2, v3 \(v0 → v3\)/)
    expect(run.stdout).toMatch(/\[canary\] Applied v3/)
    expect(run.summary).toMatch(/Applied to 3 databases/)
    for (const db of dbs) expect(await versionsOf(db)).toEqual([1, 2, 3])
  })

  test('SIGTERM mid-fleet: no new target starts, running ones finish their version, every database at a boundary, every lease released', async () => {
    const dbs = await tenants(6)
    // Each version takes about half a second, so the signal lands inside one.
    const slow = Object.fromEntries(Object.entries(FILES).map(([file, text]) => [file, `${text}\nSELECT pg_sleep(0.5);`]))
    const dir = workspace(slow, dbs.map((db, i) => `  - name: t${i}\n    database: ${db.name}\n`).join(''))
    const { child, done } = startAction(
      { command: 'apply', targets: 'fleet.yml', concurrency: '2', comment: 'false' },
      { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint, GITHUB_WORKSPACE: dir }
    )
    // Once the first two targets have applied a version, cancel.
    const deadline = Date.now() + 30_000
    for (;;) {
      const applied = await Promise.all(
        dbs.slice(0, 2).map((db) => sql(db.url, "SELECT 1 FROM pg_tables WHERE tablename = 'schema_migrations'"))
      )
      if (applied.every((rows) => rows.length) && (await versionsOf(dbs[0])).length >= 1) break
      if (Date.now() > deadline) throw new Error('the fleet never started')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    child.kill('SIGTERM')
    const run = await done
    expect(run.code).toBe(1)
    expect(run.stdout + run.stderr).toMatch(/SIGTERM: cancelling the fleet/)
    const runs = JSON.parse(run.outputs.runs) as FleetRun[]
    // The two that ran stopped at a version boundary (or finished); the rest never started.
    for (const r of runs.slice(0, 2)) {
      expect(['applied', 'skipped']).toContain(r.status)
      expect(r.to).toBe((await versionsOf(dbs[runs.indexOf(r)])).at(-1) ?? 0)
    }
    expect(runs.slice(0, 2).some((r) => r.stopped === 'the run was cancelled')).toBe(true)
    for (const r of runs.slice(2)) expect(r).toMatchObject({ status: 'skipped', error: 'not started: the run was cancelled' })
    for (const [i, db] of dbs.entries()) {
      const has = async (table: string): Promise<boolean> =>
        (await sql(db.url, 'SELECT 1 FROM pg_tables WHERE tablename = $1', [table])).length > 0
      if (i >= 2) {
        expect(await has('schema_migrations')).toBe(false)
        continue
      }
      // At a version boundary: exactly the objects of the versions recorded.
      const recorded = await versionsOf(db)
      expect(recorded).toEqual([1, 2, 3].slice(0, recorded.length))
      expect(await has('orders')).toBe(recorded.includes(1))
      expect(await has('audit')).toBe(recorded.includes(3))
      if (recorded.includes(1))
        expect(await sql(db.url, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: recorded.includes(2) ? 1 : 0 }])
      expect(await leaseOwner(db)).toBe('')
    }
    expect(run.summary).toMatch(/cancelled/i)
  })

  test('on GitHub: one plan comment for the fleet on the pull request, then a deploy comment and a deployment status', async () => {
    const fake = await startFakeGitHub()
    const REPO = { owner: 'octo-org', repo: 'todo-app' }
    const TOKEN = 'ghs_fleetTokenValue0123456789'
    try {
      const dbs = await tenants(3)
      const dir = workspace(FILES, dbs.map((db, i) => `  - name: t${i}\n    database: ${db.name}\n`).join(''))
      const event = (name: string, payload: object): Record<string, string> => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-event-')), 'event.json')
        fs.writeFileSync(file, JSON.stringify(payload))
        return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file, GITHUB_API_URL: fake.url, PATH: `${PG_BIN}:${process.env.PATH}` }
      }
      const aws = { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint, GITHUB_WORKSPACE: dir }
      fake.addPullRequest(REPO, { number: 7 })
      const plan = await runAction(
        { command: 'plan', targets: 'fleet.yml', 'github-token': TOKEN, environment: 'tenants' },
        { ...aws, ...event('pull_request', { pull_request: { number: 7, base: { sha: '0'.repeat(40) } } }) }
      )
      expect(plan.code).toBe(0)
      const comments = fake.commentsOn(REPO, 7)
      expect(comments).toHaveLength(1)
      expect(comments[0].body).toMatch(/^<!-- aurora-migrate:plan:tenants -->\n### aurora-migrate plan · tenants · 3 databases/)
      expect(comments[0].body).toContain('`t0`, `t1` and `t2` at v0 → v3: same plan, verified once')
      expect(plan.outputs['comment-url']).toBeTruthy()
      expect(JSON.parse(plan.outputs.matrix)).toEqual({ target: ['t0', 't1', 't2'] })
      for (const db of dbs) expect(await sql(db.url, "SELECT 1 FROM pg_tables WHERE tablename = 'schema_migrations'")).toEqual([])

      const sha = 'f1e2d3c4b5a60718293a4b5c6d7e8f9012345678'
      fake.addPullRequest(REPO, { number: 8, state: 'closed', merged_at: '2026-12-07T10:00:00Z' }, { commits: [sha] })
      fake.addDeployment(REPO, 77, 'tenants')
      const apply = await runAction(
        { command: 'apply', targets: 'fleet.yml', 'github-token': TOKEN, environment: 'tenants', 'deployment-id': '77' },
        { ...aws, ...event('push', { ref: 'refs/heads/main' }), GITHUB_SHA: sha }
      )
      expect(apply.code).toBe(0)
      const deploy = fake.commentsOn(REPO, 8)
      expect(deploy).toHaveLength(1)
      expect(deploy[0].body).toMatch(/^<!-- aurora-migrate:deploy:tenants:4242 -->\n### aurora-migrate apply · tenants · 3 databases/)
      const statuses = fake.deploymentStatuses(REPO, 77)
      expect(statuses).toHaveLength(1)
      expect(statuses[0]).toMatchObject({ state: 'success', environment: 'tenants' })
      expect(statuses[0].description.length).toBeLessThanOrEqual(140)
      for (const run of [plan, apply]) {
        const printed = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
        expect(printed.join('\n') + run.stderr + JSON.stringify(run.outputs)).not.toContain(TOKEN)
        expect(run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::'))).toHaveLength(1)
      }
      for (const db of dbs) expect(await versionsOf(db)).toEqual([1, 2, 3])
    } finally {
      await fake.stop()
    }
  })
})
