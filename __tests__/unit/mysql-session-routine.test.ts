/**
 * MySQL's session routine (src/dialects/mysql/session-routine.ts): which statements may run inside a stored
 * procedure, read from their leading words (DEFINER clauses and executable comments included), and the texts
 * of the procedure that carries one statement with its session statements.
 */
import { routineName, runsInRoutine, sessionRoutine } from '../../src/dialects/mysql/session-routine.js'
import { wire } from '../../src/dialects/mysql/wire.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

const SESSION = ['SET SESSION lock_wait_timeout = 5', 'SET SESSION innodb_lock_wait_timeout = 5']

test.each([
  'ALTER TABLE t ADD COLUMN c INT',
  'CREATE TABLE t (id INT PRIMARY KEY)',
  'CREATE INDEX i ON t (c)',
  'CREATE OR REPLACE VIEW v AS SELECT 1',
  'CREATE DEFINER = CURRENT_USER VIEW v AS SELECT 1',
  'DROP TABLE IF EXISTS t',
  'RENAME TABLE a TO b',
  'TRUNCATE TABLE t',
  'INSERT INTO t VALUES (1)',
  '/* note */ ALTER TABLE t DROP COLUMN c',
  '(SELECT 1)'
])('%s may run inside a procedure', (sql) => {
  expect(runsInRoutine(sql)).toBe(true)
})

test.each([
  'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.c = 1',
  'CREATE DEFINER=`root`@`%` TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.c = 1',
  "CREATE DEFINER='app'@'localhost' PROCEDURE p() BEGIN SELECT 1; END",
  '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.c = 1 */',
  'CREATE OR REPLACE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.c = 1',
  'CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1',
  'CREATE AGGREGATE FUNCTION f RETURNS STRING SONAME "x.so"',
  'DROP TRIGGER IF EXISTS tr',
  'DROP PROCEDURE p',
  'ALTER PROCEDURE p COMMENT "x"',
  'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t',
  'ALTER EVENT e DISABLE',
  'DROP EVENT e',
  'ALTER VIEW v AS SELECT 2',
  'ALTER ALGORITHM = MERGE VIEW v AS SELECT 2',
  'LOCK TABLES t WRITE',
  'UNLOCK TABLES',
  "LOAD DATA INFILE 'x' INTO TABLE t",
  "LOAD XML INFILE 'x' INTO TABLE t",
  'USE other',
  'BEGIN',
  ''
])('%s may not run inside a procedure', (sql) => {
  expect(runsInRoutine(sql)).toBe(false)
  expect(sessionRoutine(sql, SESSION, 'abc123')).toBeNull()
})

test('the procedure: session statements, then the statement on lines of its own (a trailing comment cannot swallow END)', () => {
  const routine = sessionRoutine('ALTER TABLE t ADD COLUMN c INT -- wide\n;', SESSION, 'k1x2')!
  expect(routine.create).toBe(
    'CREATE PROCEDURE `aurora_migrate_session_k1x2`() SQL SECURITY INVOKER BEGIN\n' +
      'SET SESSION lock_wait_timeout = 5;\nSET SESSION innodb_lock_wait_timeout = 5;\n' +
      'ALTER TABLE t ADD COLUMN c INT -- wide\n;\nEND'
  )
  expect(routine.call).toBe('CALL `aurora_migrate_session_k1x2`()')
  expect(routine.drop).toBe('DROP PROCEDURE IF EXISTS `aurora_migrate_session_k1x2`')
  expect(routine.inner).toBe('ALTER TABLE t ADD COLUMN c INT -- wide')
  expect(routine.alreadyExists({ message: 'PROCEDURE aurora_migrate_session_k1x2 already exists', errno: 1304, sqlState: '42000' })).toBe(
    true
  )
  expect(routine.alreadyExists({ message: "Table 't' already exists", errno: 1050, sqlState: '42S01' })).toBe(false)
})

test('a token that is not letters and digits is refused: it becomes part of a name', () => {
  expect(routineName('abc')).toBe('aurora_migrate_session_abc')
  expect(() => routineName('a`b')).toThrow(/letters or digits/)
  expect(() => routineName('')).toThrow(/letters or digits/)
})

test("the wire parts: MySQL's carries the routine, PostgreSQL's has none", () => {
  expect(wire.sessionRoutine?.('ALTER TABLE t ADD c INT', SESSION, 'x')).not.toBeNull()
  expect(postgresql.wire.sessionRoutine).toBeUndefined()
})
