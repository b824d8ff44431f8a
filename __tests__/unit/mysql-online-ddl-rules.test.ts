/**
 * Each online DDL rule (src/dialects/mysql/review/rules/online-ddl.ts) on a statement it is about, and silent on
 * the safe form beside it: real statements through the clause reader, the prediction for a MySQL 8.0.36 target
 * whose catalog is written out here. (The algorithm table itself is proved on a real server in
 * __tests__/integration/mysql-algorithm-proof.test.ts.)
 */
import type { MysqlTableFacts } from '../../src/dialects/mysql/review/catalog.js'
import { parseMysqlStatement } from '../../src/dialects/mysql/review/parse.js'
import { MYSQL_RULES } from '../../src/dialects/mysql/review/rules/index.js'
import type { ReviewContext, ReviewStatement } from '../../src/review/types.js'

interface Options {
  version?: string
  foreignKeyChecks?: boolean
  totalRowVersions?: number | null
  rows?: number
}

function facts(options: Options = {}): MysqlTableFacts {
  const column = (name: string, type: string, position: number, text = false) => ({
    name,
    type,
    nullable: name !== 'id',
    charset: text ? 'utf8mb4' : null,
    collation: text ? 'utf8mb4_0900_ai_ci' : null,
    maxBytes: text ? Number(/\((\d+)\)/.exec(type)?.[1] ?? 0) * 4 : null,
    generated: null,
    position
  })
  return {
    name: '.orders',
    kind: 'table',
    rows: options.rows ?? 2_000_000,
    bytes: 512 * 1024 ** 2,
    schema: 'shop',
    table: 'orders',
    engine: 'InnoDB',
    rowFormat: 'Dynamic',
    createOptions: '',
    collation: 'utf8mb4_0900_ai_ci',
    columns: [
      column('id', 'bigint', 1),
      column('total', 'int', 2),
      column('note', 'varchar(20)', 3, true),
      column('customer_id', 'bigint', 4)
    ],
    indexes: [{ name: 'PRIMARY', kind: 'primary', columns: ['id'] }],
    foreignKeys: [],
    referencedByKeys: [],
    totalRowVersions: options.totalRowVersions ?? 3,
    triggers: [],
    truncated: [],
    server: {
      version: options.version ?? '8.0.36',
      flavor: 'mysql',
      sqlMode: '',
      foreignKeyChecks: options.foreignKeyChecks ?? true,
      performanceSchema: false,
      openTransactions: []
    }
  }
}

/** The online DDL rules that fire on `sql`, with their severity. */
function fired(sql: string, options: Options = {}): string[] {
  const node = parseMysqlStatement(sql)
  if (!node) throw new Error(`not read: ${sql}`)
  const statement: ReviewStatement = {
    version: 3,
    index: 0,
    file: 'v3/01.sql',
    line: 1,
    column: 1,
    sql,
    noTransaction: false,
    node: node as never,
    waivers: new Map()
  }
  const context: ReviewContext = {
    createdEarlier: new Set(),
    catalog: new Map([['.orders', facts(options)]]),
    trace: null,
    defaultSchema: ''
  }
  return MYSQL_RULES.filter((rule) => rule.id !== 'mysql-redundant-index').flatMap((rule) =>
    rule.check(statement, context).map((result) => `${rule.id} ${result.severity}`)
  )
}

test.each([
  ['a type change copies', 'ALTER TABLE orders MODIFY total BIGINT', ['mysql-column-type-change error']],
  ['a default set is metadata only', 'ALTER TABLE orders ALTER COLUMN total SET DEFAULT 0', []],
  [
    'VARCHAR(20) → VARCHAR(100) in utf8mb4 crosses 255 bytes',
    'ALTER TABLE orders MODIFY note VARCHAR(100)',
    ['mysql-varchar-boundary error']
  ],
  ['VARCHAR(20) → VARCHAR(60) stays under 256 bytes', 'ALTER TABLE orders MODIFY note VARCHAR(60)', []],
  ['CONVERT TO CHARACTER SET copies', 'ALTER TABLE orders CONVERT TO CHARACTER SET latin1', ['mysql-charset-conversion error']],
  ["a table's default character set changes no row", 'ALTER TABLE orders DEFAULT CHARACTER SET latin1', []],
  ['a FULLTEXT index blocks writes', 'ALTER TABLE orders ADD FULLTEXT INDEX orders_note_ft (note)', ['mysql-fulltext-spatial-index error']],
  ['a secondary index is built in place with writes going on', 'ALTER TABLE orders ADD INDEX orders_note (note)', []],
  ['NOT NULL rebuilds the table', 'ALTER TABLE orders MODIFY total INT NOT NULL', ['mysql-table-rebuild error']],
  ['a CHECK constraint copies', 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0)', ['mysql-alter-copy error']],
  [
    'an ALGORITHM= the statement cannot run with is refused',
    'ALTER TABLE orders MODIFY total BIGINT, ALGORITHM=INPLACE',
    ['mysql-algorithm-refused error']
  ],
  [
    'ALGORITHM=COPY asked for is honoured (and copies)',
    'ALTER TABLE orders MODIFY total BIGINT, ALGORITHM=COPY',
    ['mysql-column-type-change error']
  ],
  ['an instant ADD COLUMN at the end', 'ALTER TABLE orders ADD COLUMN flag TINYINT', []]
])('%s', (_, sql, expected) => {
  expect(fired(sql)).toEqual(expected)
})

test('a foreign key copies the child with foreign_key_checks on, not with them off', () => {
  const sql = 'ALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)'
  expect(fired(sql)).toEqual(['mysql-foreign-key-copy error'])
  expect(fired(sql, { foreignKeyChecks: false })).toEqual([])
})

test('a column placed FIRST: a rebuild before MySQL 8.0.29, instant since', () => {
  const sql = 'ALTER TABLE orders ADD COLUMN flag TINYINT FIRST'
  expect(fired(sql, { version: '8.0.28' })).toEqual(['mysql-column-position error'])
  expect(fired(sql, { version: '8.0.36' })).toEqual([])
})

test('the instant row-version limit: refused with ALGORITHM=INSTANT at 64, fine at 10', () => {
  const sql = 'ALTER TABLE orders ADD COLUMN flag TINYINT, ALGORITHM=INSTANT'
  expect(fired(sql, { totalRowVersions: 64 })).toEqual(['mysql-instant-row-versions error'])
  expect(fired(sql, { totalRowVersions: 10 })).toEqual([])
})

test('the same copy on a table of 500 rows but 512 MB is a warning, not an error', () => {
  expect(fired('ALTER TABLE orders MODIFY total BIGINT', { rows: 500 })).toEqual(['mysql-column-type-change warning'])
})

test('a clause the reader does not know is assumed to copy, as a notice, never an error', () => {
  expect(fired('ALTER TABLE orders ALTER INDEX orders_note INVISIBLE')).toEqual(['mysql-alter-copy notice'])
})
