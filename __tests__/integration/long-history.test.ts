/**
 * A long migration history through the Data API emulator, which answers at most 1 MiB per call and
 * 64 KB per row as the service does: the meta table is read in pages, so plan and apply keep working
 * with a modest number of calls.
 */
import { applyMigrations } from '../../src/engine/apply.js'
import { resolveMetaTables } from '../../src/engine/meta-location.js'
import { readAppliedRows } from '../../src/engine/history-pages.js'
import { metaTables } from '../../src/engine/meta.js'
import { ensureMetaTables } from '../../src/engine/meta-store.js'
import { parseMetaTableName } from '../../src/meta-table-name.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { planMigrations } from '../../src/plan.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import type { Target } from '../../src/targets/target.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { writeMigrations } from '../../testkit/versions.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'

const emulator = useDataApiEmulator()

let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('long')
})
afterEach(async () => {
  await db.drop()
})

const tables = metaTables('public', 'schema_migrations')

function dataApi(): Target {
  return createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint
  })
}

/** Calls of this test's database since `from`. */
function callsSince(from: number): number {
  return emulator.calls.slice(from).filter((c) => c.database === db.name).length
}

/** Writes the meta rows an apply of each version would have written (applying 1,500 versions one by one would take minutes). */
async function recordAsApplied(rows: Array<{ version: number; description: string; checksum: string; files: unknown }>): Promise<void> {
  const owner = new PostgresTarget(db.url, { wire: postgresql.wire })
  try {
    await ensureMetaTables(postgresql.engine, owner, tables, false)
  } finally {
    await owner.close()
  }
  await sql(
    db.url,
    `insert into schema_migrations (version, description, checksum, files, execution_ms, applied_by, commit_sha, run_url)
select r.version, r.description, r.checksum, r.files, 12, 'octocat', 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffe', 'https://github.com/o/r/actions/runs/1234567890'
from jsonb_to_recordset($1::jsonb) as r(version integer, description text, checksum text, files jsonb)`,
    [JSON.stringify(rows)]
  )
}

test('1,500 applied versions of 4 files: the emulator refuses them in one reply; plan and apply of one new version read them in pages', async () => {
  const layout: Record<string, string> = {}
  for (let n = 1; n <= 1501; n++) {
    const dir = `v${n}_orders_change_${n}`
    layout[`${dir}/01_create_table_orders_${n}.sql`] = `create table orders_${n} (id bigint primary key, placed_at timestamptz not null);`
    layout[`${dir}/02_add_customer_reference_${n}.sql`] = `alter table orders_${n} add column customer_id bigint;`
    layout[`${dir}/03_create_index_on_customer_${n}.sql`] = `create index orders_${n}_customer on orders_${n} (customer_id);`
    layout[`${dir}/04_comment_on_orders_table_${n}.sql`] = `comment on table orders_${n} is 'orders, part ${n}';`
  }
  const root = writeMigrations(layout)
  const { versions } = await discoverMigrations(root, root)
  expect(versions).toHaveLength(1501)
  await recordAsApplied(
    versions.slice(0, 1500).map((v) => ({
      version: v.number,
      description: v.description,
      checksum: v.checksum,
      files: v.files.map((f) => ({ name: f.name, checksum: f.checksum, statements: f.statements.length }))
    }))
  )

  const target = dataApi()
  try {
    // The whole table in one reply is more than the service answers.
    await expect(
      target.query('SELECT version, description, checksum, files::text AS files, applied_by, commit_sha, run_url FROM schema_migrations')
    ).rejects.toThrow(/allowed response size limit/)

    let from = emulator.calls.length
    const rows = await readAppliedRows(postgresql.engine, target, tables)
    expect(rows.map((r) => r.version)).toEqual(versions.slice(0, 1500).map((v) => v.number))
    expect(rows[1499].files).toEqual(
      versions[1499].files.map((f) => ({ name: f.name, checksum: f.checksum, statements: f.statements.length }))
    )
    const readCalls = callsSince(from)
    expect(readCalls).toBeGreaterThanOrEqual(2)
    expect(readCalls).toBeLessThanOrEqual(6)
    expect(emulator.calls.slice(from).filter((c) => c.database === db.name && c.status !== 200)).toEqual([])

    const plan = planMigrations(versions, rows)
    expect(plan.refusals).toEqual([])
    expect(plan.pending.map((p) => p.version)).toEqual([1501])

    from = emulator.calls.length
    const result = await applyMigrations(target, versions, options())
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1501])
    expect([result.fromVersion, result.toVersion]).toEqual([1500, 1501])
    // Two reads of the history (before and under the lease), the lease, one transaction of 4 statements.
    expect(callsSince(from)).toBeLessThanOrEqual(30)
  } finally {
    await target.close()
  }
  expect(
    (await sql<{ n: number; top: number }>(db.url, 'select count(*)::int as n, max(version) as top from schema_migrations'))[0]
  ).toEqual({ n: 1501, top: 1501 })
  expect(await sql(db.url, `select to_regclass('orders_1501') is not null as present`)).toEqual([{ present: true }])
})

test('a row over 64 KB is refused by the emulator; a files column that long is read in slices', async () => {
  const files = Array.from({ length: 500 }, (_, i) => ({
    name: `${String(i).padStart(3, '0')}_${'a_long_descriptive_file_name_'.repeat(3)}.sql`,
    checksum: 'f'.repeat(64),
    statements: 1
  }))
  await recordAsApplied([{ version: 1, description: 'many_files', checksum: 'c'.repeat(64), files }])
  expect((await sql<{ n: number }>(db.url, 'select octet_length(files::text) as n from schema_migrations'))[0].n).toBeGreaterThan(64 * 1024)
  const target = dataApi()
  try {
    await expect(target.query('SELECT files::text AS files FROM schema_migrations')).rejects.toThrow(/Packet for query is too large/)
    const rows = await readAppliedRows(postgresql.engine, target, tables)
    expect(rows).toHaveLength(1)
    expect(rows[0].files).toEqual(files)
  } finally {
    await target.close()
  }
})

test('over the Data API, where the meta table is and whose it is take one catalog call', async () => {
  const target = dataApi()
  try {
    await sql(db.url, 'create table schema_migrations (version bigint not null primary key, dirty boolean not null)')
    let from = emulator.calls.length
    await expect(resolveMetaTables(postgresql.engine, target, parseMetaTableName('schema_migrations'))).rejects.toThrow(
      /belongs to golang-migrate \(version bigint, dirty boolean\)/
    )
    expect(callsSince(from)).toBe(1)
    from = emulator.calls.length
    await expect(resolveMetaTables(postgresql.engine, target, parseMetaTableName('aurora_migrations'))).resolves.toMatchObject({
      schema: 'public',
      table: 'aurora_migrations'
    })
    expect(callsSince(from)).toBe(1)
  } finally {
    await target.close()
  }
  expect(await sql(db.url, `select to_regclass('aurora_migrations') as t`)).toEqual([{ t: null }])
})
