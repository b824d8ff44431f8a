import fs from 'node:fs'
import path from 'node:path'
import { InputError, MigrationFileError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { writeMigrations } from '../../testkit/versions.js'

async function discoverError(files: Record<string, string | Buffer>): Promise<Error> {
  const dir = writeMigrations(files)
  return discoverMigrations('migrations', dir).then(
    () => {
      throw new Error('expected an error')
    },
    (error: Error) => error
  )
}

test('reads versions in numeric order and files in name order, with paths relative to the workspace', async () => {
  // v10 sorts before v8 and v9 by name: the order must be numeric. The lowest version need not be 1.
  const workspace = writeMigrations({
    'migrations/v10/01_a.sql': 'select 10;',
    'migrations/v9_add_lists/02_b.sql': 'select 2; select 22;',
    'migrations/v9_add_lists/01_a.sql': '-- first\nselect 21;',
    'migrations/v8/01_a.sql': 'select 1;',
    'migrations/v8/README.md': 'notes',
    'migrations/.DS_Store': ''
  })
  const { versions, warnings } = await discoverMigrations('migrations', workspace)
  expect(versions.map((v) => [v.number, v.description])).toEqual([
    [8, ''],
    [9, 'add_lists'],
    [10, '']
  ])
  expect(versions[1].files.map((f) => f.name)).toEqual(['01_a.sql', '02_b.sql'])
  expect(versions[1].files[0].statements[0]).toEqual({ sql: 'select 21', file: 'migrations/v9_add_lists/01_a.sql', line: 2, column: 1 })
  expect(versions[1].files[1].statements.map((s) => s.sql)).toEqual(['select 2', 'select 22'])
  expect(versions[0].files[0].checksum).toMatch(/^sha256:[0-9a-f]{64}$/)
  expect(versions.flatMap((v) => v.files.map((f) => f.noTransaction))).toEqual([false, false, false, false])
  expect(warnings).toEqual(['migrations/v8/README.md is not a .sql file and was ignored'])
})

test('-- migrate:no-transaction on the first line (after a BOM, with trailing spaces, CRLF) marks the file', async () => {
  const workspace = writeMigrations({
    'migrations/v1/01_table.sql': 'create table t (id int);',
    'migrations/v1/02_idx.sql': '-- migrate:no-transaction\ncreate index concurrently t_id on t (id);\n',
    'migrations/v2/01_bom.sql': '\ufeff-- migrate:no-transaction  \r\nvacuum t;\r\n',
    'migrations/v2/02_later.sql': 'select 1; -- migrate:no-transaction is only a directive at the start of a line\n'
  })
  const { versions } = await discoverMigrations('migrations', workspace)
  expect(versions.map((v) => v.files.map((f) => [f.name, f.noTransaction]))).toEqual([
    [
      ['01_table.sql', false],
      ['02_idx.sql', true]
    ],
    [
      ['01_bom.sql', true],
      ['02_later.sql', false]
    ]
  ])
  // The directive is a comment: it is not a statement, and the statement after it keeps its line.
  expect(versions[0].files[1].statements).toEqual([
    { sql: 'create index concurrently t_id on t (id)', file: 'migrations/v1/02_idx.sql', line: 2, column: 1 }
  ])
})

test('the seed ToDo example is read as it is laid out', async () => {
  const { versions } = await discoverMigrations('examples/todo/migrations/resources', path.resolve('.'))
  expect(versions.map((v) => v.number)).toEqual([1, 2])
  expect(versions[0].files.map((f) => [f.name, f.statements.length])).toEqual([
    ['01_updated_at_trigger.sql', 1],
    ['02_create_users.sql', 3],
    ['03_create_lists.sql', 3],
    ['04_create_notes.sql', 4]
  ])
})

test.each([
  [
    'two folders with one number',
    { 'migrations/v1/a.sql': 'select 1;', 'migrations/v01_again/a.sql': 'select 1;' },
    /migrations\/v01_again and migrations\/v1 are both version 1|migrations\/v1 and migrations\/v01_again are both version 1/
  ],
  [
    'a folder that is not v<N>',
    { 'migrations/v1/a.sql': 'select 1;', 'migrations/version2/a.sql': 'select 1;' },
    /migrations\/version2 is not a version folder/
  ],
  ['version 0', { 'migrations/v0/a.sql': 'select 1;' }, /migrations\/v0: a version must be an integer from 1/],
  [
    'a comment-only file',
    { 'migrations/v1/a.sql': 'select 1;', 'migrations/v2/a.sql': '-- nothing yet\n' },
    /^migrations\/v2\/a.sql has no SQL statements: remove it, or add SQL$/
  ],
  [
    'an empty file beside others',
    { 'migrations/v1/a.sql': 'select 1;', 'migrations/v1/b.sql': '' },
    /^migrations\/v1\/b.sql has no SQL statements: remove it, or add SQL$/
  ],
  [
    'a file with only the directive',
    { 'migrations/v1/a.sql': '-- migrate:no-transaction\n' },
    /^migrations\/v1\/a.sql has no SQL statements/
  ],
  [
    'a gap in the versions',
    { 'migrations/v1/a.sql': 'select 1;', 'migrations/v2_b/a.sql': 'select 1;', 'migrations/v5_e/a.sql': 'select 1;' },
    /^version 3 is missing between v2 \(migrations\/v2_b\) and v5 \(migrations\/v5_e\): versions must be consecutive; renumber v5 \(or restore v3, if it was removed\)$/
  ],
  [
    'an unknown directive',
    { 'migrations/v1/a.sql': 'select 1;\n  -- migrate:down\ndrop table t;' },
    /^migrations\/v1\/a.sql:2:3: unknown directive '-- migrate:down'; the only directive is -- migrate:no-transaction \(on the first line\)$/
  ],
  [
    'a misspelt directive on line 1',
    { 'migrations/v1/a.sql': '-- migrate:no-transactions\nvacuum;' },
    /unknown directive '-- migrate:no-transactions'/
  ],
  [
    'the directive below line 1',
    { 'migrations/v1/a.sql': '-- indexes\n-- migrate:no-transaction\nvacuum;' },
    /^migrations\/v1\/a.sql:2:1: -- migrate:no-transaction must be the first line of the file/
  ],
  [
    'the directive not written exactly',
    { 'migrations/v1/a.sql': '--migrate:no-transaction\nvacuum;' },
    /write the directive exactly as '-- migrate:no-transaction'/
  ],
  [
    'a version with no files',
    { 'migrations/v1/a.sql': 'select 1;', 'migrations/v2/notes.txt': 'x' },
    /migrations\/v2 \(version 2\) has no SQL statements/
  ],
  ['a non-UTF-8 file', { 'migrations/v1/a.sql': Buffer.from([0x73, 0x65, 0x6c, 0xe9, 0x3b]) }, /migrations\/v1\/a.sql is not valid UTF-8/],
  [
    'a SQL file outside a version',
    { 'migrations/v1/a.sql': 'select 1;', 'migrations/init.sql': 'select 1;' },
    /migrations\/init.sql is not inside a version folder/
  ],
  ['a psql meta-command', { 'migrations/v1/a.sql': 'select 1;\n\\i other.sql\n' }, /\\i/]
])('%s is an error naming the path', async (_name, files, message) => {
  const error = await discoverError(files)
  expect(error).toBeInstanceOf(MigrationFileError)
  expect(error.message).toMatch(message)
})

test('a directive error carries the file, line and column for the annotation', async () => {
  const error = (await discoverError({ 'migrations/v1/a.sql': 'select 1;\n\n-- migrate:no-transaction\n' })) as MigrationFileError
  expect(error.location).toEqual({ file: 'migrations/v1/a.sql', line: 3, column: 1 })
})

test('a missing directory is an error naming the input', async () => {
  const workspace = writeMigrations({})
  await expect(discoverMigrations('nope', workspace)).rejects.toThrow(InputError)
  await expect(discoverMigrations('nope', workspace)).rejects.toThrow(/Input 'migrations-dir': directory 'nope' does not exist/)
  fs.writeFileSync(path.join(workspace, 'file'), '')
  await expect(discoverMigrations('file', workspace)).rejects.toThrow(/'file' is not a directory/)
})
