/**
 * The command line as a user gets it: `npm pack`, installed into an empty folder with nothing else, and run
 * from node_modules/.bin against the embedded PostgreSQL through --database-url and through the RDS Data API
 * emulator (AWS_ENDPOINT_URL_RDS_DATA). Each failure test reads what the database holds afterwards. The
 * JSON of `plan --json` is compared with the action's outputs for the same workspace.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { PG_BIN, runAction } from '../../testkit/action-runner.js'
import { DUMMY_AWS_ENV } from '../../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../testkit/postgres.js'

const run = promisify(execFile)
const TODO = path.resolve('examples/todo/migrations/resources')
const ORDERS_SQL =
  'CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int NOT NULL);\nCREATE INDEX orders_user ON orders (user_id);\n'

let installDir: string
let bin: string

interface Ran {
  code: number
  stdout: string
  stderr: string
}

/** Runs the installed `aurora-migrate` in `cwd`, with only the environment given (and PATH). */
async function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  try {
    const { stdout, stderr } = await run(bin, args, {
      cwd,
      env: { PATH: `${PG_BIN}${path.delimiter}${process.env.PATH ?? ''}`, HOME: os.tmpdir(), NO_COLOR: '1', ...env },
      timeout: 120_000
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    if (typeof failed.code !== 'number') throw error
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

/** A project with the seed's v1 and v2 under migrations/resources. */
function newProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-project-'))
  fs.cpSync(TODO, path.join(dir, 'migrations', 'resources'), { recursive: true })
  return dir
}

beforeAll(async () => {
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-pack-'))
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: path.resolve('.') })
  const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>
  installDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-install-'))
  fs.writeFileSync(path.join(installDir, 'package.json'), '{"name":"empty-project","private":true}\n')
  // No dependencies to fetch: the package is its bundle.
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(packDir, filename)], { cwd: installDir })
  bin = path.join(installDir, 'node_modules', '.bin', 'aurora-migrate')
}, 180_000)

test('the package holds the bundle and nothing to install: no dependencies, a bin, files', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(installDir, 'node_modules', 'aurora-migrate', 'package.json'), 'utf8'))
  expect(manifest.bin).toEqual({ 'aurora-migrate': 'dist/cli/index.js' })
  expect(manifest.dependencies).toBeUndefined()
  expect(manifest.private).toBeUndefined()
  expect(fs.readdirSync(path.join(installDir, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['aurora-migrate'])
  expect(fs.existsSync(path.join(installDir, 'node_modules', 'aurora-migrate', 'dist', 'cli', 'libpg-query.wasm'))).toBe(true)
  expect(fs.existsSync(path.join(installDir, 'node_modules', 'aurora-migrate', 'LICENSE'))).toBe(true)
})

test('--help and --version', async () => {
  const help = await cli(['--help'], installDir)
  expect(help.code).toBe(0)
  expect(help.stdout).toContain('Usage: aurora-migrate <command> [flags]')
  expect(help.stdout).toContain('--database-url <url>')
  const version = await cli(['--version'], installDir)
  expect(version.stdout.trim()).toBe(JSON.parse(fs.readFileSync('package.json', 'utf8')).version)
})

describe('through --database-url', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let dir: string
  beforeAll(async () => {
    db = await createTestDatabase('cli')
    dir = newProject()
  })
  afterAll(async () => {
    await db.drop()
  })

  test('new, plan --exit-code (3), validate (3), review --json, apply, plan --exit-code (0), validate (0)', async () => {
    const created = await cli(['new', 'orders'], dir)
    expect(created.code).toBe(0)
    expect(created.stderr).toContain('Created migrations/resources/v3_orders/01_orders.sql (v3)')
    fs.appendFileSync(path.join(dir, 'migrations/resources/v3_orders/01_orders.sql'), ORDERS_SQL)

    // DATABASE_URL is the default for --database-url; verification finds PostgreSQL's binaries on PATH.
    const env = { DATABASE_URL: db.url }
    const plan = await cli(['plan', '--exit-code'], dir, env)
    expect(plan.code).toBe(3)
    expect(plan.stderr).toMatch(/Verification passed in \d+ ms/)
    expect(plan.stderr).toContain('3 pending: v1, v2, v3 (database at v0)')
    expect(plan.stdout).toBe('')
    expect(await sql(db.url, "select to_regclass('public.users')::text as t")).toEqual([{ t: null }])

    expect((await cli(['validate'], dir, env)).code).toBe(3)

    const review = await cli(['review', '--json'], dir, env)
    expect(review.code).toBe(0)
    const reviewed = JSON.parse(review.stdout)
    expect(reviewed.versions).toEqual([1, 2, 3])
    expect(reviewed.findings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'timestamp-without-time-zone' })]))

    const apply = await cli(['apply'], dir, env)
    expect(apply.code).toBe(0)
    expect(apply.stderr).toMatch(/✓ Applied v3 \(2 statements\) in \d+ ms/)
    expect(apply.stderr).toContain('Applied v1, v2, v3: now at v3')
    expect(await sql(db.url, 'select version from schema_migrations order by version')).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 }
    ])
    expect(await sql(db.url, "select to_regclass('public.orders')::text as t")).toEqual([{ t: 'orders' }])

    const after = await cli(['plan', '--exit-code', '--no-verify'], dir, env)
    expect(after.code).toBe(0)
    expect(after.stderr).toContain('Up to date at v3: nothing pending')
    expect((await cli(['validate'], dir, env)).code).toBe(0)
  }, 180_000)

  test('a failing statement exits 1 with file:line; the version is rolled back and the database holds what it held', async () => {
    const failing = newProject()
    const other = await createTestDatabase('clifail')
    try {
      fs.mkdirSync(path.join(failing, 'migrations/resources/v3_bad'))
      fs.writeFileSync(
        path.join(failing, 'migrations/resources/v3_bad/01_bad.sql'),
        'CREATE TABLE bad (id int);\n\nINSERT INTO missing_table VALUES (1);\n'
      )
      const ran = await cli(['apply', '--database-url', other.url], failing)
      expect(ran.code).toBe(1)
      expect(ran.stderr).toMatch(
        /migrations\/resources\/v3_bad\/01_bad\.sql:3:13: error: v3 failed at migrations\/resources\/v3_bad\/01_bad\.sql:3:13: relation "missing_table" does not exist/
      )
      expect(ran.stderr).not.toContain(new URL(other.url).password)
      expect(await sql(other.url, 'select version from schema_migrations order by version')).toEqual([{ version: 1 }, { version: 2 }])
      expect(await sql(other.url, "select to_regclass('public.bad')::text as t")).toEqual([{ t: null }])
      expect(await sql(other.url, "select owner, expires_at = '-infinity' as released from schema_migrations_lock")).toEqual([
        { owner: '', released: true }
      ])
    } finally {
      await other.drop()
    }
  }, 120_000)

  test("plan --json carries the same plan and findings as the action's outputs for the same workspace", async () => {
    const same = newProject()
    const target = await createTestDatabase('clijson')
    try {
      fs.mkdirSync(path.join(same, 'migrations/resources/v3_risky'))
      fs.writeFileSync(
        path.join(same, 'migrations/resources/v3_risky/01.sql'),
        'ALTER TABLE users ADD COLUMN at timestamp;\nCREATE INDEX users_at ON users (at);\n'
      )
      const applied = await cli(['apply', '--database-url', target.url, '--target-version', '2'], same)
      expect(applied.code).toBe(0)
      const shadow = process.env[ADMIN_URL_ENV]!
      const fromCli = await cli(['plan', '--json', '--database-url', target.url, '--shadow-database-url', shadow], same)
      expect(fromCli.code).toBe(0)
      const document = JSON.parse(fromCli.stdout)
      const action = await runAction(
        {
          command: 'plan',
          'migrations-dir': 'migrations/resources',
          'database-url': target.url,
          'shadow-database-url': shadow,
          comment: 'false'
        },
        { GITHUB_WORKSPACE: same }
      )
      expect(action.code).toBe(0)
      expect(document.plan).toEqual(JSON.parse(action.outputs.plan))
      expect(document.findings).toEqual(JSON.parse(action.outputs.findings))
      expect(document.findings.map((f: { rule: string }) => f.rule).sort()).toEqual([
        'access-exclusive-held',
        'index-not-concurrent',
        'timestamp-without-time-zone'
      ])
      expect(document.verification).toBe(action.outputs.verification)
      expect(document.pending).toEqual(JSON.parse(action.outputs.pending))
    } finally {
      await target.drop()
    }
  }, 180_000)
})

describe('through the RDS Data API (the emulator, as AWS_ENDPOINT_URL_RDS_DATA)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let emulator: DataApiEmulator
  beforeAll(async () => {
    db = await createTestDatabase('clidata')
    emulator = await startDataApiEmulator({ postgresUrl: db.url })
  })
  afterAll(async () => {
    await emulator.stop()
    await db.drop()
  })

  test('plan --exit-code (3), apply, plan --exit-code (0), review --json with the catalog', async () => {
    const dir = newProject()
    const env = {
      AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint,
      ...DUMMY_AWS_ENV
    }
    const target = ['--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn]
    const plan = await cli(['plan', '--exit-code', '--no-verify', ...target], dir, env)
    expect(plan.code).toBe(3)
    const apply = await cli(['apply', ...target], dir, env)
    expect(apply.code).toBe(0)
    expect(await sql(db.url, 'select version from schema_migrations order by version')).toEqual([{ version: 1 }, { version: 2 }])
    expect((await cli(['plan', '--exit-code', '--no-verify', ...target], dir, env)).code).toBe(0)

    fs.mkdirSync(path.join(dir, 'migrations/resources/v3_tier'))
    fs.writeFileSync(path.join(dir, 'migrations/resources/v3_tier/01.sql'), 'ALTER TABLE users ADD COLUMN tier text NOT NULL;\n')
    await sql(db.url, "insert into users (name, user_ref) select 'u' || g, 'r' || g from generate_series(1, 1000) g")
    await sql(db.url, 'analyze users')
    const review = await cli(['review', '--json', ...target], dir, env)
    // The catalog says users has rows: the statement fails there, an error; fail-on: error fails the command.
    expect(review.code).toBe(1)
    const document = JSON.parse(review.stdout)
    expect(document.versions).toEqual([3])
    expect(document.findings).toEqual([
      expect.objectContaining({ rule: 'add-column-not-null-without-default', severity: 'error', line: 1 })
    ])
    expect(review.stderr).toMatch(/migrations\/resources\/v3_tier\/01\.sql:1:1: error: /)
    // Reviewing read the catalog only.
    expect(
      await sql(db.url, "select count(*)::int as n from information_schema.columns where table_name = 'users' and column_name = 'tier'")
    ).toEqual([{ n: 0 }])
  }, 180_000)
})
