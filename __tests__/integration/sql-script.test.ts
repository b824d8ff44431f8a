/**
 * plan --sql: the script of what apply would send, run by the real psql on a copy of the database, gives the same
 * schema and the same history as apply on another copy, and leaves the database up to date for apply and plan.
 */
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { EXIT } from '../../src/cli/run.js'
import { readSchemaSnapshot } from '../../src/dialects/postgresql/shadow/schema-snapshot.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../testkit/postgres.js'
import { runPsqlFile } from '../../testkit/psql.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { runAction } from '../../testkit/action-runner.js'

const SOURCE_ACTION = path.resolve('testkit/source-action.mjs')

const admin = (): string => process.env[ADMIN_URL_ENV]!
const cli = (argv: string[], cwd: string, url: string): Promise<CliRun> =>
  runCliCaptured(argv, cwd, { PATH: process.env.PATH, NO_COLOR: '1', DATABASE_URL: url })

const MIGRATIONS = {
  'v1_accounts/01_accounts.sql':
    "create table accounts (id bigint primary key, email text not null);\ninsert into accounts values (1, 'a@example.com');\n",
  'v2_email_index/01_index.sql': '-- migrate:no-transaction\ncreate index concurrently accounts_email on accounts (email);\n',
  'v3_names/01_column.sql': "alter table accounts add column name text default 'x';\n",
  'v3_names/02_view.sql':
    "create view account_names as select id, name from accounts; -- a view\ncomment on column accounts.name is 'it''s the name';\n"
}

/** A copy of the database `name` (no session may be connected to it), dropped by the returned function. */
async function copyOf(name: string, copy: string): Promise<{ url: string; drop(): Promise<void> }> {
  await sql(admin(), `CREATE DATABASE "${copy}" TEMPLATE "${name}"`)
  const url = new URL(admin())
  url.pathname = `/${copy}`
  return { url: url.toString(), drop: async () => void (await sql(admin(), `DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`)) }
}

async function snapshot(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    // In one order whatever order the catalog gave them in.
    const schema = (await readSchemaSnapshot(client)).sort((a, b) => `${a.kind} ${a.name}`.localeCompare(`${b.kind} ${b.name}`))
    const rows = await client.query(`SELECT version, description, checksum, files::text FROM schema_migrations ORDER BY version`)
    const progress = await client.query(`SELECT count(*)::int AS n FROM schema_migrations_progress`)
    const lock = await client.query(`SELECT owner, expires_at <= now() AS free FROM schema_migrations_lock`)
    const data = await client.query(`SELECT * FROM accounts ORDER BY id`)
    const index = await client.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('accounts_email')`)
    return { schema, rows: rows.rows, progress: progress.rows, lock: lock.rows, data: data.rows, index: index.rows }
  } finally {
    await client.end()
  }
}

/** Runs the script of `plan --sql` on one copy and apply on another, and compares them. */
async function scriptMatchesApply(
  root: string,
  db: { url: string; name: string },
  expectCreation: boolean,
  flags: string[] = []
): Promise<string> {
  const planned = await cli(
    ['plan', '--sql', '--sql-output', 'plan.sql', '--no-verify', '--shadow-database-url', admin(), ...flags],
    root,
    db.url
  )
  expect(planned.stderr).not.toMatch(/error/i)
  expect(planned.code).toBe(EXIT.ok)
  const file = fs.readFileSync(path.join(root, 'plan.sql'), 'utf8')
  // stdout holds the script and nothing else: byte for byte the file written in the same run.
  expect(planned.stdout).toBe(file)
  expect(planned.stdout.startsWith('-- aurora-migrate: the SQL apply would send to')).toBe(true)
  expect(planned.stderr).toContain('pending')
  expect(planned.stdout).not.toContain('test-password')
  expect(file.includes('CREATE TABLE IF NOT EXISTS') || /CREATE TABLE .*schema_migrations/i.test(file)).toBe(expectCreation)

  const byScript = await copyOf(db.name, `${db.name}_psql`)
  const byApply = await copyOf(db.name, `${db.name}_apply`)
  try {
    const ran = await runPsqlFile(byScript.url, path.join(root, 'plan.sql'))
    expect(ran.stderr).toBe('')
    expect(ran.code).toBe(0)
    const applied = await cli(['apply', ...flags], root, byApply.url)
    expect(applied.code).toBe(EXIT.ok)
    expect(await snapshot(byScript.url)).toEqual(await snapshot(byApply.url))
    // The history the script wrote is what apply and plan read: nothing is pending any more.
    const after = await cli(['plan', '--json', '--no-verify'], root, byScript.url)
    expect(JSON.parse(after.stdout)).toMatchObject({ pending: [], drift: false, failures: [] })
    const again = await cli(['apply'], root, byScript.url)
    expect(again.code).toBe(EXIT.ok)
    expect(again.stderr).toContain('Nothing to apply')
  } finally {
    await byScript.drop()
    await byApply.drop()
  }
  return file
}

test('on a database without the meta tables: the script creates them, runs every version, and equals apply', async () => {
  const db = await createTestDatabase('sqlnew')
  try {
    const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
    const script = await scriptMatchesApply(root, db, true)
    // The no-transaction file's statement on its own, outside any transaction or block.
    expect(script).toMatch(
      /-- migrations\/resources\/v2_email_index\/01_index\.sql:2: on its own, outside a transaction \(autocommit\)\ncreate index concurrently accounts_email on accounts \(email\);/
    )
    expect(script).toContain('-- v1 (accounts): migrations/resources/v1_accounts')
    expect(script).toMatch(/^DO \$aurora_migrate_packed\$/m)
    // The target itself is untouched.
    expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])
  } finally {
    await db.drop()
  }
})

test('on a database already at v1: the script takes the lease, runs v2 and v3 only, and equals apply', async () => {
  const db = await createTestDatabase('sqlpart')
  try {
    const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
    expect((await cli(['apply', '--target-version', '1'], root, db.url)).code).toBe(EXIT.ok)
    const script = await scriptMatchesApply(root, db, false)
    expect(script).not.toContain('v1 (accounts)')
    expect(script).toContain('\\gset aurora_migrate_')
    expect(script).toContain('-- The migration lease released.')
  } finally {
    await db.drop()
  }
})

test('with a statement-timeout, which a packed block cannot carry: BEGIN … COMMIT as sent, and still equal to apply', async () => {
  const db = await createTestDatabase('sqltimeout')
  try {
    const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
    const script = await scriptMatchesApply(root, db, true, ['--statement-timeout', '30s'])
    // Only v2's last transaction, which sets no timeouts (its statement ran outside it), is packed.
    expect(script.match(/^DO \$aurora_migrate_packed\$$/gm)).toHaveLength(1)
    expect(script).toMatch(
      /BEGIN;\n-- the fence: [^\n]*\nUPDATE "public"\."schema_migrations_lock" SET [^;]*;\n-- the version is not recorded yet [^\n]*\nSELECT version FROM "public"\."schema_migrations" WHERE version = 1;/
    )
    expect(script).toContain("SET LOCAL statement_timeout = '30000ms';")
    expect(script).toMatch(
      /-- migrations\/resources\/v3_names\/02_view\.sql:1\ncreate view account_names as select id, name from accounts;\n/
    )
  } finally {
    await db.drop()
  }
})

test('a version the server runs only unpacked (SELECT … INTO) is BEGIN … COMMIT, as the transport then sends it', async () => {
  const db = await createTestDatabase('sqlinto')
  try {
    const root = cliProject({ ...MIGRATIONS, 'v3_names/03_ids.sql': 'select id into account_ids from accounts;\n' }, 'aurora-migrate-sql-')
    const script = await scriptMatchesApply(root, db, true)
    const v3 = script.slice(script.indexOf('-- v3 (names)'))
    expect(v3).toMatch(
      /\nBEGIN;\n-- the fence[^]*\n-- migrations\/resources\/v3_names\/03_ids\.sql:1\nselect id into account_ids from accounts;\n-- the meta row[^]*\nCOMMIT;\n/
    )
    // v1 and v2's last transaction stay packed.
    expect(script.match(/^DO \$aurora_migrate_packed\$$/gm)).toHaveLength(2)
  } finally {
    await db.drop()
  }
})

test('while another run holds the lease, psql stops at the lease statement and the database is left as it was', async () => {
  const db = await createTestDatabase('sqlheld')
  try {
    const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
    expect((await cli(['apply', '--target-version', '1'], root, db.url)).code).toBe(EXIT.ok)
    const planned = await cli(['plan', '--sql', '--no-verify', '--shadow-database-url', admin()], root, db.url)
    expect(planned.code).toBe(EXIT.ok)
    fs.writeFileSync(path.join(root, 'plan.sql'), planned.stdout)
    const before = await snapshot(db.url)
    await sql(db.url, `UPDATE schema_migrations_lock SET owner = 'another run', token = token + 1, expires_at = now() + interval '1 hour'`)
    const ran = await runPsqlFile(db.url, path.join(root, 'plan.sql'))
    expect(ran.code).not.toBe(0)
    expect(ran.stderr).toMatch(/no rows returned for \\gset/)
    const after = (await snapshot(db.url)) as { lock: unknown[] }
    expect(after.lock).toEqual([{ owner: 'another run', free: false }])
    expect({ ...after, lock: [] }).toEqual({ ...(before as object), lock: [] })
  } finally {
    await db.drop()
  }
})

test('an INVALID index left on the target where a pending build would go: no script (apply drops it first), stdout empty', async () => {
  const db = await createTestDatabase('sqlinvalid')
  try {
    const files = {
      ...MIGRATIONS,
      'v2_email_index/01_index.sql':
        '-- migrate:no-transaction\ncreate index concurrently if not exists accounts_email on accounts (email);\n'
    }
    const root = cliProject(files, 'aurora-migrate-sql-')
    expect((await cli(['apply', '--target-version', '1'], root, db.url)).code).toBe(EXIT.ok)
    await sql(db.url, `insert into accounts values (2, 'b@example.com')`)
    await expect(sql(db.url, 'create unique index concurrently accounts_email on accounts ((1))')).rejects.toThrow(
      /could not create unique index/
    )
    const planned = await cli(['plan', '--sql', '--no-verify', '--shadow-database-url', admin()], root, db.url)
    expect(planned.code).toBe(EXIT.failed)
    expect(planned.stdout).toBe('')
    expect(planned.stderr).toMatch(
      /No SQL script: v2 migrations\/resources\/v2_email_index\/01_index\.sql:2 builds [^ ]*accounts_email, and the target holds an INVALID index/
    )
    expect(await sql(db.url, `select indisvalid from pg_index where indexrelid = 'accounts_email'::regclass`)).toEqual([
      { indisvalid: false }
    ])
    expect(await sql(db.url, `select version from schema_migrations`)).toEqual([{ version: 1 }])
  } finally {
    await db.drop()
  }
})

test("a script that would hold the database URL's password is refused, and written nowhere", async () => {
  const db = await createTestDatabase('sqlsecret')
  try {
    const root = cliProject({ 'v1_role/01_role.sql': "select 'test-password' as leaked;\n" }, 'aurora-migrate-sql-')
    const planned = await cli(['plan', '--sql', '--sql-output', 'plan.sql', '--no-verify', '--shadow-database-url', admin()], root, db.url)
    expect(planned.code).toBe(EXIT.failed)
    expect(planned.stdout).toBe('')
    expect(planned.stderr).toContain('error: No SQL script: it would contain the password of --database-url or --shadow-database-url')
    expect(fs.existsSync(path.join(root, 'plan.sql'))).toBe(false)
  } finally {
    await db.drop()
  }
})

test('--sql goes with plan and not with --json or --markdown; stdout stays empty', async () => {
  const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
  for (const [argv, message] of [
    [['plan', '--sql', '--json'], /--sql and --json both write stdout/],
    [['plan', '--sql', '--markdown'], /--sql and --markdown both write stdout/],
    [['apply', '--sql'], /--sql goes with plan, not apply/]
  ] as const) {
    const ran = await cli([...argv], root, 'postgres://nobody@127.0.0.1:1/none')
    expect(ran.code).toBe(EXIT.usage)
    expect(ran.stderr).toMatch(message)
    expect(ran.stdout.startsWith('--')).toBe(false)
  }
  fs.writeFileSync(path.join(root, 'fleet.yml'), 'targets:\n  - name: a\n    database-url: postgres://nobody@127.0.0.1:1/a\n')
  const fleet = await runCliCaptured(['plan', '--sql', '--targets', 'fleet.yml'], root, { PATH: process.env.PATH, NO_COLOR: '1' })
  expect(fleet.code).toBe(EXIT.usage)
  expect(fleet.stderr).toContain('--sql is for one database, not a fleet')
  expect(fleet.stdout).toBe('')
  const outside = await cli(['plan', '--sql-output', '../plan.sql', '--no-verify'], root, 'postgres://nobody@127.0.0.1:1/none')
  expect(outside.code).toBe(EXIT.usage)
  expect(outside.stderr).toContain("--sql-output: '../plan.sql' is not a file inside the workspace")
})

describe('through the RDS Data API', () => {
  useDummyAwsEnvironment()
  afterEach(() => {
    delete process.env.AWS_ENDPOINT_URL_RDS_DATA
  })

  /** `aurora-migrate <argv>` against the database `url` through an emulator of its own, stopped afterwards. */
  async function viaDataApi(argv: string[], root: string, url: string): Promise<CliRun> {
    const emulator = await startDataApiEmulator({ postgresUrl: url })
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
    try {
      return await runCliCaptured([...argv, '--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn], root, {
        PATH: process.env.PATH,
        NO_COLOR: '1'
      })
    } finally {
      await emulator.stop()
    }
  }

  test('the script shows the packed form the Data API is sent, and psql running it equals apply through the Data API', async () => {
    const db = await createTestDatabase('sqldata')
    try {
      // Two statements of 40,000 characters: more than one Data API call takes, so the packed form takes two blocks.
      const big = (id: number): string => `insert into accounts (id, email) values (${id}, '${'x'.repeat(40_000)}');\n`
      const root = cliProject({ ...MIGRATIONS, 'v4_big/01_big.sql': big(2) + big(3) }, 'aurora-migrate-sql-')
      const planned = await viaDataApi(['plan', '--sql', '--no-verify', '--shadow-database-url', admin()], root, db.url)
      expect(planned.stderr).not.toMatch(/error/i)
      expect(planned.code).toBe(EXIT.ok)
      const script = planned.stdout
      fs.writeFileSync(path.join(root, 'plan.sql'), script)
      expect(script.startsWith('-- aurora-migrate: the SQL apply would send to data-api')).toBe(true)
      expect(script).toMatch(/^DO \$aurora_migrate_packed\$/m)
      expect(script).not.toContain('arn:aws:secretsmanager')
      expect(script).toMatch(/\nBEGIN;\n-- Packed: one DO block of the transaction; its steps:\n(--[^\n]*\n)+DO \$aurora_migrate_packed\$/)
      expect(script.match(/^DO \$aurora_migrate_packed\$$/gm)).toHaveLength(5)

      const byScript = await copyOf(db.name, `${db.name}_psql`)
      const byApply = await copyOf(db.name, `${db.name}_apply`)
      try {
        const ran = await runPsqlFile(byScript.url, path.join(root, 'plan.sql'))
        expect(ran.stderr).toBe('')
        expect(ran.code).toBe(0)
        expect((await viaDataApi(['apply'], root, byApply.url)).code).toBe(EXIT.ok)
        expect(await snapshot(byScript.url)).toEqual(await snapshot(byApply.url))
        const after = await viaDataApi(['plan', '--json', '--no-verify'], root, byScript.url)
        expect(JSON.parse(after.stdout)).toMatchObject({ pending: [], drift: false, failures: [] })
      } finally {
        await byScript.drop()
        await byApply.drop()
      }
    } finally {
      await db.drop()
    }
  })
})

test('the action with sql-output writes the script into the workspace and plans as usual', async () => {
  const db = await createTestDatabase('sqlaction')
  try {
    const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
    fs.mkdirSync(path.join(root, 'out'))
    const inputs = { command: 'plan', 'database-url': db.url, verify: 'false', comment: 'false', 'shadow-database-url': admin() }
    const run = await runAction({ ...inputs, 'sql-output': 'out/plan.sql' }, { GITHUB_WORKSPACE: root }, { entry: SOURCE_ACTION })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs.pending).toBe('[1,2,3]')
    const script = fs.readFileSync(path.join(root, 'out', 'plan.sql'), 'utf8')
    expect(script).toContain('-- Applies v1, v2, v3.')
    // The run's identity is the action's: who and which run, in the lease owner and the meta rows.
    expect(script).toContain("E'https://github.com/octo-org/todo-app/actions/runs/4242 (octocat) #")
    expect(script).not.toContain('test-password')
    expect(run.stdout).toContain('Wrote the SQL script (v1, v2, v3) to out/plan.sql')
    expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])

    // A path out of the workspace is an input error, and nothing is written.
    const refused = await runAction({ ...inputs, 'sql-output': '../plan.sql' }, { GITHUB_WORKSPACE: root }, { entry: SOURCE_ACTION })
    expect(refused.code).not.toBe(0)
    expect(refused.stdout).toMatch(/sql-output.*is not a file inside the workspace/)
    expect(fs.existsSync(path.join(root, '..', 'plan.sql'))).toBe(false)
  } finally {
    await db.drop()
  }
})
