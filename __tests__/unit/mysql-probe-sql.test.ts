/**
 * The algorithm probe's text: the statement on its table's copy, with the ALGORITHM= it tries, rewritten through
 * the lexer (the table's name token only; the clause after the last clause or the index definition).
 */
import { parseMysqlStatement } from '../../src/dialects/mysql/review/parse.js'
import { probePlan } from '../../src/dialects/mysql/shadow/probe-sql.js'

function probe(sql: string, algorithm: 'instant' | 'inplace' | 'copy' = 'instant'): string {
  const plan = probePlan(sql, parseMysqlStatement(sql)!)
  if ('unproved' in plan) throw new Error(plan.unproved)
  return plan.text('copy_1', algorithm)
}

function unproved(sql: string): string {
  const plan = probePlan(sql, parseMysqlStatement(sql)!)
  return 'unproved' in plan ? plan.unproved : 'probed'
}

describe('the algorithm probe of a statement', () => {
  test('ALTER TABLE: the table name token only, and `, ALGORITHM=` after the last clause (comments and semicolons kept out of the way)', () => {
    expect(probe("ALTER TABLE orders ADD COLUMN label VARCHAR(10) DEFAULT 'orders' -- orders\n;")).toBe(
      "ALTER TABLE `copy_1` ADD COLUMN label VARCHAR(10) DEFAULT 'orders', ALGORITHM=INSTANT -- orders"
    )
    expect(probe('ALTER TABLE shop.`orders` MODIFY total BIGINT;', 'copy')).toBe(
      'ALTER TABLE shop.`copy_1` MODIFY total BIGINT, ALGORITHM=COPY'
    )
    expect(probe('ALTER TABLE IF EXISTS orders ADD x INT, LOCK=NONE', 'inplace')).toBe(
      'ALTER TABLE IF EXISTS `copy_1` ADD x INT, LOCK=NONE, ALGORITHM=INPLACE'
    )
  })

  test('CREATE and DROP INDEX: the clause after the index definition', () => {
    expect(probe('CREATE INDEX orders_note ON orders (note)', 'inplace')).toBe(
      'CREATE INDEX orders_note ON `copy_1` (note) ALGORITHM=INPLACE'
    )
    expect(probe('DROP INDEX orders_note ON orders LOCK=NONE;')).toBe('DROP INDEX orders_note ON `copy_1` LOCK=NONE ALGORITHM=INSTANT')
  })

  test('an ALGORITHM= the statement writes: DEFAULT is rewritten to each try, another is the only one tried', () => {
    const sql = 'ALTER TABLE orders ADD x INT, ALGORITHM = DEFAULT'
    expect(probe(sql, 'inplace')).toBe('ALTER TABLE `copy_1` ADD x INT, ALGORITHM = INPLACE')
    const asked = probePlan(
      'ALTER TABLE orders ADD x INT, ALGORITHM=INPLACE',
      parseMysqlStatement('ALTER TABLE orders ADD x INT, ALGORITHM=INPLACE')!
    )
    expect('candidates' in asked && asked.candidates).toEqual(['inplace'])
    // A column named `algorithm` is no ALGORITHM= clause.
    expect(probe('ALTER TABLE orders ADD algorithm INT')).toBe('ALTER TABLE `copy_1` ADD algorithm INT, ALGORITHM=INSTANT')
  })

  test('what the probe leaves out, and says why', () => {
    expect(unproved('ALTER TABLE orders RENAME TO old_orders')).toMatch(/renames the table/)
    expect(unproved('ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE other')).toMatch(/EXCHANGE PARTITION/)
    expect(unproved('RENAME TABLE orders TO old_orders')).toMatch(/RENAME TABLE takes no ALGORITHM/)
    expect(unproved('CREATE INDEX i ON orders (note) ALGORITHM=NOCOPY')).toMatch(/NOCOPY/)
  })
})
