/**
 * The migration history is found where it is, is ours, and is read whole and as written: over a direct
 * PostgreSQL URL, each case judged by what the database holds afterwards.
 */
import { applyMigrations, type ApplyResult } from '../../src/engine/apply.js'
import { readHistory } from '../../src/engine/history.js'
import { resolveMetaTables } from '../../src/engine/meta-location.js'
import { readAppliedRows } from '../../src/engine/history-pages.js'
import { parseMetaTableName } from '../../src/meta-table-name.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { HistoryChangedError, InputError, MetaRowError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { writeMigrations } from '../../testkit/versions.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'

let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('history')
})
afterEach(async () => {
  await db.drop()
})

/** As the action runs apply: read the history where the meta-table input resolves (one call), then apply with it. */
async function applyAsTheAction(
  dir: string,
  metaTable = 'schema_migrations',
  extra: Parameters<typeof options>[0] = {},
  only?: number[]
): Promise<ApplyResult> {
  const { versions: all } = await discoverMigrations(dir, dir)
  const versions = only ? all.filter((v) => only.includes(v.number)) : all
  const target = new PostgresTarget(db.url, { wire: postgresql.wire })
  try {
    const name = parseMetaTableName(metaTable)
    const history = await readHistory(postgresql.engine, target, name)
    return await applyMigrations(
      target,
      versions,
      options({ tables: history.tables, history, createSchema: name.schema !== null, ...extra })
    )
  } finally {
    await target.close()
  }
}

async function versionsIn(table: string): Promise<number[]> {
  return (await sql<{ version: number }>(db.url, `select version from ${table} order by 1`)).map((r) => r.version)
}

async function exists(name: string): Promise<boolean> {
  return (await sql<{ present: boolean }>(db.url, 'select to_regclass($1) is not null as present', [name]))[0].present
}

describe('the meta table stays where the history is', () => {
  test.each([
    ['creates the schema named after the user ("$user", public)', 'create schema postgres;', 'postgres'],
    [
      'moves the database search_path',
      "create schema app; DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET search_path = app', current_database()); END $$;",
      'app'
    ]
  ])('a version that %s: the next run refuses, names both schemas, and re-applies nothing', async (_, v1, moved) => {
    const dir = writeMigrations({ 'v1/01.sql': `${v1}\ncreate table public.t1 (id int);` })
    const first = await applyAsTheAction(dir)
    expect(first.error).toBeNull()
    expect(await versionsIn('public.schema_migrations')).toEqual([1])

    writeMigrations({ 'v2/01.sql': 'create table public.t2 (id int);' }, dir)
    const refused = applyAsTheAction(dir)
    await expect(refused).rejects.toThrow(InputError)
    await expect(refused).rejects.toThrow(
      new RegExp(
        `default schema is now ${moved} .* the migration history is in public\\.schema_migrations.*meta-table: public\\.schema_migrations`
      )
    )
    // Nothing re-applied, nothing applied, no second history.
    expect(await versionsIn('public.schema_migrations')).toEqual([1])
    expect(await exists(`${moved}.schema_migrations`)).toBe(false)
    expect(await exists(`${moved}.schema_migrations_lock`)).toBe(false)
    expect(await exists('public.t2')).toBe(false)

    // The way out the message names: the history goes on where it is.
    const named = await applyAsTheAction(dir, 'public.schema_migrations')
    expect(named.error).toBeNull()
    expect(named.applied.map((a) => a.version)).toEqual([2])
    expect(await versionsIn('public.schema_migrations')).toEqual([1, 2])
  })

  test('a history only in another schema refuses an unqualified name until the new history is named; then each goes its own way', async () => {
    const dir = writeMigrations({ 'v1/01.sql': 'select 1;' })
    await sql(db.url, 'create schema other')
    expect((await applyAsTheAction(dir, 'other.schema_migrations')).error).toBeNull()
    // public has no history: it may be new, or a migration may have moved search_path away from it.
    await expect(applyAsTheAction(dir)).rejects.toThrow(
      /history is in other\.schema_migrations.*or meta-table: public\.schema_migrations to start a new history in public/
    )
    expect(await exists('public.schema_migrations')).toBe(false)
    expect((await applyAsTheAction(dir, 'public.schema_migrations')).error).toBeNull()
    const again = await applyAsTheAction(dir)
    expect(again.error).toBeNull()
    expect(again.applied).toEqual([])
    expect(await versionsIn('public.schema_migrations')).toEqual([1])
    expect(await versionsIn('other.schema_migrations')).toEqual([1])
  })
})

describe("another tool's schema_migrations", () => {
  test.each([
    [
      'golang-migrate',
      'create table schema_migrations (version bigint not null primary key, dirty boolean not null)',
      'insert into schema_migrations values (20240101120000, false)',
      /belongs to golang-migrate \(version bigint, dirty boolean\)/
    ],
    [
      'dbmate',
      'create table schema_migrations (version varchar(128) primary key)',
      "insert into schema_migrations values ('20240101120000')",
      /belongs to dbmate or Rails \(Active Record\) \(version character varying\(128\)\)/
    ],
    [
      'Rails',
      'create table schema_migrations (version character varying not null primary key)',
      "insert into schema_migrations values ('20240101120000')",
      /belongs to dbmate or Rails \(Active Record\) \(version character varying\)/
    ],
    [
      'an unknown tool',
      'create table schema_migrations (id serial primary key, name text)',
      "insert into schema_migrations (name) values ('x')",
      /is not a migration history of aurora-migrate: its columns are \(id integer, name text\)/
    ]
  ])('a table of %s is named, left untouched, and the meta-table input is the way out', async (_, ddl, insert, message) => {
    await sql(db.url, ddl)
    await sql(db.url, insert)
    const before = await sql(db.url, 'select * from schema_migrations')
    const dir = writeMigrations({ 'v1/01.sql': 'create table t1 (id int);' })
    const refused = applyAsTheAction(dir)
    await expect(refused).rejects.toThrow(InputError)
    await expect(refused).rejects.toThrow(message)
    await expect(refused).rejects.toThrow(/Give meta-table another name/)
    expect(await sql(db.url, 'select * from schema_migrations')).toEqual(before)
    expect(await exists('schema_migrations_lock')).toBe(false)
    expect(await exists('t1')).toBe(false)

    const beside = await applyAsTheAction(dir, 'aurora_migrations')
    expect(beside.error).toBeNull()
    expect(await versionsIn('aurora_migrations')).toEqual([1])
    expect(await sql(db.url, 'select * from schema_migrations')).toEqual(before)
  })
})

test('after an out-of-order apply the current version is the highest applied, not the last one', async () => {
  const dir = writeMigrations({
    'v1/01.sql': 'create table t1 (id int);',
    'v2/01.sql': 'create table t2 (id int);',
    'v3/01.sql': 'create table t3 (id int);'
  })
  // v2 arrives after v3 was applied (it was merged later).
  expect((await applyAsTheAction(dir, 'schema_migrations', {}, [1, 3])).toVersion).toBe(3)
  const result = await applyAsTheAction(dir, 'schema_migrations', { allowOutOfOrder: true })
  expect(result.error).toBeNull()
  expect(result.applied.map((a) => a.version)).toEqual([2])
  expect([result.fromVersion, result.toVersion]).toEqual([3, 3])
  expect(await versionsIn('schema_migrations')).toEqual([1, 2, 3])
})

describe('a history changed by hand or by a migration', () => {
  test.each([
    ['files', `files = '{}'`, /public\.schema_migrations: in the row of v2, files is '\{\}', not a JSON list/],
    ['files', `files = '[{"name": 1, "checksum": "x", "statements": 1}]'`, /in the row of v2, files is .*not a JSON list/],
    ['files', `files = 'null'`, /in the row of v2, files is 'null'/],
    ['checksum', `checksum = ''`, /in the row of v2, checksum is '', not a checksum/]
  ])('a hand-edited %s column (%s) is a clear error naming the version and column; nothing runs', async (column, set, message) => {
    const dir = writeMigrations({ 'v1/01.sql': 'create table t1 (id int);', 'v2/01.sql': 'create table t2 (id int);' })
    expect((await applyAsTheAction(dir)).error).toBeNull()
    await sql(db.url, `update schema_migrations set ${set} where version = 2`)
    const edited = await sql(db.url, 'select version, files::text from schema_migrations order by 1')
    writeMigrations({ 'v3/01.sql': 'create table t3 (id int);' }, dir)
    const failed = applyAsTheAction(dir)
    await expect(failed).rejects.toThrow(MetaRowError)
    await expect(failed).rejects.toThrow(message)
    await expect(failed).rejects.toMatchObject({ version: 2, column })
    expect(await sql(db.url, 'select version, files::text from schema_migrations order by 1')).toEqual(edited)
    expect(await exists('t3')).toBe(false)
  })

  test.each([
    ['truncates', 'truncate schema_migrations;'],
    ['deletes from', 'delete from schema_migrations where version = 1;'],
    ['inserts into', "insert into schema_migrations (version, checksum, files, execution_ms) values (99, 'x', '[]', 0);"]
  ])('a version that %s the meta table is rolled back with a clear error; the history is as it was', async (_, statement) => {
    const dir = writeMigrations({ 'v1/01.sql': 'create table t1 (id int);' })
    expect((await applyAsTheAction(dir)).error).toBeNull()
    const history = await sql(db.url, 'select * from schema_migrations order by version')
    writeMigrations({ 'v2/01.sql': `create table t2 (id int);\n${statement}`, 'v3/01.sql': 'create table t3 (id int);' }, dir)
    const result = await applyAsTheAction(dir)
    expect(result.error).toBeInstanceOf(HistoryChangedError)
    expect(result.error!.message).toMatch(
      /v2 changed the migration history: .*public\.schema_migrations no longer held the rows this run read/
    )
    expect(result.error!.message).toMatch(/Nothing of v2 was applied/)
    expect(result.failedVersion).toBe(2)
    expect(result.applied).toEqual([])
    expect(await sql(db.url, 'select * from schema_migrations order by version')).toEqual(history)
    expect(await exists('t2')).toBe(false)
    expect(await exists('t3')).toBe(false)
    expect((await sql<{ owner: string }>(db.url, 'select owner from schema_migrations_lock'))[0].owner).toBe('')
  })

  test('a no-transaction version that deletes a meta row is not recorded: the error says so, and what stays applied', async () => {
    const dir = writeMigrations({ 'v1/01.sql': 'create table t1 (id int);' })
    expect((await applyAsTheAction(dir)).error).toBeNull()
    writeMigrations(
      { 'v2/01.sql': '-- migrate:no-transaction\ndelete from schema_migrations where version = 1;\ncreate table t2 (id int);' },
      dir
    )
    const result = await applyAsTheAction(dir)
    expect(result.error).toBeInstanceOf(HistoryChangedError)
    expect(result.error!.message).toMatch(
      /v2 changed the migration history: .*All statements of v2 ran and stay applied; v2 is not recorded as applied/
    )
    // What ran outside a transaction stays: the deleted row is gone, v2 is not recorded.
    expect(await versionsIn('schema_migrations')).toEqual([])
    expect(await exists('t2')).toBe(true)
  })

  test('the versions a run applied before count as known: the second of two versions records normally', async () => {
    const dir = writeMigrations({
      'v1/01.sql': 'create table t1 (id int);',
      'v2/01.sql': 'create table t2 (id int);',
      'v3/01.sql': 'create table t3 (id int);'
    })
    const result = await applyAsTheAction(dir)
    expect(result.error).toBeNull()
    expect(await versionsIn('schema_migrations')).toEqual([1, 2, 3])
  })
})

test('a long files column is read whole, in slices', async () => {
  const files: Record<string, string> = {}
  for (let i = 0; i < 300; i++) files[`v1/${String(i).padStart(3, '0')}_${'x'.repeat(60)}.sql`] = `select ${i};`
  const dir = writeMigrations(files)
  expect((await applyAsTheAction(dir)).error).toBeNull()
  const length = (await sql<{ n: number }>(db.url, 'select octet_length(files::text) as n from schema_migrations'))[0].n
  expect(length).toBeGreaterThan(32 * 1024)
  const target = new PostgresTarget(db.url, { wire: postgresql.wire })
  try {
    const tables = await resolveMetaTables(postgresql.engine, target, parseMetaTableName('schema_migrations'))
    const rows = await readAppliedRows(postgresql.engine, target, tables)
    expect(rows[0].files).toHaveLength(300)
    expect(rows[0].files).toEqual((await sql<{ files: unknown }>(db.url, 'select files from schema_migrations'))[0].files)
  } finally {
    await target.close()
  }
})
