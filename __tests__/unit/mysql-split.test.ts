/**
 * The MySQL splitter: every lexical rule of lexer.ts, DELIMITER, stored-program bodies written with and
 * without DELIMITER, and the positions of each statement. Each case asserts the exact statements (the errors
 * are in mysql-split-errors.test.ts).
 */
import { splitStatements, type MysqlMode } from '../../src/dialects/mysql/split.js'

/** [sql, line, column] of each expected statement. */
type Expected = Array<[string, number, number]>

function split(text: string, mode?: MysqlMode): Expected {
  return splitStatements(text, 'm.sql', mode).map((s) => {
    expect(s.file).toBe('m.sql')
    return [s.sql, s.line, s.column]
  })
}

const PROCEDURE = `CREATE PROCEDURE p(IN n INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  outer_loop: LOOP
    SET i = i + 1;
    IF i > n THEN
      LEAVE outer_loop;
    ELSEIF i = 2 THEN
      ITERATE outer_loop;
    ELSE
      INSERT INTO t VALUES (i);
    END IF;
  END LOOP outer_loop;
END`

const CASES_ROUTINE = `CREATE FUNCTION f(x INT) RETURNS INT DETERMINISTIC
BEGIN
  DECLARE r INT;
  CASE x
    WHEN 1 THEN SET r = (CASE WHEN x > 0 THEN 1 ELSE 0 END);
    ELSE BEGIN
      SET r = IF(x > 2, 3, 4);
    END;
  END CASE;
  WHILE r < 10 DO
    SET r = r + 1;
  END WHILE;
  REPEAT
    SET r = r - 1;
  UNTIL r < 5 END REPEAT;
  RETURN r;
END`

const TRIGGER = `CREATE DEFINER=\`admin\`@\`%\` TRIGGER trg BEFORE INSERT ON t FOR EACH ROW
BEGIN
  IF NEW.a IS NULL THEN
    SET NEW.a = REPEAT('x', 3);
  END IF;
END`

const DUMP_TRIGGER = `/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`localhost\`*/ /*!50003 TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN
  SET NEW.a = 1;
END */`

const cases: Array<[string, string, Expected, MysqlMode?]> = [
  [
    'two statements, the last without a delimiter',
    'SELECT 1;\nSELECT 2',
    [
      ['SELECT 1', 1, 1],
      ['SELECT 2', 2, 1]
    ]
  ],
  ['empty statements are dropped', ';;\n ; SELECT 1;;', [['SELECT 1', 2, 4]]],
  ['only comments and space: no statement', '-- nothing\n# here\n/* either */\n', []],
  ['# comment to end of line', 'SELECT 1 # a; b\n, 2;', [['SELECT 1 # a; b\n, 2', 1, 1]]],
  [
    '-- followed by a space is a comment',
    'SELECT 1 -- a; b\n;SELECT 2',
    [
      ['SELECT 1', 1, 1],
      ['SELECT 2', 2, 2]
    ]
  ],
  ['-- followed by a tab is a comment', 'SELECT 1 --\tx;y\n;', [['SELECT 1', 1, 1]]],
  [
    '--1 is no comment',
    'SELECT 1--1;SELECT 2',
    [
      ['SELECT 1--1', 1, 1],
      ['SELECT 2', 1, 13]
    ]
  ],
  ['-- at the end of the text is a comment', 'SELECT 1;--', [['SELECT 1', 1, 1]]],
  ['-- directly before a line break is a comment', 'SELECT 1 --\n;', [['SELECT 1', 1, 1]]],
  [
    '/* */ comments do not nest',
    'SELECT /* a /* b */ 1; SELECT 2',
    [
      ['SELECT /* a /* b */ 1', 1, 1],
      ['SELECT 2', 1, 24]
    ]
  ],
  ['a leading comment is not part of the statement', '/* head; */ SELECT 1;', [['SELECT 1', 1, 13]]],
  [
    'an optimizer hint stays in its statement',
    'SELECT /*+ MAX_EXECUTION_TIME(1000) ; */ * FROM t;',
    [['SELECT /*+ MAX_EXECUTION_TIME(1000) ; */ * FROM t', 1, 1]]
  ],
  [
    'an executable comment is code',
    '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\nSELECT 1;',
    [
      ['/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */', 1, 1],
      ['SELECT 1', 2, 1]
    ]
  ],
  [
    'a ; inside an executable comment ends the statement, as the client splits there',
    '/*! SET a=1; SET b=2 */;',
    [
      ['/*! SET a=1', 1, 1],
      ['SET b=2 */', 1, 14]
    ]
  ],
  ["MariaDB's /*M!NNNNNN */", "/*M!100100 SET sql_mode='' */;", [["/*M!100100 SET sql_mode='' */", 1, 1]]],
  [
    'an executable comment inside a statement',
    'CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */;',
    [['CREATE TABLE t (a INT) /*!50100 ENGINE=InnoDB */', 1, 1]]
  ],
  [
    'single quotes: doubled and backslash escapes',
    String.raw`SELECT 'a;b', 'it''s;', 'x\';y';SELECT 2`,
    [
      [String.raw`SELECT 'a;b', 'it''s;', 'x\';y'`, 1, 1],
      ['SELECT 2', 1, 33]
    ]
  ],
  ['double-quoted strings with backslash escapes', String.raw`SELECT "a\";b", "c"";d";`, [[String.raw`SELECT "a\";b", "c"";d"`, 1, 1]]],
  [
    'NO_BACKSLASH_ESCAPES: a backslash is ordinary',
    String.raw`SELECT 'C:\';SELECT 2`,
    [
      [String.raw`SELECT 'C:\'`, 1, 1],
      ['SELECT 2', 1, 14]
    ],
    { noBackslashEscapes: true }
  ],
  ['backslash escapes on: the same text is one string', String.raw`SELECT 'C:\';SELECT 2';`, [[String.raw`SELECT 'C:\';SELECT 2'`, 1, 1]]],
  [
    'backtick identifiers with doubled backticks',
    'SELECT `a;``b` FROM `t;`;SELECT 2',
    [
      ['SELECT `a;``b` FROM `t;`', 1, 1],
      ['SELECT 2', 1, 26]
    ]
  ],
  [
    'ANSI_QUOTES: "…" is an identifier, a backslash in it is ordinary',
    'SELECT "a\\";SELECT 2',
    [
      ['SELECT "a\\"', 1, 1],
      ['SELECT 2', 1, 13]
    ],
    { ansiQuotes: true }
  ],
  [
    '$$ is an identifier, not a dollar quote',
    'SELECT $$;SELECT a$b$;',
    [
      ['SELECT $$', 1, 1],
      ['SELECT a$b$', 1, 11]
    ]
  ],
  [
    'BEGIN; outside a stored program is a transaction',
    'BEGIN;\nINSERT INTO t VALUES (1);\nCOMMIT;',
    [
      ['BEGIN', 1, 1],
      ['INSERT INTO t VALUES (1)', 2, 1],
      ['COMMIT', 3, 1]
    ]
  ],
  [
    'BEGIN WORK and START TRANSACTION',
    'begin work; start transaction;',
    [
      ['begin work', 1, 1],
      ['start transaction', 1, 13]
    ]
  ],
  [
    'a procedure without DELIMITER: loops, labels, IF/ELSEIF/ELSE',
    `${PROCEDURE};\nCALL p(3);`,
    [
      [PROCEDURE, 1, 1],
      ['CALL p(3)', 15, 1]
    ]
  ],
  [
    'a function: CASE statement, CASE expression, nested BEGIN, IF(), WHILE, REPEAT',
    `${CASES_ROUTINE};\nSELECT f(1);`,
    [
      [CASES_ROUTINE, 1, 1],
      ['SELECT f(1)', 18, 1]
    ]
  ],
  [
    'a trigger with DEFINER, IF and REPEAT() without DELIMITER',
    `${TRIGGER};\nINSERT INTO t VALUES (NULL);`,
    [
      [TRIGGER, 1, 1],
      ['INSERT INTO t VALUES (NULL)', 7, 1]
    ]
  ],
  [
    'CREATE OR REPLACE … PROCEDURE IF NOT EXISTS',
    'CREATE OR REPLACE PROCEDURE IF NOT EXISTS p() BEGIN SELECT 1; SELECT 2; END; SELECT 3',
    [
      ['CREATE OR REPLACE PROCEDURE IF NOT EXISTS p() BEGIN SELECT 1; SELECT 2; END', 1, 1],
      ['SELECT 3', 1, 78]
    ]
  ],
  [
    'an event with DO BEGIN … END',
    'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; DELETE FROM u; END;SELECT 1',
    [
      ['CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; DELETE FROM u; END', 1, 1],
      ['SELECT 1', 1, 83]
    ]
  ],
  [
    'an aggregate function (MariaDB) with DEFINER = CURRENT_USER()',
    'CREATE DEFINER = CURRENT_USER() AGGREGATE FUNCTION g(x INT) RETURNS INT BEGIN RETURN 1; END;',
    [['CREATE DEFINER = CURRENT_USER() AGGREGATE FUNCTION g(x INT) RETURNS INT BEGIN RETURN 1; END', 1, 1]]
  ],
  [
    'a function without BEGIN ends at its ;',
    'CREATE FUNCTION h() RETURNS INT RETURN 1; SELECT h();',
    [
      ['CREATE FUNCTION h() RETURNS INT RETURN 1', 1, 1],
      ['SELECT h()', 1, 43]
    ]
  ],
  [
    'a trigger without BEGIN ends at its ;',
    'CREATE TRIGGER t1 BEFORE UPDATE ON t FOR EACH ROW SET NEW.b = NEW.a; SELECT 1',
    [
      ['CREATE TRIGGER t1 BEFORE UPDATE ON t FOR EACH ROW SET NEW.b = NEW.a', 1, 1],
      ['SELECT 1', 1, 70]
    ]
  ],
  [
    'END with a label, and a nested labelled block',
    'CREATE PROCEDURE q() b1: BEGIN b2: BEGIN SELECT 1; END b2; END b1; SELECT 2;',
    [
      ['CREATE PROCEDURE q() b1: BEGIN b2: BEGIN SELECT 1; END b2; END b1', 1, 1],
      ['SELECT 2', 1, 68]
    ]
  ],
  [
    'CREATE TABLE is no stored program: BEGIN is not tracked',
    'CREATE TABLE `begin` (a INT); SELECT 1;',
    [
      ['CREATE TABLE `begin` (a INT)', 1, 1],
      ['SELECT 1', 1, 31]
    ]
  ],
  [
    "MariaDB's BEGIN NOT ATOMIC block",
    'BEGIN NOT ATOMIC SELECT 1; SELECT 2; END; SELECT 3',
    [
      ['BEGIN NOT ATOMIC SELECT 1; SELECT 2; END', 1, 1],
      ['SELECT 3', 1, 43]
    ]
  ],
  [
    'DELIMITER //: the lines are stripped, the body is one statement',
    'DELIMITER //\nCREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND //\nDELIMITER ;\nCALL p();',
    [
      ['CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND', 2, 1],
      ['CALL p()', 7, 1]
    ]
  ],
  [
    'DELIMITER $$ glued to END, lower case command',
    'delimiter $$\nCREATE FUNCTION f() RETURNS INT BEGIN RETURN 1; END$$\ndelimiter ;\nSELECT 1;',
    [
      ['CREATE FUNCTION f() RETURNS INT BEGIN RETURN 1; END', 2, 1],
      ['SELECT 1', 4, 1]
    ]
  ],
  [
    'with a custom delimiter, ; outside a body still ends a statement, as the server splits the query the client sends',
    'DELIMITER //\nSELECT 1; SELECT 2//SELECT 3//',
    [
      ['SELECT 1', 2, 1],
      ['SELECT 2', 2, 11],
      ['SELECT 3', 2, 21]
    ]
  ],
  [
    "DROP …; CREATE PROCEDURE … END$$ in one delimiter's span: two statements, the body's ; kept",
    'DELIMITER $$\nDROP PROCEDURE IF EXISTS p;\nCREATE PROCEDURE p()\nproc: BEGIN\n  DECLARE x INT;\n  IF x THEN SELECT 1; END IF;\nEND$$\nDELIMITER ;',
    [
      ['DROP PROCEDURE IF EXISTS p', 2, 1],
      ['CREATE PROCEDURE p()\nproc: BEGIN\n  DECLARE x INT;\n  IF x THEN SELECT 1; END IF;\nEND', 3, 1]
    ]
  ],
  [
    'a trigger body without BEGIN under a custom delimiter',
    'DELIMITER //\nCREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 1//\nDELIMITER ;',
    [['CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET NEW.a = 1', 2, 1]]
  ],
  [
    'a statement open at a DELIMITER line ends there',
    'SELECT 1\nDELIMITER //\nSELECT 2//',
    [
      ['SELECT 1', 1, 1],
      ['SELECT 2', 3, 1]
    ]
  ],
  ['DELIMITER not at the start of a line is a word', 'SELECT 1 delimiter;', [['SELECT 1 delimiter', 1, 1]]],
  [
    'a mysqldump header and trigger with DELIMITER ;;',
    [
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
      '/*!40101 SET NAMES utf8mb4 */;',
      '/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;',
      'DELIMITER ;;',
      `${DUMP_TRIGGER};;`,
      'DELIMITER ;',
      '/*!50003 SET sql_mode              = @saved_sql_mode */ ;'
    ].join('\n'),
    [
      ['/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */', 1, 1],
      ['/*!40101 SET NAMES utf8mb4 */', 2, 1],
      ['/*!50003 SET @saved_sql_mode       = @@sql_mode */', 3, 1],
      [DUMP_TRIGGER, 5, 1],
      ['/*!50003 SET sql_mode              = @saved_sql_mode */', 9, 1]
    ]
  ],
  [
    'the mysqldump trigger without DELIMITER is still one statement',
    `${DUMP_TRIGGER};\nSELECT 1;`,
    [
      [DUMP_TRIGGER, 1, 1],
      ['SELECT 1', 4, 1]
    ]
  ],
  [
    'IF() after THEN in a CASE expression is the function',
    'CREATE PROCEDURE r() BEGIN SELECT CASE WHEN a THEN IF(b, 1, 2) ELSE 0 END FROM t; END; SELECT 1',
    [
      ['CREATE PROCEDURE r() BEGIN SELECT CASE WHEN a THEN IF(b, 1, 2) ELSE 0 END FROM t; END', 1, 1],
      ['SELECT 1', 1, 88]
    ]
  ],
  [
    'IF (…) THEN after THEN in an IF is a statement',
    'CREATE PROCEDURE r() BEGIN IF a THEN IF (b) THEN SELECT 1; END IF; END IF; END; SELECT 2',
    [
      ['CREATE PROCEDURE r() BEGIN IF a THEN IF (b) THEN SELECT 1; END IF; END IF; END', 1, 1],
      ['SELECT 2', 1, 81]
    ]
  ],
  [
    'CRLF line endings',
    'SELECT 1;\r\nSELECT\r\n  2;\r\n',
    [
      ['SELECT 1', 1, 1],
      ['SELECT\r\n  2', 2, 1]
    ]
  ],
  [
    'a BOM is ignored',
    '\uFEFFSELECT 1;\nSELECT 2;',
    [
      ['SELECT 1', 1, 1],
      ['SELECT 2', 2, 1]
    ]
  ],
  [
    'columns count code points',
    "SELECT '😀'; SELECT 2;",
    [
      ["SELECT '😀'", 1, 1],
      ['SELECT 2', 1, 13]
    ]
  ],
  [
    'a ; inside parentheses ends the statement, as the client splits there',
    'SELECT (1;SELECT 2)',
    [
      ['SELECT (1', 1, 1],
      ['SELECT 2)', 1, 11]
    ]
  ]
]

for (const [name, text, expected, mode] of cases) {
  test(`${name}`, () => {
    expect(split(text, mode)).toEqual(expected)
  })
}

test('the table covers at least 40 cases', () => {
  expect(cases.length).toBeGreaterThanOrEqual(40)
})
