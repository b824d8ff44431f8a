/**
 * The review, run as a runner runs the bundled action (dist/index.js): a pull request with a risky migration
 * against a populated database gets findings in the comment, as annotations and in the `findings` output;
 * fail-on decides the step; a waiver comment and ignore-rules take a finding out; a fork pull request gets the
 * repository-only review; apply logs what it sees and does not fail on it. The target is never changed by plan.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PG_BIN, runAction, type ActionRun } from '../../testkit/action-runner.js'
import { startFakeGitHub, type FakeGitHub } from '../../testkit/github-api.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'

const REPO = { owner: 'octo-org', repo: 'todo-app' }
const TOKEN = 'ghs_0123456789secretTokenValue'
const TODO = path.resolve('examples/todo/migrations/resources')
const TIER_FILE = 'migrations/resources/v3_tier/01_tier.sql'
const INDEX_FILE = 'migrations/resources/v3_tier/02_index.sql'
/** The statement follows two comment lines: its findings belong on line 3. */
const TIER_SQL = '-- Every user gets a tier.\n-- The billing job reads it.\nALTER TABLE users ADD COLUMN tier text NOT NULL;\n'
const INDEX_SQL = 'CREATE INDEX users_name ON users (name);\n'

let fake: FakeGitHub
let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeAll(async () => {
  fake = await startFakeGitHub()
})
afterAll(async () => {
  await fake.stop()
})
beforeEach(async () => {
  db = await createTestDatabase('distreview')
  // The database as production has it: v1 and v2 applied, and a users table with rows the planner knows of.
  const applied = await runAction({ command: 'apply', 'migrations-dir': TODO, 'database-url': db.url, comment: 'false' })
  if (applied.code !== 0) throw new Error(`applying v1 and v2 failed: ${applied.stdout}${applied.stderr}`)
  await sql(db.url, `insert into users (name, user_ref) select 'user ' || g, 'ref-' || g from generate_series(1, 5000) g`)
  await sql(db.url, 'analyze users')
})
afterEach(async () => {
  await db.drop()
})

/** A workspace with the ToDo migrations as a git repository: base commit, then the pull request's files. */
function workspace(extra: Record<string, string>): { root: string; base: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-ws-'))
  fs.cpSync(TODO, path.join(root, 'migrations/resources'), { recursive: true })
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' }
    }).trim()
  git('init', '-q', '-b', 'main')
  git('add', '.')
  git('commit', '-qm', 'base')
  const base = git('rev-parse', 'HEAD')
  writeMigrations(extra, root)
  git('add', '.')
  git('commit', '-qm', 'pull request')
  return { root, base }
}

function pullRequestEvent(pull: number, ws: { root: string; base: string }): Record<string, string> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-event-')), 'event.json')
  fs.writeFileSync(file, JSON.stringify({ pull_request: { number: pull, base: { sha: ws.base } } }))
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: file,
    GITHUB_API_URL: fake.url,
    GITHUB_WORKSPACE: ws.root,
    PATH: `${PG_BIN}:${process.env.PATH}`
  }
}

interface OutputFinding {
  rule: string
  severity: string
  file: string
  line: number
  column: number
  message: string
  relation: string | null
  lock: string | null
}

function findings(run: ActionRun): OutputFinding[] {
  return JSON.parse(run.outputs.findings) as OutputFinding[]
}

function planComment(pull: number): string {
  return fake.commentsOn(REPO, pull).find((c) => c.body.includes('<!-- aurora-migrate:plan:'))!.body
}

/** plan changes nothing on the target: v1 and v2 recorded, no tier column, no new index, every row still there. */
async function expectTargetUnchanged(): Promise<void> {
  expect(await sql(db.url, 'select version from schema_migrations order by version')).toEqual([{ version: 1 }, { version: 2 }])
  expect(await sql(db.url, `select 1 from information_schema.columns where table_name = 'users' and column_name = 'tier'`)).toEqual([])
  expect(await sql(db.url, `select 1 from pg_indexes where indexname = 'users_name'`)).toEqual([])
  expect(await sql(db.url, 'select count(*)::int as n from users')).toEqual([{ n: 5000 }])
}

test('a risky migration on a table with rows: findings in the output, as annotations and in the comment; fail-on error fails the step', async () => {
  const pull = 201
  fake.addPullRequest(REPO, { number: pull })
  const ws = workspace({ [TIER_FILE]: TIER_SQL, [INDEX_FILE]: INDEX_SQL })
  const inputs = { command: 'plan', 'database-url': db.url, 'github-token': TOKEN, environment: 'production' }

  const run = await runAction(inputs, pullRequestEvent(pull, ws))
  expect(run.code).toBe(1)
  const found = findings(run)
  for (const entry of found)
    expect(Object.keys(entry)).toEqual(['rule', 'severity', 'file', 'line', 'column', 'message', 'relation', 'lock'])
  // The table has rows on the target: the NOT NULL column without a default will fail there.
  const notNull = found.find((f) => f.rule === 'add-column-not-null-without-default')!
  expect(notNull).toMatchObject({ severity: 'error', file: TIER_FILE, line: 3, column: 1, relation: 'public.users' })
  const index = found.find((f) => f.rule === 'index-not-concurrent')!
  expect(index).toMatchObject({ severity: 'warning', file: INDEX_FILE, line: 1, column: 1, relation: 'public.users' })
  expect(found.findIndex((f) => f.severity === 'error')).toBe(0)

  expect(run.stdout).toContain(`::error title=add-column-not-null-without-default,file=${TIER_FILE},line=3,col=1::`)
  expect(run.stdout).toContain(`::warning title=index-not-concurrent,file=${INDEX_FILE},line=1,col=1::`)
  expect(run.stdout).toMatch(/::error title=Review::The review found \d+ findings? at or above fail-on: error \(1 error\)/)

  const body = planComment(pull)
  expect(body).toMatch(
    /^<!-- aurora-migrate:plan:production -->\n### aurora-migrate plan · production\n\n❌ \*\*The review blocks this plan\*\* \(fail-on: error\) · \d+ versions? pending · ❌ 1 error · ⚠️ \d+ warnings?/
  )
  const anchor = `diff-${createHash('sha256').update(TIER_FILE).digest('hex')}R3`
  expect(body).toContain(
    `- ❌ \`add-column-not-null-without-default\` at [\`${TIER_FILE}:3\`](https://github.com/octo-org/todo-app/pull/${pull}/files#${anchor})`
  )
  expect(body).toContain(
    "with the target's catalog (rows and size of each table touched) and the trace of each statement on the throwaway database"
  )
  expect(body).toMatch(/\| v3 tier \| .* \| ✅ · ❌ 1 error · ⚠️ \d+ warnings? \|/)
  expect(body).toMatch(/✅ \*\*Verified\*\*: all 3 versions applied from scratch on an empty PostgreSQL \d+ \(local PostgreSQL [\d.]+\)\./)
  expect(body).toContain('**Schema change**')
  expect(body).toContain('`public.users.tier`')
  // The job summary carries the same review.
  expect(run.summary).toContain(`\`add-column-not-null-without-default\` at [\`${TIER_FILE}:3\`]`)
  const printed = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
  expect(printed.join('\n') + run.stderr + body + JSON.stringify(run.outputs)).not.toContain(TOKEN)
  await expectTargetUnchanged()

  const never = await runAction({ ...inputs, 'fail-on': 'never' }, pullRequestEvent(pull, ws))
  expect(never.code).toBe(0)
  expect(findings(never).map((f) => f.rule)).toEqual(found.map((f) => f.rule))
  expect(never.stdout).toContain(`::error title=add-column-not-null-without-default,file=${TIER_FILE},line=3,col=1::`)
  await expectTargetUnchanged()
})

test('a waiver comment and ignore-rules take findings out of the output and the failure, and the comment lists them with their reason', async () => {
  const pull = 202
  fake.addPullRequest(REPO, { number: pull })
  const waived =
    '-- Every user gets a tier.\n-- aurora-migrate:ignore add-column-not-null-without-default the deploy backfills tier first\nALTER TABLE users ADD COLUMN tier text NOT NULL;\n'
  const ws = workspace({ [TIER_FILE]: waived, [INDEX_FILE]: INDEX_SQL })
  const run = await runAction(
    { command: 'plan', 'database-url': db.url, 'github-token': TOKEN, 'ignore-rules': 'index-not-concurrent' },
    pullRequestEvent(pull, ws)
  )
  const rules = findings(run).map((f) => f.rule)
  expect(rules).not.toContain('add-column-not-null-without-default')
  expect(rules).not.toContain('index-not-concurrent')
  expect(findings(run).filter((f) => f.severity === 'error')).toEqual([])
  expect(run.code).toBe(0)
  expect(run.stdout).not.toContain('::error title=add-column-not-null-without-default')
  const body = planComment(pull)
  expect(body).toContain(`- \`add-column-not-null-without-default\` at [\`${TIER_FILE}:3\`]`)
  expect(body).toContain(', by a comment: the deploy backfills tier first')
  expect(body).toContain(', by ignore-rules: listed in the ignore-rules input')
  await expectTargetUnchanged()

  const unknown = await runAction(
    { command: 'plan', 'database-url': db.url, 'github-token': TOKEN, 'ignore-rules': 'index-not-concurent' },
    pullRequestEvent(pull, ws)
  )
  expect(unknown.code).toBe(1)
  expect(unknown.stdout).toContain(
    "::error title=Input ignore-rules::Input 'ignore-rules': 'index-not-concurent' is not a rule of the review"
  )
  await expectTargetUnchanged()
})

test('a fork pull request without credentials gets the review from the repository alone', async () => {
  const pull = 203
  fake.addPullRequest(REPO, { number: pull })
  const ws = workspace({ [INDEX_FILE]: INDEX_SQL })
  const run = await runAction({ command: 'plan', 'github-token': TOKEN, 'fail-on': 'never' }, pullRequestEvent(pull, ws))
  expect(run.code).toBe(0)
  expect(run.outputs.pending).toBe('[3]')
  expect(Array.isArray(findings(run))).toBe(true)
  const body = planComment(pull)
  expect(body).toContain("judged from the repository alone, without the target's catalog (no target, e.g. a pull request from a fork)")
  await expectTargetUnchanged()
})

test('apply logs the findings it sees and does not fail on them', async () => {
  const ws = workspace({ [INDEX_FILE]: INDEX_SQL })
  const run = await runAction({ command: 'apply', 'database-url': db.url, comment: 'false' }, { GITHUB_WORKSPACE: ws.root })
  expect(run.code).toBe(0)
  expect(run.stdout).toContain(`[review] warning index-not-concurrent at ${INDEX_FILE}:1:1: `)
  expect(findings(run).map((f) => f.rule)).toContain('index-not-concurrent')
  expect(await sql(db.url, 'select version from schema_migrations order by version')).toEqual([
    { version: 1 },
    { version: 2 },
    { version: 3 }
  ])
  expect(await sql(db.url, `select 1 as built from pg_indexes where indexname = 'users_name'`)).toEqual([{ built: 1 }])
})

test('validate carries the same findings in its summary and its findings output, and changes nothing', async () => {
  const ws = workspace({ [TIER_FILE]: TIER_SQL })
  const run = await runAction({ command: 'validate', 'database-url': db.url }, { GITHUB_WORKSPACE: ws.root })
  expect(run.code).toBe(0)
  expect(findings(run)[0]).toMatchObject({ rule: 'add-column-not-null-without-default', severity: 'error', file: TIER_FILE, line: 3 })
  expect(run.summary).toContain(`- ❌ \`add-column-not-null-without-default\` at \`${TIER_FILE}:3\``)
  expect(run.summary).toContain("with the target's catalog (rows and size of each table touched).")
  expect(run.stdout).toContain(`::error title=add-column-not-null-without-default,file=${TIER_FILE},line=3,col=1::`)
  await expectTargetUnchanged()
})
