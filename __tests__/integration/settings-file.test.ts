/**
 * The settings file end to end, against the embedded PostgreSQL: the meta table the file names is the one created,
 * the selected environment's section over the file, the flag or input over both; `.env` under the environment; the
 * file's rules changing the review's verdict. Through the command line in-process (testkit/cli.ts) and the action's
 * own `run()` reading INPUT_* variables as a runner sets them (only the inputs a workflow gives: action.yml declares
 * no default for an input the file can set).
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { EXIT } from '../../src/cli/run.js'
import { runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { runInProcess } from '../../testkit/in-process-action.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'

const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-home-'))
const ENV = { PATH: process.env.PATH, HOME, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' }
const cli = (argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCliCaptured(argv, cwd, { ...ENV, ...env })

// Idempotent, so that the same versions apply again under each meta table a test names.
const TWO = {
  'v1_init/01.sql': 'create table if not exists t (id int, x int);\n',
  'v2_index/01.sql': 'create index if not exists t_x on t (x);\n'
}

let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('settings')
})
afterEach(async () => {
  await db.drop()
})

const tablesIn = async (url: string): Promise<string[]> =>
  (
    await sql<{ name: string }>(
      url,
      "select table_name as name from information_schema.tables where table_schema = 'public' order by table_name"
    )
  ).map((row) => row.name)
const appliedIn = async (url: string, table: string): Promise<number[]> =>
  (await sql<{ version: number }>(url, `select version from "${table}" order by version`)).map((row) => row.version)

/** A git repository with the settings file at its root, the migrations under db/migrations and a service/ folder. */
function repository(settings: string, files: Record<string, string> = TWO): { root: string; service: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-settings-'))
  execFileSync('git', ['init', '-q'], { cwd: root, env: { ...ENV } })
  writeMigrations(files, path.join(root, 'db', 'migrations'))
  fs.writeFileSync(path.join(root, 'aurora-migrate.yml'), settings)
  const service = path.join(root, 'service')
  fs.mkdirSync(service)
  return { root, service }
}

describe('the command line', () => {
  const SETTINGS = `
migrations-dir: db/migrations
meta-table: from_file
environments:
  ci:
    meta-table: from_section
`

  test('meta-table from the file, then the environment section, then the flag: each creates its own table; .env gives DATABASE_URL', async () => {
    const { root, service } = repository(SETTINGS)
    // .env beside the settings file (the current folder has none); its password is never printed.
    fs.writeFileSync(path.join(root, '.env'), `# local\nDATABASE_URL='${db.url}'\n`)
    const password = new URL(db.url).password
    expect(password.length).toBeGreaterThan(3)

    const fromFile = await cli(['apply'], service)
    expect([fromFile.code, fromFile.stderr]).toEqual([EXIT.ok, expect.stringContaining('Settings: ../aurora-migrate.yml')])
    expect(await tablesIn(db.url)).toEqual(['from_file', 'from_file_lock', 'from_file_progress', 't'])
    expect(await appliedIn(db.url, 'from_file')).toEqual([1, 2])

    const fromSection = await cli(['apply', '--environment', 'ci'], service)
    expect(fromSection.code).toBe(EXIT.ok)
    expect(fromSection.stderr).toContain('Settings: ../aurora-migrate.yml (environment ci)')
    expect(await appliedIn(db.url, 'from_section')).toEqual([1, 2])

    const fromFlag = await cli(['apply', '--environment', 'ci', '--meta-table', 'from_flag'], service)
    expect(fromFlag.code).toBe(EXIT.ok)
    expect(await appliedIn(db.url, 'from_flag')).toEqual([1, 2])
    expect(await tablesIn(db.url)).toEqual([
      'from_file',
      'from_file_lock',
      'from_file_progress',
      'from_flag',
      'from_flag_lock',
      'from_flag_progress',
      'from_section',
      'from_section_lock',
      'from_section_progress',
      't'
    ])
    for (const ran of [fromFile, fromSection, fromFlag]) expect(ran.stdout + ran.stderr).not.toContain(password)
  })

  test('the environment wins over .env, and the file over the default location of migrations', async () => {
    const other = await createTestDatabase('settings_env')
    try {
      const { root } = repository('migrations-dir: db/migrations\n')
      fs.writeFileSync(path.join(root, '.env'), `DATABASE_URL=${db.url}\n`)
      const ran = await cli(['apply'], root, { DATABASE_URL: other.url })
      expect(ran.code).toBe(EXIT.ok)
      expect(await tablesIn(other.url)).toEqual(['schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress', 't'])
      expect(await tablesIn(db.url)).toEqual([])
    } finally {
      await other.drop()
    }
  })

  test("a fleet from the file: its targets file is found from the file's folder, run from a subfolder", async () => {
    const second = await createTestDatabase('settings_fleet')
    try {
      const { root, service } = repository('migrations-dir: db/migrations\ntargets: fleet.yml\non-error: continue\n')
      fs.writeFileSync(
        path.join(root, 'fleet.yml'),
        'targets:\n  - name: one\n    database-url-env: ONE_URL\n  - name: two\n    database-url-env: TWO_URL\n'
      )
      const ran = await cli(['apply', '--json'], service, { ONE_URL: db.url, TWO_URL: second.url })
      expect([ran.code, ran.stderr]).toEqual([EXIT.ok, expect.any(String)])
      expect(await appliedIn(db.url, 'schema_migrations')).toEqual([1, 2])
      expect(await appliedIn(second.url, 'schema_migrations')).toEqual([1, 2])
    } finally {
      await second.drop()
    }
  })

  test('an invalid value in the file is refused at its line, before the database is touched', async () => {
    const { root } = repository('migrations-dir: db/migrations\n\nlock-timeout: soon\n')
    const ran = await cli(['apply', '--database-url', db.url], root)
    expect(ran.code).toBe(EXIT.usage)
    expect(ran.stderr).toContain("error: --config: aurora-migrate.yml:3: --lock-timeout: 'soon' is not a duration")
    expect(await tablesIn(db.url)).toEqual([])
  })

  test("the file's rules change the review's severities and its verdict; a flag's rule wins over the file's", async () => {
    const review = async (settings: string, ...flags: string[]) => {
      const { root } = repository(`migrations-dir: db/migrations\n${settings}`)
      const ran = await cli(['review', '--json', ...flags], root)
      const findings = (JSON.parse(ran.stdout) as { findings: Array<{ rule: string; severity: string }> }).findings
      return { code: ran.code, index: findings.find((f) => f.rule === 'index-not-concurrent')?.severity ?? null }
    }
    expect(await review('')).toEqual({ code: EXIT.ok, index: 'warning' })
    expect(await review('rules:\n  index-not-concurrent: error\n')).toEqual({ code: EXIT.failed, index: 'error' })
    expect(await review('rules:\n  index-not-concurrent: error\n', '--rules', 'index-not-concurrent=off')).toEqual({
      code: EXIT.ok,
      index: null
    })
    expect(await review('fail-on: warning\n')).toEqual({ code: EXIT.failed, index: 'warning' })
    expect(await review('fail-on: warning\n', '--fail-on', 'error')).toEqual({ code: EXIT.ok, index: 'warning' })
  })
})

describe("the action's run()", () => {
  /** src/main.ts's run() with these inputs as INPUT_* variables in `workspace`, as a runner would. */
  const runAction = (workspace: string, inputs: Record<string, string>) => runInProcess(inputs, { GITHUB_WORKSPACE: workspace })

  const SETTINGS = `
migrations-dir: db/migrations
meta-table: action_file
verify: false
environments:
  production:
    meta-table: action_section
`

  test('meta-table from the file, the environment section and the input, through INPUT_* variables', async () => {
    const { root } = repository(SETTINGS)
    const fromFile = await runAction(root, { command: 'apply', 'database-url': db.url })
    expect(fromFile.exitCode).toBe(0)
    expect(fromFile.stdout).toContain('Settings: aurora-migrate.yml')
    expect(await appliedIn(db.url, 'action_file')).toEqual([1, 2])

    const fromSection = await runAction(root, { command: 'apply', 'database-url': db.url, environment: 'production' })
    expect([fromSection.exitCode, fromSection.stdout]).toEqual([
      0,
      expect.stringContaining('Settings: aurora-migrate.yml (environment production)')
    ])
    expect(await appliedIn(db.url, 'action_section')).toEqual([1, 2])

    const fromInput = await runAction(root, {
      command: 'apply',
      'database-url': db.url,
      environment: 'production',
      'meta-table': 'action_input'
    })
    expect(fromInput.exitCode).toBe(0)
    expect(fromInput.summary).toMatch(/applied v1, v2/)
    expect(await appliedIn(db.url, 'action_input')).toEqual([1, 2])
    expect(await tablesIn(db.url)).toEqual([
      'action_file',
      'action_file_lock',
      'action_file_progress',
      'action_input',
      'action_input_lock',
      'action_input_progress',
      'action_section',
      'action_section_lock',
      'action_section_progress',
      't'
    ])
  })

  test('an input given with the default value wins over the file; an error in the file fails the step at its line, touching nothing', async () => {
    const { root } = repository('migrations-dir: db/migrations\nmeta-table: not_this\nverify: false\n')
    const ran = await runAction(root, { command: 'apply', 'database-url': db.url, 'meta-table': 'schema_migrations' })
    expect(ran.exitCode).toBe(0)
    expect(await appliedIn(db.url, 'schema_migrations')).toEqual([1, 2])
    expect(await tablesIn(db.url)).not.toContain('not_this')

    const broken = repository('migrations-dir: db/migrations\nfail-on: sometimes\n')
    const failed = await runAction(broken.root, { command: 'apply', 'database-url': db.url, 'meta-table': 'other_table' })
    expect(failed.exitCode).toBe(1)
    expect(failed.stdout).toMatch(/::error[^:]*::Input 'config': aurora-migrate\.yml:2: fail-on: 'sometimes' is not one of/)
    expect(await tablesIn(db.url)).not.toContain('other_table')
  })
})
