/** Which MySQL statements commit on their own (MySQL's and MariaDB's implicit-commit lists), read from the leading words. */
import { commitsImplicitly } from '../../src/dialects/mysql/implicit-commit.js'
import { isMaintenance, namedObjects } from '../../src/dialects/mysql/recovery.js'

const COMMITS: string[] = [
  'CREATE TABLE t (id INT)',
  'create table if not exists `t` (id int)',
  'CREATE TABLE t2 LIKE t',
  'CREATE TABLE t3 AS SELECT * FROM t',
  'ALTER TABLE t ADD COLUMN a INT',
  'ALTER ONLINE TABLE t ADD COLUMN a INT',
  'ALTER IGNORE TABLE t ADD UNIQUE (a)',
  'DROP TABLE t',
  'DROP TABLE IF EXISTS a, b',
  'RENAME TABLE a TO b',
  'TRUNCATE t',
  'TRUNCATE TABLE t',
  'CREATE INDEX i ON t (a)',
  'CREATE UNIQUE INDEX i ON t (a)',
  'CREATE FULLTEXT INDEX i ON t (a)',
  'CREATE SPATIAL INDEX i ON t (g)',
  'DROP INDEX i ON t',
  'CREATE VIEW v AS SELECT 1',
  'CREATE OR REPLACE VIEW v AS SELECT 1',
  'CREATE ALGORITHM = MERGE DEFINER = `root`@`%` SQL SECURITY INVOKER VIEW v AS SELECT 1',
  "CREATE DEFINER = 'app'@'localhost' PROCEDURE p() BEGIN SELECT 1; END",
  'CREATE DEFINER = CURRENT_USER() TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1',
  'CREATE DEFINER=root@localhost FUNCTION f() RETURNS INT RETURN 1',
  'ALTER VIEW v AS SELECT 2',
  'DROP VIEW v',
  'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1',
  'DROP TRIGGER tr',
  'CREATE PROCEDURE p() SELECT 1',
  'ALTER PROCEDURE p COMMENT "x"',
  'DROP PROCEDURE IF EXISTS p',
  'CREATE FUNCTION f() RETURNS INT RETURN 1',
  'DROP FUNCTION f',
  'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t',
  'ALTER EVENT e DISABLE',
  'DROP EVENT e',
  'CREATE DATABASE d',
  'CREATE SCHEMA d',
  'ALTER DATABASE d CHARACTER SET utf8mb4',
  'DROP SCHEMA d',
  "CREATE USER 'u'@'%' IDENTIFIED BY 'x'",
  "ALTER USER 'u'@'%' ACCOUNT LOCK",
  "DROP USER 'u'@'%'",
  "RENAME USER 'a'@'%' TO 'b'@'%'",
  'CREATE ROLE r',
  'DROP ROLE r',
  "GRANT SELECT ON d.* TO 'u'@'%'",
  "REVOKE SELECT ON d.* FROM 'u'@'%'",
  "SET PASSWORD FOR 'u'@'%' = 'x'",
  "SET DEFAULT ROLE r TO 'u'@'%'",
  "CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (HOST 'h')",
  'DROP SERVER s',
  "CREATE TABLESPACE ts ADD DATAFILE 'ts.ibd'",
  'ALTER TABLESPACE ts RENAME TO ts2',
  'DROP TABLESPACE ts',
  'CREATE UNDO TABLESPACE u ADD DATAFILE "u.ibu"',
  'CREATE SEQUENCE s',
  'ALTER INSTANCE ROTATE INNODB MASTER KEY',
  'CREATE SPATIAL REFERENCE SYSTEM 4120 NAME "x" DEFINITION "y"',
  'ANALYZE TABLE t',
  'ANALYZE LOCAL TABLE t',
  'OPTIMIZE TABLE t',
  'OPTIMIZE NO_WRITE_TO_BINLOG TABLE t',
  'REPAIR TABLE t',
  'CHECK TABLE t',
  'CACHE INDEX t IN c',
  'LOAD INDEX INTO CACHE t',
  'FLUSH PRIVILEGES',
  'RESET MASTER',
  "INSTALL PLUGIN p SONAME 'p.so'",
  'UNINSTALL PLUGIN p',
  "INSTALL SONAME 'p'",
  "CHANGE MASTER TO MASTER_HOST = 'h'",
  'START REPLICA',
  'STOP SLAVE',
  '/* a comment */ ALTER TABLE t ADD a INT',
  '-- a line comment\nALTER TABLE t ADD a INT',
  '# a hash comment\nDROP TABLE t',
  '/*!50001 CREATE ALGORITHM=UNDEFINED */ /*!50001 VIEW v AS SELECT 1 */',
  '/*M!100301 CREATE */ TABLE t (a INT)',
  '  \n\tcreate\ntable t (a int)'
]

const DOES_NOT: string[] = [
  'CREATE TEMPORARY TABLE tmp (id INT)',
  'CREATE TEMPORARY TABLE IF NOT EXISTS tmp AS SELECT 1',
  'DROP TEMPORARY TABLE tmp',
  'DROP TEMPORARY TABLE IF EXISTS tmp',
  'INSERT INTO t VALUES (1)',
  'INSERT INTO t SELECT * FROM u',
  'REPLACE INTO t VALUES (1)',
  'UPDATE t SET a = 1',
  'DELETE FROM t',
  'SELECT 1',
  "SELECT 'CREATE TABLE t (a INT)'",
  'WITH x AS (SELECT 1) SELECT * FROM x',
  'CALL p()',
  'DO SLEEP(1)',
  'SET @x = 1',
  'SET SESSION sql_mode = ""',
  'RESET PERSIST',
  'ANALYZE SELECT * FROM t',
  'PREPARE s FROM "SELECT 1"',
  'DEALLOCATE PREPARE s',
  'DROP PREPARE s',
  'LOAD DATA INFILE "x" INTO TABLE t',
  '/* CREATE TABLE t (a INT) */ SELECT 1',
  '-- DROP TABLE t\nSELECT 1',
  '# DROP TABLE t\nUPDATE t SET a = 1',
  '/*+ SET_VAR(sort_buffer_size = 16M) */ SELECT 1',
  '`create` ',
  '',
  '   '
]

describe('commitsImplicitly', () => {
  test.each(COMMITS)('commits: %s', (sql) => expect(commitsImplicitly(sql)).toBe(true))
  test.each(DOES_NOT)('does not commit: %s', (sql) => expect(commitsImplicitly(sql)).toBe(false))
})

describe('the objects a statement names (for the catalog fingerprint)', () => {
  test.each([
    ['CREATE TABLE t (id INT)', ['t']],
    ['CREATE TABLE IF NOT EXISTS `My Table` (id INT)', ['My Table']],
    ['ALTER TABLE `db`.`t` ADD COLUMN a INT', ['db.t']],
    ['ALTER TABLE db.t RENAME TO db.u', ['db.t', 'db.u']],
    ['RENAME TABLE a TO b, c TO d', ['a', 'b', 'c', 'd']],
    ['DROP TABLE IF EXISTS a, `b``c`', ['a', 'b`c']],
    ['CREATE INDEX i ON t (a)', ['t']],
    ['DROP INDEX i ON `s`.t', ['s.t']],
    ['CREATE TABLE c (id INT, p INT REFERENCES parent (id))', ['c', 'parent']],
    ['CREATE VIEW v AS SELECT 1', ['v']],
    ['CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1', ['tr', 't']],
    ['DROP PROCEDURE IF EXISTS p', ['p']],
    ['CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t', ['e']]
  ])('%s', (sql, names) => {
    const found = namedObjects(sql).map((n) => (n.schema ? `${n.schema}.${n.name}` : n.name))
    for (const name of names) expect(found).toContain(name)
  })
})

test('maintenance statements are ANALYZE, OPTIMIZE, CHECK and CHECKSUM TABLE', () => {
  for (const sql of ['ANALYZE TABLE t', 'OPTIMIZE TABLE t', 'CHECK TABLE t', 'CHECKSUM TABLE t', 'analyze local table t'])
    expect(isMaintenance(sql)).toBe(true)
  for (const sql of ['REPAIR TABLE t', 'ALTER TABLE t ENGINE = InnoDB', 'ANALYZE SELECT 1', 'SELECT 1'])
    expect(isMaintenance(sql)).toBe(false)
})
