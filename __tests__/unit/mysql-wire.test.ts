/**
 * MySQL's wire part (src/dialects/mysql/wire.ts): `:name` parameters found with the MySQL lexer and turned into
 * the driver's `?`, MySQL's own colons left alone; the packing members consistent with never packing; the
 * lost-connection errors; the process-list probe.
 */
import { wire } from '../../src/dialects/mysql/wire.js'

const positional = (sql: string, params?: Record<string, string | number | boolean | null>) => wire.toPositional(sql, params)

describe('toPositional', () => {
  test('names become ? with their values in order; a name used twice is bound twice', () => {
    expect(positional('SELECT :a AS a, :b AS b, :a AS again', { a: 1, b: 'x' })).toEqual({
      text: 'SELECT ? AS a, ? AS b, ? AS again',
      values: [1, 'x', 1]
    })
  })

  test('null, booleans and numbers are passed as values, never inlined', () => {
    expect(positional('UPDATE t SET v = :v, f = :f WHERE id = :id', { v: null, f: true, id: 7 })).toEqual({
      text: 'UPDATE t SET v = ?, f = ? WHERE id = ?',
      values: [null, true, 7]
    })
  })

  test('without params, or with an empty object, the text is returned as is', () => {
    expect(positional("SELECT ':a', :a")).toEqual({ text: "SELECT ':a', :a", values: [] })
    expect(positional('SELECT :a', {})).toEqual({ text: 'SELECT :a', values: [] })
  })

  test('names not in params are left alone', () => {
    expect(positional('SELECT :a, :other', { a: 1 })).toEqual({ text: 'SELECT ?, :other', values: [1] })
  })

  test.each([
    ['a single-quoted string', "SELECT ':a', :a", "SELECT ':a', ?"],
    ['a string with a backslash-escaped quote', "SELECT 'it\\'s :a', :a", "SELECT 'it\\'s :a', ?"],
    ['a string with a doubled quote', "SELECT 'it''s :a', :a", "SELECT 'it''s :a', ?"],
    ['a double-quoted string', 'SELECT ":a", :a', 'SELECT ":a", ?'],
    ['a backtick identifier', 'SELECT 1 AS `:a`, :a', 'SELECT 1 AS `:a`, ?'],
    ['a backtick identifier with a doubled backtick', 'SELECT 1 AS `x``:a`, :a', 'SELECT 1 AS `x``:a`, ?'],
    ['a # comment', 'SELECT :a # :a\n', 'SELECT ? # :a\n'],
    ['a -- comment', 'SELECT :a -- :a\n', 'SELECT ? -- :a\n'],
    ['a /* */ comment', 'SELECT /* :a */ :a', 'SELECT /* :a */ ?'],
    ['an optimizer hint', 'SELECT /*+ :a */ :a', 'SELECT /*+ :a */ ?']
  ])('a :name inside %s is not a parameter', (_what, sql, text) => {
    expect(positional(sql, { a: 1 })).toEqual({ text, values: [1] })
  })

  test('--:a without a space after -- is no comment: the parameter is found', () => {
    expect(positional('SELECT 1--:a', { a: 2 })).toEqual({ text: 'SELECT 1--?', values: [2] })
  })

  test("an executable comment's content is code: a parameter there is one", () => {
    expect(positional('SELECT /*!80000 :a, */ 1', { a: 3 })).toEqual({ text: 'SELECT /*!80000 ?, */ 1', values: [3] })
  })

  test(':= assignments, labels and @variables are left alone', () => {
    const body = 'BEGIN l1: LOOP SET @x := 1; SET x:=2; LEAVE l1; END LOOP l1; lab:LOOP LEAVE lab; END LOOP; END'
    expect(positional(body, { x: 9, LOOP: 1, l1: 2 })).toEqual({ text: body, values: [] })
    expect(positional('SELECT @a := :a, @a', { a: 4 })).toEqual({ text: 'SELECT @a := ?, @a', values: [4] })
  })

  test('a parameter glued to an operator or parenthesis is found', () => {
    expect(positional('SELECT * FROM t WHERE id=:id AND v IN (:a,:b)', { id: 1, a: 2, b: 3 })).toEqual({
      text: 'SELECT * FROM t WHERE id=? AND v IN (?,?)',
      values: [1, 2, 3]
    })
  })

  test('an unterminated string swallows the rest: nothing after it is a parameter', () => {
    expect(positional("SELECT :a, 'open :a", { a: 1 })).toEqual({ text: "SELECT ?, 'open :a", values: [1] })
  })

  test('a name runs over letters, digits and _ only', () => {
    expect(positional('SELECT :a1_b$, :a1_b', { a1_b: 5 })).toEqual({ text: 'SELECT ?$, ?', values: [5, 5] })
  })
})

describe('the rest of the wire part', () => {
  test('never packs, and says so consistently', () => {
    const statements = [{ sql: 'SELECT 1' }]
    expect(wire.packable(statements)).toBe(false)
    expect(wire.pack(statements).ok).toBe(false)
    const failure = wire.decodePackedError({ message: 'x', sqlState: 'HY000', errno: 1205 }, statements, 'm')
    expect(failure).toEqual({ ok: false, failedIndex: 0, error: { message: 'x', sqlState: 'HY000', errno: 1205 } })
    expect(wire.refusedByPacking(failure)).toBe(true)
    expect(wire.carriesPosition(failure)).toBe(false)
  })

  test('no reset statement and no statement timeout: the transport does both its own way', () => {
    expect(wire.resetSessionSql).toBeUndefined()
    expect(wire.statementTimeoutSql).toBeUndefined()
  })

  test.each([
    ['08S01', undefined, true],
    ['08004', 1040, true],
    ['HY000', 4031, true],
    ['70100', 1927, true],
    ['08S01', 1053, true],
    [undefined, 2013, true],
    [undefined, 2006, true],
    ['HY000', 1205, false],
    ['40001', 1213, false],
    ['42000', 1064, false],
    [undefined, undefined, false]
  ])('isConnectionLoss(%s, %s) is %s', (sqlState, errno, lost) => {
    expect(wire.isConnectionLoss(sqlState, errno)).toBe(lost)
  })

  test('the probe reads the process list and cancels with KILL QUERY', () => {
    const probe = wire.runningStatement
    expect(probe.findSql).toMatch(/information_schema\.PROCESSLIST/)
    expect(probe.findSql).toMatch(/:sql/)
    expect(probe.findSql).toMatch(/AS pid/)
    expect(probe.progressSql('ALTER TABLE t ADD COLUMN c int')).toBeUndefined()
    expect(probe.activityQuery(42)).toMatch(/WHERE ID = 42$/)
    expect(probe.activityQuery(undefined)).toMatch(/PROCESSLIST/)
    expect(probe.cancelQuery(42)).toBe('KILL QUERY 42')
  })
})
