/** MySQL's transaction-control statements (transaction.ts) and the syntax part built from the splitter. */
import { cannotRunInTransaction, transactionControl } from '../../src/dialects/mysql/transaction.js'
import { syntax } from '../../src/dialects/mysql/syntax.js'
import type { TransactionControlKind } from '../../src/migrations/types.js'

/** [sql, the statement as messages name it, kind, ends the transaction, asks for other modes] */
const forms: Array<[string, string, TransactionControlKind, boolean, boolean]> = [
  ['BEGIN', 'BEGIN', 'begin', false, false],
  ['begin work', 'BEGIN', 'begin', false, false],
  ['START TRANSACTION', 'START TRANSACTION', 'begin', false, false],
  ['start transaction read write', 'START TRANSACTION READ WRITE', 'begin', false, false],
  ['START TRANSACTION READ ONLY', 'START TRANSACTION READ ONLY', 'begin', false, true],
  ['START TRANSACTION WITH CONSISTENT SNAPSHOT', 'START TRANSACTION WITH CONSISTENT SNAPSHOT', 'begin', false, true],
  ['COMMIT', 'COMMIT', 'commit', true, false],
  ['commit work and no chain no release', 'COMMIT', 'commit', true, false],
  ['COMMIT AND CHAIN', 'COMMIT AND CHAIN', 'commit', false, false],
  ['COMMIT RELEASE', 'COMMIT RELEASE', 'commit', false, false],
  ['ROLLBACK', 'ROLLBACK', 'rollback', false, false],
  ['rollback work', 'ROLLBACK', 'rollback', false, false],
  ['ROLLBACK TO SAVEPOINT s', 'ROLLBACK TO SAVEPOINT', 'savepoint', false, false],
  ['rollback work to s', 'ROLLBACK TO SAVEPOINT', 'savepoint', false, false],
  ['SAVEPOINT s', 'SAVEPOINT', 'savepoint', false, false],
  ['RELEASE SAVEPOINT s', 'RELEASE SAVEPOINT', 'savepoint', false, false],
  ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'modes', false, true],
  ['set session transaction read only', 'SET TRANSACTION READ ONLY', 'modes', false, true],
  ['SET autocommit = 0', 'SET autocommit', 'modes', false, true],
  ['SET @@autocommit=1', 'SET autocommit', 'modes', false, true],
  ['set @@session.autocommit = OFF', 'SET autocommit', 'modes', false, true],
  ['SET SESSION autocommit = 0', 'SET autocommit', 'modes', false, true],
  ['LOCK TABLES t WRITE', 'LOCK TABLES', 'commit', false, false],
  ['unlock tables', 'UNLOCK TABLES', 'commit', false, false],
  ["XA START 'x'", 'XA START', 'prepare', false, false],
  ["XA END 'x'", 'XA END', 'prepare', false, false],
  ["XA PREPARE 'x'", 'XA PREPARE', 'prepare', false, false],
  ["XA COMMIT 'x'", 'XA COMMIT', 'prepared', false, false],
  ["xa rollback 'x'", 'XA ROLLBACK', 'prepared', false, false],
  ['/* why */ # and how\nCOMMIT', 'COMMIT', 'commit', true, false],
  ['/*!40101 START TRANSACTION */', 'START TRANSACTION', 'begin', false, false]
]

test.each(forms)('%j is %j', (sql, statement, kind, endsTransaction, changesModes) => {
  expect(transactionControl(sql)).toEqual({ statement, kind, endsTransaction, changesModes })
})

const none = [
  'SELECT 1',
  "SELECT 'COMMIT'",
  '-- COMMIT\nSELECT 1',
  'SET @x = 1',
  "SET sql_mode = 'ANSI_QUOTES'",
  'BEGIN NOT ATOMIC SELECT 1; END',
  'CREATE PROCEDURE p() BEGIN COMMIT; END',
  'XA RECOVER',
  'USE other_db',
  'CREATE TABLE `commit` (a INT)'
]

test.each(none)('%j is no transaction control', (sql) => {
  expect(transactionControl(sql)).toBeNull()
})

test('no statement is reported as unable to run in a transaction (DDL commits implicitly; the engine runs MySQL versions in steps)', () => {
  for (const sql of ['ALTER TABLE t ADD COLUMN b INT', 'CREATE TABLE t (a INT)', 'DROP TABLE t', 'INSERT INTO t VALUES (1)']) {
    expect(cannotRunInTransaction(sql)).toBeNull()
  }
})

test('the syntax part splits in the default mode and reads transaction control', () => {
  const statements = syntax.split("BEGIN;\nINSERT INTO t VALUES ('a\\';b');\nCOMMIT;", 'v1/01.sql')
  expect(statements).toEqual([
    { sql: 'BEGIN', file: 'v1/01.sql', line: 1, column: 1 },
    { sql: "INSERT INTO t VALUES ('a\\';b')", file: 'v1/01.sql', line: 2, column: 1 },
    { sql: 'COMMIT', file: 'v1/01.sql', line: 3, column: 1 }
  ])
  expect(statements.map((s) => syntax.transactionControl(s.sql)?.kind ?? null)).toEqual(['begin', null, 'commit'])
  expect(syntax.cannotRunInTransaction('ALTER TABLE t ADD b INT')).toBeNull()
})
