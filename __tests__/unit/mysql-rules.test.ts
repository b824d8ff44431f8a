/**
 * MySQL's rules that read the statement and the target's catalog (src/dialects/mysql/review/rules/): each fires on
 * what it is about, on an existing table, and stays silent on a table the pending versions create, on a table the
 * target does not have, and on the safe pattern. Nodes are written out here as the clause reader gives them.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { RelationFacts, ReviewContext, ReviewStatement } from '../../src/review/types.js'
import type { MysqlNode } from '../../src/dialects/mysql/review/node.js'
import { MYSQL_RULES } from '../../src/dialects/mysql/review/rules/index.js'
import { columnLevelIfExists } from '../../src/dialects/mysql/review/rules/if-not-exists.js'
import { sizeSeverity } from '../../src/dialects/mysql/review/rules/support.js'

const orders = { schema: null, name: 'orders' }
const facts = (rows: number | null, bytes: number | null, extra: Record<string, unknown> = {}): RelationFacts =>
  ({ name: 'shop.orders', kind: 'table', rows, bytes, ...extra }) as RelationFacts

function context(
  catalog: Record<string, RelationFacts> | null,
  createdEarlier: string[] = [],
  versionStatements?: ReviewStatement[]
): ReviewContext {
  return {
    createdEarlier: new Set(createdEarlier),
    catalog: catalog ? new Map(Object.entries(catalog)) : null,
    trace: null,
    defaultSchema: '',
    ...(versionStatements ? { versionStatements } : {})
  }
}

let index = 0
function statement(sql: string, node: MysqlNode, line = 1): ReviewStatement {
  return {
    version: 7,
    index: index++,
    file: 'v7/01.sql',
    line,
    column: 1,
    sql,
    noTransaction: false,
    node: node as never,
    waivers: new Map()
  }
}

function run(id: string, st: ReviewStatement, ctx: ReviewContext) {
  const rule = MYSQL_RULES.find((r) => r.id === id)
  if (!rule) throw new Error(`no rule ${id}`)
  return rule.check(st, ctx)
}

const BIG = { '.orders': facts(40_000_000, 38 * 1024 ** 3) }
const SMALL = { '.orders': facts(120, 64 * 1024) }

describe('mysql-several-alters', () => {
  const alter = (line: number) =>
    statement(
      'ALTER TABLE orders ADD COLUMN a INT',
      { kind: 'alter-table', table: orders, clauses: [], algorithm: null, lock: null, ignore: false },
      line
    )
  test('the second ALTER of one table in a version, naming the first', () => {
    const first = alter(1)
    const second = alter(2)
    const index3 = statement('CREATE INDEX i ON orders (a)', {
      kind: 'create-index',
      table: orders,
      index: { name: 'i', kind: 'index', columns: ['a'] },
      algorithm: null,
      lock: null
    })
    const ctx = context(BIG, [], [first, second, index3])
    expect(run('mysql-several-alters', first, ctx)).toEqual([])
    const [finding] = run('mysql-several-alters', second, ctx)
    expect(finding.message).toMatch(/^Alters `orders` \(≈40,000,000 rows, 38 GB\) again: v7\/01\.sql:1 altered it earlier in v7/)
    expect(run('mysql-several-alters', index3, ctx)).toHaveLength(1)
  })
  test('silent on a table created earlier, and on ALTERs of different tables', () => {
    const first = alter(1)
    const second = alter(2)
    expect(run('mysql-several-alters', second, context(BIG, ['.orders'], [first, second]))).toEqual([])
    const other = statement('ALTER TABLE items ADD COLUMN a INT', {
      kind: 'alter-table',
      table: { schema: null, name: 'items' },
      clauses: [],
      algorithm: null,
      lock: null,
      ignore: false
    })
    expect(run('mysql-several-alters', other, context(null, [], [first, other]))).toEqual([])
  })
})

describe('mysql-if-not-exists', () => {
  test.each([
    ['ALTER TABLE orders ADD COLUMN IF NOT EXISTS note INT', 'ADD COLUMN IF NOT EXISTS'],
    ['ALTER TABLE orders ADD IF NOT EXISTS note INT', 'ADD IF NOT EXISTS'],
    ['ALTER TABLE orders DROP COLUMN IF EXISTS note', 'DROP COLUMN IF EXISTS'],
    ['ALTER TABLE orders ADD INDEX IF NOT EXISTS i (a)', 'ADD INDEX IF NOT EXISTS'],
    ['CREATE UNIQUE INDEX IF NOT EXISTS i ON orders (a)', 'CREATE INDEX IF NOT EXISTS'],
    ['DROP INDEX IF EXISTS i ON orders', 'DROP INDEX IF EXISTS']
  ])('%s', (sql, found) => {
    expect(columnLevelIfExists(sql)).toBe(found)
    const [finding] = run('mysql-if-not-exists', statement(sql, { kind: 'other', verb: 'alter' }), context(null))
    expect(finding.severity).toBe('error')
    expect(finding.message).toContain(`\`${found}\` is MariaDB's syntax`)
  })
  test.each([
    'CREATE TABLE IF NOT EXISTS orders (id INT)',
    'DROP TABLE IF EXISTS orders',
    'ALTER TABLE orders ADD COLUMN flag INT DEFAULT (IF(1, 2, 3))',
    'ALTER TABLE orders ADD COLUMN `if` INT'
  ])('not on %s', (sql) => {
    expect(columnLevelIfExists(sql)).toBeNull()
  })
})

describe('mysql-truncate, mysql-drop-or-rename, mysql-unbatched-backfill', () => {
  test('TRUNCATE of an existing table; not of one created earlier or one the target does not have', () => {
    const st = statement('TRUNCATE orders', { kind: 'truncate', table: orders })
    expect(run('mysql-truncate', st, context(BIG))[0].message).toMatch(/^Removes every row of `orders` \(≈40,000,000 rows, 38 GB\)/)
    expect(run('mysql-truncate', st, context(BIG, ['.orders']))).toEqual([])
    expect(run('mysql-truncate', st, context({}))).toEqual([])
  })
  test('drops and renames of tables and columns', () => {
    const alter = statement('ALTER TABLE orders …', {
      kind: 'alter-table',
      table: orders,
      clauses: [
        { op: 'drop-column', column: 'legacy', text: 'DROP COLUMN legacy' },
        { op: 'rename-column', column: 'a', to: 'b', text: 'RENAME COLUMN a TO b' },
        {
          op: 'change-column',
          column: 'c',
          definition: {
            name: 'c',
            type: 'int',
            notNull: null,
            hasDefault: false,
            autoIncrement: false,
            generated: null,
            charset: null,
            collation: null,
            primaryKey: false,
            unique: false
          },
          position: 'last',
          text: 'CHANGE c c INT'
        }
      ],
      algorithm: null,
      lock: null,
      ignore: false
    })
    const found = run('mysql-drop-or-rename', alter, context(SMALL))
    expect(found.map((f) => f.message.split(':')[0])).toEqual([
      'Drops column `legacy` of `orders` (≈120 rows, 64 KB)',
      'Renames column `a` to `b` of `orders` (≈120 rows, 64 KB)'
    ])
    const drop = statement('DROP TABLE orders, gone', {
      kind: 'drop-table',
      tables: [orders, { schema: null, name: 'gone' }],
      ifExists: false,
      temporary: false
    })
    expect(run('mysql-drop-or-rename', drop, context(SMALL))).toHaveLength(1)
  })
  test('a whole-table UPDATE: its severity by the table size; a bounded one, or on a new table, is silent', () => {
    const whole = statement('UPDATE orders SET a = 1', { kind: 'update', tables: [orders], where: false, limit: false })
    expect(run('mysql-unbatched-backfill', whole, context(BIG))[0].severity).toBe('error')
    expect(run('mysql-unbatched-backfill', whole, context(SMALL))[0].severity).toBe('notice')
    expect(run('mysql-unbatched-backfill', whole, context(null))[0].severity).toBe('warning')
    const bounded = statement('DELETE FROM orders WHERE id < 10', { kind: 'delete', tables: [orders], where: true, limit: false })
    expect(run('mysql-unbatched-backfill', bounded, context(BIG))).toEqual([])
    expect(run('mysql-unbatched-backfill', whole, context(BIG, ['.orders']))).toEqual([])
  })
})

describe('mysql-non-transactional-table, mysql-dml-before-ddl', () => {
  test('MyISAM created, converted to, or written; InnoDB and temporary tables are fine', () => {
    const create = (engine: string | null, temporary = false) =>
      statement('CREATE TABLE …', {
        kind: 'create-table',
        table: orders,
        ifNotExists: false,
        temporary,
        like: null,
        asSelect: false,
        columns: [],
        indexes: [],
        foreignKeys: [],
        engine
      })
    expect(run('mysql-non-transactional-table', create('MyISAM'), context(null))[0].message).toMatch(/ENGINE = MyISAM: a statement on it/)
    expect(run('mysql-non-transactional-table', create('InnoDB'), context(null))).toEqual([])
    expect(run('mysql-non-transactional-table', create('MEMORY', true), context(null))).toEqual([])
    const insert = statement('INSERT INTO orders VALUES (1)', { kind: 'insert', table: orders, select: false })
    expect(run('mysql-non-transactional-table', insert, context({ '.orders': facts(5, 100, { engine: 'MyISAM' }) }))).toHaveLength(1)
    expect(run('mysql-non-transactional-table', insert, context({ '.orders': facts(5, 100, { engine: 'InnoDB' }) }))).toEqual([])
  })
  test('an INSERT before an ALTER of the same version; not after it', () => {
    const insert = statement('INSERT INTO orders VALUES (1)', { kind: 'insert', table: orders, select: false }, 1)
    const alter = statement(
      'ALTER TABLE orders ADD COLUMN a INT',
      { kind: 'alter-table', table: orders, clauses: [], algorithm: null, lock: null, ignore: false },
      2
    )
    const later = statement('UPDATE orders SET a = 1 WHERE id = 1', { kind: 'update', tables: [orders], where: true, limit: false }, 3)
    const ctx = context(null, [], [insert, alter, later])
    expect(run('mysql-dml-before-ddl', insert, ctx)[0].message).toMatch(/^Commits before the DDL at v7\/01\.sql:2 runs/)
    expect(run('mysql-dml-before-ddl', later, ctx)).toEqual([])
  })
})

test('size: error from a million rows or a gigabyte, notice under ten thousand rows and 16 MB, warning between or unknown', () => {
  expect(sizeSeverity('.orders', context(BIG))).toBe('error')
  expect(sizeSeverity('.orders', context({ '.orders': facts(10, 2 * 1024 ** 3) }))).toBe('error')
  expect(sizeSeverity('.orders', context(SMALL))).toBe('notice')
  expect(sizeSeverity('.orders', context({ '.orders': facts(50_000, 20 * 1024 ** 2) }))).toBe('warning')
  expect(sizeSeverity('.orders', context({ '.orders': facts(null, null) }))).toBe('warning')
  expect(sizeSeverity('.orders', context(null))).toBe('warning')
})

describe('mysql-table-without-primary-key, mysql-redundant-index', () => {
  const create = (primary: 'table' | 'column' | 'none') =>
    statement('CREATE TABLE …', {
      kind: 'create-table',
      table: orders,
      ifNotExists: false,
      temporary: false,
      like: null,
      asSelect: false,
      columns: [
        {
          name: 'id',
          type: 'bigint',
          notNull: true,
          hasDefault: false,
          autoIncrement: false,
          generated: null,
          charset: null,
          collation: null,
          primaryKey: primary === 'column',
          unique: false
        }
      ],
      indexes: primary === 'table' ? [{ name: null, kind: 'primary', columns: ['id'] }] : [],
      foreignKeys: [],
      engine: null
    })
  test('a table without a primary key; with one, on the column or the table, none', () => {
    expect(run('mysql-table-without-primary-key', create('none'), context(null))[0].message).toMatch(
      /^Creates `orders` without a PRIMARY KEY/
    )
    expect(run('mysql-table-without-primary-key', create('table'), context(null))).toEqual([])
    expect(run('mysql-table-without-primary-key', create('column'), context(null))).toEqual([])
  })
  test('an index whose columns lead an existing one; a wider one, a unique one, or another order is fine', () => {
    const withIndex = {
      '.orders': facts(10, 100, { indexes: [{ name: 'orders_customer_total', kind: 'index', columns: ['customer_id', 'total'] }] })
    }
    const add = (columns: string[], kind: 'index' | 'unique' = 'index') =>
      statement('CREATE INDEX …', { kind: 'create-index', table: orders, index: { name: 'i', kind, columns }, algorithm: null, lock: null })
    expect(run('mysql-redundant-index', add(['customer_id']), context(withIndex))[0].message).toMatch(
      /whose index `orders_customer_total` on \(customer_id, total\)/
    )
    expect(run('mysql-redundant-index', add(['Customer_ID', 'total']), context(withIndex))).toHaveLength(1)
    expect(run('mysql-redundant-index', add(['customer_id', 'total', 'id']), context(withIndex))).toEqual([])
    expect(run('mysql-redundant-index', add(['total']), context(withIndex))).toEqual([])
    expect(run('mysql-redundant-index', add(['customer_id'], 'unique'), context(withIndex))).toEqual([])
  })
})

test('mysql-metadata-lock: a DDL while the catalog read saw transactions open for a minute; none without them', () => {
  const alter = statement('ALTER TABLE orders ADD COLUMN a INT', {
    kind: 'alter-table',
    table: orders,
    clauses: [],
    algorithm: null,
    lock: null,
    ignore: false
  })
  const open = [{ id: 42, user: 'app', seconds: 312, command: 'Sleep' }]
  const [finding] = run('mysql-metadata-lock', alter, context({ '.orders': facts(10, 100, { server: { openTransactions: open } }) }))
  expect(finding.message).toMatch(
    /^When the plan read the target, session 42 \(user app, transaction open 312 s, Sleep\)\. A transaction that touched `orders`/
  )
  expect(run('mysql-metadata-lock', alter, context({ '.orders': facts(10, 100, { server: { openTransactions: [] } }) }))).toEqual([])
  expect(run('mysql-metadata-lock', alter, context({ '.orders': facts(10, 100, { server: { openTransactions: null } }) }))).toEqual([])
  const insert = statement('INSERT INTO orders VALUES (1)', { kind: 'insert', table: orders, select: false })
  expect(run('mysql-metadata-lock', insert, context({ '.orders': facts(10, 100, { server: { openTransactions: open } }) }))).toEqual([])
})

test('docs/rules.md has a section for every MySQL rule', () => {
  const page = fs.readFileSync(path.resolve('docs/rules.md'), 'utf8')
  const headings = new Set([...page.matchAll(/^### ([a-z0-9-]+)$/gm)].map((match) => match[1]))
  expect(MYSQL_RULES.map((rule) => rule.id).filter((id) => !headings.has(id))).toEqual([])
})
