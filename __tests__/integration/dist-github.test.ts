/**
 * The bundled action on GitHub events, against the local fake of the GitHub API: the sticky plan
 * comment, verification on a throwaway PostgreSQL started from real binaries, fork pull requests
 * without credentials, and what a deploy reports. Runs dist/index.js as a runner does.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PG_BIN, runAction } from '../../testkit/action-runner.js'
import { startFakeGitHub, type FakeGitHub } from '../../testkit/github-api.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'

const REPO = { owner: 'octo-org', repo: 'todo-app' }
const TOKEN = 'ghs_0123456789secretTokenValue'
const TODO = path.resolve('examples/todo/migrations/resources')

let fake: FakeGitHub
let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeAll(async () => {
  fake = await startFakeGitHub()
})
afterAll(async () => {
  await fake.stop()
})
beforeEach(async () => {
  db = await createTestDatabase('distgh')
})
afterEach(async () => {
  await db.drop()
})

function event(name: string, payload: object): Record<string, string> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-event-')), 'event.json')
  fs.writeFileSync(file, JSON.stringify(payload))
  return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file, GITHUB_API_URL: fake.url, PATH: `${PG_BIN}:${process.env.PATH}` }
}

/** A workspace with the ToDo migrations (and more) as a git repository: base commit, then the pull request. */
function workspace(extra: Record<string, string> = {}): { root: string; base: string } {
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
  git('commit', '-qm', 'pull request', '--allow-empty')
  return { root, base }
}

function printed(run: { stdout: string; stderr: string; summary: string; outputs: Record<string, string> }): string {
  return (
    run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n') +
    run.stderr +
    run.summary +
    JSON.stringify(run.outputs)
  )
}

test('plan on a pull request: one sticky comment, verified, edited in place on the next push, untouched when unchanged', async () => {
  const pull = 101
  fake.addPullRequest(REPO, { number: pull })
  fake.seedComments(REPO, pull, 150)
  const first = workspace()
  const inputs = { command: 'plan', 'database-url': db.url, 'github-token': TOKEN, environment: 'production' }
  const env = (ws: { root: string; base: string }) => ({
    ...event('pull_request', { pull_request: { number: pull, base: { sha: ws.base } } }),
    GITHUB_WORKSPACE: ws.root
  })

  const run1 = await runAction(inputs, env(first))
  expect(run1.code).toBe(0)
  expect(run1.stdout).toMatch(/Plan comment created: /)
  expect(run1.outputs.verification).toBe('passed')
  let comments = fake.commentsOn(REPO, pull).filter((c) => c.body.startsWith('<!-- aurora-migrate:plan:production -->'))
  expect(comments).toHaveLength(1)
  expect(comments[0].body).toMatch(/Database \(PostgreSQL \d+\.\d+\) at \*\*v0\*\* · \*\*2 versions pending\*\*: v1, v2 \(16 statements\)/)
  expect(comments[0].body).toContain('✅ **Verified**: all 2 versions applied from scratch on an empty PostgreSQL')
  expect(comments[0].body).toContain('<details><summary>SQL of v2 due_dates (2 files, 5 statements)</summary>')
  expect(comments[0].body).toContain('[workflow run](https://github.com/octo-org/todo-app/actions/runs/4242)')
  // plan changed nothing on the target
  expect(await sql(db.url, `select 1 from pg_tables where tablename in ('schema_migrations', 'users')`)).toEqual([])

  const second = workspace({
    'migrations/resources/v3_tags/01_tags.sql': 'create table tags (id serial primary key, name text not null);\n'
  })
  const run2 = await runAction(inputs, env(second))
  expect(run2.code).toBe(0)
  expect(run2.stdout).toMatch(/Plan comment updated: /)
  comments = fake.commentsOn(REPO, pull).filter((c) => c.body.includes('aurora-migrate:plan'))
  expect(comments).toHaveLength(1)
  expect(comments[0].body).toContain('**3 versions pending**: v1, v2, v3')
  expect(fake.commentsOn(REPO, pull)).toHaveLength(151)

  const patches = () => fake.requests.filter((r) => r.method === 'PATCH').length
  const before = patches()
  const run3 = await runAction(inputs, env(second))
  expect(run3.code).toBe(0)
  expect(run3.stdout).toMatch(/Plan comment unchanged: /)
  expect(patches()).toBe(before)

  for (const run of [run1, run2, run3]) {
    expect(printed(run)).not.toContain(TOKEN)
    expect(printed(run)).not.toContain(new URL(db.url).password)
  }
  for (const comment of fake.commentsOn(REPO, pull)) expect(comment.body).not.toContain(new URL(db.url).password)
  for (const request of fake.requests) expect(JSON.stringify(request.body ?? '')).not.toContain(TOKEN)
})

test('a read-only token (403) leaves the step green with the permissions fix, and still writes summary and outputs', async () => {
  const pull = 102
  fake.addPullRequest(REPO, { number: pull })
  const ws = workspace()
  fake.state.forbidden = true
  try {
    const run = await runAction(
      { command: 'plan', 'database-url': db.url, 'github-token': TOKEN, verify: 'false' },
      { ...event('pull_request', { pull_request: { number: pull, base: { sha: ws.base } } }), GITHUB_WORKSPACE: ws.root }
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/::warning::Could not create a comment on octo-org\/todo-app#102: .*Resource not accessible by integration/)
    expect(run.stdout).toContain('pull-requests: write')
    expect(run.summary).toContain('**2 versions pending**')
    expect(run.outputs.pending).toBe('[1,2]')
    expect(run.outputs.verification).toBe('off')
  } finally {
    fake.state.forbidden = false
  }
})

test('a new version with a syntax error fails verification at its file and line, without touching the target', async () => {
  const pull = 103
  fake.addPullRequest(REPO, { number: pull })
  const ws = workspace({ 'migrations/resources/v3/01_tags.sql': 'create table tags (id int);\n\ncreate tabel tag_links (tag_id int);\n' })
  const run = await runAction(
    { command: 'plan', 'database-url': db.url, 'github-token': TOKEN },
    { ...event('pull_request', { pull_request: { number: pull, base: { sha: ws.base } } }), GITHUB_WORKSPACE: ws.root }
  )
  expect(run.code).toBe(1)
  expect(run.stdout).toContain(
    '::error title=Verification of v3 failed,file=migrations/resources/v3/01_tags.sql,line=3,col=8::v3 fails on a fresh database at migrations/resources/v3/01_tags.sql:3:8: syntax error at or near "tabel" (SQLSTATE 42601)'
  )
  expect(run.outputs.verification).toBe('failed')
  const comment = fake.commentsOn(REPO, pull).find((c) => c.body.includes('aurora-migrate:plan'))!
  expect(comment.body).toContain('❌ `migrations/resources/v3/01_tags.sql:3:8`')
  expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])
})

test("plan on a pull request that edits an applied file: the comment is posted, then the step fails with apply's refusal", async () => {
  const pull = 108
  fake.addPullRequest(REPO, { number: pull })
  const applied = await runAction({ command: 'apply', 'migrations-dir': TODO, 'database-url': db.url, comment: 'false' })
  expect(applied.code).toBe(0)
  const ws = workspace()
  const edited = path.join(ws.root, 'migrations/resources/v1/02_create_users.sql')
  expect(fs.existsSync(edited)).toBe(true)
  fs.appendFileSync(edited, '\ncreate table sneaky (id int);\n')
  const before = await sql(db.url, 'select version, checksum from schema_migrations order by version')
  const event_ = event('pull_request', { pull_request: { number: pull, base: { sha: ws.base } } })
  const run = await runAction({ command: 'plan', 'database-url': db.url, 'github-token': TOKEN }, { ...event_, GITHUB_WORKSPACE: ws.root })
  expect(run.code).toBe(1)
  expect(run.stdout).toMatch(/::error title=apply would refuse::drift: v1 \(migrations\/resources\/v1\/02_create_users\.sql modified\)/)
  const comment = fake.commentsOn(REPO, pull).find((c) => c.body.includes('aurora-migrate:plan'))!
  expect(comment.body).toMatch(/❌ \*\*apply would refuse\*\*/)
  expect(comment.body).toContain('`migrations/resources/v1/02_create_users.sql` modified')
  // The same words apply says, and apply changes nothing either.
  const apply = await runAction({ command: 'apply', 'database-url': db.url, comment: 'false' }, { GITHUB_WORKSPACE: ws.root })
  expect(apply.code).toBe(1)
  expect(apply.stdout).toMatch(/Nothing was applied\. drift: v1 \(migrations\/resources\/v1\/02_create_users\.sql modified\)/)
  expect(await sql(db.url, 'select version, checksum from schema_migrations order by version')).toEqual(before)
  expect(await sql(db.url, `select 1 from pg_tables where tablename = 'sneaky'`)).toEqual([])
})

test('plan on a pull request whose files are refused replaces the earlier verdict in the comment, then fails', async () => {
  const pull = 109
  fake.addPullRequest(REPO, { number: pull })
  const ws = workspace({ 'migrations/resources/v3_tags/01_tags.sql': 'create table tags (id int);\n' })
  const event_ = event('pull_request', { pull_request: { number: pull, base: { sha: ws.base } } })
  const green = await runAction(
    { command: 'plan', 'database-url': db.url, 'github-token': TOKEN },
    { ...event_, GITHUB_WORKSPACE: ws.root }
  )
  expect(green.code).toBe(0)
  // The next push links a file to the runner's environment.
  fs.mkdirSync(path.join(ws.root, 'migrations/resources/v4_env'))
  fs.symlinkSync('/proc/self/environ', path.join(ws.root, 'migrations/resources/v4_env/01_env.sql'))
  const red = await runAction({ command: 'plan', 'database-url': db.url, 'github-token': TOKEN }, { ...event_, GITHUB_WORKSPACE: ws.root })
  expect(red.code).toBe(1)
  const comments = fake.commentsOn(REPO, pull).filter((c) => c.body.includes('aurora-migrate:plan'))
  expect(comments).toHaveLength(1)
  expect(comments[0].body).toContain('apply would refuse these migrations')
  expect(comments[0].body).toContain('`migrations/resources/v4_env/01_env.sql`')
  expect(comments[0].body).not.toContain('1 version pending')
  expect(red.summary).toContain('apply would refuse these migrations')
  // Nothing of the linked file reached the comment, and plan wrote nothing.
  expect(comments[0].body).not.toMatch(/PATH=|HOME=/)
  expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])
})

test('a fork pull request without credentials is planned against its base branch and verified', async () => {
  const pull = 104
  fake.addPullRequest(REPO, { number: pull })
  const ws = workspace({ 'migrations/resources/v3_tags/01_tags.sql': 'create table tags (id int);\n' })
  const run = await runAction(
    { command: 'plan', 'github-token': TOKEN },
    { ...event('pull_request', { pull_request: { number: pull, base: { sha: ws.base } } }), GITHUB_WORKSPACE: ws.root }
  )
  expect(run.code).toBe(0)
  expect(run.outputs.pending).toBe('[3]')
  const comment = fake.commentsOn(REPO, pull).find((c) => c.body.startsWith('<!-- aurora-migrate:plan:migrations/resources -->'))!
  expect(comment.body).toContain(`The target database was **not consulted**`)
  expect(comment.body).toContain(`compared with the base branch at \`${ws.base.slice(0, 7)}\`, at **v2** · **1 version pending**: v3`)
  expect(comment.body).toContain('✅ **Verified**: all 3 versions applied from scratch')
})

test('a deploy on push comments on the merged pull request and posts a deployment status', async () => {
  const pull = 105
  const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
  fake.addPullRequest(REPO, { number: pull, state: 'closed', merged_at: '2026-11-25T10:00:00Z' }, { commits: [sha] })
  fake.addDeployment(REPO, 9001, 'production')
  const inputs = {
    command: 'apply',
    'migrations-dir': TODO,
    'database-url': db.url,
    'github-token': TOKEN,
    environment: 'production',
    'deployment-id': '9001'
  }
  const env = { ...event('push', { ref: 'refs/heads/main' }), GITHUB_SHA: sha }
  const run = await runAction(inputs, env)
  expect(run.code).toBe(0)
  const comments = fake.commentsOn(REPO, pull)
  expect(comments).toHaveLength(1)
  expect(comments[0].body).toMatch(
    /^<!-- aurora-migrate:deploy:production:4242 -->\n✅ \*\*Applied v1, v2 to production in [\d.]+ m?s\*\* \(now at v2, PostgreSQL \d+\.\d+\)/
  )
  expect(comments[0].body).toContain('[workflow run](https://github.com/octo-org/todo-app/actions/runs/4242)')
  const statuses = fake.deploymentStatuses(REPO, 9001)
  expect(statuses).toHaveLength(1)
  expect(statuses[0]).toMatchObject({
    state: 'success',
    log_url: 'https://github.com/octo-org/todo-app/actions/runs/4242',
    environment: 'production'
  })
  expect(statuses[0].description).toMatch(/^Applied v1, v2 to production in /)

  // The same run re-tried edits its comment; a run with nothing to apply says nothing on the pull request.
  const again = await runAction(inputs, env)
  expect(again.code).toBe(0)
  expect(fake.commentsOn(REPO, pull)).toHaveLength(1)
  expect(fake.deploymentStatuses(REPO, 9001).at(-1)).toMatchObject({ state: 'success', description: 'production is up to date at v2' })
  expect(printed(run) + printed(again)).not.toContain(TOKEN)
})

test('a failed deploy reports failure on the deployment and the pull request', async () => {
  const pull = 106
  const sha = 'b1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
  fake.addPullRequest(REPO, { number: pull, state: 'closed', merged_at: '2026-11-25T10:00:00Z' }, { commits: [sha] })
  fake.addDeployment(REPO, 9002, 'staging')
  const ws = workspace({ 'migrations/resources/v3/01_bad.sql': 'select * from nowhere;\n' })
  const run = await runAction(
    { command: 'apply', 'database-url': db.url, 'github-token': TOKEN, environment: 'staging' },
    { ...event('deployment', { deployment: { id: 9002, environment: 'staging' } }), GITHUB_SHA: sha, GITHUB_WORKSPACE: ws.root }
  )
  expect(run.code).toBe(1)
  expect(fake.deploymentStatuses(REPO, 9002)[0]).toMatchObject({ state: 'failure' })
  expect(fake.deploymentStatuses(REPO, 9002)[0].description).toMatch(
    /^Applied v1, v2, then v3 failed on staging at migrations\/resources\/v3\/01_bad.sql:1: relation "nowhere" does not exist/
  )
  expect(fake.commentsOn(REPO, pull)[0].body).toContain('❌ **Applied v1, v2, then v3 failed on staging')
})

test('plan in a merge queue (merge_group) compares with the queue base and comments nowhere', async () => {
  const ws = workspace({ 'migrations/resources/v3_tags/01_tags.sql': 'create table tags (id int);\n' })
  const posts = fake.requests.filter((r) => r.method === 'POST').length
  const run = await runAction(
    { command: 'plan', 'github-token': TOKEN },
    { ...event('merge_group', { merge_group: { base_sha: ws.base, head_sha: 'f'.repeat(40) } }), GITHUB_WORKSPACE: ws.root }
  )
  expect(run.code).toBe(0)
  expect(run.outputs.pending).toBe('[3]')
  expect(run.stdout).toContain('No pull request comment: the merge_group event has no pull request')
  expect(run.summary).toContain('compared with the base branch')
  expect(fake.requests.filter((r) => r.method === 'POST').length).toBe(posts)
})
