/**
 * PostgreSQL's SQL for the target contract (testkit/contract/target-contract.ts), and what PostgreSQL answers to
 * it: the statements each case runs, the rows, SQLSTATEs, messages and positions it expects.
 */
import type { TxStatement } from '../../../src/targets/target.js'

/** Statements typed as a transaction takes them. */
const tx = (statements: TxStatement[]): TxStatement[] => statements

const tricky = "it's :x and ''quoted'' -- not a comment"

export const targetContract = {
  shapes: {
    sql: `SELECT 1::int AS i, 2::smallint AS s, 5000000000::bigint AS b, 'text' AS t, true AS yes, false AS no,
                NULL::text AS n, '{"a": [1, 2], "b": "x"}'::jsonb AS j,
                '2024-01-02 03:04:05.123+00'::timestamptz AS ts, 1.50::numeric(5,2) AS d, 2.5::float8 AS f`,
    rows: [
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
    ]
  },
  noRows: 'SELECT 1 AS one WHERE false',
  selectOne: 'SELECT 1 AS one',
  namedParameters: {
    sql: `SELECT :s::text AS s, :n::text AS n, :i::int AS i, :b::boolean AS b, ':s' AS literal,
                :s::text = :s::text AS same -- :s in a comment`,
    params: { s: tricky, n: null, i: 42, b: true },
    rows: [{ s: tricky, n: null, i: 42, b: true, literal: ':s', same: true }]
  },
  dmlParameters: {
    create: 'CREATE TABLE items (id int PRIMARY KEY, name text, at timestamptz)',
    insert: 'INSERT INTO items (id, name, at) VALUES (:id, :name, :at::timestamptz) RETURNING id, name, at',
    select: 'SELECT name FROM items WHERE id = :id AND name = :name'
  },
  affectedRows: {
    create: 'CREATE TABLE t (id int PRIMARY KEY, v int)',
    insert3: 'INSERT INTO t VALUES (1, 0), (2, 0), (3, 1)',
    update2: 'UPDATE t SET v = 5 WHERE v = 0',
    delete1: 'DELETE FROM t WHERE id = 3',
    update0: 'UPDATE t SET v = 6 WHERE id = 99',
    count: 'SELECT count(*) AS c FROM t',
    /** count(*) is a bigint: a string. */
    counted: [{ c: '2' }]
  },
  errors: {
    syntax: { sql: 'SELEC 1', info: { sqlState: '42601', position: 1 }, message: 'syntax error at or near "SELEC"' },
    missing: {
      sql: 'SELECT * FROM missing_table',
      info: { sqlState: '42P01', position: 15 },
      message: 'relation "missing_table" does not exist'
    },
    duplicateSetup: ['CREATE TABLE u (id int PRIMARY KEY)', 'INSERT INTO u VALUES (1)'],
    duplicate: {
      sql: 'INSERT INTO u VALUES (1)',
      info: { sqlState: '23505', detail: 'Key (id)=(1) already exists.' },
      message: 'duplicate key value violates unique constraint "u_pkey"'
    }
  },
  hint: {
    setup: ['CREATE TABLE parent (id int)', 'CREATE VIEW child AS SELECT id FROM parent'],
    sql: 'DROP TABLE parent',
    sqlState: '2BP01',
    hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
    detail: 'view child depends on table parent'
  },
  commits: {
    statements: [
      { sql: 'CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)' },
      { sql: 'INSERT INTO accounts VALUES (1, 100), (2, 50)' },
      { sql: 'UPDATE accounts SET balance = balance - :amount WHERE id = :id', params: { amount: 30, id: 1 }, expectRows: 1 },
      { sql: 'SELECT id, balance FROM accounts ORDER BY id' }
    ],
    check: 'SELECT id, balance FROM accounts ORDER BY id'
  },
  rollsBack: {
    setup: 'CREATE TABLE kept (id int)',
    statements: [
      { sql: 'INSERT INTO kept VALUES (1)' },
      { sql: 'INSERT INTO no_such_table VALUES (1)' },
      { sql: 'INSERT INTO kept VALUES (2)' }
    ],
    sqlState: '42P01',
    message: 'relation "no_such_table" does not exist',
    check: 'SELECT * FROM kept'
  },
  ddlRollsBack: {
    statements: [
      { sql: 'CREATE TABLE ddl_rolled_back (id int)' },
      { sql: 'ALTER TABLE ddl_rolled_back ADD COLUMN name text' },
      { sql: 'CREATE INDEX ddl_idx ON ddl_rolled_back (name)' },
      { sql: 'SELECT 1 / 0' }
    ],
    sqlState: '22012',
    relations: ['ddl_rolled_back', 'ddl_idx']
  },
  failedGuard: {
    setup: ['CREATE TABLE leases (name text PRIMARY KEY, token int)', "INSERT INTO leases VALUES ('main', 1)"],
    update: [
      { sql: "INSERT INTO leases VALUES ('other', 5)" },
      { sql: "UPDATE leases SET token = token + 1 WHERE name = 'main' AND token = :token", params: { token: 99 }, expectRows: 1 }
    ],
    select: [
      { sql: "UPDATE leases SET token = 2 WHERE name = 'main'" },
      { sql: 'SELECT name, token FROM leases ORDER BY name', expectRows: 0 }
    ],
    selectRows: [{ name: 'main', token: 2 }],
    check: 'SELECT name, token FROM leases ORDER BY name',
    kept: [{ name: 'main', token: 1 }]
  },
  guardHolds: {
    setup: 'CREATE TABLE g (id int)',
    statements: [
      { sql: 'INSERT INTO g VALUES (1), (2)', expectRows: 2 },
      { sql: 'SELECT id FROM g ORDER BY id', expectRows: 2 }
    ],
    check: 'SELECT count(*)::int AS c FROM g'
  },
  functionBody: {
    create: `CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE plpgsql AS $$
        BEGIN
          -- a semicolon; and a :param-looking word inside the body
          RETURN i + 1;
        END;
      $$`,
    call: 'SELECT add_one(41) AS v',
    statements: [
      {
        sql: `CREATE FUNCTION twice(i int) RETURNS int LANGUAGE plpgsql AS $body$
            DECLARE r int;
            BEGIN r := i * 2; RETURN r; END;
          $body$`
      },
      { sql: 'DO $$ BEGIN PERFORM twice(1); END $$' },
      { sql: 'SELECT twice(21) AS v' }
    ],
    callTwice: 'SELECT twice(21) AS v'
  },
  commitConstraint: {
    setup: ['CREATE TABLE p (id int PRIMARY KEY)', 'CREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED)'],
    statements: [{ sql: 'INSERT INTO c VALUES (5)' }],
    sqlState: '23503',
    check: 'SELECT * FROM c'
  },
  failedCommit: {
    setup: 'CREATE TABLE d (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)',
    statements: [
      { sql: 'CREATE TABLE d_side (id int)', label: 'first' },
      { sql: 'INSERT INTO d VALUES (1)' },
      { sql: 'INSERT INTO d VALUES (1)', label: 'record' }
    ],
    sqlState: '23505',
    message: 'duplicate key value violates unique constraint "d_id_key"',
    check: 'SELECT * FROM d',
    side: 'd_side',
    next: 'INSERT INTO d VALUES (2)',
    checkNext: 'SELECT id FROM d'
  },
  labels: {
    setup: 'CREATE TABLE labelled (id int PRIMARY KEY)',
    labelled: [
      { sql: 'INSERT INTO labelled VALUES (1)', label: 'first' },
      { sql: 'INSERT INTO labelled VALUES (1)', label: 'record' },
      { sql: 'INSERT INTO labelled VALUES (3)', label: 'last' }
    ],
    duplicate: '23505',
    guarded: [
      { sql: 'INSERT INTO labelled VALUES (4)' },
      { sql: 'SELECT id FROM labelled WHERE id = 4', expectRows: 0, label: 'not-applied' }
    ],
    guardedRows: [{ id: 4 }],
    unlabelled: [{ sql: 'INSERT INTO labelled VALUES (5)', label: 'first' }, { sql: 'SELECT 1 / 0' }],
    divisionByZero: '22012',
    check: 'SELECT * FROM labelled'
  },
  sessionSettings: {
    setup: ['CREATE SCHEMA other', 'CREATE TABLE public.marker (id int)'],
    change: tx([
      { sql: 'SET search_path = other' },
      { sql: "SELECT set_config('lock_timeout', '1234', false)" },
      { sql: 'SET default_transaction_read_only = on' },
      { sql: 'CREATE TEMPORARY TABLE scratch (id int)' },
      { sql: 'SELECT current_setting(:name) AS search_path', params: { name: 'search_path' } },
      // A guard holds only while the setting is in force: checked the same way with results or without.
      { sql: "SELECT 1 WHERE current_setting('search_path') = :value", params: { value: 'other' }, expectRows: 1 }
    ]),
    changedRows: [{ search_path: 'other' }],
    settings:
      "SELECT current_setting('search_path') AS search_path, current_setting('lock_timeout') AS lock_timeout, " +
      "current_setting('default_transaction_read_only') AS read_only, to_regclass('pg_temp.scratch') IS NULL AS no_scratch",
    fresh: { search_path: '"$user", public', lock_timeout: '0', read_only: 'off', no_scratch: true },
    // The next transaction: it may write, and an unqualified table lands in public.
    freshCheck:
      "SELECT 1 WHERE current_setting('search_path') = '\"$user\", public' AND current_setting('lock_timeout') = '0' " +
      "AND current_setting('default_transaction_read_only') = 'off' AND to_regclass('pg_temp.scratch') IS NULL",
    unqualified: 'CREATE TABLE unqualified (id int)',
    whereUnqualified: "SELECT table_schema FROM information_schema.tables WHERE table_name = 'unqualified'",
    unqualifiedSchema: [{ table_schema: 'public' }]
  },
  syntaxInTransaction: {
    statements: [
      { sql: 'CREATE TABLE before_error (id int)' },
      { sql: 'SELECT id FROM before_error WHERE id = 1 ORDER id' },
      { sql: 'CREATE TABLE after_error (id int)' }
    ],
    error: { sqlState: '42601', position: 48 },
    message: 'syntax error at or near "id"',
    missing: [{ sql: 'CREATE TABLE m1 (id int)' }, { sql: 'INSERT INTO m1 SELECT id FROM no_such_relation' }],
    missingError: { sqlState: '42P01', position: 31, message: 'relation "no_such_relation" does not exist' },
    relations: ['before_error', 'm1']
  },
  errorInFunctionBody: {
    setup: { sql: 'CREATE TABLE with_function (id int)' },
    create: `CREATE FUNCTION broken() RETURNS int LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN 1 +;
END
$fn$`,
    sqlState: '42601',
    /** The text at the reported position onwards. */
    at: /^;\nEND/,
    relation: 'with_function'
  },
  large: {
    create: 'CREATE TABLE big (id int PRIMARY KEY, filler text)',
    insert: (i: number, filler: string): string => `INSERT INTO big VALUES (${i}, '${filler}')`,
    /** The same insert with its key moved out of the way of the first ones. */
    moved: (sql: string): string => sql.replace('VALUES (', 'VALUES (100 + '),
    duplicate: 'INSERT INTO big VALUES (0)',
    sqlState: '23505',
    count: 'SELECT count(*)::int AS c FROM big'
  },
  oneCall: {
    setup: 'CREATE TABLE one_call (id int)',
    statements: [
      { sql: 'INSERT INTO one_call VALUES (:id)', params: { id: 1 }, expectRows: 1 },
      { sql: 'INSERT INTO one_call VALUES (2)' },
      { sql: 'SELECT id FROM one_call', expectRows: 2 }
    ],
    check: 'SELECT id FROM one_call ORDER BY id'
  },
  transactionControl: {
    setup: 'CREATE TABLE escape (id int)',
    controls: ['COMMIT', 'ROLLBACK', 'END', 'BEGIN'],
    around: (control: string) => [
      { sql: 'INSERT INTO escape VALUES (1)' },
      { sql: control },
      { sql: 'INSERT INTO escape VALUES (2)' },
      { sql: 'SELECT 1 / 0' }
    ],
    // PostgreSQL refuses it there (EXECUTE does not run transaction commands), and it is reported as the statement's failure.
    refused: '0A000',
    check: 'SELECT * FROM escape',
    procedure: 'CREATE PROCEDURE commits() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$',
    viaProcedure: [{ sql: 'INSERT INTO escape VALUES (1)' }, { sql: 'CALL commits()' }, { sql: 'SELECT 1 / 0' }],
    invalidTermination: '2D000'
  },
  savepoints: {
    statements: [
      { sql: 'CREATE TABLE sp_a (id int)' },
      { sql: 'SAVEPOINT s' },
      { sql: 'CREATE TABLE sp_b (id int)' },
      { sql: 'ROLLBACK TO SAVEPOINT s' },
      { sql: 'RELEASE s' }
    ],
    kept: 'sp_a',
    rolledBack: 'sp_b'
  },
  /** A statement the packed form refuses (SELECT INTO cannot run inside EXECUTE): the transaction runs statement by statement. */
  unpackable: {
    statements: [{ sql: 'CREATE TABLE src (id int)' }, { sql: 'SELECT 1 AS id INTO made_by_select_into' }],
    check: 'SELECT id FROM made_by_select_into',
    created: 'src'
  }
}
