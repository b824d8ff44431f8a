/**
 * The runner Lambda (runner/) on MySQL: the real handler with a mysql:// DATABASE_URL (or a MySQL secret)
 * against the file's own MariaDB. The protocol and its error codes are those of PostgreSQL
 * (runner-handler.test.ts); here, what differs: the server it names, the session reset between invocations,
 * and the deadline, which MySQL enforces by killing the statement.
 */
import { createHandler, type RunnerHandler } from '../../runner/handler.js'
import { settingsFromSecret, settingsFromUrl } from '../../runner/connection.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'

/** A Lambda context with `ms` left, counting down in real time. */
function contextWith(ms: number) {
  const deadline = Date.now() + ms
  return { getRemainingTimeInMillis: () => deadline - Date.now() }
}

describeMysql('runner handler on MySQL', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let handler: RunnerHandler
  let lines: string[]

  beforeEach(async () => {
    db = await createMysqlDatabase(server.url, 'runner')
    lines = []
    handler = createHandler({ env: { DATABASE_URL: db.url }, log: (line) => lines.push(line) })
  })

  afterEach(async () => {
    await handler.close()
    await db.drop()
  })

  test('ping names the MySQL server and its version', async () => {
    const response = await handler({ protocol: 1, op: 'ping' })
    expect(response).toMatchObject({ ok: true, protocol: 1, server: expect.stringMatching(/^MySQL \d+\.\d+\.\d+/) })
    expect(lines.join('\n')).toMatch(/op=ping .*outcome=ok server=\d+\.\d+/)
  })

  test('query with named parameters; an SQL error is answered as data with its SQLSTATE and number', async () => {
    const ok = await handler({ protocol: 1, op: 'query', sql: "SELECT :s AS s, :i AS i, ':s' AS literal", params: { s: "it's", i: 42 } })
    expect(ok).toEqual({ ok: true, rows: [{ s: "it's", i: 42, literal: ':s' }], rowCount: 1 })
    const failed = await handler({ protocol: 1, op: 'query', sql: 'SELECT * FROM nowhere' })
    expect(failed).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/nowhere' doesn't exist/), sqlState: '42S02', errno: 1146 }
    })
  })

  test('a transaction commits; a failing statement rolls back and answers its index and label; a guard answers its rows', async () => {
    await mysqlSql(db.url, 'CREATE TABLE t (id int PRIMARY KEY)')
    const committed = await handler({
      protocol: 1,
      op: 'transaction',
      statements: [{ sql: 'INSERT INTO t VALUES (:id)', params: { id: 1 }, expectRows: 1 }, { sql: 'SELECT id FROM t' }]
    })
    expect(committed).toEqual({
      ok: true,
      results: [
        { rows: [], rowCount: 1 },
        { rows: [{ id: 1 }], rowCount: 1 }
      ]
    })
    const failed = await handler({
      protocol: 1,
      op: 'transaction',
      statements: [{ sql: 'INSERT INTO t VALUES (2)' }, { sql: 'INSERT INTO t VALUES (1)', label: 'record' }]
    })
    expect(failed).toMatchObject({
      ok: false,
      phase: 'statement',
      failedIndex: 1,
      failedLabel: 'record',
      error: { errno: 1062, sqlState: '23000' }
    })
    const guarded = await handler({
      protocol: 1,
      op: 'transaction',
      resultsNeeded: false,
      statements: [{ sql: 'INSERT INTO t VALUES (3)' }, { sql: 'SELECT id FROM t ORDER BY id', expectRows: 1 }]
    })
    expect(guarded).toMatchObject({ ok: false, failedIndex: 1, guard: true })
    expect(await mysqlSql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }])
  })

  test('a warm handler starts every invocation on a fresh session: nothing an earlier one set carries over', async () => {
    const set = await handler({
      protocol: 1,
      op: 'transaction',
      statements: [
        { sql: "SET @mark = 'x'" },
        { sql: 'CREATE TEMPORARY TABLE scratch (id int)' },
        { sql: "SELECT GET_LOCK('held', 0) AS got" }
      ]
    })
    expect(set).toMatchObject({ ok: true })
    await handler({ protocol: 1, op: 'query', sql: "SET SESSION sql_mode = 'ANSI_QUOTES'" })
    const next = await handler({
      protocol: 1,
      op: 'query',
      sql: "SELECT @mark AS mark, IS_USED_LOCK('held') AS holder, @@session.sql_mode LIKE '%ANSI_QUOTES%' AS ansi, @@session.wait_timeout AS idle"
    })
    expect(next).toEqual({ ok: true, rows: [{ mark: null, holder: null, ansi: 0, idle: 60 }], rowCount: 1 })
    const scratch = await handler({ protocol: 1, op: 'query', sql: 'SELECT * FROM scratch' })
    expect(scratch).toMatchObject({ ok: false, error: { errno: 1146 } })
  })

  test('a statement running past the deadline is killed in time: an SQL error with the hint, the transaction rolled back', async () => {
    await mysqlSql(db.url, 'CREATE TABLE d (id int)')
    await mysqlSql(db.url, 'INSERT INTO d VALUES (1), (2), (3), (4), (5), (6), (7), (8)')
    const started = Date.now()
    // 4.5 s left: the runner stops statements 3 s before, so this one (many seconds long) is killed after about 1.5 s.
    const response = await handler(
      {
        protocol: 1,
        op: 'transaction',
        statements: [
          { sql: 'INSERT INTO d VALUES (9)' },
          { sql: 'SELECT COUNT(*) AS c FROM d a, d b, d c, d e, d f, d g, d h, d i, d j WHERE SLEEP(0) = 0' }
        ]
      },
      contextWith(4_500)
    )
    const took = Date.now() - started
    expect(took).toBeLessThan(4_000)
    expect(response).toMatchObject({
      ok: false,
      phase: 'statement',
      failedIndex: 1,
      error: { errno: 1317, hint: expect.stringMatching(/Raise the function's Timeout/) }
    })
    expect(await mysqlSql(db.url, 'SELECT COUNT(*) AS c FROM d')).toEqual([{ c: 8 }])
    // The deadline does not outlive its invocation: the next one, without a deadline, runs as long as it needs.
    expect(await handler({ protocol: 1, op: 'query', sql: 'SELECT SLEEP(0.2) AS s' })).toEqual({ ok: true, rows: [{ s: 0 }], rowCount: 1 })
  })

  test('a connection lost between invocations (killed idle) is replaced: the next invocation answers', async () => {
    const first = await handler({ protocol: 1, op: 'query', sql: 'SELECT CONNECTION_ID() AS id' })
    const id = first.ok && 'rows' in first ? Number(first.rows[0].id) : NaN
    await mysqlSql(db.url, `KILL ${id}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const second = await handler({ protocol: 1, op: 'query', sql: 'SELECT CONNECTION_ID() AS id' })
    expect(second).toMatchObject({ ok: true })
    expect(second.ok && 'rows' in second && second.rows[0].id).not.toBe(id)
  })

  test('a refused password answers CONNECTION without the password', async () => {
    const url = new URL(db.url)
    url.username = 'nobody'
    url.password = 'wrong-pass'
    const refused = createHandler({ env: { DATABASE_URL: url.toString() }, log: (line) => lines.push(line) })
    const response = await refused({ protocol: 1, op: 'ping' })
    await refused.close()
    expect(response).toMatchObject({ ok: false, error: { code: 'CONNECTION', message: expect.stringMatching(/Access denied/) } })
    expect(JSON.stringify(response)).not.toContain('wrong-pass')
    expect(lines.join('\n')).not.toContain('wrong-pass')
  })
})

describe('the runner picks MySQL by the URL scheme or the secret engine', () => {
  test('mysql:// → MySQL; ssl-mode read as the TLS mode and removed from the URL', () => {
    expect(settingsFromUrl('mysql://u:p@db.example.com/app?ssl-mode=VERIFY_IDENTITY', {})).toMatchObject({
      dialect: 'mysql',
      tls: 'verify-full',
      url: 'mysql://u:p@db.example.com/app'
    })
    expect(settingsFromUrl('postgres://u:p@db.example.com/app', {}).dialect).toBe('postgresql')
  })

  test('a secret of engine mysql → a mysql:// URL on port 3306, TLS required on RDS', () => {
    const settings = settingsFromSecret(
      { engine: 'mysql', host: 'c.cluster-x.eu-west-1.rds.amazonaws.com', username: 'admin', password: 'p@ss', dbname: 'app' },
      {},
      'arn:aws:secretsmanager:eu-west-1:1:secret:s'
    )
    expect(settings).toMatchObject({
      dialect: 'mysql',
      url: 'mysql://admin:p%40ss@c.cluster-x.eu-west-1.rds.amazonaws.com:3306/app',
      tls: 'require'
    })
  })
})
