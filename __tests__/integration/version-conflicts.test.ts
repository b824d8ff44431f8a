/**
 * Two branches, one version number, on real git repositories: the check plan runs first on a pull request
 * (its head against its base branch fetched by name), on a fork's pull request (a shallow checkout, the
 * fork's commit fetched by SHA, no credentials), and on a merge queue's commit (against the queue's base).
 */
import fs from 'node:fs'
import path from 'node:path'
import { checkEventConflicts, checkLocalConflicts, eventCommits } from '../../src/commands/version-conflicts.js'
import { MigrationFileError } from '../../src/errors.js'
import { VersionConflictError, checkVersionConflicts, pullRequestOf } from '../../src/migrations/version-conflicts.js'
import { cloneOf, commit, git, repository, tempDir } from '../../testkit/git-repo.js'

const DIR = 'migrations/resources'
/** Eight versions, as the base branch had them when the branches left it. */
const EIGHT = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`${DIR}/v${i + 1}_step${i + 1}/01_step.sql`, `create table t${i + 1} (id int);\n`])
)
const USERS = { [`${DIR}/v9_add_users/01_users.sql`]: 'create table users (id int);\n' }
const TAGS = { [`${DIR}/v9_add_tags/01_tags.sql`]: 'create table tags (id int);\n' }

/** main and a branch `feature` that both add a v9 after leaving v8: main's came in squashed from pull request #123. */
function twoBranches(): { root: string; point: string; feature: string; main: string } {
  const { root, first: point } = repository(EIGHT)
  git(root, 'checkout', '-q', '-b', 'feature')
  const feature = commit(root, 'Add tags', TAGS)
  git(root, 'checkout', '-q', 'main')
  const main = commit(root, 'Add users (#123)', USERS)
  return { root, point, feature, main }
}

function check(workspace: string, head: string, base: string, logs: string[] = []): Promise<void> {
  return checkVersionConflicts({
    workspace,
    migrationsDir: DIR,
    head,
    base,
    baseName: 'main',
    onto: 'origin/main',
    fetchFirst: 'git fetch origin main',
    log: (m) => logs.push(m)
  })
}

/** Where the event and local checks speak, kept as `info: …` and `warning: …` lines. */
function say(logs: string[] = []): { info: (m: string) => void; warning: (m: string) => void } {
  return { info: (m) => logs.push(`info: ${m}`), warning: (m) => logs.push(`warning: ${m}`) }
}

async function conflictOf(promise: Promise<void>): Promise<VersionConflictError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(VersionConflictError)
  return error as VersionConflictError
}

/** The conflict of twoBranches(): the branch's v9_add_tags against main's v9_add_users, added by `main` in #123. */
const nineTwice = (main: string): VersionConflictError['conflicts'][number] => ({
  number: 9,
  ours: `${DIR}/v9_add_tags`,
  theirs: `${DIR}/v9_add_users`,
  commit: { sha: main, subject: 'Add users (#123)' },
  pullRequest: 123
})

test('both branches add v9: the check names both folders, the commit and pull request of the other, and the fix', async () => {
  const { root, feature, main } = twoBranches()
  const error = await conflictOf(check(root, feature, main))
  expect(error.conflicts).toEqual([nineTwice(main)])
  expect(error).toBeInstanceOf(MigrationFileError)
  expect(error.location.file).toBe(`${DIR}/v9_add_tags`)
  expect(error.fix).toBe('git fetch origin main && npx aurora-migrate renumber --onto origin/main')
  expect(error.message).toContain(`this branch adds ${DIR}/v9_add_tags, and main has ${DIR}/v9_add_users`)
  expect(error.message).toContain(`commit ${main.slice(0, 12)}, pull request #123`)
  expect(error.message).toContain('`git fetch origin main && npx aurora-migrate renumber --onto origin/main`')
})

test('a branch numbered after the base branch, a renamed applied version, and the same version on both sides are no conflict', async () => {
  const { root, point, main } = twoBranches()
  git(root, 'checkout', '-q', '-b', 'after', main)
  const after = commit(root, 'Add tags as v10', { [`${DIR}/v10_add_tags/01_tags.sql`]: 'create table tags (id int);\n' })
  const logs: string[] = []
  await check(root, after, main, logs)
  expect(logs.join('\n')).toMatch(/No version numbers taken twice/)

  git(root, 'checkout', '-q', '-b', 'rename', point)
  const renamed = commit(root, 'Rename v3', { [`${DIR}/v3_step3`]: null, [`${DIR}/v3_renamed/01_step.sql`]: 'create table t3 (id int);\n' })
  await check(root, renamed, main)

  git(root, 'checkout', '-q', '-b', 'cherry', point)
  const cherry = commit(root, 'Add users too', USERS)
  await check(root, cherry, main)

  // The same folder name with other contents is two versions.
  git(root, 'checkout', '-q', '-b', 'other-users', point)
  const other = commit(root, 'Other users', { [`${DIR}/v9_add_users/01_users.sql`]: 'create table users (id bigint);\n' })
  const error = await conflictOf(check(root, other, main))
  expect(error.conflicts.map((c) => [c.ours, c.theirs])).toEqual([[`${DIR}/v9_add_users`, `${DIR}/v9_add_users`]])
})

test('a pull_request event whose base.sha is stale: the base branch is fetched by name and its new v9 found', async () => {
  const { root, point, feature, main } = twoBranches()
  // The CI checkout: a shallow clone taken before main gained its v9, as the event's base.sha still says.
  const checkout = cloneOf(root, { depth: 1, branch: 'feature' })
  const payload = { pull_request: { number: 8, head: { sha: feature }, base: { sha: point, ref: 'main' } } }
  const logs: string[] = []
  // With the event's SHA alone (no ref to fetch) the stale base shows nothing: why the ref is fetched.
  await checkEventConflicts(
    { workspace: checkout, migrationsDir: DIR },
    'pull_request',
    { pull_request: { ...payload.pull_request, base: { sha: point, ref: undefined } } },
    say(logs)
  )
  expect(logs.join('\n')).toMatch(/shallow: fetching more history/)
  expect(logs.join('\n')).toMatch(/No version numbers taken twice/)
  expect(logs.join('\n')).not.toMatch(/^warning/m)
  const error = await conflictOf(checkEventConflicts({ workspace: checkout, migrationsDir: DIR }, 'pull_request', payload, say(logs)))
  expect(error.conflicts[0]).toMatchObject({ number: 9, theirs: `${DIR}/v9_add_users`, commit: { sha: main }, pullRequest: 123 })
  expect(git(checkout, 'rev-parse', 'refs/remotes/origin/main')).toBe(main)
})

test('commits the checkout cannot have, or no git checkout at all: a warning that nothing was compared, not a failure', async () => {
  const { root, main } = twoBranches()
  const logs: string[] = []
  const missing = 'f'.repeat(40)
  await checkEventConflicts(
    { workspace: root, migrationsDir: DIR },
    'merge_group',
    { merge_group: { head_sha: missing, base_sha: main, base_ref: 'refs/heads/main' } },
    say(logs)
  )
  expect(logs.filter((line) => line.startsWith('warning'))).toEqual([
    expect.stringMatching(
      new RegExp(
        `^warning: Version numbers were not compared with main: the branch's head, commit ${missing.slice(0, 12)}, is not in the checkout and could not be fetched \\(git fetch failed`
      )
    )
  ])
  const plain = tempDir()
  const plainLogs: string[] = []
  await checkEventConflicts(
    { workspace: plain, migrationsDir: '.' },
    'merge_group',
    { merge_group: { head_sha: missing, base_sha: main } },
    say(plainLogs)
  )
  expect(plainLogs).toEqual(['warning: The workspace is not a git checkout: version numbers were not compared with the base branch'])
})

test("a fork's pull request: its head fetched by SHA from the base repository, the other v9 from a merge commit", async () => {
  const { root: upstream } = repository(EIGHT, 'aurora-migrate-upstream-')
  const fork = cloneOf(upstream)
  git(fork, 'checkout', '-q', '-b', 'tags')
  const head = commit(fork, 'Add tags', TAGS)
  // What GitHub does with a fork's pull request: its head is kept in the base repository as refs/pull/<n>/head.
  git(fork, 'push', '-q', 'origin', `tags:refs/pull/8/head`)
  git(upstream, 'checkout', '-q', '-b', 'users')
  commit(upstream, 'Add users', USERS)
  git(upstream, 'checkout', '-q', 'main')
  git(upstream, 'merge', '-q', '--no-ff', '-m', 'Merge pull request #7 from ada/users', 'users')
  const merge = git(upstream, 'rev-parse', 'HEAD')
  const checkout = cloneOf(upstream, { depth: 1 })
  git(checkout, 'remote', 'set-url', 'origin', `file://${upstream}`)
  expect(() => git(checkout, 'cat-file', '-e', `${head}^{commit}`)).toThrow()
  const logs: string[] = []
  const error = await conflictOf(
    checkEventConflicts(
      { workspace: checkout, migrationsDir: DIR },
      'pull_request_target',
      { pull_request: { head: { sha: head }, base: { sha: merge, ref: 'main' } } },
      say(logs)
    )
  )
  expect(error.conflicts).toEqual([
    expect.objectContaining({
      number: 9,
      ours: `${DIR}/v9_add_tags`,
      theirs: `${DIR}/v9_add_users`,
      commit: { sha: merge, subject: 'Merge pull request #7 from ada/users' },
      pullRequest: 7
    })
  ])
  expect(logs.join('\n')).toMatch(/is not in the checkout; fetching it/)
})

test("a merge queue's commit (squash or merge) against the queue's base that already has a v9", async () => {
  const { root, feature, main } = twoBranches()
  // Squash: the queue's commit is the base plus the pull request's changes in one commit.
  git(root, 'checkout', '-q', '-b', 'gh-readonly-queue/main/pr-8-squash', main)
  const squashed = commit(root, 'Add tags (#8)', TAGS)
  const event = (head: string): Parameters<typeof checkEventConflicts>[2] => ({
    merge_group: { head_sha: head, base_sha: main, base_ref: 'refs/heads/main' }
  })
  const error = await conflictOf(checkEventConflicts({ workspace: root, migrationsDir: DIR }, 'merge_group', event(squashed), say()))
  expect(error.conflicts).toEqual([nineTwice(main)])
  expect(error.fix).toBe('git fetch origin main && npx aurora-migrate renumber --onto origin/main')

  // Merge: the queue's commit merges the pull request's head into the base.
  git(root, 'checkout', '-q', '-b', 'gh-readonly-queue/main/pr-8-merge', main)
  git(root, 'merge', '-q', '--no-ff', '-m', 'Merge pull request #8 from ada/tags', 'feature')
  const merged = git(root, 'rev-parse', 'HEAD')
  expect(git(root, 'rev-parse', `${merged}^2`)).toBe(feature)
  await conflictOf(checkEventConflicts({ workspace: root, migrationsDir: DIR }, 'merge_group', event(merged), say()))

  // A pull request renumbered after main's v9 lands.
  git(root, 'checkout', '-q', '-b', 'gh-readonly-queue/main/pr-8-fixed', main)
  const fixed = commit(root, 'Add tags (#8)', { [`${DIR}/v10_add_tags/01_tags.sql`]: 'create table tags (id int);\n' })
  await checkEventConflicts({ workspace: root, migrationsDir: DIR }, 'merge_group', event(fixed), say())
})

test('a developer checkout compares HEAD with origin/HEAD as last fetched, and says when there is none', async () => {
  const { root, feature } = twoBranches()
  const checkout = cloneOf(root, { branch: 'feature' })
  expect(git(checkout, 'rev-parse', 'HEAD')).toBe(feature)
  const error = await conflictOf(checkLocalConflicts({ workspace: checkout, migrationsDir: DIR }, say()))
  expect(error.fix).toBe('git fetch origin main && npx aurora-migrate renumber --onto origin/main')
  // The working tree counts: renamed on disk (not committed), the clash is gone; a new uncommitted v9 clashes again.
  fs.renameSync(path.join(checkout, DIR, 'v9_add_tags'), path.join(checkout, DIR, 'v10_add_tags'))
  await checkLocalConflicts({ workspace: checkout, migrationsDir: DIR }, say())
  fs.mkdirSync(path.join(checkout, DIR, 'v9_more'))
  const again = await conflictOf(checkLocalConflicts({ workspace: checkout, migrationsDir: DIR }, say()))
  expect(again.conflicts.map((c) => [c.ours, c.theirs])).toEqual([[`${DIR}/v9_more`, `${DIR}/v9_add_users`]])
  git(checkout, 'remote', 'set-head', 'origin', '-d')
  const logs: string[] = []
  await checkLocalConflicts({ workspace: checkout, migrationsDir: DIR }, say(logs))
  expect(logs).toEqual([expect.stringMatching(/^info: No origin\/HEAD: version numbers were not compared/)])
  // A repository with no remote at all has nothing to clash with, and nothing is said.
  const quiet: string[] = []
  await checkLocalConflicts({ workspace: root, migrationsDir: DIR }, say(quiet))
  expect(quiet).toEqual([])
})

test('a folder name with a control character in a compared commit is refused before it is shown', async () => {
  const { root, point, main } = twoBranches()
  git(root, 'checkout', '-q', '-b', 'hostile', point)
  const hostile = commit(root, 'Hostile', { [`${DIR}/v9_\u001b[31mred/01.sql`]: 'select 1;\n' })
  const error = await check(root, hostile, main).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(MigrationFileError)
  expect(error).not.toBeInstanceOf(VersionConflictError)
  expect((error as Error).message).toMatch(/control character \\u001b/)
})

test('which events are compared, and the pull request a commit message names', () => {
  const sha = 'a'.repeat(40)
  expect(eventCommits('push', { pull_request: { head: { sha } } })).toBeNull()
  expect(eventCommits('pull_request', { pull_request: { head: { sha }, base: { sha, ref: '--upload-pack=x' } } })).toEqual({
    head: sha,
    baseSha: sha,
    baseRef: null,
    fetchBase: true
  })
  expect(eventCommits('pull_request', { pull_request: { head: { sha: 'HEAD; rm -rf /' } } })).toBeNull()
  expect(eventCommits('merge_group', { merge_group: { head_sha: sha, base_sha: sha, base_ref: 'refs/heads/release/2.x' } })).toEqual({
    head: sha,
    baseSha: sha,
    baseRef: 'release/2.x',
    fetchBase: false
  })
  expect(pullRequestOf('Merge pull request #7 from ada/users')).toBe(7)
  expect(pullRequestOf('Add users (#123)')).toBe(123)
  expect(pullRequestOf('Add users for #123 later')).toBeNull()
})
