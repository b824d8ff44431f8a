/**
 * MySQL's statement reader for the review (parse.ts): a case per form it reads, each with the whole node it
 * must give; executable comments and quoting; the forms it leaves `other` or `unknown`; and that it never
 * throws, on slices of real statements and on shuffled tokens.
 */
import type { AlterClause, ColumnDefinition, MysqlNode, TableName } from '../../src/dialects/mysql/review/node.js'
import { parseMysqlStatement } from '../../src/dialects/mysql/review/parse.js'

const t = (name: string, schema: string | null = null): TableName => ({ schema, name })

/** A column definition: what the case sets, and the rest as a plain `name type` gives it. */
function col(name: string, type: string, set: Partial<ColumnDefinition> = {}): ColumnDefinition {
  return {
    name,
    type,
    notNull: null,
    hasDefault: false,
    autoIncrement: false,
    generated: null,
    charset: null,
    collation: null,
    primaryKey: false,
    unique: false,
    ...set
  }
}

/** The ALTER TABLE node of `ALTER TABLE t …`, with these clauses. */
function alter(clauses: AlterClause[], set: Partial<Extract<MysqlNode, { kind: 'alter-table' }>> = {}): MysqlNode {
  return { kind: 'alter-table', table: t('t'), clauses, algorithm: null, lock: null, ignore: false, ...set }
}

/** `ALTER TABLE t <clause>` gives `clause` (its text: what follows `ALTER TABLE t `). */
const CLAUSES: Array<[string, AlterClause]> = [
  ['ADD COLUMN a INT', { op: 'add-column', column: col('a', 'int'), position: 'last', text: '' }],
  [
    "ADD a VARCHAR(255) NOT NULL DEFAULT '' FIRST",
    { op: 'add-column', column: col('a', 'varchar(255)', { notNull: true, hasDefault: true }), position: 'first', text: '' }
  ],
  [
    'ADD COLUMN b DECIMAL(10, 2) NULL AFTER a',
    { op: 'add-column', column: col('b', 'decimal(10,2)', { notNull: false }), position: 'after', text: '' }
  ],
  [
    'ADD COLUMN z INT UNSIGNED ZEROFILL NOT NULL',
    { op: 'add-column', column: col('z', 'int unsigned zerofill', { notNull: true }), position: 'last', text: '' }
  ],
  [
    "ADD COLUMN e ENUM('a','b,c') NOT NULL DEFAULT 'a'",
    { op: 'add-column', column: col('e', "enum('a','b,c')", { notNull: true, hasDefault: true }), position: 'last', text: '' }
  ],
  [
    "ADD COLUMN s SET('x', 'Y') NULL",
    { op: 'add-column', column: col('s', "set('x','Y')", { notNull: false }), position: 'last', text: '' }
  ],
  ['ADD COLUMN j JSON', { op: 'add-column', column: col('j', 'json'), position: 'last', text: '' }],
  [
    'ADD COLUMN d DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)',
    { op: 'add-column', column: col('d', 'datetime(6)', { notNull: true, hasDefault: true }), position: 'last', text: '' }
  ],
  [
    "ADD COLUMN u VARCHAR(36) CHARACTER SET UTF8MB4 COLLATE utf8mb4_bin NOT NULL COMMENT 'the id, and more'",
    {
      op: 'add-column',
      column: col('u', 'varchar(36)', { notNull: true, charset: 'utf8mb4', collation: 'utf8mb4_bin' }),
      position: 'last',
      text: ''
    }
  ],
  ['ADD COLUMN u2 TEXT CHARSET latin1', { op: 'add-column', column: col('u2', 'text', { charset: 'latin1' }), position: 'last', text: '' }],
  [
    'ADD COLUMN g INT GENERATED ALWAYS AS (a + 1) VIRTUAL',
    { op: 'add-column', column: col('g', 'int', { generated: 'virtual' }), position: 'last', text: '' }
  ],
  [
    'ADD COLUMN g2 INT AS (a * 2) STORED NOT NULL',
    { op: 'add-column', column: col('g2', 'int', { generated: 'stored', notNull: true }), position: 'last', text: '' }
  ],
  ['ADD COLUMN g3 INT AS (a)', { op: 'add-column', column: col('g3', 'int', { generated: 'virtual' }), position: 'last', text: '' }],
  [
    'ADD COLUMN w INT AS (a) PERSISTENT',
    { op: 'add-column', column: col('w', 'int', { generated: 'stored' }), position: 'last', text: '' }
  ],
  [
    'ADD COLUMN id2 BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST',
    {
      op: 'add-column',
      column: col('id2', 'bigint unsigned', { notNull: true, autoIncrement: true, primaryKey: true }),
      position: 'first',
      text: ''
    }
  ],
  ['ADD COLUMN k INT KEY', { op: 'add-column', column: col('k', 'int', { primaryKey: true }), position: 'last', text: '' }],
  ['ADD COLUMN k2 INT UNIQUE KEY', { op: 'add-column', column: col('k2', 'int', { unique: true }), position: 'last', text: '' }],
  [
    'ADD COLUMN k3 INT UNIQUE NOT NULL',
    { op: 'add-column', column: col('k3', 'int', { unique: true, notNull: true }), position: 'last', text: '' }
  ],
  ['ADD COLUMN h INT INVISIBLE', { op: 'add-column', column: col('h', 'int'), position: 'last', text: '' }],
  [
    'ADD COLUMN pt POINT NOT NULL SRID 4326',
    { op: 'add-column', column: col('pt', 'point', { notNull: true }), position: 'last', text: '' }
  ],
  ['ADD COLUMN n INT CHECK (n > 0) NOT NULL', { op: 'add-column', column: col('n', 'int', { notNull: true }), position: 'last', text: '' }],
  [
    'ADD COLUMN n2 INT CONSTRAINT positive CHECK (n2 > 0) NOT ENFORCED',
    { op: 'add-column', column: col('n2', 'int'), position: 'last', text: '' }
  ],
  [
    'ADD COLUMN r INT REFERENCES p (id) ON DELETE SET NULL ON UPDATE CASCADE NULL',
    { op: 'add-column', column: col('r', 'int', { notNull: false }), position: 'last', text: '' }
  ],
  [
    'ADD COLUMN v BINARY(16) NOT NULL DEFAULT (UUID_TO_BIN(UUID()))',
    { op: 'add-column', column: col('v', 'binary(16)', { notNull: true, hasDefault: true }), position: 'last', text: '' }
  ],
  [
    'ADD COLUMN f DOUBLE PRECISION DEFAULT -1.5 NOT NULL',
    { op: 'add-column', column: col('f', 'double precision', { hasDefault: true, notNull: true }), position: 'last', text: '' }
  ],
  ['ADD COLUMN nv NATIONAL VARCHAR(10)', { op: 'add-column', column: col('nv', 'national varchar(10)'), position: 'last', text: '' }],
  [
    "ADD COLUMN b1 BIT(1) NOT NULL DEFAULT b'0'",
    { op: 'add-column', column: col('b1', 'bit(1)', { notNull: true, hasDefault: true }), position: 'last', text: '' }
  ],
  [
    "ADD COLUMN c1 CHAR(2) DEFAULT _utf8mb4'x' NOT NULL",
    { op: 'add-column', column: col('c1', 'char(2)', { notNull: true, hasDefault: true }), position: 'last', text: '' }
  ],
  [
    'ADD COLUMN ts TIMESTAMP NULL DEFAULT NULL',
    { op: 'add-column', column: col('ts', 'timestamp', { notNull: false, hasDefault: true }), position: 'last', text: '' }
  ],
  [
    'ADD COLUMN IF NOT EXISTS q TINYINT(1) NOT NULL DEFAULT 0',
    { op: 'add-column', column: col('q', 'tinyint(1)', { notNull: true, hasDefault: true }), position: 'last', text: '' }
  ],
  ['DROP COLUMN c', { op: 'drop-column', column: 'c', text: '' }],
  ['DROP c', { op: 'drop-column', column: 'c', text: '' }],
  ['DROP COLUMN IF EXISTS d CASCADE', { op: 'drop-column', column: 'd', text: '' }],
  ['RENAME COLUMN a TO b', { op: 'rename-column', column: 'a', to: 'b', text: '' }],
  [
    'CHANGE COLUMN a b BIGINT UNSIGNED NOT NULL FIRST',
    { op: 'change-column', column: 'a', definition: col('b', 'bigint unsigned', { notNull: true }), position: 'first', text: '' }
  ],
  [
    'CHANGE a a VARCHAR(300) AFTER c',
    { op: 'change-column', column: 'a', definition: col('a', 'varchar(300)'), position: 'after', text: '' }
  ],
  [
    'MODIFY COLUMN a VARCHAR(100) NOT NULL',
    { op: 'change-column', column: 'a', definition: col('a', 'varchar(100)', { notNull: true }), position: 'last', text: '' }
  ],
  [
    'MODIFY a INT NULL AFTER b',
    { op: 'change-column', column: 'a', definition: col('a', 'int', { notNull: false }), position: 'after', text: '' }
  ],
  ['ALTER COLUMN a SET DEFAULT 5', { op: 'set-default', column: 'a', text: '' }],
  ["ALTER a SET DEFAULT 'x'", { op: 'set-default', column: 'a', text: '' }],
  ['ALTER COLUMN a SET DEFAULT (NOW())', { op: 'set-default', column: 'a', text: '' }],
  ['ALTER COLUMN b DROP DEFAULT', { op: 'drop-default', column: 'b', text: '' }],
  ['ADD INDEX i (a, b)', { op: 'add-index', index: { name: 'i', kind: 'index', columns: ['a', 'b'] }, text: '' }],
  ['ADD KEY (a)', { op: 'add-index', index: { name: null, kind: 'index', columns: ['a'] }, text: '' }],
  ['ADD INDEX IF NOT EXISTS i (a)', { op: 'add-index', index: { name: 'i', kind: 'index', columns: ['a'] }, text: '' }],
  ['ADD UNIQUE INDEX u (a)', { op: 'add-index', index: { name: 'u', kind: 'unique', columns: ['a'] }, text: '' }],
  ['ADD UNIQUE u2 (a, b)', { op: 'add-index', index: { name: 'u2', kind: 'unique', columns: ['a', 'b'] }, text: '' }],
  ['ADD UNIQUE KEY (a)', { op: 'add-index', index: { name: null, kind: 'unique', columns: ['a'] }, text: '' }],
  ['ADD FULLTEXT INDEX ft (body)', { op: 'add-index', index: { name: 'ft', kind: 'fulltext', columns: ['body'] }, text: '' }],
  ['ADD FULLTEXT ft2 (title, body)', { op: 'add-index', index: { name: 'ft2', kind: 'fulltext', columns: ['title', 'body'] }, text: '' }],
  ['ADD FULLTEXT KEY (body) WITH PARSER ngram', { op: 'add-index', index: { name: null, kind: 'fulltext', columns: ['body'] }, text: '' }],
  ['ADD SPATIAL INDEX sp (g)', { op: 'add-index', index: { name: 'sp', kind: 'spatial', columns: ['g'] }, text: '' }],
  ['ADD SPATIAL (g)', { op: 'add-index', index: { name: null, kind: 'spatial', columns: ['g'] }, text: '' }],
  ['ADD INDEX p (name(10), b DESC)', { op: 'add-index', index: { name: 'p', kind: 'index', columns: ['name', 'b'] }, text: '' }],
  [
    'ADD INDEX f ((LOWER(name)), (a + b) DESC)',
    { op: 'add-index', index: { name: 'f', kind: 'index', columns: ['(LOWER(name))', '(a + b)'] }, text: '' }
  ],
  ["ADD INDEX i USING BTREE (a) COMMENT 'x' INVISIBLE", { op: 'add-index', index: { name: 'i', kind: 'index', columns: ['a'] }, text: '' }],
  ['ADD INDEX USING HASH (a) KEY_BLOCK_SIZE = 8', { op: 'add-index', index: { name: null, kind: 'index', columns: ['a'] }, text: '' }],
  ['ADD PRIMARY KEY (id)', { op: 'add-index', index: { name: null, kind: 'primary', columns: ['id'] }, text: '' }],
  ['ADD PRIMARY KEY USING BTREE (id, b)', { op: 'add-index', index: { name: null, kind: 'primary', columns: ['id', 'b'] }, text: '' }],
  ['ADD CONSTRAINT pk PRIMARY KEY (id)', { op: 'add-index', index: { name: 'pk', kind: 'primary', columns: ['id'] }, text: '' }],
  ['ADD CONSTRAINT uq UNIQUE KEY (a)', { op: 'add-index', index: { name: 'uq', kind: 'unique', columns: ['a'] }, text: '' }],
  ['ADD CONSTRAINT UNIQUE (a)', { op: 'add-index', index: { name: null, kind: 'unique', columns: ['a'] }, text: '' }],
  ['ADD CONSTRAINT uq2 UNIQUE ux (a)', { op: 'add-index', index: { name: 'ux', kind: 'unique', columns: ['a'] }, text: '' }],
  [
    'ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE ON UPDATE SET NULL',
    { op: 'add-foreign-key', name: 'fk', columns: ['a'], references: t('p'), referencedColumns: ['id'], text: '' }
  ],
  [
    'ADD FOREIGN KEY (a, b) REFERENCES db.p(x, y) MATCH FULL ON UPDATE NO ACTION',
    { op: 'add-foreign-key', name: null, columns: ['a', 'b'], references: t('p', 'db'), referencedColumns: ['x', 'y'], text: '' }
  ],
  [
    'ADD CONSTRAINT fk2 FOREIGN KEY fk_idx (a) REFERENCES p (id) ON DELETE RESTRICT',
    { op: 'add-foreign-key', name: 'fk2', columns: ['a'], references: t('p'), referencedColumns: ['id'], text: '' }
  ],
  [
    'ADD CONSTRAINT FOREIGN KEY IF NOT EXISTS (a) REFERENCES p (id)',
    { op: 'add-foreign-key', name: null, columns: ['a'], references: t('p'), referencedColumns: ['id'], text: '' }
  ],
  ['ADD CONSTRAINT chk CHECK (a > 0)', { op: 'add-check', name: 'chk', text: '' }],
  ['ADD CHECK (a > 0)', { op: 'add-check', name: null, text: '' }],
  ['ADD CONSTRAINT chk2 CHECK (a > 0) NOT ENFORCED', { op: 'add-check', name: 'chk2', text: '' }],
  ['DROP INDEX i', { op: 'drop-index', name: 'i', text: '' }],
  ['DROP KEY `i`', { op: 'drop-index', name: 'i', text: '' }],
  ['DROP INDEX IF EXISTS j', { op: 'drop-index', name: 'j', text: '' }],
  ['DROP PRIMARY KEY', { op: 'drop-primary-key', text: '' }],
  ['DROP FOREIGN KEY fk', { op: 'drop-foreign-key', name: 'fk', text: '' }],
  ['DROP FOREIGN KEY IF EXISTS fk', { op: 'drop-foreign-key', name: 'fk', text: '' }],
  ['DROP CHECK chk', { op: 'drop-check', name: 'chk', text: '' }],
  ['DROP CONSTRAINT chk', { op: 'drop-check', name: 'chk', text: '' }],
  ['RENAME INDEX a TO b', { op: 'rename-index', name: 'a', to: 'b', text: '' }],
  ['RENAME KEY a TO b', { op: 'rename-index', name: 'a', to: 'b', text: '' }],
  ['RENAME TO t2', { op: 'rename-table', to: t('t2'), text: '' }],
  ['RENAME AS db.t2', { op: 'rename-table', to: t('t2', 'db'), text: '' }],
  ['RENAME t3', { op: 'rename-table', to: t('t3'), text: '' }],
  [
    'CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
    { op: 'convert-charset', charset: 'utf8mb4', collation: 'utf8mb4_unicode_ci', text: '' }
  ],
  ['CONVERT TO CHARSET latin1', { op: 'convert-charset', charset: 'latin1', collation: null, text: '' }],
  ['DEFAULT CHARACTER SET = utf8mb4', { op: 'default-charset', charset: 'utf8mb4', collation: null, text: '' }],
  ['CHARACTER SET utf8mb4', { op: 'default-charset', charset: 'utf8mb4', collation: null, text: '' }],
  ['DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin', { op: 'default-charset', charset: 'utf8mb4', collation: 'utf8mb4_bin', text: '' }],
  ['COLLATE = utf8mb4_bin', { op: 'default-charset', charset: null, collation: 'utf8mb4_bin', text: '' }],
  ['DEFAULT COLLATE utf8mb4_bin', { op: 'default-charset', charset: null, collation: 'utf8mb4_bin', text: '' }],
  ['ENGINE=InnoDB', { op: 'engine', engine: 'innodb', text: '' }],
  ["ENGINE 'MyISAM'", { op: 'engine', engine: 'myisam', text: '' }],
  ['ROW_FORMAT=DYNAMIC', { op: 'row-format', format: 'dynamic', text: '' }],
  ['FORCE', { op: 'force', text: '' }],
  ["COMMENT = 'orders, all of them'", { op: 'table-option', option: 'comment', text: '' }],
  ['AUTO_INCREMENT=100', { op: 'table-option', option: 'auto_increment', text: '' }],
  ['KEY_BLOCK_SIZE 8', { op: 'table-option', option: 'key_block_size', text: '' }],
  ['STATS_PERSISTENT=1', { op: 'table-option', option: 'stats_persistent', text: '' }],
  ["DATA DIRECTORY = '/data'", { op: 'table-option', option: 'data directory', text: '' }],
  ['UNION = (a, b)', { op: 'table-option', option: 'union', text: '' }],
  ['DISABLE KEYS', { op: 'table-option', option: 'disable keys', text: '' }],
  ['PARTITION BY HASH(id) PARTITIONS 4', { op: 'partition', action: 'partition by', text: '' }],
  ['ADD PARTITION (PARTITION p3 VALUES LESS THAN (2030))', { op: 'partition', action: 'add partition', text: '' }],
  ['DROP PARTITION p1, p2', { op: 'partition', action: 'drop partition', text: '' }],
  ['TRUNCATE PARTITION p1', { op: 'partition', action: 'truncate partition', text: '' }],
  ['REMOVE PARTITIONING', { op: 'partition', action: 'remove partitioning', text: '' }],
  ['COALESCE PARTITION 2', { op: 'partition', action: 'coalesce partition', text: '' }],
  [
    'REORGANIZE PARTITION p0 INTO (PARTITION n0 VALUES LESS THAN (1990), PARTITION n1 VALUES LESS THAN (2000))',
    { op: 'partition', action: 'reorganize partition', text: '' }
  ],
  ['EXCHANGE PARTITION p0 WITH TABLE t2 WITHOUT VALIDATION', { op: 'partition', action: 'exchange partition', text: '' }]
]

describe('ALTER TABLE: each clause alone', () => {
  test.each(CLAUSES)('%s', (clause, expected) => {
    expect(parseMysqlStatement(`ALTER TABLE t ${clause}`)).toEqual(alter([{ ...expected, text: clause }]))
  })
})

describe('ALTER TABLE: clauses together', () => {
  test('ADD COLUMN (a …, b …) gives one clause per column, each with the whole clause as its text', () => {
    const text = 'ADD COLUMN (c INT NOT NULL, d TEXT)'
    expect(parseMysqlStatement(`ALTER TABLE t ${text}`)).toEqual(
      alter([
        { op: 'add-column', column: col('c', 'int', { notNull: true }), position: 'last', text },
        { op: 'add-column', column: col('d', 'text'), position: 'last', text }
      ])
    )
  })

  test('a mix, with ALGORITHM and LOCK, on a qualified, quoted table', () => {
    const sql =
      'ALTER TABLE `shop`.`orders` ADD COLUMN `note` TEXT NULL AFTER `id`, DROP INDEX `old`, ADD INDEX `new_i` (`note`(20)),\n' +
      '  MODIFY `total` DECIMAL(12,2) NOT NULL, ALGORITHM=INPLACE, LOCK=NONE'
    expect(parseMysqlStatement(sql)).toEqual({
      kind: 'alter-table',
      table: t('orders', 'shop'),
      clauses: [
        {
          op: 'add-column',
          column: col('note', 'text', { notNull: false }),
          position: 'after',
          text: 'ADD COLUMN `note` TEXT NULL AFTER `id`'
        },
        { op: 'drop-index', name: 'old', text: 'DROP INDEX `old`' },
        { op: 'add-index', index: { name: 'new_i', kind: 'index', columns: ['note'] }, text: 'ADD INDEX `new_i` (`note`(20))' },
        {
          op: 'change-column',
          column: 'total',
          definition: col('total', 'decimal(12,2)', { notNull: true }),
          position: 'last',
          text: 'MODIFY `total` DECIMAL(12,2) NOT NULL'
        }
      ],
      algorithm: 'inplace',
      lock: 'none',
      ignore: false
    })
  })

  test.each([
    ['ALGORITHM=INSTANT', 'instant', null],
    ['ALGORITHM = COPY, LOCK = SHARED', 'copy', 'shared'],
    ['LOCK=EXCLUSIVE, ALGORITHM=DEFAULT', 'default', 'exclusive'],
    ['LOCK DEFAULT, ALGORITHM INPLACE', 'inplace', 'default']
  ])('ADD COLUMN x INT, %s', (options, algorithm, lock) => {
    expect(parseMysqlStatement(`ALTER TABLE t ADD COLUMN x INT, ${options}`)).toEqual(
      alter([{ op: 'add-column', column: col('x', 'int'), position: 'last', text: 'ADD COLUMN x INT' }], { algorithm, lock } as never)
    )
  })

  test('ALGORITHM before the clauses', () => {
    expect(parseMysqlStatement('ALTER TABLE t ALGORITHM=INPLACE, ADD INDEX i (a)')).toEqual(
      alter([{ op: 'add-index', index: { name: 'i', kind: 'index', columns: ['a'] }, text: 'ADD INDEX i (a)' }], { algorithm: 'inplace' })
    )
  })

  test('table options one after another without commas, and a partition clause after them', () => {
    expect(
      parseMysqlStatement("ALTER TABLE t ENGINE = InnoDB ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8 COMMENT 'x' PARTITION BY KEY(id)")
    ).toEqual(
      alter([
        { op: 'engine', engine: 'innodb', text: 'ENGINE = InnoDB' },
        { op: 'row-format', format: 'compressed', text: 'ROW_FORMAT=COMPRESSED' },
        { op: 'table-option', option: 'key_block_size', text: 'KEY_BLOCK_SIZE=8' },
        { op: 'table-option', option: 'comment', text: "COMMENT 'x'" },
        { op: 'partition', action: 'partition by', text: 'PARTITION BY KEY(id)' }
      ])
    )
  })

  test('a partition clause after a column without a comma ends the column', () => {
    expect(parseMysqlStatement('ALTER TABLE t ADD COLUMN y INT NOT NULL PARTITION BY HASH(y)')).toEqual(
      alter([
        { op: 'add-column', column: col('y', 'int', { notNull: true }), position: 'last', text: 'ADD COLUMN y INT NOT NULL' },
        { op: 'partition', action: 'partition by', text: 'PARTITION BY HASH(y)' }
      ])
    )
  })

  test('ALTER IGNORE TABLE, ALTER ONLINE TABLE, IF EXISTS and NOWAIT', () => {
    const addUnique = { op: 'add-index' as const, index: { name: null, kind: 'unique' as const, columns: ['a'] }, text: 'ADD UNIQUE (a)' }
    expect(parseMysqlStatement('ALTER IGNORE TABLE t ADD UNIQUE (a)')).toEqual(alter([addUnique], { ignore: true }))
    expect(parseMysqlStatement('ALTER ONLINE IGNORE TABLE IF EXISTS t NOWAIT ADD UNIQUE (a)')).toEqual(alter([addUnique], { ignore: true }))
    expect(parseMysqlStatement('ALTER TABLE t WAIT 5 ADD UNIQUE (a)')).toEqual(alter([addUnique]))
  })

  test('ALTER TABLE with no clause', () => {
    expect(parseMysqlStatement('ALTER TABLE t')).toEqual(alter([]))
  })
})

describe('ALTER TABLE: what the reader does not know is unknown, and the clauses around it are still read', () => {
  test.each([
    ['ORDER BY a'],
    ['DISCARD TABLESPACE'],
    ['ALTER INDEX i INVISIBLE'],
    ['ALTER COLUMN a SET INVISIBLE'],
    ['ALTER CHECK chk NOT ENFORCED'],
    ['ADD PERIOD FOR SYSTEM_TIME(s, e)'],
    ['ADD COLUMN'],
    ['ADD INDEX i'],
    ['ALGORITHM=NOCOPY'],
    ['LOCK=WHATEVER'],
    ['FROBNICATE']
  ])('%s', (clause) => {
    expect(parseMysqlStatement(`ALTER TABLE t DROP COLUMN a, ${clause}, DROP COLUMN b`)).toEqual(
      alter([
        { op: 'drop-column', column: 'a', text: 'DROP COLUMN a' },
        { op: 'unknown', text: clause },
        { op: 'drop-column', column: 'b', text: 'DROP COLUMN b' }
      ])
    )
  })

  test('a clause that goes on past what the reader understood is unknown as a whole', () => {
    expect(parseMysqlStatement('ALTER TABLE t DROP COLUMN a b c, RENAME COLUMN x TO y z')).toEqual(
      alter([
        { op: 'unknown', text: 'DROP COLUMN a b c' },
        { op: 'unknown', text: 'RENAME COLUMN x TO y z' }
      ])
    )
  })
})

describe('executable comments, comments and quoting', () => {
  const addA = (notNull: boolean | null, text = 'ADD COLUMN a INT'): MysqlNode =>
    alter([{ op: 'add-column', column: col('a', 'int', { notNull }), position: 'last', text }])

  test('an executable comment reads as code, whatever version it names', () => {
    expect(parseMysqlStatement('/*!50100 ALTER TABLE t ADD COLUMN a INT */')).toEqual(addA(null))
    expect(parseMysqlStatement('/*!ALTER TABLE t ADD COLUMN a INT*/')).toEqual(addA(null))
    expect(parseMysqlStatement('/*M!100500 ALTER TABLE t ADD COLUMN a INT */')).toEqual(addA(null))
    expect(parseMysqlStatement('ALTER TABLE t /*!99999 ADD COLUMN a INT NOT NULL */')).toEqual(addA(true, 'ADD COLUMN a INT NOT NULL'))
  })

  test('mysqldump’s ALTER … DISABLE KEYS and its CREATE TABLE with a partition in an executable comment', () => {
    expect(parseMysqlStatement('/*!40000 ALTER TABLE `orders` DISABLE KEYS */')).toEqual(
      alter([{ op: 'table-option', option: 'disable keys', text: 'DISABLE KEYS' }], { table: t('orders') })
    )
    expect(
      parseMysqlStatement('CREATE TABLE `p` (`id` int NOT NULL) ENGINE=InnoDB\n/*!50100 PARTITION BY HASH (`id`) PARTITIONS 4 */')
    ).toMatchObject({
      kind: 'create-table',
      columns: [col('id', 'int', { notNull: true })],
      engine: 'innodb',
      asSelect: false
    })
  })

  test('comments and hints between the tokens do not count, and stay in the clause text', () => {
    expect(
      parseMysqlStatement('ALTER /* why */ TABLE t -- and why\n  ADD COLUMN a INT /* note; with a semicolon */ NOT NULL # end')
    ).toEqual(addA(true, 'ADD COLUMN a INT /* note; with a semicolon */ NOT NULL'))
    expect(parseMysqlStatement('UPDATE /*+ NO_MERGE() */ t SET a = 1')).toEqual({
      kind: 'update',
      tables: [t('t')],
      where: false,
      limit: false
    })
  })

  test('backtick names: doubled backticks undone, spaces and dots kept, bare names as written', () => {
    expect(parseMysqlStatement('ALTER TABLE `my``db`.`the table` ADD COLUMN `we``ird.col` INT, RENAME COLUMN CamelCase TO `x`')).toEqual(
      alter(
        [
          { op: 'add-column', column: col('we`ird.col', 'int'), position: 'last', text: 'ADD COLUMN `we``ird.col` INT' },
          { op: 'rename-column', column: 'CamelCase', to: 'x', text: 'RENAME COLUMN CamelCase TO `x`' }
        ],
        { table: t('the table', 'my`db') }
      )
    )
    expect(parseMysqlStatement('DROP TABLE db . t, `a`.b')).toEqual({
      kind: 'drop-table',
      tables: [t('t', 'db'), t('b', 'a')],
      ifExists: false,
      temporary: false
    })
  })

  test('strings holding what looks like syntax stay strings', () => {
    expect(parseMysqlStatement("ALTER TABLE t ADD COLUMN a ENUM('x, DROP COLUMN b', ')') DEFAULT 'WHERE'")).toEqual(
      alter([
        {
          op: 'add-column',
          column: col('a', "enum('x, DROP COLUMN b',')')", { hasDefault: true }),
          position: 'last',
          text: "ADD COLUMN a ENUM('x, DROP COLUMN b', ')') DEFAULT 'WHERE'"
        }
      ])
    )
    expect(parseMysqlStatement("UPDATE t SET a = 'WHERE LIMIT'")).toEqual({ kind: 'update', tables: [t('t')], where: false, limit: false })
  })
})

describe('CREATE TABLE', () => {
  test('columns, table-level keys and a foreign key, ENGINE', () => {
    const sql = [
      'CREATE TABLE IF NOT EXISTS `db`.`orders` (',
      '  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,',
      '  `customer_id` BIGINT UNSIGNED NOT NULL,',
      "  `status` ENUM('open','paid') NOT NULL DEFAULT 'open',",
      '  `body` TEXT CHARACTER SET utf8mb4,',
      '  `code` VARCHAR(10) UNIQUE,',
      '  PRIMARY KEY (`id`),',
      '  UNIQUE KEY `u` (`customer_id`, `status`),',
      '  KEY (`status`),',
      '  INDEX `i` USING BTREE (`code`(4)),',
      '  FULLTEXT KEY `ft` (`body`),',
      '  CONSTRAINT `fk` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE CASCADE,',
      '  FOREIGN KEY (`code`) REFERENCES shop.codes (code),',
      '  CHECK (`id` > 0),',
      '  CONSTRAINT `positive` CHECK (`customer_id` > 0)',
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='orders'"
    ].join('\n')
    expect(parseMysqlStatement(sql)).toEqual({
      kind: 'create-table',
      table: t('orders', 'db'),
      ifNotExists: true,
      temporary: false,
      like: null,
      asSelect: false,
      columns: [
        col('id', 'bigint unsigned', { notNull: true, autoIncrement: true }),
        col('customer_id', 'bigint unsigned', { notNull: true }),
        col('status', "enum('open','paid')", { notNull: true, hasDefault: true }),
        col('body', 'text', { charset: 'utf8mb4' }),
        col('code', 'varchar(10)', { unique: true })
      ],
      indexes: [
        { name: null, kind: 'primary', columns: ['id'] },
        { name: 'u', kind: 'unique', columns: ['customer_id', 'status'] },
        { name: null, kind: 'index', columns: ['status'] },
        { name: 'i', kind: 'index', columns: ['code'] },
        { name: 'ft', kind: 'fulltext', columns: ['body'] }
      ],
      foreignKeys: [
        { name: 'fk', columns: ['customer_id'], references: t('customers'), referencedColumns: ['id'] },
        { name: null, columns: ['code'], references: t('codes', 'shop'), referencedColumns: ['code'] }
      ],
      engine: 'innodb'
    })
  })

  const table = (set: Partial<Extract<MysqlNode, { kind: 'create-table' }>>): MysqlNode => ({
    kind: 'create-table',
    table: t('t2'),
    ifNotExists: false,
    temporary: false,
    like: null,
    asSelect: false,
    columns: [],
    indexes: [],
    foreignKeys: [],
    engine: null,
    ...set
  })

  test.each<[string, MysqlNode]>([
    ['CREATE TEMPORARY TABLE t2 (a INT) ENGINE=MEMORY', table({ temporary: true, columns: [col('a', 'int')], engine: 'memory' })],
    ['CREATE TEMPORARY TABLE IF NOT EXISTS t2 (a INT)', table({ temporary: true, ifNotExists: true, columns: [col('a', 'int')] })],
    ['CREATE OR REPLACE TABLE t2 (a INT PRIMARY KEY)', table({ columns: [col('a', 'int', { primaryKey: true })] })],
    ['CREATE TABLE t2 LIKE db.t1', table({ like: t('t1', 'db') })],
    ['CREATE TABLE t2 (LIKE t1)', table({ like: t('t1') })],
    ['CREATE TABLE t2 AS SELECT * FROM t1', table({ asSelect: true })],
    ['CREATE TABLE t2 SELECT * FROM t1', table({ asSelect: true })],
    ['CREATE TABLE t2 (SELECT * FROM t1)', table({ asSelect: true })],
    [
      'CREATE TABLE t2 (a INT) ENGINE InnoDB IGNORE SELECT b AS a FROM t1',
      table({ columns: [col('a', 'int')], engine: 'innodb', asSelect: true })
    ],
    [
      'CREATE TABLE t2 (id INT NOT NULL, PRIMARY KEY (id)) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE)',
      table({ columns: [col('id', 'int', { notNull: true })], indexes: [{ name: null, kind: 'primary', columns: ['id'] }] })
    ],
    [
      'CREATE TABLE t2 (g GEOMETRY NOT NULL SRID 0, SPATIAL INDEX (g))',
      table({ columns: [col('g', 'geometry', { notNull: true })], indexes: [{ name: null, kind: 'spatial', columns: ['g'] }] })
    ],
    [
      'CREATE TABLE t2 (a INT, b INT AS (a + 1) STORED, INDEX ((a * 2)))',
      table({
        columns: [col('a', 'int'), col('b', 'int', { generated: 'stored' })],
        indexes: [{ name: null, kind: 'index', columns: ['(a * 2)'] }]
      })
    ]
  ])('%s', (sql, expected) => {
    expect(parseMysqlStatement(sql)).toEqual(expected)
  })
})

describe('CREATE INDEX and DROP INDEX', () => {
  test.each<[string, MysqlNode]>([
    [
      'CREATE INDEX i ON t (a)',
      { kind: 'create-index', table: t('t'), index: { name: 'i', kind: 'index', columns: ['a'] }, algorithm: null, lock: null }
    ],
    [
      'CREATE UNIQUE INDEX u ON db.t (a, b(10)) ALGORITHM=INPLACE LOCK=NONE',
      {
        kind: 'create-index',
        table: t('t', 'db'),
        index: { name: 'u', kind: 'unique', columns: ['a', 'b'] },
        algorithm: 'inplace',
        lock: 'none'
      }
    ],
    [
      'CREATE FULLTEXT INDEX ft ON t (body)',
      { kind: 'create-index', table: t('t'), index: { name: 'ft', kind: 'fulltext', columns: ['body'] }, algorithm: null, lock: null }
    ],
    [
      'CREATE SPATIAL INDEX s ON t (g)',
      { kind: 'create-index', table: t('t'), index: { name: 's', kind: 'spatial', columns: ['g'] }, algorithm: null, lock: null }
    ],
    [
      "CREATE INDEX i USING BTREE ON t (a DESC) COMMENT 'x' ALGORITHM DEFAULT",
      { kind: 'create-index', table: t('t'), index: { name: 'i', kind: 'index', columns: ['a'] }, algorithm: 'default', lock: null }
    ],
    [
      'CREATE INDEX f ON t ((LOWER(name)))',
      { kind: 'create-index', table: t('t'), index: { name: 'f', kind: 'index', columns: ['(LOWER(name))'] }, algorithm: null, lock: null }
    ],
    [
      'CREATE OR REPLACE INDEX IF NOT EXISTS i ON t (a) USING HASH LOCK = SHARED',
      { kind: 'create-index', table: t('t'), index: { name: 'i', kind: 'index', columns: ['a'] }, algorithm: null, lock: 'shared' }
    ],
    [
      'CREATE INDEX i ON t (a) ALGORITHM=NOCOPY',
      { kind: 'create-index', table: t('t'), index: { name: 'i', kind: 'index', columns: ['a'] }, algorithm: null, lock: null }
    ],
    ['DROP INDEX i ON t', { kind: 'drop-index', table: t('t'), name: 'i', algorithm: null, lock: null }],
    [
      'DROP INDEX IF EXISTS `PRIMARY` ON db.t ALGORITHM=INPLACE LOCK=NONE',
      { kind: 'drop-index', table: t('t', 'db'), name: 'PRIMARY', algorithm: 'inplace', lock: 'none' }
    ]
  ])('%s', (sql, expected) => {
    expect(parseMysqlStatement(sql)).toEqual(expected)
  })
})

describe('DROP TABLE, RENAME TABLE, TRUNCATE', () => {
  test.each<[string, MysqlNode]>([
    ['DROP TABLE a', { kind: 'drop-table', tables: [t('a')], ifExists: false, temporary: false }],
    [
      'DROP TEMPORARY TABLE IF EXISTS a, db.b CASCADE',
      { kind: 'drop-table', tables: [t('a'), t('b', 'db')], ifExists: true, temporary: true }
    ],
    ['DROP TABLES a NOWAIT', { kind: 'drop-table', tables: [t('a')], ifExists: false, temporary: false }],
    [
      'RENAME TABLE a TO b, c TO db.d',
      {
        kind: 'rename-table',
        renames: [
          { from: t('a'), to: t('b') },
          { from: t('c'), to: t('d', 'db') }
        ]
      }
    ],
    ['RENAME TABLE IF EXISTS a WAIT 3 TO b', { kind: 'rename-table', renames: [{ from: t('a'), to: t('b') }] }],
    ['TRUNCATE t', { kind: 'truncate', table: t('t') }],
    ['TRUNCATE TABLE db.t', { kind: 'truncate', table: t('t', 'db') }]
  ])('%s', (sql, expected) => {
    expect(parseMysqlStatement(sql)).toEqual(expected)
  })
})

describe('UPDATE, DELETE, INSERT, REPLACE', () => {
  test.each<[string, MysqlNode]>([
    ['UPDATE t SET a = 1', { kind: 'update', tables: [t('t')], where: false, limit: false }],
    ['UPDATE t SET a = 1 WHERE id = 2', { kind: 'update', tables: [t('t')], where: true, limit: false }],
    [
      'UPDATE LOW_PRIORITY IGNORE db.t SET a = 1 ORDER BY id LIMIT 10',
      { kind: 'update', tables: [t('t', 'db')], where: false, limit: true }
    ],
    ['UPDATE t1, t2 AS b SET t1.a = b.b WHERE t1.id = b.id', { kind: 'update', tables: [t('t1'), t('t2')], where: true, limit: false }],
    [
      'UPDATE t1 INNER JOIN t2 ON t1.id = t2.id LEFT JOIN t3 USING (id) SET t1.a = t2.b',
      { kind: 'update', tables: [t('t1'), t('t2'), t('t3')], where: false, limit: false }
    ],
    [
      'UPDATE t AS x SET x.a = (SELECT MAX(b) FROM u WHERE u.c = x.c LIMIT 1)',
      { kind: 'update', tables: [t('t')], where: false, limit: false }
    ],
    ['UPDATE t JOIN (SELECT id FROM u) AS d ON d.id = t.id SET t.a = 1', { kind: 'update', tables: [t('t')], where: false, limit: false }],
    ['WITH d AS (SELECT id FROM u WHERE x) UPDATE t SET a = 1', { kind: 'update', tables: [t('t')], where: false, limit: false }],
    ['DELETE FROM t', { kind: 'delete', tables: [t('t')], where: false, limit: false }],
    ['DELETE FROM db.t WHERE a = 1', { kind: 'delete', tables: [t('t', 'db')], where: true, limit: false }],
    ['DELETE LOW_PRIORITY QUICK IGNORE FROM t ORDER BY id LIMIT 5', { kind: 'delete', tables: [t('t')], where: false, limit: true }],
    ['DELETE FROM t AS x PARTITION (p0) WHERE x.a = 1', { kind: 'delete', tables: [t('t')], where: true, limit: false }],
    [
      'DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id WHERE t1.a = 0',
      { kind: 'delete', tables: [t('t1'), t('t2')], where: true, limit: false }
    ],
    ['DELETE t1.* FROM t1 JOIN t2 ON t1.id = t2.id', { kind: 'delete', tables: [t('t1')], where: false, limit: false }],
    ['DELETE FROM t1, t2.* USING t1 JOIN t2 ON t1.id = t2.id', { kind: 'delete', tables: [t('t1'), t('t2')], where: false, limit: false }],
    [
      'DELETE a FROM db.t1 AS a LEFT JOIN t2 b ON a.id = b.id WHERE b.id IS NULL',
      { kind: 'delete', tables: [t('t1', 'db')], where: true, limit: false }
    ],
    ['INSERT INTO t (a) VALUES (1)', { kind: 'insert', table: t('t'), select: false }],
    ['INSERT t VALUES (1), (2)', { kind: 'insert', table: t('t'), select: false }],
    ['INSERT IGNORE INTO db.t SELECT * FROM u', { kind: 'insert', table: t('t', 'db'), select: true }],
    ['INSERT LOW_PRIORITY INTO t PARTITION (p0) (a, b) SELECT x, y FROM u WHERE z > 0', { kind: 'insert', table: t('t'), select: true }],
    ['INSERT INTO t SET a = 1, b = (SELECT 2)', { kind: 'insert', table: t('t'), select: false }],
    ['INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)', { kind: 'insert', table: t('t'), select: false }],
    ['INSERT INTO t (SELECT a FROM u)', { kind: 'insert', table: t('t'), select: true }],
    ['INSERT INTO t (a) WITH w AS (SELECT 1) SELECT * FROM w', { kind: 'insert', table: t('t'), select: true }],
    ['INSERT INTO t TABLE u', { kind: 'insert', table: t('t'), select: true }],
    ['REPLACE INTO t VALUES (1)', { kind: 'replace', table: t('t'), select: false }],
    ['REPLACE t (a) SELECT a FROM u', { kind: 'replace', table: t('t'), select: true }]
  ])('%s', (sql, expected) => {
    expect(parseMysqlStatement(sql)).toEqual(expected)
  })
})

describe('views, triggers, routines, events', () => {
  const body = 'BEGIN\n  UPDATE u SET n = n + 1;\n  DELETE FROM v;\nEND'
  test.each<[string, MysqlNode]>([
    ['CREATE VIEW v AS SELECT 1 AS a', { kind: 'create-view', names: [t('v')] }],
    [
      'CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`root`@`localhost` SQL SECURITY INVOKER VIEW db.v (a) AS SELECT 1',
      { kind: 'create-view', names: [t('v', 'db')] }
    ],
    ["CREATE DEFINER='root'@'%' VIEW IF NOT EXISTS v AS SELECT 1", { kind: 'create-view', names: [t('v')] }],
    ['DROP VIEW IF EXISTS a, db.b CASCADE', { kind: 'drop-view', names: [t('a'), t('b', 'db')] }],
    ['CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1', { kind: 'create-trigger', name: t('tr'), table: t('t') }],
    [
      `CREATE DEFINER=\`root\`@\`%\` TRIGGER db.tr AFTER UPDATE ON db.t FOR EACH ROW FOLLOWS other ${body}`,
      { kind: 'create-trigger', name: t('tr', 'db'), table: t('t', 'db') }
    ],
    [
      'CREATE OR REPLACE DEFINER=CURRENT_USER() TRIGGER IF NOT EXISTS tr AFTER DELETE ON t FOR EACH ROW DELETE FROM u',
      { kind: 'create-trigger', name: t('tr'), table: t('t') }
    ],
    [
      '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER a_bi BEFORE INSERT ON a FOR EACH ROW BEGIN\n  IF NEW.id < 0 THEN\n    SET NEW.id = 0;\n  END IF;\nEND */',
      { kind: 'create-trigger', name: t('a_bi'), table: t('a') }
    ],
    ['DROP TRIGGER IF EXISTS db.tr', { kind: 'drop-trigger', name: t('tr', 'db'), table: null }],
    [`CREATE PROCEDURE p() ${body}`, { kind: 'create-routine', name: t('p') }],
    [
      `CREATE DEFINER=CURRENT_USER PROCEDURE db.p(IN a INT) SQL SECURITY INVOKER proc: ${body}`,
      { kind: 'create-routine', name: t('p', 'db') }
    ],
    ['CREATE FUNCTION f(x INT) RETURNS INT DETERMINISTIC RETURN x + 1', { kind: 'create-routine', name: t('f') }],
    [
      'CREATE OR REPLACE AGGREGATE FUNCTION IF NOT EXISTS f(x INT) RETURNS INT BEGIN RETURN 1; END',
      { kind: 'create-routine', name: t('f') }
    ],
    ['DROP PROCEDURE IF EXISTS p', { kind: 'drop-routine', name: t('p') }],
    ['DROP FUNCTION db.f', { kind: 'drop-routine', name: t('f', 'db') }],
    ['CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t WHERE a < 0', { kind: 'create-event', name: t('e') }],
    [
      `CREATE DEFINER=\`root\`@\`localhost\` EVENT IF NOT EXISTS db.e ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 HOUR DO ${body}`,
      { kind: 'create-event', name: t('e', 'db') }
    ],
    ['DROP EVENT IF EXISTS e', { kind: 'drop-event', name: t('e') }]
  ])('%s', (sql, expected) => {
    expect(parseMysqlStatement(sql)).toEqual(expected)
  })
})

describe('SET', () => {
  test.each<[string, string[]]>([
    ['SET SESSION foreign_key_checks = 0', ['foreign_key_checks']],
    ['SET @@foreign_key_checks=0', ['foreign_key_checks']],
    ['SET FOREIGN_KEY_CHECKS=0', ['foreign_key_checks']],
    ["SET @@SESSION.sql_mode = '', GLOBAL max_connections = 10, LOCAL wait_timeout := 5", ['sql_mode', 'max_connections', 'wait_timeout']],
    ['SET PERSIST innodb_lock_wait_timeout = 10, @@persist_only.x = 1', ['innodb_lock_wait_timeout', 'x']],
    ["SET sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES'), @x = (SELECT 1, 2)", ['sql_mode', '@x']],
    ['SET @@global.hot_cache.key_buffer_size = 1024', ['hot_cache.key_buffer_size']],
    ['/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */', ['@old_character_set_client']],
    [
      '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */',
      ['@old_foreign_key_checks', 'foreign_key_checks']
    ],
    ["SET @`my var` = 1, @'other' = 2", ['@my var', '@other']],
    ['SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci', ['names']],
    ['SET CHARACTER SET utf8mb4', ['character set']],
    ['SET CHARSET DEFAULT', ['character set']]
  ])('%s', (sql, variables) => {
    expect(parseMysqlStatement(sql)).toEqual({ kind: 'set', variables })
  })
})

describe('other statements, and text that is no statement', () => {
  test.each<[string, string]>([
    ['GRANT SELECT ON db.* TO u', 'grant'],
    ['SELECT 1', 'select'],
    ['(SELECT 1) UNION (SELECT 2)', 'select'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'select'],
    ['CALL p()', 'call'],
    ['CREATE DATABASE d', 'create database'],
    ['CREATE USER u IDENTIFIED BY "x"', 'create user'],
    ['ALTER VIEW v AS SELECT 2', 'alter view'],
    ['ALTER DATABASE d CHARACTER SET utf8mb4', 'alter database'],
    ['ALTER EVENT e DISABLE', 'alter event'],
    ['DROP DATABASE d', 'drop database'],
    ['RENAME USER a TO b', 'rename user'],
    ['SET TRANSACTION ISOLATION LEVEL READ COMMITTED', 'set transaction'],
    ['SET SESSION TRANSACTION READ ONLY', 'set transaction'],
    ["SET PASSWORD = 'x'", 'set password'],
    ['SET DEFAULT ROLE ALL TO u', 'set default role'],
    ['SET STATEMENT max_statement_time=1 FOR SELECT 1', 'set statement'],
    ['OPTIMIZE TABLE t', 'optimize'],
    ['LOCK TABLES t WRITE', 'lock'],
    ['BEGIN NOT ATOMIC SELECT 1; SELECT 2; END', 'begin']
  ])('%s', (sql, verb) => {
    expect(parseMysqlStatement(sql)).toEqual({ kind: 'other', verb })
  })

  test.each([
    ['', 'empty'],
    ['  -- only a comment\n/* and another */ ', 'only comments'],
    ["SELECT 'unclosed", 'an unclosed string'],
    ['ALTER TABLE t ADD COLUMN `unclosed INT', 'an unclosed quoted name'],
    ['ALTER TABLE', 'ALTER TABLE without a table'],
    ['ALTER TABLE t ADD COLUMN a INT)', 'an unbalanced parenthesis'],
    ['CREATE TABLE t (a INT', 'CREATE TABLE without its closing parenthesis'],
    ['CREATE INDEX i ON t', 'CREATE INDEX without columns'],
    ['DROP TABLE', 'DROP TABLE without a table'],
    ['RENAME TABLE a b', 'RENAME TABLE without TO'],
    ['DELETE t1', 'DELETE without FROM'],
    ['ALTER TABLE t ADD COLUMN a INT; DROP TABLE t', 'two statements'],
    ['UPDATE t SET a = 1; UPDATE t SET a = 2', 'two updates'],
    [')', 'a statement that starts with a symbol']
  ])('%s: null (%s)', (sql) => {
    expect(parseMysqlStatement(sql)).toBeNull()
  })

  test('a trailing semicolon is not a second statement', () => {
    expect(parseMysqlStatement('TRUNCATE t;')).toEqual({ kind: 'truncate', table: t('t') })
  })
})

describe('never throws', () => {
  const corpus = [
    ...CLAUSES.map(([clause]) => `ALTER TABLE t ${clause}`),
    "CREATE TABLE IF NOT EXISTS `db`.`orders` (`id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, `s` ENUM('a','b') DEFAULT 'a', PRIMARY KEY (`id`), CONSTRAINT `fk` FOREIGN KEY (`s`) REFERENCES `x` (`y`)) ENGINE=InnoDB",
    '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER a_bi BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.id = 0; END */',
    'DELETE a FROM db.t1 AS a LEFT JOIN t2 b ON a.id = b.id WHERE b.id IS NULL',
    "SET sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES'), @x = (SELECT 1, 2)",
    'INSERT INTO t (a) WITH w AS (SELECT 1) SELECT * FROM w'
  ].join(';\n')

  /** A small deterministic generator (a linear congruential one), so a failure reproduces. */
  function random(seed: number): () => number {
    let state = seed
    return () => {
      state = (state * 1103515245 + 12345) % 2147483648
      return state / 2147483648
    }
  }

  test('on 500 slices of real statements', () => {
    const next = random(7)
    let read = 0
    for (let i = 0; i < 500; i++) {
      const start = Math.floor(next() * corpus.length)
      const slice = corpus.slice(start, start + 1 + Math.floor(next() * 200))
      expect(() => parseMysqlStatement(slice)).not.toThrow()
      if (parseMysqlStatement(slice) !== null) read++
    }
    // Slices that start at a statement's head are read; the test would pass vacuously if none were.
    expect(read).toBeGreaterThan(0)
  })

  test('on 500 shuffles of their tokens behind a leading verb', () => {
    const next = random(11)
    const pieces = corpus.split(/(\s+|[(),;=.`'"])/).filter((piece) => piece.trim() !== '')
    const heads = [
      'ALTER TABLE t ',
      'CREATE TABLE t (',
      'CREATE INDEX i ON t ',
      'UPDATE ',
      'DELETE ',
      'INSERT INTO t ',
      'SET ',
      'DROP ',
      'RENAME TABLE ',
      ''
    ]
    for (let i = 0; i < 500; i++) {
      const body = Array.from({ length: Math.floor(next() * 30) }, () => pieces[Math.floor(next() * pieces.length)]).join(' ')
      const sql = heads[Math.floor(next() * heads.length)] + body
      expect(() => parseMysqlStatement(sql)).not.toThrow()
    }
  })
})
