/**
 * The plan comment's verdict is the step's: against a real PostgreSQL (verified on the suite's server as
 * shadow-database-url), the comment opens with ❌ exactly when plan fails, and with ✅ exactly when it passes —
 * for a clean version, drift, a finding under two fail-on levels, and SQL that does not parse. plan changes
 * nothing on the target either way.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { EXIT, runCli } from '../../src/cli/run.js'
import type { Reporter } from '../../src/commands/reporter.js'
import { runPlan } from '../../src/commands/plan.js'
import { readConfig } from '../../src/config.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { PG_BIN } from '../../testkit/action-runner.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'

const M = 'migrations/resources'
const V1 = { 'v1_users/01_users.sql': 'create table users (id int primary key, name text);\n' }

const quiet: Reporter = { info: () => {}, warning: () => {}, annotate: () => {}, findings: () => {} }

async function applyWithCli(root: string, url: string): Promise<void> {
  const code = await runCli(['apply', '--no-verify'], {
    stdout: { write: () => true },
    stderr: { write: () => true },
    env: { PATH: `${PG_BIN}:${process.env.PATH}`, NO_COLOR: '1', DATABASE_URL: url },
    cwd: root,
    version: '9.9.9'
  })
  expect(code).toBe(EXIT.ok)
}

async function plan(root: string, url: string, failOn: string): Promise<{ verdict: string; failures: string[] }> {
  const inputs: Record<string, string> = {
    command: 'plan',
    'database-url': url,
    'shadow-database-url': process.env[ADMIN_URL_ENV]!,
    'fail-on': failOn,
    environment: 'production'
  }
  const config = readConfig({ getInput: (name) => inputs[name] ?? '', env: { GITHUB_WORKSPACE: root }, setSecret: () => {} })
  const { versions } = await discoverMigrations(config.migrationsDir, config.workspace)
  const outcome = await runPlan(config, versions, { baseSha: null, pullRequestFilesUrl: null }, quiet)
  return { verdict: outcome.markdown.split('\n')[2], failures: outcome.failures.map((f) => f.message) }
}

interface Case {
  name: string
  failOn: string
  change: (root: string) => void
  verdict: RegExp
}

const CASES: Case[] = [
  {
    name: 'a new table: ready',
    failOn: 'error',
    change: (root) => writeMigrations({ 'v2_notes/01_notes.sql': 'create table notes (id int primary key);\n' }, path.join(root, M)),
    verdict: /^✅ \*\*Ready to apply\*\* · 1 version pending · no findings$/
  },
  {
    name: 'an applied file edited: apply would refuse',
    failOn: 'error',
    change: (root) => fs.appendFileSync(path.join(root, M, 'v1_users/01_users.sql'), 'create table sneaky (id int);\n'),
    verdict: /^❌ \*\*apply would refuse\*\*: v1 changed after it was applied · nothing pending/
  },
  {
    name: 'an index built without CONCURRENTLY under fail-on: warning: the review blocks it',
    failOn: 'warning',
    change: (root) => writeMigrations({ 'v2_index/01_index.sql': 'create index users_name on users (name);\n' }, path.join(root, M)),
    verdict: /^❌ \*\*The review blocks this plan\*\* \(fail-on: warning\) · 1 version pending · .*⚠️ 1 warning/u
  },
  {
    name: 'the same index under fail-on: error: ready, with the warning counted',
    failOn: 'error',
    change: (root) => writeMigrations({ 'v2_index/01_index.sql': 'create index users_name on users (name);\n' }, path.join(root, M)),
    verdict: /^✅ \*\*Ready to apply\*\* · 1 version pending · .*⚠️ 1 warning/u
  },
  {
    name: 'SQL that does not parse, even under fail-on: never: apply would fail',
    failOn: 'never',
    change: (root) => writeMigrations({ 'v2_tags/01_tags.sql': 'create tabel tags (id int);\n' }, path.join(root, M)),
    verdict: /^❌ \*\*apply would fail\*\*: v2 /
  }
]

test.each(CASES)('$name', async ({ failOn, change, verdict }) => {
  const db = await createTestDatabase('verdict')
  try {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-verdict-'))
    writeMigrations(V1, path.join(root, M))
    await applyWithCli(root, db.url)
    change(root)
    const tablesSql = "select tablename as name from pg_tables where schemaname = 'public' order by 1"
    const before = await sql(db.url, 'select version, checksum from schema_migrations order by version')
    const tablesBefore = await sql(db.url, tablesSql)

    const planned = await plan(root, db.url, failOn)
    expect(planned.verdict).toMatch(verdict)
    // Red exactly when the step fails.
    expect(planned.verdict.startsWith('❌')).toBe(planned.failures.length > 0)
    expect(planned.verdict.startsWith('✅')).toBe(planned.failures.length === 0)

    // plan changed nothing on the target.
    expect(await sql(db.url, 'select version, checksum from schema_migrations order by version')).toEqual(before)
    expect(await sql(db.url, tablesSql)).toEqual(tablesBefore)
    expect(tablesBefore).toContainEqual({ name: 'users' })
  } finally {
    await db.drop()
  }
})
