/**
 * The command line against the embedded PostgreSQL, in-process: `status` lists the history (when, by
 * whom, from which commit, how long) and what is pending without verifying or writing anything; `apply`
 * records git's user and HEAD (else the OS user) in applied_by and commit_sha; `--migrations-dir` may lie
 * outside the current folder.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { EXIT } from '../../src/cli/run.js'
import { statusReport, statusText, utcTime } from '../../src/commands/status.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { version, writeMigrations } from '../../testkit/versions.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'

/** A home of its own, so that the machine's git configuration plays no part. */
const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-home-'))
const ENV = { PATH: process.env.PATH, HOME, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' }

const cli = (argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCliCaptured(argv, cwd, { ...ENV, ...env })

const project = (files: Record<string, string>): string => cliProject(files, 'aurora-migrate-status-')

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim()
}

/** Makes `dir` a git repository with one commit by Ada; returns its HEAD. */
function commitAll(dir: string): string {
  git(dir, 'init', '-q')
  git(dir, 'config', 'user.name', 'Ada Lovelace')
  git(dir, 'config', 'user.email', 'ada@example.com')
  git(dir, 'add', '.')
  git(dir, 'commit', '-q', '-m', 'migrations')
  return git(dir, 'rev-parse', 'HEAD')
}

const TWO = { 'v1_init/01.sql': 'create table a (id int);\n', 'v2_notes/01.sql': 'create table b (id int);\n' }

let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('cli_status')
})
afterEach(async () => {
  await db.drop()
})

const metaRows = (): Promise<Array<{ version: number; applied_by: string | null; commit_sha: string | null; execution_ms: number }>> =>
  sql(db.url, 'select version, applied_by, commit_sha, execution_ms from schema_migrations order by version')
const tableExists = async (name: string): Promise<boolean> =>
  (await sql<{ t: string | null }>(db.url, 'select to_regclass($1)::text as t', [name]))[0].t !== null

test('status on a database where nothing was applied: everything pending, and nothing is created', async () => {
  const dir = project(TWO)
  const ran = await cli(['status', '--database-url', db.url], dir)
  expect(ran.code).toBe(EXIT.ok)
  expect(ran.stderr).toMatch(/schema_migrations does not exist: nothing was applied here yet; 2 versions pending/)
  expect(ran.stderr).toMatch(/^v1\s+init\s+pending$/m)
  expect(ran.stderr).toMatch(/^v2\s+notes\s+pending$/m)
  // No verification, no review: those are plan's.
  expect(ran.stderr).not.toMatch(/verif|throwaway|Review/i)
  expect(await tableExists('schema_migrations')).toBe(false)
  expect(await tableExists('schema_migrations_lock')).toBe(false)
  expect((await cli(['status', '--exit-code', '--database-url', db.url], dir)).code).toBe(EXIT.pending)
})

test('apply records git user and HEAD; status lists them with the time, the duration and what is pending', async () => {
  const dir = project(TWO)
  const head = commitAll(dir)
  const applied = await cli(['apply', '--database-url', db.url], dir)
  expect(applied.code).toBe(EXIT.ok)
  const rows = await metaRows()
  expect(rows.map((r) => [r.version, r.applied_by, r.commit_sha])).toEqual([
    [1, 'Ada Lovelace <ada@example.com>', head],
    [2, 'Ada Lovelace <ada@example.com>', head]
  ])

  // A new version on disk, and v1 edited since it was applied: listed, not refused (plan refuses).
  writeMigrations({ 'v3_orders/01.sql': 'create table c (id int);\n' }, path.join(dir, 'migrations', 'resources'))
  fs.appendFileSync(path.join(dir, 'migrations/resources/v1_init/01.sql'), '-- edited\n')
  const ran = await cli(['status', '--json', '--database-url', db.url], dir)
  expect(ran.code).toBe(EXIT.ok)
  const document = JSON.parse(ran.stdout)
  expect(document).toMatchObject({ command: 'status', exists: true, currentVersion: 2, pending: [3], exitCode: 0 })
  expect(document.table).toBe('public.schema_migrations')
  expect(document.versions.map((v: { version: number; state: string }) => [v.version, v.state])).toEqual([
    [1, 'changed'],
    [2, 'applied'],
    [3, 'pending']
  ])
  expect(document.versions[1]).toMatchObject({ description: 'notes', appliedBy: 'Ada Lovelace <ada@example.com>', commitSha: head })
  expect(document.versions[1].appliedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/)
  expect(document.versions[1].executionMs).toBe(rows[1].execution_ms)
  expect(document.versions[2]).toMatchObject({ appliedAt: null, appliedBy: null, commitSha: null, executionMs: null })

  const text = (await cli(['status', '--database-url', db.url], dir)).stderr
  expect(text).toContain('public.schema_migrations: database at v2, 1 version pending')
  expect(text).toMatch(/^Version\s+Description\s+Applied at \(UTC\)\s+By\s+Commit\s+Took\s+State$/m)
  expect(text).toMatch(
    new RegExp(
      `^v2\\s+notes\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+Ada Lovelace <ada@example.com>\\s+${head.slice(0, 10)}\\s+\\d+ ms\\s+applied$`,
      'm'
    )
  )
  expect(text).toMatch(/^v1\s.*applied, files changed since \(drift/m)
  expect(text).toMatch(/^v3\s+orders\s+pending$/m)
  // status changed nothing: still two rows, the lease free.
  expect((await metaRows()).map((r) => r.version)).toEqual([1, 2])
  expect(document.lease).toBeNull()
  expect(text).not.toContain('holds the migration lease')

  // A run at work holds the lease: status says who, without waiting for it.
  await sql(db.url, `update schema_migrations_lock set owner = 'deploy #7 (octocat)', expires_at = now() + interval '50 seconds'`)
  const busy = await cli(['status', '--json', '--database-url', db.url], dir)
  expect(JSON.parse(busy.stdout).lease).toEqual({ owner: 'deploy #7 (octocat)', expiresInSeconds: expect.any(Number) })
  expect(JSON.parse(busy.stdout).lease.expiresInSeconds).toBeGreaterThan(40)
  expect(busy.stderr).toMatch(/^A run holds the migration lease: deploy #7 \(octocat\) \(expires in \d+ s unless renewed\)\.$/m)
})

test('outside a git repository: the OS user, and no commit', async () => {
  const dir = project({ 'v1/01.sql': 'create table a (id int);\n' })
  const ran = await cli(['apply', '--database-url', db.url], dir)
  expect(ran.code).toBe(EXIT.ok)
  expect(await metaRows()).toEqual([{ version: 1, applied_by: os.userInfo().username, commit_sha: null, execution_ms: expect.any(Number) }])
})

test("on a CI runner GITHUB_ACTOR and GITHUB_SHA win over git's", async () => {
  const dir = project({ 'v1/01.sql': 'create table a (id int);\n' })
  commitAll(dir)
  const sha = 'f'.repeat(40)
  const ran = await cli(['apply', '--database-url', db.url], dir, { GITHUB_ACTOR: 'octocat', GITHUB_SHA: sha })
  expect(ran.code).toBe(EXIT.ok)
  expect((await metaRows()).map((r) => [r.applied_by, r.commit_sha])).toEqual([['octocat', sha]])
})

test('--migrations-dir outside the current folder works on the command line, read from its git repository', async () => {
  const repo = project(TWO)
  commitAll(repo)
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-elsewhere-'))
  const relative = path.relative(elsewhere, path.join(repo, 'migrations', 'resources'))
  expect(relative.startsWith('..')).toBe(true)
  const applied = await cli(['apply', '--migrations-dir', relative, '--database-url', db.url], elsewhere)
  expect(applied.code).toBe(EXIT.ok)
  expect((await metaRows()).map((r) => r.version)).toEqual([1, 2])
  // A mistake in a file names it from the repository's root.
  writeMigrations(
    { 'v3/01.sql': 'create table c (id int);\ncreate index concurrently c_id on c (id);\n' },
    path.join(repo, 'migrations', 'resources')
  )
  const refused = await cli(['apply', '--migrations-dir', relative, '--database-url', db.url], elsewhere)
  expect(refused.code).toBe(EXIT.failed)
  expect(refused.stderr).toMatch(/migrations\/resources\/v3\/01.sql:2:1/)
  expect(await tableExists('c')).toBe(false)
})

describe('statusReport (pure)', () => {
  const row = (n: number, checksum: string) => ({
    version: n,
    description: '',
    checksum,
    files: [{ name: '01.sql', checksum, statements: 1 }],
    appliedAt: '2026-01-02 03:04:05.678+00',
    executionMs: 1234,
    appliedBy: null,
    commitSha: null,
    runUrl: null
  })

  test('missing, partly applied, out-of-order and after-target versions each say so', () => {
    const v2 = version(2, { '01.sql': 'select 2;' })
    const v3 = version(3, { '01.sql': 'select 3;' })
    const v4 = version(4, { '01.sql': 'select 4;' })
    const v5 = version(5, { '01.sql': 'select 5;' })
    const report = statusReport(
      [version(1, { '01.sql': 'select 1;' }), v2, v3, v4, v5],
      {
        table: 'public.schema_migrations',
        exists: true,
        rows: [row(1, version(1, { '01.sql': 'select 1;' }).checksum), row(3, v3.checksum), row(9, 'x')],
        partial: [{ version: 4, steps: 2 }]
      },
      { targetVersion: 4, allowOutOfOrder: false }
    )
    expect(report.versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'applied'],
      [2, 'out-of-order'],
      [3, 'applied'],
      [4, 'partial'],
      [5, 'later'],
      [9, 'missing']
    ])
    expect(report.versions[0]).toMatchObject({ appliedAt: '2026-01-02 03:04:05', executionMs: 1234 })
    const text = statusText(report).join('\n')
    expect(text).toMatch(/^v4\s.*partly applied: 2 statements ran/m)
    expect(text).toMatch(/^v9\s.*folder missing/m)
    expect(text).toMatch(/^v1\s+2026-01-02 03:04:05\s+-\s+-\s+1.2 s\s+applied$/m)
  })

  test.each([
    ['2026-01-02 03:04:05.678+00', '2026-01-02 03:04:05'],
    ['2026-01-02 05:04:05+02', '2026-01-02 03:04:05'],
    ['2026-01-02 03:04:05.1', '2026-01-02 03:04:05'],
    ['Fri Jan 02 2026 03:04:05 GMT+0000 (Coordinated Universal Time)', '2026-01-02 03:04:05'],
    ['not a time', 'not a time']
  ])('utcTime(%j)', (value, shown) => {
    expect(utcTime(value)).toBe(shown)
  })
})

test('baseline and repair print plain lines on the terminal (no backticks, dashes or marks); --json keeps the Markdown summary', async () => {
  const dir = project(TWO)
  const baseline = await cli(['baseline', '--baseline-version', '1', '--database-url', db.url], dir)
  expect(baseline.code).toBe(EXIT.ok)
  expect(baseline.stderr).toMatch(/^Recorded v1 as applied without running them\.$/m)
  expect(await metaRows()).toEqual([expect.objectContaining({ version: 1, applied_by: os.userInfo().username })])
  expect(await tableExists('a')).toBe(false)

  const [before] = await sql<{ checksum: string }>(db.url, 'select checksum from schema_migrations')
  fs.appendFileSync(path.join(dir, 'migrations/resources/v1_init/01.sql'), '-- reviewed\n')
  const repaired = await cli(['repair', '--database-url', db.url], dir)
  expect(repaired.code).toBe(EXIT.ok)
  expect(repaired.stderr).toMatch(
    /^Accepted v1 as it is on disk \(migrations\/resources\/v1_init\/01.sql modified\); its SQL was not run$/m
  )
  expect(repaired.stderr).toMatch(/^Accepted the current checksums of v1\.$/m)
  expect(repaired.stderr).not.toMatch(/`|^- |✅|\*\*\w/m)
  const [row] = await sql<{ checksum: string; repaired_by: string }>(db.url, 'select checksum, repaired_by from schema_migrations')
  expect(row.repaired_by).toBe(os.userInfo().username)
  expect(row.checksum).not.toBe(before.checksum)

  const nothing = await cli(['repair', '--json', '--database-url', db.url], dir)
  expect(nothing.stderr).toMatch(/^Nothing to repair: no drift and no stale lease\.$/m)
  expect(JSON.parse(nothing.stdout).summary).toContain('✅ Nothing to repair')
  // The checksum stays the one repair accepted.
  expect((await sql<{ checksum: string }>(db.url, 'select checksum from schema_migrations'))[0].checksum).toBe(row.checksum)
})

describe('over the RDS Data API (the emulator)', () => {
  useDummyAwsEnvironment()
  let emulator: DataApiEmulator
  beforeEach(async () => {
    emulator = await startDataApiEmulator({ postgresUrl: db.url })
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
  })
  afterEach(async () => {
    delete process.env.AWS_ENDPOINT_URL_RDS_DATA
    await emulator.stop()
  })

  test('apply records who and which commit, and status reads them back with the same times as the database holds', async () => {
    const dir = project(TWO)
    const head = commitAll(dir)
    const target = ['--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn]
    expect((await cli(['apply', ...target], dir)).code).toBe(EXIT.ok)
    expect((await metaRows()).map((r) => [r.version, r.applied_by, r.commit_sha])).toEqual([
      [1, 'Ada Lovelace <ada@example.com>', head],
      [2, 'Ada Lovelace <ada@example.com>', head]
    ])
    const ran = await cli(['status', '--json', ...target], dir)
    expect(ran.code).toBe(EXIT.ok)
    const document = JSON.parse(ran.stdout)
    const held = await sql<{ version: number; at: string }>(
      db.url,
      `select version, to_char(applied_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as at from schema_migrations order by 1`
    )
    expect(document.versions.map((v: { version: number; appliedAt: string }) => ({ version: v.version, at: v.appliedAt }))).toEqual(held)
    expect(document.pending).toEqual([])
  })
})
