/**
 * The bundled dist/index.js, run as a runner runs it. `npm test` rebuilds nothing: CI checks that dist/
 * matches the source, and this proves that what is committed works.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { DIST, runAction } from '../../testkit/action-runner.js'
import { createHandler } from '../../runner/handler.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { startLambdaEmulator } from '../../testkit/lambda-emulator.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'
import { DUMMY_AWS_ENV } from '../../testkit/aws-env.js'

const TODO = 'examples/todo/migrations/resources'
const execFileAsync = promisify(execFile)

let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('dist')
})
afterEach(async () => {
  await db.drop()
})

test('dist/index.js exists (npm run bundle)', () => {
  expect(fs.existsSync(DIST)).toBe(true)
})

test('plan, apply and a second apply through database-url, with outputs, summary and a masked password', async () => {
  const url = db.url
  const password = new URL(url).password
  expect(password.length).toBeGreaterThan(3)

  const plan = await runAction({ command: 'plan', 'migrations-dir': TODO, 'database-url': url })
  expect(plan.stderr).toBe('')
  expect(plan.code).toBe(0)
  expect(plan.outputs['current-version']).toBe('0')
  expect(JSON.parse(plan.outputs.pending)).toEqual([1, 2])
  expect(plan.outputs.applied).toBe('[]')
  expect(plan.outputs.drift).toBe('false')
  expect(JSON.parse(plan.outputs.plan).pending.map((p: { version: number }) => p.version)).toEqual([1, 2])
  expect(plan.summary).toMatch(/Database \(PostgreSQL \d+\.\d+\) at \*\*v0\*\* · \*\*2 versions pending\*\*: v1, v2 \(16 statements\)/)
  expect(plan.summary).toMatch(
    /✅ \*\*Verified\*\*: all 2 versions applied from scratch on an empty PostgreSQL 18 \(local PostgreSQL 18\.\d+\)\./
  )
  expect(plan.outputs.verification).toBe('passed')
  expect(plan.summary).toBe(plan.outputs.summary)
  // plan changes nothing
  expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 'schema_migrations'`)).toEqual([])

  const apply = await runAction({ command: 'apply', 'migrations-dir': TODO, 'database-url': url })
  expect(apply.code).toBe(0)
  expect(JSON.parse(apply.outputs.applied)).toEqual([1, 2])
  expect(apply.outputs['current-version']).toBe('2')
  expect(apply.outputs.pending).toBe('[]')
  expect(apply.summary).toMatch(/\*\*v0 → v2\*\* in .*: applied v1, v2/)
  expect(apply.summary).toMatch(/\| v2 due_dates \| `01_note_priority.sql` \(3\)<br>`02_overdue_view.sql` \(2\) \| 5 \| \d+ ms \|/)
  expect(apply.stdout).toContain('Applied v1 (11 statements)')
  const users = await sql<{ run_url: string; applied_by: string }>(
    db.url,
    'select run_url, applied_by from schema_migrations where version = 1'
  )
  expect(users[0]).toEqual({ run_url: 'https://github.com/octo-org/todo-app/actions/runs/4242', applied_by: 'octocat' })

  const again = await runAction({ command: 'apply', 'migrations-dir': TODO, 'database-url': url })
  expect(again.code).toBe(0)
  expect(again.outputs.applied).toBe('[]')
  expect(again.summary).toContain('Up to date at **v2**: nothing to apply.')

  // The runner consumes ::add-mask:: itself; everything else it prints must not hold the password.
  for (const run of [plan, apply, again]) {
    const printed = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n')
    expect(printed + run.stderr + run.summary + JSON.stringify(run.outputs)).not.toContain(password)
  }
  expect(plan.stdout).toContain('::add-mask::' + password)
})

test('a failing statement fails the step with an annotation at its file, line and column', async () => {
  const workspace = writeMigrations({
    'db/v1/01_ok.sql': 'create table a (id int);',
    'db/v2/01_bad.sql': 'create table b (id int);\nselect * from nowhere;\n'
  })
  const run = await runAction({ command: 'apply', 'migrations-dir': 'db', 'database-url': db.url }, { GITHUB_WORKSPACE: workspace })
  expect(run.code).toBe(1)
  expect(run.stdout).toContain(
    '::error title=Migration v2 failed,file=db/v2/01_bad.sql,line=2,col=15::v2 failed at db/v2/01_bad.sql:2:15: relation "nowhere" does not exist (SQLSTATE 42P01)'
  )
  expect(JSON.parse(run.outputs.applied)).toEqual([1])
  expect(run.outputs.pending).toBe('[2]')
  expect(run.summary).toContain('**v2 failed** at `db/v2/01_bad.sql:2:15`')
  expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 'b'`)).toEqual([])
})

test('input errors name the input', async () => {
  const none = await runAction({ command: 'apply', 'migrations-dir': TODO })
  expect(none.code).toBe(1)
  expect(none.stdout).toMatch(/::error title=Input resource-arn::Input 'resource-arn': apply needs a database/)
  const both = await runAction({
    command: 'plan',
    'database-url': db.url,
    'resource-arn': 'arn:aws:rds:us-east-1:123456789012:cluster:x',
    'secret-arn': 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x'
  })
  expect(both.stdout).toMatch(/Input 'database-url': give exactly one target: database-url and resource-arn \+ secret-arn are both set/)
  const command = await runAction({ command: 'migrate', 'database-url': db.url })
  expect(command.stdout).toMatch(/Input 'command': 'migrate' is not a command: use one of plan, apply, validate, baseline, repair/)
  const table = await runAction({ command: 'plan', 'database-url': db.url, 'meta-table': 'x; drop table users' })
  expect(table.stdout).toMatch(/Input 'meta-table': 'x; drop table users' is not a valid table name/)
})

describe('through the RDS Data API (real SDK client, local emulator)', () => {
  let emulator: DataApiEmulator
  beforeAll(async () => {
    emulator = await startDataApiEmulator({ postgresUrl: process.env[ADMIN_URL_ENV]! })
  })
  afterAll(async () => {
    await emulator.stop()
  })
  const env = (): Record<string, string> => ({
    AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint,
    ...DUMMY_AWS_ENV
  })

  test('plan, then apply while the cluster resumes from auto-pause, then nothing pending', async () => {
    const inputs = { 'migrations-dir': TODO, 'resource-arn': emulator.resourceArn, 'secret-arn': emulator.secretArn, database: db.name }
    const plan = await runAction({ ...inputs, command: 'plan' }, env())
    expect(plan.code).toBe(0)
    expect(JSON.parse(plan.outputs.pending)).toEqual([1, 2])
    expect(plan.summary).toContain(`### aurora-migrate plan · ${emulator.resourceArn.split(':').pop()}/${db.name}`)

    emulator.faults.resumingFor({ ms: 2500 })
    const apply = await runAction({ ...inputs, command: 'apply' }, env())
    expect(apply.code).toBe(0)
    expect(apply.stdout).toMatch(/resuming after auto-pause; retrying in/)
    expect(JSON.parse(apply.outputs.applied)).toEqual([1, 2])
    expect(emulator.calls.some((c) => c.fault === 'resuming')).toBe(true)
    expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([
      1, 2
    ])

    const again = await runAction({ ...inputs, command: 'apply' }, env())
    expect(again.code).toBe(0)
    expect(again.outputs.applied).toBe('[]')
    expect(again.outputs['current-version']).toBe('2')
    for (const run of [plan, apply, again]) expect(run.stdout + run.summary).not.toContain(emulator.secretArn)
  })
})

test('plan, apply and re-apply through the runner Lambda (real SDK client, the real handler behind a local Invoke endpoint)', async () => {
  const lambda = await startLambdaEmulator({
    functions: { 'aurora-migrate-runner': { sandbox: () => createHandler({ env: { DATABASE_URL: db.url }, log: () => {} }) } }
  })
  const env = {
    AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
    ...DUMMY_AWS_ENV
  }
  try {
    const inputs = {
      'migrations-dir': TODO,
      'lambda-function': 'arn:aws:lambda:us-east-1:123456789012:function:aurora-migrate-runner',
      verify: 'false'
    }
    const plan = await runAction({ ...inputs, command: 'plan' }, env)
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('Target: lambda aurora-migrate-runner')
    expect(JSON.parse(plan.outputs.pending)).toEqual([1, 2])
    expect(plan.summary).toContain('### aurora-migrate plan · aurora-migrate-runner')

    lambda.faults.throttle({ calls: 2 })
    const apply = await runAction({ ...inputs, command: 'apply' }, env)
    expect(apply.code).toBe(0)
    expect(JSON.parse(apply.outputs.applied)).toEqual([1, 2])
    expect(apply.stdout).toMatch(/throttling requests \(TooManyRequestsException/)
    // One invocation per version: its statements and its meta row in one transaction.
    expect(lambda.calls.filter((c) => c.op === 'transaction' && !c.fault)).toHaveLength(2)
    expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([
      1, 2
    ])

    const again = await runAction({ ...inputs, command: 'apply' }, env)
    expect(again.code).toBe(0)
    expect(again.outputs.applied).toBe('[]')
  } finally {
    await lambda.stop()
  }
})

test('the bundled runner (dist/runner/index.js) answers the protocol as the Lambda runtime would call it', async () => {
  // The Node.js Lambda runtime imports the module and calls its exported handler with the event.
  const script = `
    const { handler } = await import(${JSON.stringify(path.resolve('dist/runner/index.js'))})
    const ping = await handler({ protocol: 1, op: 'ping' }, { getRemainingTimeInMillis: () => 60000 })
    const tx = await handler({ protocol: 1, op: 'transaction', statements: [{ sql: 'CREATE TABLE r (id int)' }, { sql: 'INSERT INTO r VALUES (:id)', params: { id: 7 }, expectRows: 1 }] }, { getRemainingTimeInMillis: () => 60000 })
    const bad = await handler({ protocol: 99, op: 'ping' })
    console.log(JSON.stringify({ ping, tx, bad }))
    process.exit(0)`
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DATABASE_URL: db.url }
  })
  const answers = JSON.parse(stdout.trim().split('\n').pop()!)
  expect(answers.ping).toMatchObject({ ok: true, protocol: 1, server: expect.stringMatching(/^PostgreSQL \d+/) })
  expect(answers.tx).toMatchObject({ ok: true, results: [{ rowCount: 0 }, { rowCount: 1 }] })
  expect(answers.bad).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED_PROTOCOL' } })
  expect(await sql(db.url, 'select id from r')).toEqual([{ id: 7 }])
  expect(stdout).not.toContain(new URL(db.url).password)
})
