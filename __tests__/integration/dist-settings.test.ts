/**
 * The bundled action (dist/index.js) with a settings file, run as a runner runs it: only the inputs a workflow
 * gives are set as INPUT_* variables (action.yml declares no default for an input the file can set), so the file's
 * meta table is the one created, and an input given — even with the default's own value — wins over it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runAction } from '../../testkit/action-runner.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'

let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('dist_settings')
})
afterEach(async () => {
  await db.drop()
})

const tables = async (): Promise<string[]> =>
  (
    await sql<{ name: string }>(
      db.url,
      "select table_name as name from information_schema.tables where table_schema = 'public' order by table_name"
    )
  ).map((row) => row.name)

function workspace(settings: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-dist-settings-'))
  writeMigrations(
    { 'v1_init/01.sql': 'create table if not exists t (id int);\n', 'v2_more/01.sql': 'alter table t add column if not exists x int;\n' },
    path.join(dir, 'db', 'migrations')
  )
  fs.writeFileSync(path.join(dir, 'aurora-migrate.yml'), settings)
  return dir
}

test("the workspace's aurora-migrate.yml gives the meta table; the environment's section and an input win over it", async () => {
  const dir = workspace(
    'migrations-dir: db/migrations\nmeta-table: from_file\nenvironments:\n  production:\n    meta-table: from_section\n'
  )
  const fromFile = await runAction({ command: 'apply', 'database-url': db.url }, { GITHUB_WORKSPACE: dir })
  expect([fromFile.code, fromFile.stdout]).toEqual([0, expect.stringContaining('Settings: aurora-migrate.yml')])
  expect(fromFile.outputs.applied).toBe('[1,2]')
  const fromSection = await runAction({ command: 'apply', 'database-url': db.url, environment: 'production' }, { GITHUB_WORKSPACE: dir })
  expect(fromSection.code).toBe(0)
  // An input given with the default's own value still wins over the file.
  const fromInput = await runAction(
    { command: 'apply', 'database-url': db.url, 'meta-table': 'schema_migrations' },
    { GITHUB_WORKSPACE: dir }
  )
  expect(fromInput.code).toBe(0)
  expect((await tables()).filter((name) => !/_(lock|progress)$/.test(name))).toEqual([
    'from_file',
    'from_section',
    'schema_migrations',
    't'
  ])
})

test('an error in the file fails the step at its line, before the database is touched', async () => {
  const dir = workspace('migrations-dir: db/migrations\nlock-timeout: soon\n')
  const ran = await runAction({ command: 'apply', 'database-url': db.url }, { GITHUB_WORKSPACE: dir })
  expect(ran.code).toBe(1)
  expect(ran.stdout).toMatch(/::error[^:]*::Input 'config': aurora-migrate\.yml:2: lock-timeout: 'soon' is not a duration/)
  expect(await tables()).toEqual([])
})
