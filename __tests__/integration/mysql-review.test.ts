/**
 * MySQL's review end to end on a real server through the Data API emulator's MySQL mode (real SDK client): the
 * clause reader, the catalog read (one call), the online DDL prediction and the rules. The same change is an error
 * on a populated table and a notice on a small one, and silent on a table the pending versions create; plan reads
 * only: the database is unchanged afterwards.
 */
import { mysql } from '../../src/dialects/mysql/index.js'
import { discoverMigrations as discover } from '../../src/migrations/discover.js'
import { parsePending, runRules, touchedRelations } from '../../src/review/review.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import type { Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'

useDummyAwsEnvironment()

describeMysql('the MySQL review on a real server, over the Data API', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let emulator: DataApiEmulator
  let target: Target

  beforeAll(async () => {
    db = await createMysqlDatabase(server.url, 'review')
    // `orders`: 1.2 million rows; `items`: ten.
    for (const statement of [
      'CREATE TABLE thousand (n INT PRIMARY KEY)',
      'INSERT INTO thousand WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) SELECT n FROM s',
      'CREATE TABLE orders (id INT PRIMARY KEY, total INT NOT NULL, note VARCHAR(20)) ENGINE = InnoDB',
      'INSERT INTO orders SELECT a.n * 1000 + b.n, b.n, NULL FROM thousand a CROSS JOIN thousand b',
      'INSERT INTO orders SELECT 2000000 + a.n * 1000 + b.n, b.n, NULL FROM thousand a CROSS JOIN thousand b WHERE a.n <= 200',
      // The row estimate from most of the table's pages, not InnoDB's default sample of 20: steady under load.
      'ALTER TABLE orders STATS_SAMPLE_PAGES = 4000',
      'CREATE TABLE items (id INT PRIMARY KEY, price INT NOT NULL) ENGINE = InnoDB',
      'INSERT INTO items SELECT n, n FROM thousand WHERE n <= 10',
      'ANALYZE TABLE orders, items'
    ])
      await mysqlSql(db.url, statement)
    emulator = await startDataApiEmulator({ databaseUrl: server.url })
    target = createDataApiTarget({
      wire: mysql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint
    })
  }, 120_000)

  afterAll(async () => {
    await target?.close()
    await emulator?.stop()
    // The server the suite started goes with it.
    await db?.drop().catch(() => {})
  })

  const shape = () =>
    mysqlSql(
      db.url,
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION'
    )

  async function review(files: Record<string, string>) {
    const { versions } = await discover(mysql.syntax, writeMigrations(files))
    const { statements } = await parsePending(mysql.review, versions, [versions[0].number])
    const from = emulator.calls.length
    const catalog = await mysql.review.readCatalog(target, touchedRelations(mysql.review, statements, ''), { settings: false })
    const calls = emulator.calls.length - from
    const findings = runRules(mysql.review, statements, { catalog: catalog.facts, trace: null, defaultSchema: '' }, { ignoreRules: [] })
    return { findings, calls }
  }

  test('a type change copies: an error on a million rows, a notice on ten rows, silent on a table the version creates; one catalog call; nothing changed', async () => {
    const before = await shape()
    const { findings, calls } = await review({
      'v1/01.sql':
        'ALTER TABLE orders MODIFY total BIGINT NOT NULL;\n' +
        'ALTER TABLE items MODIFY price BIGINT NOT NULL;\n' +
        'CREATE TABLE fresh (id INT PRIMARY KEY, v INT);\n' +
        'ALTER TABLE fresh MODIFY v BIGINT;'
    })
    expect(calls).toBe(1)
    const typeChanges = findings.filter((f) => f.rule === 'mysql-column-type-change')
    expect(typeChanges.map((f) => [f.relation, f.severity, f.line])).toEqual([
      ['.orders', 'error', 1],
      ['.items', 'notice', 2]
    ])
    expect(typeChanges[0].message).toMatch(
      /^`ALGORITHM=COPY`: copies `orders` \(≈1,[12]\d\d,\d{3} rows, \d+ MB\) into a new table row by row and blocks writes/
    )
    expect(findings.filter((f) => f.relation === '.fresh')).toEqual([])
    expect(await shape()).toEqual(before)
  })

  test('an instant ADD COLUMN is silent; widening a VARCHAR across 255 bytes is named as such; IF NOT EXISTS is an error', async () => {
    const { findings } = await review({
      'v1/01.sql':
        'ALTER TABLE orders ADD COLUMN flag TINYINT NOT NULL DEFAULT 0;\n' +
        'ALTER TABLE orders MODIFY note VARCHAR(100);\n' +
        'ALTER TABLE items ADD COLUMN IF NOT EXISTS label VARCHAR(10);'
    })
    const byLine = (line: number) => findings.filter((f) => f.line === line).map((f) => f.rule)
    // Line 1: instant, and one ALTER of `orders` so far.
    expect(byLine(1)).toEqual([])
    expect(byLine(2)).toContain('mysql-several-alters')
    expect(byLine(3)).toEqual(['mysql-if-not-exists'])
    // VARCHAR(20) → VARCHAR(100) in utf8mb4: 80 → 400 bytes, across the length byte: MySQL copies; MariaDB (this test's
    // server) extends it in place (the engine table), so the finding depends on the server the catalog names.
    const flavor = String((await mysqlSql<{ v: string }>(db.url, 'SELECT VERSION() AS v'))[0].v).includes('MariaDB') ? 'mariadb' : 'mysql'
    expect(byLine(2).includes('mysql-varchar-boundary')).toBe(flavor === 'mysql')
  })
})
