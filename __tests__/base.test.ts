/** The base-branch comparison used by plan without credentials, on real git repositories. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { BaseCommitUnavailableError, baseRows } from '../src/migrations/base.js'
import { discoverMigrations } from '../src/migrations/discover.js'
import { planMigrations } from '../src/plan.js'

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim()
}

function write(root: string, files: Record<string, string | null>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name)
    if (text === null) {
      fs.rmSync(file, { force: true })
      if (!fs.readdirSync(path.dirname(file)).length) fs.rmdirSync(path.dirname(file))
    }
    else {
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
  expect(plan.drift).toEqual([{ version: 3, dir: 'db/v3', files: [{ name: '02_notes.sql', path: 'db/v3/02_notes.sql', change: 'modified' }] }])
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
  expect((error as Error).message).toMatch(new RegExp(`base commit ${base.slice(0, 12)} is not in the checkout \\(git fetch failed.*fetch-depth: 0`))
  await expect(baseRows(clone, 'db', 'not-a-sha; rm -rf /', versions, () => {})).rejects.toThrow(/not a commit SHA/)
})
