/**
 * `aurora-migrate renumber` through the command line, on real git repositories: `--onto origin/main` moves the
 * versions a branch adds after main's last one, `<from> <to>` moves one folder; the files' bytes (and so their
 * checksums) stay the same, and a refusal leaves the tree untouched. Against the embedded PostgreSQL (one
 * database, and a fleet of two): refused when a target has applied the version being moved. And the two other
 * ends of it on the command line: `plan`/`validate` failing first on a v9 origin/main has too, and `new`
 * numbering after origin/main.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileChecksum } from '../../src/migrations/checksum.js'
import { runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { cloneOf, commit, git, repository, snapshot } from '../../testkit/git-repo.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'

const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-home-'))
const ENV = { PATH: process.env.PATH, HOME, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', NO_COLOR: '1' }
const cli = (argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCliCaptured(argv, cwd, { ...ENV, ...env })

const DIR = 'migrations/resources'
const EIGHT = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`${DIR}/v${i + 1}_step${i + 1}/01_step.sql`, `create table t${i + 1} (id int);\n`])
)
const TAGS = {
  [`${DIR}/v9_add_tags/01_tags.sql`]: 'create table tags (id int);\r\n-- CRLF and all\r\n',
  [`${DIR}/v9_add_tags/02_index.sql`]: 'create index tags_id on tags (id);\n'
}
const USERS = { [`${DIR}/v9_add_users/01_users.sql`]: 'create table users (id int);\n' }

/** A developer's clone on branch `feature` (adds v9_add_tags) whose origin/main has gained v9_add_users since. */
function developer(files: { eight?: Record<string, string>; tags?: Record<string, string>; users?: Record<string, string> } = {}): string {
  const { root } = repository(files.eight ?? EIGHT)
  git(root, 'checkout', '-q', '-b', 'feature')
  commit(root, 'Add tags', files.tags ?? TAGS)
  git(root, 'checkout', '-q', 'main')
  commit(root, 'Add users (#123)', files.users ?? USERS)
  return cloneOf(root, { branch: 'feature' })
}

/** Every file of a folder by name, with its checksum as aurora-migrate computes it (from its bytes). */
function checksums(folder: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(folder).map((name) => [name, fileChecksum(fs.readFileSync(path.join(folder, name), 'utf8'))]))
}

test('renumber --onto origin/main moves the branch’s v9 to v10 without touching a byte, and the merge then plans', async () => {
  const dir = developer()
  const before = snapshot(path.join(dir, DIR, 'v9_add_tags'))
  const sums = checksums(path.join(dir, DIR, 'v9_add_tags'))
  const checksumBefore = (await discoverMigrations(DIR, dir)).versions[8].checksum

  const ran = await cli(['renumber', '--onto', 'origin/main', '--json'], dir)
  expect([ran.code, ran.stderr]).toEqual([0, expect.stringContaining('No database was checked')])
  expect(JSON.parse(ran.stdout)).toMatchObject({
    command: 'renumber',
    moves: [{ from: `${DIR}/v9_add_tags`, to: `${DIR}/v10_add_tags`, fromVersion: 9, toVersion: 10 }],
    checked: null,
    exitCode: 0
  })
  expect(fs.existsSync(path.join(dir, DIR, 'v9_add_tags'))).toBe(false)
  expect(snapshot(path.join(dir, DIR, 'v10_add_tags'))).toEqual(before)
  expect(checksums(path.join(dir, DIR, 'v10_add_tags'))).toEqual(sums)

  // Committed and merged with main: consecutive again, the moved version with the checksum it had as v9.
  commit(dir, 'Renumber v9 to v10')
  git(dir, 'merge', '-q', '--no-edit', 'origin/main')
  const { versions } = await discoverMigrations(DIR, dir)
  expect(versions.map((v) => v.dir.split('/').pop())).toEqual([
    ...Array.from({ length: 8 }, (_, i) => `v${i + 1}_step${i + 1}`),
    'v9_add_users',
    'v10_add_tags'
  ])
  expect(versions[9].checksum).toBe(checksumBefore)

  // Run again: nothing left to move.
  const again = await cli(['renumber', '--onto', 'origin/main'], dir)
  expect([again.code, again.stderr]).toEqual([0, expect.stringContaining('already follow origin/main')])
})

test('renumber <from> <to>: a gap, a taken number, a twin left, or an unknown folder is refused and nothing moves', async () => {
  const dir = developer()
  const tree = snapshot(dir)
  const refused = async (argv: string[], message: RegExp): Promise<void> => {
    const ran = await cli(['renumber', ...argv], dir)
    expect([ran.code, ran.stderr]).toEqual([1, expect.stringMatching(message)])
    expect(snapshot(dir)).toEqual(tree)
  }
  await refused(['9', '10'], /v9 would be missing between v8 and v10 .*renumber --onto origin\/<base>/)
  await refused(['9', '8'], /v8 is taken: migrations\/resources\/v8_step8 stays where it is/)
  await refused(['v42', '43'], /'v42' is not a version folder of migrations\/resources/)
  await refused(['9', 'ten'], /'ten' is not a version number/)
  const usage = await cli(['renumber', '9'], dir)
  expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining('renumber needs <from> <to>')])
  expect((await cli(['plan', '--onto', 'origin/main'], dir)).code).toBe(2)

  // Merged with main first: two v9 folders; the number alone is ambiguous, the folder's name is not.
  git(dir, 'merge', '-q', '--no-edit', 'origin/main')
  const merged = snapshot(dir)
  const twin = await cli(['renumber', '9', '10'], dir)
  expect([twin.code, twin.stderr]).toEqual([1, expect.stringContaining('has 2 folders for v9 (v9_add_tags, v9_add_users)')])
  expect(snapshot(dir)).toEqual(merged)
  const moved = await cli(['renumber', 'v9_add_tags', '10'], dir)
  expect(moved.code).toBe(0)
  expect(moved.stderr).toContain(`Renamed ${DIR}/v9_add_tags → v10_add_tags (v9 → v10)`)
  expect((await discoverMigrations(DIR, dir)).versions.map((v) => v.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
})

test('zero-padded folders keep their width, and two new versions move in order', async () => {
  const eight = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [`${DIR}/v00${i + 1}_step/01.sql`, `create table t${i + 1} (id int);\n`])
  )
  const dir = developer({
    eight,
    tags: { [`${DIR}/v009_tags/01.sql`]: 'create table tags (id int);\n', [`${DIR}/v010_more/01.sql`]: 'create table more (id int);\n' },
    users: {
      [`${DIR}/v009_users/01.sql`]: 'create table users (id int);\n',
      [`${DIR}/v010_roles/01.sql`]: 'create table roles (id int);\n'
    }
  })
  const ran = await cli(['renumber', '--onto', 'origin/main'], dir)
  expect(ran.code).toBe(0)
  expect(fs.readdirSync(path.join(dir, DIR)).filter((n) => !n.startsWith('v00'))).toEqual(['v011_tags', 'v012_more'])
})

describe('against a database', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let other: Awaited<ReturnType<typeof createTestDatabase>>
  beforeEach(async () => {
    db = await createTestDatabase('renumber')
    other = await createTestDatabase('renumber_other')
  })
  afterEach(async () => {
    await db.drop()
    await other.drop()
  })
  const versionsIn = async (url: string): Promise<number[]> =>
    (await sql<{ version: number }>(url, 'select version from schema_migrations order by version')).map((r) => r.version)

  test('a database that applied the branch’s v9 refuses the move, and neither the tree nor the database changes', async () => {
    const dir = developer()
    // A development database that ran the branch as it was: v1…v8 and the branch's own v9.
    const applied = await cli(['apply', '--database-url', db.url], dir)
    expect([applied.code, applied.stderr]).toEqual([0, expect.stringContaining('now at v9')])
    const tree = snapshot(dir)
    const ran = await cli(['renumber', '--onto', 'origin/main', '--json'], dir, { DATABASE_URL: db.url })
    expect(ran.code).toBe(1)
    const document = JSON.parse(ran.stdout) as { error: { message: string } }
    expect(document.error.message).toMatch(
      /^Nothing was renamed: the database \(renumber_\w+\) has applied v9_add_tags as v9 .*add a new version instead/
    )
    expect(snapshot(dir)).toEqual(tree)
    expect(await versionsIn(db.url)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  test('a database with main’s v9 applied lets the branch’s v9 move; a fleet with one target that applied it refuses', async () => {
    const dir = developer()
    // `db` ran main (v9_add_users); `other` ran the branch (v9_add_tags).
    const main = cloneOf(git(dir, 'config', 'remote.origin.url').replace('file://', ''), { branch: 'main' })
    expect((await cli(['apply', '--database-url', db.url], main)).code).toBe(0)
    expect((await cli(['apply', '--database-url', other.url], dir)).code).toBe(0)

    fs.writeFileSync(
      path.join(dir, 'fleet.yml'),
      'targets:\n  - name: eu\n    database-url-env: EU_URL\n  - name: us\n    database-url-env: US_URL\n'
    )
    const tree = snapshot(path.join(dir, DIR))
    const fleet = await cli(['renumber', '--onto', 'origin/main', '--targets', 'fleet.yml'], dir, { EU_URL: db.url, US_URL: other.url })
    expect([fleet.code, fleet.stderr]).toEqual([1, expect.stringMatching(/Nothing was renamed: us has applied v9_add_tags as v9/)])
    expect(fleet.stderr).not.toMatch(/eu has applied/)
    expect(snapshot(path.join(dir, DIR))).toEqual(tree)
    expect(await versionsIn(other.url)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])

    const ran = await cli(['renumber', '--onto', 'origin/main', '--database-url', db.url], dir)
    expect([ran.code, ran.stderr]).toEqual([0, expect.stringContaining('none has applied the versions moved')])
    expect(ran.stderr).not.toContain('No database was checked')
    expect(fs.existsSync(path.join(dir, DIR, 'v10_add_tags'))).toBe(true)
    expect(await versionsIn(db.url)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})

describe('new and plan on a branch whose origin/main has moved on', () => {
  test('new numbers after origin/main’s v9 when the branch has v8, and says which it followed', async () => {
    const { root } = repository(EIGHT)
    git(root, 'checkout', '-q', '-b', 'feature')
    git(root, 'checkout', '-q', 'main')
    commit(root, 'Add users (#123)', USERS)
    const dir = cloneOf(root, { branch: 'feature' })
    const ran = await cli(['new', 'add_tags', '--json'], dir)
    expect(ran.code).toBe(0)
    expect(JSON.parse(ran.stdout)).toMatchObject({ version: 10, dir: `${DIR}/v10_add_tags` })
    expect(ran.stderr).toContain(
      "Numbered v10 after origin/main's last version v9 (the working tree's last version v8): merge or rebase onto origin/main before planning"
    )

    // On main itself: after the working tree's v9, which origin/main has too.
    const onMain = cloneOf(root)
    const second = await cli(['new', 'add_tags'], onMain)
    expect(second.stderr).toContain("Numbered v10 after the working tree's last version v9 (origin/main has up to v9)")
    expect(fs.existsSync(path.join(onMain, DIR, 'v10_add_tags', '01_add_tags.sql'))).toBe(true)

    // Outside a git checkout there is nothing to compare with, and it says so.
    const plain = cliProjectWith(EIGHT)
    const third = await cli(['new', 'add_tags'], plain)
    expect(third.stderr).toContain("Numbered v9 after the working tree's last version v8 (no origin/HEAD to compare with)")
  })

  test('plan and validate fail first with both v9s named and the fix, before any database is asked anything', async () => {
    const dir = developer()
    // Nothing listens on port 1: a connection attempt would fail with another message.
    for (const command of ['plan', 'validate']) {
      const ran = await cli([command, '--database-url', 'postgres://ada:s3cret@127.0.0.1:1/app'], dir)
      expect(ran.code).toBe(1)
      expect(ran.stderr).toContain(
        `Two versions with one number: v9: this branch adds ${DIR}/v9_add_tags, and origin/main has ${DIR}/v9_add_users`
      )
      expect(ran.stderr).toContain('pull request #123')
      expect(ran.stderr).toContain('Fix: run git fetch origin main && npx aurora-migrate renumber --onto origin/main (')
      expect(ran.stderr).not.toMatch(/ECONNREFUSED|connect/i)
      expect(ran.stderr).not.toContain('s3cret')
    }
    // Fixed as it says: the check passes, and plan goes on to the database (which is not there).
    // Not committed yet: the working tree's folders are what is compared.
    expect((await cli(['renumber', '--onto', 'origin/main'], dir)).code).toBe(0)
    const after = await cli(['plan', '--database-url', 'postgres://ada:s3cret@127.0.0.1:1/app'], dir)
    expect(after.stderr).toContain('No version numbers taken twice')
    expect(after.stderr).not.toContain('Two versions with one number')
  })
})

test('the command line in a GitHub pull_request job compares what the action compares (the event), not origin/HEAD', async () => {
  const dir = developer()
  git(dir, 'remote', 'set-head', 'origin', '-d')
  const head = git(dir, 'rev-parse', 'HEAD')
  const event = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-event-')), 'event.json')
  fs.writeFileSync(event, JSON.stringify({ pull_request: { number: 8, head: { sha: head }, base: { sha: head, ref: 'main' } } }))
  const url = 'postgres://ada:s3cret@127.0.0.1:1/app'
  const ran = await cli(['plan', '--database-url', url, '--json'], dir, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event })
  expect(ran.code).toBe(1)
  expect((JSON.parse(ran.stdout) as { error: { message: string } }).error.message).toMatch(/^Two versions with one number: v9: /)
  // A missing event file: the local comparison, and nothing but the JSON document on stdout.
  const missing = await cli(['plan', '--database-url', url, '--json'], dir, {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: `${event}.gone`
  })
  expect(missing.stderr).toContain('No origin/HEAD: version numbers were not compared')
  expect(() => JSON.parse(missing.stdout) as unknown).not.toThrow()
})

/** A project folder (no git) holding `files`, which are written under the repository's paths. */
function cliProjectWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-cli-'))
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true })
    fs.writeFileSync(path.join(dir, name), text)
  }
  return dir
}
