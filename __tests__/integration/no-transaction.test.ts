/**
 * Files that start with `-- migrate:no-transaction`: their statements run one by one outside a
 * transaction, progress is recorded step by step, a re-run resumes, and a failed CREATE INDEX
 * CONCURRENTLY never leaves an INVALID index silently. Against the real PostgreSQL, directly and
 * through the Data API emulator.
 */
import pg from 'pg'
import { applyMigrations, type ApplyResult } from '../../src/engine/apply.js'
import { parseCreateIndexConcurrently, tableReference } from '../../src/dialects/postgresql/indexes.js'
import { metaTables } from '../../src/engine/meta.js'
import { readPartialVersions } from '../../src/engine/meta-store.js'
import { isMaintenance, statementEffect } from '../../src/dialects/postgresql/effects.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { segmentsOf, statementChecksum } from '../../src/engine/steps.js'
import { DatabaseError, LeaseTimeoutError, MigrationFileError, PlanRefusedError, StepFailedError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import type { Target } from '../../src/targets/target.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { version, writeMigrations } from '../../testkit/versions.js'
import { type EmulatorCall } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'

describe('parsing CREATE INDEX CONCURRENTLY', () => {
  test.each([
    ['create index concurrently t_id on t (id)', { unique: false, ifNotExists: false, name: 't_id', table: { schema: null, name: 't' } }],
    [
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS Users_Email ON App.Users USING btree (email)',
      { unique: true, ifNotExists: true, name: 'users_email', table: { schema: 'app', name: 'users' } }
    ],
    [
      'create index /* why */ concurrently "Odd ""Name""" on only "My Schema"."T" (x)',
      { unique: false, ifNotExists: false, name: 'Odd "Name"', table: { schema: 'My Schema', name: 'T' } }
    ],
    ['create index concurrently on t (id)', { unique: false, ifNotExists: false, name: null, table: { schema: null, name: 't' } }],
    ['create index concurrently x on db.s.t (id)', { unique: false, ifNotExists: false, name: 'x', table: { schema: 's', name: 't' } }]
  ])('%s', (text, expected) => {
    expect(parseCreateIndexConcurrently(text)).toEqual(expected)
  })

  test.each([
    'create index t_id on t (id)',
    'drop index concurrently t_id',
    "select 'create index concurrently x on t (id)'",
    'create index concurrently U&"d\\0061t" on t (x)',
    'create index concurrently if not exists on t (x)'
  ])('not one (or not readable): %s', (text) => {
    expect(parseCreateIndexConcurrently(text)).toBeNull()
  })

  test('the table reference keeps case and quotes', () => {
    expect(tableReference(parseCreateIndexConcurrently('create index concurrently i on "My Schema"."T" (x)')!)).toBe('"My Schema"."T"')
    expect(tableReference(parseCreateIndexConcurrently('create index concurrently i on Users (x)')!)).toBe('"users"')
  })
})

describe('what the catalog can confirm of a statement without a result', () => {
  test.each([
    ['drop index concurrently if exists t_id, App.Other', { kind: 'drop-index', indexes: ['"t_id"', '"app"."other"'] }],
    ['DROP INDEX "Odd"."Name" CASCADE', { kind: 'drop-index', indexes: ['"Odd"."Name"'] }],
    ["alter type mood add value if not exists 'it''s fine' after 'sad'", { kind: 'enum-label', type: '"mood"', label: "it's fine" }],
    ['vacuum t', { kind: 'vacuum', tables: ['"t"'], vacuum: true, analyze: false, full: false }],
    [
      'VACUUM (FULL, ANALYZE true, VERBOSE) s.t (a, b), u',
      { kind: 'vacuum', tables: ['"s"."t"', '"u"'], vacuum: true, analyze: true, full: true }
    ],
    ['vacuum (analyze off) t', { kind: 'vacuum', tables: ['"t"'], vacuum: true, analyze: false, full: false }],
    ['vacuum full freeze verbose analyze t', { kind: 'vacuum', tables: ['"t"'], vacuum: true, analyze: true, full: true }],
    ['analyse verbose t', { kind: 'vacuum', tables: ['"t"'], vacuum: false, analyze: true, full: false }],
    ['reindex (verbose) index concurrently s.i', { kind: 'reindex', scope: 'index', name: '"s"."i"' }],
    ['REINDEX TABLE "T"', { kind: 'reindex', scope: 'table', name: '"T"' }]
  ])('%s', (text, expected) => {
    expect(statementEffect(text)).toEqual(expected)
  })

  test.each([
    'vacuum',
    'vacuum (analyze)',
    'analyze',
    'reindex schema concurrently s',
    'reindex database d',
    "alter type mood add value E'x'",
    'cluster t',
    'refresh materialized view mv',
    'create index concurrently i on t (x)'
  ])('nothing to confirm: %s', (text) => {
    expect(statementEffect(text)).toBeNull()
  })

  test('maintenance statements (safe to run again) are told apart', () => {
    expect(
      ['vacuum', 'ANALYZE t', 'reindex schema s', 'cluster t', 'refresh materialized view concurrently mv', 'checkpoint'].map(isMaintenance)
    ).toEqual(Array(6).fill(true))
    expect(
      ['drop index i', "alter type m add value 'x'", 'create index concurrently i on t (x)', 'refresh something'].map(isMaintenance)
    ).toEqual(Array(4).fill(false))
  })
})

test('consecutive statements that may share a transaction form one segment; the rest run alone, in outside segments', () => {
  const v = version(1, {
    '01.sql': 'select 1; select 2;',
    '02.sql': 'select 3;',
    '03.sql': '-- migrate:no-transaction\nvacuum; vacuum;',
    '04.sql': '-- migrate:no-transaction\nvacuum;',
    '05.sql': 'select 4;'
  })
  expect(segmentsOf(v.files)).toEqual([
    { inTransaction: true, start: 0, end: 3 },
    { inTransaction: false, start: 3, end: 6 },
    { inTransaction: true, start: 6, end: 7 }
  ])
  // A dialect whose DDL commits on its own: each such statement leaves the transaction, wherever it is.
  const ddl = version(2, { '01.sql': 'insert 1; create a; insert 2; insert 3;', '02.sql': 'insert 4; create b;' })
  expect(segmentsOf(ddl.files, (sql) => sql.startsWith('create'))).toEqual([
    { inTransaction: true, start: 0, end: 1 },
    { inTransaction: false, start: 1, end: 2 },
    { inTransaction: true, start: 2, end: 5 },
    { inTransaction: false, start: 5, end: 6 }
  ])
  expect(statementChecksum('select 1')).toMatch(/^sha256:[0-9a-f]{64}$/)
})

const emulator = useDataApiEmulator()

const transports: Array<[string, (url: string) => Target]> = [
  ['a direct PostgreSQL URL', (url) => new PostgresTarget(url, { wire: postgresql.wire })],
  [
    'the RDS Data API',
    (url) =>
      createDataApiTarget({
        wire: postgresql.wire,
        resourceArn: emulator.resourceArn,
        secretArn: emulator.secretArn,
        database: new URL(url).pathname.slice(1),
        endpoint: emulator.endpoint
      })
  ]
]

describe.each(transports)('no-transaction files over %s', (_name, connectTo) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  const targets: Target[] = []
  const connect = (): Target => {
    const target = connectTo(db.url)
    targets.push(target)
    return target
  }
  const apply = async (dir: string, overrides: Parameters<typeof options>[0] = {}): Promise<ApplyResult & { logs: string[] }> => {
    const { versions } = await discoverMigrations(dir, dir)
    const opts = options(overrides)
    const result = await applyMigrations(connect(), versions, opts)
    return { ...result, logs: opts.logs }
  }
  const versionsIn = async (): Promise<number[]> =>
    (await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)
  const progress = async (): Promise<Array<Record<string, unknown>>> =>
    sql(db.url, 'select version, step, file, line, statement_checksum from schema_migrations_progress order by version, step')
  const indexValid = async (name: string): Promise<boolean | null> =>
    (await sql<{ valid: boolean }>(db.url, 'select i.indisvalid as valid from pg_index i where i.indexrelid = to_regclass($1)', [name]))[0]
      ?.valid ?? null

  beforeEach(async () => {
    db = await createTestDatabase('notx')
  })
  afterEach(async () => {
    await Promise.all(targets.splice(0).map((t) => t.close()))
    await db.drop()
  })

  test('a version mixing ordinary files and a no-transaction CREATE INDEX CONCURRENTLY applies; the index is valid, the progress gone', async () => {
    const dir = writeMigrations({
      'v1/01_table.sql': 'create table t (id int);\ninsert into t select g from generate_series(1, 1000) g;\n',
      'v1/02_idx.sql': '-- migrate:no-transaction\ncreate index concurrently t_id on t (id);\n',
      'v1/03_after.sql': 'create table u (id int);\n',
      'v2/01.sql': 'create table w (id int);\n'
    })
    const result = await apply(dir)
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => [a.version, a.statements])).toEqual([
      [1, 4],
      [2, 1]
    ])
    expect(result.logs).toContain('Applying v1: 4 statements in 3 files; 02_idx.sql runs outside a transaction')
    expect(await indexValid('t_id')).toBe(true)
    expect(await versionsIn()).toEqual([1, 2])
    expect(await progress()).toEqual([])
    expect(await sql(db.url, `select 1 from information_schema.tables where table_name in ('u', 'w')`)).toHaveLength(2)
    expect((await sql<{ free: boolean }>(db.url, 'select expires_at < now() as free from schema_migrations_lock'))[0].free).toBe(true)
  })

  test("execution_ms of a version run in steps is the version's whole time, not only its last transaction's", async () => {
    const dir = writeMigrations({
      // Ends outside a transaction: the meta row is written by a transaction of its own.
      'v1/01_table.sql': 'create table t (id int);\n',
      'v1/02_sleep.sql': '-- migrate:no-transaction\nselect pg_sleep(0.25);\n',
      // Ends with an ordinary file: the meta row is written by that file's transaction.
      'v2/01_sleep.sql': '-- migrate:no-transaction\nselect pg_sleep(0.25);\n',
      'v2/02_table.sql': 'create table u (id int);\n',
      // One transaction, for comparison: measured by the database, as before.
      'v3/01.sql': 'select pg_sleep(0.25);\n',
      'v4/01.sql': 'create table w (id int);\n'
    })
    const result = await apply(dir)
    expect(result.error).toBeNull()
    const rows = await sql<{ version: number; execution_ms: number }>(
      db.url,
      'select version, execution_ms from schema_migrations order by 1'
    )
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4])
    const seen = new Map(result.applied.map((a) => [a.version, a.durationMs]))
    for (const row of rows.slice(0, 3)) {
      expect(row.execution_ms).toBeGreaterThanOrEqual(250)
      // Never more than the run itself saw the version take.
      expect(row.execution_ms).toBeLessThanOrEqual(seen.get(row.version)! + 5)
    }
    expect(rows[3].execution_ms).toBeLessThan(250)
  })

  const failing = {
    'v1/01_table.sql': 'create table t (id int);\n',
    'v1/02_steps.sql':
      '-- migrate:no-transaction\ninsert into t values (1);\ncreate index concurrently t_id on t (id);\ninsert into t values (2, 2);\ninsert into t values (3);\n'
  }

  async function failFirst(): Promise<string> {
    const dir = writeMigrations(failing)
    const result = await apply(dir)
    expect(result.failedVersion).toBe(1)
    const error = result.error as StepFailedError
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error.location).toMatchObject({ file: 'v1/02_steps.sql', line: 4 })
    expect([error.completedSteps, error.totalSteps]).toEqual([3, 5])
    expect(error.message).toMatch(
      /^v1 failed at v1\/02_steps.sql:4:\d+: INSERT has more expressions than target columns \(SQLSTATE 42601\)\./
    )
    expect(error.message).toMatch(
      /v1 is partly applied: steps 1–3 of 5 ran and stay applied \(recorded in public.schema_migrations_progress\), and v1 is not recorded as applied\. Fix the failing statement and re-run: the run resumes after step 3\./
    )
    return dir
  }

  test('a failing statement in a no-transaction file keeps the completed steps; the re-run resumes after them without re-running them', async () => {
    const dir = await failFirst()
    expect(await progress()).toEqual([
      { version: 1, step: 0, file: 'v1/01_table.sql', line: 1, statement_checksum: statementChecksum('create table t (id int)') },
      { version: 1, step: 1, file: 'v1/02_steps.sql', line: 2, statement_checksum: statementChecksum('insert into t values (1)') },
      {
        version: 1,
        step: 2,
        file: 'v1/02_steps.sql',
        line: 3,
        statement_checksum: statementChecksum('create index concurrently t_id on t (id)')
      }
    ])
    expect(await versionsIn()).toEqual([])
    const target = connect()
    expect(await readPartialVersions(postgresql.engine, target, metaTables('public', 'schema_migrations'))).toEqual([
      { version: 1, steps: 3 }
    ])

    writeMigrations({ 'v1/02_steps.sql': failing['v1/02_steps.sql'].replace('(2, 2)', '(2)') }, dir)
    const rerun = await apply(dir)
    expect(rerun.error).toBeNull()
    expect(rerun.applied.map((a) => a.version)).toEqual([1])
    expect(rerun.logs).toContain('Resuming v1 after step 3 of 5 (v1/02_steps.sql:3)')
    // Row 1 once: the first insert was not run again.
    expect((await sql<{ id: number }>(db.url, 'select id from t order by id')).map((r) => r.id)).toEqual([1, 2, 3])
    expect(await versionsIn()).toEqual([1])
    expect(await progress()).toEqual([])
    expect(await readPartialVersions(postgresql.engine, target, metaTables('public', 'schema_migrations'))).toEqual([])
    expect(await indexValid('t_id')).toBe(true)
  })

  test('editing a statement that already ran makes the re-run refuse, naming it', async () => {
    const dir = await failFirst()
    writeMigrations({ 'v1/02_steps.sql': failing['v1/02_steps.sql'].replace('(1)', '(10)').replace('(2, 2)', '(2)') }, dir)
    const rerun = await apply(dir)
    expect(rerun.failedVersion).toBe(1)
    expect(rerun.error).toBeInstanceOf(MigrationFileError)
    expect((rerun.error as MigrationFileError).location).toEqual({ file: 'v1/02_steps.sql', line: 2, column: 1 })
    expect(rerun.error!.message).toMatch(
      /^v1 is partly applied: steps 1–3 of 5 ran in an earlier run, but the statement at v1\/02_steps.sql:2 \(step 2\) has changed since it ran\. Statements that ran must not be edited/
    )
    expect((await sql<{ id: number }>(db.url, 'select id from t order by id')).map((r) => r.id)).toEqual([1])
    expect(await progress()).toHaveLength(3)
  })

  test('a failed CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS names the INVALID index and the DROP; the re-run drops and rebuilds it', async () => {
    const dir = writeMigrations({
      'v1/01_data.sql': "create table u (email text);\ninsert into u values ('a'), ('a'), ('b');\n",
      'v1/02_idx.sql': '-- migrate:no-transaction\ncreate unique index concurrently if not exists u_email on u (email);\n'
    })
    const first = await apply(dir)
    const error = first.error as StepFailedError
    expect(error).toBeInstanceOf(StepFailedError)
    expect(error.sqlError.sqlState).toBe('23505')
    expect(error.location).toEqual({ file: 'v1/02_idx.sql', line: 2, column: 1 })
    expect(error.message).toMatch(/could not create unique index "u_email"/)
    expect(error.message).toContain('The failed build left the INVALID index public.u_email behind')
    expect(error.message).toContain(
      'drop it with DROP INDEX CONCURRENTLY public.u_email; then fix the cause (duplicate values, for a unique index) and re-run.'
    )
    expect(await indexValid('u_email')).toBe(false)
    expect(await progress()).toHaveLength(2)

    await sql(db.url, "delete from u where ctid in (select ctid from u where email = 'a' limit 1)")
    const rerun = await apply(dir)
    expect(rerun.error).toBeNull()
    expect(rerun.logs).toContain(
      'v1/02_idx.sql:2: the INVALID index public.u_email is left from an earlier failed build; dropping it (DROP INDEX CONCURRENTLY IF EXISTS public.u_email) before building it again'
    )
    expect(await indexValid('u_email')).toBe(true)
    expect(await versionsIn()).toEqual([1])
    expect(await progress()).toEqual([])
  })

  test('without IF NOT EXISTS the INVALID index stops every re-run until it is dropped', async () => {
    const dir = writeMigrations({
      'v1/01_data.sql': "create schema app;\ncreate table app.u (email text);\ninsert into app.u values ('a'), ('a');\n",
      'v1/02_idx.sql': '-- migrate:no-transaction\ncreate unique index concurrently u_email on app.u (email);\n'
    })
    const first = await apply(dir)
    expect(first.error!.message).toContain('DROP INDEX CONCURRENTLY app.u_email;')
    const again = await apply(dir)
    expect((again.error as StepFailedError).sqlError.sqlState).toBe('42P07')
    expect(again.error!.message).toContain('The failed build left the INVALID index app.u_email behind')
    await sql(db.url, 'drop index concurrently app.u_email')
    await sql(db.url, "update app.u set email = 'b' where ctid in (select ctid from app.u limit 1)")
    const fixed = await apply(dir)
    expect(fixed.error).toBeNull()
    expect(await indexValid('app.u_email')).toBe(true)
  })

  test('an error reply for an index that was in fact built is checked in the catalog and taken as done', async () => {
    const dir = writeMigrations({
      'v1/01.sql': '-- migrate:no-transaction\ncreate table t (id int);\ncreate index concurrently t_id on t (id);\nselect 1;\n'
    })
    const { versions } = await discoverMigrations(dir, dir)
    const real = connect()
    // The reply a Data API user once saw although the index was built and valid.
    const target: Target = {
      description: 'lying',
      transaction: (statements) => real.transaction(statements),
      close: async () => undefined,
      async query(text, params, queryOptions) {
        const result = await real.query(text, params, queryOptions)
        if (/^create index concurrently/.test(text)) throw new DatabaseError({ message: 'Database returned SQL Exception' })
        return result
      }
    }
    const opts = options()
    const result = await applyMigrations(target, versions, opts)
    expect(result.error).toBeNull()
    expect(opts.logs).toContain(
      'v1/01.sql:3 answered "Database returned SQL Exception", but the index public.t_id exists and is valid: the statement took effect; continuing'
    )
    expect(await versionsIn()).toEqual([1])
  })

  test('a long transaction of another session delays the build without deadlocking: the engine holds no transaction meanwhile and keeps its lease', async () => {
    await sql(db.url, 'create table other (id int); insert into other values (1)')
    const dir = writeMigrations({
      'v1/01_table.sql': 'create table t (id int);\ninsert into t select g from generate_series(1, 100) g;\n',
      'v1/02_idx.sql': '-- migrate:no-transaction\ncreate index concurrently t_id on t (id);\n'
    })
    const blocker = new pg.Client({ connectionString: db.url })
    const observer = new pg.Client({ connectionString: db.url })
    await blocker.connect()
    await observer.connect()
    try {
      // A snapshot older than the build: CREATE INDEX CONCURRENTLY waits for it to end.
      await blocker.query('begin isolation level repeatable read')
      await blocker.query('select count(*) from other')
      const running = apply(dir, { lease: { owner: 'builder', ttlSeconds: 2, waitTimeoutSeconds: 5 } })
      const mine = [
        (await blocker.query('select pg_backend_pid() as pid')).rows[0].pid,
        (await observer.query('select pg_backend_pid() as pid')).rows[0].pid
      ]
      let waiting = false
      for (let i = 0; i < 200 && !waiting; i++) {
        const { rows } = await observer.query(
          `select 1 from pg_stat_activity where datname = current_database() and state = 'active' and query ilike 'create index concurrently%' and wait_event_type = 'Lock'`
        )
        waiting = rows.length > 0
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(waiting).toBe(true)
      // Another run arrives while the build waits: the lease stays renewed (ttl 2 s), so it must give up.
      const competitor = apply(dir, { lease: { owner: 'competitor', ttlSeconds: 2, waitTimeoutSeconds: 3 } })
      for (let i = 0; i < 30; i++) {
        const { rows } = await observer.query(
          `select pid, state, left(query, 60) as query from pg_stat_activity where datname = current_database() and pid <> all($1::int[]) and state like 'idle in transaction%'`,
          [mine]
        )
        expect(rows).toEqual([])
        await new Promise((resolve) => setTimeout(resolve, 150))
      }
      const lost = await competitor
      expect(lost.error).toBeInstanceOf(LeaseTimeoutError)
      expect(lost.error!.message).toMatch(/Another run holds the migration lease: builder/)
      // Still waiting for the other session; its commit lets the build finish.
      expect(await indexValid('t_id')).toBe(false)
      await blocker.query('commit')
      const result = await running
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(await indexValid('t_id')).toBe(true)
    } finally {
      await blocker.end().catch(() => undefined)
      await observer.end().catch(() => undefined)
    }
  })

  test('the plan refuses CREATE INDEX CONCURRENTLY in a file without the directive, naming file:line', async () => {
    const dir = writeMigrations({ 'v1/01.sql': 'create table t (id int);\n\ncreate index concurrently t_id on t (id);\n' })
    const result = await apply(dir)
    expect(result.error).toBeInstanceOf(PlanRefusedError)
    expect(result.error!.message).toMatch(
      /not in a transaction: v1\/01.sql:3:1 \(CREATE INDEX CONCURRENTLY\) cannot run inside a transaction block\. Add -- migrate:no-transaction as the first line of that file/
    )
    expect(result.plan.transactionConflicts).toEqual([
      { version: 1, file: 'v1/01.sql', line: 3, column: 1, statement: 'CREATE INDEX CONCURRENTLY', severity: 'error' }
    ])
    expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 't'`)).toEqual([])
  })
})

test('over the Data API, no-transaction statements are sent without a transaction, one call each', async () => {
  const db = await createTestDatabase('notx_api')
  const target = createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint
  })
  try {
    const dir = writeMigrations({
      'v1/01_table.sql': 'create table t (id int);\n',
      'v1/02_idx.sql': '-- migrate:no-transaction\ncreate index concurrently t_id on t (id);\nvacuum t;\n'
    })
    const { versions } = await discoverMigrations(dir, dir)
    const first = emulator.calls.length
    const result = await applyMigrations(target, versions, options())
    expect(result.error).toBeNull()
    const calls = emulator.calls.slice(first)
    for (const statement of ['create index concurrently t_id on t (id)', 'vacuum t']) {
      const sent = calls.filter((c) => c.sql === statement)
      expect(sent).toHaveLength(1)
      expect(sent[0].transactionId).toBeUndefined()
      expect(sent[0].parameters ?? []).toEqual([])
    }
    // The ordinary segment and the final recording transaction: each one packed autocommit call, with no Data API transaction.
    const packed = (c: EmulatorCall) => c.op === 'ExecuteStatement' && !c.transactionId && /^DO \$aurora_migrate_packed/.test(c.sql ?? '')
    expect(calls.filter((c) => packed(c) && c.status === 200)).toHaveLength(2)
    expect(calls.filter((c) => c.op === 'BeginTransaction')).toEqual([])
  } finally {
    await target.close()
    await db.drop()
  }
})
