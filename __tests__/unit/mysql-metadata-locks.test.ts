/**
 * The MySQL pre-flight's pure parts (src/dialects/mysql/metadata-locks.ts): which statements it checks, the
 * shape of its one query, and how it reads the rows of both ways of judging. The performance_schema way is
 * read here from rows as the server gives them: the suites' MariaDB runs with performance_schema off, so the
 * integration tests (mysql-preflight.test.ts) exercise the heuristic live.
 */
import { ageLimitSeconds, blockersSql, locksTables, namePattern, readBlockers } from '../../src/dialects/mysql/metadata-locks.js'

describe('which statements are checked', () => {
  test.each([
    ['ALTER TABLE orders ADD COLUMN note INT', true],
    ['CREATE INDEX orders_total ON orders (total)', true],
    ['CREATE UNIQUE INDEX u ON orders (id)', true],
    ['DROP TABLE orders', true],
    ['CREATE TABLE child (id INT, FOREIGN KEY (id) REFERENCES orders (id))', true],
    ['RENAME TABLE orders TO orders_old', true],
    ['TRUNCATE TABLE orders', true],
    ['OPTIMIZE TABLE orders', true],
    ['CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW SET NEW.total = 1', true],
    ['CREATE OR REPLACE VIEW v AS SELECT * FROM orders', true],
    ['INSERT INTO orders VALUES (1)', false],
    ['UPDATE orders SET total = 1', false],
    ['CREATE TEMPORARY TABLE scratch (id INT)', false],
    ['CREATE DATABASE other', false],
    ["GRANT SELECT ON shop.orders TO 'app'@'%'", false],
    ['CREATE PROCEDURE p() SELECT 1', false]
  ])('%s: %s', (sql, expected) => {
    expect(locksTables(sql)).toBe(expected)
  })
})

describe('the age a session must reach to count', () => {
  test.each([
    [null, 1],
    [0, 1],
    [500, 1],
    [1000, 1],
    [5000, 5],
    [5500, 6]
  ])('lock timeout %s ms: more than %s s', (lockTimeoutMs, seconds) => {
    expect(ageLimitSeconds(lockTimeoutMs)).toBe(seconds)
  })
})

describe('the name pattern a statement text is matched with', () => {
  // JavaScript reads this subset (groups, alternation, negated ranges, anchors, escapes) as ICU and PCRE do.
  const matches = (name: string, text: string) => new RegExp(namePattern(name), 'i').test(text)
  test('the table as a whole name: bare, backticked, qualified; not inside a longer name', () => {
    expect(matches('orders', 'SELECT * FROM orders')).toBe(true)
    expect(matches('orders', 'SELECT * FROM `orders` WHERE 1')).toBe(true)
    expect(matches('orders', 'SELECT * FROM shop.orders')).toBe(true)
    expect(matches('orders', 'UPDATE ORDERS SET x = 1')).toBe(true)
    expect(matches('orders', 'SELECT * FROM orders_archive')).toBe(false)
    expect(matches('orders', 'SELECT * FROM my_orders')).toBe(false)
    expect(matches('orders', 'SELECT * FROM $orders')).toBe(false)
  })
  test("a name's regular-expression characters are literal", () => {
    expect(namePattern('Weird.Name')).toContain('Weird\\.Name')
    expect(matches('Weird.Name', 'SELECT * FROM `Weird.Name`')).toBe(true)
    expect(matches('Weird.Name', 'SELECT * FROM Weird_Name')).toBe(false)
    expect(matches('a(b)+', 'SELECT * FROM `a(b)+`')).toBe(true)
  })
})

describe('the query', () => {
  const tables = [
    { schema: null, name: 'orders' },
    { schema: 'shop', name: "o'rders" }
  ]
  const sql = blockersSql(tables, 5)
  /** The select lists of the query (what it returns), without the parts that only filter. */
  const selectLists = (text: string) => [...text.matchAll(/SELECT((?:(?!SELECT)[\s\S])*?)\nFROM/g)].map((m) => m[1])

  test('one statement, the names as hex literals (nothing from input in its text), the age limit as a number', () => {
    expect(sql).not.toMatch(/;/)
    expect(sql).not.toContain("o'rders")
    expect(sql).toContain(`0x${Buffer.from("o'rders").toString('hex')}`)
    expect(sql).toContain(`0x${Buffer.from('shop').toString('hex')}`)
    // The unqualified table is looked for in the default database.
    expect(sql).toMatch(/SELECT 0 AS i, CONVERT\(DATABASE\(\) USING utf8mb4\)/)
    // Held locks, idle transactions, running statements: each older than the limit.
    expect(sql.match(/> 5\b/g)).toHaveLength(3)
    expect(blockersSql(tables, 1).match(/> 1\b/g)).toHaveLength(3)
    // A transaction's age against the server's clock in the zone trx_started is in, whatever the session's.
    expect(sql).not.toMatch(/trx_started, NOW\(\)/)
    expect(sql).toContain("TIMESTAMPDIFF(SECOND, x.trx_started, COALESCE(CONVERT_TZ(NOW(), @@session.time_zone, 'SYSTEM'), NOW()))")
  })

  test('it judges both ways in the one statement: metadata_locks where the instrument is on, else the heuristic', () => {
    expect(sql).toContain("WHERE NAME = 'wait/lock/metadata/sql/mdl' AND ENABLED = 'YES'")
    expect(sql).toContain("JOIN performance_schema.metadata_locks AS m ON ps.judged = 'on'")
    expect(sql).toContain("m.LOCK_STATUS = 'PENDING' OR (m.LOCK_STATUS = 'GRANTED'")
    expect(sql.match(/ps\.judged <> 'on'/g)).toHaveLength(2)
    expect(sql).toContain("p.COMMAND = 'Sleep'")
    expect(sql).toContain("p.STATE = 'Waiting for table metadata lock'")
    expect(sql.match(/CONNECTION_ID\(\)/g)).toHaveLength(3)
  })

  test('without performance_schema: the heuristic alone, judged unreadable, the same columns', () => {
    const heuristic = blockersSql(tables, 5, false)
    expect(heuristic).not.toContain('performance_schema.')
    expect(heuristic).toContain("SELECT 'unreadable' AS judged")
    // The first SELECT of the union names the columns: in the heuristic alone, the idle transactions'.
    const first = selectLists(heuristic).find((list) => list.includes("'idle'"))!
    expect([...first.matchAll(/ AS (\w+)/g)].map((m) => m[1])).toEqual([
      'kind',
      'session',
      'user',
      'command',
      'transaction_seconds',
      'seconds',
      'lock_type',
      'wanted'
    ])
    const exact = selectLists(sql).find((list) => list.includes("'pending'"))!
    expect([...exact.matchAll(/ AS (\w+)/g)].map((m) => m[1])).toEqual([
      'kind',
      'session',
      'user',
      'command',
      'transaction_seconds',
      'seconds',
      'lock_type',
      'wanted'
    ])
  })

  test('it never returns a statement text or a host', () => {
    for (const list of selectLists(sql)) {
      expect(list).not.toMatch(/\bINFO\b|PROCESSLIST_INFO|HOST|trx_query/i)
    }
    expect(sql).not.toMatch(/HOST|trx_query|PROCESSLIST_INFO/i)
  })
})

describe('reading the rows', () => {
  const tables = [
    { schema: 'shop', name: 'orders' },
    { schema: null, name: 'customers' }
  ]
  // Statement 0 names orders, 1 names nothing (DML), 2 names customers.
  const statements = [[0], [], [1]]
  const row = (values: Record<string, unknown>) => ({
    judged: 'off',
    user: 'app',
    command: 'Sleep',
    transaction_seconds: null,
    seconds: 0,
    lock_type: null,
    wanted: null,
    ...values
  })

  test('nothing found: no session, no description, no advice', () => {
    expect(readBlockers([], tables, statements)).toEqual({
      sessions: [],
      description: '',
      statements: [],
      tables: ['shop.orders', 'customers'],
      advice: ''
    })
  })

  test('performance_schema: holders and waiters of the exact table, the statements that need it, what to do', () => {
    const found = readBlockers(
      [
        row({ judged: 'on', kind: 'pending', session: 43, command: 'Query', seconds: 2, lock_type: 'EXCLUSIVE', wanted: 0 }),
        row({ judged: 'on', kind: 'held', session: 42, transaction_seconds: 312, seconds: 300, lock_type: 'SHARED_READ', wanted: 0 }),
        row({ judged: 'on', kind: 'held', session: 42, transaction_seconds: 312, seconds: 300, lock_type: 'SHARED_WRITE', wanted: 0 })
      ],
      tables,
      statements
    )
    expect(found.sessions).toEqual(['42', '43'])
    expect(found.description).toBe(
      'performance_schema shows session 42 (user app, transaction open 312 s, Sleep) holding the metadata lock on shop.orders (SHARED_READ, SHARED_WRITE); ' +
        'session 43 (user app, Query) waiting for the metadata lock on shop.orders (EXCLUSIVE)'
    )
    // Only the statement that names orders waits behind them.
    expect(found.statements).toEqual([0])
    expect(found.advice).toBe(
      'End their transactions (COMMIT or ROLLBACK in the application that holds them) or the sessions (KILL 42, KILL 43; ' +
        "on RDS and Aurora, CALL mysql.rds_kill(<session>) for another user's session)."
    )
  })

  test('the heuristic: an idle transaction may hold any of the tables; a running or waiting statement names its own', () => {
    const found = readBlockers(
      [
        row({ kind: 'idle', session: 7, transaction_seconds: 312, seconds: 310 }),
        row({ kind: 'running', session: 9, command: 'Query', transaction_seconds: 20, seconds: 15, wanted: 1 }),
        row({ kind: 'waiting', session: 11, command: 'Query', seconds: 1, wanted: 1 })
      ],
      tables,
      statements
    )
    expect(found.sessions).toEqual(['7', '9', '11'])
    expect(found.description).toBe(
      'performance_schema is off: session 7 (user app, Sleep) has had a transaction open for 312 s and may hold the metadata lock on shop.orders, customers; ' +
        'session 9 (user app, transaction open 20 s, Query) has been running a statement that names customers for 15 s; ' +
        'session 11 (user app, Query) is waiting for the metadata lock on customers'
    )
    // The idle transaction may hold orders: both DDL statements wait.
    expect(found.statements).toEqual([0, 2])
    expect(found.advice).toMatch(/KILL 7, KILL 9, KILL 11;/)
    expect(found.advice).toMatch(
      /With performance_schema on and its instrument wait\/lock\/metadata\/sql\/mdl enabled, the check names exactly/
    )
  })

  test('without an idle transaction, only the statements naming the table found', () => {
    const found = readBlockers([row({ kind: 'waiting', session: 11, command: 'Query', wanted: 1 })], tables, statements)
    expect(found.statements).toEqual([2])
  })

  test('how it was judged starts the description, and the advice says how to judge exactly', () => {
    const one = (judged: string) => readBlockers([row({ judged, kind: 'idle', session: 5, transaction_seconds: 9 })], tables, statements)
    expect(one('no-instrument').description).toMatch(
      /^performance_schema does not record metadata locks \(its instrument wait\/lock\/metadata\/sql\/mdl is disabled\): session 5 /
    )
    expect(one('no-instrument').advice).toMatch(
      /enable the instrument: UPDATE performance_schema\.setup_instruments SET ENABLED = 'YES' WHERE NAME = 'wait\/lock\/metadata\/sql\/mdl'\.$/
    )
    expect(one('unreadable').description).toMatch(/^performance_schema cannot be read by this user: session 5 /)
    expect(one('unreadable').advice).toMatch(/Given SELECT on performance_schema/)
    expect(one('off').advice).toMatch(
      /^End its transaction \(COMMIT or ROLLBACK in the application that holds it\) or the session \(KILL 5;/
    )
  })

  test('the oldest transactions first; past five sessions, the rest counted', () => {
    const rows = [1, 2, 3, 4, 5, 6, 7].map((session) => row({ kind: 'idle', session, transaction_seconds: session * 10 }))
    const found = readBlockers(rows, tables, statements)
    expect(found.sessions).toEqual(['7', '6', '5', '4', '3', '2', '1'])
    expect(found.description.match(/session \d+/g)).toEqual(['session 7', 'session 6', 'session 5', 'session 4', 'session 3'])
    expect(found.description).toMatch(/; and 2 more$/)
  })
})
