/**
 * End-to-end cases of the engine (discover → plan → apply) that every transport runs unchanged:
 * the seed's ToDo schema applied, re-applied, drift, a failing statement or COMMIT, concurrent runs, the
 * lease and its fence, session settings that must not outlive their version.
 */
import path from 'node:path'
import { applyMigrations, type ApplyOptions } from '../../src/engine/apply.js'
import { metaTables } from '../../src/engine/meta.js'
import { ensureMetaTables } from '../../src/engine/meta-store.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { LeaseLostError, LeaseTimeoutError, PlanRefusedError, StatementFailedError, VersionTransactionError } from '../../src/errors.js'
import { discoverMigrations } from '../migrations.js'
import type { Target } from '../../src/targets/target.js'
import { createTestDatabase, sql } from '../postgres.js'
import { writeMigrations } from '../versions.js'

export interface TransportFixture {
  /** A new Target on the database at `url` (a direct PostgreSQL URL). */
  connect(url: string): Promise<Target>
}

const TODO = path.resolve('examples/todo/migrations/resources')

export function options(overrides: Partial<ApplyOptions> = {}): ApplyOptions & { logs: string[] } {
  const logs: string[] = []
  return {
    dialect: postgresql.engine,
    tables: metaTables('public', 'schema_migrations'),
    createSchema: false,
    run: { actor: 'octocat', commitSha: 'c0ffee', runUrl: 'https://github.com/o/r/actions/runs/1' },
    lease: { owner: `test-${Math.random().toString(36).slice(2)}`, ttlSeconds: 30, waitTimeoutSeconds: 30 },
    log: (message: string) => logs.push(message),
    logs,
    ...overrides
  }
}

export function describeEngine(name: string, fixture: TransportFixture): void {
  describe(`engine over ${name}`, () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>
    const targets: Target[] = []
    const connect = async (): Promise<Target> => {
      const target = await fixture.connect(db.url)
      targets.push(target)
      return target
    }
    beforeEach(async () => {
      db = await createTestDatabase('engine')
    })
    afterEach(async () => {
      await Promise.all(targets.splice(0).map((t) => t.close()))
      await db.drop()
    })

    test('applies the ToDo schema, records each version, and a re-run has nothing to do', async () => {
      const { versions } = await discoverMigrations(TODO)
      const target = await connect()
      const first = await applyMigrations(target, versions, options())
      expect(first.error).toBeNull()
      expect(first.applied.map((a) => a.version)).toEqual([1, 2])
      expect([first.fromVersion, first.toVersion]).toEqual([0, 2])
      const tables = await sql<{ t: string }>(
        db.url,
        `select string_agg(table_name::text, ',' order by table_name) as t from information_schema.tables where table_schema = 'public'`
      )
      expect(tables[0].t).toBe('lists,notes,overdue_notes,schema_migrations,schema_migrations_lock,schema_migrations_progress,users')
      const rows = await sql<Record<string, unknown>>(db.url, 'select * from schema_migrations order by version')
      expect(rows.map((r) => [r.version, r.description, r.applied_by, r.commit_sha, r.run_url])).toEqual([
        [1, '', 'octocat', 'c0ffee', 'https://github.com/o/r/actions/runs/1'],
        [2, 'due_dates', 'octocat', 'c0ffee', 'https://github.com/o/r/actions/runs/1']
      ])
      expect(rows[0].checksum).toBe(versions[0].checksum)
      expect(rows[0].files).toEqual(versions[0].files.map((f) => ({ name: f.name, checksum: f.checksum, statements: f.statements.length })))
      expect(typeof rows[0].execution_ms).toBe('number')
      const lease = await sql<{ owner: string }>(db.url, 'select owner, expires_at < now() as free from schema_migrations_lock')
      expect(lease[0]).toEqual({ owner: '', free: true })

      const second = await applyMigrations(target, versions, options())
      expect(second.error).toBeNull()
      expect(second.applied).toEqual([])
      expect(second.toVersion).toBe(2)
    })

    test('an edited applied file is drift: nothing is applied and the file is named', async () => {
      const dir = writeMigrations({ 'v1/01_a.sql': 'create table a (id int);', 'v2/01_b.sql': 'create table b (id int);' })
      const target = await connect()
      const { versions } = await discoverMigrations(dir, dir)
      expect((await applyMigrations(target, versions.slice(0, 1), options())).applied).toHaveLength(1)
      writeMigrations({ 'v1/01_a.sql': 'create table a (id bigint);' }, dir)
      const edited = await discoverMigrations(dir, dir)
      const result = await applyMigrations(target, edited.versions, options())
      expect(result.error).toBeInstanceOf(PlanRefusedError)
      expect(result.error!.message).toMatch(/drift: v1 \(v1\/01_a.sql modified\)/)
      expect(result.applied).toEqual([])
      expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 'b'`)).toEqual([])
    })

    test('a failing second statement leaves nothing of its version, keeps earlier versions, and names file, line and column', async () => {
      const dir = writeMigrations({
        'v1/01_a.sql': 'create table a (id int);',
        'v2/01_b.sql': 'create table b (id int);\n\ninsert into b values (1);\n  create tabel c (id int);\n',
        'v3/01_c.sql': 'create table d (id int);'
      })
      const target = await connect()
      const { versions } = await discoverMigrations(dir, dir)
      const result = await applyMigrations(target, versions, options())
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.failedVersion).toBe(2)
      const error = result.error as StatementFailedError
      expect(error).toBeInstanceOf(StatementFailedError)
      expect(error.location).toEqual({ file: 'v2/01_b.sql', line: 4, column: 10 })
      expect(error.sqlError.sqlState).toBe('42601')
      expect(error.message).toMatch(/^v2 failed at v2\/01_b.sql:4:10: syntax error at or near "tabel"/)
      const present = await sql<{ table_name: string }>(
        db.url,
        `select table_name from information_schema.tables where table_schema = 'public' and table_name in ('a','b','d')`
      )
      expect(present.map((r) => r.table_name)).toEqual(['a'])
      expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations')).map((r) => r.version)).toEqual([1])
      // The lease is released even after a failure.
      expect((await sql<{ free: boolean }>(db.url, 'select expires_at < now() as free from schema_migrations_lock'))[0].free).toBe(true)
    })

    test('a syntax error in the middle of a version points at its file, line and column and leaves nothing of the version', async () => {
      const dir = writeMigrations({
        'v1/01_a.sql': 'create table a (id int);',
        'v2/01_first.sql': 'create table b (id int);\ninsert into b values (1);\n',
        'v2/02_middle.sql':
          'create table c (id int);\n\nalter table c\n  add column note text,\n  add colum other int;\ncreate table e (id int);\n',
        'v2/03_last.sql': 'create table f (id int);\n'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const result = await applyMigrations(await connect(), versions, options())
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.failedVersion).toBe(2)
      const error = result.error as StatementFailedError
      expect(error).toBeInstanceOf(StatementFailedError)
      expect(error.location).toEqual({ file: 'v2/02_middle.sql', line: 5, column: 19 })
      expect(error.sqlError.sqlState).toBe('42601')
      expect(error.message).toMatch(/^v2 failed at v2\/02_middle.sql:5:19: syntax error at or near "int"/)
      const present = await sql<{ table_name: string }>(
        db.url,
        `select table_name::text from information_schema.tables where table_schema = 'public' and table_name in ('a','b','c','e','f') order by 1`
      )
      expect(present.map((r) => r.table_name)).toEqual(['a'])
      expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations')).map((r) => r.version)).toEqual([1])
      expect(await sql(db.url, 'select owner, expires_at < now() as free from schema_migrations_lock')).toEqual([{ owner: '', free: true }])
    })

    test("an error inside a plpgsql function body: its place in the file, and PostgreSQL's message, SQLSTATE, detail and hint", async () => {
      const dir = writeMigrations({
        'v1/01_a.sql': 'create table a (id int);',
        // A syntax error in the body, found when the function is created: PostgreSQL places it in the statement.
        'v2/01_fn.sql': 'create table b (id int);\ncreate function g() returns int language plpgsql as $$\nbegin\n  retrun 1;\nend $$;\n',
        // An error the body raises when it runs, with its detail and hint.
        'v3/01_fn.sql':
          "create table c (id int);\ncreate function f() returns void language plpgsql as $body$\nbegin\n  raise exception 'the balance would go negative'\n" +
          "    using errcode = '22012', detail = 'account 7 holds 10', hint = 'top the account up first';\nend $body$;\n\n  select f();\n"
      })
      const { versions } = await discoverMigrations(dir, dir)
      const target = await connect()
      const first = await applyMigrations(target, versions, options())
      expect(first.applied.map((a) => a.version)).toEqual([1])
      expect(first.failedVersion).toBe(2)
      const compile = first.error as StatementFailedError
      expect(compile).toBeInstanceOf(StatementFailedError)
      expect(compile.location).toEqual({ file: 'v2/01_fn.sql', line: 4, column: 3 })
      expect(compile.sqlError.sqlState).toBe('42601')
      expect(compile.sqlError.message).toMatch(/syntax error at or near "retrun"/)
      expect(await sql(db.url, `select proname from pg_proc where proname in ('f', 'g')`)).toEqual([])
      expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 'b'`)).toEqual([])

      const fixed = writeMigrations(
        {
          'v2/01_fn.sql': 'create table b (id int);\ncreate function g() returns int language plpgsql as $$\nbegin\n  return 1;\nend $$;\n'
        },
        dir
      )
      const second = await applyMigrations(target, (await discoverMigrations(fixed, fixed)).versions, options())
      expect(second.applied.map((a) => a.version)).toEqual([2])
      expect(second.failedVersion).toBe(3)
      const raised = second.error as StatementFailedError
      expect(raised).toBeInstanceOf(StatementFailedError)
      expect(raised.location).toEqual({ file: 'v3/01_fn.sql', line: 8, column: 3 })
      expect(raised.sqlError).toMatchObject({
        message: 'the balance would go negative',
        sqlState: '22012',
        detail: 'account 7 holds 10',
        hint: 'top the account up first'
      })
      expect(await sql(db.url, `select proname::text from pg_proc where proname in ('f', 'g')`)).toEqual([{ proname: 'g' }])
      expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 'c'`)).toEqual([])
      expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([
        1, 2
      ])
    })

    test('BEGIN/COMMIT around a whole file stay inside the version: a later failure leaves nothing of it', async () => {
      const dir = writeMigrations({
        'v1/01.sql': 'BEGIN;\ncreate table a (id int);\nCOMMIT;\n',
        'v2/01_wrapped.sql': 'BEGIN;\ncreate table b (id int);\ninsert into b values (1);\nCOMMIT;\n',
        'v2/02_fails.sql': 'insert into missing values (1);\n'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const result = await applyMigrations(await connect(), versions, options())
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.failedVersion).toBe(2)
      const error = result.error as StatementFailedError
      expect(error).toBeInstanceOf(StatementFailedError)
      expect(error.location).toEqual({ file: 'v2/02_fails.sql', line: 1, column: 13 })
      expect(error.sqlError.sqlState).toBe('42P01')
      // The wrapper's COMMIT did not commit b early.
      expect(await sql(db.url, `select table_name::text from information_schema.tables where table_name in ('a', 'b') order by 1`)).toEqual(
        [{ table_name: 'a' }]
      )
      expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations')).map((r) => r.version)).toEqual([1])
      expect(await sql(db.url, 'select owner, expires_at < now() as free from schema_migrations_lock')).toEqual([{ owner: '', free: true }])
    })

    test('SET search_path in a file holds for the rest of its version only', async () => {
      const dir = writeMigrations({
        'v1/01_schema.sql': 'create schema app;\nset search_path = app;\n',
        'v1/02_table.sql': 'create table in_app (id int);\n',
        'v2/01.sql': 'create table in_public (id int);\n'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const result = await applyMigrations(await connect(), versions, options())
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1, 2])
      expect(
        await sql(
          db.url,
          `select n.nspname::text as schema, c.relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relname in ('in_app', 'in_public', 'schema_migrations') order by c.relname`
        )
      ).toEqual([
        { schema: 'app', name: 'in_app' },
        { schema: 'public', name: 'in_public' },
        { schema: 'public', name: 'schema_migrations' }
      ])
      expect(
        (await sql<{ version: number }>(db.url, 'select version from public.schema_migrations order by 1')).map((r) => r.version)
      ).toEqual([1, 2])
    })

    test('concurrent runs apply each version exactly once', async () => {
      const files: Record<string, string> = {}
      for (let v = 1; v <= 6; v++)
        files[`v${v}/01.sql`] = `create table t${v} (id int); insert into t${v} values (${v}); select pg_sleep(0.05);`
      const dir = writeMigrations(files)
      const { versions } = await discoverMigrations(dir, dir)
      const runs = await Promise.all([0, 1, 2].map(async () => applyMigrations(await connect(), versions, options())))
      for (const run of runs) expect(run.error).toBeNull()
      const applied = runs.flatMap((r) => r.applied.map((a) => a.version)).sort((a, b) => a - b)
      expect(applied).toEqual([1, 2, 3, 4, 5, 6])
      for (const run of runs) expect(run.toVersion).toBe(6)
      const counts = await sql<{ n: number }>(db.url, 'select (select count(*) from t1)::int + (select count(*) from t6)::int as n')
      expect(counts[0].n).toBe(2)
    })

    test('a live lease of another run makes this run wait, then fail naming the holder', async () => {
      const dir = writeMigrations({ 'v1/01.sql': 'create table a (id int);' })
      const { versions } = await discoverMigrations(dir, dir)
      const target = await connect()
      await ensureMetaTables(postgresql.engine, target, metaTables('public', 'schema_migrations'), false)
      await sql(
        db.url,
        `update schema_migrations_lock set owner = 'https://github.com/o/r/actions/runs/99 (hubot)', token = 7, expires_at = now() + interval '1 hour'`
      )
      const opts = options({ lease: { owner: 'me', ttlSeconds: 30, waitTimeoutSeconds: 1 } })
      const result = await applyMigrations(target, versions, opts)
      expect(result.error).toBeInstanceOf(LeaseTimeoutError)
      expect(result.error!.message).toMatch(
        /Another run holds the migration lease: https:\/\/github.com\/o\/r\/actions\/runs\/99 \(hubot\)/
      )
      expect(opts.logs.join('\n')).toMatch(/Waiting for the migration lease held by .*runs\/99/)
      expect(await sql(db.url, 'select * from schema_migrations')).toEqual([])
    })

    test('an expired lease is taken over with a higher fencing token', async () => {
      const dir = writeMigrations({ 'v1/01.sql': 'create table a (id int);' })
      const { versions } = await discoverMigrations(dir, dir)
      const target = await connect()
      await ensureMetaTables(postgresql.engine, target, metaTables('public', 'schema_migrations'), false)
      await sql(db.url, `update schema_migrations_lock set owner = 'crashed run', token = 41, expires_at = now() - interval '1 second'`)
      const opts = options()
      const result = await applyMigrations(target, versions, opts)
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(opts.logs.join('\n')).toMatch(/Took over the migration lease of crashed run/)
      expect((await sql<{ token: string }>(db.url, 'select token from schema_migrations_lock'))[0].token).toBe('42')
    })

    test('a migration that changes search_path does not move the meta row', async () => {
      const dir = writeMigrations({
        'v1/01.sql': 'create schema app; set search_path = app; create table a (id int);',
        'v2/01.sql': 'select 1;'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const result = await applyMigrations(await connect(), versions, options())
      expect(result.error).toBeNull()
      expect(
        (await sql<{ version: number }>(db.url, 'select version from public.schema_migrations order by 1')).map((r) => r.version)
      ).toEqual([1, 2])
      expect(await sql(db.url, `select 1 from information_schema.tables where table_schema = 'app' and table_name = 'a'`)).toHaveLength(1)
    })

    test("a deferred constraint that fails at COMMIT fails its version with the commit's error and stops the run", async () => {
      const dir = writeMigrations({
        'v1/01.sql': 'create table t (id int unique deferrable initially deferred); insert into t values (1); insert into t values (1);',
        'v2/01.sql': 'create table u (id int);'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const opts = options()
      const result = await applyMigrations(await connect(), versions, opts)
      expect(result.failedVersion).toBe(1)
      expect(result.applied).toEqual([])
      expect(result.appliedElsewhere).toEqual([])
      expect(result.error).toBeInstanceOf(VersionTransactionError)
      expect((result.error as VersionTransactionError).part).toBe('commit')
      expect((result.error as VersionTransactionError).sqlError.sqlState).toBe('23505')
      expect(result.error!.message).toMatch(
        /^v1 failed at COMMIT: duplicate key value violates unique constraint "t_id_key" \(SQLSTATE 23505\)\./
      )
      expect(result.error!.message).toMatch(/Nothing of v1 was applied/)
      expect(opts.logs.join('\n')).not.toMatch(/applied by another run/)
      expect(await sql(db.url, 'select version from schema_migrations')).toEqual([])
      expect(
        await sql(db.url, `select table_name from information_schema.tables where table_schema = 'public' and table_name in ('t', 'u')`)
      ).toEqual([])
      expect((await sql<{ free: boolean }>(db.url, 'select expires_at < now() as free from schema_migrations_lock'))[0].free).toBe(true)
    })

    test('a failure the transport cannot place (a runner older than phases) fails the version, never skips it', async () => {
      const dir = writeMigrations({
        'v1/01.sql': 'create table t (id int unique deferrable initially deferred); insert into t values (1); insert into t values (1);',
        'v2/01.sql': 'create table u (id int);'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const real = await connect()
      // Answers as runners did before phases and labels: a COMMIT error at the last statement, nothing more.
      const older: Target = {
        description: real.description,
        query: (text, params, queryOptions) => real.query(text, params, queryOptions),
        close: async () => undefined,
        async transaction(statements) {
          const result = await real.transaction(statements)
          if (result.ok) return result
          const { phase: _phase, failedLabel: _label, ...rest } = result
          return { ...rest, failedIndex: Math.min(result.failedIndex, statements.length - 1) }
        }
      }
      const result = await applyMigrations(older, versions, options())
      expect(result.failedVersion).toBe(1)
      expect(result.appliedElsewhere).toEqual([])
      expect(result.error).toBeInstanceOf(VersionTransactionError)
      expect((result.error as VersionTransactionError).part).toBe('unknown')
      expect(result.error!.message).toMatch(
        /^The transaction of v1 failed \(the transport did not say at which statement\): duplicate key value/
      )
      expect(await sql(db.url, 'select version from schema_migrations')).toEqual([])
      expect(
        await sql(db.url, `select table_name from information_schema.tables where table_schema = 'public' and table_name in ('t', 'u')`)
      ).toEqual([])
    })

    test('session settings of a version do not reach the next one', async () => {
      const dir = writeMigrations({
        'v1/01.sql': 'create schema other;',
        'v2/01.sql': 'set search_path = other;\ncreate table in_other (id int);',
        'v3/01.sql': 'create table in_public (id int);',
        // pg_dump's header empties search_path for the session.
        'v4/01.sql': "SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.dumped (id int);",
        'v5/01.sql': 'create table after_dump (id int);',
        'v6/01.sql': 'set default_transaction_read_only = on;\nselect 1;',
        'v7/01.sql': 'create table after_read_only (id int);'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const opts = options()
      const result = await applyMigrations(await connect(), versions, opts)
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1, 2, 3, 4, 5, 6, 7])
      const placed = await sql<{ schema: string; name: string }>(
        db.url,
        `select n.nspname::text as schema, c.relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relname in ('in_other', 'in_public', 'dumped', 'after_dump', 'after_read_only') order by c.relname`
      )
      expect(placed).toEqual([
        { schema: 'public', name: 'after_dump' },
        { schema: 'public', name: 'after_read_only' },
        { schema: 'public', name: 'dumped' },
        { schema: 'other', name: 'in_other' },
        { schema: 'public', name: 'in_public' }
      ])
      expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([
        1, 2, 3, 4, 5, 6, 7
      ])
      expect(await sql(db.url, 'select owner, expires_at < now() as free from schema_migrations_lock')).toEqual([{ owner: '', free: true }])
    })

    test('a lease taken over before a version names the run that holds it', async () => {
      const dir = writeMigrations({
        // The version itself hands the lease to someone else, as a run that took it over would.
        'v1/01.sql':
          "update schema_migrations_lock set owner = 'intruder run', token = token + 100, expires_at = now() + interval '1 hour';",
        'v2/01.sql': 'create table b (id int);'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const opts = options()
      const result = await applyMigrations(await connect(), versions, opts)
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.failedVersion).toBe(2)
      expect(result.error).toBeInstanceOf(LeaseLostError)
      expect(result.error!.message).toMatch(
        /expired and was taken over by intruder run \(token 101, it expires at .*; this run held token 1\)/
      )
      expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations')).map((r) => r.version)).toEqual([1])
      expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 'b'`)).toEqual([])
      expect(await sql(db.url, 'select owner, token::int as token from schema_migrations_lock')).toEqual([
        { owner: 'intruder run', token: 101 }
      ])
    })

    test('an SQL error at the lease fence is reported as itself, not as a lost lease', async () => {
      const dir = writeMigrations({
        'v1/01.sql':
          "create function freeze() returns trigger language plpgsql as $$ begin raise exception 'the lock table is frozen'; end $$;\n" +
          'create trigger frozen before update on schema_migrations_lock for each row execute function freeze();',
        'v2/01.sql': 'create table b (id int);'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const opts = options()
      const result = await applyMigrations(await connect(), versions, opts)
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.failedVersion).toBe(2)
      expect(result.error).toBeInstanceOf(VersionTransactionError)
      expect(result.error).not.toBeInstanceOf(LeaseLostError)
      expect((result.error as VersionTransactionError).part).toBe('fence')
      expect(result.error!.message).toMatch(
        /^The transaction of v2 failed at its first statement, which extends the migration lease in .*: the lock table is frozen \(SQLSTATE P0001\)\./
      )
      expect(result.error!.message).not.toMatch(/taken over/)
      expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations')).map((r) => r.version)).toEqual([1])
      expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 'b'`)).toEqual([])
      // The release was refused by the same trigger: the lease row still names this run, and expires by itself.
      expect(await sql(db.url, 'select owner from schema_migrations_lock')).toEqual([{ owner: opts.lease.owner }])
    })

    test('target-version stops after that version', async () => {
      const { versions } = await discoverMigrations(TODO)
      const result = await applyMigrations(await connect(), versions, options({ targetVersion: 1 }))
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.plan.deferred).toEqual([2])
    })
  })
}
