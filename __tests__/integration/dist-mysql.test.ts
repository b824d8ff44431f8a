/**
 * The bundled action (dist/index.js) on MySQL, run as a runner runs it: examples/mysql-shop planned and applied
 * through a mysql:// database-url, and through the RDS Data API (the emulator in MySQL mode) with `engine: auto`
 * telling the engine from the server. What the database holds afterwards decides.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runAction } from '../../testkit/action-runner.js'
import { DUMMY_AWS_ENV } from '../../testkit/aws-env.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'

const SHOP = 'examples/mysql-shop/migrations/resources'

describeMysql('the bundled action on MySQL', () => {
  const server = useMysqlServer()

  async function schema(url: string): Promise<Record<string, unknown>> {
    const names = async (text: string): Promise<string[]> => (await mysqlSql<{ n: string }>(url, text)).map((row) => row.n)
    return {
      tables: await names(
        "SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1"
      ),
      views: await names('SELECT TABLE_NAME AS n FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1'),
      triggers: await names('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1'),
      versions: (await mysqlSql<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY 1')).map((row) => row.version),
      // SUM is DECIMAL: the driver gives it as text.
      totals: await mysqlSql(url, 'SELECT email, CAST(total_cents AS SIGNED) AS total_cents FROM customer_totals ORDER BY id')
    }
  }

  const APPLIED = {
    tables: ['customers', 'orders', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'],
    views: ['customer_totals'],
    triggers: ['orders_count_insert'],
    versions: [1, 2, 3],
    totals: [
      { email: 'ada@example.com', total_cents: 1250 },
      { email: 'grace@example.com', total_cents: 4000 }
    ]
  }

  test('through a mysql:// database-url: plan (verified on a throwaway server) changes nothing, apply applies, the password is masked', async () => {
    const db = await createMysqlDatabase(server.url, 'dist')
    await mysqlSql(server.url, `CREATE USER IF NOT EXISTS 'shop'@'%' IDENTIFIED BY 's3cret-pass'`)
    await mysqlSql(server.url, `GRANT ALL ON \`${db.name}\`.* TO 'shop'@'%'`)
    const url = `mysql://shop:s3cret-pass@127.0.0.1:${server.port}/${db.name}`

    const plan = await runAction({ command: 'plan', 'migrations-dir': SHOP, 'database-url': url })
    expect(plan.stderr).toBe('')
    expect(plan.code).toBe(0)
    expect(JSON.parse(plan.outputs.pending)).toEqual([1, 2, 3])
    expect(plan.outputs.verification).toBe('passed')
    expect(plan.summary).toMatch(/Database \((MariaDB|MySQL) [\d.]+\) at \*\*v0\*\*/)
    expect(plan.summary).toContain('| 2 DDL, each commits on its own; 1 DML batch in a transaction |')
    // Registered as a secret (the runner masks it), and never written otherwise.
    const unmasked = (stdout: string): string[] =>
      stdout.split('\n').filter((line) => line.includes('s3cret-pass') && !line.startsWith('::add-mask::'))
    expect(plan.stdout).toContain('::add-mask::s3cret-pass')
    expect(unmasked(plan.stdout)).toEqual([])
    expect(await mysqlSql(db.url, 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()')).toEqual([])

    const apply = await runAction({ command: 'apply', 'migrations-dir': SHOP, 'database-url': url })
    expect(apply.code).toBe(0)
    expect(JSON.parse(apply.outputs.applied)).toEqual([1, 2, 3])
    expect(unmasked(apply.stdout)).toEqual([])
    expect(await schema(db.url)).toEqual(APPLIED)
    // The trigger works: a new order counts.
    await mysqlSql(db.url, 'INSERT INTO orders (customer_id, total_cents) VALUES (2, 100)')
    expect(await mysqlSql(db.url, 'SELECT orders_count FROM customers WHERE id = 2')).toEqual([{ orders_count: 2 }])

    const again = await runAction({ command: 'apply', 'migrations-dir': SHOP, 'database-url': url })
    expect(again.code).toBe(0)
    expect(again.outputs.applied).toBe('[]')
    await db.drop()
  }, 120_000)

  test('through the RDS Data API with engine auto: the server is asked once, and the versions apply', async () => {
    const db = await createMysqlDatabase(server.url, 'dist_dapi')
    const emulator = await startDataApiEmulator({ databaseUrl: server.url })
    try {
      const inputs = {
        'migrations-dir': SHOP,
        'resource-arn': emulator.resourceArn,
        'secret-arn': emulator.secretArn,
        database: db.name,
        // The throwaway server is the suite's: verification gets a scratch database there.
        'shadow-database-url': server.url
      }
      const env = { AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint, ...DUMMY_AWS_ENV }
      const apply = await runAction({ ...inputs, command: 'apply' }, env)
      expect(apply.code).toBe(0)
      expect(apply.stdout).toMatch(/Engine: MySQL \(the server says [\d.]+/)
      expect(emulator.calls.filter((call) => call.sql === 'SELECT VERSION() AS version')).toHaveLength(1)
      expect(JSON.parse(apply.outputs.applied)).toEqual([1, 2, 3])
      expect(await schema(db.url)).toEqual(APPLIED)
      // No temporary procedure is left behind.
      expect(await mysqlSql(db.url, 'SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()')).toEqual([])
    } finally {
      await emulator.stop()
      await db.drop()
    }
  }, 120_000)

  test('plan through the Data API reviews a risky MySQL version: findings in the output, as annotations and in the summary; fail-on error fails; nothing changes', async () => {
    const db = await createMysqlDatabase(server.url, 'dist_review')
    const emulator = await startDataApiEmulator({ databaseUrl: server.url })
    // A repository of its own: the migrations inside its workspace, as the action requires.
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-ws-'))
    writeMigrations(
      {
        'v1/01_orders.sql': 'CREATE TABLE orders (id INT PRIMARY KEY, total INT NOT NULL);\nINSERT INTO orders VALUES (1, 10), (2, 20);',
        'v2/01_total.sql': 'ALTER TABLE orders MODIFY total BIGINT NOT NULL;\nALTER TABLE orders ADD COLUMN IF NOT EXISTS note VARCHAR(20);'
      },
      path.join(workspace, 'migrations', 'resources')
    )
    try {
      const inputs = {
        'migrations-dir': 'migrations/resources',
        'resource-arn': emulator.resourceArn,
        'secret-arn': emulator.secretArn,
        database: db.name,
        engine: 'mysql',
        'shadow-database-url': server.url
      }
      const env = { AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint, ...DUMMY_AWS_ENV, GITHUB_WORKSPACE: workspace }
      // v1 applied, v2 pending.
      const first = await runAction({ ...inputs, command: 'apply', 'target-version': '1' }, env)
      expect(first.code).toBe(0)
      const before = await mysqlSql(
        db.url,
        "SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
      )

      const plan = await runAction({ ...inputs, command: 'plan' }, env)
      expect(plan.code).toBe(1)
      const found = JSON.parse(plan.outputs.findings) as Array<{ rule: string; severity: string; line: number; relation: string | null }>
      expect(found.map((f) => [f.rule, f.severity, f.line])).toEqual(
        expect.arrayContaining([
          ['mysql-if-not-exists', 'error', 2],
          ['mysql-column-type-change', 'notice', 1],
          ['mysql-several-alters', 'warning', 2]
        ])
      )
      expect(plan.stdout).toMatch(/::error title=mysql-if-not-exists,file=[^,]*v2\/01_total\.sql,line=2,col=1::/)
      expect(plan.summary).toMatch(/❌ \*\*The review blocks this plan\*\* \(fail-on: error\)/)
      expect(plan.summary).toContain(
        "checked on the MySQL clause reader's parse of each pending statement with the target's catalog (engine, rows, size"
      )
      // The throwaway server proved the type change's algorithm.
      expect(plan.summary).toMatch(/`mysql-column-type-change`.*Proved on the throwaway (MariaDB|MySQL) [\d.]+: COPY accepted/)
      // plan read only.
      expect(
        await mysqlSql(
          db.url,
          "SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
        )
      ).toEqual(before)
      expect(await mysqlSql(db.url, 'SELECT version FROM schema_migrations')).toEqual([{ version: 1 }])
    } finally {
      await emulator.stop()
      await db.drop()
    }
  }, 120_000)
})
