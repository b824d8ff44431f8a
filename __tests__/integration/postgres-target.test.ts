/**
 * The direct PostgreSQL transport beyond the shared contract: URL masking, the `:name` rewriter, and
 * what happens when the connection breaks (a TCP proxy in front of the test server cuts it at a
 * chosen moment).
 */
import { CommitOutcomeUnknownError, TransportError } from '../../src/errors.js'
import { maskUrl } from '../../src/targets/mask.js'
import { toPositional } from '../../src/dialects/postgresql/named-parameters.js'
import { PostgresTarget, timestampToIso } from '../../src/targets/postgres.js'
import { startCuttingProxy, type CuttingProxy } from '../../testkit/cutting-proxy.js'
import { createTestDatabase, freePort, sql } from '../../testkit/postgres.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

describe('maskUrl', () => {
  test.each([
    ['postgres://user:s3cret@db.example.com:5432/app', 'postgres://user:***@db.example.com:5432/app'],
    ['postgresql://user:p%40ss@host/db?sslmode=require', 'postgresql://user:***@host/db?sslmode=require'],
    ['postgres://user@host/db', 'postgres://user@host/db'],
    ['postgres://host/db', 'postgres://host/db'],
    ['postgres://user:pa@ss:wo/rd@host/db', 'postgres://user:***@host/db'],
    ['postgres://user:pa?ss#x@host/db', 'postgres://user:***@host/db'],
    ['postgres://host/db?user=u&password=s3cret&sslmode=require', 'postgres://host/db?user=u&password=***&sslmode=require'],
    ['host=db user=u password=s3cret dbname=app', 'host=db user=u password=*** dbname=app'],
    ["host=db password='s3 cret' dbname=app", 'host=db password=*** dbname=app'],
    ['', ''],
    ['not a url', 'not a url']
  ])('%s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked)
    expect(maskUrl(url)).not.toMatch(/s3cret|s3 cret|pa@ss|pa\?ss|p%40ss/)
  })

  test('never throws, whatever it is given', () => {
    expect(maskUrl(undefined as unknown as string)).toBe('***')
    expect(maskUrl(42 as unknown as string)).toBe('***')
  })
})

describe('toPositional', () => {
  test.each([
    ['SELECT :a, :b, :a', { a: 1, b: 'x' }, 'SELECT $1, $2, $1', [1, 'x']],
    ["SELECT ':a', E'\\':a', \"col:a\", :a", { a: 1 }, "SELECT ':a', E'\\':a', \"col:a\", $1", [1]],
    ['SELECT x::int, :a::text', { a: 'v' }, 'SELECT x::int, $1::text', ['v']],
    ['SELECT $$ :a $$, $tag$ :a $tag$, :a', { a: null }, 'SELECT $$ :a $$, $tag$ :a $tag$, $1', [null]],
    ['SELECT 1 -- :a\n, /* :a /* nested :a */ :a */ :a', { a: true }, 'SELECT 1 -- :a\n, /* :a /* nested :a */ :a */ $1', [true]],
    ['SELECT arr[1:2], :unknown, :a', { a: 1 }, 'SELECT arr[1:2], :unknown, $1', [1]],
    ['SELECT a$b:a', { a: 2 }, 'SELECT a$b$1', [2]],
    ['SELECT :a', undefined, 'SELECT :a', []],
    ["SELECT 'it''s :a', :a", { a: 's' }, "SELECT 'it''s :a', $1", ['s']]
  ])('%s', (text, params, expected, values) => {
    expect(toPositional(text, params)).toEqual({ text: expected, values })
  })
})

describe('timestampToIso', () => {
  test.each([
    ['2024-01-02 03:04:05.123+00', '2024-01-02T03:04:05.123Z'],
    ['2024-01-02 04:04:05.123456+01', '2024-01-02T03:04:05.123Z'],
    ['2024-01-02 03:04:05+05:30', '2024-01-01T21:34:05.000Z'],
    ['2024-01-02 03:04:05.1', '2024-01-02T03:04:05.100Z'],
    ['2024-01-02 03:04:05', '2024-01-02T03:04:05.000Z'],
    ['infinity', 'infinity'],
    ['0044-03-15 12:00:00 BC', '0044-03-15 12:00:00 BC']
  ])('%s', (text, iso) => {
    expect(timestampToIso(text)).toBe(iso)
  })
})

describe('PostgresTarget connection failures', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let proxy: CuttingProxy
  let target: PostgresTarget
  let logs: string[]

  beforeEach(async () => {
    db = await createTestDatabase('pgtarget')
    await sql(db.url, 'CREATE TABLE t (id int)')
    proxy = await startCuttingProxy(db.url)
    logs = []
    target = new PostgresTarget(proxy.url, { wire: postgresql.wire, log: (msg) => logs.push(msg) })
  })

  afterEach(async () => {
    await target.close()
    await proxy.stop()
    await db.drop()
  })

  test('a COMMIT that reached the server but whose reply was lost: CommitOutcomeUnknownError, and it committed', async () => {
    await target.query('SELECT 1') // connect first
    proxy.cut('COMMIT', 'after')
    const error = await target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    // Give the server a moment to finish the COMMIT it received.
    let rows: unknown[] = []
    for (let i = 0; i < 20 && rows.length === 0; i++) {
      rows = await sql(db.url, 'SELECT id FROM t')
      if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(rows).toEqual([{ id: 1 }])
  })

  test('packed (resultsNeeded false): one round trip for the version, one for the session reset', async () => {
    await target.query('SELECT 1')
    proxy.sent.length = 0
    const result = await target.transaction(
      [{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'INSERT INTO t VALUES (:id)', params: { id: 2 }, expectRows: 1 }],
      { resultsNeeded: false }
    )
    expect(result).toEqual({ ok: true, results: [] })
    expect(proxy.sent).toHaveLength(2)
    expect(proxy.sent[0]).toContain('DO $aurora_migrate_packed$')
    expect(proxy.sent[1]).toContain('DISCARD ALL')
    expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
  })

  test('packed: a block whose reply was lost is CommitOutcomeUnknownError, not re-sent, and it committed', async () => {
    await target.query('SELECT 1')
    proxy.cut('DO $aurora_migrate_packed$', 'after')
    const error = await target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }], { resultsNeeded: false }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(proxy.sent.filter((p) => p.includes('DO $aurora_migrate_packed$'))).toHaveLength(1)
    let rows: unknown[] = []
    for (let i = 0; i < 20 && rows.length === 0; i++) {
      rows = await sql(db.url, 'SELECT id FROM t')
      if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(rows).toEqual([{ id: 1 }])
    // The target goes on, on a new connection.
    expect((await target.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }])
  })

  test('a COMMIT that never reached the server: CommitOutcomeUnknownError, and nothing committed', async () => {
    await target.query('SELECT 1')
    proxy.cut('COMMIT', 'before')
    const error = await target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
  })

  test('a connection lost mid-transaction: TransportError, nothing committed, the next call reconnects', async () => {
    await target.query('SELECT 1')
    proxy.cut('-- cut here', 'before')
    const error = await target
      .transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'INSERT INTO t VALUES (2) -- cut here' }])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).retryable).toBe(false)
    expect((error as TransportError).message).toMatch(/statement 2 of 2; nothing of the transaction was committed/)
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    expect((await target.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  test('a connection lost during query(): TransportError; the next call reconnects', async () => {
    await target.query('SELECT 1')
    proxy.cut('-- cut here', 'before')
    const error = await target.query('SELECT 2 -- cut here').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect((await target.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }])
  })

  test('a terminated idle connection is replaced on the next call', async () => {
    const pid = (await target.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
    await sql(db.url, 'SELECT pg_terminate_backend($1)', [pid])
    await new Promise((resolve) => setTimeout(resolve, 100))
    const next = await target.query('SELECT pg_backend_pid() AS pid')
    expect(next.rows[0].pid).not.toBe(pid)
  })

  test('a server that refuses connections: TransportError with the code, and no password in the message', async () => {
    const port = await freePort()
    const refused = new PostgresTarget(`postgres://postgres:s3cret@127.0.0.1:${port}/db`, { wire: postgresql.wire })
    const error = await refused.query('SELECT 1').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('ECONNREFUSED')
    expect((error as TransportError).message).not.toContain('s3cret')
    expect(refused.description).toBe(`postgres://postgres:***@127.0.0.1:${port}/db`)
    await refused.close()
  })

  test('a query() made during a transaction waits for it instead of running inside it', async () => {
    const transaction = target.transaction([{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'SELECT pg_sleep(0.2)' }, { sql: 'SELECT 1 / 0' }])
    await new Promise((resolve) => setTimeout(resolve, 50))
    const count = await target.query('SELECT count(*) AS c FROM t')
    expect(await transaction).toMatchObject({ ok: false, failedIndex: 2 })
    expect(count.rows).toEqual([{ c: '0' }])
  })
})
