/**
 * The MySQL 8.0 online DDL table (algorithm.ts), row by row, with each adjustment both ways: the server's
 * version and flavor (ENGINE_DIFFERENCES), the table's state, the statement's other clauses, and an explicit
 * ALGORITHM=/LOCK=. __tests__/integration/mysql-algorithm-proof.test.ts proves the rows on a real server.
 */
import {
  ALGORITHM_REFUSED,
  ENGINE_DIFFERENCES,
  INSTANT_WITH_LOCK_REFUSED,
  LOCK_REFUSED,
  predictAlgorithm,
  ROW_VERSIONS_REFUSED,
  type Prediction,
  type Server,
  type TableState
} from '../../src/dialects/mysql/review/algorithm.js'
import {
  bytesPerCharacter,
  memberStorageBytes,
  members,
  normalizeType,
  variableLength
} from '../../src/dialects/mysql/review/algorithm-columns.js'
import { reached, rowVersionLimit, versionParts } from '../../src/dialects/mysql/review/algorithm-engines.js'
import type {
  AlgorithmClause,
  AlterClause,
  ColumnDefinition,
  IndexDefinition,
  LockClause,
  MysqlNode
} from '../../src/dialects/mysql/review/node.js'

const MYSQL: Server = { flavor: 'mysql', version: '8.0.36' }
const MARIADB: Server = { flavor: 'mariadb', version: '10.11.19-MariaDB-0+deb12u1' }
const mysqlAt = (version: string): Server => ({ flavor: 'mysql', version })

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
  table: { schema: null, name: 't' },
  clauses,
  algorithm,
  lock,
  ignore
})
const add = (definition: ColumnDefinition, position: 'last' | 'first' | 'after' = 'last'): AlterClause => ({
  op: 'add-column',
  column: definition,
  position,
  text: ''
})
const modify = (definition: ColumnDefinition, position: 'last' | 'first' | 'after' = 'last'): AlterClause => ({
  op: 'change-column',
  column: definition.name,
  definition,
  position,
  text: ''
})
const change = (name: string, definition: ColumnDefinition): AlterClause => ({
  op: 'change-column',
  column: name,
  definition,
  position: 'last',
  text: ''
})
const addIndex = (definition: IndexDefinition): AlterClause => ({ op: 'add-index', index: definition, text: '' })
const op = (clause: Record<string, unknown>): AlterClause => ({ text: '', ...clause }) as AlterClause

/** id INT PK, a VARCHAR(20), b INT (indexed), n INT NOT NULL, v VARCHAR(40), w VARCHAR(100), vb VARBINARY(100), l VARCHAR(200) latin1, e, s, t. */
const STATE: TableState = {
  rows: 1000,
  bytes: 65536,
  hasFulltext: false,
  totalRowVersions: 0,
  rowFormat: 'dynamic',
  defaultCharset: 'utf8mb4',
  columns: [
    { name: 'id', type: 'int', nullable: false, charset: null, maxBytes: null },
    { name: 'a', type: 'varchar(20)', nullable: true, charset: 'utf8mb4', maxBytes: 80 },
    { name: 'b', type: 'int', nullable: true, charset: null, maxBytes: null },
    { name: 'n', type: 'int', nullable: false, charset: null, maxBytes: null },
    { name: 'v', type: 'varchar(40)', nullable: true, charset: 'utf8mb4', maxBytes: 160 },
    { name: 'w', type: 'varchar(100)', nullable: true, charset: 'utf8mb4', maxBytes: 400 },
    { name: 'vb', type: 'varbinary(100)', nullable: true, charset: null, maxBytes: 100 },
    { name: 'l', type: 'varchar(200)', nullable: true, charset: 'latin1', maxBytes: 200 },
    { name: 'm3', type: 'varchar(20)', nullable: true, charset: 'utf8mb3', maxBytes: 60 },
    { name: 'm3wide', type: 'varchar(80)', nullable: true, charset: 'utf8mb3', maxBytes: 240 },
    { name: 'e', type: "enum('a','b')", nullable: true, charset: 'utf8mb4', maxBytes: 4 },
    { name: 's', type: "set('a','b','c','d','e','f','g','h')", nullable: true, charset: 'utf8mb4', maxBytes: 60 },
    { name: 's4', type: "set('a','b','c','d')", nullable: true, charset: 'utf8mb4', maxBytes: 28 },
    { name: 't', type: 'text', nullable: true, charset: 'utf8mb4', maxBytes: 65535 }
  ],
  indexes: [
    { name: 'PRIMARY', columns: ['id'] },
    { name: 'kb', columns: ['b'] }
  ],
  referencingForeignKeysWithCascade: false
}
const state = (changes: Partial<TableState>): TableState => ({ ...STATE, ...changes })
const CHECKS_ON = { foreignKeyChecks: true }

function predict(node: MysqlNode, server: Server = MYSQL, tableState: TableState | null = STATE, session = CHECKS_ON): Prediction {
  const prediction = predictAlgorithm(node, tableState, server, session)
  if (!prediction) throw new Error('expected a prediction')
  return prediction
}
const outcome = (prediction: Prediction) => ({
  algorithm: prediction.algorithm,
  rebuilds: prediction.rebuilds,
  concurrentDml: prediction.concurrentDml,
  lock: prediction.lock
})
const INSTANT = { algorithm: 'instant', rebuilds: false, concurrentDml: true, lock: 'none' }
const INPLACE = { algorithm: 'inplace', rebuilds: false, concurrentDml: true, lock: 'none' }
const INPLACE_REBUILD = { algorithm: 'inplace', rebuilds: true, concurrentDml: true, lock: 'none' }
const INPLACE_NO_DML = { algorithm: 'inplace', rebuilds: false, concurrentDml: false, lock: 'shared' }
const INPLACE_REBUILD_NO_DML = { algorithm: 'inplace', rebuilds: true, concurrentDml: false, lock: 'shared' }
const COPY = { algorithm: 'copy', rebuilds: true, concurrentDml: false, lock: 'shared' }

type Row = [
  name: string,
  node: MysqlNode,
  expected: object,
  server?: Server,
  tableState?: TableState | null,
  session?: { foreignKeyChecks: boolean }
]

function table(rows: Row[]) {
  test.each(rows)('%s', (_name, node, expected, server = MYSQL, tableState = STATE, session = CHECKS_ON) => {
    const prediction = predict(node, server, tableState, session)
    expect(outcome(prediction)).toEqual(expected)
    expect(prediction.refused).toBeUndefined()
    for (const clause of prediction.clauses) expect(clause.why).toMatch(/^[A-Z].*[.)]$/s)
  })
}

describe('column operations', () => {
  table([
    ['add a column (instant since 8.0.12)', alter([add(column('c', 'int'))]), INSTANT],
    ['add a column before 8.0.12: in place with a rebuild', alter([add(column('c', 'int'))]), INPLACE_REBUILD, mysqlAt('8.0.11')],
    ['add a column FIRST (any position since 8.0.29)', alter([add(column('c', 'int'), 'first')]), INSTANT],
    [
      'add a column AFTER on 8.0.28: only a last column is instant',
      alter([add(column('c', 'int'), 'after')]),
      INPLACE_REBUILD,
      mysqlAt('8.0.28')
    ],
    ['add a last column on 8.0.28', alter([add(column('c', 'int'))]), INSTANT, mysqlAt('8.0.28')],
    ['add a STORED generated column: copy', alter([add(column('g', 'int', { generated: 'stored' }))]), COPY],
    ['add a VIRTUAL generated column: instant', alter([add(column('g', 'int', { generated: 'virtual' }))]), INSTANT],
    [
      'add an AUTO_INCREMENT column: rebuild without DML',
      alter([add(column('c', 'int', { autoIncrement: true, unique: true }))]),
      INPLACE_REBUILD_NO_DML
    ],
    ['add a column with UNIQUE: rebuild', alter([add(column('c', 'int', { unique: true }))]), INPLACE_REBUILD],
    ['add a column with PRIMARY KEY: rebuild', alter([add(column('c', 'int', { primaryKey: true }))]), INPLACE_REBUILD],
    ['add a column to a FULLTEXT table (MySQL: copy)', alter([add(column('c', 'int'))]), COPY, MYSQL, state({ hasFulltext: true })],
    [
      'add a column to a FULLTEXT table (MariaDB: rebuild without DML)',
      alter([add(column('c', 'int'))]),
      INPLACE_REBUILD_NO_DML,
      MARIADB,
      state({ hasFulltext: true })
    ],
    ['add a column to a COMPRESSED table', alter([add(column('c', 'int'))]), INPLACE_REBUILD, MYSQL, state({ rowFormat: 'compressed' })],
    ['add a column to an unknown table', alter([add(column('c', 'int'))]), INSTANT, MYSQL, null],
    ['add a column on MariaDB', alter([add(column('c', 'int'), 'first')]), INSTANT, MARIADB],
    [
      'add a column FIRST on MariaDB 10.3: rebuild',
      alter([add(column('c', 'int'), 'first')]),
      INPLACE_REBUILD,
      { flavor: 'mariadb', version: '10.3.39' }
    ],
    ['drop a column (instant since 8.0.29)', alter([op({ op: 'drop-column', column: 'a' })]), INSTANT],
    ['drop a column on 8.0.28: rebuild', alter([op({ op: 'drop-column', column: 'a' })]), INPLACE_REBUILD, mysqlAt('8.0.28')],
    ['drop an indexed column (MySQL: rebuild)', alter([op({ op: 'drop-column', column: 'b' })]), INPLACE_REBUILD],
    ['drop an indexed column (MariaDB: no rebuild)', alter([op({ op: 'drop-column', column: 'B' })]), INPLACE, MARIADB],
    [
      'drop a column when the indexes were not read',
      alter([op({ op: 'drop-column', column: 'b' })]),
      INSTANT,
      MYSQL,
      state({ indexes: undefined })
    ],
    ['drop the primary key column: copy', alter([op({ op: 'drop-column', column: 'id' })]), COPY],
    [
      'drop a column of a composite primary key: rebuild',
      alter([op({ op: 'drop-column', column: 'n' })]),
      INPLACE_REBUILD,
      MYSQL,
      state({ indexes: [{ name: 'PRIMARY', columns: ['id', 'n'] }] })
    ],
    [
      'drop a column of a FULLTEXT table (MySQL: copy)',
      alter([op({ op: 'drop-column', column: 'a' })]),
      COPY,
      MYSQL,
      state({ hasFulltext: true })
    ],
    [
      'drop a column of a COMPRESSED table',
      alter([op({ op: 'drop-column', column: 'a' })]),
      INPLACE_REBUILD,
      MYSQL,
      state({ rowFormat: 'Compressed' })
    ],
    ['rename a column (instant since 8.0.28)', alter([op({ op: 'rename-column', column: 'a', to: 'a2' })]), INSTANT],
    [
      'rename a column on 8.0.27: in place, no rebuild',
      alter([op({ op: 'rename-column', column: 'a', to: 'a2' })]),
      INPLACE,
      mysqlAt('8.0.27')
    ],
    ['rename a column by CHANGE', alter([change('a', column('a2', 'varchar(20)'))]), INSTANT],
    ['move a column FIRST (MySQL: rebuild)', alter([modify(column('a', 'varchar(20)'), 'first')]), INPLACE_REBUILD],
    ['move a column AFTER (MySQL: rebuild)', alter([modify(column('a', 'varchar(20)'), 'after')]), INPLACE_REBUILD],
    ['move a column FIRST (MariaDB: instant)', alter([modify(column('a', 'varchar(20)'), 'first')]), INSTANT, MARIADB],
    ['FIRST for the first column moves nothing', alter([modify(column('id', 'int', { notNull: true }), 'first')]), INSTANT],
    ['set a default', alter([op({ op: 'set-default', column: 'b' })]), INSTANT],
    ['drop a default', alter([op({ op: 'drop-default', column: 'b' })]), INSTANT],
    [
      'MODIFY with the same type in another spelling',
      alter([modify(column('b', 'integer'))]),
      INSTANT,
      MYSQL,
      state({ columns: [{ ...STATE.columns[2], type: 'int(11)' }] })
    ]
  ])
})

describe('column types', () => {
  table([
    ['INT to BIGINT: copy', alter([modify(column('b', 'bigint'))]), COPY],
    ['INT to INT UNSIGNED: copy', alter([modify(column('b', 'int unsigned'))]), COPY],
    ['VARCHAR 160 → 252 bytes (MySQL: in place, no rebuild)', alter([modify(column('v', 'varchar(63)'))]), INPLACE],
    ['VARCHAR 160 → 252 bytes (MariaDB: instant)', alter([modify(column('v', 'varchar(63)'))]), INSTANT, MARIADB],
    ['VARCHAR 160 → 256 bytes: copy', alter([modify(column('v', 'varchar(64)'))]), COPY],
    ['VARCHAR 160 → 256 bytes on MariaDB: copy', alter([modify(column('v', 'varchar(64)'))]), COPY, MARIADB],
    ['VARCHAR 80 → 256 bytes (MySQL: copy)', alter([modify(column('a', 'varchar(64)'))]), COPY],
    ['VARCHAR 80 → 256 bytes (MariaDB: instant, at most 127 bytes before)', alter([modify(column('a', 'varchar(64)'))]), INSTANT, MARIADB],
    ['VARCHAR 400 → 800 bytes (two length bytes both)', alter([modify(column('w', 'varchar(200)'))]), INPLACE],
    ['VARCHAR shrunk: copy', alter([modify(column('v', 'varchar(30)'))]), COPY],
    ['VARCHAR shrunk on MariaDB: copy', alter([modify(column('v', 'varchar(30)'))]), COPY, MARIADB],
    ['latin1 VARCHAR 200 → 255 bytes', alter([modify(column('l', 'varchar(255)', { charset: 'latin1' }))]), INPLACE],
    ['latin1 VARCHAR 200 → 256 bytes: copy', alter([modify(column('l', 'varchar(256)', { charset: 'latin1' }))]), COPY],
    [
      'VARCHAR bytes from the character set when CHARACTER_OCTET_LENGTH is missing',
      alter([modify(column('v', 'varchar(64)'))]),
      COPY,
      MYSQL,
      state({ columns: [{ name: 'v', type: 'varchar(40)', nullable: true, charset: 'utf8mb4', maxBytes: null }] })
    ],
    ['VARBINARY 100 → 255 bytes', alter([modify(column('vb', 'varbinary(255)'))]), INPLACE],
    ['VARBINARY 100 → 300 bytes (MySQL: copy)', alter([modify(column('vb', 'varbinary(300)'))]), COPY],
    ['VARBINARY 100 → 300 bytes (MariaDB: instant)', alter([modify(column('vb', 'varbinary(300)'))]), INSTANT, MARIADB],
    [
      'VARCHAR 160 → 400 bytes in REDUNDANT (MariaDB: instant)',
      alter([modify(column('v', 'varchar(100)'))]),
      INSTANT,
      MARIADB,
      state({ rowFormat: 'redundant' })
    ],
    [
      'VARCHAR 160 → 400 bytes in REDUNDANT (MySQL: copy)',
      alter([modify(column('v', 'varchar(100)'))]),
      COPY,
      MYSQL,
      state({ rowFormat: 'redundant' })
    ],
    ['VARCHAR to TEXT: copy', alter([modify(column('v', 'text'))]), COPY],
    ['NULL → NOT NULL: rebuild', alter([modify(column('b', 'int', { notNull: true }))]), INPLACE_REBUILD],
    ['NOT NULL → NULL: rebuild', alter([modify(column('n', 'int', { notNull: false }))]), INPLACE_REBUILD],
    ['NOT NULL → NULL by leaving NOT NULL out: rebuild', alter([modify(column('n', 'int'))]), INPLACE_REBUILD],
    [
      'NOT NULL → NULL in REDUNDANT (MariaDB: instant)',
      alter([modify(column('n', 'int'))]),
      INSTANT,
      MARIADB,
      state({ rowFormat: 'redundant' })
    ],
    [
      'NOT NULL → NULL in REDUNDANT (MySQL: rebuild)',
      alter([modify(column('n', 'int'))]),
      INPLACE_REBUILD,
      MYSQL,
      state({ rowFormat: 'redundant' })
    ],
    ['PRIMARY KEY on a column keeps it NOT NULL', alter([modify(column('n', 'int', { primaryKey: true }))]), INSTANT],
    ['ENUM: a member appended', alter([modify(column('e', "enum('a','b','c')"))]), INSTANT],
    ['ENUM: a member inserted first: copy', alter([modify(column('e', "enum('c','a','b')"))]), COPY],
    ['ENUM: a member removed: copy', alter([modify(column('e', "enum('a')"))]), COPY],
    [
      'ENUM: the 256th member needs two bytes: copy',
      alter([modify(column('e', `enum(${Array.from({ length: 256 }, (_, i) => `'m${i}'`).join(',')})`))]),
      COPY,
      MYSQL,
      state({
        columns: [
          {
            name: 'e',
            type: `enum(${Array.from({ length: 255 }, (_, i) => `'m${i}'`).join(',')})`,
            nullable: true,
            charset: 'utf8mb4',
            maxBytes: 16
          }
        ]
      })
    ],
    ['SET: a ninth member needs two bytes: copy', alter([modify(column('s', "set('a','b','c','d','e','f','g','h','i')"))]), COPY],
    ['SET: a fifth member, still one byte', alter([modify(column('s4', "set('a','b','c','d','e')"))]), INSTANT],
    ['ENUM appended beside a rename', alter([change('e', column('e2', "enum('a','b','c')"))]), INSTANT],
    ['a column to latin1: copy', alter([modify(column('a', 'varchar(20)', { charset: 'latin1' }))]), COPY],
    ['utf8mb3 → utf8mb4 (MySQL: copy)', alter([modify(column('m3', 'varchar(20)', { charset: 'utf8mb4' }))]), COPY],
    ['utf8mb3 → utf8mb4 (MariaDB: instant)', alter([modify(column('m3', 'varchar(20)', { charset: 'utf8mb4' }))]), INSTANT, MARIADB],
    [
      'utf8mb3 → utf8mb4 from 240 to 320 bytes (MariaDB: copy)',
      alter([modify(column('m3wide', 'varchar(80)', { charset: 'utf8mb4' }))]),
      COPY,
      MARIADB
    ],
    [
      'a TEXT column utf8mb3 → utf8mb4 (MariaDB: instant)',
      alter([modify(column('x', 'text', { charset: 'utf8mb4' }))]),
      INSTANT,
      MARIADB,
      state({ columns: [{ name: 'x', type: 'text', nullable: true, charset: 'utf8mb3', maxBytes: 65535 }] })
    ],
    [
      'an ENUM column utf8mb3 → utf8mb4 (MariaDB: copy)',
      alter([modify(column('x', "enum('a')", { charset: 'utf8mb4' }))]),
      COPY,
      MARIADB,
      state({ columns: [{ name: 'x', type: "enum('a')", nullable: true, charset: 'utf8mb3', maxBytes: 3 }] })
    ],
    ['utf8 is utf8mb3', alter([modify(column('m3', 'varchar(20)', { charset: 'utf8' }))]), INSTANT],
    [
      'MODIFY without CHARACTER SET takes the table default: a latin1 column in a utf8mb4 table converts',
      alter([modify(column('l', 'varchar(200)'))]),
      COPY
    ],
    [
      'MODIFY without CHARACTER SET keeps the column charset when the table default was not read',
      alter([modify(column('l', 'varchar(200)'))]),
      INSTANT,
      MYSQL,
      state({ defaultCharset: undefined })
    ],
    ['rename and widen: in place, no rebuild', alter([change('v', column('v2', 'varchar(63)'))]), INPLACE],
    ['rename and NOT NULL: rebuild', alter([change('b', column('b2', 'int', { notNull: true }))]), INPLACE_REBUILD],
    ['widen and move (MySQL): rebuild', alter([modify(column('v', 'varchar(63)'), 'after')]), INPLACE_REBUILD],
    ['widen and move (MariaDB): instant', alter([modify(column('v', 'varchar(63)'), 'after')]), INSTANT, MARIADB],
    ['a change to a STORED generated column: copy', alter([modify(column('b', 'int', { generated: 'stored' }))]), COPY],
    ['a column the table does not have: copy', alter([modify(column('zz', 'int'))]), COPY],
    ['a column change on an unknown table: copy', alter([modify(column('b', 'bigint'))]), COPY, MYSQL, null]
  ])
})

describe('index, key and constraint operations', () => {
  table([
    ['add a secondary index: in place, no rebuild', alter([addIndex(index('index', 'ka', 'a'))]), INPLACE],
    ['add a UNIQUE index', alter([addIndex(index('unique', 'ua', 'a'))]), INPLACE],
    ['ALTER IGNORE with a UNIQUE index (MariaDB: copy)', alter([addIndex(index('unique', 'ua', 'a'))], null, null, true), COPY, MARIADB],
    [
      'ALTER IGNORE with a plain index (MariaDB: in place)',
      alter([addIndex(index('index', 'ka', 'a'))], null, null, true),
      INPLACE,
      MARIADB
    ],
    ['the first FULLTEXT index: rebuild without DML', alter([addIndex(index('fulltext', 'ft', 't'))]), INPLACE_REBUILD_NO_DML],
    [
      'a further FULLTEXT index: no rebuild, no DML',
      alter([addIndex(index('fulltext', 'ft2', 't'))]),
      INPLACE_NO_DML,
      MYSQL,
      state({ hasFulltext: true })
    ],
    [
      'the first FULLTEXT index with a user FTS_DOC_ID column: no rebuild',
      alter([addIndex(index('fulltext', 'ft', 't'))]),
      INPLACE_NO_DML,
      MYSQL,
      state({
        columns: [...STATE.columns, { name: 'FTS_DOC_ID', type: 'bigint unsigned', nullable: false, charset: null, maxBytes: null }]
      })
    ],
    ['a SPATIAL index: no rebuild, no DML', alter([addIndex(index('spatial', 'sp', 'g'))]), INPLACE_NO_DML],
    ['drop an index', alter([op({ op: 'drop-index', name: 'kb' })]), INPLACE],
    ['DROP INDEX `PRIMARY`: copy', alter([op({ op: 'drop-index', name: 'PRIMARY' })]), COPY],
    ['rename an index (MySQL: in place)', alter([op({ op: 'rename-index', name: 'kb', to: 'kb2' })]), INPLACE],
    ['rename an index (MariaDB: instant)', alter([op({ op: 'rename-index', name: 'kb', to: 'kb2' })]), INSTANT, MARIADB],
    ['add a primary key: rebuild', alter([addIndex(index('primary', null, 'n'))]), INPLACE_REBUILD],
    ['drop the primary key: copy', alter([op({ op: 'drop-primary-key' })]), COPY],
    [
      'drop the primary key and add another: rebuild',
      alter([op({ op: 'drop-primary-key' }), addIndex(index('primary', null, 'id', 'n'))]),
      INPLACE_REBUILD
    ],
    [
      'drop the primary key and add a PRIMARY KEY column: rebuild',
      alter([op({ op: 'drop-primary-key' }), add(column('k', 'int', { primaryKey: true }))]),
      INPLACE_REBUILD
    ],
    [
      'add a foreign key with foreign_key_checks=1: copy',
      alter([
        op({ op: 'add-foreign-key', name: 'fk', columns: ['b'], references: { schema: null, name: 'p' }, referencedColumns: ['id'] })
      ]),
      COPY
    ],
    [
      'add a foreign key with foreign_key_checks=0 (MySQL: in place)',
      alter([
        op({ op: 'add-foreign-key', name: 'fk', columns: ['b'], references: { schema: null, name: 'p' }, referencedColumns: ['id'] })
      ]),
      INPLACE,
      MYSQL,
      STATE,
      { foreignKeyChecks: false }
    ],
    [
      'add a foreign key with foreign_key_checks=0 (MariaDB: instant)',
      alter([
        op({ op: 'add-foreign-key', name: 'fk', columns: ['b'], references: { schema: null, name: 'p' }, referencedColumns: ['id'] })
      ]),
      INSTANT,
      MARIADB,
      STATE,
      { foreignKeyChecks: false }
    ],
    [
      'add a foreign key with foreign_key_checks=1 on MariaDB: copy',
      alter([
        op({ op: 'add-foreign-key', name: 'fk', columns: ['b'], references: { schema: null, name: 'p' }, referencedColumns: ['id'] })
      ]),
      COPY,
      MARIADB
    ],
    ['drop a foreign key (MySQL: in place)', alter([op({ op: 'drop-foreign-key', name: 'fk' })]), INPLACE],
    ['drop a foreign key (MariaDB: instant)', alter([op({ op: 'drop-foreign-key', name: 'fk' })]), INSTANT, MARIADB],
    ['add a CHECK constraint: copy', alter([op({ op: 'add-check', name: 'ck' })]), COPY],
    ['drop a CHECK constraint: instant', alter([op({ op: 'drop-check', name: 'ck' })]), INSTANT]
  ])
})

describe('table operations', () => {
  table([
    ['rename the table: instant', alter([op({ op: 'rename-table', to: { schema: null, name: 'u' } })]), INSTANT],
    [
      'RENAME TABLE: instant',
      { kind: 'rename-table', renames: [{ from: { schema: null, name: 't' }, to: { schema: null, name: 'u' } }] },
      INSTANT
    ],
    ['CONVERT TO latin1: copy', alter([op({ op: 'convert-charset', charset: 'latin1', collation: null })]), COPY],
    ['CONVERT on an unknown table: copy', alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]), COPY, MYSQL, null],
    [
      'CONVERT to the charset every column has (MySQL: in place, metadata)',
      alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]),
      INPLACE,
      MYSQL,
      state({ columns: STATE.columns.filter((c) => c.charset === null || c.charset === 'utf8mb4') })
    ],
    [
      'CONVERT to the charset every column has (MariaDB: instant)',
      alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]),
      INSTANT,
      MARIADB,
      state({ columns: STATE.columns.filter((c) => c.charset === null || c.charset === 'utf8mb4') })
    ],
    [
      'CONVERT utf8mb3 to utf8mb4 (MariaDB: instant)',
      alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]),
      INSTANT,
      MARIADB,
      state({
        columns: [
          STATE.columns[0],
          STATE.columns[8],
          { name: 'c', type: 'char(10)', nullable: true, charset: 'utf8mb3', maxBytes: 30 },
          { name: 'x', type: 'longtext', nullable: true, charset: 'utf8mb3', maxBytes: 4294967295 }
        ]
      })
    ],
    [
      'CONVERT utf8mb3 to utf8mb4 with a TEXT column, which becomes MEDIUMTEXT (MariaDB: copy)',
      alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]),
      COPY,
      MARIADB,
      state({
        columns: [STATE.columns[0], STATE.columns[8], { name: 'x', type: 'text', nullable: true, charset: 'utf8mb3', maxBytes: 65535 }]
      })
    ],
    [
      'CONVERT utf8mb3 to utf8mb4 with an ENUM column (MariaDB: copy)',
      alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]),
      COPY,
      MARIADB,
      state({ columns: [STATE.columns[0], { name: 'e', type: "enum('a')", nullable: true, charset: 'utf8mb3', maxBytes: 3 }] })
    ],
    [
      'CONVERT utf8mb3 to utf8mb4 across the length byte (MariaDB: copy)',
      alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]),
      COPY,
      MARIADB,
      state({ columns: [STATE.columns[0], STATE.columns[9]] })
    ],
    [
      'CONVERT latin1 to utf8mb4 (MariaDB: copy)',
      alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]),
      COPY,
      MARIADB,
      state({ columns: [STATE.columns[7]] })
    ],
    [
      'CONVERT utf8mb3 to utf8mb4 (MySQL: copy)',
      alter([op({ op: 'convert-charset', charset: 'utf8mb4', collation: null })]),
      COPY,
      MYSQL,
      state({ columns: [STATE.columns[0], STATE.columns[8]] })
    ],
    [
      'DEFAULT CHARACTER SET (MySQL: in place, metadata)',
      alter([op({ op: 'default-charset', charset: 'latin1', collation: null })]),
      INPLACE
    ],
    [
      'DEFAULT CHARACTER SET (MariaDB: instant)',
      alter([op({ op: 'default-charset', charset: 'latin1', collation: null })]),
      INSTANT,
      MARIADB
    ],
    ['ENGINE=InnoDB: rebuild', alter([op({ op: 'engine', engine: 'InnoDB' })]), INPLACE_REBUILD],
    ['ENGINE=MyISAM: copy', alter([op({ op: 'engine', engine: 'MyISAM' })]), COPY],
    ['FORCE: rebuild', alter([op({ op: 'force' })]), INPLACE_REBUILD],
    ['FORCE with FULLTEXT (MySQL: copy)', alter([op({ op: 'force' })]), COPY, MYSQL, state({ hasFulltext: true })],
    [
      'FORCE with FULLTEXT (MariaDB: rebuild without DML)',
      alter([op({ op: 'force' })]),
      INPLACE_REBUILD_NO_DML,
      MARIADB,
      state({ hasFulltext: true })
    ],
    ['FORCE with SPATIAL: rebuild without DML', alter([op({ op: 'force' })]), INPLACE_REBUILD_NO_DML, MYSQL, state({ hasSpatial: true })],
    ['OPTIMIZE TABLE: rebuild', { kind: 'other', verb: 'OPTIMIZE' }, INPLACE_REBUILD],
    ['OPTIMIZE TABLE with FULLTEXT (MySQL: copy)', { kind: 'other', verb: 'optimize' }, COPY, MYSQL, state({ hasFulltext: true })],
    ['ROW_FORMAT: rebuild', alter([op({ op: 'row-format', format: 'compressed' })]), INPLACE_REBUILD],
    ['KEY_BLOCK_SIZE: rebuild', alter([op({ op: 'table-option', option: 'key_block_size' })]), INPLACE_REBUILD],
    ['TABLESPACE: rebuild', alter([op({ op: 'table-option', option: 'tablespace' })]), INPLACE_REBUILD],
    ['ENCRYPTION: copy', alter([op({ op: 'table-option', option: 'encryption' })]), COPY],
    ['COMMENT (MySQL: in place, metadata)', alter([op({ op: 'table-option', option: 'comment' })]), INPLACE],
    ['AUTO_INCREMENT (MySQL: in place, metadata)', alter([op({ op: 'table-option', option: 'auto_increment' })]), INPLACE],
    ['STATS_PERSISTENT (MariaDB: instant)', alter([op({ op: 'table-option', option: 'stats_persistent' })]), INSTANT, MARIADB],
    ['ADD PARTITION: in place', alter([op({ op: 'partition', action: 'add partition (partition p9 values less than (90))' })]), INPLACE],
    ['REORGANIZE PARTITION: no DML', alter([op({ op: 'partition', action: 'REORGANIZE p1 INTO (…)' })]), INPLACE_REBUILD_NO_DML],
    ['PARTITION BY: copy', alter([op({ op: 'partition', action: 'by hash(id)' })]), COPY],
    ['REMOVE PARTITIONING: copy', alter([op({ op: 'partition', action: 'remove partitioning' })]), COPY],
    ['an unknown clause: copy', alter([op({ op: 'unknown' })]), COPY]
  ])
})

describe('a statement: the weakest clause decides', () => {
  table([
    [
      'instant column with an index: in place, and the column now rebuilds',
      alter([add(column('c', 'int')), addIndex(index('index', 'ka', 'a'))]),
      INPLACE_REBUILD
    ],
    ['instant column with a type change: copy', alter([add(column('c', 'int')), modify(column('b', 'bigint'))]), COPY],
    [
      'a default with an index: in place, no rebuild',
      alter([op({ op: 'set-default', column: 'b' }), addIndex(index('index', 'ka', 'a'))]),
      INPLACE
    ],
    [
      'a rename with an index: in place, no rebuild',
      alter([op({ op: 'rename-column', column: 'a', to: 'a2' }), addIndex(index('index', 'ka', 'a2'))]),
      INPLACE
    ],
    [
      'DML only if every clause allows it',
      alter([addIndex(index('index', 'ka', 'a')), addIndex(index('spatial', 'sp', 'g'))]),
      INPLACE_NO_DML
    ],
    ['two instant clauses stay instant', alter([add(column('c', 'int')), op({ op: 'drop-column', column: 'a' })]), INSTANT],
    [
      'an ON CASCADE foreign key takes away LOCK=NONE (MySQL)',
      alter([addIndex(index('index', 'ka', 'a'))]),
      INPLACE_NO_DML,
      MYSQL,
      state({ referencingForeignKeysWithCascade: true })
    ],
    [
      'an ON CASCADE foreign key leaves instant clauses alone',
      alter([add(column('c', 'int'))]),
      INSTANT,
      MYSQL,
      state({ referencingForeignKeysWithCascade: true })
    ],
    [
      'an ON CASCADE foreign key changes nothing on MariaDB',
      alter([addIndex(index('index', 'ka', 'a'))]),
      INPLACE,
      MARIADB,
      state({ referencingForeignKeysWithCascade: true })
    ]
  ])

  test('each clause says how it runs within the statement', () => {
    const prediction = predict(alter([add(column('c', 'int')), addIndex(index('index', 'ka', 'a'))]))
    expect(prediction.clauses.map((clause) => [clause.clause.op, clause.algorithm, clause.rebuilds])).toEqual([
      ['add-column', 'inplace', true],
      ['add-index', 'inplace', false]
    ])
    expect(prediction.clauses[0].why).toBe(
      'Adding a column changes only metadata (INSTANT), but with the rest of the statement it runs in place and rebuilds the table.'
    )
    const copied = predict(alter([add(column('c', 'int')), modify(column('b', 'bigint'))]))
    expect(copied.clauses[0]).toMatchObject({ algorithm: 'copy', rebuilds: true, concurrentDml: false })
    expect(copied.clauses[0].why).toMatch(/but with the rest of the statement the table is copied\.$/)
    const fulltext = predict(alter([add(column('c', 'int'))]), MYSQL, state({ hasFulltext: true }))
    expect(fulltext.clauses[0].why).toMatch(/FULLTEXT index, which MySQL rebuilds only by copying/)
  })
})

describe('row versions (MySQL 8.0.29+: 64 instant ADD/DROP statements before a rebuild)', () => {
  table([
    [
      '63 row versions: one more statement is instant',
      alter([add(column('c', 'int')), add(column('d', 'int'))]),
      INSTANT,
      MYSQL,
      state({ totalRowVersions: 63 })
    ],
    ['64 row versions: in place with a rebuild', alter([add(column('c', 'int'))]), INPLACE_REBUILD, MYSQL, state({ totalRowVersions: 64 })],
    [
      '64 row versions: a drop rebuilds too',
      alter([op({ op: 'drop-column', column: 'a' })]),
      INPLACE_REBUILD,
      MYSQL,
      state({ totalRowVersions: 64 })
    ],
    [
      '64 row versions: a VIRTUAL column takes none',
      alter([add(column('g', 'int', { generated: 'virtual' }))]),
      INSTANT,
      MYSQL,
      state({ totalRowVersions: 64 })
    ],
    [
      '64 row versions: a rename takes none',
      alter([op({ op: 'rename-column', column: 'a', to: 'a2' })]),
      INSTANT,
      MYSQL,
      state({ totalRowVersions: 64 })
    ],
    [
      '64 row versions on MySQL 9.1 (limit 255)',
      alter([add(column('c', 'int'))]),
      INSTANT,
      mysqlAt('9.1.0'),
      state({ totalRowVersions: 64 })
    ],
    ['unknown row versions', alter([add(column('c', 'int'))]), INSTANT, MYSQL, state({ totalRowVersions: null })],
    ['MariaDB keeps no count', alter([add(column('c', 'int'))]), INSTANT, MARIADB, state({ totalRowVersions: 200 })]
  ])

  test('ALGORITHM=INSTANT at the limit is refused with 4092', () => {
    const prediction = predict(alter([add(column('c', 'int'))], 'instant'), MYSQL, state({ totalRowVersions: 64 }))
    expect(prediction.refused?.errno).toBe(ROW_VERSIONS_REFUSED)
    expect(prediction.refused?.why).toMatch(/64 row versions/)
    expect(outcome(prediction)).toEqual(INPLACE_REBUILD)
    expect(prediction.clauses[0].why).toMatch(/already has 64 row versions \(at most 64\), so it runs in place and rebuilds the table\.$/)
    expect(predict(alter([add(column('c', 'int'))], 'instant'), MYSQL, state({ totalRowVersions: 63 })).refused).toBeUndefined()
  })
})

describe('an explicit ALGORITHM= or LOCK=', () => {
  const refusal = (node: MysqlNode, server: Server = MYSQL, tableState: TableState | null = STATE) =>
    predict(node, server, tableState).refused

  test('ALGORITHM=INSTANT that cannot be instant is refused (1845), and the prediction keeps the default', () => {
    const prediction = predict(alter([addIndex(index('index', 'ka', 'a'))], 'instant'))
    expect(prediction.refused).toEqual({
      errno: ALGORITHM_REFUSED,
      why: 'ALGORITHM=INSTANT cannot be honoured. A secondary index is built in place while reads and writes go on.'
    })
    expect(outcome(prediction)).toEqual(INPLACE)
    expect(refusal(alter([add(column('c', 'int'))], 'instant'))).toBeUndefined()
  })

  test('ALGORITHM=INPLACE for a copy is refused; for an in-place or instant clause it is not', () => {
    expect(refusal(alter([modify(column('b', 'bigint'))], 'inplace'))?.errno).toBe(ALGORITHM_REFUSED)
    expect(refusal(alter([addIndex(index('index', 'ka', 'a'))], 'inplace'))).toBeUndefined()
    expect(refusal(alter([op({ op: 'set-default', column: 'b' })], 'inplace'))).toBeUndefined()
  })

  test('ALGORITHM=INPLACE makes MySQL rebuild for an instant ADD/DROP COLUMN; MariaDB stays instant', () => {
    expect(outcome(predict(alter([add(column('c', 'int'))], 'inplace')))).toEqual(INPLACE_REBUILD)
    expect(outcome(predict(alter([op({ op: 'drop-column', column: 'a' })], 'inplace')))).toEqual(INPLACE_REBUILD)
    expect(outcome(predict(alter([add(column('c', 'int'))], 'inplace'), MARIADB))).toEqual(INSTANT)
    // Instant clauses that are no ADD/DROP COLUMN stay instant under ALGORITHM=INPLACE.
    expect(outcome(predict(alter([op({ op: 'rename-column', column: 'a', to: 'a2' })], 'inplace')))).toEqual(INSTANT)
  })

  test('ALGORITHM=COPY copies whatever the clauses', () => {
    const prediction = predict(alter([add(column('c', 'int'))], 'copy'))
    expect(outcome(prediction)).toEqual(COPY)
    expect(prediction.refused).toBeUndefined()
    expect(prediction.clauses[0].why).toMatch(/but ALGORITHM=COPY asks for it, so the table is copied\.$/)
  })

  test('ALGORITHM=DEFAULT is no clause', () => {
    expect(predict(alter([add(column('c', 'int'))], 'default'))).toEqual(predict(alter([add(column('c', 'int'))])))
  })

  test('LOCK=NONE where DML cannot go on is refused (1846); where it can, not', () => {
    expect(refusal(alter([addIndex(index('fulltext', 'ft', 't'))], null, 'none'))).toEqual({
      errno: LOCK_REFUSED,
      why: 'LOCK=NONE cannot be honoured. The first FULLTEXT index adds a hidden FTS_DOC_ID column, so the table is rebuilt in place without concurrent DML.'
    })
    expect(refusal(alter([addIndex(index('index', 'ka', 'a'))], 'copy', 'none'))?.errno).toBe(LOCK_REFUSED)
    expect(refusal(alter([addIndex(index('index', 'ka', 'a'))], null, 'none'))).toBeUndefined()
    expect(
      refusal(alter([addIndex(index('index', 'ka', 'a'))], null, 'none'), MYSQL, state({ referencingForeignKeysWithCascade: true }))?.errno
    ).toBe(LOCK_REFUSED)
    expect(refusal(alter([add(column('c', 'int'))], null, 'none'))).toBeUndefined()
  })

  test('ALGORITHM=INSTANT with a LOCK= clause: MySQL refuses the pair (1221), MariaDB takes it', () => {
    expect(refusal(alter([add(column('c', 'int'))], 'instant', 'none'))?.errno).toBe(INSTANT_WITH_LOCK_REFUSED)
    expect(refusal(alter([add(column('c', 'int'))], 'instant', 'default'))).toBeUndefined()
    expect(refusal(alter([add(column('c', 'int'))], 'instant', 'none'), MARIADB)).toBeUndefined()
  })

  test('LOCK=SHARED and LOCK=EXCLUSIVE take the stronger lock and stop DML; instant operations take none', () => {
    expect(outcome(predict(alter([addIndex(index('index', 'ka', 'a'))], null, 'shared')))).toEqual({
      ...INPLACE,
      concurrentDml: false,
      lock: 'shared'
    })
    expect(outcome(predict(alter([addIndex(index('index', 'ka', 'a'))], null, 'exclusive')))).toEqual({
      ...INPLACE,
      concurrentDml: false,
      lock: 'exclusive'
    })
    expect(outcome(predict(alter([modify(column('b', 'bigint'))], null, 'exclusive')))).toEqual({ ...COPY, lock: 'exclusive' })
    expect(outcome(predict(alter([add(column('c', 'int'))], null, 'shared')))).toEqual(INSTANT)
    expect(refusal(alter([addIndex(index('index', 'ka', 'a'))], null, 'shared'))).toBeUndefined()
  })
})

describe('the statements it judges', () => {
  test('CREATE INDEX and DROP INDEX run as ALTER TABLE, with their ALGORITHM= and LOCK=', () => {
    const create: MysqlNode = {
      kind: 'create-index',
      table: { schema: null, name: 't' },
      index: index('fulltext', 'ft', 't'),
      algorithm: null,
      lock: 'none'
    }
    expect(predict(create).refused?.errno).toBe(LOCK_REFUSED)
    expect(predict(create).clauses[0].clause).toMatchObject({ op: 'add-index', index: { kind: 'fulltext' } })
    const drop: MysqlNode = { kind: 'drop-index', table: { schema: null, name: 't' }, name: 'kb', algorithm: 'instant', lock: null }
    expect(outcome(predict(drop))).toEqual(INPLACE)
    expect(predict(drop).refused?.errno).toBe(ALGORITHM_REFUSED)
  })

  test('statements that are not table DDL give null', () => {
    const table = { schema: null, name: 't' }
    const others: MysqlNode[] = [
      {
        kind: 'create-table',
        table,
        ifNotExists: false,
        temporary: false,
        like: null,
        asSelect: false,
        columns: [],
        indexes: [],
        foreignKeys: [],
        engine: null
      },
      { kind: 'drop-table', tables: [table], ifExists: false, temporary: false },
      { kind: 'truncate', table },
      { kind: 'update', tables: [table], where: false, limit: false },
      { kind: 'set', variables: ['foreign_key_checks'] },
      { kind: 'other', verb: 'analyze' }
    ]
    for (const node of others) expect(predictAlgorithm(node, STATE, MYSQL, CHECKS_ON)).toBeNull()
  })
})

describe('ENGINE_DIFFERENCES', () => {
  test('every difference names both sides and where they come from', () => {
    const entries = Object.entries(ENGINE_DIFFERENCES)
    expect(entries.length).toBeGreaterThanOrEqual(15)
    for (const [key, difference] of entries) {
      expect({ key, mysql: 'mysql' in difference, mariadb: 'mariadb' in difference }).toEqual({ key, mysql: true, mariadb: true })
      expect(difference.mysql).not.toEqual(difference.mariadb)
      expect(difference.source.length).toBeGreaterThan(40)
    }
  })

  test('versions compare by their leading numbers', () => {
    expect(versionParts('10.11.19-MariaDB-0+deb12u1')).toEqual([10, 11, 19])
    expect(versionParts('8.0.43-0ubuntu0.24.04.1')).toEqual([8, 0, 43])
    expect(versionParts('8.4')).toEqual([8, 4, 0])
    expect(versionParts('garbage')).toEqual([0, 0, 0])
    expect(reached('8.0.29', '8.0.29')).toBe(true)
    expect(reached('8.0.28', '8.0.29')).toBe(false)
    expect(reached('8.1.0', '8.0.29')).toBe(true)
    expect(reached('10.11.19-MariaDB', '10.4.0')).toBe(true)
    expect(reached('99.0.0', null)).toBe(false)
    expect(rowVersionLimit(MYSQL)).toBe(64)
    expect(rowVersionLimit(mysqlAt('9.1.0'))).toBe(255)
    expect(rowVersionLimit(MARIADB)).toBeNull()
  })
})

describe('column types as the table reads them', () => {
  test.each([
    ['int(11)', 'int'],
    ['INTEGER', 'int'],
    ['int(10) unsigned', 'int unsigned'],
    ['INT SIGNED', 'int'],
    ['bool', 'tinyint'],
    ['tinyint(1)', 'tinyint'],
    ['decimal', 'decimal(10,0)'],
    ['numeric(8)', 'decimal(8,0)'],
    ['dec(8, 2)', 'decimal(8,2)'],
    ['double precision', 'double'],
    ['character varying(10)', 'varchar(10)'],
    ['char', 'char(1)'],
    ['VARCHAR( 20 )', 'varchar(20)'],
    ["ENUM('a', 'b')", "enum('a', 'b')"],
    ['bigint unsigned zerofill', 'bigint unsigned zerofill']
  ])('%s is %s', (written, normal) => {
    expect(normalizeType(written)).toBe(normal)
  })

  test('VARCHAR lengths, ENUM/SET members and their bytes, bytes per character', () => {
    expect(variableLength('varchar(40)')).toEqual({ kind: 'varchar', length: 40 })
    expect(variableLength('VARBINARY(7)')).toEqual({ kind: 'varbinary', length: 7 })
    expect(variableLength('char(40)')).toBeNull()
    expect(members("enum('a','it''s','c,d')")).toEqual({ kind: 'enum', values: ['a', "it''s", 'c,d'] })
    expect(members('int')).toBeNull()
    expect([memberStorageBytes('enum', 255), memberStorageBytes('enum', 256)]).toEqual([1, 2])
    expect([8, 9, 17, 25, 33, 64].map((count) => memberStorageBytes('set', count))).toEqual([1, 2, 3, 4, 8, 8])
    expect([bytesPerCharacter('utf8mb4'), bytesPerCharacter('UTF8'), bytesPerCharacter('latin1'), bytesPerCharacter(null)]).toEqual([
      4, 3, 1, 1
    ])
  })
})
