/**
 * MySQL's SQL for the target contract (testkit/contract/target-contract.ts), and what MySQL (and MariaDB, the
 * suite's server here) answers to it. Left out, as MySQL does not do them: RETURNING (dmlParameters), error hints
 * and positions, transactional DDL (ddlRollsBack, syntaxInTransaction, errorInFunctionBody, savepoints around
 * DDL), deferred constraints (commitConstraint, failedCommit) and the packed form (transactionControl,
 * unpackable). What MySQL does instead with DDL in a transaction is ddlCommitsImplicitly.
 */
import type { TxStatement } from '../../../src/targets/target.js'
import type { TargetContractCases } from '../fixture.js'

const tx = (statements: TxStatement[]): TxStatement[] => statements

const tricky = "it's :x and ''quoted'' -- not a comment"

export const targetContract: TargetContractCases = {
  shapes: {
    sql: `SELECT CAST(1 AS SIGNED) AS i, CAST(2 AS SIGNED) AS s, 5000000000 AS b, 'text' AS t, CAST(1 AS UNSIGNED) = 1 AS yes, NULL AS n,
                JSON_OBJECT('a', JSON_ARRAY(1, 2), 'b', 'x') AS j, CAST('2024-01-02 03:04:05.123' AS DATETIME(3)) AS ts,
                CAST(1.50 AS DECIMAL(5,2)) AS d, CAST(2.5 AS DOUBLE) AS f`,
    rows: [
      {
        i: 1,
        s: 2,
        b: 5000000000,
        t: 'text',
        // MySQL has no boolean: a comparison is an integer.
        yes: 1,
        n: null,
        j: '{"a": [1, 2], "b": "x"}',
        ts: '2024-01-02T03:04:05.123Z',
        d: '1.50',
        f: 2.5
      }
    ]
  },
  noRows: 'SELECT 1 AS one FROM DUAL WHERE FALSE',
  selectOne: 'SELECT 1 AS one',
  namedParameters: {
    sql: `SELECT :s AS s, :n AS n, :i AS i, :b AS b, ':s' AS literal,
                :s = :s AS same -- :s in a comment`,
    params: { s: tricky, n: null, i: 42, b: true },
    // MySQL has no boolean: true is bound as 1, and a comparison is an integer.
    rows: [{ s: tricky, n: null, i: 42, b: 1, literal: ':s', same: 1 }]
  },
  affectedRows: {
    create: 'CREATE TABLE t (id int PRIMARY KEY, v int)',
    insert3: 'INSERT INTO t VALUES (1, 0), (2, 0), (3, 1)',
    update2: 'UPDATE t SET v = 5 WHERE v = 0',
    delete1: 'DELETE FROM t WHERE id = 3',
    update0: 'UPDATE t SET v = 6 WHERE id = 99',
    count: 'SELECT COUNT(*) AS c FROM t',
    counted: [{ c: 2 }]
  },
  errors: {
    syntax: { sql: 'SELEC 1', info: { sqlState: '42000', errno: 1064 }, message: 'You have an error in your SQL syntax' },
    missing: {
      sql: 'SELECT missing_column FROM DUAL',
      info: { sqlState: '42S22', errno: 1054 },
      // MySQL names the clause 'field list', MariaDB 10.11 the statement.
      message: /^Unknown column 'missing_column' in '(field list|SELECT)'$/
    },
    duplicateSetup: ['CREATE TABLE u (id int PRIMARY KEY)', 'INSERT INTO u VALUES (1)'],
    duplicate: {
      sql: 'INSERT INTO u VALUES (1)',
      info: { sqlState: '23000', errno: 1062 },
      // MySQL 8 names the key u.PRIMARY, MariaDB PRIMARY.
      message: /^Duplicate entry '1' for key '(u\.)?PRIMARY'$/
    }
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
      { sql: 'INSERT INTO kept (nope) VALUES (1)' },
      { sql: 'INSERT INTO kept VALUES (2)' }
    ],
    sqlState: '42S22',
    message: /^Unknown column 'nope' in '(field list|INSERT INTO)'$/,
    check: 'SELECT * FROM kept'
  },
  ddlCommitsImplicitly: {
    setup: 'CREATE TABLE before_ddl (id int)',
    statements: [
      { sql: 'INSERT INTO before_ddl VALUES (1)' },
      { sql: 'CREATE TABLE made_by_ddl (id int)' },
      { sql: 'INSERT INTO before_ddl VALUES (2)' },
      { sql: 'INSERT INTO made_by_ddl (nope) VALUES (1)' }
    ],
    failedIndex: 3,
    error: { sqlState: '42S22', errno: 1054 },
    relations: ['made_by_ddl'],
    check: 'SELECT id FROM before_ddl ORDER BY id',
    // Row 1 was committed by the CREATE TABLE; row 2 came after it and was rolled back with the failure.
    kept: [{ id: 1 }]
  },
  failedGuard: {
    setup: ['CREATE TABLE leases (name varchar(20) PRIMARY KEY, token int)', "INSERT INTO leases VALUES ('main', 1)"],
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
    check: 'SELECT COUNT(*) AS c FROM g'
  },
  functionBody: {
    create: `CREATE FUNCTION add_one(i int) RETURNS int DETERMINISTIC
        BEGIN
          -- a semicolon; and a :param-looking word inside the body
          RETURN i + 1;
        END`,
    call: 'SELECT add_one(41) AS v',
    statements: [
      {
        sql: `CREATE FUNCTION twice(i int) RETURNS int DETERMINISTIC
            BEGIN DECLARE r int; SET r := i * 2; RETURN r; END`
      },
      { sql: 'DO twice(1)' },
      { sql: 'SELECT twice(21) AS v' }
    ],
    callTwice: 'SELECT twice(21) AS v'
  },
  labels: {
    setup: 'CREATE TABLE labelled (id int PRIMARY KEY)',
    labelled: [
      { sql: 'INSERT INTO labelled VALUES (1)', label: 'first' },
      { sql: 'INSERT INTO labelled VALUES (1)', label: 'record' },
      { sql: 'INSERT INTO labelled VALUES (3)', label: 'last' }
    ],
    duplicate: '23000',
    guarded: [
      { sql: 'INSERT INTO labelled VALUES (4)' },
      { sql: 'SELECT id FROM labelled WHERE id = 4', expectRows: 0, label: 'not-applied' }
    ],
    guardedRows: [{ id: 4 }],
    // MySQL's 1 / 0 is NULL (a warning): an unknown column fails instead.
    unlabelled: [{ sql: 'INSERT INTO labelled VALUES (5)', label: 'first' }, { sql: 'SELECT nope FROM labelled' }],
    divisionByZero: '42S22',
    check: 'SELECT * FROM labelled'
  },
  sessionSettings: {
    setup: ['CREATE TABLE marker (id int)'],
    change: tx([
      { sql: "SET SESSION sql_mode = 'ANSI_QUOTES'" },
      { sql: 'SET SESSION lock_wait_timeout = 1234' },
      { sql: "SET @marker = 'set'" },
      { sql: 'CREATE TEMPORARY TABLE scratch (id int)' },
      { sql: 'SELECT @@session.lock_wait_timeout AS lock_wait_timeout FROM DUAL WHERE :one = 1', params: { one: 1 } },
      // A guard holds only while the setting is in force.
      { sql: 'SELECT 1 FROM DUAL WHERE @@session.sql_mode = :value', params: { value: 'ANSI_QUOTES' }, expectRows: 1 }
    ]),
    changedRows: [{ lock_wait_timeout: 1234 }],
    settings:
      "SELECT @@session.sql_mode LIKE '%ANSI_QUOTES%' AS ansi, @@session.lock_wait_timeout = @@global.lock_wait_timeout AS lock_default, " +
      '@marker AS marker',
    fresh: { ansi: 0, lock_default: 1, marker: null },
    freshCheck:
      "SELECT 1 FROM DUAL WHERE @@session.sql_mode NOT LIKE '%ANSI_QUOTES%' AND @@session.lock_wait_timeout = @@global.lock_wait_timeout AND @marker IS NULL",
    // Fails (table exists) if the temporary table outlived its transaction.
    unqualified: 'CREATE TEMPORARY TABLE scratch (id int)',
    whereUnqualified: 'SELECT COUNT(*) AS c FROM marker',
    unqualifiedSchema: [{ c: 0 }]
  },
  large: {
    create: 'CREATE TABLE big (id int PRIMARY KEY, filler text)',
    insert: (i: number, filler: string): string => `INSERT INTO big VALUES (${i}, '${filler}')`,
    moved: (sql: string): string => sql.replace('VALUES (', 'VALUES (100 + '),
    duplicate: 'INSERT INTO big (id) VALUES (0)',
    sqlState: '23000',
    count: 'SELECT COUNT(*) AS c FROM big'
  },
  oneCall: {
    setup: 'CREATE TABLE one_call (id int)',
    statements: [
      { sql: 'INSERT INTO one_call VALUES (:id)', params: { id: 1 }, expectRows: 1 },
      { sql: 'INSERT INTO one_call VALUES (2)' },
      { sql: 'SELECT id FROM one_call', expectRows: 2 }
    ],
    check: 'SELECT id FROM one_call ORDER BY id'
  }
}
