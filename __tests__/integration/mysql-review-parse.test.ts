/**
 * MySQL's statement reader (parse.ts) against a real MariaDB: every statement of the corpus that the server
 * accepts, and whose kind the reader knows, reads to a node of that kind, and an ALTER TABLE to no `unknown`
 * clause. The kind a statement has is taken from its leading words (comments and executable-comment markers
 * dropped), apart from the reader.
 *
 * The corpus: the example and the bench's migrations, a hand list of the forms the review needs, and, when
 * fetched (`npm run fetch:corpora`), Umami's MySQL migrations and FreeRADIUS's MySQL schemas. Each file is
 * split with mysql.syntax, as a run would split it.
 *
 * Whether the server accepts a statement: `PREPARE` parses the whole statement without running it, so a
 * statement is accepted when PREPARE succeeds or fails only on an object it names that the empty database
 * does not have (no such table, database or column). The hand list holds some MySQL 8 forms MariaDB does not
 * have; on MariaDB those are refused, and the test names them.
 */
import fs from 'node:fs'
import path from 'node:path'
import mysql2 from 'mysql2/promise'
import { mysql } from '../../src/dialects/mysql/index.js'
import type { MysqlNode } from '../../src/dialects/mysql/review/node.js'
import { parseMysqlStatement } from '../../src/dialects/mysql/review/parse.js'
import { createMysqlDatabase } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

const repoRoot = path.resolve(import.meta.dirname, '../..')

/** `ALTER TABLE t <clause>` for each. */
const HAND_CLAUSES = [
  'ADD COLUMN a INT',
  "ADD a VARCHAR(255) NOT NULL DEFAULT '' FIRST",
  'ADD COLUMN b DECIMAL(10,2) NULL AFTER a',
  'ADD COLUMN (c INT NOT NULL, d TEXT)',
  'ADD COLUMN z INT UNSIGNED ZEROFILL NOT NULL',
  "ADD COLUMN e ENUM('a','b,c') NOT NULL DEFAULT 'a'",
  "ADD COLUMN s SET('x','y') NULL",
  'ADD COLUMN j JSON',
  'ADD COLUMN d DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)',
  "ADD COLUMN u VARCHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'the id'",
  'ADD COLUMN g INT GENERATED ALWAYS AS (a + 1) VIRTUAL',
  'ADD COLUMN g2 INT AS (a * 2) STORED NOT NULL',
  'ADD COLUMN id2 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST',
  'ADD COLUMN k INT UNIQUE KEY',
  'ADD COLUMN h INT INVISIBLE',
  'ADD COLUMN pt POINT NOT NULL SRID 4326',
  'ADD COLUMN n INT CHECK (n > 0)',
  'ADD COLUMN r INT REFERENCES p (id)',
  'ADD COLUMN v BINARY(16) NOT NULL DEFAULT (UUID_TO_BIN(UUID()))',
  'ADD COLUMN f DOUBLE PRECISION DEFAULT -1.5',
  "ADD COLUMN b1 BIT(1) NOT NULL DEFAULT b'0'",
  'ADD COLUMN ts TIMESTAMP NULL DEFAULT NULL',
  'ADD COLUMN IF NOT EXISTS q TINYINT(1) NOT NULL DEFAULT 0',
  'ADD COLUMN w INT AS (a) PERSISTENT',
  'DROP COLUMN c',
  'DROP c, DROP COLUMN IF EXISTS d',
  'RENAME COLUMN a TO b',
  'CHANGE COLUMN a b BIGINT UNSIGNED NOT NULL FIRST',
  'CHANGE a a VARCHAR(300) AFTER c',
  'MODIFY COLUMN a VARCHAR(100) NOT NULL',
  'MODIFY a INT NULL AFTER b',
  'ALTER COLUMN a SET DEFAULT 5',
  "ALTER a SET DEFAULT 'x', ALTER COLUMN b DROP DEFAULT",
  'ALTER COLUMN a SET DEFAULT (NOW())',
  'ADD INDEX i (a, b)',
  'ADD KEY (a)',
  'ADD UNIQUE INDEX u (a)',
  'ADD UNIQUE u2 (a, b)',
  'ADD UNIQUE KEY (a)',
  'ADD FULLTEXT INDEX ft (body)',
  'ADD FULLTEXT ft2 (title, body)',
  'ADD SPATIAL INDEX sp (g)',
  'ADD INDEX p (name(10), b DESC)',
  'ADD INDEX f ((LOWER(name)))',
  "ADD INDEX i USING BTREE (a) COMMENT 'x' INVISIBLE",
  'ADD PRIMARY KEY (id)',
  'ADD PRIMARY KEY USING BTREE (id, b)',
  'ADD CONSTRAINT pk PRIMARY KEY (id)',
  'ADD CONSTRAINT uq UNIQUE KEY (a)',
  'ADD CONSTRAINT UNIQUE (a)',
  'ADD CONSTRAINT uq2 UNIQUE ux (a)',
  'ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL',
  'ADD FOREIGN KEY (a, b) REFERENCES db.p(x, y)',
  'ADD CONSTRAINT fk2 FOREIGN KEY fk_idx (a) REFERENCES p (id)',
  'ADD CONSTRAINT chk CHECK (a > 0)',
  'ADD CHECK (a > 0)',
  'ADD CONSTRAINT chk2 CHECK (a > 0) NOT ENFORCED',
  'DROP INDEX i',
  'DROP KEY `i`, DROP INDEX IF EXISTS j',
  'DROP PRIMARY KEY',
  'DROP FOREIGN KEY fk',
  'DROP CHECK chk',
  'DROP CONSTRAINT chk',
  'RENAME INDEX a TO b',
  'RENAME KEY a TO b',
  'RENAME TO t2',
  'RENAME AS db.t2',
  'RENAME t3',
  'CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
  'CONVERT TO CHARSET latin1',
  'DEFAULT CHARACTER SET = utf8mb4',
  'CHARACTER SET utf8mb4',
  'DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
  'COLLATE = utf8mb4_bin',
  'ENGINE=InnoDB',
  'ENGINE = MyISAM ROW_FORMAT=DYNAMIC',
  'ROW_FORMAT=COMPRESSED, KEY_BLOCK_SIZE=8',
  'FORCE',
  'FORCE, ALGORITHM=INPLACE, LOCK=NONE',
  "COMMENT = 'orders'",
  'AUTO_INCREMENT=100',
  'STATS_PERSISTENT=1, STATS_SAMPLE_PAGES = 20',
  'ADD COLUMN x INT, ALGORITHM=INSTANT',
  'ALGORITHM = COPY, LOCK = SHARED, ADD INDEX i (a)',
  'DROP COLUMN a, LOCK=EXCLUSIVE, ALGORITHM=DEFAULT',
  'ADD INDEX i (a), LOCK DEFAULT, ALGORITHM INPLACE',
  'PARTITION BY HASH(id) PARTITIONS 4',
  'ADD PARTITION (PARTITION p3 VALUES LESS THAN (2030))',
  'DROP PARTITION p1, p2',
  'TRUNCATE PARTITION p1',
  'REMOVE PARTITIONING',
  'COALESCE PARTITION 2',
  'REORGANIZE PARTITION p0 INTO (PARTITION n0 VALUES LESS THAN (1990), PARTITION n1 VALUES LESS THAN (2000))',
  'EXCHANGE PARTITION p0 WITH TABLE t2',
  '/*!50100 ADD COLUMN a INT NOT NULL */',
  '-- why\n  ADD COLUMN a INT /* note */ NOT NULL'
]

const HAND_STATEMENTS = [
  'ALTER TABLE `shop`.`orders` ADD COLUMN `note` TEXT NULL AFTER `id`, DROP INDEX `old`, ADD INDEX `new_i` (`note`(20)), MODIFY `total` DECIMAL(12,2) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE',
  'ALTER IGNORE TABLE t ADD UNIQUE (a)',
  'ALTER ONLINE TABLE t ADD COLUMN a INT',
  'ALTER TABLE `my``table` ADD COLUMN `we``ird` INT',
  '/*!50100 ALTER TABLE t ADD COLUMN a INT */',
  '/*!40000 ALTER TABLE `orders` DISABLE KEYS */',
  "CREATE TABLE IF NOT EXISTS `db`.`orders` (\n  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n  `customer_id` BIGINT UNSIGNED NOT NULL,\n  `status` ENUM('open','paid') NOT NULL DEFAULT 'open',\n  `body` TEXT,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`customer_id`, `status`),\n  KEY (`status`),\n  FULLTEXT KEY `ft` (`body`),\n  CONSTRAINT `fk` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE,\n  CHECK (`id` > 0)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
  'CREATE TEMPORARY TABLE tmp (a INT) ENGINE=MEMORY',
  'CREATE TABLE t2 LIKE t1',
  'CREATE TABLE t2 (LIKE t1)',
  'CREATE TABLE t2 AS SELECT * FROM t1',
  'CREATE TABLE t3 (a INT) SELECT b AS a FROM t1',
  'CREATE TABLE t (id INT PRIMARY KEY) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE)',
  'CREATE OR REPLACE TABLE t (a INT)',
  'CREATE TABLE t (g GEOMETRY NOT NULL SRID 0, SPATIAL INDEX (g))',
  'CREATE INDEX i ON t (a)',
  'CREATE UNIQUE INDEX u ON db.t (a, b(10)) ALGORITHM=INPLACE LOCK=NONE',
  'CREATE FULLTEXT INDEX ft ON t (body)',
  'CREATE SPATIAL INDEX s ON t (g)',
  "CREATE INDEX i USING BTREE ON t (a DESC) COMMENT 'x'",
  'CREATE INDEX f ON t ((LOWER(name)))',
  'CREATE INDEX IF NOT EXISTS i ON t (a) LOCK = SHARED',
  'DROP INDEX i ON t',
  'DROP INDEX `PRIMARY` ON db.t ALGORITHM=INPLACE LOCK=NONE',
  'DROP TABLE a',
  'DROP TEMPORARY TABLE IF EXISTS a, db.b CASCADE',
  'RENAME TABLE a TO b, c TO db.d',
  'TRUNCATE t',
  'TRUNCATE TABLE db.t',
  'UPDATE t SET a = 1',
  'UPDATE t SET a = 1 WHERE id = 2',
  'UPDATE LOW_PRIORITY IGNORE t SET a = 1 ORDER BY id LIMIT 10',
  'UPDATE t1, t2 SET t1.a = t2.b WHERE t1.id = t2.id',
  'UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = t2.b',
  'UPDATE t AS x SET x.a = (SELECT MAX(b) FROM u WHERE u.c = x.c)',
  'DELETE FROM t',
  'DELETE FROM db.t WHERE a = 1',
  'DELETE LOW_PRIORITY QUICK IGNORE FROM t ORDER BY id LIMIT 5',
  'DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.a = 0',
  'DELETE FROM t1 USING t1 JOIN t2 ON t1.id = t2.id',
  'DELETE a FROM t1 AS a LEFT JOIN t2 AS b ON a.id = b.id WHERE b.id IS NULL',
  'INSERT INTO t (a) VALUES (1)',
  'INSERT t VALUES (1), (2)',
  'INSERT IGNORE INTO db.t SELECT * FROM u',
  'INSERT INTO t (a, b) SELECT x, y FROM u WHERE z > 0',
  'INSERT INTO t SET a = 1, b = 2',
  'INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)',
  'INSERT INTO t (SELECT a FROM u)',
  'REPLACE INTO t VALUES (1)',
  'REPLACE t (a) SELECT a FROM u',
  'CREATE VIEW v AS SELECT 1 AS a',
  'CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`root`@`localhost` SQL SECURITY INVOKER VIEW db.v (a) AS SELECT 1',
  'DROP VIEW IF EXISTS a, db.b',
  'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1',
  'CREATE DEFINER=`root`@`%` TRIGGER db.tr AFTER UPDATE ON db.t FOR EACH ROW BEGIN\n  UPDATE u SET n = n + 1;\nEND',
  '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER a_bi BEFORE INSERT ON a FOR EACH ROW BEGIN\n  IF NEW.id < 0 THEN\n    SET NEW.id = 0;\n  END IF;\nEND */',
  'DROP TRIGGER IF EXISTS db.tr',
  'CREATE PROCEDURE p() BEGIN SELECT 1; END',
  'CREATE DEFINER=CURRENT_USER PROCEDURE db.p(IN a INT) SQL SECURITY INVOKER BEGIN END',
  'CREATE FUNCTION f(x INT) RETURNS INT DETERMINISTIC RETURN x + 1',
  'DROP PROCEDURE IF EXISTS p',
  'DROP FUNCTION db.f',
  'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t WHERE a < 0',
  'CREATE DEFINER=`root`@`localhost` EVENT IF NOT EXISTS db.e ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 HOUR DO UPDATE t SET a = 1',
  'DROP EVENT IF EXISTS e',
  'SET SESSION foreign_key_checks = 0',
  'SET @@foreign_key_checks=0',
  'SET FOREIGN_KEY_CHECKS=0',
  "SET @@SESSION.sql_mode = '', GLOBAL max_connections = 10",
  "SET sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES'), @x = (SELECT 1)",
  '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */',
  'SET NAMES utf8mb4',
  'GRANT SELECT ON db.* TO u',
  'SELECT 1',
  'CALL p()',
  'CREATE DATABASE d'
]

/** The hand-list forms of MySQL 8 that MariaDB 10.11 refuses (its parser has no such syntax, or no such function). */
const MYSQL_ONLY = [
  'ALTER TABLE t ADD COLUMN g2 INT AS (a * 2) STORED NOT NULL',
  'ALTER TABLE t ADD COLUMN pt POINT NOT NULL SRID 4326',
  'ALTER TABLE t ADD COLUMN v BINARY(16) NOT NULL DEFAULT (UUID_TO_BIN(UUID()))',
  'ALTER TABLE t ADD INDEX f ((LOWER(name)))',
  "ALTER TABLE t ADD INDEX i USING BTREE (a) COMMENT 'x' INVISIBLE",
  'ALTER TABLE t ADD CONSTRAINT chk2 CHECK (a > 0) NOT ENFORCED',
  'ALTER TABLE t DROP CHECK chk',
  'CREATE TABLE t (g GEOMETRY NOT NULL SRID 0, SPATIAL INDEX (g))',
  'CREATE INDEX f ON t ((LOWER(name)))',
  'DROP INDEX `PRIMARY` ON db.t ALGORITHM=INPLACE LOCK=NONE'
]

/** The statement kind its leading words name (the reader's kinds; `other` for the rest). */
function leadingKind(sql: string): MysqlNode['kind'] {
  const head = sql
    .replace(/\/\*M?!\d*|\*\//g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(--\s|#)[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toUpperCase()
    .slice(0, 160)
  const kinds: Array<[RegExp, MysqlNode['kind']]> = [
    [/^ALTER (ONLINE |OFFLINE )?(IGNORE )?TABLE /, 'alter-table'],
    [/^CREATE (OR REPLACE )?(TEMPORARY )?TABLE /, 'create-table'],
    [/^CREATE (OR REPLACE )?(UNIQUE |FULLTEXT |SPATIAL )?INDEX /, 'create-index'],
    [/^DROP INDEX /, 'drop-index'],
    [/^DROP (TEMPORARY )?TABLES? /, 'drop-table'],
    [/^RENAME TABLES? /, 'rename-table'],
    [/^TRUNCATE /, 'truncate'],
    [/^UPDATE /, 'update'],
    [/^DELETE /, 'delete'],
    [/^INSERT /, 'insert'],
    [/^REPLACE /, 'replace'],
    [/^CREATE [^(]*?\bVIEW /, 'create-view'],
    [/^DROP VIEW /, 'drop-view'],
    [/^CREATE [^(]*?\bTRIGGER /, 'create-trigger'],
    [/^DROP TRIGGER /, 'drop-trigger'],
    [/^CREATE [^(]*?\b(PROCEDURE|FUNCTION) /, 'create-routine'],
    [/^DROP (PROCEDURE|FUNCTION) /, 'drop-routine'],
    [/^CREATE [^(]*?\bEVENT /, 'create-event'],
    [/^DROP EVENT /, 'drop-event'],
    [/^SET (?!TRANSACTION|PASSWORD|ROLE|DEFAULT ROLE|STATEMENT)/, 'set']
  ]
  return kinds.find(([pattern]) => pattern.test(head))?.[1] ?? 'other'
}

/** The .sql files under `dir` (those `take` keeps), in order, split into statements. */
function statementsUnder(dir: string, take: (file: string) => boolean = () => true): string[] {
  const files: string[] = []
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) walk(path.join(at, entry.name))
      else if (entry.name.endsWith('.sql') && take(path.join(at, entry.name))) files.push(path.join(at, entry.name))
    }
  }
  walk(dir)
  return files.flatMap((file) => mysql.syntax.split(fs.readFileSync(file, 'utf8'), file).map((statement) => statement.sql))
}

/** What goes wrong with one accepted statement, or null: no node, another kind, or an unknown clause. */
function misread(sql: string): string | null {
  const expected = leadingKind(sql)
  const node = parseMysqlStatement(sql)
  if (!node) return 'no node'
  if (expected === 'other') return null
  if (node.kind !== expected) return `read as ${node.kind}, not ${expected}`
  if (node.kind === 'alter-table' && node.clauses.some((clause) => clause.op === 'unknown')) return 'an unknown clause'
  return null
}

/** Errors that come after the server parsed the statement: an object it names is missing. */
const MISSING_OBJECT = new Set([1146, 1049, 1054, 1051, 1109])

interface Corpus {
  title: string
  dir: string
  /** How many of its statements are of a kind the reader knows. */
  known: number
}

const CORPORA: Corpus[] = [
  { title: 'Umami 2.10.0', dir: path.join(repoRoot, '.cache/corpora/umami-2.10.0/db/mysql/migrations'), known: 39 },
  {
    title: 'FreeRADIUS 3.2.1',
    dir: path.join(repoRoot, '.cache/corpora/freeradius-config-3.2.1/etc/freeradius/3.0/mods-config/sql'),
    known: 35
  }
]

describeMysql('the statement reader on every statement MariaDB accepts', () => {
  const server = useMysqlServer()
  let connection: mysql2.Connection

  beforeAll(async () => {
    const database = await createMysqlDatabase(server.url, 'review_parse')
    connection = await mysql2.createConnection({ uri: database.url, charset: 'utf8mb4', flags: ['-IGNORE_SPACE'] })
  })
  afterAll(async () => {
    await connection?.end()
  })

  async function accepted(sql: string): Promise<boolean> {
    try {
      await connection.query('PREPARE statement_under_test FROM ?', [sql])
      await connection.query('DEALLOCATE PREPARE statement_under_test')
      return true
    } catch (error) {
      return MISSING_OBJECT.has((error as { errno?: number }).errno ?? 0)
    }
  }

  /** Each statement the server accepts, with what the reader got wrong; and the ones it refuses. */
  async function check(statements: string[]): Promise<{ accepted: number; known: number; misread: string[]; refused: string[] }> {
    const result = { accepted: 0, known: 0, misread: [] as string[], refused: [] as string[] }
    for (const sql of statements) {
      if (!(await accepted(sql))) {
        result.refused.push(sql)
        continue
      }
      result.accepted++
      if (leadingKind(sql) !== 'other') result.known++
      const wrong = misread(sql)
      if (wrong) result.misread.push(`${wrong}: ${sql}`)
    }
    return result
  }

  test('the hand list: every accepted form read; MariaDB refuses only the MySQL 8 forms', async () => {
    const statements = [...HAND_CLAUSES.map((clause) => `ALTER TABLE t ${clause}`), ...HAND_STATEMENTS]
    const result = await check(statements)
    expect(result.misread).toEqual([])
    if (server.flavor === 'mariadb') {
      expect(result.refused).toEqual(MYSQL_ONLY)
      expect(result).toMatchObject({ accepted: 162, known: 158 })
    }
  })

  test('the example and the bench: every statement accepted and read', async () => {
    const statements = [
      ...statementsUnder(path.join(repoRoot, 'examples/mysql-shop/migrations')),
      ...statementsUnder(path.join(repoRoot, 'bench/mysql-corpus'))
    ]
    const result = await check(statements)
    expect(result).toEqual({ accepted: 28, known: 28, misread: [], refused: [] })
  })

  // A corpus not fetched is skipped, loudly; under CI that fails instead (.ci/run fetches both).
  const fetched = (corpus: Corpus): boolean => fs.existsSync(corpus.dir)
  for (const corpus of CORPORA.filter((c) => !fetched(c))) {
    const message = `${corpus.title} is not fetched (${corpus.dir}): run npm run fetch:corpora`
    const ci = !!process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0'
    if (!ci) console.warn(message)
    const block = ci ? describe : describe.skip
    block(`${corpus.title}: ${message}`, () => {
      test('is fetched', () => {
        expect(fetched(corpus)).toBe(true)
      })
    })
  }

  const ready = CORPORA.filter(fetched)
  if (ready.length)
    test.each(ready)('$title: every statement accepted and read', async (corpus) => {
      const statements = statementsUnder(corpus.dir, (file) => file.includes(`${path.sep}mysql${path.sep}`))
      const result = await check(statements)
      expect(result).toEqual({ accepted: statements.length, known: corpus.known, misread: [], refused: [] })
    })
})
