import { applyMigrations } from '../../src/engine/apply.js'
import { metaTables } from '../../src/engine/meta.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { CommitOutcomeUnknownError } from '../../src/errors.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import type { Target } from '../../src/targets/target.js'
import { describeEngine, options } from '../../testkit/contract/engine-cases.js'
import { overTransport, TRANSPORTS } from '../../testkit/contract/registry.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

for (const [dialect, transport] of overTransport(TRANSPORTS.url)) describeEngine(dialect, transport)

test('a user without CREATE on the schema applies once the meta tables exist; a meta table in its own schema is created', async () => {
  const db = await createTestDatabase('engine_priv')
  const role = `limited_${db.name}`.slice(0, 60)
  const dir = writeMigrations({ 'v1/01.sql': 'select 1;', 'v2/01.sql': 'select 2;' })
  const { versions } = await discoverMigrations(dir, dir)
  const tables = metaTables('ops', 'migrations')
  try {
    const owner = new PostgresTarget(db.url, { wire: postgresql.wire })
    expect((await applyMigrations(owner, versions.slice(0, 1), options({ tables, createSchema: true }))).error).toBeNull()
    await owner.close()
    await sql(db.url, `create role "${role}" login password 'limited-pw'`)
    await sql(db.url, `grant usage on schema ops to "${role}"; grant select, insert, update on all tables in schema ops to "${role}"`)
    const url = new URL(db.url)
    url.username = role
    url.password = 'limited-pw'
    const limited = new PostgresTarget(url.toString(), { wire: postgresql.wire })
    const result = await applyMigrations(limited, versions, options({ tables, createSchema: true }))
    await limited.close()
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([2])
    expect((await sql<{ version: number }>(db.url, 'select version from ops.migrations order by 1')).map((r) => r.version)).toEqual([1, 2])
  } finally {
    await db.drop()
    await sql(process.env.AURORA_MIGRATE_TEST_PG_URL!, `drop role if exists "${role}"`)
  }
})

test('after a lost commit reply the engine waits for the still-running transaction, then finds the version applied', async () => {
  const db = await createTestDatabase('engine_inflight')
  const dir = writeMigrations({ 'v1/01.sql': 'create table a (id int);', 'v2/01.sql': 'create table b (id int);' })
  const { versions } = await discoverMigrations(dir, dir)
  const real = new PostgresTarget(db.url, { wire: postgresql.wire })
  const inFlight = new PostgresTarget(db.url, { wire: postgresql.wire })
  // A transport whose first transaction's reply is "lost" while the transaction goes on and commits
  // 1.5 s later on another connection: a Lambda whose reply was lost, or a slow COMMIT.
  let first = true
  const target: Target = {
    description: 'lossy',
    query: (text, params) => real.query(text, params),
    close: async () => undefined,
    async transaction(statements) {
      if (!first) return real.transaction(statements)
      first = false
      void inFlight.transaction([...statements, { sql: 'SELECT pg_sleep(1.5)' }])
      await new Promise((resolve) => setTimeout(resolve, 200))
      throw new CommitOutcomeUnknownError('reply lost')
    }
  }
  try {
    const opts = options()
    const result = await applyMigrations(target, versions, opts)
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1, 2])
    expect(opts.logs.join('\n')).toMatch(/The transaction of v1 is still running; waiting up to 120 s for it to end/)
    expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([
      1, 2
    ])
  } finally {
    await real.close()
    await inFlight.close()
    await db.drop()
  }
})
