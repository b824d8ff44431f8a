/** The base-branch comparison used by plan without credentials, on real git repositories. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { MigrationFileError } from '../../src/errors.js'
import { BaseCommitUnavailableError, baseRows } from '../../testkit/migrations.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { MAX_FILE_BYTES } from '../../src/migrations/files.js'
import { planMigrations } from '../../src/plan.js'

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' }
  }).trim()
}

function write(root: string, files: Record<string, string | null>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name)
    if (text === null) {
      fs.rmSync(file, { force: true })
      if (!fs.readdirSync(path.dirname(file)).length) fs.rmdirSync(path.dirname(file))
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, text)
    }
  }
}

/** A repository whose first commit is the base branch and second the pull request. */
function repository(): { root: string; base: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-git-'))
  git(root, 'init', '-q', '-b', 'main')
  // The pull request deletes the lowest version (versions on disk must stay consecutive, so a deleted
  // version in the middle would be a discover error of its own).
  write(root, {
    'db/v1_gone/01.sql': 'select 1;',
    'db/v2/01_users.sql': 'create table users (id int);',
    'db/v3/01_lists.sql': 'create table lists (id int);',
    'db/v3/02_notes.sql': 'create table notes (id int);'
  })
  git(root, 'add', '.')
  git(root, 'commit', '-qm', 'base')
  const base = git(root, 'rev-parse', 'HEAD')
  write(root, {
    'db/v3/02_notes.sql': 'create table notes (id bigint);',
    'db/v1_gone/01.sql': null,
    'db/v4_new/01.sql': 'create table tags (id int);'
  })
  git(root, 'add', '-A')
  git(root, 'commit', '-qm', 'pull request')
  return { root, base }
}

test('the base commit stands in for the database: new versions pending, edited and deleted ones found', async () => {
  const { root, base } = repository()
  const { versions } = await discoverMigrations('db', root)
  const rows = await baseRows(root, 'db', base, versions, () => {})
  expect(rows.map((r) => r.version)).toEqual([1, 2, 3])
  const plan = planMigrations(versions, rows)
  expect(plan.currentVersion).toBe(3)
  expect(plan.pending.map((p) => p.version)).toEqual([4])
  expect(plan.drift).toEqual([
    { version: 3, dir: 'db/v3', files: [{ name: '02_notes.sql', path: 'db/v3/02_notes.sql', change: 'modified' }] }
  ])
  expect(plan.missing).toEqual([1])
  // Unchanged versions carry today's checksum; the edited one its base checksum.
  expect(versions.map((v) => v.number)).toEqual([2, 3, 4])
  expect(rows[1].checksum).toBe(versions[0].checksum)
  expect(rows[2].checksum).not.toBe(versions[1].checksum)
})

test('a shallow clone fetches the base commit from origin', async () => {
  const { root, base } = repository()
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-clone-'))
  git(clone, 'clone', '-q', '--depth=1', `file://${root}`, '.')
  expect(() => git(clone, 'cat-file', '-e', `${base}^{commit}`)).toThrow()
  const logs: string[] = []
  const { versions } = await discoverMigrations('db', clone)
  const rows = await baseRows(clone, 'db', base, versions, (m) => logs.push(m))
  expect(rows.map((r) => r.version)).toEqual([1, 2, 3])
  expect(logs.join('\n')).toMatch(/is not in the checkout; fetching it/)
})

test('a base commit that cannot be had is a clear error naming the fix', async () => {
  const { root, base } = repository()
  const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-clone-'))
  git(clone, 'clone', '-q', '--depth=1', `file://${root}`, '.')
  git(clone, 'remote', 'set-url', 'origin', path.join(os.tmpdir(), 'no-such-repository'))
  const { versions } = await discoverMigrations('db', clone)
  const error = await baseRows(clone, 'db', base, versions, () => {}).catch((e: Error) => e)
  expect(error).toBeInstanceOf(BaseCommitUnavailableError)
  expect((error as Error).message).toMatch(
    new RegExp(`base commit ${base.slice(0, 12)} is not in the checkout \\(git fetch failed.*fetch-depth: 0`)
  )
  await expect(baseRows(clone, 'db', 'not-a-sha; rm -rf /', versions, () => {})).rejects.toThrow(/not a commit SHA/)
})

test.each(['./db', 'db/', './db/', 'db/./', 'x/../db'])('migrations-dir %s finds the same base versions and drift as db', async (dir) => {
  const { root, base } = repository()
  const { versions } = await discoverMigrations(dir, root)
  const rows = await baseRows(root, dir, base, versions, () => {})
  expect(rows).toEqual(await baseRows(root, 'db', base, versions, () => {}))
  const plan = planMigrations(versions, rows)
  expect(plan.drift.map((d) => [d.version, d.files.map((f) => f.change)])).toEqual([[3, ['modified']]])
  expect(plan.pending.map((p) => p.version)).toEqual([4])
})

test('the fork-safe plan with migrations-dir ./migrations/resources finds drift in a merged version', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-git-'))
  git(root, 'init', '-q', '-b', 'main')
  write(root, {
    'migrations/resources/v1/01_users.sql': 'create table users (id int);',
    'migrations/resources/v2/01_lists.sql': 'create table lists (id int);'
  })
  git(root, 'add', '.')
  git(root, 'commit', '-qm', 'base')
  const base = git(root, 'rev-parse', 'HEAD')
  write(root, {
    'migrations/resources/v1/01_users.sql': 'create table users (id bigint);',
    'migrations/resources/v3/01_tags.sql': 'create table tags (id int);'
  })
  const { versions } = await discoverMigrations('./migrations/resources', root)
  const plan = planMigrations(versions, await baseRows(root, './migrations/resources', base, versions, () => {}))
  expect(plan.currentVersion).toBe(2)
  expect(plan.drift).toEqual([
    {
      version: 1,
      dir: 'migrations/resources/v1',
      files: [{ name: '01_users.sql', path: 'migrations/resources/v1/01_users.sql', change: 'modified' }]
    }
  ])
  expect(plan.pending.map((p) => p.version)).toEqual([3])
})

test('a workspace below the repository top reads the base commit at the same place', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-git-'))
  git(root, 'init', '-q', '-b', 'main')
  write(root, { 'app/db/v1/01_users.sql': 'create table users (id int);', 'db/v1/01_other.sql': 'select 1;' })
  git(root, 'add', '.')
  git(root, 'commit', '-qm', 'base')
  const base = git(root, 'rev-parse', 'HEAD')
  write(root, { 'app/db/v1/01_users.sql': 'create table users (id bigint);', 'app/db/v2/01_lists.sql': 'create table lists (id int);' })
  const workspace = path.join(root, 'app')
  const { versions } = await discoverMigrations('./db', workspace)
  const plan = planMigrations(versions, await baseRows(workspace, './db', base, versions, () => {}))
  expect(plan.drift).toEqual([
    { version: 1, dir: 'db/v1', files: [{ name: '01_users.sql', path: 'db/v1/01_users.sql', change: 'modified' }] }
  ])
  expect(plan.pending.map((p) => p.version)).toEqual([2])
})

test('a migrations-dir that leaves the workspace is refused', async () => {
  const { root, base } = repository()
  await expect(baseRows(root, '../db', base, [], () => {})).rejects.toThrow(/^Input 'migrations-dir': '..\/db' is outside the workspace/)
})

describe('the base commit is read from git objects, never through a link', () => {
  const SECRET = 'sk_live_base_5e1d0c'
  beforeAll(() => {
    process.env.AURORA_MIGRATE_TEST_TOKEN = SECRET
  })
  afterAll(() => {
    delete process.env.AURORA_MIGRATE_TEST_TOKEN
  })

  /** A base commit with `link` (relative to db/) as a symbolic link to `target`; the pull request replaces it with a file. */
  function linkedBase(link: string, target: string): { root: string; base: string } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-git-'))
    git(root, 'init', '-q', '-b', 'main')
    write(root, { 'db/v1/01_users.sql': 'create table users (id int);' })
    fs.mkdirSync(path.dirname(path.join(root, 'db', link)), { recursive: true })
    fs.symlinkSync(target, path.join(root, 'db', link))
    git(root, 'add', '.')
    git(root, 'commit', '-qm', 'base')
    const base = git(root, 'rev-parse', 'HEAD')
    fs.rmSync(path.join(root, 'db', link))
    write(root, { [`db/${link.includes('/') ? link : `${link}/01.sql`}`]: 'select 2;' })
    return { root, base }
  }

  test.each([
    [
      'a file linked to /proc/self/environ',
      'v2/01_env.sql',
      '/proc/self/environ',
      /^The base commit's [0-9a-f]{12}:db\/v2\/01_env\.sql is a symbolic link/
    ],
    ['a version folder linked out of the repository', 'v2', '/etc', /^The base commit's [0-9a-f]{12}:db\/v2 is a symbolic link/]
  ])('%s is refused', async (_name, link, target, message) => {
    const { root, base } = linkedBase(link, target)
    const { versions } = await discoverMigrations('db', root)
    const error = await baseRows(root, 'db', base, versions, () => {}).catch((e: Error) => e)
    expect(error).toBeInstanceOf(MigrationFileError)
    expect((error as Error).message).toMatch(message)
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(SECRET)
  })

  test('a file over the size cap at the base commit is refused with its size and the cap', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-git-'))
    git(root, 'init', '-q', '-b', 'main')
    write(root, { 'db/v1/01_seed.sql': `select 1;\n${'-'.repeat(MAX_FILE_BYTES)}` })
    git(root, 'add', '.')
    git(root, 'commit', '-qm', 'base')
    const base = git(root, 'rev-parse', 'HEAD')
    write(root, { 'db/v1/01_seed.sql': 'select 1;' })
    const { versions } = await discoverMigrations('db', root)
    await expect(baseRows(root, 'db', base, versions, () => {})).rejects.toThrow(
      /^The base commit's [0-9a-f]{12}:db\/v1\/01_seed\.sql is 5,242,890 bytes: a migration file may be at most 5,242,880 bytes/
    )
  })
})
