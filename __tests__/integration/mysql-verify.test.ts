/**
 * Verification on MySQL: the plan's pending versions applied from scratch on a throwaway server started from
 * the machine's binaries (a MariaDB here, said loudly), and on a scratch database of shadow-database-url's
 * server. A failing version names its file and line; the throwaway database is gone afterwards.
 */
import path from 'node:path'
import { mysql } from '../../src/dialects/mysql/index.js'
import { discoverMigrations } from '../../src/migrations/discover.js'
import { verifyOnShadow } from '../../src/shadow/verify.js'
import { mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'

const GOOD = {
  'v1/01_orders.sql': 'CREATE TABLE orders (id INT PRIMARY KEY, total INT) ENGINE=InnoDB;\nINSERT INTO orders VALUES (1, 10);',
  'v2/01_note.sql': 'ALTER TABLE orders ADD COLUMN note VARCHAR(20);\nCREATE INDEX orders_total ON orders (total);'
}
const BAD = {
  ...GOOD,
  'v2/01_note.sql': 'ALTER TABLE orders ADD COLUMN note VARCHAR(20);\n\nALTER TABLE orders ADD COLUMN note VARCHAR(20);'
}

describeMysql('verification on MySQL', () => {
  const server = useMysqlServer()

  test('on a local throwaway server: the versions pass, and the server says which engine proved it', async () => {
    const lines: string[] = []
    const { versions } = await discoverMigrations(mysql.syntax, writeMigrations(GOOD))
    const verification = await verifyOnShadow(mysql.shadow, versions, {
      engine: mysql.engine,
      shadowDatabaseUrl: null,
      log: (l) => lines.push(l)
    })
    expect(verification.message).toBeNull()
    expect(verification.status).toBe('passed')
    expect(verification.versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'passed'],
      [2, 'passed']
    ])
    // No lock trace on MySQL yet: untraced, and nothing to warn about.
    expect([verification.trace, verification.traceMessage ?? null]).toEqual([null, null])
    expect(verification.server).toMatch(server.flavor === 'mariadb' ? /^local MariaDB \d+\.\d+\.\d+ \(not MySQL/ : /^local MySQL \d/)
  })

  test('the MySQL example project (examples/mysql-shop: DELIMITER, a trigger, an executable-comment view) verifies', async () => {
    const { versions } = await discoverMigrations(mysql.syntax, path.resolve('examples/mysql-shop/migrations/resources'), path.resolve('.'))
    expect(versions.map((v) => v.number)).toEqual([1, 2, 3])
    const verification = await verifyOnShadow(mysql.shadow, versions, {
      engine: mysql.engine,
      shadowDatabaseUrl: server.url,
      log: () => {}
    })
    expect([verification.status, verification.message]).toEqual(['passed', null])
  })

  test('on shadow-database-url: a failing version names its file and line, and the scratch database is dropped', async () => {
    const before = await mysqlSql<{ n: number }>(
      server.url,
      "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'aurora\\_migrate\\_verify%'"
    )
    const { versions } = await discoverMigrations(mysql.syntax, writeMigrations(BAD))
    const verification = await verifyOnShadow(mysql.shadow, versions, {
      engine: mysql.engine,
      shadowDatabaseUrl: server.url,
      log: () => {}
    })
    expect(verification.status).toBe('failed')
    const failed = verification.versions.find((v) => v.status === 'failed')
    expect(failed?.version).toBe(2)
    expect(failed?.error).toMatchObject({ file: expect.stringMatching(/v2\/01_note\.sql$/), line: 3 })
    expect(failed?.error?.message).toMatch(/Duplicate column name 'note'/)
    expect(
      await mysqlSql(
        server.url,
        "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'aurora\\_migrate\\_verify%'"
      )
    ).toEqual(before)
  })
})
