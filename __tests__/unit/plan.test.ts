import { InputError } from '../../src/errors.js'
import { planMigrations } from '../../src/plan.js'
import { rowFor, version } from '../../testkit/versions.js'

const v1 = version(1, { '01_users.sql': 'create table users (id int);', '02_idx.sql': 'create index on users (id);' })
const v2 = version(2, { '01_lists.sql': 'create table lists (id int); create table tags (id int);' }, 'lists')
const v3 = version(3, { '01_notes.sql': 'create table notes (id int);' })
const v10 = version(10, { '01_x.sql': 'select 1;' })

test('a fresh database has every version pending, in numeric order', () => {
  const plan = planMigrations([v1, v2, v3, v10], [])
  expect(plan.currentVersion).toBe(0)
  expect(plan.pending.map((p) => p.version)).toEqual([1, 2, 3, 10])
  expect(plan.pending[1]).toMatchObject({
    version: 2,
    description: 'lists',
    statements: 2,
    files: [{ name: '01_lists.sql', statements: 2 }]
  })
  expect(plan.refusals).toEqual([])
})

test('applied versions are not pending; the current version is the highest applied', () => {
  const plan = planMigrations([v1, v2, v3], [rowFor(v1), rowFor(v2)])
  expect(plan.currentVersion).toBe(2)
  expect(plan.appliedVersions).toEqual([1, 2])
  expect(plan.pending.map((p) => p.version)).toEqual([3])
  expect(plan.refusals).toEqual([])
})

test('drift names each changed, added and removed file and refuses', () => {
  const edited = version(1, { '01_users.sql': 'create table users (id bigint);', '03_new.sql': 'select 1;' })
  const plan = planMigrations([edited, v2], [rowFor(v1)])
  expect(plan.drift).toEqual([
    {
      version: 1,
      dir: 'm/v1',
      files: [
        { name: '01_users.sql', path: 'm/v1/01_users.sql', change: 'modified' },
        { name: '03_new.sql', path: 'm/v1/03_new.sql', change: 'added' },
        { name: '02_idx.sql', path: 'm/v1/02_idx.sql', change: 'removed' }
      ]
    }
  ])
  expect(plan.refusals.join(' ')).toMatch(/drift: v1 \(m\/v1\/01_users.sql modified, m\/v1\/03_new.sql added, m\/v1\/02_idx.sql removed\)/)
})

test('line endings and a BOM are not drift', () => {
  const windows = version(1, {
    '01_users.sql': '\ufeffcreate table users (id int);'.replace(/\n/g, '\r\n'),
    '02_idx.sql': 'create index on users (id);'
  })
  expect(planMigrations([windows], [rowFor(v1)]).drift).toEqual([])
  const crlf = version(2, { '01_a.sql': 'select 1;\r\nselect 2;\r\n' })
  const lf = version(2, { '01_a.sql': 'select 1;\nselect 2;\n' })
  expect(crlf.checksum).toBe(lf.checksum)
})

test('a version applied in the database but absent on disk is missing and refuses', () => {
  const plan = planMigrations([v1, v3], [rowFor(v1), rowFor(v2)])
  expect(plan.missing).toEqual([2])
  expect(plan.refusals.join(' ')).toMatch(/missing: v2 is recorded in the database/)
})

test('a pending version below the current one is out of order and refuses', () => {
  const plan = planMigrations([v1, v2, v3], [rowFor(v1), rowFor(v3)])
  expect(plan.outOfOrder).toEqual([2])
  expect(plan.pending.map((p) => p.version)).toEqual([2])
  expect(plan.refusals.join(' ')).toMatch(/out of order: v2 is lower than the current version v3/)
})

test('target-version stops after that version and defers the rest', () => {
  const plan = planMigrations([v1, v2, v3, v10], [rowFor(v1)], { targetVersion: 3 })
  expect(plan.pending.map((p) => p.version)).toEqual([2, 3])
  expect(plan.deferred).toEqual([10])
  expect(() => planMigrations([v1, v2], [], { targetVersion: 7 })).toThrow(InputError)
  expect(() => planMigrations([v1, v2], [], { targetVersion: 7 })).toThrow(/target-version.*v7 is not a version.*v1, v2/)
})

test('statements longer than the transport limit are refused with their location', () => {
  const big = version(4, { '01_big.sql': `select 1;\n  select '${'x'.repeat(100)}';` })
  const plan = planMigrations([big], [], { maxStatementLength: 50 })
  expect(plan.oversized).toEqual([{ version: 4, file: 'm/v4/01_big.sql', line: 2, column: 3, length: 109, limit: 50 }])
  expect(plan.refusals.join(' ')).toMatch(/too long: m\/v4\/01_big.sql:2:3 \(109 characters\)/)
  expect(planMigrations([big], []).oversized).toEqual([])
})

test('a version larger than the transport takes in one call is refused by name', () => {
  const big = version(5, { '01.sql': `select '${'x'.repeat(3000)}';`, '02.sql': `select '${'y'.repeat(3000)}';` })
  const plan = planMigrations([v1, big], [rowFor(v1)], { maxVersionBytes: 4096 })
  expect(plan.tooLarge).toEqual([{ version: 5, bytes: 6018, limit: 4096 }])
  expect(plan.refusals.join(' ')).toMatch(
    /too large: v5 is 5\.9 KB of SQL; one invocation of the runner Lambda takes at most 4 KB\. Split it/
  )
  expect(planMigrations([v1, big], [rowFor(v1)]).tooLarge).toEqual([])
})

test('allow-out-of-order lists out-of-order versions without refusing, and plans them in ascending order with the rest', () => {
  const v4 = version(4, { '01.sql': 'select 4;' })
  const plan = planMigrations([v1, v2, v3, v4], [rowFor(v1), rowFor(v3)], { allowOutOfOrder: true })
  expect(plan.outOfOrder).toEqual([2])
  expect(plan.pending.map((p) => p.version)).toEqual([2, 4])
  expect(plan.refusals).toEqual([])
  expect(planMigrations([v1, v2, v3, v4], [rowFor(v1), rowFor(v3)], { allowOutOfOrder: false }).refusals.join(' ')).toMatch(
    /out of order: v2 is lower than the current version v3\. Renumber .* or set allow-out-of-order: true/
  )
})

test('allow-out-of-order does not excuse drift or missing versions', () => {
  const edited = version(1, { '01_users.sql': 'create table users (id bigint);', '02_idx.sql': 'create index on users (id);' })
  const plan = planMigrations([edited, v2, v3], [rowFor(v1), rowFor(v3), rowFor(v10)], { allowOutOfOrder: true })
  expect(plan.outOfOrder).toEqual([2])
  expect(plan.refusals).toHaveLength(2)
  expect(plan.refusals[0]).toMatch(/^drift: v1 /)
  expect(plan.refusals[1]).toMatch(/^missing: v10 /)
})

test('statements that cannot run in a transaction block are refused with file:line and the fix, unless their file has the directive', () => {
  const idx = version(4, {
    '01_table.sql': 'create table t (id int, body text);\n',
    '02_idx.sql':
      "-- an index\ninsert into t values (1, 'create index concurrently x on t (id)'); /* vacuum */\n  CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_id ON t (id);\n"
  })
  const plan = planMigrations([idx], [])
  expect(plan.transactionConflicts).toEqual([
    { version: 4, file: 'm/v4/02_idx.sql', line: 3, column: 3, statement: 'CREATE INDEX CONCURRENTLY', severity: 'error' }
  ])
  expect(plan.refusals.join(' ')).toMatch(
    /not in a transaction: m\/v4\/02_idx.sql:3:3 \(CREATE INDEX CONCURRENTLY\) cannot run inside a transaction block\. Add -- migrate:no-transaction as the first line of that file, or move the statement into a file of its own/
  )
  expect(plan.pending[0].files.map((f) => f.noTransaction)).toEqual([false, false])

  const fixed = version(4, {
    '01_table.sql': 'create table t (id int);\n',
    '02_idx.sql': '-- migrate:no-transaction\ncreate index concurrently t_id on t (id);\n'
  })
  const ok = planMigrations([fixed], [])
  expect(ok.transactionConflicts).toEqual([])
  expect(ok.refusals).toEqual([])
  expect(ok.pending[0].files.map((f) => f.noTransaction)).toEqual([false, true])
})

test('every kind of statement PostgreSQL refuses in a transaction block is found; ALTER TYPE … ADD VALUE only warns', () => {
  const sql = [
    'drop index concurrently if exists a',
    'reindex index concurrently a',
    'reindex (verbose, concurrently) table t',
    'reindex schema public',
    'vacuum (analyze) t',
    'create database d',
    'drop database if exists d',
    "alter system set work_mem = '8MB'",
    "create tablespace ts location '/x'",
    'alter table p detach partition p1 concurrently',
    "alter type mood add value 'meh'",
    // None of these is a conflict:
    'create index on t (id)',
    'reindex table t',
    'reindex (concurrently false) table t',
    "select 'vacuum'",
    '/* create index concurrently */ select 1',
    "alter type mood rename value 'a' to 'b'",
    'alter table p detach partition p1',
    'create table concurrently (id int)'
  ]
  const v = version(1, { '01.sql': sql.map((s) => `${s};`).join('\n') })
  const plan = planMigrations([v], [])
  expect(plan.transactionConflicts.map((c) => [c.line, c.statement, c.severity])).toEqual([
    [1, 'DROP INDEX CONCURRENTLY', 'error'],
    [2, 'REINDEX … CONCURRENTLY', 'error'],
    [3, 'REINDEX … CONCURRENTLY', 'error'],
    [4, 'REINDEX SCHEMA', 'error'],
    [5, 'VACUUM', 'error'],
    [6, 'CREATE DATABASE', 'error'],
    [7, 'DROP DATABASE', 'error'],
    [8, 'ALTER SYSTEM', 'error'],
    [9, 'CREATE TABLESPACE', 'error'],
    [10, 'ALTER TABLE … DETACH PARTITION … CONCURRENTLY', 'error'],
    [11, 'ALTER TYPE … ADD VALUE', 'warning']
  ])
  // A warning alone is no refusal.
  const warnOnly = planMigrations([version(1, { '01.sql': "create type mood as enum ('a'); alter type mood add value 'b';" })], [])
  expect(warnOnly.transactionConflicts).toHaveLength(1)
  expect(warnOnly.refusals).toEqual([])
})

test('applied versions are not checked for transaction conflicts', () => {
  const old = version(1, { '01.sql': 'vacuum;' })
  expect(planMigrations([old], [rowFor(old)]).transactionConflicts).toEqual([])
})
