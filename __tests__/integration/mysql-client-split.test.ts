/**
 * The reference the MySQL splitter will be compared with: the statements the real client sends for a text,
 * read from its -vvv echo. These cases pin what the client does, so a change of client is noticed.
 */
import { clientStatements, parseVerboseEcho } from '../../testkit/mysql-client-split.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

describe('parseVerboseEcho', () => {
  test('takes the text between each pair of dashed lines, and nothing from the results', () => {
    const echo = [
      '--------------',
      'SELECT 1',
      '--------------',
      '',
      '+---+',
      '| 1 |',
      '+---+',
      '1 row in set (0.000 sec)',
      '',
      '--------------',
      'SELECT',
      '',
      "  'a'",
      '--------------',
      '',
      'Bye',
      ''
    ].join('\n')
    expect(parseVerboseEcho(echo)).toEqual(['SELECT 1', "SELECT\n\n  'a'"])
  })
})

describeMysql('the statements the reference client sends', () => {
  const server = useMysqlServer()

  test('plain statements, one per delimiter, sent without it, failing ones included (--force)', async () => {
    const text = "CREATE TABLE t (a INT);\nINSERT INTO t VALUES (1), (2);\nSELECT nosuch FROM t;\nSELECT 'x;y'\n  FROM t;\n"
    expect(await clientStatements(text)).toEqual([
      'CREATE TABLE t (a INT)',
      'INSERT INTO t VALUES (1), (2)',
      'SELECT nosuch FROM t',
      "SELECT 'x;y'\n  FROM t"
    ])
  })

  test('DELIMITER // with a procedure: the body is one statement, the DELIMITER lines are not sent', async () => {
    const text = [
      'DELIMITER //',
      'CREATE PROCEDURE p()',
      'BEGIN',
      '  SELECT 1;',
      "  SELECT 'a;b';",
      'END//',
      'DELIMITER ;',
      'CALL p();',
      'DROP PROCEDURE p;',
      ''
    ].join('\n')
    expect(await clientStatements(text)).toEqual([
      "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 'a;b';\nEND",
      'CALL p()',
      'DROP PROCEDURE p'
    ])
  })

  test('a # comment holding a semicolon does not end a statement; after a delimiter it goes with the statement before', async () => {
    const text = 'SELECT 1 # not the end; really\n  + 1;\nSELECT 2; # trailing; comment\nSELECT 3;\n'
    expect(await clientStatements(text)).toEqual(['SELECT 1 # not the end; really\n  + 1', 'SELECT 2 # trailing; comment', 'SELECT 3'])
  })

  test('a comment line of its own between statements is sent on its own (--comments)', async () => {
    expect(await clientStatements('SELECT 1;\n-- between\nSELECT 2;\n')).toEqual(['SELECT 1', '-- between', 'SELECT 2'])
  })

  test('mysqldump-style /*!40101 … */; lines are sent whole, versioned comment included; hints are kept', async () => {
    const text = [
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
      '/*!40101 SET NAMES utf8mb4 */;',
      '/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;',
      'CREATE TABLE `we``ird` (`a;b` INT) /*!50100 COMMENT "x;y" */;',
      'SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1;',
      '/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;',
      ''
    ].join('\n')
    expect(await clientStatements(text)).toEqual([
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */',
      '/*!40101 SET NAMES utf8mb4 */',
      '/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */',
      'CREATE TABLE `we``ird` (`a;b` INT) /*!50100 COMMENT "x;y" */',
      'SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1',
      '/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */'
    ])
  })

  test('each call runs on a new scratch database, dropped afterwards', async () => {
    const before = (await server.mysqlCli(['-N', '-B', '-e', 'SHOW DATABASES'])).stdout
    expect(await clientStatements('CREATE TABLE t (a INT);\nCREATE TABLE t (a INT);\n')).toEqual([
      'CREATE TABLE t (a INT)',
      'CREATE TABLE t (a INT)'
    ])
    expect((await server.mysqlCli(['-N', '-B', '-e', 'SHOW DATABASES'])).stdout).toBe(before)
  })
})
