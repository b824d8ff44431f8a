/**
 * The action (src/main.ts, in-process) on a pull_request event whose branch adds a v9 its base branch has
 * gained too: the step fails before any database is asked anything, with an error annotation at the branch's
 * folder, and the sticky plan comment (posted through the real @actions/github to a fake API) and the job
 * summary say which folders clash, where the other came from, and the command that fixes it.
 *
 * @actions/github and the run's context read the environment when they are first imported: runInProcess sets it
 * first, and imports src/main.ts after.
 */
import fs from 'node:fs'
import path from 'node:path'
import { cloneOf, commit, git, repository, tempDir } from '../../testkit/git-repo.js'
import { startFakeGitHub, type FakeGitHub } from '../../testkit/github-api.js'
import { runInProcess } from '../../testkit/in-process-action.js'

const DIR = 'migrations/resources'
const EIGHT = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`${DIR}/v${i + 1}_step${i + 1}/01_step.sql`, `create table t${i + 1} (id int);\n`])
)
const REPO = { owner: 'acme', repo: 'orders' }
let fake: FakeGitHub

beforeAll(async () => {
  fake = await startFakeGitHub()
})
afterAll(async () => {
  await fake?.stop()
})

test('a pull request adding a v9 its base branch gained since: the comment and the failure say so, and no database is asked', async () => {
  const { root, first: point } = repository(EIGHT)
  git(root, 'checkout', '-q', '-b', 'feature')
  const feature = commit(root, 'Add tags', { [`${DIR}/v9_add_tags/01_tags.sql`]: 'create table tags (id int);\n' })
  git(root, 'checkout', '-q', 'main')
  const main = commit(root, 'Add users (#123)', { [`${DIR}/v9_add_users/01_users.sql`]: 'create table users (id int);\n' })
  // The runner's checkout: one commit deep, taken when the event still named the branch point as the base.
  const checkout = cloneOf(root, { depth: 1, branch: 'feature' })
  fake.addPullRequest(REPO, { number: 8 })

  const event = path.join(tempDir('aurora-migrate-action-'), 'event.json')
  fs.writeFileSync(event, JSON.stringify({ pull_request: { number: 8, head: { sha: feature }, base: { sha: point, ref: 'main' } } }))
  const { exitCode, stdout, outputs, summary } = await runInProcess(
    {
      command: 'plan',
      environment: 'production',
      // Nothing listens on port 1: a connection attempt would fail with a message of its own.
      'database-url': 'postgres://ada:s3cret@127.0.0.1:1/app',
      'github-token': 'ghs_test_token',
      comment: 'true'
    },
    {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/orders',
      GITHUB_WORKSPACE: checkout,
      GITHUB_API_URL: fake.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_SHA: feature
    }
  )
  expect(exitCode).toBe(1)

  const error = stdout.split('\n').find((line) => line.startsWith('::error '))
  expect(error).toMatch(/^::error title=Migration files,file=migrations\/resources\/v9_add_tags::Two versions with one number: v9: /)
  expect(error).toContain('git fetch origin main && npx aurora-migrate renumber --onto origin/main')
  expect(stdout).not.toMatch(/ECONNREFUSED|Target: /)
  // Registered for masking, and said nowhere else.
  expect(stdout.split('\n').filter((line) => line.includes('s3cret'))).toEqual(['::add-mask::s3cret'])

  const [comment] = fake.commentsOn(REPO, 8)
  expect(comment.body).toContain('<!-- aurora-migrate:plan:production -->')
  expect(comment.body).toContain('❌ **Two versions with one number**')
  expect(comment.body).toContain(
    `| v9 | \`${DIR}/v9_add_tags\` | \`${DIR}/v9_add_users\` | \`${main.slice(0, 12)}\` (#123) \`Add users (#123)\` |`
  )
  expect(comment.body).toContain('```sh\ngit fetch origin main && npx aurora-migrate renumber --onto origin/main\n```')
  expect(summary).toContain('Two versions with one number')
  // The `summary` output too: what fork-safe-plan.yml hands its follow-up to post.
  expect(outputs.summary).toContain('❌ **Two versions with one number**')
})
