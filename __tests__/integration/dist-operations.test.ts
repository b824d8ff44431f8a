/**
 * validate, baseline and repair through the bundled action, as a runner runs them: the switch-over from
 * the sequelize-cli setup step by step, validate failing on drift, and repair accepting it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runAction } from '../../testkit/action-runner.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'

const TODO = path.resolve('examples/todo/migrations/resources')
let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('distops')
})
afterEach(async () => {
  await db.drop()
})

function workspace(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-ops-'))
  fs.cpSync(TODO, path.join(root, 'migrations/resources'), { recursive: true })
  return root
}

test('adopting a database migrated by sequelize-cli: baseline-from sequelize, then apply runs only what is new', async () => {
  // What the tutorial's Lambda left behind: v1 applied by sequelize-cli, recorded in "SequelizeMeta".
  const root = workspace()
  for (const file of fs.readdirSync(path.join(root, 'migrations/resources/v1')).sort()) {
    await sql(db.url, fs.readFileSync(path.join(root, 'migrations/resources/v1', file), 'utf8'))
  }
  await sql(
    db.url,
    `CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY); INSERT INTO "SequelizeMeta" VALUES ('20210729101010-init-db.js')`
  )
  const env = { GITHUB_WORKSPACE: root }

  const baseline = await runAction({ command: 'baseline', 'baseline-from': 'sequelize', 'database-url': db.url }, env)
  expect(baseline.stderr).toBe('')
  expect(baseline.code).toBe(0)
  expect(baseline.summary).toContain('Recorded v1 as applied without running them.')

  const plan = await runAction({ command: 'plan', 'database-url': db.url, verify: 'false' }, env)
  expect(plan.outputs['current-version']).toBe('1')
  expect(plan.outputs.pending).toBe('[2]')

  const apply = await runAction({ command: 'apply', 'database-url': db.url }, env)
  expect(apply.code).toBe(0)
  expect(apply.outputs.applied).toBe('[2]')
  expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([1, 2])
  // A second baseline of an already-recorded version is refused, with nothing written.
  const again = await runAction({ command: 'baseline', 'baseline-version': '1', 'database-url': db.url }, env)
  expect(again.code).toBe(1)
  expect(again.stdout).toMatch(
    /::error::v1 is already recorded in public.schema_migrations: baseline only records versions that never ran here/
  )
})

test('validate fails on drift and changes nothing; repair accepts it and never runs SQL; validate then passes', async () => {
  const root = workspace()
  const env = { GITHUB_WORKSPACE: root }
  expect((await runAction({ command: 'apply', 'database-url': db.url }, env)).code).toBe(0)
  fs.appendFileSync(path.join(root, 'migrations/resources/v2_due_dates/02_overdue_view.sql'), '\nCREATE TABLE should_not_exist (id int);\n')

  const before = await sql(db.url, 'select version, checksum from schema_migrations order by 1')
  const validate = await runAction({ command: 'validate', 'database-url': db.url }, env)
  expect(validate.code).toBe(1)
  expect(validate.stdout).toMatch(
    /::error title=Migrations are not valid::validate found 1 problem: drift: v2 \(migrations\/resources\/v2_due_dates\/02_overdue_view.sql modified\)/
  )
  expect(validate.outputs.drift).toBe('true')
  expect(await sql(db.url, 'select version, checksum from schema_migrations order by 1')).toEqual(before)

  const repair = await runAction({ command: 'repair', 'database-url': db.url }, env)
  expect(repair.code).toBe(0)
  expect(repair.summary).toContain('Accepted the current checksums of v2')
  expect(await sql(db.url, `select 1 from pg_tables where tablename = 'should_not_exist'`)).toEqual([])
  const row = await sql<{ repaired_by: string }>(db.url, 'select repaired_by from schema_migrations where version = 2')
  expect(row[0].repaired_by).toBe('octocat')

  const valid = await runAction({ command: 'validate', 'database-url': db.url }, env)
  expect(valid.code).toBe(0)
  expect(valid.summary).toContain('✅ No drift, missing, out-of-order or partly applied versions; database at **v2**.')
})
