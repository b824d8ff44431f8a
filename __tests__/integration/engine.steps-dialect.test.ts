/**
 * The engine asks its dialect whether DDL is transactional: where it is not (`transactionalDdl: false`), every
 * version runs in recorded steps (engine/steps.ts) instead of one fenced transaction; where it is, in one. Proven on
 * a real PostgreSQL with PostgreSQL's engine part told either way, the database state asserted after each failure.
 * (Which statements of a step may share a transaction is still the files' choice: ordinary files form one segment.)
 */
import { applyMigrations } from '../../src/engine/apply.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { StatementFailedError, StepFailedError } from '../../src/errors.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'

const BROKEN = {
  'v1/01.sql': 'create table a (id int);',
  'v2/01.sql': 'create table b (id int);\ncreate table c (id int);\ninsert into missing values (1);\ncreate table d (id int);'
}
const FIXED = { ...BROKEN, 'v2/01.sql': BROKEN['v2/01.sql'].replace('insert into missing values (1)', 'create table missing (id int)') }

async function publicTables(url: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    url,
    "select tablename as name from pg_tables where schemaname = 'public' and tablename not like 'schema_migrations%' order by 1"
  )
  return rows.map((row) => row.name)
}

test.each([
  ['not transactional: the version runs in steps', false, StepFailedError],
  ['transactional: the version runs in one fenced transaction', true, StatementFailedError]
])('DDL %s; the failed version holds nothing, and the fixed one applies', async (_, transactionalDdl, failure) => {
  const db = await createTestDatabase('engine_ddl_dialect')
  const target = new PostgresTarget(db.url, { wire: postgresql.wire })
  const dialect = { ...postgresql.engine, transactionalDdl }
  try {
    const first = await applyMigrations(target, (await discoverMigrations(writeMigrations(BROKEN))).versions, options({ dialect }))
    expect(first.applied.map((a) => a.version)).toEqual([1])
    expect(first.failedVersion).toBe(2)
    expect(first.error).toBeInstanceOf(failure)
    expect(await publicTables(db.url)).toEqual(['a'])
    expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations')).map((r) => r.version)).toEqual([1])
    const progress = await sql(db.url, "select 1 from pg_tables where tablename = 'schema_migrations_progress'")
    if (progress.length) expect(await sql(db.url, 'select * from schema_migrations_progress')).toEqual([])

    const second = await applyMigrations(target, (await discoverMigrations(writeMigrations(FIXED))).versions, options({ dialect }))
    expect(second.error).toBeNull()
    expect(second.applied.map((a) => a.version)).toEqual([2])
    expect(await publicTables(db.url)).toEqual(['a', 'b', 'c', 'd', 'missing'])
    expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([
      1, 2
    ])
  } finally {
    await target.close()
    await db.drop()
  }
})
