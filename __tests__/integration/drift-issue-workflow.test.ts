/**
 * example-workflows/drift-issue.cjs, the nightly drift workflow's issue logic, run as actions/github-script runs it
 * (`{ github, context, core }`, the real @actions/github Octokit) against the local fake GitHub API, fed the
 * action's own `schema-drift` output: one open issue per environment while it drifts, edited in place, closed with a
 * comment the first night the drift is gone, and nothing written on a night without drift and without an issue.
 *
 * @actions/github reads GITHUB_API_URL when it is first imported: it is set before the dynamic import below.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { postgresTransition } from '../../src/dialects/postgresql/drift-sql.js'
import { compareSchemas } from '../../src/drift/compare.js'
import { driftOutput, renderDrift } from '../../src/drift/report.js'
import type { SchemaObject } from '../../src/review/schema-change.js'
import { startFakeGitHub, type FakeGitHub } from '../../testkit/github-api.js'

const REPO = { owner: 'acme', repo: 'orders' }
type IssueScript = (args: { github: unknown; context: unknown; core: unknown }) => Promise<void>
const script = createRequire(import.meta.url)(path.resolve('example-workflows/drift-issue.cjs')) as IssueScript

let fake: FakeGitHub
let github: unknown
const savedApiUrl = process.env.GITHUB_API_URL
beforeAll(async () => {
  fake = await startFakeGitHub()
  process.env.GITHUB_API_URL = fake.url
  const { getOctokit } = await import('@actions/github')
  github = getOctokit('ghs_nightly_token')
})
afterAll(async () => {
  await fake?.stop()
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL
  else process.env.GITHUB_API_URL = savedApiUrl
})

const table = (name: string): SchemaObject => ({ kind: 'table', name, relation: null, definition: 'table', source: null })
const index = (name: string): SchemaObject => ({
  kind: 'index',
  name,
  relation: 'public.orders',
  definition: `CREATE INDEX ${name.split('.')[1]} ON public.orders USING btree (placed_at)`,
  source: null
})

/** One night of the workflow for `name`: the drift step's outputs (`schema-drift`, `summary`) through env:, then the script. */
async function night(name: string, database: SchemaObject[], runId: number): Promise<string[]> {
  const report = compareSchemas([table('public.orders')], [table('public.orders'), ...database], { transition: postgresTransition })
  const context = {
    environment: name,
    target: 'Aurora cluster todo-prod',
    versions: [1, 2],
    server: 'local PostgreSQL 16',
    runUrl: null,
    sha: null
  }
  const said: string[] = []
  const core = { info: (m: string) => said.push(`info: ${m}`), warning: (m: string) => said.push(`warning: ${m}`) }
  const saved = { ...process.env }
  Object.assign(process.env, { DRIFT_NAME: name, DRIFT: driftOutput(report), SUMMARY: renderDrift(report, context) })
  try {
    await script({ github, context: { repo: REPO, serverUrl: 'https://github.com', runId }, core })
  } finally {
    for (const key of ['DRIFT_NAME', 'DRIFT', 'SUMMARY']) delete process.env[key]
    Object.assign(process.env, saved)
  }
  return said
}

test('one issue per environment while it drifts: opened, edited in place, closed with a comment when the drift is gone', async () => {
  fake.addPullRequest(REPO, { number: 1 })
  // A night without drift and without an issue writes nothing.
  fake.requests.length = 0
  expect(await night('production', [], 100)).toEqual(['info: production: no drift'])
  expect(fake.requests.filter((r) => r.method !== 'GET')).toEqual([])

  expect(await night('production', [index('public.orders_placed_at_by_hand')], 101)).toEqual(['warning: production: drift, opened #2'])
  expect(await night('staging', [index('public.orders_placed_at_tmp'), table('public.scratch')], 102)).toEqual([
    'warning: staging: drift, opened #3'
  ])
  let [production, staging] = fake.issuesOf(REPO)
  expect(production).toMatchObject({
    number: 2,
    state: 'open',
    title: 'Schema drift: production (1 difference)',
    labels: [{ name: 'schema-drift' }]
  })
  expect(production.body).toMatch(/^<!-- aurora-migrate schema-drift: production -->\n### Schema drift: production/)
  expect(production.body).toContain('`public.orders_placed_at_by_hand` added in the database')
  expect(production.body).toContain('DROP INDEX public.orders_placed_at_by_hand;')
  expect(production.body).toContain('Last checked: [run](https://github.com/acme/orders/actions/runs/101).')
  expect(staging.title).toBe('Schema drift: staging (2 differences)')

  // The next night production drifts more: the same issue, edited; no second one.
  expect(await night('production', [index('public.orders_placed_at_by_hand'), table('public.audit_copy')], 103)).toEqual([
    'warning: production: drift, updated #2'
  ])
  ;[production, staging] = fake.issuesOf(REPO)
  expect(fake.issuesOf(REPO)).toHaveLength(2)
  expect(staging.title).toBe('Schema drift: staging (2 differences)')
  expect(production.title).toBe('Schema drift: production (2 differences)')
  expect(production.body).toContain('public.audit_copy')
  expect(production.body).toContain('runs/103')

  // The drift is gone from production: its issue is closed with a comment; staging's stays open.
  expect(await night('production', [], 104)).toEqual(['info: production: drift gone, closed #2'])
  ;[production, staging] = fake.issuesOf(REPO)
  expect(production).toMatchObject({ state: 'closed', state_reason: 'completed' })
  expect(fake.commentsOn(REPO, 2).map((c) => c.body)).toEqual([
    'No drift any more ([run](https://github.com/acme/orders/actions/runs/104)): closing.'
  ])
  expect(staging.state).toBe('open')

  // Drift again later: a new issue, not the closed one reopened.
  expect(await night('production', [index('public.orders_placed_at_by_hand')], 105)).toEqual(['warning: production: drift, opened #4'])
  expect(fake.issuesOf(REPO).map((issue) => [issue.number, issue.state])).toEqual([
    [2, 'closed'],
    [3, 'open'],
    [4, 'open']
  ])
})
