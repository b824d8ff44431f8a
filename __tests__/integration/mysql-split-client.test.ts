/**
 * The MySQL splitter against the real client: for each text of the corpus, the statements splitStatements cuts
 * are the statements the `mariadb`/`mysql` client sends (its -vvv echo, testkit/mysql-client-split.ts). Lines
 * that are only a comment (`#`, `-- `, or a plain `/* … *\/`, never an executable `/*!` or a hint) are left out
 * of both sides before comparing: the client sends a comment line between statements on its own or at the head
 * of the next statement (with --comments), where the splitter keeps no comment-only statement and drops a
 * leading comment.
 */
import { splitStatements } from '../../src/dialects/mysql/split.js'
import { clientStatements } from '../../testkit/mysql-client-split.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

const CORPUS: Array<[string, string]> = [
  ['plain statements, several on a line', 'CREATE TABLE t (a INT); INSERT INTO t VALUES (1);\nSELECT a FROM t;\n'],
  ['strings and identifiers holding delimiters', "SELECT 'a;b', \"c;d\", `e;f` FROM t;\nSELECT 'it''s; fine', 'back\\'slash;';\n"],
  ['comments holding delimiters', '# a; comment\nSELECT 1;\n-- another; one\nSELECT 2;\n/* block; comment */\nSELECT 3;\n'],
  ['-- without a space is an operator', 'SELECT 1--1;\nSELECT 2;\n'],
  ['an optimizer hint', 'SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1;\nSELECT 2;\n'],
  [
    'a mysqldump header',
    '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!40101 SET NAMES utf8mb4 */;\n/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n' +
      "/*!40103 SET TIME_ZONE='+00:00' */;\nDROP TABLE IF EXISTS `orders`;\nCREATE TABLE `orders` (\n  `id` int NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n" +
      'LOCK TABLES `orders` WRITE;\n/*!40000 ALTER TABLE `orders` DISABLE KEYS */;\nINSERT INTO `orders` VALUES (1),(2);\n/*!40000 ALTER TABLE `orders` ENABLE KEYS */;\nUNLOCK TABLES;\n'
  ],
  [
    'a procedure with DELIMITER //',
    'DELIMITER //\nCREATE PROCEDURE p(IN n INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n  WHILE i < n DO\n    SET i = i + 1;\n  END WHILE;\n  SELECT i;\nEND//\nDELIMITER ;\nCALL p(3);\n'
  ],
  [
    'a trigger as mysqldump writes it (DELIMITER ;;)',
    'CREATE TABLE a (id INT);\nDELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER a_bi BEFORE INSERT ON a FOR EACH ROW BEGIN\n  IF NEW.id < 0 THEN\n    SET NEW.id = 0;\n  END IF;\nEND */;;\nDELIMITER ;\nINSERT INTO a VALUES (-1);\n'
  ],
  [
    'a function with DELIMITER $$ and nested blocks',
    'DELIMITER $$\nCREATE FUNCTION f(x INT) RETURNS INT DETERMINISTIC\nBEGIN\n  DECLARE r INT;\n  CASE WHEN x > 0 THEN SET r = 1; ELSE SET r = 0; END CASE;\n  label1: LOOP\n    LEAVE label1;\n  END LOOP label1;\n  RETURN r;\nEND$$\nDELIMITER ;\nSELECT f(2);\n'
  ],
  ['a multi-line statement with blank lines', "CREATE TABLE b (\n\n  id INT,\n  note VARCHAR(20) DEFAULT 'x;'\n);\n\n\nSELECT 1;\n"],
  [
    'an event with DELIMITER',
    'DELIMITER |\nCREATE EVENT e ON SCHEDULE EVERY 1 DAY DO\nBEGIN\n  DELETE FROM t WHERE a < 0;\nEND |\nDELIMITER ;\n'
  ]
]

describeMysql('splitStatements cuts what the real client sends', () => {
  useMysqlServer()
  const withoutCommentLines = (statements: string[]): string[] =>
    statements
      .map((sql) =>
        sql
          .split('\n')
          .filter((line) => !/^\s*(#|--\s)/.test(line) && !/^\s*--$/.test(line) && !/^\s*\/\*(?![!+]|M!).*\*\/\s*$/.test(line))
          .join('\n')
          .trim()
      )
      .filter((sql) => sql.length > 0)

  for (const [title, text] of CORPUS) {
    test(`${title}`, async () => {
      const ours = withoutCommentLines(splitStatements(text, 'corpus.sql').map((statement) => statement.sql))
      const client = withoutCommentLines(await clientStatements(text))
      expect(ours).toEqual(client)
      expect(ours.length).toBeGreaterThan(0)
    })
  }
})
