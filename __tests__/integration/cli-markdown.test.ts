/**
 * plan --markdown prints the comment the action posts on a pull request, on stdout (logs stay on stderr):
 * for a merge request note, or a look before pushing. It goes with plan only, and not with --json.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { EXIT } from '../../src/cli/run.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'

const cli = (argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
  runCliCaptured(argv, cwd, { PATH: process.env.PATH, NO_COLOR: '1', ...env })

test('plan --markdown writes the plan comment on stdout and changes nothing', async () => {
  const db = await createTestDatabase('markdown')
  try {
    const root = cliProject({ 'v1_t/01_t.sql': 'create table t (id int);\n' }, 'aurora-migrate-md-')
    const ran = await cli(['plan', '--markdown', '--no-verify', '--environment', 'staging'], root, { DATABASE_URL: db.url })
    expect(ran.code).toBe(EXIT.ok)
    const lines = ran.stdout.split('\n')
    expect(lines[0]).toBe('### aurora-migrate plan · staging')
    expect(lines[2]).toMatch(/^✅ \*\*Ready to apply\*\* \(not verified\) · 1 version pending/)
    expect(ran.stdout).toMatch(/\| v1 t \|/)
    expect(ran.stdout).not.toContain(db.url)
    expect(ran.stderr).toContain('pending')
    expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])
  } finally {
    await db.drop()
  }
})

test.each([
  [['plan', '--markdown', '--json'], /--markdown and --json both write stdout/],
  [['apply', '--markdown'], /--markdown goes with plan, not apply/]
])('%j is a usage error', async (argv, message) => {
  const ran = await cli(argv, fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-md-')))
  expect(ran.code).toBe(EXIT.usage)
  expect(ran.stderr).toMatch(message)
  expect(ran.stdout.startsWith('###')).toBe(false)
})
