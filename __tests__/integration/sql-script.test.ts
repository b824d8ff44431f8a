/**
 * plan --sql: the script of what apply would send, run by the real psql on a copy of the database, gives the same
 * schema and the same history as apply on another copy, and leaves the database up to date for apply and plan; and
 * where no script can be made, or psql must stop, it says so and the database is left as it was.
 */
import fs from 'node:fs'
import path from 'node:path'
import { EXIT } from '../../src/cli/run.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { runPsqlFile } from '../../testkit/psql.js'
import { admin, expectScriptEqualsApply, MIGRATIONS, snapshot } from '../../testkit/sql-script.js'

const cli = (argv: string[], cwd: string, url: string): Promise<CliRun> =>
  runCliCaptured(argv, cwd, { PATH: process.env.PATH, NO_COLOR: '1', DATABASE_URL: url })

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

  await expectScriptEqualsApply(
    db.name,
    path.join(root, 'plan.sql'),
    (url) => cli(['apply', ...flags], root, url),
    async (url) => {
      // The history the script wrote is what apply and plan read: nothing is pending any more.
      const after = await cli(['plan', '--json', '--no-verify'], root, url)
      expect(JSON.parse(after.stdout)).toMatchObject({ pending: [], drift: false, failures: [] })
      const again = await cli(['apply'], root, url)
      expect(again.code).toBe(EXIT.ok)
      expect(again.stderr).toContain('Nothing to apply')
    }
  )
  return file
}

/**
 * The project of MIGRATIONS with `db` applied up to `version`, and the script `plan --sql` makes for it (with
 * `flags`), written to plan.sql in the project: what a person hands to psql.
 */
async function scriptAt(
  db: { url: string },
  version: number,
  flags: string[] = []
): Promise<{ root: string; file: string; stdout: string }> {
  const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
  expect((await cli(['apply', '--target-version', String(version)], root, db.url)).code).toBe(EXIT.ok)
  const planned = await cli(['plan', '--sql', '--no-verify', '--shadow-database-url', admin(), ...flags], root, db.url)
  expect(planned.code).toBe(EXIT.ok)
  const file = path.join(root, 'plan.sql')
  fs.writeFileSync(file, planned.stdout)
  return { root, file, stdout: planned.stdout }
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

test('on a database up to date: the script says so and sends nothing', async () => {
  const db = await createTestDatabase('sqlnone')
  try {
    const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
    expect((await cli(['apply'], root, db.url)).code).toBe(EXIT.ok)
    const planned = await cli(['plan', '--sql', '--no-verify', '--shadow-database-url', admin()], root, db.url)
    expect(planned.code).toBe(EXIT.ok)
    expect(planned.stdout).toContain('-- Nothing to apply: up to date at v3.\n')
    expect(planned.stdout.split('\n').filter((line) => line && !line.startsWith('-- '))).toEqual(['\\set ON_ERROR_STOP on'])
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
      /BEGIN;\n-- the fence: [^\n]*\nUPDATE "public"\."schema_migrations_lock" SET [^;]*;\n\\if :ROW_COUNT\n\\else\nDO \$guard\$[^\n]*\n\\endif\n-- the version is not recorded yet [^\n]*\nSELECT version FROM "public"\."schema_migrations" WHERE version = 1;\n\\if :ROW_COUNT\nDO \$guard\$[^\n]*\n\\endif\n/
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
    const { file } = await scriptAt(db, 1)
    const before = await snapshot(db.url)
    await sql(db.url, `UPDATE schema_migrations_lock SET owner = 'another run', token = token + 1, expires_at = now() + interval '1 hour'`)
    const ran = await runPsqlFile(db.url, file)
    expect(ran.code).not.toBe(0)
    expect(ran.stderr).toMatch(/no rows returned for \\gset/)
    const after = (await snapshot(db.url)) as { lock: unknown[] }
    expect(after.lock).toEqual([{ owner: 'another run', free: false }])
    expect({ ...after, lock: [] }).toEqual({ ...(before as object), lock: [] })
  } finally {
    await db.drop()
  }
})

test('when another run took the lease since the plan, psql stops after taking it, before any version, and says why', async () => {
  const db = await createTestDatabase('sqltaken')
  try {
    // Unpacked (a statement-timeout): the guards are psql's to check.
    const { file, stdout } = await scriptAt(db, 1, ['--statement-timeout', '30s'])
    expect(stdout).toContain('\\if :ROW_COUNT\n\\else\nDO $guard$ BEGIN RAISE EXCEPTION')
    // Another run took the lease and released it: free again, under a later token than the planned one.
    await sql(db.url, `UPDATE schema_migrations_lock SET token = token + 3`)
    const ran = await runPsqlFile(db.url, file)
    expect(ran.code).not.toBe(0)
    expect(ran.stderr).toContain("the migration lease's token is not the one this script was made for: another run took the lease")
    // It stopped before v2's index build: only v1 is applied, as before.
    expect(await sql(db.url, `select to_regclass('accounts_email') as index`)).toEqual([{ index: null }])
    expect(await sql(db.url, `select version from schema_migrations`)).toEqual([{ version: 1 }])
    expect(await sql(db.url, `select count(*)::int as n from schema_migrations_progress`)).toEqual([{ n: 0 }])
  } finally {
    await db.drop()
  }
})

test('a script run a second time stops at the lease, before any version, with why; the first run applied each version once', async () => {
  const db = await createTestDatabase('sqltwice')
  try {
    const { file } = await scriptAt(db, 1)
    const first = await runPsqlFile(db.url, file)
    expect([first.code, first.stderr]).toEqual([0, ''])
    const applied = await sql(db.url, `select version, checksum, applied_at::text from schema_migrations order by version`)
    expect(applied.map((row) => row.version)).toEqual([1, 2, 3])
    const second = await runPsqlFile(db.url, file)
    expect(second.code).not.toBe(0)
    expect(second.stderr).toContain('or this script ran already. Nothing was applied')
    expect(await sql(db.url, `select version, checksum, applied_at::text from schema_migrations order by version`)).toEqual(applied)
    expect(await sql(db.url, `select count(*)::int as n from schema_migrations_progress`)).toEqual([{ n: 0 }])
    // The lease the second run took is the script's own, and expires by itself.
    const [lease] = await sql(db.url, `select owner, expires_at > now() as held from schema_migrations_lock`)
    expect(lease).toMatchObject({ held: true })
    expect(String(lease.owner)).toContain('local run')
  } finally {
    await db.drop()
  }
})

test('after a guard of a BEGIN … COMMIT version fails, the version is rolled back and psql stops', async () => {
  const db = await createTestDatabase('sqlguard')
  try {
    const { file } = await scriptAt(db, 2, ['--statement-timeout', '30s'])
    // v3 recorded by someone else since the plan (its statements not run): the script's not-applied guard finds it.
    await sql(
      db.url,
      `INSERT INTO schema_migrations (version, description, checksum, files, execution_ms) VALUES (3, 'names', 'x', '[]', 0)`
    )
    const ran = await runPsqlFile(db.url, file)
    expect(ran.code).not.toBe(0)
    expect(ran.stderr).toContain('the version is recorded already: another run applied it since the plan')
    // Nothing of v3's transaction stays: no column, no view.
    expect(await sql(db.url, `select column_name from information_schema.columns where table_name = 'accounts' order by 1`)).toEqual([
      { column_name: 'email' },
      { column_name: 'id' }
    ])
    expect(await sql(db.url, `select to_regclass('account_names') as view`)).toEqual([{ view: null }])
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
    // The target is as it was: plan wrote nothing there.
    expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])
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
