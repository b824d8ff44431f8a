/**
 * The packed form of a transaction (src/dialects/postgresql/packed.ts): tags that cannot be broken by the text they
 * wrap, parameters inlined as literals, and the DO blocks run on a real PostgreSQL.
 */
import pg from 'pg'
import {
  GUARD_SQLSTATE,
  decodePackedError,
  freeTag,
  inlineParameters,
  packTransaction,
  packable,
  refusedByPacking,
  sqlLiteral,
  tagFits
} from '../../src/dialects/postgresql/packed.js'
import type { TxStatement } from '../../src/targets/target.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'

describe('dollar-quote tags', () => {
  test('a tag that occurs in the text, or that the text would complete, does not fit', () => {
    expect(tagFits('plain', '$t$')).toBe(true)
    expect(tagFits('a $t$ b', '$t$')).toBe(false)
    expect(tagFits('ends with $t', '$t$')).toBe(false)
    expect(tagFits('ends with $', '$t$')).toBe(true)
    expect(freeTag('s0', ['x $s0$ y'])).toBe('$s0_1$')
    expect(freeTag('s0', ['x $s0$ $s0_1$ y', '$s0_2'])).toBe('$s0_3$')
  })
})

describe('inlined parameters', () => {
  test('literals of every kind', () => {
    expect(sqlLiteral(null)).toBe('NULL')
    expect(sqlLiteral(true)).toBe('true')
    expect(sqlLiteral(42)).toBe('42')
    expect(sqlLiteral(-5)).toBe('(-5)')
    expect(sqlLiteral(2.5)).toBe('2.5')
    expect(sqlLiteral("it's \\ here")).toBe(" E'it''s \\\\ here' ")
    expect(() => sqlLiteral(Number.NaN)).toThrow()
  })

  test('only names given are replaced; casts, strings and comments are left alone', () => {
    expect(inlineParameters("SELECT :a::int, ':a', :b -- :a", { a: 1 })).toBe("SELECT 1::int, ':a', :b -- :a")
    expect(inlineParameters('SELECT 1 - :n', { n: -2 })).toBe('SELECT 1 - (-2)')
  })
})

describe('packed transactions on PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> }
  let client: pg.Client

  beforeAll(async () => {
    db = await createTestDatabase('packed')
    client = new pg.Client({ connectionString: db.url })
    await client.connect()
  })

  afterAll(async () => {
    await client.end()
    await db.drop()
  })

  async function runPacked(statements: TxStatement[]): Promise<ReturnType<typeof decodePackedError> | 'ok'> {
    const packing = packTransaction(statements)
    if (!packing.ok) throw new Error('did not pack')
    try {
      for (const chunk of packing.chunks) await client.query(chunk.sql)
      return 'ok'
    } catch (error) {
      const e = error as pg.DatabaseError
      return decodePackedError({ message: e.message, sqlState: e.code, detail: e.detail, hint: e.hint }, statements, packing.marker)
    }
  }

  test('hostile parameter values arrive unchanged, whatever standard_conforming_strings says', async () => {
    await client.query('CREATE TABLE values_in (id int, s text, b boolean, n text, f float8)')
    const hostile = "a'b''c \\' $$ $s1$ $aurora_migrate_packed$ '); DROP TABLE values_in; --"
    for (const conforming of ['on', 'off']) {
      await client.query(`SET standard_conforming_strings = ${conforming}`)
      expect(
        await runPacked([
          { sql: 'INSERT INTO values_in VALUES (:id, :s, :b, :n, :f)', params: { id: 1, s: hostile, b: false, n: null, f: -2.5 } }
        ])
      ).toBe('ok')
    }
    await client.query('RESET standard_conforming_strings')
    expect(await sql(db.url, 'SELECT * FROM values_in')).toEqual([
      { id: 1, s: hostile, b: false, n: null, f: -2.5 },
      { id: 1, s: hostile, b: false, n: null, f: -2.5 }
    ])
  })

  test('statements containing the tags the packer would use still run', async () => {
    const body = "SELECT '$s0$ $aurora_migrate_packed$ $s1$'::text"
    const statements: TxStatement[] = [
      { sql: `CREATE FUNCTION tagged() RETURNS text LANGUAGE sql AS $fn$ ${body} $fn$` },
      { sql: 'CREATE TABLE tagged_out AS SELECT tagged() AS v' }
    ]
    const packing = packTransaction(statements)
    expect(packing.ok && packing.marker).toBe('aurora_migrate_packed_1')
    expect(await runPacked(statements)).toBe('ok')
    expect(await sql(db.url, 'SELECT v FROM tagged_out')).toEqual([{ v: '$s0$ $aurora_migrate_packed$ $s1$' }])
  })

  test('an error names its statement and keeps SQLSTATE, message, detail and hint; nothing stays', async () => {
    await client.query('CREATE TABLE parent_p (id int PRIMARY KEY)')
    await client.query('CREATE VIEW child_p AS SELECT id FROM parent_p')
    const statements: TxStatement[] = [{ sql: 'CREATE TABLE made_p (id int)', label: 'first' }, { sql: 'DROP TABLE parent_p' }]
    expect(await runPacked(statements)).toEqual({
      ok: false,
      phase: 'statement',
      failedIndex: 1,
      failedLabel: undefined,
      error: {
        message: 'cannot drop table parent_p because other objects depend on it',
        sqlState: '2BP01',
        detail: 'view child_p depends on table parent_p',
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.'
      }
    })
    expect(await sql(db.url, "SELECT to_regclass('made_p') IS NULL AS gone")).toEqual([{ gone: true }])
  })

  test('a guard reports its statement, label and count', async () => {
    await client.query('CREATE TABLE guarded_p (id int)')
    const result = await runPacked([
      { sql: 'INSERT INTO guarded_p VALUES (1), (2)', expectRows: 2 },
      { sql: 'SELECT id FROM guarded_p', expectRows: 0, label: 'not-applied' }
    ])
    expect(result).toEqual({
      ok: false,
      phase: 'statement',
      failedIndex: 1,
      failedLabel: 'not-applied',
      guard: true,
      error: { message: 'Expected 0 rows, got 2; the transaction was rolled back.' }
    })
    expect(await sql(db.url, 'SELECT * FROM guarded_p')).toEqual([])
  })

  test('a deferred constraint fails after the block: the commit phase', async () => {
    await client.query('CREATE TABLE deferred_p (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)')
    const result = await runPacked([{ sql: 'INSERT INTO deferred_p VALUES (1)' }, { sql: 'INSERT INTO deferred_p VALUES (1)' }])
    expect(result).toMatchObject({ ok: false, phase: 'commit', failedIndex: 2, error: { sqlState: '23505' } })
    expect(await sql(db.url, 'SELECT * FROM deferred_p')).toEqual([])
  })

  test('transaction control cannot escape the block', async () => {
    await client.query('CREATE TABLE escape_p (id int)')
    await client.query('CREATE PROCEDURE commits_p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$')
    const controls: [string, string][] = [
      ['COMMIT', '0A000'],
      ['ROLLBACK', '0A000'],
      ['BEGIN', '0A000'],
      ['START TRANSACTION', '0A000'],
      ['SAVEPOINT s', '0A000'],
      ['END', '0A000'],
      // A COMMIT reached through a procedure: invalid inside the block's subtransaction.
      ['CALL commits_p()', '2D000']
    ]
    for (const [control, sqlState] of controls) {
      const result = await runPacked([
        { sql: 'INSERT INTO escape_p VALUES (1)' },
        { sql: control },
        { sql: 'INSERT INTO escape_p VALUES (2)' }
      ])
      expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState } })
      expect(result !== 'ok' && refusedByPacking(result)).toBe(false)
      expect(await sql(db.url, 'SELECT * FROM escape_p')).toEqual([])
    }
  })

  test('SELECT … INTO is refused by EXECUTE only: a packing refusal', async () => {
    const result = await runPacked([{ sql: 'SELECT 1 AS x INTO into_p' }])
    expect(result).toMatchObject({ ok: false, failedIndex: 0, error: { sqlState: '0A000' } })
    expect(result !== 'ok' && refusedByPacking(result)).toBe(true)
    expect(await sql(db.url, "SELECT to_regclass('into_p') IS NULL AS gone")).toEqual([{ gone: true }])
  })

  test('a statement_timeout (set before the call: it bounds the whole block) is attributed to its statement', async () => {
    await client.query("SET statement_timeout = '200ms'")
    try {
      const result = await runPacked([{ sql: 'SELECT 1' }, { sql: 'SELECT pg_sleep(1)' }])
      expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: '57014' } })
    } finally {
      await client.query('RESET statement_timeout')
    }
  })

  test('SET LOCAL lock_timeout inside the block bounds the lock waits after it', async () => {
    await client.query('CREATE TABLE locked_p (id int)')
    const holder = new pg.Client({ connectionString: db.url })
    await holder.connect()
    try {
      await holder.query('BEGIN')
      await holder.query('LOCK TABLE locked_p IN ACCESS EXCLUSIVE MODE')
      const started = Date.now()
      const result = await runPacked([{ sql: "SET LOCAL lock_timeout = '100ms'" }, { sql: 'INSERT INTO locked_p VALUES (1)' }])
      expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: '55P03' } })
      expect(Date.now() - started).toBeLessThan(2000)
    } finally {
      await holder.end()
    }
    expect(await sql(db.url, 'SELECT * FROM locked_p')).toEqual([])
  })

  test('an error without the marker: the commit when PostgreSQL answered, an unknown place for a bare service error', () => {
    expect(decodePackedError({ message: 'deferred', sqlState: '23505' }, [{ sql: 'x' }], 'm')).toEqual({
      ok: false,
      phase: 'commit',
      failedIndex: 1,
      error: { message: 'deferred', sqlState: '23505' }
    })
    expect(decodePackedError({ message: 'Database returned SQL Exception' }, [{ sql: 'x' }], 'm')).toEqual({
      ok: false,
      failedIndex: 1,
      error: { message: 'Database returned SQL Exception' }
    })
  })

  test('a user error raising our guard SQLSTATE is not taken for a guard of a statement without one', () => {
    const failure = decodePackedError({ message: 'm step 0: 3', sqlState: GUARD_SQLSTATE }, [{ sql: 'x' }], 'm')
    expect(failure.guard).toBeUndefined()
  })
})

describe('what is not packed', () => {
  test('a transaction that sets statement_timeout (it would bound nothing after it in a block)', () => {
    expect(packable([{ sql: 'SELECT 1' }])).toBe(true)
    expect(packable([])).toBe(false)
    for (const sql of [
      "SET LOCAL statement_timeout = '5s'",
      'set statement_timeout = 0',
      "SET SESSION statement_timeout TO '1min'",
      "SELECT pg_catalog.set_config('statement_timeout', '0', false)"
    ]) {
      expect(packable([{ sql: 'SELECT 1' }, { sql }])).toBe(false)
    }
    expect(packable([{ sql: "SET LOCAL lock_timeout = '5s'" }, { sql: "COMMENT ON TABLE t IS 'statement_timeout'" }])).toBe(true)
  })

  test('a transaction with savepoints (EXECUTE refuses them; they nest in the version statement by statement)', () => {
    for (const sql of [
      'savepoint s',
      'RELEASE s',
      'release savepoint s',
      'ROLLBACK TO s',
      'rollback work to savepoint s',
      '-- undo\n/* b /* nested */ */ ROLLBACK TO s'
    ]) {
      expect(packable([{ sql: 'SELECT 1' }, { sql }])).toBe(false)
    }
    expect(packable([{ sql: 'ROLLBACK' }])).toBe(true)
    expect(packable([{ sql: "SELECT 'savepoint s'" }])).toBe(true)
  })
})

describe('chunks', () => {
  test('statements are kept whole and in order, in as few blocks as fit', () => {
    const statements: TxStatement[] = Array.from({ length: 30 }, (_, i) => ({ sql: `SELECT '${'x'.repeat(3000)}' AS c${i}` }))
    const packing = packTransaction(statements, 65_536)
    if (!packing.ok) throw new Error('did not pack')
    expect(packing.chunks.length).toBe(2)
    expect(packing.chunks.map((c) => [c.first, c.count])).toEqual([
      [0, packing.chunks[0].count],
      [packing.chunks[0].count, 30 - packing.chunks[0].count]
    ])
    for (const chunk of packing.chunks) expect(chunk.sql.length).toBeLessThanOrEqual(65_536)
    // The first block could not take one more statement.
    const more = packTransaction(statements.slice(0, packing.chunks[0].count + 1), 65_536)
    expect(more.ok && more.chunks.length).toBe(2)
  })

  test('a statement too long for a block alone is refused', () => {
    const packing = packTransaction([{ sql: 'SELECT 1' }, { sql: `SELECT '${'x'.repeat(70_000)}'` }], 65_536)
    expect(packing).toMatchObject({ ok: false, index: 1 })
  })
})
