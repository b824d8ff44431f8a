/**
 * A pull request controls every name, link and size in the migrations folder. What discover refuses
 * before reading anything, and what it warns about: each refusal names the path and says what to do,
 * and no refusal carries anything of what a link points at.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { InputError, MigrationFileError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { MAX_FILE_BYTES } from '../../src/migrations/files.js'
import { writeMigrations } from '../../testkit/versions.js'

/** A value that looks like a credential, in this process's environment: /proc/self/environ holds it. */
const SECRET = 'sk_live_4f9a2c71e0b3d8a6'

beforeAll(() => {
  process.env.AURORA_MIGRATE_TEST_TOKEN = SECRET
})
afterAll(() => {
  delete process.env.AURORA_MIGRATE_TEST_TOKEN
})

/** A workspace with a valid v1, plus whatever `extra` adds to it. */
function workspace(extra: (root: string) => void = () => {}): string {
  const root = writeMigrations({ 'migrations/v1/01_users.sql': 'create table users (id int);' })
  extra(root)
  return root
}

async function refusal(root: string): Promise<Error> {
  const error = await discoverMigrations('migrations', root).then(
    () => null,
    (e: Error) => e
  )
  if (!error) throw new Error('expected discover to refuse')
  // Nothing of a link's target may travel with the error, in any property.
  expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET)
  return error
}

const outside = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-outside-'))
  fs.writeFileSync(path.join(dir, 'secret.sql'), `select '${SECRET}';`)
  return dir
}

test.each([
  ['/proc/self/environ', (): string => '/proc/self/environ'],
  ['/dev/zero', (): string => '/dev/zero'],
  ['a file outside the repository', (): string => path.join(outside(), 'secret.sql')],
  ['a file inside the repository', (): string => '../v1/01_users.sql']
])('a migration file that is a symbolic link to %s is refused, and nothing of it is read', async (_name, target) => {
  const root = workspace((r) => {
    fs.mkdirSync(path.join(r, 'migrations/v2'))
    fs.symlinkSync(target(), path.join(r, 'migrations/v2/01_env.sql'))
  })
  const error = await refusal(root)
  expect(error).toBeInstanceOf(MigrationFileError)
  expect(error.message).toMatch(
    /^migrations\/v2\/01_env\.sql is a symbolic link: migrations must be regular files and folders .*replace the link with the file or folder itself$/
  )
  expect((error as MigrationFileError).location.file).toBe('migrations/v2/01_env.sql')
})

test('a version folder that is a symbolic link out of the repository is refused', async () => {
  const root = workspace((r) => fs.symlinkSync(outside(), path.join(r, 'migrations/v2_elsewhere')))
  const error = await refusal(root)
  expect(error.message).toMatch(/^migrations\/v2_elsewhere is a symbolic link/)
})

test('a version folder that is a regular file is refused, not skipped', async () => {
  const root = workspace((r) => fs.writeFileSync(path.join(r, 'migrations/v2'), 'create table x ();'))
  expect((await refusal(root)).message).toBe('migrations/v2 is a file, not a version folder: a version is a folder of .sql files')
})

test('the migrations folder itself reached through a link is refused', async () => {
  const real = workspace()
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-ws-'))
  fs.symlinkSync(path.join(real, 'migrations'), path.join(root, 'migrations'))
  const error = await refusal(root)
  expect(error).toBeInstanceOf(InputError)
  expect(error.message).toMatch(/^Input 'migrations-dir': 'migrations' is or lies under a symbolic link/)
})

test('a FIFO is refused without waiting for a writer', async () => {
  const root = workspace((r) => {
    fs.mkdirSync(path.join(r, 'migrations/v2'))
    execFileSync('mkfifo', [path.join(r, 'migrations/v2/01_pipe.sql')])
  })
  const started = Date.now()
  const error = await refusal(root)
  expect(error.message).toBe('migrations/v2/01_pipe.sql is a FIFO: migrations must be regular files and folders')
  expect(Date.now() - started).toBeLessThan(5_000)
})

test('a file over the size cap is refused with its size and the cap; one at the cap is read', async () => {
  const root = workspace((r) => {
    fs.mkdirSync(path.join(r, 'migrations/v2'))
    fs.writeFileSync(path.join(r, 'migrations/v2/01_big.sql'), `select 1;\n${'-'.repeat(MAX_FILE_BYTES - 10)}`)
  })
  const { versions } = await discoverMigrations('migrations', root)
  expect(versions[1].files[0].text.length).toBe(MAX_FILE_BYTES)
  fs.appendFileSync(path.join(root, 'migrations/v2/01_big.sql'), '-')
  const error = await refusal(root)
  expect(error.message).toBe(
    'migrations/v2/01_big.sql is 5,242,881 bytes: a migration file may be at most 5,242,880 bytes (5 MiB); split it into several files or versions'
  )
})

test.each([
  [
    'a line break that would inject workflow commands',
    '01_a\n::set-output name=pending::[]\n.sql',
    /^migrations\/v2\/01_a\\n::set-output name=pending::\[\]\\n\.sql: the name contains the control character \\n; rename it/
  ],
  ['an escape sequence', '01_\u001b[31mred.sql', /the control character \\u001b/],
  ['a right-to-left override', '01_users\u202eLQS.sql', /the control character \\u202e/],
  ['a line separator', '01_a\u2028b.sql', /the control character \\u2028/]
])('a file name with %s is refused, written with escapes', async (_name, file, message) => {
  const root = workspace((r) => writeMigrations({ [`migrations/v2/${file}`]: 'select 1;' }, r))
  const error = await refusal(root)
  expect(error.message).toMatch(message)
  expect(error.message).not.toMatch(/[\n\u001b\u202e\u2028]/)
  expect((error as MigrationFileError).location.file).not.toMatch(/[\n\u001b\u202e\u2028]/)
})

test('a folder name with a control character is refused', async () => {
  const root = workspace((r) => writeMigrations({ 'migrations/v2_a\rb/01.sql': 'select 1;' }, r))
  expect((await refusal(root)).message).toMatch(/^migrations\/v2_a\\rb: the name contains the control character \\r/)
})

test('hidden .sql files and folders are ignored with a warning; other hidden files silently', async () => {
  const root = workspace((r) =>
    writeMigrations(
      {
        'migrations/v1/.02_draft.sql': 'drop table users;',
        'migrations/.v2/01.sql': 'select 1;',
        'migrations/v1/.keep': '',
        'migrations/.DS_Store': ''
      },
      r
    )
  )
  const { versions, warnings } = await discoverMigrations('migrations', root)
  expect(versions.map((v) => v.files.map((f) => f.name))).toEqual([['01_users.sql']])
  expect(warnings).toEqual([
    'migrations/.v2 is hidden and was ignored: hidden files and folders never run',
    'migrations/v1/.02_draft.sql is hidden and was ignored: hidden files never run'
  ])
})

test('numeric prefixes of mixed widths run in name order: a warning names the files and the order', async () => {
  const root = writeMigrations({
    'migrations/v1/1_users.sql': 'create table users (id int);',
    'migrations/v1/2_lists.sql': 'create table lists (id int);',
    'migrations/v1/10_notes.sql': 'create table notes (id int);',
    'migrations/v2/01_a.sql': 'select 1;',
    'migrations/v2/02_b.sql': 'select 2;',
    'migrations/v2/10_c.sql': 'select 3;'
  })
  const { versions, warnings } = await discoverMigrations('migrations', root)
  expect(versions[0].files.map((f) => f.name)).toEqual(['10_notes.sql', '1_users.sql', '2_lists.sql'])
  expect(warnings).toEqual([
    'migrations/v1: file names start with numbers of different widths, and files run in name order: 10_notes.sql, 1_users.sql, 2_lists.sql ' +
      '(not 1_users.sql, 2_lists.sql, 10_notes.sql). If this version is not applied anywhere yet, pad the numbers to one width (01_, 02_, 10_)'
  ])
})
