/**
 * MySQL's SQL for the engine's end-to-end cases (testkit/contract/engine-cases.ts): each case's migration files,
 * the queries that look at what a run left behind, and what MySQL (and MariaDB) answer. MySQL's DDL commits by
 * itself, so the cases where a failed version leaves nothing of itself are PostgreSQL's only; `stepsHalfWay` is
 * MySQL's counterpart: what ran before the failed statement stays, journaled, and a re-run resumes.
 *
 * A file may not switch the database (USE: `schemaSwitchRefused`), so PostgreSQL's search_path cases are not
 * MySQL's. Databases a case creates are the server's, not the test database's: `cleanup` drops them. Where a
 * case expects a relation in 'public' (the default place), the test database reads as 'public'.
 */
import path from 'node:path'
import { mysqlMetaTables } from '../../../src/dialects/mysql/identifiers.js'
import type { EngineCases } from '../fixture.js'

const NOW = 'UTC_TIMESTAMP(6)'
const leaseState = `SELECT owner, expires_at < ${NOW} AS free FROM schema_migrations_lock`
const tableNamed = (name: string) => `SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '${name}'`
const tableB = tableNamed('b')
const versions = 'SELECT version FROM schema_migrations'
const versionsInOrder = 'SELECT version FROM schema_migrations ORDER BY 1'
const tablesNamed = (names: string[]) =>
  `SELECT TABLE_NAME AS table_name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (${names
    .map((n) => `'${n}'`)
    .join(', ')}) ORDER BY 1`
/** Where each of these tables was created: its database ('public' for the test's own) and name, by name. */
const placed = (names: string[]) =>
  `SELECT IF(TABLE_SCHEMA = DATABASE(), 'public', TABLE_SCHEMA) AS \`schema\`, TABLE_NAME AS name FROM information_schema.TABLES
   WHERE TABLE_SCHEMA IN (DATABASE(), 'app', 'other') AND TABLE_NAME IN (${names.map((n) => `'${n}'`).join(', ')}) ORDER BY TABLE_NAME`

export const engineCases: EngineCases = {
  tables: (database) => mysqlMetaTables(database, 'schema_migrations'),
  yes: 1,
  cleanup: ['DROP DATABASE IF EXISTS app', 'DROP DATABASE IF EXISTS other'],
  /** The ToDo schema of examples/todo in MySQL: triggers and a function with bodies, DELIMITER, an ENUM column, a view. */
  todo: path.resolve('testkit/contract/mysql/todo'),
  todoApplied: {
    tables: `SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME SEPARATOR ',') AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()`,
    tableList: 'lists,notes,overdue_notes,schema_migrations,schema_migrations_lock,schema_migrations_progress,users',
    rows: 'SELECT * FROM schema_migrations ORDER BY version',
    lease: leaseState
  },
  drift: {
    files: { 'v1/01_a.sql': 'CREATE TABLE a (id INT);', 'v2/01_b.sql': 'CREATE TABLE b (id INT);' },
    edited: { 'v1/01_a.sql': 'CREATE TABLE a (id BIGINT);' },
    tableB
  },
  stepsHalfWay: {
    files: {
      'v1/01_a.sql': 'CREATE TABLE a (id INT PRIMARY KEY);',
      'v2/01_b.sql': "CREATE TABLE b (id INT PRIMARY KEY, note VARCHAR(20));\nINSERT INTO b VALUES (1, 'one'), (2, 'two');\n",
      // Step 4 adds `note` again: error 1060 after steps 1–3 committed.
      'v2/02_c.sql': 'CREATE TABLE c (id INT);\n\n  ALTER TABLE b ADD COLUMN note VARCHAR(20);\nCREATE TABLE d (id INT);\n',
      'v3/01_e.sql': 'CREATE TABLE e (id INT);'
    },
    fixed: { 'v2/02_c.sql': 'CREATE TABLE c (id INT);\n\n  ALTER TABLE b ADD COLUMN status VARCHAR(20);\nCREATE TABLE d (id INT);\n' },
    location: { file: 'v2/02_c.sql', line: 3 },
    sqlState: '42S21',
    message:
      /^v2 failed at v2\/02_c.sql:3:3: Duplicate column name 'note' \(error 1060, SQLSTATE 42S21\)\..*steps 1–3 of 5 ran and stay applied/,
    tables: tablesNamed(['a', 'b', 'c', 'd', 'e']),
    failedTables: ['a', 'b', 'c'],
    resumedTables: ['a', 'b', 'c', 'd', 'e'],
    journal: 'SELECT version, step, state FROM schema_migrations_progress ORDER BY version, step',
    journaled: [0, 1, 2].map((step) => ({ version: 2, step, state: 'done' })),
    rows: 'SELECT id, note, status FROM b ORDER BY id',
    resumedRows: [
      { id: 1, note: 'one', status: null },
      { id: 2, note: 'two', status: null }
    ],
    resumedLog: /Resuming v2 after step 3 of 5/,
    versionsInOrder,
    lease: leaseState
  },
  schemaSwitchRefused: {
    files: {
      'v1/01_a.sql': 'CREATE TABLE a (id INT);',
      'v2/01_schema.sql': 'CREATE DATABASE app;\n  USE app;\nCREATE TABLE in_app (id INT);\n'
    },
    location: { file: 'v2/01_schema.sql', line: 2, column: 3 },
    message: /^v2\/01_schema.sql:2:3: USE app cannot be part of a MySQL migration: .*\(`app`.`t`\), and remove the USE\.$/,
    tables: 'SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()'
  },
  concurrent: {
    file: (v: number): string => `CREATE TABLE t${v} (id INT); INSERT INTO t${v} VALUES (${v}); SELECT SLEEP(0.05);`,
    counts: 'SELECT (SELECT COUNT(*) FROM t1) + (SELECT COUNT(*) FROM t6) AS n'
  },
  liveLease: {
    files: { 'v1/01.sql': 'CREATE TABLE a (id INT);' },
    holder: `UPDATE schema_migrations_lock SET owner = 'https://github.com/o/r/actions/runs/99 (hubot)', token = 7, expires_at = ${NOW} + INTERVAL 1 HOUR`,
    rows: 'SELECT * FROM schema_migrations'
  },
  expiredLease: {
    files: { 'v1/01.sql': 'CREATE TABLE a (id INT);' },
    crashed: `UPDATE schema_migrations_lock SET owner = 'crashed run', token = 41, expires_at = ${NOW} - INTERVAL 1 SECOND`,
    token: 'SELECT CAST(token AS CHAR) AS token FROM schema_migrations_lock',
    next: '42'
  },
  sessionSettings: {
    files: {
      'v1/01.sql': 'CREATE DATABASE other;',
      'v2/01.sql': 'CREATE TABLE other.in_other (id INT);',
      'v3/01.sql': 'CREATE TABLE in_public (id INT);',
      // mysqldump's header: no auto-increment for 0, no foreign key checks, for the session.
      'v4/01.sql':
        "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\nCREATE TABLE dumped (id INT);",
      // Two zeros are two new ids unless NO_AUTO_VALUE_ON_ZERO outlived v4 (then the second is a duplicate).
      'v5/01.sql':
        'CREATE TABLE after_dump (id INT AUTO_INCREMENT PRIMARY KEY);\nINSERT INTO after_dump VALUES (0);\nINSERT INTO after_dump VALUES (0);',
      'v6/01.sql': "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES');\nSELECT 1;",
      // "a" is a string unless ANSI_QUOTES outlived v6 (then an unknown column).
      'v7/01.sql': 'CREATE TABLE after_read_only (id INT);\nINSERT INTO after_read_only SELECT 1 FROM DUAL WHERE "a" = \'a\';'
    },
    placed: placed(['in_other', 'in_public', 'dumped', 'after_dump', 'after_read_only']),
    versionsInOrder,
    lease: leaseState
  },
  leaseTakenOver: {
    files: {
      // The version itself hands the lease to someone else, as a run that took it over would.
      'v1/01.sql': `UPDATE schema_migrations_lock SET owner = 'intruder run', token = token + 100, expires_at = ${NOW} + INTERVAL 1 HOUR;`,
      'v2/01.sql': 'CREATE TABLE b (id INT);'
    },
    versions,
    tableB,
    lease: 'SELECT owner, CAST(token AS SIGNED) AS token FROM schema_migrations_lock'
  },
  fenceError: {
    files: {
      // The trigger runs as a statement of its own, before v1 is recorded (which extends the lease too): it freezes the
      // lock table once the row of \`frozen\`, written with v1's meta row after its fence, is there.
      'v1/01.sql':
        'CREATE TABLE frozen (id INT);\n' +
        'CREATE TRIGGER freeze BEFORE UPDATE ON schema_migrations_lock FOR EACH ROW\n' +
        "BEGIN\n  IF EXISTS (SELECT 1 FROM frozen) THEN\n    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the lock table is frozen';\n  END IF;\nEND;\n" +
        'INSERT INTO frozen VALUES (1);',
      // A version that starts with DML: its transaction's fence is the first statement to extend the lease.
      // (One that starts with DDL renews the lease first, outside a transaction, and fails there, as itself too.)
      'v2/01.sql': 'INSERT INTO frozen VALUES (2);\nCREATE TABLE b (id INT);'
    },
    message:
      /^The transaction of v2 failed at its first statement, which extends the migration lease in .*: the lock table is frozen \(error 1644, SQLSTATE 45000\)\./,
    versions,
    tableB,
    owner: 'SELECT owner FROM schema_migrations_lock'
  }
}
