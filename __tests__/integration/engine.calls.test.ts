/**
 * What a run costs over the RDS Data API, counted on the emulator's log of calls: `plan` reads the
 * history in at most 2 calls, and `apply` of N versions costs N + 3 in all (read the history, take the
 * lease, one packed call per version, release), one more on a database without the meta tables.
 */
import { applyMigrations } from '../../src/engine/apply.js'
import { readHistory } from '../../src/engine/history.js'
import { parseMetaTableName } from '../../src/meta-table-name.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import type { Version } from '../../src/migrations/types.js'
import { planMigrations } from '../../src/plan.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import type { Target } from '../../src/targets/target.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { version } from '../../testkit/versions.js'
import { type EmulatorCall } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'

const emulator = useDataApiEmulator()

let db: Awaited<ReturnType<typeof createTestDatabase>>
let target: Target
beforeEach(async () => {
  db = await createTestDatabase('calls')
  target = createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint
  })
})
afterEach(async () => {
  await target.close()
  await db.drop()
})

/** Versions of three statements each, numbered from `from`. */
function versionsFrom(from: number, count: number): Version[] {
  return Array.from({ length: count }, (_, i) =>
    version(from + i, {
      '01_table.sql': `create table t${from + i} (id bigint primary key, note text);\ncreate index t${from + i}_note on t${from + i} (note);\n`,
      '02_data.sql': `insert into t${from + i} values (1, 'v${from + i}');\n`
    })
  )
}

/** The calls of this test's database since `first` (the emulator serves every test database). */
function callsSince(first: number): EmulatorCall[] {
  return emulator.calls.slice(first).filter((c) => c.database === db.name || c.op !== 'ExecuteStatement')
}

/**
 * The calls that belong to a version's transaction: its BeginTransaction, the calls inside it, its end,
 * and a packed version's one autocommit call (a DO block, see targets/packed.ts).
 */
function isVersionCall(call: EmulatorCall): boolean {
  if (call.op !== 'ExecuteStatement') return true
  return call.transactionId !== undefined || /^DO \$aurora_migrate_packed/.test(call.sql ?? '')
}

/** apply as the action runs it: read the history once (main.ts), then apply with it. */
async function apply(versions: Version[]): Promise<Awaited<ReturnType<typeof applyMigrations>>> {
  const history = await readHistory(postgresql.engine, target, parseMetaTableName('schema_migrations'))
  return applyMigrations(target, versions, options({ tables: history.tables, history }))
}

test('plan reads the history in one call, on a database with and without the meta tables', async () => {
  const versions = versionsFrom(1, 3)
  let first = emulator.calls.length
  const fresh = await readHistory(postgresql.engine, target, parseMetaTableName('schema_migrations'))
  expect(planMigrations(versions, fresh.rows).pending.map((p) => p.version)).toEqual([1, 2, 3])
  expect(callsSince(first).length).toBeLessThanOrEqual(2)
  // Planning created nothing.
  expect(await sql(db.url, `select 1 from information_schema.tables where table_name like 'schema_migrations%'`)).toEqual([])

  expect((await apply(versions.slice(0, 2))).error).toBeNull()
  first = emulator.calls.length
  const history = await readHistory(postgresql.engine, target, parseMetaTableName('schema_migrations'))
  expect(planMigrations(versions, history.rows).pending.map((p) => p.version)).toEqual([3])
  expect(callsSince(first)).toHaveLength(1)
})

test('apply of N versions costs N + 3 calls once the meta tables exist (overhead: read, lease, release)', async () => {
  expect((await apply(versionsFrom(1, 1))).error).toBeNull()
  const pending = versionsFrom(2, 5)
  const first = emulator.calls.length
  const result = await apply([...versionsFrom(1, 1), ...pending])
  expect(result.error).toBeNull()
  expect(result.applied.map((a) => a.version)).toEqual([2, 3, 4, 5, 6])
  const calls = callsSince(first)
  const overhead = calls.filter((c) => !isVersionCall(c))
  expect(overhead.map((c) => c.sql?.split('\n')[0].slice(0, 60))).toHaveLength(3)
  // One call per version: each packed, outside any Data API transaction.
  expect(calls.filter(isVersionCall).map((c) => [c.op, c.transactionId])).toEqual(pending.map(() => ['ExecuteStatement', undefined]))
  expect(calls).toHaveLength(pending.length + 3)
  // What the calls did: every version recorded, its tables there, the lease released.
  const rows = await sql<{ version: number }>(db.url, 'select version from schema_migrations order by version')
  expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6])
  expect(await sql(db.url, `select count(*)::int as n from information_schema.tables where table_name ~ '^t[0-9]+$'`)).toEqual([{ n: 6 }])
  expect(await sql(db.url, 'select owner from schema_migrations_lock')).toEqual([{ owner: '' }])
})

test('a fresh database adds one call: the meta tables are created in one', async () => {
  const pending = versionsFrom(1, 4)
  const first = emulator.calls.length
  const result = await apply(pending)
  expect(result.error).toBeNull()
  const calls = callsSince(first)
  expect(calls.filter((c) => !isVersionCall(c)).map((c) => c.sql?.split('\n')[0].slice(0, 60))).toHaveLength(4)
  expect(calls).toHaveLength(pending.length + 4)
  const rows = await sql<{ version: number }>(db.url, 'select version from schema_migrations order by version')
  expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4])
  expect(await sql(db.url, 'select owner from schema_migrations_lock')).toEqual([{ owner: '' }])
})

test('an apply with nothing to do reads once and takes no lease', async () => {
  const versions = versionsFrom(1, 2)
  expect((await apply(versions)).error).toBeNull()
  const token = await sql<{ token: string }>(db.url, 'select token::text from schema_migrations_lock')
  const first = emulator.calls.length
  const result = await apply(versions)
  expect(result.error).toBeNull()
  expect(result.applied).toEqual([])
  expect(callsSince(first)).toHaveLength(1)
  expect(await sql(db.url, 'select token::text from schema_migrations_lock')).toEqual(token)
})

test('a database of an earlier release (no progress table, a lease row): the missing table is added, and the lease taken as usual', async () => {
  expect((await apply(versionsFrom(1, 1))).error).toBeNull()
  await sql(db.url, `drop table schema_migrations_progress; update schema_migrations_lock set token = 41`)
  const first = emulator.calls.length
  const result = await apply(versionsFrom(1, 3))
  expect(result.error).toBeNull()
  expect(result.applied.map((a) => a.version)).toEqual([2, 3])
  // The block that would have created the lease row found one, and was rolled back whole; the lease was then taken.
  const failed = callsSince(first).filter((c) => c.error)
  expect(failed.map((c) => c.sql?.split('\n')[0])).toEqual([expect.stringMatching(/^SELECT CASE WHEN/), 'DO $aurora_migrate_create$'])
  expect(await sql(db.url, `select to_regclass('public.schema_migrations_progress') is not null as present`)).toEqual([{ present: true }])
  expect(await sql(db.url, 'select owner, token::int as token from schema_migrations_lock')).toEqual([{ owner: '', token: 42 }])
  expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([
    1, 2, 3
  ])
})
