/**
 * Hostile or unlucky pull requests against the bundled action (dist/index.js), judged by what reaches the
 * log, the outputs and the job summary, and by what the database holds afterwards.
 */
import fs from 'node:fs'
import path from 'node:path'
import { runAction } from '../../testkit/action-runner.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'

/** A credential-looking value in the action's environment: /proc/self/environ of the action holds it. */
const SECRET = 'sk_live_dist_9c2e71a0'

let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('hostile')
})
afterEach(async () => {
  await db.drop()
})

async function tables(): Promise<string[]> {
  const rows = await sql<{ table_name: string }>(
    db.url,
    `select table_name from information_schema.tables where table_schema = 'public' order by 1`
  )
  return rows.map((row) => row.table_name)
}

/** Lines the runner reads as commands; `::add-mask::` lines register secrets and are never shown. */
function commands(stdout: string): string[] {
  return stdout.split('\n').filter((line) => line.trimStart().startsWith('::'))
}

/** Everything a run leaves where people (or a later step) can read it. */
function published(run: Awaited<ReturnType<typeof runAction>>): string {
  const log = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
  return [...log, run.stderr, run.summary, ...Object.values(run.outputs)].join('\n')
}

test('a migration file linked to /proc/self/environ fails the run before anything is read or applied', async () => {
  const workspace = writeMigrations({ 'migrations/v1/01_users.sql': 'create table users (id int);' })
  fs.mkdirSync(path.join(workspace, 'migrations/v2'))
  fs.symlinkSync('/proc/self/environ', path.join(workspace, 'migrations/v2/01_env.sql'))
  for (const command of ['plan', 'apply']) {
    const run = await runAction(
      { command, 'migrations-dir': 'migrations', 'database-url': db.url },
      { GITHUB_WORKSPACE: workspace, DEPLOY_TOKEN: SECRET }
    )
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('::error title=Migration files,file=migrations/v2/01_env.sql::migrations/v2/01_env.sql is a symbolic link')
    expect(published(run)).not.toContain(SECRET)
    expect(published(run)).not.toContain(new URL(db.url).password)
  }
  expect(await tables()).toEqual([])
})

test('a file name that carries workflow commands is refused, and no command of it runs', async () => {
  const workspace = writeMigrations({
    'migrations/v1/01_users.sql': 'create table users (id int);',
    'migrations/v2/01_a\n::set-output name=pending::[]\n::add-mask::users\n.sql': 'create table lists (id int);'
  })
  const run = await runAction({ command: 'apply', 'migrations-dir': 'migrations', 'database-url': db.url }, { GITHUB_WORKSPACE: workspace })
  expect(run.code).toBe(1)
  // Every line the runner reads as a command is one the action meant: the name stays inside one escaped error.
  const [mask, error, ...others] = commands(run.stdout)
  expect(mask).toBe(`::add-mask::${new URL(db.url).password}`)
  expect(others).toEqual([])
  expect(error).toMatch(
    /^::error title=Migration files,file=migrations\/v2_?.*::migrations\/v2\/01_a\\n::set-output name=pending::\[\]\\n::add-mask::users\\n\.sql: the name contains the control character \\n/
  )
  expect(run.outputs.pending).toBeUndefined()
  expect(await tables()).toEqual([])
})

test('a failed apply shows no row values: the duplicate key stays out of the log, the summary and the outputs', async () => {
  const workspace = writeMigrations({ 'migrations/v1/01_keys.sql': 'create table api_keys (id int, api_key text);' })
  expect(
    (await runAction({ command: 'apply', 'migrations-dir': 'migrations', 'database-url': db.url }, { GITHUB_WORKSPACE: workspace })).code
  ).toBe(0)
  // Production data, written by the application rather than by a migration.
  await sql(db.url, "insert into api_keys values (1, 'sk_live_row_value_1'), (2, 'sk_live_row_value_1')")
  writeMigrations({ 'migrations/v2/01_unique.sql': 'create unique index api_keys_api_key on api_keys (api_key);' }, workspace)
  const run = await runAction({ command: 'apply', 'migrations-dir': 'migrations', 'database-url': db.url }, { GITHUB_WORKSPACE: workspace })
  expect(run.code).toBe(1)
  expect(run.summary).toContain('could not create unique index "api_keys_api_key" (SQLSTATE 23505)')
  expect(run.summary).toContain("PostgreSQL's DETAIL is left out: it can contain row values.")
  expect(published(run)).not.toContain('sk_live_row_value_1')
  // v1 stays applied with its rows; v2 was rolled back and is not recorded.
  expect(await sql(db.url, 'select version from schema_migrations order by version')).toEqual([{ version: 1 }])
  expect(await sql(db.url, `select count(*)::int as n from pg_indexes where indexname = 'api_keys_api_key'`)).toEqual([{ n: 0 }])
  expect(await sql(db.url, 'select count(*)::int as n from api_keys')).toEqual([{ n: 2 }])
})

test('plan with 600 pending versions: outputs and summary stay bounded, the plan output is valid JSON', async () => {
  const files: Record<string, string> = {}
  for (let n = 1; n <= 600; n++)
    files[`migrations/v${n}_feature_${n}/01_create_${n}.sql`] = `create table t${n} (id int);\ncreate index on t${n} (id);\n`
  const workspace = writeMigrations(files)
  const run = await runAction(
    { command: 'plan', 'migrations-dir': './migrations/', 'database-url': db.url, verify: 'false' },
    { GITHUB_WORKSPACE: workspace }
  )
  expect(run.code).toBe(0)
  expect(run.summary.length).toBeLessThan(65_536)
  expect(run.summary).toContain('**600 versions pending**: v1–v600')
  const plan = JSON.parse(run.outputs.plan) as { pending: unknown[]; omitted?: { pending?: number } }
  expect(run.outputs.plan.length).toBeLessThanOrEqual(64 * 1024)
  expect(plan.pending.length + (plan.omitted?.pending ?? 0)).toBe(600)
  expect(await tables()).toEqual([])
})
