/**
 * The MySQL version routine's text (src/dialects/mysql/version-routine.ts): values spliced in as literals that
 * read the same in every sql_mode, the order of what the body does per part, how a CALL error is read, and how a
 * CREATE syntax error is placed in one statement. The server's side of it (the body runs, its handler, its lock)
 * is in __tests__/integration/mysql-version-routine.test.ts.
 */
import { mysqlMetaTables } from '../../src/dialects/mysql/identifiers.js'
import { buildVersionRoutine, inlineQuery, versionRoutine } from '../../src/dialects/mysql/version-routine.js'
import type { RoutinePlan } from '../../src/engine/dialect.js'

const tables = mysqlMetaTables('shop', 'schema_migrations')
const step = (n: number, line = n + 1) => ({ step: n, statementChecksum: `sha256:${n}`, file: 'v3/01.sql', line })

function plan(overrides: Partial<RoutinePlan> = {}): RoutinePlan {
  return {
    tables,
    version: 3,
    token: 'abc123',
    fence: { sql: 'UPDATE lease SET renewed = 1 WHERE owner = :owner AND token = :token', params: { owner: "o'wner\\", token: 7 } },
    settings: ['SET SESSION lock_wait_timeout = 5'],
    parts: [
      { kind: 'alone', step: step(0), sql: 'CREATE TABLE orders (id INT)' },
      {
        kind: 'batch',
        steps: [
          { step: step(1), sql: 'INSERT INTO orders VALUES (1)' },
          { step: step(2), sql: 'INSERT INTO orders VALUES (2) -- two' }
        ]
      },
      { kind: 'alone', step: step(3), sql: 'ALTER TABLE orders\n  ADD COLUMN note INT' }
    ],
    finish: null,
    ...overrides
  }
}

describe('inlineQuery', () => {
  test('text as hex literals (no quote or backslash reaches the server as such), numbers as digits, null and booleans as words', () => {
    const sql = inlineQuery({
      sql: 'SELECT :a, :b, :c, :d, :e, :empty, @x := 1, 0x3a',
      params: { a: "it's \\ ünï", b: 42, c: null, d: true, e: false, empty: '' }
    })
    expect(sql).toBe(
      `SELECT CONVERT(0x${Buffer.from("it's \\ ünï").toString('hex')} USING utf8mb4), 42, NULL, TRUE, FALSE, '', @x := 1, 0x3a`
    )
  })

  test('a raw name takes SQL text as is; a name without a value is refused; parameters inside strings and comments stay', () => {
    expect(inlineQuery({ sql: "SELECT :f, ':f' /* :f */", params: { f: 'x' } }, { f: '(SELECT 1)' })).toBe(
      "SELECT (SELECT 1), ':f' /* :f */"
    )
    expect(() => inlineQuery({ sql: 'SELECT :missing', params: {} })).toThrow(/no value for :missing/)
    expect(() => inlineQuery({ sql: 'SELECT :n', params: { n: Number.NaN } })).toThrow(/not a finite number/)
  })
})

describe('the body', () => {
  test('the lock first, the settings once, then per step alone: fence, started row with the fingerprint, the statement, done row; per batch: one transaction', () => {
    const routine = buildVersionRoutine(plan())
    const body = routine.create
    const at = (text: string, from = 0) => {
      const index = body.indexOf(text, from)
      if (index < 0) throw new Error(`not in the body: ${text}`)
      return index
    }
    expect(body.startsWith('CREATE PROCEDURE `aurora_migrate_version_abc123`() SQL SECURITY INVOKER\nBEGIN\n')).toBe(true)
    const lock = at("DO GET_LOCK('aurora_migrate_version_abc123', 0);")
    const settings = at('SET SESSION lock_wait_timeout = 5;', lock)
    const fence = at('UPDATE lease SET renewed = 1 WHERE owner = CONVERT(0x', settings)
    const started = at("'started'", fence)
    expect(body.slice(started, at('\nCREATE TABLE orders (id INT)\n;\n'))).toContain("(SELECT CONCAT('v2:', COUNT(*)")
    const create = at('\nCREATE TABLE orders (id INT)\n;\n')
    const done = at("'done'", create)
    const begin = at('START TRANSACTION;', done)
    expect(at('UPDATE lease', begin)).toBeLessThan(at('\nINSERT INTO orders VALUES (1)\n;\n'))
    // A trailing comment cannot swallow what follows: the statement ends on a line of its own.
    const second = at('\nINSERT INTO orders VALUES (2) -- two\n;\n')
    expect(at('COMMIT;', second)).toBeLessThan(at('\nALTER TABLE orders\n  ADD COLUMN note INT\n;\n'))
    expect(body.endsWith("DO RELEASE_LOCK('aurora_migrate_version_abc123');\nEND")).toBe(true)
    expect(routine.call).toBe('CALL `aurora_migrate_version_abc123`()')
    expect(routine.drop).toBe('DROP PROCEDURE IF EXISTS `aurora_migrate_version_abc123`')
    expect(routine.running).toContain("IS_USED_LOCK('aurora_migrate_version_abc123') IS NOT NULL")
    // No finish: nothing writes the meta table.
    expect(body).not.toContain('`shop`.`schema_migrations` (version, description')
  })

  test('finishing the version: after a last batch, its transaction also checks, records and clears; after DDL, a transaction of its own', () => {
    const finish = {
      notApplied: { sql: 'SELECT version FROM m WHERE version = :version', params: { version: 3 } },
      record: { sql: 'INSERT INTO m SELECT :version, :earlier_ms + 5', params: { version: 3, earlier_ms: 12 } },
      deleteProgress: { sql: 'DELETE FROM p WHERE version = :version', params: { version: 3 } }
    }
    const endsWithDdl = buildVersionRoutine(plan({ finish })).create
    const last = endsWithDdl.lastIndexOf('START TRANSACTION;')
    expect(last).toBeGreaterThan(endsWithDdl.indexOf('ADD COLUMN note INT'))
    const tail = endsWithDdl.slice(last)
    expect(tail).toMatch(
      /UPDATE lease[\s\S]*IF EXISTS \(SELECT version FROM m WHERE version = 3\)[\s\S]*INSERT INTO m SELECT 3, 12 \+ CAST\(TIMESTAMPDIFF\(MICROSECOND, aurora_migrate_started, aurora_migrate_fenced\)[\s\S]*ROW_COUNT\(\) <> 1[\s\S]*DELETE FROM p WHERE version = 3;[\s\S]*COMMIT;/
    )
    const endsWithBatch = buildVersionRoutine(plan({ finish, parts: plan().parts.slice(0, 2) })).create
    expect(endsWithBatch.match(/START TRANSACTION;/g)).toHaveLength(1)
    expect(endsWithBatch.indexOf('IF EXISTS (SELECT version FROM m')).toBeGreaterThan(
      endsWithBatch.indexOf('INSERT INTO orders VALUES (2)')
    )
  })

  test('a token that is not letters and digits is refused', () => {
    expect(() => buildVersionRoutine(plan({ token: 'x`; DROP' }))).toThrow(/letters or digits/)
  })
})

describe('reading a CALL error', () => {
  const { failure } = buildVersionRoutine(plan())
  test("a statement's own error, whatever its text", () => {
    expect(failure({ message: "Duplicate column name 'note'", errno: 1060 })).toEqual({ kind: 'statement' })
    expect(failure({ message: 'aurora-migrate nonsense error 1: x', errno: 1644 })).toEqual({ kind: 'statement' })
  })
  test('a guard of the engine, and an error met by one of its statements', () => {
    expect(failure({ message: 'aurora-migrate fence guard: the migration lease is no longer held by this run', errno: 1644 })).toEqual({
      kind: 'engine',
      part: 'fence',
      guard: true,
      error: { message: 'the migration lease is no longer held by this run' }
    })
    expect(failure({ message: "aurora-migrate progress error 1062 23000: Duplicate entry '3-0' for key 'PRIMARY'", errno: 1644 })).toEqual({
      kind: 'engine',
      part: 'progress',
      guard: false,
      error: { message: "Duplicate entry '3-0' for key 'PRIMARY'", errno: 1062, sqlState: '23000' }
    })
    expect(failure({ message: 'aurora-migrate commit error 1213 40001: Deadlock found' })).toMatchObject({ part: 'commit', guard: false })
  })
})

describe('placing a CREATE syntax error', () => {
  test("the server's line of the body names the statement, and the line within it", () => {
    const routine = buildVersionRoutine(plan())
    const lines = routine.create.split('\n')
    const alterLine = lines.indexOf('  ADD COLUMN note INT') + 1
    const placed = routine.placeCreateError({
      message: "You have an error in your SQL syntax; check the manual … near 'INT' at line " + alterLine,
      errno: 1064
    })
    expect(placed).toEqual({
      step: 3,
      error: {
        message: "You have an error in your SQL syntax; check the manual … near 'INT' at line 2",
        errno: 1064,
        position: 'ALTER TABLE orders\n'.length + 1
      }
    })
  })
  test('an error on a line of our own, another error number, or no line: not placed', () => {
    const routine = buildVersionRoutine(plan())
    expect(routine.placeCreateError({ message: "… near 'x' at line 2", errno: 1064 })).toBeNull()
    expect(routine.placeCreateError({ message: "Unknown data type: 'BAR'", errno: 4161 })).toBeNull()
    expect(routine.placeCreateError({ message: 'You have an error in your SQL syntax', errno: 1064 })).toBeNull()
  })
})

test('what may run inside: DDL and DML yes; defining triggers, routines and events, ALTER VIEW, LOCK, and statements that answer rows no', () => {
  expect(['ALTER TABLE t ADD c INT', 'INSERT INTO t VALUES (1)', 'CREATE VIEW v AS SELECT 1'].map(versionRoutine.runsInside)).toEqual([
    true,
    true,
    true
  ])
  expect(
    [
      'CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1',
      'DROP PROCEDURE p',
      'ALTER VIEW v AS SELECT 2',
      'LOCK TABLES t WRITE'
    ].map(versionRoutine.runsInside)
  ).toEqual([false, false, false, false])
  expect(
    [
      'SELECT 1',
      '(SELECT 1)',
      'ANALYZE TABLE t',
      'SHOW TABLES',
      'CALL my_proc()',
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'EXPLAIN SELECT 1'
    ].map(versionRoutine.runsInside)
  ).toEqual([false, false, false, false, false, false, false])
})

test("leftovers: only version routines whose lock is free; dropping one takes a version routine's name and nothing else", () => {
  expect(versionRoutine.leftovers).toMatch(/LIKE 'aurora!_migrate!_version!_%' ESCAPE '!'/)
  expect(versionRoutine.leftovers).toMatch(/IS_USED_LOCK\(ROUTINE_NAME\) IS NULL/)
  expect(versionRoutine.drop('aurora_migrate_version_abc123')).toBe('DROP PROCEDURE IF EXISTS `aurora_migrate_version_abc123`')
  expect(() => versionRoutine.drop('orders')).toThrow(/not a version routine/)
  expect(() => versionRoutine.drop('aurora_migrate_version_x`; DROP TABLE t')).toThrow(/not a version routine/)
})

test("with the pre-flight, the routine counts the sessions holding its DDL's table locks before anything, and refuses by the preflight guard", () => {
  const body = buildVersionRoutine(plan({ preflight: { lockTimeoutMs: 5000 } })).create
  const check = body.indexOf("SET aurora_migrate_part = 'preflight';")
  expect(check).toBeGreaterThan(0)
  expect(check).toBeLessThan(body.indexOf('UPDATE lease'))
  expect(body).toContain('information_schema.INNODB_TRX')
  expect(body).toContain('DECLARE CONTINUE HANDLER FOR SQLEXCEPTION SET aurora_migrate_blockers = NULL;')
  expect(body).toMatch(
    /IF aurora_migrate_blockers > 0 THEN SET aurora_migrate_part = NULL; SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'aurora-migrate preflight guard: /
  )
  const { failure } = buildVersionRoutine(plan())
  expect(
    failure({ message: 'aurora-migrate preflight guard: sessions hold or wait on the table locks of its DDL', errno: 1644 })
  ).toMatchObject({
    kind: 'engine',
    part: 'preflight',
    guard: true
  })
  // Without it, or with DML alone, no check.
  expect(buildVersionRoutine(plan()).create).not.toContain('preflight')
  const dmlOnly = plan({ preflight: { lockTimeoutMs: 5000 }, parts: [plan().parts[1]] })
  expect(buildVersionRoutine(dmlOnly).create).not.toContain("'preflight'")
})
