/**
 * The contract every transport must pass unchanged: same rows, same shapes, same errors, same
 * transaction semantics for the same SQL. `url` is a direct pg URL of the database the target
 * talks to, used only to check what really happened.
 */
import { DatabaseError } from '../../src/errors.js'
import type { QueryResult, Target, TransactionResult, TxStatement } from '../../src/targets/target.js'
import { sql } from '../postgres.js'

export interface ContractSetup {
  target: Target
  url: string
  cleanup(): Promise<void>
  /** Calls the transport has made so far, where it can count them (the Data API emulator's). */
  calls?: () => number
}

async function tableExists(url: string, name: string): Promise<boolean> {
  const rows = await sql<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [name])
  return rows[0].t !== null
}

async function expectDatabaseError(promise: Promise<unknown>): Promise<DatabaseError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseError)
    return error as DatabaseError
  }
  throw new Error('expected a DatabaseError, the call succeeded')
}

/**
 * The suite runs twice: with `resultsNeeded` left out (each statement's results returned) and with
 * `resultsNeeded: false` (the transport may pack the transaction and answers `results: []`; a failed
 * guard then carries no rows).
 */
export function describeTargetContract(name: string, setup: () => Promise<ContractSetup>): void {
  describeContract(name, setup, false)
  describeContract(name, setup, true)
}

function describeContract(name: string, setup: () => Promise<ContractSetup>, packed: boolean): void {
  describe(`Target contract: ${name}${packed ? ' (results not needed)' : ''}`, () => {
    let ctx: ContractSetup

    const transaction = (statements: TxStatement[]): Promise<TransactionResult> =>
      ctx.target.transaction(statements, packed ? { resultsNeeded: false } : undefined)
    /** What a successful transaction answers: its results, or none when they were not asked for. */
    const committed = (results: Partial<QueryResult>[]) => ({ ok: true, results: packed ? [] : results })
    /** The rows a failed guard reports, or nothing when results were not asked for. */
    const guardRows = (rows: unknown[]) => (packed ? {} : { guardRows: rows })

    beforeEach(async () => {
      ctx = await setup()
    })

    afterEach(async () => {
      await ctx.target.close()
      await ctx.cleanup()
    })

    test('query returns rows of the same shapes', async () => {
      const result = await ctx.target.query(
        `SELECT 1::int AS i, 2::smallint AS s, 5000000000::bigint AS b, 'text' AS t, true AS yes, false AS no,
                NULL::text AS n, '{"a": [1, 2], "b": "x"}'::jsonb AS j,
                '2024-01-02 03:04:05.123+00'::timestamptz AS ts, 1.50::numeric(5,2) AS d, 2.5::float8 AS f`
      )
      expect(result.rowCount).toBe(1)
      expect(result.rows).toEqual([
        {
          i: 1,
          s: 2,
          b: '5000000000',
          t: 'text',
          yes: true,
          no: false,
          n: null,
          j: '{"a": [1, 2], "b": "x"}',
          ts: '2024-01-02T03:04:05.123Z',
          d: '1.50',
          f: 2.5
        }
      ])
    })

    test('a query without rows returns an empty list and rowCount 0', async () => {
      const result = await ctx.target.query('SELECT 1 AS one WHERE false')
      expect(result).toEqual({ rows: [], rowCount: 0 })
    })

    test('named parameters: strings with quotes and :x, null, numbers, booleans, repeated names', async () => {
      const tricky = "it's :x and ''quoted'' -- not a comment"
      const result = await ctx.target.query(
        `SELECT :s::text AS s, :n::text AS n, :i::int AS i, :b::boolean AS b, ':s' AS literal,
                :s::text = :s::text AS same -- :s in a comment`,
        { s: tricky, n: null, i: 42, b: true }
      )
      expect(result.rows).toEqual([{ s: tricky, n: null, i: 42, b: true, literal: ':s', same: true }])
    })

    test('parameters in DML and ::casts next to them', async () => {
      await ctx.target.query('CREATE TABLE items (id int PRIMARY KEY, name text, at timestamptz)')
      const inserted = await ctx.target.query(
        'INSERT INTO items (id, name, at) VALUES (:id, :name, :at::timestamptz) RETURNING id, name, at',
        { id: 7, name: 'seven', at: '2024-05-06T07:08:09.010Z' }
      )
      expect(inserted.rows).toEqual([{ id: 7, name: 'seven', at: '2024-05-06T07:08:09.010Z' }])
      const found = await ctx.target.query('SELECT name FROM items WHERE id = :id AND name = :name', { id: 7, name: 'seven' })
      expect(found.rows).toEqual([{ name: 'seven' }])
    })

    test('DML reports affected rows', async () => {
      await ctx.target.query('CREATE TABLE t (id int PRIMARY KEY, v int)')
      expect((await ctx.target.query('INSERT INTO t VALUES (1, 0), (2, 0), (3, 1)')).rowCount).toBe(3)
      expect((await ctx.target.query('UPDATE t SET v = 5 WHERE v = 0')).rowCount).toBe(2)
      expect((await ctx.target.query('DELETE FROM t WHERE id = 3')).rowCount).toBe(1)
      expect((await ctx.target.query('UPDATE t SET v = 6 WHERE id = 99')).rowCount).toBe(0)
      const count = await ctx.target.query('SELECT count(*) AS c FROM t')
      expect(count.rows).toEqual([{ c: '2' }])
      expect(count.rowCount).toBe(1)
    })

    test('an SQL error is a DatabaseError with SQLSTATE, position and detail', async () => {
      const syntax = await expectDatabaseError(ctx.target.query('SELEC 1'))
      expect(syntax.info).toMatchObject({ sqlState: '42601', position: 1 })
      expect(syntax.info.message).toContain('syntax error at or near "SELEC"')

      const missing = await expectDatabaseError(ctx.target.query('SELECT * FROM missing_table'))
      expect(missing.info).toMatchObject({ sqlState: '42P01', position: 15 })
      expect(missing.info.message).toBe('relation "missing_table" does not exist')

      await ctx.target.query('CREATE TABLE u (id int PRIMARY KEY)')
      await ctx.target.query('INSERT INTO u VALUES (1)')
      const duplicate = await expectDatabaseError(ctx.target.query('INSERT INTO u VALUES (1)'))
      expect(duplicate.info).toMatchObject({ sqlState: '23505', detail: 'Key (id)=(1) already exists.' })
      expect(duplicate.info.message).toBe('duplicate key value violates unique constraint "u_pkey"')
    })

    test('an error hint is reported', async () => {
      await ctx.target.query('CREATE TABLE parent (id int)')
      await ctx.target.query('CREATE VIEW child AS SELECT id FROM parent')
      const error = await expectDatabaseError(ctx.target.query('DROP TABLE parent'))
      expect(error.info.sqlState).toBe('2BP01')
      expect(error.info.hint).toBe('Use DROP ... CASCADE to drop the dependent objects too.')
      expect(error.info.detail).toBe('view child depends on table parent')
    })

    test('a transaction commits every statement and returns each result', async () => {
      const result = await transaction([
        { sql: 'CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)' },
        { sql: 'INSERT INTO accounts VALUES (1, 100), (2, 50)' },
        { sql: 'UPDATE accounts SET balance = balance - :amount WHERE id = :id', params: { amount: 30, id: 1 }, expectRows: 1 },
        { sql: 'SELECT id, balance FROM accounts ORDER BY id' }
      ])
      expect(result).toEqual(
        committed([
          { rows: [], rowCount: 0 },
          { rows: [], rowCount: 2 },
          { rows: [], rowCount: 1 },
          {
            rows: [
              { id: 1, balance: 70 },
              { id: 2, balance: 50 }
            ],
            rowCount: 2
          }
        ])
      )
      expect(await sql(ctx.url, 'SELECT id, balance FROM accounts ORDER BY id')).toEqual([
        { id: 1, balance: 70 },
        { id: 2, balance: 50 }
      ])
    })

    test('an SQL error at statement 2 of 3 rolls everything back and is reported as data', async () => {
      await ctx.target.query('CREATE TABLE kept (id int)')
      const result = await transaction([
        { sql: 'INSERT INTO kept VALUES (1)' },
        { sql: 'INSERT INTO no_such_table VALUES (1)' },
        { sql: 'INSERT INTO kept VALUES (2)' }
      ])
      expect(result.ok).toBe(false)
      if (result.ok) return
      expect(result.failedIndex).toBe(1)
      expect(result.error.sqlState).toBe('42P01')
      expect(result.error.message).toBe('relation "no_such_table" does not exist')
      expect(result.guard).toBeUndefined()
      expect(await sql(ctx.url, 'SELECT * FROM kept')).toEqual([])
      // The target is still usable afterwards.
      expect((await ctx.target.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    })

    test('DDL inside a failed transaction is rolled back', async () => {
      const result = await transaction([
        { sql: 'CREATE TABLE ddl_rolled_back (id int)' },
        { sql: 'ALTER TABLE ddl_rolled_back ADD COLUMN name text' },
        { sql: 'CREATE INDEX ddl_idx ON ddl_rolled_back (name)' },
        { sql: 'SELECT 1 / 0' }
      ])
      expect(result).toMatchObject({ ok: false, failedIndex: 3, error: { sqlState: '22012' } })
      expect(await tableExists(ctx.url, 'ddl_rolled_back')).toBe(false)
      expect(await tableExists(ctx.url, 'ddl_idx')).toBe(false)
    })

    test('a failed guard rolls back and returns the rows it saw', async () => {
      await ctx.target.query('CREATE TABLE leases (name text PRIMARY KEY, token int)')
      await ctx.target.query("INSERT INTO leases VALUES ('main', 1)")
      const updateGuard = await transaction([
        { sql: "INSERT INTO leases VALUES ('other', 5)" },
        { sql: "UPDATE leases SET token = token + 1 WHERE name = 'main' AND token = :token", params: { token: 99 }, expectRows: 1 }
      ])
      expect(updateGuard).toEqual({
        ok: false,
        phase: 'statement',
        failedIndex: 1,
        error: { message: expect.stringContaining('Expected 1 row, got 0') },
        guard: true,
        ...guardRows([])
      })
      const selectGuard = await transaction([
        { sql: "UPDATE leases SET token = 2 WHERE name = 'main'" },
        { sql: 'SELECT name, token FROM leases ORDER BY name', expectRows: 0 }
      ])
      expect(selectGuard).toMatchObject({ ok: false, failedIndex: 1, guard: true, ...guardRows([{ name: 'main', token: 2 }]) })
      expect(await sql(ctx.url, 'SELECT name, token FROM leases ORDER BY name')).toEqual([{ name: 'main', token: 1 }])
    })

    test('a guard that holds lets the transaction commit', async () => {
      await ctx.target.query('CREATE TABLE g (id int)')
      const result = await transaction([
        { sql: 'INSERT INTO g VALUES (1), (2)', expectRows: 2 },
        { sql: 'SELECT id FROM g ORDER BY id', expectRows: 2 }
      ])
      expect(result).toEqual(
        committed([
          { rows: [], rowCount: 2 },
          { rows: [{ id: 1 }, { id: 2 }], rowCount: 2 }
        ])
      )
      expect(await sql(ctx.url, 'SELECT count(*)::int AS c FROM g')).toEqual([{ c: 2 }])
    })

    test('a dollar-quoted function body is one statement, in a query and in a transaction', async () => {
      await ctx.target.query(`CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE plpgsql AS $$
        BEGIN
          -- a semicolon; and a :param-looking word inside the body
          RETURN i + 1;
        END;
      $$`)
      expect((await ctx.target.query('SELECT add_one(41) AS v')).rows).toEqual([{ v: 42 }])
      const result = await transaction([
        {
          sql: `CREATE FUNCTION twice(i int) RETURNS int LANGUAGE plpgsql AS $body$
            DECLARE r int;
            BEGIN r := i * 2; RETURN r; END;
          $body$`
        },
        { sql: 'DO $$ BEGIN PERFORM twice(1); END $$' },
        { sql: 'SELECT twice(21) AS v' }
      ])
      expect(result).toMatchObject(committed([{}, {}, { rows: [{ v: 42 }] }]))
      expect((await ctx.target.query('SELECT twice(21) AS v')).rows).toEqual([{ v: 42 }])
    })

    test('a constraint that fails at COMMIT is reported as a failed transaction', async () => {
      await ctx.target.query('CREATE TABLE p (id int PRIMARY KEY)')
      await ctx.target.query('CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED)')
      const result = await transaction([{ sql: 'INSERT INTO c VALUES (5)' }])
      expect(result).toMatchObject({ ok: false, phase: 'commit', failedIndex: 1, error: { sqlState: '23503' } })
      expect(await sql(ctx.url, 'SELECT * FROM c')).toEqual([])
    })

    test('a failed COMMIT after every statement ran is told apart from a failed last statement', async () => {
      await ctx.target.query('CREATE TABLE d (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)')
      const result = await transaction([
        { sql: 'CREATE TABLE d_side (id int)', label: 'first' },
        { sql: 'INSERT INTO d VALUES (1)' },
        { sql: 'INSERT INTO d VALUES (1)', label: 'record' }
      ])
      expect(result.ok).toBe(false)
      if (result.ok) return
      expect(result.phase).toBe('commit')
      expect(result.failedIndex).toBe(3)
      expect(result.failedLabel).toBeUndefined()
      expect(result.guard).toBeUndefined()
      expect(result.error.sqlState).toBe('23505')
      expect(result.error.message).toBe('duplicate key value violates unique constraint "d_id_key"')
      // Nothing was committed, and the target goes on.
      expect(await sql(ctx.url, 'SELECT * FROM d')).toEqual([])
      expect(await tableExists(ctx.url, 'd_side')).toBe(false)
      expect((await transaction([{ sql: 'INSERT INTO d VALUES (2)' }])).ok).toBe(true)
      expect(await sql(ctx.url, 'SELECT id FROM d')).toEqual([{ id: 2 }])
    })

    test('a failed statement echoes its label; one without a label has none', async () => {
      await ctx.target.query('CREATE TABLE labelled (id int PRIMARY KEY)')
      const labelled = await transaction([
        { sql: 'INSERT INTO labelled VALUES (1)', label: 'first' },
        { sql: 'INSERT INTO labelled VALUES (1)', label: 'record' },
        { sql: 'INSERT INTO labelled VALUES (3)', label: 'last' }
      ])
      expect(labelled).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, failedLabel: 'record', error: { sqlState: '23505' } })
      const guarded = await transaction([
        { sql: 'INSERT INTO labelled VALUES (4)' },
        { sql: 'SELECT id FROM labelled WHERE id = 4', expectRows: 0, label: 'not-applied' }
      ])
      expect(guarded).toMatchObject({
        ok: false,
        phase: 'statement',
        failedIndex: 1,
        failedLabel: 'not-applied',
        guard: true,
        ...guardRows([{ id: 4 }])
      })
      const unlabelled = await transaction([{ sql: 'INSERT INTO labelled VALUES (5)', label: 'first' }, { sql: 'SELECT 1 / 0' }])
      expect(unlabelled).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: '22012' } })
      expect(unlabelled.ok === false && unlabelled.failedLabel).toBeUndefined()
      expect(await sql(ctx.url, 'SELECT * FROM labelled')).toEqual([])
    })

    test('session settings made inside a transaction do not outlive it', async () => {
      await ctx.target.query('CREATE SCHEMA other')
      await ctx.target.query('CREATE TABLE public.marker (id int)')
      const changed = await transaction([
        { sql: 'SET search_path = other' },
        { sql: "SELECT set_config('lock_timeout', '1234', false)" },
        { sql: 'SET default_transaction_read_only = on' },
        { sql: 'CREATE TEMPORARY TABLE scratch (id int)' },
        { sql: 'SELECT current_setting(:name) AS search_path', params: { name: 'search_path' } },
        // A guard holds only while the setting is in force: checked the same way with results or without.
        { sql: "SELECT 1 WHERE current_setting('search_path') = :value", params: { value: 'other' }, expectRows: 1 }
      ])
      expect(changed).toMatchObject(committed([{}, {}, {}, {}, { rows: [{ search_path: 'other' }] }, {}]))
      const settings =
        "SELECT current_setting('search_path') AS search_path, current_setting('lock_timeout') AS lock_timeout, " +
        "current_setting('default_transaction_read_only') AS read_only, to_regclass('pg_temp.scratch') IS NULL AS no_scratch"
      const fresh = { search_path: '"$user", public', lock_timeout: '0', read_only: 'off', no_scratch: true }
      // The next transaction: it may write, and an unqualified table lands in public.
      const freshCheck =
        "SELECT 1 WHERE current_setting('search_path') = '\"$user\", public' AND current_setting('lock_timeout') = '0' " +
        "AND current_setting('default_transaction_read_only') = 'off' AND to_regclass('pg_temp.scratch') IS NULL"
      const next = await transaction([{ sql: settings }, { sql: freshCheck, expectRows: 1 }, { sql: 'CREATE TABLE unqualified (id int)' }])
      expect(next).toMatchObject(committed([{ rows: [fresh] }, {}, {}]))
      // The next query.
      expect((await ctx.target.query(settings)).rows).toEqual([fresh])
      expect(await sql(ctx.url, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'unqualified'")).toEqual([
        { table_schema: 'public' }
      ])
    })

    test('a syntax error in the middle of a transaction: its statement, SQLSTATE and position; nothing stays', async () => {
      const result = await transaction([
        { sql: 'CREATE TABLE before_error (id int)' },
        { sql: 'SELECT id FROM before_error WHERE id = 1 ORDER id' },
        { sql: 'CREATE TABLE after_error (id int)' }
      ])
      expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: '42601', position: 48 } })
      expect(result.ok === false && result.error.message).toBe('syntax error at or near "id"')
      const missing = await transaction([{ sql: 'CREATE TABLE m1 (id int)' }, { sql: 'INSERT INTO m1 SELECT id FROM no_such_relation' }])
      expect(missing).toMatchObject({
        failedIndex: 1,
        error: { sqlState: '42P01', position: 31, message: 'relation "no_such_relation" does not exist' }
      })
      expect(await tableExists(ctx.url, 'before_error')).toBe(false)
      expect(await tableExists(ctx.url, 'm1')).toBe(false)
    })

    test('an error inside a plpgsql function body is located in the CREATE FUNCTION statement', async () => {
      const create = `CREATE FUNCTION broken() RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN 1 +;
END
$fn$`
      const result = await transaction([{ sql: 'CREATE TABLE with_function (id int)' }, { sql: create }])
      expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: '42601' } })
      const position = result.ok ? undefined : result.error.position
      expect(position).toBeDefined()
      expect(create.slice(position! - 1)).toMatch(/^;\nEND/)
      expect(await tableExists(ctx.url, 'with_function')).toBe(false)
    })

    test('a transaction over 65,536 characters commits whole, or not at all', async () => {
      await ctx.target.query('CREATE TABLE big (id int PRIMARY KEY, filler text)')
      const filler = 'x'.repeat(3000)
      const statements: TxStatement[] = Array.from({ length: 30 }, (_, i) => ({
        sql: `INSERT INTO big VALUES (${i}, '${filler}')`,
        expectRows: 1
      }))
      const before = ctx.calls?.()
      expect(await transaction(statements)).toMatchObject({ ok: true })
      if (before !== undefined && packed) {
        // Two blocks in one transaction: BeginTransaction, two calls, CommitTransaction.
        expect(ctx.calls!() - before).toBe(4)
      }
      expect(await sql(ctx.url, 'SELECT count(*)::int AS c FROM big')).toEqual([{ c: 30 }])
      const failing = [
        ...statements.map((s) => ({ ...s, sql: s.sql.replace('VALUES (', 'VALUES (100 + ') })),
        { sql: 'INSERT INTO big VALUES (0)' }
      ]
      expect(await transaction(failing)).toMatchObject({ ok: false, phase: 'statement', failedIndex: 30, error: { sqlState: '23505' } })
      expect(await sql(ctx.url, 'SELECT count(*)::int AS c FROM big')).toEqual([{ c: 30 }])
    })

    if (packed) {
      test('a packed transaction costs one call', async () => {
        await ctx.target.query('CREATE TABLE one_call (id int)')
        const before = ctx.calls?.()
        const result = await transaction([
          { sql: 'INSERT INTO one_call VALUES (:id)', params: { id: 1 }, expectRows: 1 },
          { sql: 'INSERT INTO one_call VALUES (2)' },
          { sql: 'SELECT id FROM one_call', expectRows: 2 }
        ])
        expect(result).toEqual({ ok: true, results: [] })
        if (before !== undefined) expect(ctx.calls!() - before).toBe(1)
        expect(await sql(ctx.url, 'SELECT id FROM one_call ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
      })

      test('transaction control inside the transaction cannot escape it', async () => {
        await ctx.target.query('CREATE TABLE escape (id int)')
        for (const control of ['COMMIT', 'ROLLBACK', 'END', 'BEGIN']) {
          const result = await transaction([
            { sql: 'INSERT INTO escape VALUES (1)' },
            { sql: control },
            { sql: 'INSERT INTO escape VALUES (2)' },
            { sql: 'SELECT 1 / 0' }
          ])
          // PostgreSQL refuses it there (EXECUTE does not run transaction commands), and it is reported as the statement's failure.
          expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: '0A000' } })
          expect(await sql(ctx.url, 'SELECT * FROM escape')).toEqual([])
        }
        await ctx.target.query('CREATE PROCEDURE commits() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$')
        const viaProcedure = await transaction([
          { sql: 'INSERT INTO escape VALUES (1)' },
          { sql: 'CALL commits()' },
          { sql: 'SELECT 1 / 0' }
        ])
        expect(viaProcedure).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: '2D000' } })
        expect(await sql(ctx.url, 'SELECT * FROM escape')).toEqual([])
      })

      test('savepoints nest inside the transaction (it runs statement by statement)', async () => {
        const result = await transaction([
          { sql: 'CREATE TABLE sp_a (id int)' },
          { sql: 'SAVEPOINT s' },
          { sql: 'CREATE TABLE sp_b (id int)' },
          { sql: 'ROLLBACK TO SAVEPOINT s' },
          { sql: 'RELEASE s' }
        ])
        expect(result).toMatchObject({ ok: true })
        expect(await tableExists(ctx.url, 'sp_a')).toBe(true)
        expect(await tableExists(ctx.url, 'sp_b')).toBe(false)
      })

      test('a statement the packed form refuses runs statement by statement', async () => {
        const result = await transaction([{ sql: 'CREATE TABLE src (id int)' }, { sql: 'SELECT 1 AS id INTO made_by_select_into' }])
        expect(result).toEqual({ ok: true, results: expect.any(Array) })
        expect(await sql(ctx.url, 'SELECT id FROM made_by_select_into')).toEqual([{ id: 1 }])
        expect(await tableExists(ctx.url, 'src')).toBe(true)
      })
    }

    test('an empty transaction commits', async () => {
      expect(await transaction([])).toEqual({ ok: true, results: [] })
    })

    test('description never contains a secret', async () => {
      expect(ctx.target.description).not.toMatch(/test-password|secret/i)
    })
  })
}
