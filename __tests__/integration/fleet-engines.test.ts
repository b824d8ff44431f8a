/**
 * Fleets beyond one database per tenant on PostgreSQL: a schema per tenant (schemas-query: each version runs with
 * the tenant's schema first on its search path, its meta table in that schema), a listing query that tries to write
 * (refused by the read-only transaction, nothing changed), and a fleet of MySQL databases (MariaDB here) over a
 * mysql:// URL with a databases-query. The command line in-process; the databases are the truth.
 */
import fs from 'node:fs'
import path from 'node:path'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import type { FleetRun } from '../../src/fleet/types.js'

const ENV = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }
function runsOf(run: CliRun): FleetRun[] {
  return (JSON.parse(run.stdout) as { runs: FleetRun[] }).runs
}

describe('PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  beforeEach(async () => {
    db = await createTestDatabase('fleet_schemas')
  })
  afterEach(async () => {
    await db.drop()
  })

  test('schemas-query: one target per schema, each version in its schema, the meta table beside it; public untouched', async () => {
    await sql(db.url, 'CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b; CREATE SCHEMA other')
    const dir = cliProject({
      'v1/01_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, qty int);',
      'v2/01_seed.sql': 'INSERT INTO orders VALUES (1, 1);'
    })
    fs.writeFileSync(
      path.join(dir, 'fleet.yml'),
      `targets:\n  - name: tenants\n    database-url-env: DB_URL\n    schemas-query: "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\\\_%' ORDER BY 1"\n`
    )
    const run = await runCliCaptured(['apply', '--targets', 'fleet.yml', '--json'], dir, { ...ENV, DB_URL: db.url })
    expect(run.code).toBe(0)
    expect(runsOf(run).map((r) => [r.name, r.database, r.status, r.to])).toEqual([
      ['tenants/tenant_a', 'tenant_a', 'applied', 2],
      ['tenants/tenant_b', 'tenant_b', 'applied', 2]
    ])
    const tables = await sql<{ s: string; t: string }>(
      db.url,
      "SELECT schemaname AS s, tablename AS t FROM pg_tables WHERE schemaname IN ('public', 'tenant_a', 'tenant_b', 'other') ORDER BY 1, 2"
    )
    const inSchema = (schema: string): string[] => tables.filter((r) => r.s === schema).map((r) => r.t)
    for (const schema of ['tenant_a', 'tenant_b']) {
      expect(inSchema(schema)).toEqual(['orders', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
      expect(await sql(db.url, `SELECT count(*)::int AS n FROM ${schema}.orders`)).toEqual([{ n: 1 }])
      expect(
        (await sql<{ version: number }>(db.url, `SELECT version FROM ${schema}.schema_migrations ORDER BY 1`)).map((r) => r.version)
      ).toEqual([1, 2])
    }
    expect(inSchema('public')).toEqual([])
    expect(inSchema('other')).toEqual([])

    // A no-transaction file would run outside the version's transaction, in the default schema: refused on each.
    fs.mkdirSync(path.join(dir, 'migrations/resources/v3'))
    fs.writeFileSync(
      path.join(dir, 'migrations/resources/v3/01_index.sql'),
      '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY orders_qty ON orders (qty);\n'
    )
    const refused = await runCliCaptured(['apply', '--targets', 'fleet.yml', '--on-error', 'continue', '--json'], dir, {
      ...ENV,
      DB_URL: db.url
    })
    expect(refused.code).toBe(1)
    for (const r of runsOf(refused)) {
      expect(r.status).toBe('refused')
      expect(r.error).toMatch(
        /v3 migrations\/resources\/v3\/01_index\.sql is a -- migrate:no-transaction file: .*schema tenant_[ab] \(schemas-query\)/
      )
    }
    expect(await sql(db.url, "SELECT indexname FROM pg_indexes WHERE indexname = 'orders_qty'")).toEqual([])
    const plan = await runCliCaptured(['plan', '--targets', 'fleet.yml', '--no-verify', '--json'], dir, { ...ENV, DB_URL: db.url })
    expect(plan.code).toBe(1)
    expect(plan.stderr).toMatch(/-- migrate:no-transaction file/)
  })

  test('a listing query that tries to write is stopped by the read-only transaction; nothing changes', async () => {
    await sql(db.url, "CREATE TABLE victims (name text); INSERT INTO victims VALUES ('kept')")
    const dir = cliProject({ 'v1/01.sql': 'CREATE TABLE t (id int);' })
    fs.writeFileSync(
      path.join(dir, 'fleet.yml'),
      'targets:\n  - name: sly\n    database-url-env: DB_URL\n    databases-query: "WITH gone AS (DELETE FROM victims RETURNING name) SELECT name FROM gone"\n'
    )
    const run = await runCliCaptured(['apply', '--targets', 'fleet.yml'], dir, { ...ENV, DB_URL: db.url })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/sly: its databases-query failed: .*read-only transaction/)
    expect(await sql(db.url, 'SELECT name FROM victims')).toEqual([{ name: 'kept' }])
    expect(await sql(db.url, "SELECT 1 FROM pg_tables WHERE tablename = 't'")).toEqual([])
  })
})

describeMysql('MySQL (the MariaDB the suite starts)', () => {
  const server = useMysqlServer()

  test('a databases-query over a mysql:// URL: one target per database, each applied, one failure kept to itself', async () => {
    const dbs = await Promise.all([createMysqlDatabase(server.url, 'fleet_a'), createMysqlDatabase(server.url, 'fleet_b')])
    try {
      await mysqlSql(dbs[1].url, 'CREATE TABLE audit (id int)')
      const dir = cliProject({
        'v1/01_orders.sql': 'CREATE TABLE orders (id int PRIMARY KEY, qty int);\nINSERT INTO orders VALUES (1, 1);',
        'v2/01_audit.sql': 'CREATE TABLE audit (id int PRIMARY KEY);'
      })
      fs.writeFileSync(
        path.join(dir, 'fleet.yml'),
        `targets:\n  - name: shop\n    database-url-env: ADMIN_URL\n    databases-query: "SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('${dbs[0].name}', '${dbs[1].name}') ORDER BY 1"\n`
      )
      const admin = new URL(dbs[0].url)
      admin.pathname = '/mysql'
      const run = await runCliCaptured(['apply', '--targets', 'fleet.yml', '--on-error', 'continue', '--json'], dir, {
        ...ENV,
        ADMIN_URL: admin.toString()
      })
      expect(run.code).toBe(1)
      expect(runsOf(run).map((r) => [r.name, r.status, r.from, r.to])).toEqual([
        [`shop/${dbs[0].name}`, 'applied', 0, 2],
        [`shop/${dbs[1].name}`, 'failed', 0, 1]
      ])
      const versions = async (url: string): Promise<number[]> =>
        (await mysqlSql<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY 1')).map((r) => Number(r.version))
      expect(await versions(dbs[0].url)).toEqual([1, 2])
      expect(await versions(dbs[1].url)).toEqual([1])
      expect(await mysqlSql(dbs[1].url, 'SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 1 }])
      expect(await mysqlSql(dbs[1].url, 'SELECT version, step, state FROM schema_migrations_progress')).toEqual([])
    } finally {
      await Promise.all(dbs.map((db) => db.drop()))
    }
  })
})
