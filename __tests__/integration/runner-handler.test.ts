/**
 * The runner Lambda (runner/) against the test PostgreSQL: the protocol, its refusals, the secret,
 * TLS settings, the deadline before Lambda's timeout, what it logs, and the zip that ships it.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { parse as parseYaml, type Tags } from 'yaml'
import { ConfigurationError, resolveTls, settingsFromUrl } from '../../runner/connection.js'
import { createHandler, MAX_STATEMENTS, RUNNER_VERSION, type RunnerHandler } from '../../runner/handler.js'
import { createTestDatabase, freePort, sql } from '../../testkit/postgres.js'
import { startCuttingProxy } from '../../testkit/cutting-proxy.js'

type Db = Awaited<ReturnType<typeof createTestDatabase>>

/** A Lambda context with `ms` left, counting down in real time. */
function contextWith(ms: number) {
  const deadline = Date.now() + ms
  return { getRemainingTimeInMillis: () => deadline - Date.now() }
}

function capture() {
  const lines: string[] = []
  return { lines, log: (line: string) => lines.push(line) }
}

describe('runner handler', () => {
  let db: Db
  let handler: RunnerHandler
  let logs: ReturnType<typeof capture>

  beforeEach(async () => {
    db = await createTestDatabase('runner')
    logs = capture()
    handler = createHandler({ env: { DATABASE_URL: db.url }, log: logs.log })
  })

  afterEach(async () => {
    await handler.close()
    await db.drop()
  })

  test('ping answers the protocol, the runner version and the server version', async () => {
    const response = await handler({ protocol: 1, op: 'ping' })
    expect(response).toEqual({ ok: true, protocol: 1, runner: RUNNER_VERSION, server: expect.stringMatching(/^PostgreSQL \d+(\.\d+)?$/) })
    expect(RUNNER_VERSION).toBe(JSON.parse(fs.readFileSync('package.json', 'utf8')).version)
    expect(logs.lines).toEqual([expect.stringMatching(/^op=ping statements=0 ms=\d+ outcome=ok server=\d+/)])
  })

  test('query with named parameters, from an object or a JSON string', async () => {
    const request = {
      protocol: 1,
      op: 'query',
      sql: 'SELECT :a::int + 1 AS n, :s::text AS s, :n::text AS missing, :b::boolean AS b',
      params: { a: 41, s: "it's", n: null, b: true }
    }
    const expected = { ok: true, rows: [{ n: 42, s: "it's", missing: null, b: true }], rowCount: 1 }
    expect(await handler(request)).toEqual(expected)
    expect(await handler(JSON.stringify(request))).toEqual(expected)
  })

  test('an SQL error is answered as data with sqlState and position', async () => {
    const response = await handler({ protocol: 1, op: 'query', sql: 'SELECT * FROM nowhere' })
    expect(response).toEqual({ ok: false, error: { message: 'relation "nowhere" does not exist', sqlState: '42P01', position: 15 } })
    expect(logs.lines[0]).toMatch(/outcome=sql-error sqlState=42P01$/)
  })

  test('a transaction commits and answers every result', async () => {
    const response = await handler({
      protocol: 1,
      op: 'transaction',
      statements: [
        { sql: 'CREATE TABLE t (id int, name text)' },
        { sql: 'INSERT INTO t VALUES (:id, :name), (2, $$b$$)', params: { id: 1, name: 'a' }, expectRows: 2 },
        { sql: 'SELECT id, name FROM t ORDER BY id' }
      ]
    })
    expect(response).toEqual({
      ok: true,
      results: [
        { rows: [], rowCount: 0 },
        { rows: [], rowCount: 2 },
        {
          rows: [
            { id: 1, name: 'a' },
            { id: 2, name: 'b' }
          ],
          rowCount: 2
        }
      ]
    })
    expect(await sql(db.url, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 }])
    expect(logs.lines[0]).toMatch(/^op=transaction statements=3 ms=\d+ outcome=ok rows=4$/)
  })

  test('resultsNeeded false: the transaction runs packed and answers no results; a failure names its statement', async () => {
    const statements = [
      { sql: 'CREATE TABLE t (id int PRIMARY KEY)', label: 'first' },
      { sql: 'INSERT INTO t VALUES (:id), (2)', params: { id: 1 }, expectRows: 2 },
      { sql: 'SELECT id FROM t', expectRows: 2, label: 'check' }
    ]
    expect(await handler({ protocol: 1, op: 'transaction', statements, resultsNeeded: false })).toEqual({ ok: true, results: [] })
    expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
    const failing = await handler({
      protocol: 1,
      op: 'transaction',
      statements: [{ sql: 'INSERT INTO t VALUES (3)' }, { sql: 'INSERT INTO t VALUES (1)', label: 'record' }],
      resultsNeeded: false
    })
    expect(failing).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, failedLabel: 'record', error: { sqlState: '23505' } })
    expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
  })

  test('a failing statement answers failedIndex and rolls everything back', async () => {
    const response = await handler({
      protocol: 1,
      op: 'transaction',
      statements: [{ sql: 'CREATE TABLE t (id int)' }, { sql: 'INSERT INTO t VALUES (1)' }, { sql: 'INSERT INTO nowhere VALUES (1)' }]
    })
    expect(response).toMatchObject({ ok: false, failedIndex: 2, error: { sqlState: '42P01', position: 13 } })
    expect(await sql(db.url, `SELECT to_regclass('t')::text AS t`)).toEqual([{ t: null }])
    expect(logs.lines[0]).toMatch(/outcome=sql-error failedIndex=2 sqlState=42P01$/)
  })

  test('a guard that does not hold answers guard, failedIndex and the rows, and rolls back', async () => {
    await sql(db.url, 'CREATE TABLE lease (id int, owner text)')
    await sql(db.url, `INSERT INTO lease VALUES (1, 'other')`)
    const response = await handler({
      protocol: 1,
      op: 'transaction',
      statements: [
        { sql: 'INSERT INTO lease VALUES (2, :me)', params: { me: 'me' } },
        { sql: `SELECT owner FROM lease WHERE id = 1 AND owner = :me`, params: { me: 'me' }, expectRows: 1 }
      ]
    })
    expect(response).toEqual({
      ok: false,
      phase: 'statement',
      failedIndex: 1,
      guard: true,
      guardRows: [],
      error: { message: expect.stringMatching(/Expected 1 row, got 0/) }
    })
    expect(await sql(db.url, 'SELECT id FROM lease')).toEqual([{ id: 1 }])
    expect(logs.lines[0]).toMatch(/outcome=guard failedIndex=1$/)
  })

  describe('refuses bad input as data, naming the field', () => {
    const longList = Array.from({ length: MAX_STATEMENTS + 1 }, () => ({ sql: 'SELECT 1' }))
    test.each<[string, unknown, string, RegExp]>([
      ['a non-JSON string', 'not json {', 'BAD_REQUEST', /not JSON/],
      ['a JSON string that is not an object', '[1,2]', 'BAD_REQUEST', /JSON object.*got an array/],
      ['null', null, 'BAD_REQUEST', /JSON object.*got null/],
      ['an array', [{ protocol: 1, op: 'ping' }], 'BAD_REQUEST', /JSON object.*got an array/],
      ['a number', 7, 'BAD_REQUEST', /JSON object.*got a number/],
      ['no protocol', { op: 'ping' }, 'UNSUPPORTED_PROTOCOL', /no 'protocol'.*speaks runner protocol 1/],
      [
        'protocol 2',
        { protocol: 2, op: 'ping' },
        'UNSUPPORTED_PROTOCOL',
        /runner protocol 2.*speaks runner protocol 1\. Update the runner/
      ],
      [
        'protocol 0',
        { protocol: 0, op: 'ping' },
        'UNSUPPORTED_PROTOCOL',
        /runner protocol 0.*speaks runner protocol 1\. Update the action/
      ],
      ['protocol as a string', { protocol: '1', op: 'ping' }, 'UNSUPPORTED_PROTOCOL', /'protocol' "1" \(a string\)/],
      ['no op', { protocol: 1 }, 'BAD_REQUEST', /'op' is missing: expected one of ping, query, transaction/],
      ['op drop', { protocol: 1, op: 'drop' }, 'BAD_REQUEST', /'op' is "drop": expected one of ping, query, transaction/],
      ['op not a string', { protocol: 1, op: 3 }, 'BAD_REQUEST', /'op' must be a string, got a number/],
      ['query without sql', { protocol: 1, op: 'query' }, 'BAD_REQUEST', /'sql' is missing/],
      ['sql not a string', { protocol: 1, op: 'query', sql: 42 }, 'BAD_REQUEST', /'sql' must be a string of SQL, got a number/],
      ['empty sql', { protocol: 1, op: 'query', sql: '  ' }, 'BAD_REQUEST', /'sql' is empty/],
      [
        'params not an object',
        { protocol: 1, op: 'query', sql: 'SELECT 1', params: [1] },
        'BAD_REQUEST',
        /'params' must be an object.*got an array/
      ],
      [
        'a params value that is an object',
        { protocol: 1, op: 'query', sql: 'SELECT :a', params: { a: { nested: 1 } } },
        'BAD_REQUEST',
        /'params\.a' must be a string, number, boolean or null, got an object/
      ],
      [
        'a params value that is an array',
        { protocol: 1, op: 'query', sql: 'SELECT :a', params: { a: [1] } },
        'BAD_REQUEST',
        /'params\.a' .* got an array/
      ],
      [
        'a params name that cannot be :name',
        { protocol: 1, op: 'query', sql: 'SELECT 1', params: { 'a-b': 1 } },
        'BAD_REQUEST',
        /'params' has a parameter name/
      ],
      ['statements missing', { protocol: 1, op: 'transaction' }, 'BAD_REQUEST', /'statements' is missing/],
      [
        'statements not an array',
        { protocol: 1, op: 'transaction', statements: { sql: 'SELECT 1' } },
        'BAD_REQUEST',
        /'statements' must be an array.*got an object/
      ],
      ['statements empty', { protocol: 1, op: 'transaction', statements: [] }, 'BAD_REQUEST', /'statements' is empty/],
      [
        'too many statements',
        { protocol: 1, op: 'transaction', statements: longList },
        'BAD_REQUEST',
        /'statements' has 10001 statements: at most 10000/
      ],
      [
        'resultsNeeded that is not a boolean',
        { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT 1' }], resultsNeeded: 'no' },
        'BAD_REQUEST',
        /'resultsNeeded' must be a boolean/
      ],
      [
        'a statement that is a string',
        { protocol: 1, op: 'transaction', statements: ['SELECT 1'] },
        'BAD_REQUEST',
        /'statements\[0\]' must be an object/
      ],
      [
        'a statement without sql',
        { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT 1' }, { params: {} }] },
        'BAD_REQUEST',
        /'statements\[1\]\.sql' is missing/
      ],
      [
        'a statement params value that is an object',
        { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT :a', params: { a: {} } }] },
        'BAD_REQUEST',
        /'statements\[0\]\.params\.a' must be/
      ],
      [
        'expectRows negative',
        { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT 1', expectRows: -1 }] },
        'BAD_REQUEST',
        /'statements\[0\]\.expectRows' must be a non-negative integer, got -1/
      ],
      [
        'expectRows fractional',
        { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT 1', expectRows: 1.5 }] },
        'BAD_REQUEST',
        /'statements\[0\]\.expectRows' must be a non-negative integer, got 1\.5/
      ],
      [
        'expectRows a string',
        { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT 1', expectRows: '1' }] },
        'BAD_REQUEST',
        /'statements\[0\]\.expectRows' must be a non-negative integer, got a string/
      ],
      [
        'a label that is not a short word',
        { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT 1', label: 'Fence; drop' }] },
        'BAD_REQUEST',
        /'statements\[0\]\.label' must be a short lowercase word/
      ],
      [
        'a label that is a number',
        { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT 1', label: 3 }] },
        'BAD_REQUEST',
        /'statements\[0\]\.label' .* got a number/
      ]
    ])('%s', async (_name, event, code, message) => {
      const response = await handler(event)
      expect(response).toEqual({ ok: false, error: { code, message: expect.stringMatching(message) } })
      expect(logs.lines).toEqual([expect.stringContaining(`outcome=${code}`)])
    })

    test('nothing was run for them', async () => {
      await handler({
        protocol: 1,
        op: 'transaction',
        statements: [{ sql: 'CREATE TABLE t (id int)' }, { sql: 'SELECT 1', expectRows: -1 }]
      })
      expect(await sql(db.url, `SELECT to_regclass('t')::text AS t`)).toEqual([{ t: null }])
    })
  })

  test('one connection serves the invocations of a container, and a dead one is replaced', async () => {
    const pid = async () => {
      const response = await handler({ protocol: 1, op: 'query', sql: 'SELECT pg_backend_pid() AS pid' })
      if (!response.ok || !('rows' in response)) throw new Error(JSON.stringify(response))
      return response.rows[0].pid
    }
    const first = await pid()
    expect(await pid()).toBe(first)
    // Terminated while the container was idle (frozen): the next invocation still succeeds.
    await sql(db.url, 'SELECT pg_terminate_backend($1)', [first])
    const second = await pid()
    expect(second).not.toBe(first)
    expect(await pid()).toBe(second)
  })

  test('a connection lost during an invocation answers CONNECTION, and the next invocation connects again', async () => {
    const lost = await handler({ protocol: 1, op: 'query', sql: 'SELECT pg_terminate_backend(pg_backend_pid())' })
    expect(lost).toEqual({ ok: false, error: { code: 'CONNECTION', message: expect.stringMatching(/terminating connection/) } })
    expect(await handler({ protocol: 1, op: 'query', sql: 'SELECT 1 AS one' })).toMatchObject({ ok: true, rows: [{ one: 1 }] })

    // In a transaction (with a deadline, so the runner adds statements of its own): the message counts the request's statements.
    await sql(db.url, 'CREATE TABLE t (id int)')
    const mid = await handler(
      {
        protocol: 1,
        op: 'transaction',
        statements: [{ sql: 'INSERT INTO t VALUES (1)' }, { sql: 'SELECT pg_terminate_backend(pg_backend_pid())' }, { sql: 'SELECT 1' }]
      },
      contextWith(60_000)
    )
    expect(mid).toEqual({
      ok: false,
      error: { code: 'CONNECTION', message: expect.stringMatching(/at statement 2 of 3; nothing of the transaction was committed/) }
    })
    expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    expect(await handler({ protocol: 1, op: 'ping' })).toMatchObject({ ok: true })
    expect(logs.lines.filter((line) => line.startsWith('op='))).toEqual([
      expect.stringMatching(/^op=query statements=1 .*outcome=CONNECTION cause=57P01$/),
      expect.stringMatching(/outcome=ok/),
      expect.stringMatching(/^op=transaction statements=3 .*outcome=CONNECTION cause=57P01$/),
      expect.stringMatching(/^op=ping .*outcome=ok/)
    ])
  })

  test('a server that cannot be reached answers CONNECTION without the password', async () => {
    const port = await freePort()
    const unreachable = createHandler({ env: { DATABASE_URL: `postgres://postgres:s3cret-pw@127.0.0.1:${port}/db` }, log: logs.log })
    const response = await unreachable({ protocol: 1, op: 'ping' })
    expect(response).toEqual({ ok: false, error: { code: 'CONNECTION', message: expect.stringMatching(/ECONNREFUSED/) } })
    expect(JSON.stringify(response) + logs.lines.join('\n')).not.toContain('s3cret-pw')
    expect(logs.lines).toEqual([expect.stringMatching(/^op=ping statements=0 ms=\d+ outcome=CONNECTION cause=ECONNREFUSED$/)])
    await unreachable.close()
  })

  test('a configuration error is answered for every request', async () => {
    const none = createHandler({ env: {}, log: logs.log })
    for (const request of [
      { protocol: 1, op: 'ping' },
      { protocol: 1, op: 'query', sql: 'SELECT 1' }
    ]) {
      expect(await none(request)).toEqual({
        ok: false,
        error: { code: 'CONNECTION', message: expect.stringMatching(/set DB_SECRET_ARN .* or DATABASE_URL/) }
      })
    }
    const both = createHandler({
      env: { DATABASE_URL: db.url, DB_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x' },
      log: logs.log
    })
    expect(await both({ protocol: 1, op: 'ping' })).toMatchObject({
      ok: false,
      error: { code: 'CONNECTION', message: expect.stringMatching(/set only one/) }
    })
    const badUrl = createHandler({ env: { DATABASE_URL: 'postgres://u:p@ss@/x:y' }, log: logs.log })
    const response = await badUrl({ protocol: 1, op: 'ping' })
    expect(response).toMatchObject({ ok: false, error: { code: 'CONNECTION' } })
    expect(JSON.stringify(response)).not.toContain('p@ss')
    const badTls = createHandler({ env: { DATABASE_URL: db.url, DB_TLS: 'maybe' }, log: logs.log })
    expect(await badTls({ protocol: 1, op: 'ping' })).toMatchObject({
      ok: false,
      error: { code: 'CONNECTION', message: expect.stringMatching(/DB_TLS is "maybe"/) }
    })
  })

  test('DB_TLS reaches the connection: the test server has no TLS, so require is refused', async () => {
    const tls = createHandler({ env: { DATABASE_URL: db.url, DB_TLS: 'require' }, log: logs.log })
    expect(await tls({ protocol: 1, op: 'ping' })).toEqual({
      ok: false,
      error: { code: 'CONNECTION', message: expect.stringMatching(/does not support SSL/) }
    })
    await tls.close()
    // sslmode in the URL is overridden by DB_TLS=disable
    const plain = createHandler({ env: { DATABASE_URL: `${db.url}?sslmode=require`, DB_TLS: 'disable' }, log: logs.log })
    expect(await plain({ protocol: 1, op: 'ping' })).toMatchObject({ ok: true })
    await plain.close()
  })

  test('DB_NAME overrides the database of DATABASE_URL', async () => {
    const url = new URL(db.url)
    url.pathname = '/postgres'
    const other = createHandler({ env: { DATABASE_URL: url.toString(), DB_NAME: db.name }, log: logs.log })
    expect(await other({ protocol: 1, op: 'query', sql: 'SELECT current_database() AS db' })).toMatchObject({
      ok: true,
      rows: [{ db: db.name }]
    })
    await other.close()
  })

  test('a failed statement answers phase statement and its label; a failed COMMIT answers phase commit after the last index', async () => {
    await sql(db.url, 'CREATE TABLE d (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)')
    // With a deadline the runner runs a statement of its own between the request's: indexes stay the request's.
    const labelled = await handler(
      {
        protocol: 1,
        op: 'transaction',
        statements: [
          { sql: 'INSERT INTO d VALUES (1)', label: 'first' },
          { sql: 'INSERT INTO nowhere VALUES (1)', label: 'record' },
          { sql: 'SELECT 1' }
        ]
      },
      contextWith(60_000)
    )
    expect(labelled).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, failedLabel: 'record', error: { sqlState: '42P01' } })
    const commit = await handler(
      {
        protocol: 1,
        op: 'transaction',
        statements: [{ sql: 'INSERT INTO d VALUES (1)' }, { sql: 'INSERT INTO d VALUES (1)', label: 'record' }, { sql: 'SELECT 1' }]
      },
      contextWith(60_000)
    )
    expect(commit).toMatchObject({
      ok: false,
      phase: 'commit',
      failedIndex: 3,
      error: { sqlState: '23505', message: 'duplicate key value violates unique constraint "d_id_key"' }
    })
    expect(commit.ok === false && 'failedLabel' in commit).toBe(false)
    expect(await sql(db.url, 'SELECT id FROM d')).toEqual([])
    expect(logs.lines[1]).toMatch(/outcome=sql-error phase=commit failedIndex=3 sqlState=23505$/)
  })

  test('a warm handler starts every invocation on a fresh session: nothing an earlier one set carries over', async () => {
    const rows = async (statement: string): Promise<Record<string, unknown>[]> => {
      const response = await handler({ protocol: 1, op: 'query', sql: statement })
      if (!response.ok || !('rows' in response)) throw new Error(JSON.stringify(response))
      return response.rows
    }
    const session =
      "SELECT pg_backend_pid() AS pid, current_setting('search_path') AS search_path, current_setting('default_transaction_read_only') AS read_only, " +
      "current_setting('lock_timeout') AS lock_timeout, to_regclass('pg_temp.scratch') IS NULL AS no_scratch"
    const [before] = await rows(session)
    // Autocommit statements (a no-transaction file) that change the session for good.
    await rows('CREATE SCHEMA other')
    await rows('SET search_path = other')
    await rows('CREATE TEMPORARY TABLE scratch (id int)')
    await rows('SELECT pg_advisory_lock(4242)')
    const [after] = await rows(session)
    expect(after).toEqual({ pid: before.pid, search_path: '"$user", public', read_only: 'off', lock_timeout: '0', no_scratch: true })
    // A session advisory lock taken by an earlier invocation is not held any more.
    expect(await sql(db.url, `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242`)).toEqual([{ n: 0 }])
    // A transaction's SET (without LOCAL) and set_config(…, false) do not reach the next invocation either.
    const changed = await handler(
      {
        protocol: 1,
        op: 'transaction',
        statements: [
          { sql: 'SET default_transaction_read_only = on' },
          { sql: "SELECT set_config('lock_timeout', '1234', false)" },
          { sql: "SELECT pg_catalog.set_config('search_path', '', false)" }
        ]
      },
      contextWith(60_000)
    )
    expect(changed).toMatchObject({ ok: true })
    const [next] = await rows(session)
    expect(next).toEqual({ ...after, pid: before.pid })
    // The next transaction may write, and its unqualified table lands in public.
    expect(await handler({ protocol: 1, op: 'transaction', statements: [{ sql: 'CREATE TABLE unqualified (id int)' }] })).toMatchObject({
      ok: true
    })
    expect(await sql(db.url, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'unqualified'")).toEqual([
      { table_schema: 'public' }
    ])
  })

  describe('the deadline before Lambda stops the function', () => {
    test('a statement longer than the time left comes back as SQL error 57014, in time', async () => {
      const started = Date.now()
      const response = await handler({ protocol: 1, op: 'query', sql: 'SELECT pg_sleep(5)' }, contextWith(4_500))
      const elapsed = Date.now() - started
      expect(response).toMatchObject({
        ok: false,
        error: {
          sqlState: '57014',
          message: expect.stringMatching(/statement timeout/),
          hint: expect.stringMatching(/before its Lambda timeout/)
        }
      })
      expect(elapsed).toBeGreaterThanOrEqual(1_400)
      expect(elapsed).toBeLessThan(2_500)
    })

    test('in a transaction, the deadline holds for the transaction, not each statement', async () => {
      await sql(db.url, 'CREATE TABLE t (id int)')
      const started = Date.now()
      const response = await handler(
        {
          protocol: 1,
          op: 'transaction',
          statements: [
            { sql: 'INSERT INTO t VALUES (1)' },
            { sql: 'SELECT pg_sleep(1.2)' },
            { sql: 'SELECT pg_sleep(1.2)' },
            { sql: 'SELECT pg_sleep(5)' }
          ]
        },
        contextWith(6_000)
      )
      const elapsed = Date.now() - started
      // statement_timeout alone would give each statement 3 s: the last would end 5.4 s in, past the margin.
      expect(response).toMatchObject({ ok: false, failedIndex: 3, error: { sqlState: '57014' } })
      expect(elapsed).toBeLessThan(3_900)
      expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    })

    test('packed (resultsNeeded false), the deadline holds for the whole block', async () => {
      await sql(db.url, 'CREATE TABLE t (id int)')
      const started = Date.now()
      const response = await handler(
        {
          protocol: 1,
          op: 'transaction',
          statements: [
            { sql: 'INSERT INTO t VALUES (1)' },
            { sql: 'SELECT pg_sleep(1.2)' },
            { sql: 'SELECT pg_sleep(1.2)' },
            { sql: 'SELECT pg_sleep(5)' }
          ],
          resultsNeeded: false
        },
        contextWith(6_000)
      )
      const elapsed = Date.now() - started
      expect(response).toMatchObject({ ok: false, phase: 'statement', failedIndex: 3, error: { sqlState: '57014' } })
      expect(elapsed).toBeLessThan(3_900)
      expect(await sql(db.url, 'SELECT id FROM t')).toEqual([])
    })

    test('results of a transaction with a deadline are the request statements only', async () => {
      const response = await handler(
        {
          protocol: 1,
          op: 'transaction',
          statements: [{ sql: 'SELECT 1 AS a' }, { sql: 'SELECT 2 AS b' }, { sql: 'SELECT 3 AS c', expectRows: 1 }]
        },
        contextWith(60_000)
      )
      expect(response).toEqual({
        ok: true,
        results: [
          { rows: [{ a: 1 }], rowCount: 1 },
          { rows: [{ b: 2 }], rowCount: 1 },
          { rows: [{ c: 3 }], rowCount: 1 }
        ]
      })
      const guard = await handler(
        {
          protocol: 1,
          op: 'transaction',
          statements: [{ sql: 'SELECT 1' }, { sql: 'SELECT 2' }, { sql: 'SELECT 3 WHERE false', expectRows: 1 }]
        },
        contextWith(60_000)
      )
      expect(guard).toMatchObject({ ok: false, failedIndex: 2, guard: true })
    })

    test('a smaller statement_timeout the migration sets itself is kept', async () => {
      const started = Date.now()
      const response = await handler(
        { protocol: 1, op: 'transaction', statements: [{ sql: "SET LOCAL statement_timeout = '300ms'" }, { sql: 'SELECT pg_sleep(2)' }] },
        contextWith(60_000)
      )
      expect(response).toMatchObject({ ok: false, failedIndex: 1, error: { sqlState: '57014' } })
      expect(Date.now() - started).toBeLessThan(1_500)
    })

    test('the timeout is set again on every invocation, and reset without a deadline', async () => {
      const timeout = async (context?: { getRemainingTimeInMillis(): number }) => {
        const response = await handler(
          { protocol: 1, op: 'query', sql: "SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'" },
          context
        )
        if (!response.ok || !('rows' in response)) throw new Error(JSON.stringify(response))
        return Number(response.rows[0].ms)
      }
      const first = await timeout(contextWith(60_000))
      expect(first).toBeGreaterThan(56_000)
      expect(first).toBeLessThanOrEqual(57_000)
      expect(await timeout(contextWith(20_000))).toBeLessThanOrEqual(17_000)
      expect(await timeout()).toBe(0)
    })

    test('with too little time left nothing is started', async () => {
      const response = await handler(
        { protocol: 1, op: 'transaction', statements: [{ sql: 'CREATE TABLE t (id int)' }] },
        contextWith(3_900)
      )
      expect(response).toEqual({ ok: false, error: { code: 'CONNECTION', message: expect.stringMatching(/Not enough time left/) } })
      expect(await sql(db.url, `SELECT to_regclass('t')::text AS t`)).toEqual([{ t: null }])
      // ping needs no deadline
      expect(await handler({ protocol: 1, op: 'ping' }, contextWith(1_000))).toMatchObject({ ok: true })
    })
  })

  test('a result too large for a Lambda response: an error for a query, COMMIT_UNKNOWN for a committed transaction', async () => {
    const big = `SELECT repeat('x', 7 * 1024 * 1024) AS big`
    expect(await handler({ protocol: 1, op: 'query', sql: big })).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/do not fit|more than fits in a Lambda response/) }
    })
    const response = await handler({ protocol: 1, op: 'transaction', statements: [{ sql: 'CREATE TABLE kept (id int)' }, { sql: big }] })
    expect(response).toEqual({ ok: false, error: { code: 'COMMIT_UNKNOWN', message: expect.stringMatching(/committed, but its results/) } })
    expect(await sql(db.url, `SELECT to_regclass('kept')::text AS t`)).toEqual([{ t: 'kept' }])
  })

  test('nothing logged holds the password, a parameter value, SQL text or a row value', async () => {
    const password = new URL(db.url).password
    expect(password.length).toBeGreaterThan(3)
    await handler({ protocol: 1, op: 'ping' })
    await handler({ protocol: 1, op: 'query', sql: 'SELECT :v::text AS v, $$row-value-7$$ AS w', params: { v: 'param-value-1' } })
    await handler({ protocol: 1, op: 'query', sql: 'SELECT :v::int', params: { v: 'param-value-2' } }) // the error quotes the value
    await handler({
      protocol: 1,
      op: 'transaction',
      statements: [
        { sql: 'CREATE TABLE secrets_table (v text)' },
        { sql: 'INSERT INTO secrets_table VALUES (:v) RETURNING v', params: { v: 'param-value-3' } },
        { sql: 'SELECT v FROM secrets_table WHERE v = :v', params: { v: 'param-value-4' }, expectRows: 1 }
      ]
    })
    await handler(
      { protocol: 1, op: 'transaction', statements: [{ sql: 'SELECT :v::int', params: { v: 'param-value-5' } }] },
      contextWith(30_000)
    )
    await handler({ protocol: 1, op: 'query', sql: 'SELECT 1', params: { v: { nested: 'param-value-6' } } })
    await handler({ protocol: 1, op: 'query', sql: 'SELECT pg_terminate_backend(pg_backend_pid()) -- param-value-8' })
    expect(logs.lines.length).toBeGreaterThanOrEqual(7)
    const printed = logs.lines.join('\n')
    for (const secret of [password, db.url, 'param-value', 'row-value', 'secrets_table', 'SELECT']) expect(printed).not.toContain(secret)
  })
})

// ---------------------------------------------------------------------------------------------
// COMMIT whose reply is lost
// ---------------------------------------------------------------------------------------------

test('a COMMIT that loses its connection answers COMMIT_UNKNOWN, and the next invocation connects again', async () => {
  const db = await createTestDatabase('runner')
  const proxy = await startCuttingProxy(db.url)
  const logs = capture()
  const handler = createHandler({ env: { DATABASE_URL: proxy.url }, log: logs.log })
  try {
    await sql(db.url, 'CREATE TABLE t (id int)')
    expect(await handler({ protocol: 1, op: 'ping' })).toMatchObject({ ok: true })
    proxy.cut('COMMIT', 'before')
    const response = await handler({ protocol: 1, op: 'transaction', statements: [{ sql: 'INSERT INTO t VALUES (1)' }] })
    expect(response).toEqual({
      ok: false,
      error: { code: 'COMMIT_UNKNOWN', message: expect.stringMatching(/whether the transaction was committed is unknown/) }
    })
    expect(logs.lines.filter((line) => line.startsWith('op='))[1]).toMatch(/outcome=COMMIT_UNKNOWN cause=commit$/)
    expect(await handler({ protocol: 1, op: 'query', sql: 'SELECT count(*)::int AS n FROM t' })).toMatchObject({
      ok: true,
      rows: [{ n: 0 }]
    })
  } finally {
    await handler.close()
    await proxy.stop()
    await db.drop()
  }
})

// ---------------------------------------------------------------------------------------------
// DB_SECRET_ARN, with a Secrets Manager fake (awsJson1_1: POST / with x-amz-target)
// ---------------------------------------------------------------------------------------------

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:aurora-migrate-runner-AbCdEf'

async function startSecretsManager() {
  const requests: { target: string | undefined; body: { SecretId?: string } }[] = []
  let answer: { status: number; body: unknown } = { status: 500, body: {} }
  const server = http.createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    req.on('end', () => {
      requests.push({ target: req.headers['x-amz-target'] as string | undefined, body: JSON.parse(text || '{}') })
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' })
      res.end(JSON.stringify(answer.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as net.AddressInfo
  return {
    requests,
    client: new SecretsManagerClient({
      endpoint: `http://127.0.0.1:${address.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-key' },
      maxAttempts: 1
    }),
    secret(value: unknown) {
      answer = {
        status: 200,
        body: {
          ARN: SECRET_ARN,
          Name: 'aurora-migrate-runner',
          SecretString: typeof value === 'string' ? value : JSON.stringify(value),
          VersionId: 'v1'
        }
      }
    },
    fail(type: string, message: string) {
      answer = { status: 400, body: { __type: type, message } }
    },
    async stop() {
      await new Promise((resolve) => server.close(resolve))
    }
  }
}

describe('runner handler with DB_SECRET_ARN', () => {
  let db: Db
  let fake: Awaited<ReturnType<typeof startSecretsManager>>
  let logs: ReturnType<typeof capture>
  let rdsSecret: Record<string, unknown>
  const handlers: RunnerHandler[] = []
  const make = (env: NodeJS.ProcessEnv = {}) => {
    const handler = createHandler({ env: { DB_SECRET_ARN: SECRET_ARN, ...env }, secretsClient: fake.client, log: logs.log })
    handlers.push(handler)
    return handler
  }

  beforeEach(async () => {
    db = await createTestDatabase('runnersecret')
    fake = await startSecretsManager()
    logs = capture()
    const url = new URL(db.url)
    rdsSecret = {
      engine: 'postgres',
      host: url.hostname,
      port: Number(url.port),
      username: 'postgres',
      password: decodeURIComponent(url.password),
      dbname: db.name
    }
  })

  afterEach(async () => {
    for (const handler of handlers.splice(0)) await handler.close()
    fake.client.destroy()
    await fake.stop()
    await db.drop()
  })

  test('reads the secret once per container', async () => {
    fake.secret(rdsSecret)
    const handler = make()
    for (let i = 0; i < 3; i++) {
      expect(await handler({ protocol: 1, op: 'query', sql: 'SELECT current_database() AS db' })).toMatchObject({
        ok: true,
        rows: [{ db: db.name }]
      })
    }
    expect(fake.requests).toEqual([{ target: 'secretsmanager.GetSecretValue', body: { SecretId: SECRET_ARN } }])
  })

  test('a failed read is answered as CONNECTION and tried again on the next invocation', async () => {
    fake.fail(
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/runner is not authorized to perform: secretsmanager:GetSecretValue'
    )
    const handler = make()
    const denied = await handler({ protocol: 1, op: 'ping' })
    expect(denied).toEqual({
      ok: false,
      error: {
        code: 'CONNECTION',
        message: expect.stringMatching(
          /Could not read the secret arn:aws:secretsmanager:.*AccessDeniedException: .*needs secretsmanager:GetSecretValue/
        )
      }
    })
    fake.secret(rdsSecret)
    expect(await handler({ protocol: 1, op: 'ping' })).toMatchObject({ ok: true })
    expect(await handler({ protocol: 1, op: 'ping' })).toMatchObject({ ok: true })
    expect(fake.requests).toHaveLength(2)
  })

  test('a refused password (a rotated secret) makes the next invocation read the secret again', async () => {
    fake.secret({ ...rdsSecret, password: 'old-password' })
    const handler = make()
    expect(await handler({ protocol: 1, op: 'ping' })).toEqual({
      ok: false,
      error: { code: 'CONNECTION', message: expect.stringMatching(/password authentication failed/) }
    })
    fake.secret(rdsSecret)
    expect(await handler({ protocol: 1, op: 'ping' })).toMatchObject({ ok: true })
    expect(fake.requests).toHaveLength(2)
    expect(logs.lines.join('\n')).not.toMatch(/old-password|test-password/)
  })

  test('DB_NAME, DB_HOST and DB_PORT complete or override the secret', async () => {
    const { host, port, dbname: _dbname, ...managed } = rdsSecret // what a secret RDS manages holds
    fake.secret(managed)
    expect(await make()({ protocol: 1, op: 'ping' })).toEqual({
      ok: false,
      error: { code: 'CONNECTION', message: expect.stringMatching(/has no 'host'.*set DB_HOST/) }
    })
    const handler = make({ DB_HOST: String(host), DB_PORT: String(port), DB_NAME: db.name })
    expect(await handler({ protocol: 1, op: 'query', sql: 'SELECT current_database() AS db' })).toMatchObject({
      ok: true,
      rows: [{ db: db.name }]
    })
  })

  test('an unusable secret is explained without showing its content', async () => {
    fake.secret('not-json password=hunter2')
    const notJson = await make()({ protocol: 1, op: 'ping' })
    expect(notJson).toEqual({ ok: false, error: { code: 'CONNECTION', message: expect.stringMatching(/is not JSON/) } })
    expect(JSON.stringify(notJson)).not.toContain('hunter2')
    fake.secret({ ...rdsSecret, engine: 'sqlserver-ex' })
    expect(await make()({ protocol: 1, op: 'ping' })).toMatchObject({
      ok: false,
      error: { code: 'CONNECTION', message: expect.stringMatching(/engine "sqlserver-ex".*PostgreSQL and MySQL only/) }
    })
    fake.secret({ ...rdsSecret, password: undefined })
    expect(await make()({ protocol: 1, op: 'ping' })).toMatchObject({
      ok: false,
      error: { code: 'CONNECTION', message: expect.stringMatching(/has no 'password'/) }
    })
    expect(logs.lines.join('\n')).not.toContain('hunter2')
  })

  test('a password with URL-special characters works', async () => {
    const password = "p@ss:w/o#r?d%'"
    await sql(db.url, `CREATE ROLE runner_special LOGIN PASSWORD '${password.replace(/'/g, "''")}'`)
    try {
      fake.secret({ ...rdsSecret, username: 'runner_special', password })
      const handler = make()
      expect(await handler({ protocol: 1, op: 'query', sql: 'SELECT current_user AS u' })).toMatchObject({
        ok: true,
        rows: [{ u: 'runner_special' }]
      })
      await handler.close()
    } finally {
      await sql(db.url, 'DROP ROLE runner_special')
    }
  })
})

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

describe('resolveTls', () => {
  const rds = 'app.cluster-abc123xyz.eu-west-1.rds.amazonaws.com'
  const rdsChina = 'app.cluster-abc123xyz.cn-north-1.rds.amazonaws.com.cn'
  const other = 'db.internal.example.com'

  test.each<[string, string, string | undefined, { sslmode?: string }, string]>([
    ['RDS host, nothing set', rds, undefined, {}, 'require'],
    ['RDS China host, nothing set', rdsChina, undefined, {}, 'require'],
    ['RDS proxy host', 'proxy.proxy-abc.us-east-1.rds.amazonaws.com', undefined, {}, 'require'],
    ['other host, nothing set', other, undefined, {}, 'disable'],
    ['IP address', '10.0.1.20', undefined, {}, 'disable'],
    ['a look-alike is not RDS', 'rds.amazonaws.com.evil.example', undefined, {}, 'disable'],
    ['RDS host, DB_TLS=require', rds, 'require', {}, 'require'],
    ['RDS host, DB_TLS=verify-full', rds, 'verify-full', {}, 'verify-full'],
    ['RDS host, DB_TLS=verify-ca', rds, 'verify-ca', {}, 'verify-ca'],
    ['RDS host, DB_TLS=disable', rds, 'disable', {}, 'disable'],
    ['other host, DB_TLS=require', other, 'require', {}, 'require'],
    ['other host, DB_TLS=verify-full', other, 'VERIFY-FULL', {}, 'verify-full'],
    ['other host, DB_TLS=disable', other, 'disable', {}, 'disable'],
    ['empty DB_TLS is unset', rds, '  ', {}, 'require'],
    ['other host, sslmode=require', other, undefined, { sslmode: 'require' }, 'require'],
    ['other host, sslmode=prefer', other, undefined, { sslmode: 'prefer' }, 'require'],
    ['other host, sslmode=verify-full', other, undefined, { sslmode: 'verify-full' }, 'verify-full'],
    ['RDS host, sslmode=disable', rds, undefined, { sslmode: 'disable' }, 'disable'],
    ['DB_TLS wins over sslmode', other, 'disable', { sslmode: 'verify-full' }, 'disable']
  ])('%s', (_name, host, dbTls, url, mode) => {
    expect(resolveTls(host, dbTls, url).mode).toBe(mode)
  })

  test('the pg ssl option of each mode', () => {
    expect(resolveTls(other, 'disable').ssl).toBe(false)
    expect(resolveTls(other, 'require').ssl).toEqual({ rejectUnauthorized: false })
    expect(resolveTls(other, 'verify-full').ssl).toEqual({ rejectUnauthorized: true })
    const verifyCa = resolveTls(other, 'verify-ca').ssl
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true })
    expect(verifyCa && verifyCa.checkServerIdentity?.('other', {} as never)).toBeUndefined()
  })

  test('an unknown DB_TLS or sslmode names the setting', () => {
    expect(() => resolveTls(rds, 'yes')).toThrow(ConfigurationError)
    expect(() => resolveTls(rds, 'yes')).toThrow(/DB_TLS is "yes"/)
    expect(() => resolveTls(other, undefined, { sslmode: 'sometimes' })).toThrow(/sslmode/)
  })

  test('DATABASE_URL: the runner applies sslmode itself and removes it from the URL pg sees', () => {
    const settings = settingsFromUrl(`postgres://u:p%40ss@${rds}:5432/app?sslmode=verify-full&application_name=x`, { DB_NAME: 'other db' })
    expect(settings.tls).toBe('verify-full')
    expect(settings.ssl).toEqual({ rejectUnauthorized: true })
    expect(settings.url).toBe(`postgres://u:p%40ss@${rds}:5432/other%20db?application_name=x`)
    expect(settingsFromUrl(`postgres://u:p@${rds}/app`, {}).tls).toBe('require')
    const moved = settingsFromUrl(`postgres://u:p@${other}:5432/app`, { DB_HOST: rds, DB_PORT: '6543' })
    expect(moved).toMatchObject({ url: `postgres://u:p@${rds}:6543/app`, tls: 'require' })
    expect(() => settingsFromUrl('mongodb://u:p@h/db', {})).toThrow(/must start with postgres:\/\/, postgresql:\/\/ or mysql:\/\//)
    expect(settingsFromUrl('mysql://u:p@h/db', {})).toMatchObject({ dialect: 'mysql', tls: 'disable' })
    const ca = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runner-ca-')), 'ca.pem')
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n')
    const withCa = settingsFromUrl(`postgres://u:p@${other}/app?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`, {})
    expect(withCa.ssl).toEqual({ rejectUnauthorized: true, ca: fs.readFileSync(ca, 'utf8') })
    expect(withCa.url).toBe(`postgres://u:p@${other}/app`)
  })
})

// ---------------------------------------------------------------------------------------------
// Packaging: runner.zip and the deployment templates
// ---------------------------------------------------------------------------------------------

/** The entries of a zip, read from its central directory, with their data inflated. */
function readZip(zip: Buffer): { name: string; method: number; mode: number; data: Buffer }[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  expect(end).toBe(zip.length - 22)
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const entries = []
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50)
    const method = zip.readUInt16LE(at + 10)
    const crc = zip.readUInt32LE(at + 16)
    const compressed = zip.readUInt32LE(at + 20)
    const size = zip.readUInt32LE(at + 24)
    const nameLength = zip.readUInt16LE(at + 28)
    const extra = zip.readUInt16LE(at + 30)
    const comment = zip.readUInt16LE(at + 32)
    const mode = zip.readUInt32LE(at + 38) >>> 16
    const offset = zip.readUInt32LE(at + 42)
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8')
    expect(zip.readUInt32LE(offset)).toBe(0x04034b50)
    const start = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28)
    const body = zip.subarray(start, start + compressed)
    const data = method === 8 ? zlib.inflateRawSync(body) : Buffer.from(body)
    expect(data.length).toBe(size)
    expect(zlib.crc32(data) >>> 0).toBe(crc)
    entries.push({ name, method, mode, data })
    at += 46 + nameLength + extra + comment
  }
  return entries
}

function packageRunner(from: string, out: string): string {
  return execFileSync(process.execPath, ['scripts/package-runner.mjs', '--from', from, '--out', out], { encoding: 'utf8' })
}

describe('runner.zip', () => {
  test('is a valid, deterministic zip of the bundle directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-zip-'))
    const from = path.join(dir, 'bundle')
    fs.mkdirSync(from)
    const code = `export const handler = async () => ({ ok: true })\n${'// padding that compresses\n'.repeat(200)}`
    fs.writeFileSync(path.join(from, 'index.js'), code)
    fs.writeFileSync(path.join(from, 'licenses.txt'), 'MIT\n')
    const out = path.join(dir, 'runner.zip')
    expect(packageRunner(from, out)).toMatch(
      /runner\.zip: \d+ bytes: index\.js \(\d+ bytes\), licenses\.txt \(4 bytes\), package\.json \(\d+ bytes\)/
    )
    const zip = fs.readFileSync(out)

    const entries = readZip(zip)
    expect(entries.map((e) => e.name)).toEqual(['index.js', 'licenses.txt', 'package.json'])
    expect(entries[0].data.toString('utf8')).toBe(code)
    expect(entries[0].method).toBe(8)
    expect(entries[0].mode).toBe(0o100644)
    expect(JSON.parse(entries[2].data.toString('utf8'))).toEqual({ type: 'module' })

    // Python's zipfile agrees, and checks every CRC.
    expect(execFileSync('python3', ['-m', 'zipfile', '-l', out], { encoding: 'utf8' })).toMatch(/index\.js\s+1980-01-01 00:00:00\s+\d+/)
    expect(execFileSync('python3', ['-m', 'zipfile', '-t', out], { encoding: 'utf8' })).toMatch(/Done testing/)
    const extracted = path.join(dir, 'extracted')
    execFileSync('python3', ['-m', 'zipfile', '-e', out, extracted])
    expect(fs.readFileSync(path.join(extracted, 'index.js'), 'utf8')).toBe(code)

    const again = path.join(dir, 'again.zip')
    packageRunner(from, again)
    expect(fs.readFileSync(again).equals(zip)).toBe(true)
  })

  test('refuses a directory without index.js', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-zip-'))
    expect(() =>
      execFileSync(process.execPath, ['scripts/package-runner.mjs', '--from', dir, '--out', path.join(dir, 'x.zip')], { stdio: 'pipe' })
    ).toThrow(/index\.js does not exist: run `npm run bundle` first/)
  })

  test('holds dist/runner/index.js (npm run bundle), which answers a ping', async () => {
    const bundle = path.resolve('dist/runner/index.js')
    expect(fs.existsSync(bundle)).toBe(true)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-zip-'))
    const out = path.join(dir, 'runner.zip')
    packageRunner('dist/runner', out)
    const entries = readZip(fs.readFileSync(out))
    expect(entries.find((e) => e.name === 'index.js')?.data.equals(fs.readFileSync(bundle))).toBe(true)
    expect(JSON.parse(entries.find((e) => e.name === 'package.json')!.data.toString('utf8'))).toEqual({ type: 'module' })

    // Run the bundle from the unzipped files, as Lambda would (index.handler).
    const extracted = path.join(dir, 'task')
    execFileSync('python3', ['-m', 'zipfile', '-e', out, extracted])
    const db = await createTestDatabase('runnerzip')
    try {
      const script = `import('${path.join(extracted, 'index.js')}').then(async (m) => { process.stdout.write(JSON.stringify(await m.handler({ protocol: 1, op: 'ping' }))); process.exit(0) })`
      const output = execFileSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, DATABASE_URL: db.url }
      })
      const lines = output.split('\n')
      expect(lines[0]).toMatch(/^op=ping statements=0 ms=\d+ outcome=ok/)
      expect(JSON.parse(lines[lines.length - 1])).toEqual({
        ok: true,
        protocol: 1,
        runner: RUNNER_VERSION,
        server: expect.stringMatching(/^PostgreSQL /)
      })
    } finally {
      await db.drop()
    }
  })
})

describe('deployment templates', () => {
  // CloudFormation's short tags (!Ref, !Sub, !GetAtt, …) become the long form they stand for.
  const cfnKey = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`)
  const cfnTags: Tags = [
    'Ref',
    'Sub',
    'GetAtt',
    'If',
    'Equals',
    'Not',
    'And',
    'Or',
    'Join',
    'Select',
    'Split',
    'FindInMap',
    'ImportValue',
    'Condition',
    'Base64',
    'GetAZs',
    'Cidr'
  ].flatMap((name): Tags => [
    { tag: `!${name}`, resolve: (value: string) => ({ [cfnKey(name)]: name === 'GetAtt' ? value.split('.') : value }) },
    { tag: `!${name}`, collection: 'seq', resolve: (value) => ({ [cfnKey(name)]: value.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (value) => ({ [cfnKey(name)]: value.toJSON() }) }
  ])

  test('template.yaml: the function, its network and least-privilege IAM', () => {
    const template = parseYaml(fs.readFileSync('runner/template.yaml', 'utf8'), { customTags: cfnTags }) as Record<string, any>
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31')
    expect(Object.keys(template.Parameters)).toEqual(expect.arrayContaining(['VpcId', 'SubnetIds', 'DatabaseSecurityGroupId', 'SecretArn']))
    const fn = template.Resources.RunnerFunction
    expect(fn.Type).toBe('AWS::Serverless::Function')
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 900,
      MemorySize: 512
    })
    expect(fn.Properties.Environment.Variables.DB_SECRET_ARN).toEqual({ Ref: 'SecretArn' })
    expect(JSON.stringify(fn.Properties.Policies)).toContain('AWSLambdaVPCAccessExecutionRole')
    const actions = [...JSON.stringify(fn.Properties.Policies).matchAll(/"Action":("[^"]*"|\[[^\]]*\])/g)].map((m) => m[1])
    expect(actions).toEqual(['"secretsmanager:GetSecretValue"', '"kms:Decrypt"'])
    const egress = template.Resources.RunnerSecurityGroup.Properties.SecurityGroupEgress
    expect(egress[0]).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: { Ref: 'DatabasePort' },
      ToPort: { Ref: 'DatabasePort' },
      DestinationSecurityGroupId: { Ref: 'DatabaseSecurityGroupId' }
    })
    expect(template.Resources.DatabaseIngressFromRunner.Properties).toMatchObject({
      GroupId: { Ref: 'DatabaseSecurityGroupId' },
      SourceSecurityGroupId: { 'Fn::GetAtt': ['RunnerSecurityGroup', 'GroupId'] }
    })
    expect(Object.keys(template.Outputs)).toEqual(expect.arrayContaining(['RunnerFunctionArn', 'WorkflowRolePolicy']))
    expect(JSON.stringify(template.Outputs.WorkflowRolePolicy)).toContain('lambda:InvokeFunction')
  })

  test('serverless.yml: the same function, network and IAM', () => {
    const config = parseYaml(fs.readFileSync('runner/serverless.yml', 'utf8'), { customTags: cfnTags }) as Record<string, any>
    const fn = config.functions.auroraMigrateRunner
    expect(fn).toMatchObject({ handler: 'index.handler', timeout: 900, memorySize: 512, architecture: 'arm64' })
    expect(config.provider.runtime).toBe('nodejs24.x')
    expect(JSON.stringify(config.provider.iam.role.statements)).toContain('secretsmanager:GetSecretValue')
    expect(fn.vpc.securityGroupIds).toEqual([{ Ref: 'RunnerSecurityGroup' }])
    expect(config.resources.Resources.DatabaseIngressFromRunner.Type).toBe('AWS::EC2::SecurityGroupIngress')
  })
})
