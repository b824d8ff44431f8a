import { applyMigrations } from '../src/engine/apply.js'
import { metaTables } from '../src/engine/meta.js'
import { discoverMigrations } from '../src/migrations/discover.js'
import { PostgresTarget } from '../src/targets/postgres.js'
import { describeEngine, options } from './support/engine-cases.js'
import { createTestDatabase, sql } from './support/postgres.js'
import { writeMigrations } from './support/versions.js'

describeEngine('a direct PostgreSQL URL', { connect: async (url) => new PostgresTarget(url) })

test('a user without CREATE on the schema applies once the meta tables exist; a meta table in its own schema is created', async () => {
  const db = await createTestDatabase('engine_priv')
  const role = `limited_${db.name}`.slice(0, 60)
  const dir = writeMigrations({ 'v1/01.sql': 'select 1;', 'v2/01.sql': 'select 2;' })
  const { versions } = await discoverMigrations(dir, dir)
  const tables = metaTables('ops', 'migrations')
  try {
    const owner = new PostgresTarget(db.url)
    expect((await applyMigrations(owner, versions.slice(0, 1), options({ tables, createSchema: true }))).error).toBeNull()
    await owner.close()
    await sql(db.url, `create role "${role}" login password 'limited-pw'`)
    await sql(db.url, `grant usage on schema ops to "${role}"; grant select, insert, update on all tables in schema ops to "${role}"`)
    const url = new URL(db.url)
    url.username = role
    url.password = 'limited-pw'
    const limited = new PostgresTarget(url.toString())
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
