/**
 * The direct MySQL transport beyond the shared contract: value shapes, found rows, what a DDL inside a
 * transaction does, the session reset, the deadline, and what happens when the connection breaks (a TCP proxy
 * in front of the file's own MariaDB cuts it at a chosen moment).
 */
import path from 'node:path'
import os from 'node:os'
import fs from 'node:fs'
import { wire } from '../../src/dialects/mysql/wire.js'
import { CommitOutcomeUnknownError, DatabaseError, TransportError } from '../../src/errors.js'
import { MysqlTarget } from '../../src/targets/mysql.js'
import { freePort } from '../../src/free-port.js'
import { startCuttingProxy, type CuttingProxy } from '../../testkit/cutting-proxy.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'

describeMysql('MysqlTarget', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let target: MysqlTarget
  let logs: string[]

  beforeEach(async () => {
    db = await createMysqlDatabase(server.url, 'mysqltarget')
    logs = []
    target = new MysqlTarget(db.url, { wire, log: (message) => logs.push(message) })
  })

  afterEach(async () => {
    await target.close()
    await db.drop()
  })

  test('column values are SqlValues: booleans, exact numbers, ISO timestamps, JSON text, base64 binary', async () => {
    await target.query(
      'CREATE TABLE v (b TINYINT(1), i INT, big BIGINT, huge BIGINT UNSIGNED, d DECIMAL(5,2), f DOUBLE, t VARCHAR(10), ' +
        'j JSON, bin VARBINARY(4), blb BLOB, dt DATETIME(3), ts TIMESTAMP(3) NULL, day DATE, tm TIME, y YEAR, bit1 BIT(1), bit8 BIT(8))'
    )
    await target.query(
      "INSERT INTO v VALUES (1, -5, 7, 18446744073709551615, 1.5, 2.5, 'ü', '{\"a\": [1, 2]}', x'00ff', x'6869', " +
        "'2024-01-02 03:04:05.123', '2024-01-02 03:04:05.5', '2024-05-06', '01:02:03', 2024, b'1', b'00000101')"
    )
    const { rows } = await target.query('SELECT * FROM v')
    expect(rows).toEqual([
      {
        b: true,
        i: -5,
        big: 7,
        huge: '18446744073709551615',
        d: '1.50',
        f: 2.5,
        t: 'ü',
        j: expect.stringMatching(/^\{"a": ?\[1, ?2\]\}$/),
        bin: 'AP8=',
        blb: 'aGk=',
        dt: '2024-01-02T03:04:05.123Z',
        ts: '2024-01-02T03:04:05.500Z',
        day: '2024-05-06',
        tm: '01:02:03',
        y: 2024,
        bit1: true,
        bit8: 5
      }
    ])
    // The same through a prepared statement (parameters): the binary protocol gives the same shapes.
    const prepared = await target.query('SELECT b, big, d, dt, j, bin FROM v WHERE i = :i', { i: -5 })
    expect(prepared.rows).toEqual([{ b: true, big: 7, d: '1.50', dt: '2024-01-02T03:04:05.123Z', j: rows[0].j, bin: 'AP8=' }])
  })

  test('an UPDATE counts the rows it found, changed or not', async () => {
    await target.query('CREATE TABLE t (id int PRIMARY KEY, v int)')
    await target.query('INSERT INTO t VALUES (1, 0), (2, 0)')
    expect((await target.query('UPDATE t SET v = 0')).rowCount).toBe(2)
    expect((await target.query('UPDATE t SET v = 1 WHERE id = 1')).rowCount).toBe(1)
  })

  test('an SQL error is a DatabaseError with the SQLSTATE and the error number', async () => {
    const error = await target.query('SELECT * FROM missing_table').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).info).toEqual({
      message: expect.stringMatching(/missing_table' doesn't exist/),
      sqlState: '42S02',
      errno: 1146
    })
  })

  test('LOAD DATA LOCAL INFILE is refused: a migration never makes this process send a file of its machine', async () => {
    const file = path.join(os.tmpdir(), `aurora-migrate-local-${process.pid}.csv`)
    fs.writeFileSync(file, 'secret-line\n')
    try {
      await target.query('CREATE TABLE loaded (line VARCHAR(100))')
      const error = await target.query(`LOAD DATA LOCAL INFILE '${file}' INTO TABLE loaded`).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DatabaseError)
      expect(await mysqlSql(db.url, 'SELECT COUNT(*) AS n FROM loaded')).toEqual([{ n: 0 }])
    } finally {
      fs.rmSync(file, { force: true })
    }
  })

  test('a CALL answers the last row set of its procedure', async () => {
    await target.query('CREATE PROCEDURE two_sets() BEGIN SELECT 1 AS a; SELECT 2 AS b; END')
    expect(await target.query('CALL two_sets()')).toEqual({ rows: [{ b: 2 }], rowCount: 1 })
  })

  test('a DDL inside a transaction commits what ran before it: the target reports the failure and does not hide what stayed', async () => {
    await target.query('CREATE TABLE kept (id int)')
    const result = await target.transaction([
      { sql: 'INSERT INTO kept VALUES (1)' },
      { sql: 'CREATE TABLE made (id int)' },
      { sql: 'INSERT INTO kept VALUES (2)' },
      { sql: 'SELECT * FROM no_such_table' }
    ])
    expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 3, error: { errno: 1146 } })
    // Row 1 and the table were committed by the CREATE TABLE; row 2 came after it and was rolled back.
    expect(await mysqlSql(db.url, 'SELECT id FROM kept ORDER BY id')).toEqual([{ id: 1 }])
    expect(
      await mysqlSql(
        db.url,
        "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'made'"
      )
    ).toHaveLength(1)
  })

  test('the session is reset after a transaction: variables, temporary tables, GET_LOCK; utf8mb4 stays', async () => {
    const changed = await target.transaction([
      { sql: "SET @mark = 'x'" },
      { sql: "SET SESSION sql_mode = 'ANSI_QUOTES'" },
      { sql: 'CREATE TEMPORARY TABLE scratch (id int)' },
      { sql: "SELECT GET_LOCK('aurora_migrate_test', 0) AS got" }
    ])
    expect(changed).toMatchObject({ ok: true, results: [{}, {}, {}, { rows: [{ got: 1 }] }] })
    const { rows } = await target.query(
      "SELECT @mark AS mark, @@session.sql_mode LIKE '%ANSI_QUOTES%' AS ansi, IS_USED_LOCK('aurora_migrate_test') AS lock_holder, " +
        '@@character_set_client AS client, @@character_set_results AS results, @@autocommit AS autocommit'
    )
    expect(rows).toEqual([{ mark: null, ansi: 0, lock_holder: null, client: 'utf8mb4', results: 'utf8mb4', autocommit: 1 }])
    const scratch = await target.query('SELECT * FROM scratch').catch((e: unknown) => e)
    expect((scratch as DatabaseError).info.errno).toBe(1146)
    // Prepared statements were dropped by the reset too; mysql2 forgets its own, so parameters still work.
    expect((await target.query('SELECT :v AS v', { v: 'é' })).rows).toEqual([{ v: 'é' }])
    await target.transaction([{ sql: 'SELECT :v AS v', params: { v: 1 } }])
    expect((await target.query('SELECT :v AS v', { v: 2 })).rows).toEqual([{ v: 2 }])
  })

  test('a statement still running at the deadline is killed: error 1317, and the target goes on', async () => {
    await target.query('CREATE TABLE d (id int)')
    target.setDeadline(Date.now() + 300)
    const started = Date.now()
    const result = await target.transaction([{ sql: 'INSERT INTO d VALUES (1)' }, { sql: 'SELECT SLEEP(5)' }])
    expect(Date.now() - started).toBeLessThan(3000)
    // MariaDB and MySQL end an interrupted SLEEP() early with the value 1, or fail the statement with 1317.
    if (result.ok) expect(result.results[1].rows).toEqual([{ 'SLEEP(5)': 1 }])
    else expect(result).toMatchObject({ failedIndex: 1, error: { errno: 1317 } })
    target.setDeadline(undefined)
    expect((await target.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  test('a long-running query has its own connection and is killed at its timeout', async () => {
    await target.query('CREATE TABLE big (id int)')
    await target.query('INSERT INTO big VALUES (1), (2), (3), (4), (5), (6), (7), (8)')
    const started = Date.now()
    const error = await target
      .query('SELECT COUNT(*) FROM big a, big b, big c, big d, big e, big f, big g, big h, big i WHERE SLEEP(0) = 0', undefined, {
        longRunning: { timeoutMs: 300 }
      })
      .catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).info.errno).toBe(1317)
  })

  test('a killed idle connection is replaced on the next call', async () => {
    const id = (await target.query('SELECT CONNECTION_ID() AS id')).rows[0].id
    await mysqlSql(db.url, `KILL ${Number(id)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const next = await target.query('SELECT CONNECTION_ID() AS id').catch(() => target.query('SELECT CONNECTION_ID() AS id'))
    expect(next.rows[0].id).not.toBe(id)
  })

  test('a server that refuses connections: TransportError with the code, and no password in the message', async () => {
    const port = await freePort()
    const refused = new MysqlTarget(`mysql://root:s3cret@127.0.0.1:${port}/db`, { wire })
    const error = await refused.query('SELECT 1').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('ECONNREFUSED')
    expect((error as TransportError).message).not.toContain('s3cret')
    expect(refused.description).toBe(`mysql://root:***@127.0.0.1:${port}/db`)
    await refused.close()
  })

  test('a wrong password is a TransportError naming the refusal, never the password', async () => {
    await mysqlSql(server.url, "CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'right-pass'")
    const url = new URL(db.url)
    url.username = 'app'
    url.password = 'wrong-pass'
    const refused = new MysqlTarget(url.toString(), { wire })
    const error = await refused.query('SELECT 1').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('ER_ACCESS_DENIED_ERROR')
    expect((error as TransportError).message).not.toContain('wrong-pass')
    await refused.close()
  })

  test('a query() made during a transaction waits for it instead of running inside it', async () => {
    await target.query('CREATE TABLE w (id int)')
    const transaction = target.transaction([
      { sql: 'INSERT INTO w VALUES (1)' },
      { sql: 'SELECT SLEEP(0.2)' },
      { sql: 'SELECT * FROM nope' }
    ])
    await new Promise((resolve) => setTimeout(resolve, 50))
    const count = await target.query('SELECT COUNT(*) AS c FROM w')
    expect(await transaction).toMatchObject({ ok: false, failedIndex: 2 })
    expect(count.rows).toEqual([{ c: 0 }])
  })

  describe('connection failures', () => {
    let proxy: CuttingProxy
    let cut: MysqlTarget

    beforeEach(async () => {
      await mysqlSql(db.url, 'CREATE TABLE t (id int)')
      proxy = await startCuttingProxy(db.url)
      cut = new MysqlTarget(proxy.url, { wire, log: (message) => logs.push(message) })
      await cut.query('SELECT 1') // connect first
    })

    afterEach(async () => {
      await cut.close()
      await proxy.stop()
    })

    test('a COMMIT that reached the server but whose reply was lost: CommitOutcomeUnknownError, and it committed', async () => {
      proxy.cut('COMMIT', 'after')
      const error = await cut.transaction([{ sql: 'INSERT INTO t VALUES (1)' }]).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
      let rows: unknown[] = []
      for (let i = 0; i < 20 && rows.length === 0; i++) {
        rows = await mysqlSql(db.url, 'SELECT id FROM t')
        if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(rows).toEqual([{ id: 1 }])
    })

    test('a COMMIT that never reached the server: CommitOutcomeUnknownError, and nothing committed', async () => {
      proxy.cut('COMMIT', 'before')
      const error = await cut.transaction([{ sql: 'INSERT INTO t VALUES (1)' }]).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await mysqlSql(db.url, 'SELECT id FROM t')).toEqual([])
    })

    test('a connection lost mid-transaction: TransportError, nothing committed, the next call reconnects', async () => {
      proxy.cut('-- cut here', 'before')
      const error = await cut
        .transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'INSERT INTO t VALUES (2) -- cut here' }])
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TransportError)
      expect((error as TransportError).retryable).toBe(false)
      expect((error as TransportError).message).toMatch(/statement 2 of 2; nothing of the transaction was committed/)
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(await mysqlSql(db.url, 'SELECT id FROM t')).toEqual([])
      expect((await cut.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    })

    test('a connection lost during query(): TransportError; the next call reconnects', async () => {
      proxy.cut('-- cut here', 'before')
      const error = await cut.query('SELECT 2 -- cut here').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TransportError)
      expect((await cut.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }])
    })
  })
})
