/**
 * The algorithm table (src/dialects/mysql/review/algorithm.ts) proved on a real server: for each case the
 * tables are built with rows, the table's state is read from information_schema as the review reads it, and
 * the statement is run with ALGORITHM=INSTANT, then INPLACE, then COPY until the server takes it. The first
 * one taken is the algorithm; a changed InnoDB table id says the table was rebuilt; on fresh tables the same
 * statement with LOCK=NONE says whether concurrent DML is permitted. The result must equal
 * predictAlgorithm(...) for that server's flavor and version (VERSION()): on MariaDB (the server here) where
 * it differs from MySQL 8.0 the prediction takes ENGINE_DIFFERENCES' MariaDB side, and the last test checks
 * that exactly the cases marked as differing do differ from the MySQL 8.0 prediction. MySQL 8.0 runs the same
 * file in the repository's workflow.
 */
import { createConnection, type Connection } from 'mysql2/promise'
import {
  ENGINE_DIFFERENCES,
  predictAlgorithm,
  type Prediction,
  type Server,
  type TableState
} from '../../src/dialects/mysql/review/algorithm.js'
import type {
  AlgorithmClause,
  AlterClause,
  ColumnDefinition,
  IndexDefinition,
  LockClause,
  MysqlNode
} from '../../src/dialects/mysql/review/node.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

const REFUSED = new Set([1845, 1846, 4092])

const column = (name: string, type: string, extra: Partial<ColumnDefinition> = {}): ColumnDefinition => ({
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
  ...extra
})
const index = (kind: IndexDefinition['kind'], name: string | null, ...columns: string[]): IndexDefinition => ({ name, kind, columns })
const alter = (clauses: AlterClause[], algorithm: AlgorithmClause = null, lock: LockClause = null, ignore = false): MysqlNode => ({
  kind: 'alter-table',
  table: { schema: null, name: 'x' },
  clauses,
  algorithm,
  lock,
  ignore
})
const c = {
  add: (definition: ColumnDefinition, position: 'last' | 'first' | 'after' = 'last'): AlterClause => ({
    op: 'add-column',
    column: definition,
    position,
    text: ''
  }),
  drop: (name: string): AlterClause => ({ op: 'drop-column', column: name, text: '' }),
  rename: (name: string, to: string): AlterClause => ({ op: 'rename-column', column: name, to, text: '' }),
  change: (name: string, definition: ColumnDefinition, position: 'last' | 'first' | 'after' = 'last'): AlterClause => ({
    op: 'change-column',
    column: name,
    definition,
    position,
    text: ''
  }),
  modify: (definition: ColumnDefinition, position: 'last' | 'first' | 'after' = 'last'): AlterClause =>
    c.change(definition.name, definition, position),
  addIndex: (definition: IndexDefinition): AlterClause => ({ op: 'add-index', index: definition, text: '' }),
  other: (clause: AlterClause): AlterClause => clause
}

/** The usual table: a primary key, an indexed column, strings of each length class, ENUM, SET, TEXT; three rows. */
const BASE = [
  `CREATE TABLE x (id INT PRIMARY KEY, a VARCHAR(20), b INT, n INT NOT NULL, v VARCHAR(40), w VARCHAR(100), vb VARBINARY(100),
     e ENUM('a','b'), s SET('a','b','c','d','e','f','g','h'), t TEXT, KEY kb (b)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `INSERT INTO x VALUES (1,'a',1,1,'v','w','vb','a','a','t'), (2,'b',2,2,'v','w','vb','b','b','t'), (3,'c',3,3,'v','w','vb','a','c','t')`
]
const withFulltext = [
  'CREATE TABLE x (id INT PRIMARY KEY, a VARCHAR(20), b INT, t TEXT, u TEXT, FULLTEXT KEY ft (t)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
  "INSERT INTO x VALUES (1,'a',1,'t','u'), (2,'b',2,'t','u')"
]
const withRowFormat = (format: string) => [
  `CREATE TABLE x (id INT PRIMARY KEY, a VARCHAR(20), b INT, n INT NOT NULL, v VARCHAR(40)) ENGINE=InnoDB ROW_FORMAT=${format} DEFAULT CHARSET=utf8mb4`,
  "INSERT INTO x VALUES (1,'a',1,1,'v'), (2,'b',2,2,'v')"
]
const withParent = [
  'CREATE TABLE p (id INT PRIMARY KEY) ENGINE=InnoDB',
  'INSERT INTO p VALUES (1), (2)',
  'CREATE TABLE x (id INT PRIMARY KEY, pid INT, b INT, KEY kp (pid)) ENGINE=InnoDB',
  'INSERT INTO x VALUES (1,1,1), (2,2,2)'
]
const withForeignKey = (action: string) => [
  ...withParent.slice(0, 2),
  `CREATE TABLE x (id INT PRIMARY KEY, pid INT, b INT, KEY kp (pid), CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id) ${action},
     CONSTRAINT ck CHECK (b > 0)) ENGINE=InnoDB`,
  'INSERT INTO x VALUES (1,1,1), (2,2,2)'
]
const utf8mb3 = [
  'CREATE TABLE x (id INT PRIMARY KEY, a VARCHAR(20), b VARCHAR(20), KEY kb (b)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3',
  "INSERT INTO x VALUES (1,'a','b'), (2,'c','d')"
]
const addColumns = (count: number, prefix: string) => Array.from({ length: count }, (_, i) => `ALTER TABLE x ADD COLUMN ${prefix}${i} INT`)

interface Case {
  name: string
  setup: string[]
  /** The statement without ALGORITHM=/LOCK=. */
  sql: string
  node: MysqlNode
  foreignKeyChecks?: boolean
  /** CREATE/DROP INDEX take `ALGORITHM=…` without a comma, and no INSTANT. */
  bare?: boolean
  /** The table after the statement (RENAME). */
  after?: string
  /** The ENGINE_DIFFERENCES row that makes MariaDB differ from MySQL 8.0 here. */
  differs?: keyof typeof ENGINE_DIFFERENCES
  /** Instant ADD COLUMN statements in the setup: the row versions MySQL would count (MariaDB keeps none). */
  rowVersions?: number
  /** A MariaDB-only statement: MySQL must reject its syntax (1064). */
  mariadbOnly?: boolean
}

const CASES: Case[] = [
  { name: 'add a column last', setup: BASE, sql: 'ALTER TABLE x ADD COLUMN c INT', node: alter([c.add(column('c', 'int'))]) },
  {
    name: 'add a column first',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN c INT FIRST',
    node: alter([c.add(column('c', 'int'), 'first')])
  },
  {
    name: 'add two columns, one after another column',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN c INT AFTER a, ADD COLUMN d VARCHAR(10)',
    node: alter([c.add(column('c', 'int'), 'after'), c.add(column('d', 'varchar(10)'))])
  },
  {
    name: 'add a STORED generated column',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN g INT AS (b + 1) STORED',
    node: alter([c.add(column('g', 'int', { generated: 'stored' }))])
  },
  {
    name: 'add a VIRTUAL generated column',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN g INT AS (b + 1) VIRTUAL',
    node: alter([c.add(column('g', 'int', { generated: 'virtual' }))])
  },
  {
    name: 'add an AUTO_INCREMENT column',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN c INT AUTO_INCREMENT UNIQUE',
    node: alter([c.add(column('c', 'int', { autoIncrement: true, unique: true }))])
  },
  {
    name: 'add a column with its own UNIQUE index',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN c INT UNIQUE',
    node: alter([c.add(column('c', 'int', { unique: true }))])
  },
  {
    name: 'add a column to a table with a FULLTEXT index',
    setup: withFulltext,
    sql: 'ALTER TABLE x ADD COLUMN c INT',
    node: alter([c.add(column('c', 'int'))]),
    differs: 'rebuildWithFulltext'
  },
  {
    name: 'add a column to a ROW_FORMAT=COMPRESSED table',
    setup: withRowFormat('COMPRESSED'),
    sql: 'ALTER TABLE x ADD COLUMN c INT',
    node: alter([c.add(column('c', 'int'))])
  },
  {
    name: 'add a column beside a new index',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN c INT, ADD INDEX ka (a)',
    node: alter([c.add(column('c', 'int')), c.addIndex(index('index', 'ka', 'a'))])
  },
  { name: 'drop a column', setup: BASE, sql: 'ALTER TABLE x DROP COLUMN a', node: alter([c.drop('a')]) },
  {
    name: 'drop a column an index uses',
    setup: BASE,
    sql: 'ALTER TABLE x DROP COLUMN b',
    node: alter([c.drop('b')]),
    differs: 'dropIndexedColumnRebuilds'
  },
  {
    name: 'drop a column of a table with a FULLTEXT index',
    setup: withFulltext,
    sql: 'ALTER TABLE x DROP COLUMN b',
    node: alter([c.drop('b')]),
    differs: 'rebuildWithFulltext'
  },
  { name: 'rename a column', setup: BASE, sql: 'ALTER TABLE x RENAME COLUMN a TO a2', node: alter([c.rename('a', 'a2')]) },
  {
    name: 'rename a column by CHANGE',
    setup: BASE,
    sql: 'ALTER TABLE x CHANGE a a2 VARCHAR(20)',
    node: alter([c.change('a', column('a2', 'varchar(20)'))])
  },
  {
    name: 'move a column first',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY a VARCHAR(20) FIRST',
    node: alter([c.modify(column('a', 'varchar(20)'), 'first')]),
    differs: 'instantReorderColumnSince'
  },
  {
    name: 'set a default',
    setup: BASE,
    sql: 'ALTER TABLE x ALTER COLUMN b SET DEFAULT 5',
    node: alter([{ op: 'set-default', column: 'b', text: '' }])
  },
  {
    name: 'drop a default',
    setup: BASE,
    sql: 'ALTER TABLE x ALTER COLUMN b DROP DEFAULT',
    node: alter([{ op: 'drop-default', column: 'b', text: '' }])
  },
  { name: 'INT to BIGINT', setup: BASE, sql: 'ALTER TABLE x MODIFY b BIGINT', node: alter([c.modify(column('b', 'bigint'))]) },
  {
    name: 'INT to INT UNSIGNED',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY b INT UNSIGNED',
    node: alter([c.modify(column('b', 'int unsigned'))])
  },
  {
    name: 'VARCHAR 160 to 252 bytes (one length byte)',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY v VARCHAR(63)',
    node: alter([c.modify(column('v', 'varchar(63)'))]),
    differs: 'varcharWidening'
  },
  {
    name: 'VARCHAR 160 to 256 bytes (across the length byte)',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY v VARCHAR(64)',
    node: alter([c.modify(column('v', 'varchar(64)'))])
  },
  {
    name: 'VARCHAR 80 to 256 bytes (across, from at most 127)',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY a VARCHAR(64)',
    node: alter([c.modify(column('a', 'varchar(64)'))]),
    differs: 'varcharWidening'
  },
  {
    name: 'VARCHAR 400 to 800 bytes (two length bytes)',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY w VARCHAR(200)',
    node: alter([c.modify(column('w', 'varchar(200)'))]),
    differs: 'varcharWidening'
  },
  { name: 'VARCHAR shrunk', setup: BASE, sql: 'ALTER TABLE x MODIFY v VARCHAR(30)', node: alter([c.modify(column('v', 'varchar(30)'))]) },
  {
    name: 'VARBINARY 100 to 300 bytes',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY vb VARBINARY(300)',
    node: alter([c.modify(column('vb', 'varbinary(300)'))]),
    differs: 'varcharWidening'
  },
  {
    name: 'make a column NOT NULL',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY b INT NOT NULL',
    node: alter([c.modify(column('b', 'int', { notNull: true }))])
  },
  {
    name: 'make a column NULL',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY n INT NULL',
    node: alter([c.modify(column('n', 'int', { notNull: false }))])
  },
  {
    name: 'make a column NULL in a ROW_FORMAT=REDUNDANT table',
    setup: withRowFormat('REDUNDANT'),
    sql: 'ALTER TABLE x MODIFY n INT NULL',
    node: alter([c.modify(column('n', 'int', { notNull: false }))]),
    differs: 'redundantRowFormatInstant'
  },
  {
    name: 'VARCHAR 160 to 400 bytes in a ROW_FORMAT=REDUNDANT table',
    setup: withRowFormat('REDUNDANT'),
    sql: 'ALTER TABLE x MODIFY v VARCHAR(100)',
    node: alter([c.modify(column('v', 'varchar(100)'))]),
    differs: 'redundantRowFormatInstant'
  },
  {
    name: 'append an ENUM member',
    setup: BASE,
    sql: "ALTER TABLE x MODIFY e ENUM('a','b','c')",
    node: alter([c.modify(column('e', "enum('a','b','c')"))])
  },
  {
    name: 'insert an ENUM member first',
    setup: BASE,
    sql: "ALTER TABLE x MODIFY e ENUM('c','a','b')",
    node: alter([c.modify(column('e', "enum('c','a','b')"))])
  },
  {
    name: 'a ninth SET member',
    setup: BASE,
    sql: "ALTER TABLE x MODIFY s SET('a','b','c','d','e','f','g','h','i')",
    node: alter([c.modify(column('s', "set('a','b','c','d','e','f','g','h','i')"))])
  },
  { name: 'add an index', setup: BASE, sql: 'ALTER TABLE x ADD INDEX ka (a)', node: alter([c.addIndex(index('index', 'ka', 'a'))]) },
  {
    name: 'add a UNIQUE index',
    setup: BASE,
    sql: 'ALTER TABLE x ADD UNIQUE INDEX ua (a)',
    node: alter([c.addIndex(index('unique', 'ua', 'a'))])
  },
  {
    name: 'CREATE INDEX',
    setup: BASE,
    sql: 'CREATE INDEX ka ON x (a)',
    bare: true,
    node: { kind: 'create-index', table: { schema: null, name: 'x' }, index: index('index', 'ka', 'a'), algorithm: null, lock: null }
  },
  {
    name: 'the first FULLTEXT index',
    setup: BASE,
    sql: 'ALTER TABLE x ADD FULLTEXT INDEX ft (t)',
    node: alter([c.addIndex(index('fulltext', 'ft', 't'))])
  },
  {
    name: 'a second FULLTEXT index',
    setup: withFulltext,
    sql: 'ALTER TABLE x ADD FULLTEXT INDEX ft2 (u)',
    node: alter([c.addIndex(index('fulltext', 'ft2', 'u'))])
  },
  {
    name: 'a SPATIAL index',
    setup: ['CREATE TABLE x (id INT PRIMARY KEY, g POINT NOT NULL) ENGINE=InnoDB', 'INSERT INTO x VALUES (1, POINT(1,1)), (2, POINT(2,2))'],
    sql: 'ALTER TABLE x ADD SPATIAL INDEX sp (g)',
    node: alter([c.addIndex(index('spatial', 'sp', 'g'))])
  },
  { name: 'drop an index', setup: BASE, sql: 'ALTER TABLE x DROP INDEX kb', node: alter([{ op: 'drop-index', name: 'kb', text: '' }]) },
  {
    // MariaDB's DROP INDEX takes no ALGORITHM= or LOCK=, so the statement's operation is measured as ALTER TABLE.
    name: 'DROP INDEX',
    setup: BASE,
    sql: 'ALTER TABLE x DROP INDEX kb',
    node: { kind: 'drop-index', table: { schema: null, name: 'x' }, name: 'kb', algorithm: null, lock: null }
  },
  {
    name: 'rename an index',
    setup: BASE,
    sql: 'ALTER TABLE x RENAME INDEX kb TO kb2',
    node: alter([{ op: 'rename-index', name: 'kb', to: 'kb2', text: '' }]),
    differs: 'renameIndex'
  },
  {
    name: 'add a primary key',
    setup: ['CREATE TABLE x (id INT NOT NULL, a VARCHAR(20)) ENGINE=InnoDB', "INSERT INTO x VALUES (1,'a'), (2,'b')"],
    sql: 'ALTER TABLE x ADD PRIMARY KEY (id)',
    node: alter([c.addIndex(index('primary', null, 'id'))])
  },
  { name: 'drop the primary key', setup: BASE, sql: 'ALTER TABLE x DROP PRIMARY KEY', node: alter([{ op: 'drop-primary-key', text: '' }]) },
  {
    name: 'replace the primary key',
    setup: BASE,
    sql: 'ALTER TABLE x DROP PRIMARY KEY, ADD PRIMARY KEY (id, n)',
    node: alter([{ op: 'drop-primary-key', text: '' }, c.addIndex(index('primary', null, 'id', 'n'))])
  },
  {
    name: 'add a foreign key (foreign_key_checks=1)',
    setup: withParent,
    sql: 'ALTER TABLE x ADD CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id)',
    node: alter([
      { op: 'add-foreign-key', name: 'fk', columns: ['pid'], references: { schema: null, name: 'p' }, referencedColumns: ['id'], text: '' }
    ])
  },
  {
    name: 'add a foreign key (foreign_key_checks=0)',
    setup: withParent,
    sql: 'ALTER TABLE x ADD CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id)',
    foreignKeyChecks: false,
    node: alter([
      { op: 'add-foreign-key', name: 'fk', columns: ['pid'], references: { schema: null, name: 'p' }, referencedColumns: ['id'], text: '' }
    ]),
    differs: 'foreignKeyMetadata'
  },
  {
    name: 'drop a foreign key',
    setup: withForeignKey('ON DELETE RESTRICT'),
    sql: 'ALTER TABLE x DROP FOREIGN KEY fk',
    node: alter([{ op: 'drop-foreign-key', name: 'fk', text: '' }]),
    differs: 'foreignKeyMetadata'
  },
  {
    name: 'an index on a table with an ON DELETE CASCADE foreign key',
    setup: withForeignKey('ON DELETE CASCADE'),
    sql: 'ALTER TABLE x ADD INDEX ib (b)',
    node: alter([c.addIndex(index('index', 'ib', 'b'))]),
    differs: 'lockNoneWithCascadingForeignKeys'
  },
  {
    name: 'add a CHECK constraint',
    setup: BASE,
    sql: 'ALTER TABLE x ADD CONSTRAINT ck2 CHECK (n > 0)',
    node: alter([{ op: 'add-check', name: 'ck2', text: '' }])
  },
  {
    name: 'drop a CHECK constraint',
    setup: withForeignKey('ON DELETE RESTRICT'),
    sql: 'ALTER TABLE x DROP CONSTRAINT ck',
    node: alter([{ op: 'drop-check', name: 'ck', text: '' }])
  },
  {
    name: 'rename the table',
    setup: BASE,
    sql: 'ALTER TABLE x RENAME TO y',
    after: 'y',
    node: alter([{ op: 'rename-table', to: { schema: null, name: 'y' }, text: '' }])
  },
  {
    name: 'convert to another character set',
    setup: BASE,
    sql: 'ALTER TABLE x CONVERT TO CHARACTER SET latin1',
    node: alter([{ op: 'convert-charset', charset: 'latin1', collation: null, text: '' }])
  },
  {
    name: 'convert to the character set the columns have',
    setup: BASE,
    sql: 'ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4',
    node: alter([{ op: 'convert-charset', charset: 'utf8mb4', collation: null, text: '' }]),
    differs: 'metadataTableOptions'
  },
  {
    name: 'convert utf8mb3 to utf8mb4',
    setup: utf8mb3,
    sql: 'ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4',
    node: alter([{ op: 'convert-charset', charset: 'utf8mb4', collation: null, text: '' }]),
    differs: 'instantUtf8mb3ToUtf8mb4'
  },
  {
    name: 'convert utf8mb3 CHAR and LONGTEXT to utf8mb4',
    setup: [
      'CREATE TABLE x (id INT PRIMARY KEY, c CHAR(10), l LONGTEXT, KEY kc (c)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3',
      "INSERT INTO x VALUES (1,'a','b')"
    ],
    sql: 'ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4',
    node: alter([{ op: 'convert-charset', charset: 'utf8mb4', collation: null, text: '' }]),
    differs: 'instantUtf8mb3ToUtf8mb4'
  },
  {
    // CONVERT makes the TEXT column MEDIUMTEXT.
    name: 'convert utf8mb3 with a TEXT column to utf8mb4',
    setup: [
      'CREATE TABLE x (id INT PRIMARY KEY, c CHAR(10), t TEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3',
      "INSERT INTO x VALUES (1,'a','b')"
    ],
    sql: 'ALTER TABLE x CONVERT TO CHARACTER SET utf8mb4',
    node: alter([{ op: 'convert-charset', charset: 'utf8mb4', collation: null, text: '' }])
  },
  {
    name: 'one TEXT column from utf8mb3 to utf8mb4',
    setup: [
      "CREATE TABLE x (id INT PRIMARY KEY, t TEXT, e ENUM('a','b')) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3",
      "INSERT INTO x VALUES (1,'a','b')"
    ],
    sql: 'ALTER TABLE x MODIFY t TEXT CHARACTER SET utf8mb4',
    node: alter([c.modify(column('t', 'text', { charset: 'utf8mb4' }))]),
    differs: 'instantUtf8mb3ToUtf8mb4'
  },
  {
    name: 'one ENUM column from utf8mb3 to utf8mb4',
    setup: [
      "CREATE TABLE x (id INT PRIMARY KEY, t TEXT, e ENUM('a','b')) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3",
      "INSERT INTO x VALUES (1,'a','b')"
    ],
    sql: "ALTER TABLE x MODIFY e ENUM('a','b') CHARACTER SET utf8mb4",
    node: alter([c.modify(column('e', "enum('a','b')", { charset: 'utf8mb4' }))])
  },
  {
    name: 'one column from utf8mb3 to utf8mb4',
    setup: utf8mb3,
    sql: 'ALTER TABLE x MODIFY a VARCHAR(20) CHARACTER SET utf8mb4',
    node: alter([c.modify(column('a', 'varchar(20)', { charset: 'utf8mb4' }))]),
    differs: 'instantUtf8mb3ToUtf8mb4'
  },
  {
    name: 'the default character set',
    setup: BASE,
    sql: 'ALTER TABLE x DEFAULT CHARACTER SET latin1',
    node: alter([{ op: 'default-charset', charset: 'latin1', collation: null, text: '' }]),
    differs: 'metadataTableOptions'
  },
  { name: 'ENGINE=InnoDB', setup: BASE, sql: 'ALTER TABLE x ENGINE=InnoDB', node: alter([{ op: 'engine', engine: 'InnoDB', text: '' }]) },
  { name: 'FORCE', setup: BASE, sql: 'ALTER TABLE x FORCE', node: alter([{ op: 'force', text: '' }]) },
  {
    name: 'FORCE with a FULLTEXT index',
    setup: withFulltext,
    sql: 'ALTER TABLE x FORCE',
    node: alter([{ op: 'force', text: '' }]),
    differs: 'rebuildWithFulltext'
  },
  {
    name: 'ROW_FORMAT',
    setup: BASE,
    sql: 'ALTER TABLE x ROW_FORMAT=COMPACT',
    node: alter([{ op: 'row-format', format: 'compact', text: '' }])
  },
  {
    name: 'COMMENT=',
    setup: BASE,
    sql: "ALTER TABLE x COMMENT='hello'",
    node: alter([{ op: 'table-option', option: 'comment', text: '' }]),
    differs: 'metadataTableOptions'
  },
  {
    name: 'AUTO_INCREMENT=',
    setup: BASE,
    sql: 'ALTER TABLE x AUTO_INCREMENT=100',
    node: alter([{ op: 'table-option', option: 'auto_increment', text: '' }]),
    differs: 'metadataTableOptions'
  },
  {
    name: 'STATS_PERSISTENT=',
    setup: BASE,
    sql: 'ALTER TABLE x STATS_PERSISTENT=0',
    node: alter([{ op: 'table-option', option: 'stats_persistent', text: '' }]),
    differs: 'metadataTableOptions'
  },
  {
    name: 'ALTER IGNORE with a new UNIQUE index',
    setup: BASE,
    sql: 'ALTER IGNORE TABLE x ADD UNIQUE INDEX ua (a)',
    node: alter([c.addIndex(index('unique', 'ua', 'a'))], null, null, true),
    mariadbOnly: true,
    differs: 'ignoreCopiesForUniqueIndex'
  },
  {
    name: 'an instant column after 64 others',
    setup: [...BASE, ...addColumns(64, 'r')],
    sql: 'ALTER TABLE x ADD COLUMN c INT',
    node: alter([c.add(column('c', 'int'))]),
    rowVersions: 64,
    differs: 'maxRowVersions'
  },
  {
    // MySQL takes one row version per statement (handler0alter.cc: current_row_version + 1), not one per column.
    name: 'two instant columns in one statement after 63 others',
    setup: [...BASE, ...addColumns(63, 'r')],
    sql: 'ALTER TABLE x ADD COLUMN c INT, ADD COLUMN d INT',
    node: alter([c.add(column('c', 'int')), c.add(column('d', 'int'))]),
    rowVersions: 63
  }
]

/** Statements with their own ALGORITHM=/LOCK=: refused, or run, as predicted. */
interface Explicit {
  name: string
  setup: string[]
  sql: string
  node: MysqlNode
  differs?: keyof typeof ENGINE_DIFFERENCES
  rowVersions?: number
}
const EXPLICIT: Explicit[] = [
  {
    name: 'ALGORITHM=INPLACE for a type change',
    setup: BASE,
    sql: 'ALTER TABLE x MODIFY b BIGINT, ALGORITHM=INPLACE',
    node: alter([c.modify(column('b', 'bigint'))], 'inplace')
  },
  {
    name: 'ALGORITHM=INSTANT for an index',
    setup: BASE,
    sql: 'ALTER TABLE x ADD INDEX ka (a), ALGORITHM=INSTANT',
    node: alter([c.addIndex(index('index', 'ka', 'a'))], 'instant')
  },
  {
    name: 'LOCK=NONE for a FULLTEXT index',
    setup: BASE,
    sql: 'ALTER TABLE x ADD FULLTEXT INDEX ft (t), LOCK=NONE',
    node: alter([c.addIndex(index('fulltext', 'ft', 't'))], null, 'none')
  },
  {
    name: 'ALGORITHM=COPY, LOCK=NONE',
    setup: BASE,
    sql: 'ALTER TABLE x ADD INDEX ka (a), ALGORITHM=COPY, LOCK=NONE',
    node: alter([c.addIndex(index('index', 'ka', 'a'))], 'copy', 'none')
  },
  {
    name: 'ALGORITHM=INSTANT, LOCK=NONE',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN c INT, ALGORITHM=INSTANT, LOCK=NONE',
    node: alter([c.add(column('c', 'int'))], 'instant', 'none'),
    differs: 'instantAcceptsLockClause'
  },
  {
    name: 'ALGORITHM=INPLACE for an instant column',
    setup: BASE,
    sql: 'ALTER TABLE x ADD COLUMN c INT, ALGORITHM=INPLACE',
    node: alter([c.add(column('c', 'int'))], 'inplace'),
    differs: 'explicitInplaceKeepsInstantAddDrop'
  },
  {
    name: 'ALGORITHM=INSTANT after 64 instant columns',
    setup: [...BASE, ...addColumns(64, 'r')],
    sql: 'ALTER TABLE x ADD COLUMN c INT, ALGORITHM=INSTANT',
    node: alter([c.add(column('c', 'int'))], 'instant'),
    rowVersions: 64,
    differs: 'maxRowVersions'
  }
]

const MYSQL_80: Server = { flavor: 'mysql', version: '8.0.36' }
/** The state MySQL 8.0 would have read: the same, with the row versions it counts. */
const asMysqlState = (state: TableState, rowVersions = 0): TableState => ({
  ...state,
  totalRowVersions: state.totalRowVersions ?? rowVersions
})

interface Measured {
  algorithm: Prediction['algorithm']
  rebuilds: boolean
  concurrentDml: boolean
}

describeMysql('the MySQL algorithm table on a real server', () => {
  const server = useMysqlServer()
  let db: Connection
  let schema = ''
  let info: Server
  const measured = new Map<string, { state: TableState; result: Measured }>()

  beforeAll(async () => {
    schema = `algorithm_proof_${process.pid}`
    const admin = await createConnection({ uri: server.url })
    await admin.query(`CREATE DATABASE \`${schema}\``)
    await admin.end()
    db = await createConnection({ uri: `${server.url}${schema}` })
    const [rows] = await db.query('SELECT VERSION() AS version')
    const version = String((rows as Array<{ version: string }>)[0].version)
    info = { flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql', version }
  })
  afterAll(async () => {
    await db?.end()
  })

  const run = async (sql: string) => {
    await db.query(sql)
  }
  const errnoOf = async (sql: string): Promise<number | null> => {
    try {
      await db.query(sql)
      return null
    } catch (error) {
      const errno = (error as { errno?: number }).errno
      if (typeof errno !== 'number') throw error
      return errno
    }
  }
  const reset = async (setup: string[], foreignKeyChecks = true) => {
    await run('SET foreign_key_checks = 0')
    await run('DROP TABLE IF EXISTS x, y, p')
    await run('SET foreign_key_checks = 1')
    for (const sql of setup) await run(sql)
    await run(`SET foreign_key_checks = ${foreignKeyChecks ? 1 : 0}`)
  }
  const select = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.query(sql, params))[0] as T[]

  const tableId = async (table: string): Promise<string | null> => {
    const view = info.flavor === 'mysql' ? 'INNODB_TABLES' : 'INNODB_SYS_TABLES'
    const rows = await select<{ id: string | number }>(`SELECT TABLE_ID AS id FROM information_schema.${view} WHERE NAME = ?`, [
      `${schema}/${table}`
    ])
    return rows.length === 0 ? null : String(rows[0].id)
  }

  /** The table as the review reads it from information_schema. */
  const readState = async (table: string): Promise<TableState> => {
    const columns = await select<{ name: string; type: string; nullable: string; charset: string | null; bytes: number | null }>(
      `SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable, CHARACTER_SET_NAME AS charset,
         CHARACTER_OCTET_LENGTH AS bytes FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [schema, table]
    )
    const [tableRow] = await select<{ rowFormat: string | null; bytes: number | null; charset: string | null }>(
      `SELECT T.ROW_FORMAT AS rowFormat, T.DATA_LENGTH AS bytes, C.CHARACTER_SET_NAME AS charset FROM information_schema.TABLES T
         LEFT JOIN information_schema.COLLATION_CHARACTER_SET_APPLICABILITY C ON C.COLLATION_NAME = T.TABLE_COLLATION
         WHERE T.TABLE_SCHEMA = ? AND T.TABLE_NAME = ?`,
      [schema, table]
    )
    const keys = await select<{ name: string; column: string; type: string }>(
      `SELECT INDEX_NAME AS name, COLUMN_NAME AS \`column\`, INDEX_TYPE AS type FROM information_schema.STATISTICS
         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
      [schema, table]
    )
    const indexes: Array<{ name: string; columns: string[] }> = []
    for (const key of keys) {
      const found = indexes.find((existing) => existing.name === key.name)
      if (found) found.columns.push(key.column)
      else indexes.push({ name: key.name, columns: [key.column] })
    }
    const [cascade] = await select<{ n: number }>(
      `SELECT COUNT(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND (TABLE_NAME = ? OR REFERENCED_TABLE_NAME = ?)
         AND (DELETE_RULE IN ('CASCADE', 'SET NULL') OR UPDATE_RULE IN ('CASCADE', 'SET NULL'))`,
      [schema, table, table]
    )
    let totalRowVersions: number | null = null
    if (info.flavor === 'mysql') {
      const [versions] = await select<{ v: number }>(
        'SELECT TOTAL_ROW_VERSIONS AS v FROM information_schema.INNODB_TABLES WHERE NAME = ?',
        [`${schema}/${table}`]
      )
      totalRowVersions = Number(versions.v)
    }
    const [count] = await select<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${table}\``)
    return {
      rows: Number(count.n),
      bytes: tableRow.bytes === null ? null : Number(tableRow.bytes),
      hasFulltext: keys.some((key) => key.type === 'FULLTEXT'),
      hasSpatial: keys.some((key) => key.type === 'SPATIAL'),
      totalRowVersions,
      rowFormat: tableRow.rowFormat?.toLowerCase() ?? null,
      defaultCharset: tableRow.charset,
      columns: columns.map((row) => ({
        name: row.name,
        type: row.type.toLowerCase(),
        nullable: row.nullable === 'YES',
        charset: row.charset,
        maxBytes: row.bytes === null ? null : Number(row.bytes)
      })),
      indexes,
      referencingForeignKeysWithCascade: Number(cascade.n) > 0
    }
  }

  /** ALGORITHM=INSTANT, INPLACE, COPY: the first the server takes, whether the table id changed, and LOCK=NONE on fresh tables. */
  const measure = async (item: Case): Promise<Measured> => {
    const clause = (text: string) => (item.bare ? ` ${text}` : `, ${text}`)
    const before = await tableId('x')
    let algorithm: Measured['algorithm'] | null = null
    const refusals: string[] = []
    for (const candidate of item.bare ? (['inplace', 'copy'] as const) : (['instant', 'inplace', 'copy'] as const)) {
      const errno = await errnoOf(`${item.sql}${clause(`ALGORITHM=${candidate.toUpperCase()}`)}`)
      if (errno === null) {
        algorithm = candidate
        break
      }
      if (!REFUSED.has(errno)) throw new Error(`${item.sql} with ALGORITHM=${candidate}: error ${errno}`)
      refusals.push(`${candidate}: ${errno}`)
    }
    if (algorithm === null) throw new Error(`${item.sql}: refused with every algorithm (${refusals.join(', ')})`)
    const rebuilds = before !== (await tableId(item.after ?? 'x'))
    if (algorithm === 'instant') return { algorithm, rebuilds, concurrentDml: true }
    await reset(item.setup, item.foreignKeyChecks ?? true)
    const errno = await errnoOf(`${item.sql}${clause(`ALGORITHM=${algorithm.toUpperCase()}`)}${clause('LOCK=NONE')}`)
    if (errno !== null && errno !== 1846) throw new Error(`${item.sql} with LOCK=NONE: error ${errno}`)
    return { algorithm, rebuilds, concurrentDml: errno === null }
  }

  for (const item of CASES) {
    test(`${item.name}: ${item.sql}`, async () => {
      await reset(item.setup, item.foreignKeyChecks ?? true)
      if (item.mariadbOnly && info.flavor === 'mysql') {
        expect(await errnoOf(item.sql)).toBe(1064)
        return
      }
      const state = await readState('x')
      const prediction = predictAlgorithm(item.node, state, info, { foreignKeyChecks: item.foreignKeyChecks ?? true })
      const result = await measure(item)
      measured.set(item.name, { state, result })
      expect(result).toEqual({ algorithm: prediction?.algorithm, rebuilds: prediction?.rebuilds, concurrentDml: prediction?.concurrentDml })
    })
  }

  for (const item of EXPLICIT) {
    test(`${item.name}: ${item.sql}`, async () => {
      await reset(item.setup)
      const state = await readState('x')
      const prediction = predictAlgorithm(item.node, state, info, { foreignKeyChecks: true })
      const before = await tableId('x')
      const errno = await errnoOf(item.sql)
      if (prediction?.refused) {
        // The server names either errno of the pair for a refused ALGORITHM=; the others are exact.
        const pair = [1845, 1846].includes(prediction.refused.errno) ? [1845, 1846] : [prediction.refused.errno]
        expect(pair).toContain(errno)
      } else {
        expect(errno).toBeNull()
        expect(before !== (await tableId('x'))).toBe(prediction?.rebuilds)
      }
      // Where MariaDB answers otherwise than MySQL 8.0 would, the case names the ENGINE_DIFFERENCES row.
      const asMysql = predictAlgorithm(item.node, asMysqlState(state, item.rowVersions), MYSQL_80, { foreignKeyChecks: true })
      const sameAsMysql =
        (asMysql?.refused?.errno ?? null) === (prediction?.refused?.errno ?? null) && asMysql?.rebuilds === prediction?.rebuilds
      expect(sameAsMysql).toBe(info.flavor === 'mysql' || item.differs === undefined)
    })
  }

  test('OPTIMIZE TABLE recreates the table (it takes no ALGORITHM=, so the rebuild is what is measured)', async () => {
    for (const setup of [BASE, withFulltext]) {
      await reset(setup)
      const state = await readState('x')
      const prediction = predictAlgorithm({ kind: 'other', verb: 'optimize' }, state, info, { foreignKeyChecks: true })
      const before = await tableId('x')
      await run('OPTIMIZE TABLE x')
      expect(prediction?.rebuilds).toBe(true)
      expect(before !== (await tableId('x'))).toBe(prediction?.rebuilds)
    }
  })

  test('exactly the cases marked with an ENGINE_DIFFERENCES row differ from the MySQL 8.0 prediction (none on MySQL)', () => {
    const differing: string[] = []
    for (const item of CASES) {
      const seen = measured.get(item.name)
      if (!seen) continue
      const asMysql = predictAlgorithm(item.node, asMysqlState(seen.state, item.rowVersions), MYSQL_80, {
        foreignKeyChecks: item.foreignKeyChecks ?? true
      })
      const same =
        asMysql?.algorithm === seen.result.algorithm &&
        asMysql?.rebuilds === seen.result.rebuilds &&
        asMysql?.concurrentDml === seen.result.concurrentDml
      if (!same) differing.push(item.name)
    }
    expect(measured.size).toBeGreaterThan(0)
    const marked = CASES.filter((item) => item.differs).map((item) => item.name)
    expect(differing).toEqual(info.flavor === 'mariadb' ? marked : [])
  })
})
