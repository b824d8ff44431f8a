/**
 * validate, baseline and repair against a real PostgreSQL (and validate/baseline once through the Data
 * API emulator): what each one writes, what it refuses, and that none of them runs migration SQL.
 */
import { applyMigrations } from '../../src/engine/apply.js'
import { baseline, type BaselineOptions } from '../../src/engine/baseline.js'
import { repair } from '../../src/engine/repair.js'
import { validate } from '../../src/engine/validate.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { CommitOutcomeUnknownError, LeaseTimeoutError, OperationRefusedError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import type { Target } from '../../src/targets/target.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { writeMigrations } from '../../testkit/versions.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'

const THREE = {
  'v1/01_a.sql': 'create table a (id int);',
  'v2_b_table/01_b.sql': 'create table b (id int);',
  'v3/01_c.sql': 'create table c (id int);'
}

function baselineOptions(overrides: Partial<BaselineOptions> = {}): BaselineOptions & { logs: string[] } {
  return { ...options(), baselineVersion: null, from: null, ...overrides } as BaselineOptions & { logs: string[] }
}

async function discover(files: Record<string, string>) {
  const dir = writeMigrations(files)
  return { dir, versions: (await discoverMigrations(dir, dir)).versions }
}

let db: Awaited<ReturnType<typeof createTestDatabase>>
let target: Target
beforeEach(async () => {
  db = await createTestDatabase('ops')
  target = new PostgresTarget(db.url, { wire: postgresql.wire })
})
afterEach(async () => {
  await target.close()
  await db.drop()
})

/** Everything the action keeps in the database, to compare before and after a read-only command. */
async function dump(url: string): Promise<string> {
  const tables = await sql<{ t: string }>(
    url,
    `select table_name::text as t from information_schema.tables where table_schema = 'public' order by 1`
  )
  const names = tables.map((r) => r.t)
  const meta = names.includes('schema_migrations') ? await sql(url, 'select * from schema_migrations order by version') : null
  const lock = names.includes('schema_migrations_lock') ? await sql(url, 'select * from schema_migrations_lock') : null
  const progress = names.includes('schema_migrations_progress')
    ? await sql(url, 'select * from schema_migrations_progress order by version, step')
    : null
  return JSON.stringify({ names, meta, lock, progress })
}

async function publicTables(url: string): Promise<string[]> {
  const rows = await sql<{ t: string }>(
    url,
    `select table_name::text as t from information_schema.tables where table_schema = 'public' order by 1`
  )
  return rows.map((r) => r.t)
}

async function recorded(url: string): Promise<number[]> {
  return (await sql<{ version: number }>(url, 'select version from schema_migrations order by 1')).map((r) => r.version)
}

describe('validate', () => {
  test('a clean database has no problems and nothing is written', async () => {
    const { versions } = await discover(THREE)
    expect((await applyMigrations(target, versions.slice(0, 2), options())).error).toBeNull()
    const before = await dump(db.url)
    const result = await validate(target, versions, { dialect: postgresql.engine, tables: options().tables })
    expect(result.problems).toEqual([])
    expect(result.partial).toEqual([])
    expect(result.plan.pending.map((p) => p.version)).toEqual([3])
    expect(await dump(db.url)).toBe(before)
  })

  test('a database the action never touched: everything pending, no problem, no table created', async () => {
    const { versions } = await discover(THREE)
    const before = await dump(db.url)
    const result = await validate(target, versions, { dialect: postgresql.engine, tables: options().tables })
    expect(result.problems).toEqual([])
    expect(result.plan.pending.map((p) => p.version)).toEqual([1, 2, 3])
    expect(await dump(db.url)).toBe(before)
    expect(await publicTables(db.url)).toEqual([])
  })

  test('drift is a problem naming the file; nothing is written', async () => {
    const { dir, versions } = await discover(THREE)
    await applyMigrations(target, versions, options())
    writeMigrations({ 'v1/01_a.sql': 'create table a (id bigint);' }, dir)
    const edited = (await discoverMigrations(dir, dir)).versions
    const before = await dump(db.url)
    const result = await validate(target, edited, { dialect: postgresql.engine, tables: options().tables })
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0]).toMatch(/^drift: v1 \(v1\/01_a.sql modified\) changed after being applied/)
    expect(await dump(db.url)).toBe(before)
  })

  test('an out-of-order version is a problem unless allowed; a missing one always is', async () => {
    const { versions } = await discover(THREE)
    await applyMigrations(target, [versions[0], versions[2]], options())
    const before = await dump(db.url)
    const tables = options().tables
    const outOfOrder = await validate(target, versions, { dialect: postgresql.engine, tables })
    expect(outOfOrder.problems).toEqual([expect.stringMatching(/^out of order: v2 is lower than the current version v3/)])
    expect(outOfOrder.plan.outOfOrder).toEqual([2])
    const allowed = await validate(target, versions, { dialect: postgresql.engine, tables, allowOutOfOrder: true })
    expect(allowed.problems).toEqual([])
    expect(allowed.plan.outOfOrder).toEqual([2])
    const missing = await validate(target, versions.slice(0, 1), { dialect: postgresql.engine, tables, allowOutOfOrder: true })
    expect(missing.problems).toEqual([
      expect.stringMatching(/^missing: v3 is recorded in the database but not in the migrations directory/)
    ])
    expect(await dump(db.url)).toBe(before)
  })
})

test('a partly applied version: validate lists it, baseline refuses it, repair leaves it for apply', async () => {
  const { versions } = await discover(THREE)
  await applyMigrations(target, versions.slice(0, 2), options())
  // Two statements of v3 completed outside a transaction, then the run died.
  await sql(
    db.url,
    `insert into schema_migrations_progress (version, step, statement_checksum, file, line) values (3, 0, 'sha256:x', 'v3/01_c.sql', 1), (3, 1, 'sha256:y', 'v3/01_c.sql', 2)`
  )
  const before = await dump(db.url)
  const result = await validate(target, versions, { dialect: postgresql.engine, tables: options().tables })
  expect(result.partial).toEqual([{ version: 3, steps: 2 }])
  expect(result.problems).toEqual(['v3 is only partly applied (2 statements ran): re-run apply to finish it'])
  expect(await dump(db.url)).toBe(before)

  await sql(db.url, 'delete from schema_migrations')
  await expect(baseline(target, versions, baselineOptions({ baselineVersion: 3 }))).rejects.toThrow(
    'v3 (2 statements ran) is partly applied here: baseline only records versions that never ran here. Re-run apply to finish it.'
  )
  expect(await recorded(db.url)).toEqual([])

  const opts = options()
  expect(await repair(target, versions, opts)).toEqual({ accepted: [], clearedLease: null })
  expect(opts.logs).toContain('v3 is partly applied (2 statements ran); repair does not touch it — re-run apply')
  expect(await sql(db.url, 'select version, step from schema_migrations_progress order by step')).toEqual([
    { version: 3, step: 0 },
    { version: 3, step: 1 }
  ])
})

describe('baseline', () => {
  test('records v1..v2 without running them; the next apply runs only v3', async () => {
    const { versions } = await discover(THREE)
    const opts = baselineOptions({ baselineVersion: 2 })
    const result = await baseline(target, versions, opts)
    expect(result.recorded).toEqual([1, 2])
    expect(await publicTables(db.url)).toEqual(['schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
    const rows = await sql<Record<string, unknown>>(db.url, 'select * from schema_migrations order by version')
    expect(rows.map((r) => [r.version, r.description, r.execution_ms, r.applied_by, r.commit_sha, r.run_url])).toEqual([
      [1, '', 0, 'octocat', 'c0ffee', 'https://github.com/o/r/actions/runs/1'],
      [2, 'b_table', 0, 'octocat', 'c0ffee', 'https://github.com/o/r/actions/runs/1']
    ])
    expect(rows[1].checksum).toBe(versions[1].checksum)
    expect(rows[1].files).toEqual([{ name: '01_b.sql', checksum: versions[1].files[0].checksum, statements: 1 }])
    expect((await sql<{ free: boolean }>(db.url, 'select expires_at < now() as free from schema_migrations_lock'))[0].free).toBe(true)
    expect(opts.logs.join('\n')).toMatch(/Recorded v1, v2 in public.schema_migrations as applied, without running them/)

    const applied = await applyMigrations(target, versions, options())
    expect(applied.error).toBeNull()
    expect(applied.applied.map((a) => a.version)).toEqual([3])
    expect(await publicTables(db.url)).toEqual(['c', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
  })

  test('refuses a version that already ran here, writing nothing', async () => {
    const { versions } = await discover(THREE)
    await applyMigrations(target, versions.slice(0, 1), options())
    const before = await dump(db.url)
    const attempt = baseline(target, versions, baselineOptions({ baselineVersion: 2 }))
    await expect(attempt).rejects.toThrow(OperationRefusedError)
    await expect(baseline(target, versions, baselineOptions({ baselineVersion: 2 }))).rejects.toThrow(
      'v1 is already recorded in public.schema_migrations: baseline only records versions that never ran here.'
    )
    expect(await dump(db.url)).toBe(before)
  })

  test('refuses a version beyond the migrations directory, or a gap in it, without creating a table', async () => {
    const { versions } = await discover(THREE)
    await expect(baseline(target, versions, baselineOptions({ baselineVersion: 5 }))).rejects.toThrow(
      'v5 is beyond the migrations directory (the highest version on disk is v3): baseline only records versions that are on disk.'
    )
    // discover refuses gaps; baseline does not rely on it.
    await expect(baseline(target, [versions[0], versions[2]], baselineOptions({ baselineVersion: 3 }))).rejects.toThrow(
      'v2 is not in the migrations directory: baseline records v1..v3 as they are on disk, so each of them must be there.'
    )
    expect(await publicTables(db.url)).toEqual([])
  })

  test('from sequelize: a SequelizeMeta table with two rows records v1 and v2; the next apply runs only v3', async () => {
    const { versions } = await discover(THREE)
    // What the seed's sequelize-cli setup leaves: the schema, and one row per migration file that ran.
    await sql(db.url, 'create table a (id int); create table b (id int)')
    await sql(db.url, 'CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY)')
    await sql(db.url, `insert into "SequelizeMeta" (name) values ('20210801090000-b-table.js'), ('20210729101010-init-db.js')`)
    const opts = baselineOptions({ from: 'sequelize' })
    const result = await baseline(target, versions, opts)
    expect(result.recorded).toEqual([1, 2])
    expect(opts.logs).toEqual(
      expect.arrayContaining(['SequelizeMeta: 20210729101010-init-db.js ran v1', 'SequelizeMeta: 20210801090000-b-table.js ran v2'])
    )
    expect(await recorded(db.url)).toEqual([1, 2])
    const applied = await applyMigrations(target, versions, options())
    expect(applied.error).toBeNull()
    expect(applied.applied.map((a) => a.version)).toEqual([3])
    // A baseline-version that disagrees with SequelizeMeta is refused (checked before anything is read).
    await expect(baseline(target, versions, baselineOptions({ from: 'sequelize', baselineVersion: 3 }))).rejects.toThrow(
      'baseline-version is 3 but SequelizeMeta records 2 migrations (v1..v2): give only one of them, or make them agree.'
    )
  })

  test('from sequelize: more rows than version folders, or no SequelizeMeta table, is refused', async () => {
    const { versions } = await discover({ 'v1/01.sql': 'select 1;', 'v2/01.sql': 'select 2;' })
    await expect(baseline(target, versions, baselineOptions({ from: 'sequelize' }))).rejects.toThrow(
      /^no "SequelizeMeta" table: baseline-from: sequelize reads the migrations sequelize-cli recorded there/
    )
    await sql(db.url, 'CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY)')
    await sql(db.url, `insert into "SequelizeMeta" values ('20210729101010-init-db.js'), ('20210801090000-b.js'), ('20210901090000-c.js')`)
    await expect(baseline(target, versions, baselineOptions({ from: 'sequelize' }))).rejects.toThrow(
      'SequelizeMeta records 3 migrations but there is no v3 folder in the migrations directory: each sequelize migration file ran the folder v<its position>, so v1..v3 must all be there. Check migrations-dir.'
    )
    expect(await publicTables(db.url)).toEqual(['SequelizeMeta'])
  })

  test('from sequelize: a table in another schema, named by sequelizeTable', async () => {
    const { versions } = await discover(THREE)
    await sql(db.url, 'create schema legacy; CREATE TABLE legacy."SequelizeMeta" (name varchar(255) PRIMARY KEY)')
    await sql(db.url, `insert into legacy."SequelizeMeta" values ('20210729101010-init-db.js')`)
    const result = await baseline(target, versions, baselineOptions({ from: 'sequelize', sequelizeTable: 'legacy.SequelizeMeta' }))
    expect(result.recorded).toEqual([1])
    await expect(
      baseline(target, versions, baselineOptions({ from: 'sequelize', sequelizeTable: 'x"; drop table a; --' }))
    ).rejects.toThrow(/Input 'baseline-from': 'x"; drop table a; --' is not a valid table name/)
  })
})

test('a lost commit reply is settled by reading the meta table, not by re-sending', async () => {
  const { versions } = await discover(THREE)
  const real = target
  // First the reply is lost after the commit, then a transaction is lost before it reached the database.
  let mode: 'after' | 'before' = 'after'
  const lossy: Target = {
    description: 'lossy',
    query: (text, params) => real.query(text, params),
    close: async () => undefined,
    async transaction(statements) {
      if (mode === 'after') await real.transaction(statements)
      throw new CommitOutcomeUnknownError('reply lost')
    }
  }
  const opts = baselineOptions({ baselineVersion: 1 })
  expect((await baseline(lossy, versions, opts)).recorded).toEqual([1])
  expect(opts.logs.join('\n')).toMatch(/The reply to the commit of the baseline of v1 was lost; reading public.schema_migrations/)
  mode = 'before'
  await expect(baseline(lossy, versions, baselineOptions({ baselineVersion: 2 }))).rejects.toThrow(/^v1 is already recorded/)
  await sql(db.url, 'delete from schema_migrations')
  await expect(baseline(lossy, versions, baselineOptions({ baselineVersion: 2 }))).rejects.toThrow(
    'The commit of the baseline of v1..v2 got no reply and public.schema_migrations does not show it: nothing was written. Re-run.'
  )
  expect(await recorded(db.url)).toEqual([])
})

describe('repair', () => {
  test('accepts edited files without running them; apply then proceeds', async () => {
    const { dir, versions } = await discover({ 'v1/01_a.sql': 'create table a (id int);', 'v2/01_b.sql': 'create table b (id int);' })
    await applyMigrations(target, versions, options())
    writeMigrations(
      { 'v1/01_a.sql': 'create table a (id int);\nCREATE TABLE should_not_exist (id int);', 'v3/01_c.sql': 'create table c (id int);' },
      dir
    )
    const edited = (await discoverMigrations(dir, dir)).versions
    expect((await applyMigrations(target, edited, options())).error!.message).toMatch(/drift: v1/)

    const opts = options({ run: { actor: 'hubot', commitSha: 'feed', runUrl: null } })
    const result = await repair(target, edited, opts)
    expect(result).toEqual({ accepted: [{ version: 1, files: ['v1/01_a.sql'] }], clearedLease: null })
    expect(opts.logs.join('\n')).toMatch(/Accepted v1 as it is on disk \(v1\/01_a.sql modified\); its SQL was not run/)
    const rows = await sql<Record<string, unknown>>(
      db.url,
      'select version, checksum, files, repaired_by, repaired_at, applied_by from schema_migrations order by 1'
    )
    expect(rows[0]).toMatchObject({ version: 1, checksum: edited[0].checksum, repaired_by: 'hubot', applied_by: 'octocat' })
    expect(rows[0].files).toEqual([{ name: '01_a.sql', checksum: edited[0].files[0].checksum, statements: 2 }])
    expect(rows[0].repaired_at).toBeInstanceOf(Date)
    expect(rows[1]).toMatchObject({ version: 2, repaired_by: null, repaired_at: null })
    expect(await publicTables(db.url)).not.toContain('should_not_exist')

    const applied = await applyMigrations(target, edited, options())
    expect(applied.error).toBeNull()
    expect(applied.applied.map((a) => a.version)).toEqual([3])
    expect(await publicTables(db.url)).toEqual(['a', 'b', 'c', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])

    // Nothing left to repair: the row is untouched.
    const again = await repair(target, edited, options())
    expect(again.accepted).toEqual([])
  })

  test('clears an expired lease of a run that died and reports its owner', async () => {
    const { versions } = await discover(THREE)
    await applyMigrations(target, versions, options())
    await sql(
      db.url,
      `update schema_migrations_lock set owner = 'https://github.com/o/r/actions/runs/7 (crashed)', token = 41, expires_at = now() - interval '1 minute'`
    )
    const before = await sql(db.url, 'select * from schema_migrations order by version')
    const opts = options()
    const result = await repair(target, versions, opts)
    expect(result).toEqual({ accepted: [], clearedLease: 'https://github.com/o/r/actions/runs/7 (crashed)' })
    expect(opts.logs.join('\n')).toMatch(/Cleared the expired migration lease of https:\/\/github.com\/o\/r\/actions\/runs\/7 \(crashed\)/)
    const lock = await sql<{ owner: string; token: string; free: boolean }>(
      db.url,
      `select owner, token, expires_at = '-infinity' as free from schema_migrations_lock`
    )
    expect(lock[0].owner).toBe('')
    expect(lock[0].free).toBe(true)
    expect(Number(lock[0].token)).toBeGreaterThan(41)
    expect(await sql(db.url, 'select * from schema_migrations order by version')).toEqual(before)
  })

  test('a live lease of another run is waited for, not cleared', async () => {
    const { versions } = await discover(THREE)
    await applyMigrations(target, versions, options())
    await sql(db.url, `update schema_migrations_lock set owner = 'live run', token = 5, expires_at = now() + interval '1 hour'`)
    const opts = options({ lease: { owner: 'repairer', ttlSeconds: 30, waitTimeoutSeconds: 1 } })
    await expect(repair(target, versions, opts)).rejects.toThrow(LeaseTimeoutError)
    const lock = await sql<{ owner: string; token: string }>(db.url, 'select owner, token from schema_migrations_lock')
    expect(lock[0]).toEqual({ owner: 'live run', token: '5' })
  })

  test('a user without ALTER on the meta table can repair when there is no drift; the columns are only added when needed', async () => {
    const { versions } = await discover(THREE)
    await applyMigrations(target, versions, options())
    const role = `limited_${db.name}`.slice(0, 60)
    try {
      await sql(
        db.url,
        `create role "${role}" login password 'limited-pw'; grant select, insert, update on all tables in schema public to "${role}"`
      )
      const url = new URL(db.url)
      url.username = role
      url.password = 'limited-pw'
      const limited = new PostgresTarget(url.toString(), { wire: postgresql.wire })
      try {
        expect((await repair(limited, versions, options())).accepted).toEqual([])
        // With drift, the columns are needed: the error says how to add them, and no row changes.
        const before = await sql(db.url, 'select * from schema_migrations order by version')
        const edited = [{ ...versions[0], checksum: 'sha256:edited' }, ...versions.slice(1)]
        await expect(repair(limited, edited, options())).rejects.toThrow(
          /^repair records who accepted the files in two new columns of public.schema_migrations \(repaired_by, repaired_at\), and adding them failed: must be owner of table schema_migrations/
        )
        expect(await sql(db.url, 'select * from schema_migrations order by version')).toEqual(before)
        expect((await sql<{ owner: string }>(db.url, 'select owner from schema_migrations_lock'))[0].owner).toBe('')
      } finally {
        await limited.close()
      }
      const columns = await sql(
        db.url,
        `select 1 from information_schema.columns where table_name = 'schema_migrations' and column_name like 'repaired%'`
      )
      expect(columns).toEqual([])
    } finally {
      await sql(db.url, `drop owned by "${role}"`)
      await sql(process.env[ADMIN_URL_ENV]!, `drop role if exists "${role}"`)
    }
  })

  test('without a meta table there is nothing to repair and nothing is created', async () => {
    const { versions } = await discover(THREE)
    const opts = options()
    expect(await repair(target, versions, opts)).toEqual({ accepted: [], clearedLease: null })
    expect(opts.logs.join('\n')).toMatch(/public.schema_migrations does not exist: nothing was applied here, so there is nothing to repair/)
    expect(await publicTables(db.url)).toEqual([])
  })
})

test('allow-out-of-order applies v2 after v3 was applied', async () => {
  const { versions } = await discover(THREE)
  await applyMigrations(target, [versions[0], versions[2]], options())
  const refused = await applyMigrations(target, versions, options())
  expect(refused.error!.message).toMatch(/out of order: v2 is lower than the current version v3/)
  expect(await recorded(db.url)).toEqual([1, 3])
  const result = await applyMigrations(target, versions, options({ allowOutOfOrder: true }))
  expect(result.error).toBeNull()
  expect(result.plan.outOfOrder).toEqual([2])
  expect(result.applied.map((a) => a.version)).toEqual([2])
  expect(await recorded(db.url)).toEqual([1, 2, 3])
  expect(await publicTables(db.url)).toContain('b')
})

describe('through the RDS Data API', () => {
  const emulator = useDataApiEmulator()

  test('baseline from SequelizeMeta, validate, then apply runs only v3', async () => {
    const { versions } = await discover(THREE)
    await sql(db.url, 'create table a (id int); create table b (id int)')
    await sql(db.url, 'CREATE TABLE "SequelizeMeta" (name varchar(255) PRIMARY KEY)')
    await sql(db.url, `insert into "SequelizeMeta" values ('20210729101010-init-db.js'), ('20210801090000-b-table.js')`)
    const api = createDataApiTarget({
      wire: postgresql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint
    })
    try {
      const tables = options().tables
      const fresh = await validate(api, versions, { dialect: postgresql.engine, tables })
      expect(fresh.problems).toEqual([])
      expect(fresh.plan.pending.map((p) => p.version)).toEqual([1, 2, 3])
      expect((await baseline(api, versions, baselineOptions({ from: 'sequelize' }))).recorded).toEqual([1, 2])
      const before = await dump(db.url)
      const checked = await validate(api, versions, { dialect: postgresql.engine, tables })
      expect(checked.problems).toEqual([])
      expect(checked.plan.pending.map((p) => p.version)).toEqual([3])
      expect(await dump(db.url)).toBe(before)
      await expect(baseline(api, versions, baselineOptions({ baselineVersion: 2 }))).rejects.toThrow(
        /v1, v2 are already recorded in public.schema_migrations/
      )
      const applied = await applyMigrations(api, versions, options())
      expect(applied.error).toBeNull()
      expect(applied.applied.map((a) => a.version)).toEqual([3])
    } finally {
      await api.close()
    }
  })
})
