/**
 * End-to-end cases of the engine (discover → plan → apply) that every (dialect, transport) pair runs unchanged:
 * the ToDo schema applied, re-applied, drift, a failing statement or COMMIT, concurrent runs, the lease and its
 * fence, session settings that must not outlive their version. The dialect fixture gives each case's migration
 * files, the queries that look at what a run left behind and what the database answers.
 */
import { applyMigrations, type ApplyOptions } from '../../src/engine/apply.js'
import { metaTables } from '../../src/engine/meta.js'
import { ensureMetaTables } from '../../src/engine/meta-store.js'
import { dialectFor, type DialectName } from '../../src/dialects/index.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import {
  LeaseLostError,
  LeaseTimeoutError,
  MigrationFileError,
  PlanRefusedError,
  StatementFailedError,
  StepFailedError,
  VersionTransactionError
} from '../../src/errors.js'
import * as discover from '../../src/migrations/discover.js'
import type { Target } from '../../src/targets/target.js'
import { writeMigrations } from '../versions.js'
import type { DialectFixture, EngineCases, TestDatabase } from './fixture.js'
import type { TransportFixture } from './transports.js'

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

const engineOptions = options

/** A test of a case the dialect gives; where it gives none (its server does not do that), a skipped test saying so. */
function given<K extends keyof EngineCases>(
  e: EngineCases,
  key: K,
  title: string,
  fn: (value: NonNullable<EngineCases[K]>) => Promise<void>
): void {
  const value = e[key]
  // eslint-disable-next-line jest/no-disabled-tests, jest/expect-expect -- shown as skipped, on purpose: the dialect's server does not do it
  if (value === undefined) test.skip(`${title} (not on this dialect)`, () => {})
  // eslint-disable-next-line jest/valid-title, jest/expect-expect -- the title is a string; the expectations are in fn
  else test(title, () => fn(value as NonNullable<EngineCases[K]>))
}

/** The meta table's `files` column: JSON, which MariaDB stores (and answers) as text. */
const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value)

export function describeEngine(dialect: DialectFixture, transport: TransportFixture): void {
  const e = dialect.engineCases
  if (!e) throw new Error(`${dialect.name} has no engine cases yet: leave it out of the engine suites (registry.ts overTransport)`)
  dialect.describe(`engine over ${transport.title} (${dialect.name} × ${transport.name})`, () => {
    // The dialect's own parts: files split with its syntax, the engine speaking its SQL.
    const { engine, syntax } = dialectFor(dialect.name as DialectName)
    const discoverMigrations = (dir: string, workspace?: string): ReturnType<typeof discover.discoverMigrations> =>
      discover.discoverMigrations(syntax, dir, workspace)
    const options = (overrides: Partial<ApplyOptions> = {}): ReturnType<typeof engineOptions> =>
      engineOptions({ dialect: engine, tables: e.tables(db.name), ...overrides })
    const sql = dialect.sql
    const TODO = e.todo
    let db: TestDatabase
    const open = transport.use(dialect)
    const connections: Array<{ close(): Promise<void> }> = []
    const connect = async (): Promise<Target> => {
      const connection = await open(db)
      connections.push(connection)
      return connection.target
    }
    beforeEach(async () => {
      db = await dialect.createDatabase('engine')
    })
    afterEach(async () => {
      await Promise.all(connections.splice(0).map((c) => c.close()))
      for (const statement of e.cleanup ?? []) await sql(db.url, statement)
      await db.drop()
    })

    test('applies the ToDo schema, records each version, and a re-run has nothing to do', async () => {
      const { versions } = await discoverMigrations(TODO)
      const target = await connect()
      const first = await applyMigrations(target, versions, options())
      expect(first.error).toBeNull()
      expect(first.applied.map((a) => a.version)).toEqual([1, 2])
      expect([first.fromVersion, first.toVersion]).toEqual([0, 2])
      const tables = await sql<{ t: string }>(db.url, e.todoApplied.tables)
      expect(tables[0].t).toBe(e.todoApplied.tableList)
      const rows = await sql<Record<string, unknown>>(db.url, e.todoApplied.rows)
      expect(rows.map((r) => [r.version, r.description, r.applied_by, r.commit_sha, r.run_url])).toEqual([
        [1, '', 'octocat', 'c0ffee', 'https://github.com/o/r/actions/runs/1'],
        [2, 'due_dates', 'octocat', 'c0ffee', 'https://github.com/o/r/actions/runs/1']
      ])
      expect(rows[0].checksum).toBe(versions[0].checksum)
      expect(json(rows[0].files)).toEqual(
        versions[0].files.map((f) => ({ name: f.name, checksum: f.checksum, statements: f.statements.length }))
      )
      expect(typeof rows[0].execution_ms).toBe('number')
      const lease = await sql<{ owner: string }>(db.url, e.todoApplied.lease)
      expect(lease[0]).toEqual({ owner: '', free: e.yes })

      const second = await applyMigrations(target, versions, options())
      expect(second.error).toBeNull()
      expect(second.applied).toEqual([])
      expect(second.toVersion).toBe(2)
    })

    test('an edited applied file is drift: nothing is applied and the file is named', async () => {
      const dir = writeMigrations(e.drift.files)
      const target = await connect()
      const { versions } = await discoverMigrations(dir, dir)
      expect((await applyMigrations(target, versions.slice(0, 1), options())).applied).toHaveLength(1)
      writeMigrations(e.drift.edited, dir)
      const edited = await discoverMigrations(dir, dir)
      const result = await applyMigrations(target, edited.versions, options())
      expect(result.error).toBeInstanceOf(PlanRefusedError)
      expect(result.error!.message).toMatch(/drift: v1 \(v1\/01_a.sql modified\)/)
      expect(result.applied).toEqual([])
      expect(await sql(db.url, e.drift.tableB)).toEqual([])
    })

    given(
      e,
      'failingSecond',
      'a failing second statement leaves nothing of its version, keeps earlier versions, and names file, line and column',
      async (x) => {
        const dir = writeMigrations(x.files)
        const target = await connect()
        const { versions } = await discoverMigrations(dir, dir)
        const result = await applyMigrations(target, versions, options())
        expect(result.applied.map((a) => a.version)).toEqual([1])
        expect(result.failedVersion).toBe(2)
        const error = result.error as StatementFailedError
        expect(error).toBeInstanceOf(StatementFailedError)
        expect(error.location).toEqual({ file: 'v2/01_b.sql', line: 4, column: 10 })
        expect(error.sqlError.sqlState).toBe(x.sqlState)
        expect(error.message).toMatch(x.message)
        const present = await sql<{ table_name: string }>(db.url, x.present)
        expect(present.map((r) => r.table_name)).toEqual(['a'])
        expect((await sql<{ version: number }>(db.url, x.versions)).map((r) => r.version)).toEqual([1])
        // The lease is released even after a failure.
        expect((await sql<{ free: boolean }>(db.url, x.leaseFree))[0].free).toBe(e.yes)
      }
    )

    given(
      e,
      'stepsHalfWay',
      'a version whose DDL fails half-way keeps what ran before it, journaled; a fixed re-run resumes there',
      async (x) => {
        const dir = writeMigrations(x.files)
        const target = await connect()
        const result = await applyMigrations(target, (await discoverMigrations(dir, dir)).versions, options())
        expect(result.applied.map((a) => a.version)).toEqual([1])
        expect(result.failedVersion).toBe(2)
        const error = result.error as StepFailedError
        expect(error).toBeInstanceOf(StepFailedError)
        expect(error.location).toMatchObject(x.location)
        expect(error.sqlError.sqlState).toBe(x.sqlState)
        expect(error.message).toMatch(x.message)
        // What ran before the failed statement stays, each step journaled as done; the version is not recorded.
        expect((await sql<{ table_name: string }>(db.url, x.tables)).map((r) => r.table_name)).toEqual(x.failedTables)
        expect(await sql(db.url, x.journal)).toEqual(x.journaled)
        expect((await sql<{ version: number }>(db.url, x.versionsInOrder)).map((r) => r.version)).toEqual([1])
        expect(await sql(db.url, x.lease)).toEqual([{ owner: '', free: e.yes }])

        const fixed = writeMigrations(x.fixed, dir)
        const opts = options()
        const again = await applyMigrations(target, (await discoverMigrations(fixed, fixed)).versions, opts)
        expect(again.error).toBeNull()
        expect(again.applied.map((a) => a.version)).toEqual([2, 3])
        expect(opts.logs.join('\n')).toMatch(x.resumedLog)
        expect((await sql<{ table_name: string }>(db.url, x.tables)).map((r) => r.table_name)).toEqual(x.resumedTables)
        expect(await sql(db.url, x.rows)).toEqual(x.resumedRows)
        expect(await sql(db.url, x.journal)).toEqual([])
        expect((await sql<{ version: number }>(db.url, x.versionsInOrder)).map((r) => r.version)).toEqual([1, 2, 3])
        expect(await sql(db.url, x.lease)).toEqual([{ owner: '', free: e.yes }])
      }
    )

    given(
      e,
      'syntaxInMiddle',
      'a syntax error in the middle of a version points at its file, line and column and leaves nothing of the version',
      async (x) => {
        const dir = writeMigrations(x.files)
        const { versions } = await discoverMigrations(dir, dir)
        const result = await applyMigrations(await connect(), versions, options())
        expect(result.applied.map((a) => a.version)).toEqual([1])
        expect(result.failedVersion).toBe(2)
        const error = result.error as StatementFailedError
        expect(error).toBeInstanceOf(StatementFailedError)
        expect(error.location).toEqual({ file: 'v2/02_middle.sql', line: 5, column: 19 })
        expect(error.sqlError.sqlState).toBe(x.sqlState)
        expect(error.message).toMatch(x.message)
        const present = await sql<{ table_name: string }>(db.url, x.present)
        expect(present.map((r) => r.table_name)).toEqual(['a'])
        expect((await sql<{ version: number }>(db.url, x.versions)).map((r) => r.version)).toEqual([1])
        expect(await sql(db.url, x.lease)).toEqual([{ owner: '', free: e.yes }])
      }
    )

    given(
      e,
      'functionBody',
      "an error inside a function body: its place in the file, and the database's message, SQLSTATE, detail and hint",
      async (x) => {
        const dir = writeMigrations(x.files)
        const { versions } = await discoverMigrations(dir, dir)
        const target = await connect()
        const first = await applyMigrations(target, versions, options())
        expect(first.applied.map((a) => a.version)).toEqual([1])
        expect(first.failedVersion).toBe(2)
        const compile = first.error as StatementFailedError
        expect(compile).toBeInstanceOf(StatementFailedError)
        expect(compile.location).toEqual({ file: 'v2/01_fn.sql', line: 4, column: 3 })
        expect(compile.sqlError.sqlState).toBe(x.compileSqlState)
        expect(compile.sqlError.message).toMatch(x.compileMessage)
        expect(await sql(db.url, x.functions)).toEqual([])
        expect(await sql(db.url, x.tableB)).toEqual([])

        const fixed = writeMigrations(x.fixed, dir)
        const second = await applyMigrations(target, (await discoverMigrations(fixed, fixed)).versions, options())
        expect(second.applied.map((a) => a.version)).toEqual([2])
        expect(second.failedVersion).toBe(3)
        const raised = second.error as StatementFailedError
        expect(raised).toBeInstanceOf(StatementFailedError)
        expect(raised.location).toEqual({ file: 'v3/01_fn.sql', line: 8, column: 3 })
        expect(raised.sqlError).toMatchObject(x.raised)
        expect(await sql(db.url, x.functionNames)).toEqual([{ proname: 'g' }])
        expect(await sql(db.url, x.tableC)).toEqual([])
        expect((await sql<{ version: number }>(db.url, x.versionsInOrder)).map((r) => r.version)).toEqual([1, 2])
      }
    )

    given(e, 'wrappedFile', 'BEGIN/COMMIT around a whole file stay inside the version: a later failure leaves nothing of it', async (x) => {
      const dir = writeMigrations(x.files)
      const { versions } = await discoverMigrations(dir, dir)
      const result = await applyMigrations(await connect(), versions, options())
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.failedVersion).toBe(2)
      const error = result.error as StatementFailedError
      expect(error).toBeInstanceOf(StatementFailedError)
      expect(error.location).toEqual({ file: 'v2/02_fails.sql', line: 1, column: 13 })
      expect(error.sqlError.sqlState).toBe(x.sqlState)
      // The wrapper's COMMIT did not commit b early.
      expect(await sql(db.url, x.tablesAB)).toEqual([{ table_name: 'a' }])
      expect((await sql<{ version: number }>(db.url, x.versions)).map((r) => r.version)).toEqual([1])
      expect(await sql(db.url, x.lease)).toEqual([{ owner: '', free: e.yes }])
    })

    given(e, 'searchPathInFile', 'SET search_path in a file holds for the rest of its version only', async (x) => {
      const dir = writeMigrations(x.files)
      const { versions } = await discoverMigrations(dir, dir)
      const result = await applyMigrations(await connect(), versions, options())
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1, 2])
      expect(await sql(db.url, x.placed)).toEqual([
        { schema: 'app', name: 'in_app' },
        { schema: 'public', name: 'in_public' },
        { schema: 'public', name: 'schema_migrations' }
      ])
      expect((await sql<{ version: number }>(db.url, x.publicVersionsInOrder)).map((r) => r.version)).toEqual([1, 2])
    })

    given(
      e,
      'schemaSwitchRefused',
      'a file that switches the default database is refused where it is read, and nothing runs',
      async (x) => {
        const dir = writeMigrations(x.files)
        const refused = discoverMigrations(dir, dir)
        await expect(refused).rejects.toBeInstanceOf(MigrationFileError)
        await expect(refused).rejects.toMatchObject({ location: x.location, message: expect.stringMatching(x.message) })
        // Nothing was sent: the database is as it was made.
        expect(await sql(db.url, x.tables)).toEqual([])
      }
    )

    test('concurrent runs apply each version exactly once', async () => {
      const files: Record<string, string> = {}
      for (let v = 1; v <= 6; v++) files[`v${v}/01.sql`] = e.concurrent.file(v)
      const dir = writeMigrations(files)
      const { versions } = await discoverMigrations(dir, dir)
      const runs = await Promise.all([0, 1, 2].map(async () => applyMigrations(await connect(), versions, options())))
      for (const run of runs) expect(run.error).toBeNull()
      const applied = runs.flatMap((r) => r.applied.map((a) => a.version)).sort((a, b) => a - b)
      expect(applied).toEqual([1, 2, 3, 4, 5, 6])
      for (const run of runs) expect(run.toVersion).toBe(6)
      const counts = await sql<{ n: number }>(db.url, e.concurrent.counts)
      expect(counts[0].n).toBe(2)
    })

    test('a live lease of another run makes this run wait, then fail naming the holder', async () => {
      const dir = writeMigrations(e.liveLease.files)
      const { versions } = await discoverMigrations(dir, dir)
      const target = await connect()
      await ensureMetaTables(engine, target, e.tables(db.name), false)
      await sql(db.url, e.liveLease.holder)
      const opts = options({ lease: { owner: 'me', ttlSeconds: 30, waitTimeoutSeconds: 1 } })
      const result = await applyMigrations(target, versions, opts)
      expect(result.error).toBeInstanceOf(LeaseTimeoutError)
      expect(result.error!.message).toMatch(
        /Another run holds the migration lease: https:\/\/github.com\/o\/r\/actions\/runs\/99 \(hubot\)/
      )
      expect(opts.logs.join('\n')).toMatch(/Waiting for the migration lease held by .*runs\/99/)
      expect(await sql(db.url, e.liveLease.rows)).toEqual([])
    })

    test('an expired lease is taken over with a higher fencing token', async () => {
      const dir = writeMigrations(e.expiredLease.files)
      const { versions } = await discoverMigrations(dir, dir)
      const target = await connect()
      await ensureMetaTables(engine, target, e.tables(db.name), false)
      await sql(db.url, e.expiredLease.crashed)
      const opts = options()
      const result = await applyMigrations(target, versions, opts)
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(opts.logs.join('\n')).toMatch(/Took over the migration lease of crashed run/)
      expect((await sql<{ token: string }>(db.url, e.expiredLease.token))[0].token).toBe(e.expiredLease.next)
    })

    given(e, 'searchPathMove', 'a migration that changes search_path does not move the meta row', async (x) => {
      const dir = writeMigrations(x.files)
      const { versions } = await discoverMigrations(dir, dir)
      const result = await applyMigrations(await connect(), versions, options())
      expect(result.error).toBeNull()
      expect((await sql<{ version: number }>(db.url, x.publicVersionsInOrder)).map((r) => r.version)).toEqual([1, 2])
      expect(await sql(db.url, x.inApp)).toHaveLength(1)
    })

    given(
      e,
      'deferredCommit',
      "a deferred constraint that fails at COMMIT fails its version with the commit's error and stops the run",
      async (x) => {
        const dir = writeMigrations(x.files)
        const { versions } = await discoverMigrations(dir, dir)
        const opts = options()
        const result = await applyMigrations(await connect(), versions, opts)
        expect(result.failedVersion).toBe(1)
        expect(result.applied).toEqual([])
        expect(result.appliedElsewhere).toEqual([])
        expect(result.error).toBeInstanceOf(VersionTransactionError)
        expect((result.error as VersionTransactionError).part).toBe('commit')
        expect((result.error as VersionTransactionError).sqlError.sqlState).toBe(x.sqlState)
        expect(result.error!.message).toMatch(x.message)
        expect(result.error!.message).toMatch(/Nothing of v1 was applied/)
        expect(opts.logs.join('\n')).not.toMatch(/applied by another run/)
        expect(await sql(db.url, x.versions)).toEqual([])
        expect(await sql(db.url, x.tablesTU)).toEqual([])
        expect((await sql<{ free: boolean }>(db.url, x.leaseFree))[0].free).toBe(e.yes)
      }
    )

    given(
      e,
      'olderRunner',
      'a failure the transport cannot place (a runner older than phases) fails the version, never skips it',
      async (x) => {
        const dir = writeMigrations(x.files)
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
        expect(result.error!.message).toMatch(x.message)
        expect(await sql(db.url, x.versions)).toEqual([])
        expect(await sql(db.url, x.tablesTU)).toEqual([])
      }
    )

    test('session settings of a version do not reach the next one', async () => {
      const x = e.sessionSettings
      const dir = writeMigrations(x.files)
      const { versions } = await discoverMigrations(dir, dir)
      const opts = options()
      const result = await applyMigrations(await connect(), versions, opts)
      expect(result.error).toBeNull()
      expect(result.applied.map((a) => a.version)).toEqual([1, 2, 3, 4, 5, 6, 7])
      const placed = await sql<{ schema: string; name: string }>(db.url, x.placed)
      expect(placed).toEqual([
        { schema: 'public', name: 'after_dump' },
        { schema: 'public', name: 'after_read_only' },
        { schema: 'public', name: 'dumped' },
        { schema: 'other', name: 'in_other' },
        { schema: 'public', name: 'in_public' }
      ])
      expect((await sql<{ version: number }>(db.url, x.versionsInOrder)).map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7])
      expect(await sql(db.url, x.lease)).toEqual([{ owner: '', free: e.yes }])
    })

    test('a lease taken over before a version names the run that holds it', async () => {
      const x = e.leaseTakenOver
      const dir = writeMigrations(x.files)
      const { versions } = await discoverMigrations(dir, dir)
      const opts = options()
      const result = await applyMigrations(await connect(), versions, opts)
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.failedVersion).toBe(2)
      expect(result.error).toBeInstanceOf(LeaseLostError)
      expect(result.error!.message).toMatch(
        /expired and was taken over by intruder run \(token 101, it expires at .*; this run held token 1\)/
      )
      expect((await sql<{ version: number }>(db.url, x.versions)).map((r) => r.version)).toEqual([1])
      expect(await sql(db.url, x.tableB)).toEqual([])
      expect(await sql(db.url, x.lease)).toEqual([{ owner: 'intruder run', token: 101 }])
    })

    test('an SQL error at the lease fence is reported as itself, not as a lost lease', async () => {
      const x = e.fenceError
      const dir = writeMigrations(x.files)
      const { versions } = await discoverMigrations(dir, dir)
      const opts = options()
      const result = await applyMigrations(await connect(), versions, opts)
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.failedVersion).toBe(2)
      expect(result.error).toBeInstanceOf(VersionTransactionError)
      expect(result.error).not.toBeInstanceOf(LeaseLostError)
      expect((result.error as VersionTransactionError).part).toBe('fence')
      expect(result.error!.message).toMatch(x.message)
      expect(result.error!.message).not.toMatch(/taken over/)
      expect((await sql<{ version: number }>(db.url, x.versions)).map((r) => r.version)).toEqual([1])
      expect(await sql(db.url, x.tableB)).toEqual([])
      // The release was refused by the same trigger: the lease row still names this run, and expires by itself.
      expect(await sql(db.url, x.owner)).toEqual([{ owner: opts.lease.owner }])
    })

    test('target-version stops after that version', async () => {
      const { versions } = await discoverMigrations(TODO)
      const result = await applyMigrations(await connect(), versions, options({ targetVersion: 1 }))
      expect(result.applied.map((a) => a.version)).toEqual([1])
      expect(result.plan.deferred).toEqual([2])
    })
  })
}
