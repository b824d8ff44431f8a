/**
 * src/report/github.ts against the real @actions/github Octokit talking to a local fake API.
 *
 * @actions/github reads GITHUB_API_URL once, when it is first imported (its `defaults.baseUrl`), so
 * the variable is set before the dynamic import below; nothing in this file imports it statically.
 */
import { pullRequestsForCommit, postDeploymentStatus, stickyMarker, upsertStickyComment, type Octokit } from '../../src/report/github.js'
import { startFakeGitHub, type FakeGitHub, type RecordedRequest } from '../../testkit/github-api.js'

const TOKEN = 'ghs_test_token_123'
const REPO = { owner: 'acme', repo: 'orders' }

let fake: FakeGitHub
let octokit: Octokit
let getOctokit: typeof import('@actions/github').getOctokit
const savedApiUrl = process.env.GITHUB_API_URL
let nextPull = 100

beforeAll(async () => {
  fake = await startFakeGitHub()
  process.env.GITHUB_API_URL = fake.url
  ;({ getOctokit } = await import('@actions/github'))
  octokit = getOctokit(TOKEN)
})

afterAll(async () => {
  await fake?.stop()
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL
  else process.env.GITHUB_API_URL = savedApiUrl
})

beforeEach(() => {
  fake.requests.length = 0
  fake.state.forbidden = false
  fake.state.forbiddenReads = false
})

/** A pull request of its own for each test. */
function newPull(): number {
  const number = nextPull++
  fake.addPullRequest(REPO, { number })
  return number
}

const writes = (): RecordedRequest[] => fake.requests.filter((r) => r.method !== 'GET')
const commentListings = (): RecordedRequest[] => fake.requests.filter((r) => r.method === 'GET' && /\/issues\/\d+\/comments$/.test(r.path))

describe('stickyMarker', () => {
  test('is a hidden HTML comment naming the kind and key', () => {
    expect(stickyMarker('plan', 'production')).toBe('<!-- aurora-migrate:plan:production -->')
  })

  test('a key cannot end the comment early or span lines', () => {
    const marker = stickyMarker('plan', 'prod --> <b>x</b>\nnext')
    expect(marker.startsWith('<!-- aurora-migrate:plan:')).toBe(true)
    expect(marker.endsWith(' -->')).toBe(true)
    const inner = marker.slice('<!-- '.length, -' -->'.length)
    expect(inner).not.toContain('--')
    expect(inner).not.toContain('>')
    expect(marker).not.toMatch(/[\r\n]/)
  })
})

describe('upsertStickyComment', () => {
  const marker = stickyMarker('plan', 'production')

  test('creates the comment the first time, with the marker as its first line', async () => {
    const pull = newPull()
    const outcome = await upsertStickyComment(octokit, REPO, pull, marker, '## Migration plan\nv3 pending')
    const comments = fake.commentsOn(REPO, pull)
    expect(comments).toHaveLength(1)
    expect(outcome).toEqual({ action: 'created', id: comments[0].id, url: comments[0].html_url })
    expect(comments[0].body).toBe(`${marker}\n## Migration plan\nv3 pending`)
    expect(comments[0].user).toEqual({ login: 'github-actions[bot]', type: 'Bot' })
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([`POST /repos/acme/orders/issues/${pull}/comments`])
  })

  test('a second run edits the same comment, with 150 comments before it and 10 after', async () => {
    const pull = newPull()
    fake.seedComments(REPO, pull, 150)
    const first = await upsertStickyComment(octokit, REPO, pull, marker, `${marker}\nfirst plan`)
    fake.seedComments(REPO, pull, 10)
    fake.requests.length = 0

    const second = await upsertStickyComment(octokit, REPO, pull, marker, `${marker}\nsecond plan`)

    expect(first.action).toBe('created')
    expect(second).toEqual({ action: 'updated', id: (first as { id: number }).id, url: (first as { url: string }).url })
    const comments = fake.commentsOn(REPO, pull)
    expect(comments).toHaveLength(161)
    expect(comments.filter((c) => c.body.startsWith(marker)).map((c) => c.body)).toEqual([`${marker}\nsecond plan`])
    expect(writes().map((r) => r.method)).toEqual(['PATCH'])
    // Our comment is the 151st: it is only found by following the Link header to page 2.
    expect(commentListings().map((r) => r.query.page ?? '1')).toEqual(['1', '2'])
    expect(commentListings().every((r) => r.query.per_page === '100')).toBe(true)
  })

  test('finds the marked comment on page 3 of 251', async () => {
    const pull = newPull()
    fake.seedComments(REPO, pull, 250)
    const ours = fake.addComment(REPO, pull, `${marker}\nold plan`)

    const outcome = await upsertStickyComment(octokit, REPO, pull, marker, `${marker}\nnew plan`)

    expect(outcome).toMatchObject({ action: 'updated', id: ours.id })
    expect(commentListings()).toHaveLength(3)
    expect(fake.commentsOn(REPO, pull)).toHaveLength(251)
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /repos/acme/orders/issues/comments/${ours.id}`])
  })

  test('an identical body sends no PATCH', async () => {
    const pull = newPull()
    const created = await upsertStickyComment(octokit, REPO, pull, marker, 'same plan')
    fake.requests.length = 0

    const again = await upsertStickyComment(octokit, REPO, pull, marker, 'same plan')

    expect(again).toEqual({ action: 'unchanged', id: (created as { id: number }).id, url: (created as { url: string }).url })
    expect(fake.requests.length).toBeGreaterThan(0)
    expect(writes()).toEqual([])
  })

  test('a comment quoting the marker in the middle is not ours', async () => {
    const pull = newPull()
    const reviewer = { login: 'reviewer-1', type: 'User' as const }
    const quoting = fake.addComment(REPO, pull, `Why does the bot write \`${marker}\` into its comments?`, reviewer)

    const outcome = await upsertStickyComment(octokit, REPO, pull, marker, 'plan')

    expect(outcome.action).toBe('created')
    const comments = fake.commentsOn(REPO, pull)
    expect(comments).toHaveLength(2)
    expect(comments[0]).toEqual(quoting)
    expect(writes().map((r) => r.method)).toEqual(['POST'])
  })

  test('a comment by someone else that starts with the marker is never taken over', async () => {
    const pull = newPull()
    const stranger = { login: 'fork-author', type: 'User' as const }
    const planted = fake.addComment(REPO, pull, `${marker}\nplanted by someone else`, stranger)

    const outcome = await upsertStickyComment(octokit, REPO, pull, marker, 'plan')

    expect(outcome.action).toBe('created')
    expect(fake.commentsOn(REPO, pull)[0]).toEqual(planted)
    expect(fake.commentsOn(REPO, pull)[1].user.login).toBe('github-actions[bot]')
  })

  test("with a user's token (a PAT) the comments of that user are ours", async () => {
    const pat = await startFakeGitHub({ actor: { login: 'release-bot-user', type: 'User' } })
    try {
      const client = getOctokit(TOKEN, { baseUrl: pat.url })
      pat.addPullRequest(REPO, { number: 5 })
      const first = await upsertStickyComment(client, REPO, 5, marker, 'plan 1')
      const second = await upsertStickyComment(client, REPO, 5, marker, 'plan 2')
      expect(first.action).toBe('created')
      expect(second).toMatchObject({ action: 'updated', id: (first as { id: number }).id })
      expect(pat.commentsOn(REPO, 5)).toHaveLength(1)
    } finally {
      await pat.stop()
    }
  })

  test('when two comments carry the marker the oldest is updated and the other left alone', async () => {
    const pull = newPull()
    const older = fake.addComment(REPO, pull, `${marker}\nrun 1`)
    fake.seedComments(REPO, pull, 3)
    const newer = fake.addComment(REPO, pull, `${marker}\nrun 2`)

    const outcome = await upsertStickyComment(octokit, REPO, pull, marker, `${marker}\nrun 3`)

    expect(outcome).toMatchObject({ action: 'updated', id: older.id })
    const byId = new Map(fake.commentsOn(REPO, pull).map((c) => [c.id, c.body]))
    expect(byId.get(older.id)).toBe(`${marker}\nrun 3`)
    expect(byId.get(newer.id)).toBe(`${marker}\nrun 2`)
  })

  test('403 "Resource not accessible by integration" on create is a warning with the fix, not an exception', async () => {
    const pull = newPull()
    fake.state.forbidden = true

    const outcome = await upsertStickyComment(octokit, REPO, pull, marker, 'plan')

    expect(outcome.action).toBe('failed')
    const failed = outcome as Extract<typeof outcome, { action: 'failed' }>
    expect(failed.status).toBe(403)
    expect(failed.warning).toContain('Resource not accessible by integration')
    expect(failed.warning).toContain('permissions:\n  pull-requests: write')
    expect(failed.warning).toContain('fork')
    expect(failed.warning).toContain(`acme/orders#${pull}`)
    expect(fake.commentsOn(REPO, pull)).toEqual([])
  })

  test('403 on the edit of an existing comment is a warning too, and the comment keeps its body', async () => {
    const pull = newPull()
    const ours = fake.addComment(REPO, pull, `${marker}\nold`)
    fake.state.forbidden = true

    const outcome = await upsertStickyComment(octokit, REPO, pull, marker, `${marker}\nnew`)

    expect(outcome).toMatchObject({ action: 'failed', status: 403 })
    expect((outcome as { warning: string }).warning).toContain('pull-requests: write')
    expect(fake.commentsOn(REPO, pull)[0].body).toBe(ours.body)
    expect(writes().map((r) => `${r.method} ${r.status}`)).toEqual(['PATCH 403'])
  })

  test("a body over GitHub's 65,536 characters fails with GitHub's message", async () => {
    const pull = newPull()

    const outcome = await upsertStickyComment(octokit, REPO, pull, marker, 'x'.repeat(70_000))

    expect(outcome).toMatchObject({ action: 'failed', status: 422 })
    expect((outcome as { warning: string }).warning).toContain('body is too long (maximum is 65536 characters)')
    expect(fake.commentsOn(REPO, pull)).toEqual([])
  })

  test('a pull request that does not exist fails with 404 and says so', async () => {
    const outcome = await upsertStickyComment(octokit, REPO, 99_999, marker, 'plan')

    expect(outcome).toMatchObject({ action: 'failed', status: 404 })
    expect((outcome as { warning: string }).warning).toContain('acme/orders#99999')
  })

  test('no answer at all is a failure with status null', async () => {
    const gone = await startFakeGitHub()
    await gone.stop()
    const unreachable = getOctokit(TOKEN, { baseUrl: gone.url })

    const outcome = await upsertStickyComment(unreachable, REPO, 1, marker, 'plan')

    expect(outcome).toMatchObject({ action: 'failed', status: null })
    expect((outcome as { warning: string }).warning).toContain('no answer from the GitHub API')
  })
})

describe('pullRequestsForCommit', () => {
  const sha = 'c0ffee'.padEnd(40, '0')

  test('returns the open and merged pull requests of the commit, not closed-unmerged ones', async () => {
    fake.addPullRequest(REPO, { number: 12 }, { commits: [sha] })
    fake.addPullRequest(REPO, { number: 13, state: 'closed', merged_at: '2025-01-02T00:00:00Z' }, { commits: [sha] })
    fake.addPullRequest(REPO, { number: 14, state: 'closed', merged_at: null }, { commits: [sha] })

    expect(await pullRequestsForCommit(octokit, REPO, sha)).toEqual({ numbers: [12, 13] })
    expect(fake.requests.map((r) => r.path)).toEqual([`/repos/acme/orders/commits/${sha}/pulls`])
  })

  test('a commit GitHub does not know (422) has none, without a warning', async () => {
    expect(await pullRequestsForCommit(octokit, REPO, 'f'.repeat(40))).toEqual({ numbers: [] })
    expect(fake.requests.map((r) => r.status)).toEqual([422])
  })

  test('403 returns none with a warning that names the permissions', async () => {
    fake.addCommit(REPO, 'd'.repeat(40), [12])
    fake.state.forbiddenReads = true

    const result = await pullRequestsForCommit(octokit, REPO, 'd'.repeat(40))

    expect(result.numbers).toEqual([])
    expect(result.warning).toContain('Resource not accessible by integration')
    expect(result.warning).toContain('pull-requests: read')
  })
})

describe('postDeploymentStatus', () => {
  test('posts state, description, log_url and environment', async () => {
    fake.addDeployment(REPO, 42, 'staging')
    const logUrl = 'https://github.com/acme/orders/actions/runs/7'

    const result = await postDeploymentStatus(octokit, REPO, 42, {
      state: 'success',
      description: 'Applied v3, v4',
      logUrl,
      environment: 'staging'
    })

    expect(result).toEqual({ ok: true })
    expect(fake.deploymentStatuses(REPO, 42)).toEqual([
      expect.objectContaining({ state: 'success', description: 'Applied v3, v4', log_url: logUrl, environment: 'staging' })
    ])
  })

  test('a 200-character description is cut to 140 ending in …', async () => {
    fake.addDeployment(REPO, 43)
    const description = 'v'.repeat(200)

    const result = await postDeploymentStatus(octokit, REPO, 43, { state: 'failure', description, logUrl: null })

    expect(result).toEqual({ ok: true })
    const [stored] = fake.deploymentStatuses(REPO, 43)
    expect(stored.description).toBe(`${'v'.repeat(139)}…`)
    expect(Array.from(stored.description)).toHaveLength(140)
    const sent = fake.requests[0].body as Record<string, unknown>
    expect(sent).not.toHaveProperty('log_url')
    expect(sent).not.toHaveProperty('environment')
  })

  test('403 returns a warning naming deployments: write', async () => {
    fake.addDeployment(REPO, 44)
    fake.state.forbidden = true

    const result = await postDeploymentStatus(octokit, REPO, 44, { state: 'in_progress', description: 'Applying', logUrl: null })

    expect(result.ok).toBe(false)
    expect(result.warning).toContain('Resource not accessible by integration')
    expect(result.warning).toContain('permissions:\n  deployments: write')
    expect(fake.deploymentStatuses(REPO, 44)).toEqual([])
  })
})

test('the token travels only in the Authorization header and never appears in a warning', async () => {
  const marker = stickyMarker('plan', 'token-check')
  const pull = newPull()
  fake.addDeployment(REPO, 45)
  const warnings: string[] = []
  await upsertStickyComment(octokit, REPO, pull, marker, 'created')
  await upsertStickyComment(octokit, REPO, pull, marker, 'x'.repeat(70_000)).then((o) => o.action === 'failed' && warnings.push(o.warning))
  fake.state.forbidden = true
  fake.state.forbiddenReads = true
  await upsertStickyComment(octokit, REPO, pull, marker, 'forbidden').then((o) => o.action === 'failed' && warnings.push(o.warning))
  await pullRequestsForCommit(octokit, REPO, 'e'.repeat(40)).then((r) => r.warning && warnings.push(r.warning))
  await postDeploymentStatus(octokit, REPO, 45, { state: 'error', description: 'x', logUrl: null }).then(
    (r) => r.warning && warnings.push(r.warning)
  )

  expect(warnings).toHaveLength(4)
  for (const warning of warnings) expect(warning).not.toContain(TOKEN)
  expect(fake.requests.length).toBeGreaterThanOrEqual(6)
  for (const request of fake.requests) {
    expect(request.authorization).toBe(`token ${TOKEN}`)
    expect(JSON.stringify({ path: request.path, query: request.query, body: request.body, response: request.response })).not.toContain(
      TOKEN
    )
  }
})

describe('the fake GitHub API', () => {
  test('refuses a request without a token with 401', async () => {
    const response = await fetch(`${fake.url}/repos/acme/orders/pulls/12`)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ message: 'Requires authentication' })
  })

  test('paginates comments with GitHub-style Link headers (default 30, at most 100 per page)', async () => {
    const pull = newPull()
    fake.seedComments(REPO, pull, 250)
    const get = (query: string): Promise<Response> =>
      fetch(`${fake.url}/repos/acme/orders/issues/${pull}/comments${query}`, { headers: { authorization: `Bearer ${TOKEN}` } })

    const byDefault = await get('')
    expect(((await byDefault.json()) as unknown[]).length).toBe(30)

    const middle = await get('?per_page=500&page=2')
    expect(((await middle.json()) as unknown[]).length).toBe(100)
    const link = middle.headers.get('link') ?? ''
    const rels = Object.fromEntries(
      [...link.matchAll(/<([^>]+)>; rel="(\w+)"/g)].map((m) => [m[2], new URL(m[1]).searchParams.get('page')])
    )
    expect(rels).toEqual({ prev: '1', next: '3', last: '3', first: '1' })
    expect(link).toMatch(/\/repositories\/\d+\/issues\/\d+\/comments\?/)

    const last = await get('?per_page=100&page=3')
    expect(((await last.json()) as unknown[]).length).toBe(50)
    expect(last.headers.get('link')).not.toContain('rel="next"')
  })
})
