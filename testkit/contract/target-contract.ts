/**
 * The contract every transport must pass unchanged, for every dialect: same rows, same shapes, same errors, same
 * transaction semantics for the same SQL. Written once against the Target interface; the dialect fixture gives
 * the SQL each case runs and what its database answers, the transport fixture the Target under test.
 */
/* eslint-disable jest/no-standalone-expect -- the optional cases' expectations run in given()'s test blocks, which the rule cannot see */
import { dialectFor, type DialectName } from '../../src/dialects/index.js'
import { DatabaseError } from '../../src/errors.js'
import type { QueryResult, TransactionResult, TxStatement } from '../../src/targets/target.js'
import type { DialectFixture, Message, TestDatabase } from './fixture.js'
import type { Connection, TransportFixture } from './transports.js'

async function expectDatabaseError(promise: Promise<unknown>): Promise<DatabaseError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseError)
    return error as DatabaseError
  }
  throw new Error('expected a DatabaseError, the call succeeded')
}

/** A message as expected: the same text, or one matching the pattern. */
const matching = (message: Message): unknown => (typeof message === 'string' ? message : expect.stringMatching(message))

/** A test of a case the dialect gives; where it gives none (its server does not do that), a skipped test saying so. */
function given<T>(value: T | undefined, title: string, fn: (value: T) => Promise<void>): void {
  // eslint-disable-next-line jest/no-disabled-tests, jest/expect-expect -- shown as skipped, on purpose: the dialect's server does not do it
  if (value === undefined) test.skip(`${title} (not on this dialect)`, () => {})
  // eslint-disable-next-line jest/valid-title, jest/expect-expect -- the title is a string; the expectations are in fn
  else test(title, () => fn(value))
}

/**
 * The suite runs twice: with `resultsNeeded` left out (each statement's results returned) and with
 * `resultsNeeded: false` (the transport may pack the transaction and answers `results: []`; a failed
 * guard then carries no rows).
 */
export function describeTargetContract(dialect: DialectFixture, transport: TransportFixture): void {
  dialect.describe(`Target contract: ${dialect.name} × ${transport.name}`, () => {
    const connect = transport.use(dialect)
    describeContract(dialect, connect, false)
    describeContract(dialect, connect, true)
  })
}

function describeContract(dialect: DialectFixture, connect: (db: TestDatabase) => Promise<Connection>, packed: boolean): void {
  describe(`results ${packed ? 'not needed' : 'needed'}`, () => {
    const c = dialect.targetContract
    let db: TestDatabase
    let ctx: Connection & { url: string }
    const sql = (text: string) => dialect.sql(ctx.url, text)
    const tableExists = (name: string) => dialect.relationExists(ctx.url, name)

    const transaction = (statements: TxStatement[]): Promise<TransactionResult> =>
      ctx.target.transaction(statements, packed ? { resultsNeeded: false } : undefined)
    /** What a successful transaction answers: its results, or none when they were not asked for. */
    const committed = (results: Partial<QueryResult>[]) => ({ ok: true, results: packed ? [] : results })
    /** The rows a failed guard reports, or nothing when results were not asked for. */
    const guardRows = (rows: unknown[]) => (packed ? {} : { guardRows: rows })
    /** Whether the dialect packs these statements at all (MySQL does not yet: statement by statement, one call each). */
    const packs = (statements: TxStatement[]) => dialectFor(dialect.name as DialectName).wire.packable(statements)

    beforeEach(async () => {
      db = await dialect.createDatabase(`contract_${dialect.name}`)
      ctx = { ...(await connect(db)), url: db.url }
    })

    afterEach(async () => {
      await ctx.close()
      await db.drop()
    })

    test('query returns rows of the same shapes', async () => {
      const result = await ctx.target.query(c.shapes.sql)
      expect(result.rowCount).toBe(1)
      expect(result.rows).toEqual(c.shapes.rows)
    })

    test('a query without rows returns an empty list and rowCount 0', async () => {
      const result = await ctx.target.query(c.noRows)
      expect(result).toEqual({ rows: [], rowCount: 0 })
    })

    test('named parameters: strings with quotes and :x, null, numbers, booleans, repeated names', async () => {
      const result = await ctx.target.query(c.namedParameters.sql, c.namedParameters.params)
      expect(result.rows).toEqual(c.namedParameters.rows)
    })

    given(c.dmlParameters, 'parameters in DML and ::casts next to them', async (d) => {
      await ctx.target.query(d.create)
      const inserted = await ctx.target.query(d.insert, { id: 7, name: 'seven', at: '2024-05-06T07:08:09.010Z' })
      expect(inserted.rows).toEqual([{ id: 7, name: 'seven', at: '2024-05-06T07:08:09.010Z' }])
      const found = await ctx.target.query(d.select, { id: 7, name: 'seven' })
      expect(found.rows).toEqual([{ name: 'seven' }])
    })

    test('DML reports affected rows', async () => {
      const a = c.affectedRows
      await ctx.target.query(a.create)
      expect((await ctx.target.query(a.insert3)).rowCount).toBe(3)
      expect((await ctx.target.query(a.update2)).rowCount).toBe(2)
      expect((await ctx.target.query(a.delete1)).rowCount).toBe(1)
      expect((await ctx.target.query(a.update0)).rowCount).toBe(0)
      const count = await ctx.target.query(a.count)
      expect(count.rows).toEqual(a.counted)
      expect(count.rowCount).toBe(1)
    })

    test('an SQL error is a DatabaseError with SQLSTATE, position and detail', async () => {
      const e = c.errors
      const syntax = await expectDatabaseError(ctx.target.query(e.syntax.sql))
      expect(syntax.info).toMatchObject(e.syntax.info)
      if (typeof e.syntax.message === 'string') expect(syntax.info.message).toContain(e.syntax.message)
      else expect(syntax.info.message).toMatch(e.syntax.message)

      const missing = await expectDatabaseError(ctx.target.query(e.missing.sql))
      expect(missing.info).toMatchObject(e.missing.info)
      expect(missing.info.message).toEqual(matching(e.missing.message))

      for (const statement of e.duplicateSetup) await ctx.target.query(statement)
      const duplicate = await expectDatabaseError(ctx.target.query(e.duplicate.sql))
      expect(duplicate.info).toMatchObject(e.duplicate.info)
      expect(duplicate.info.message).toEqual(matching(e.duplicate.message))
    })

    given(c.hint, 'an error hint is reported', async (h) => {
      for (const statement of h.setup) await ctx.target.query(statement)
      const error = await expectDatabaseError(ctx.target.query(h.sql))
      expect(error.info.sqlState).toBe(h.sqlState)
      expect(error.info.hint).toBe(h.hint)
      expect(error.info.detail).toBe(h.detail)
    })

    test('a transaction commits every statement and returns each result', async () => {
      const result = await transaction(c.commits.statements)
      expect(result).toEqual(
        committed([
          { rows: [], rowCount: 0 },
          { rows: [], rowCount: 2 },
          { rows: [], rowCount: 1 },
          {
            rows: [
              { id: 1, balance: 70 },
              { id: 2, balance: 50 }
            ],
            rowCount: 2
          }
        ])
      )
      expect(await sql(c.commits.check)).toEqual([
        { id: 1, balance: 70 },
        { id: 2, balance: 50 }
      ])
    })

    test('an SQL error at statement 2 of 3 rolls everything back and is reported as data', async () => {
      await ctx.target.query(c.rollsBack.setup)
      const result = await transaction(c.rollsBack.statements)
      expect(result.ok).toBe(false)
      if (result.ok) return
      expect(result.failedIndex).toBe(1)
      expect(result.error.sqlState).toBe(c.rollsBack.sqlState)
      expect(result.error.message).toEqual(matching(c.rollsBack.message))
      expect(result.guard).toBeUndefined()
      expect(await sql(c.rollsBack.check)).toEqual([])
      // The target is still usable afterwards.
      expect((await ctx.target.query(c.selectOne)).rows).toEqual([{ one: 1 }])
    })

    given(c.ddlRollsBack, 'DDL inside a failed transaction is rolled back', async (d) => {
      const result = await transaction(d.statements)
      expect(result).toMatchObject({ ok: false, failedIndex: 3, error: { sqlState: d.sqlState } })
      for (const relation of d.relations) expect(await tableExists(relation)).toBe(false)
    })

    given(
      c.ddlCommitsImplicitly,
      'DDL inside a failed transaction commits implicitly: what it committed stays, what came after is rolled back',
      async (d) => {
        await ctx.target.query(d.setup)
        const result = await transaction(d.statements)
        expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: d.failedIndex, error: d.error })
        for (const relation of d.relations) expect(await tableExists(relation)).toBe(true)
        expect(await sql(d.check)).toEqual(d.kept)
      }
    )

    test('a failed guard rolls back and returns the rows it saw', async () => {
      const g = c.failedGuard
      for (const statement of g.setup) await ctx.target.query(statement)
      const updateGuard = await transaction(g.update)
      expect(updateGuard).toEqual({
        ok: false,
        phase: 'statement',
        failedIndex: 1,
        error: { message: expect.stringContaining('Expected 1 row, got 0') },
        guard: true,
        ...guardRows([])
      })
      const selectGuard = await transaction(g.select)
      expect(selectGuard).toMatchObject({ ok: false, failedIndex: 1, guard: true, ...guardRows(g.selectRows) })
      expect(await sql(g.check)).toEqual(g.kept)
    })

    test('a guard that holds lets the transaction commit', async () => {
      await ctx.target.query(c.guardHolds.setup)
      const result = await transaction(c.guardHolds.statements)
      expect(result).toEqual(
        committed([
          { rows: [], rowCount: 2 },
          { rows: [{ id: 1 }, { id: 2 }], rowCount: 2 }
        ])
      )
      expect(await sql(c.guardHolds.check)).toEqual([{ c: 2 }])
    })

    test('a dollar-quoted function body is one statement, in a query and in a transaction', async () => {
      const f = c.functionBody
      await ctx.target.query(f.create)
      expect((await ctx.target.query(f.call)).rows).toEqual([{ v: 42 }])
      const result = await transaction(f.statements)
      expect(result).toMatchObject(committed([{}, {}, { rows: [{ v: 42 }] }]))
      expect((await ctx.target.query(f.callTwice)).rows).toEqual([{ v: 42 }])
    })

    given(c.commitConstraint, 'a constraint that fails at COMMIT is reported as a failed transaction', async (k) => {
      for (const statement of k.setup) await ctx.target.query(statement)
      const result = await transaction(k.statements)
      expect(result).toMatchObject({ ok: false, phase: 'commit', failedIndex: 1, error: { sqlState: k.sqlState } })
      expect(await sql(k.check)).toEqual([])
    })

    given(c.failedCommit, 'a failed COMMIT after every statement ran is told apart from a failed last statement', async (f) => {
      await ctx.target.query(f.setup)
      const result = await transaction(f.statements)
      expect(result.ok).toBe(false)
      if (result.ok) return
      expect(result.phase).toBe('commit')
      expect(result.failedIndex).toBe(3)
      expect(result.failedLabel).toBeUndefined()
      expect(result.guard).toBeUndefined()
      expect(result.error.sqlState).toBe(f.sqlState)
      expect(result.error.message).toBe(f.message)
      // Nothing was committed, and the target goes on.
      expect(await sql(f.check)).toEqual([])
      expect(await tableExists(f.side)).toBe(false)
      expect((await transaction([{ sql: f.next }])).ok).toBe(true)
      expect(await sql(f.checkNext)).toEqual([{ id: 2 }])
    })

    test('a failed statement echoes its label; one without a label has none', async () => {
      const l = c.labels
      await ctx.target.query(l.setup)
      const labelled = await transaction(l.labelled)
      expect(labelled).toMatchObject({
        ok: false,
        phase: 'statement',
        failedIndex: 1,
        failedLabel: 'record',
        error: { sqlState: l.duplicate }
      })
      const guarded = await transaction(l.guarded)
      expect(guarded).toMatchObject({
        ok: false,
        phase: 'statement',
        failedIndex: 1,
        failedLabel: 'not-applied',
        guard: true,
        ...guardRows(l.guardedRows)
      })
      const unlabelled = await transaction(l.unlabelled)
      expect(unlabelled).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: l.divisionByZero } })
      expect(unlabelled.ok === false && unlabelled.failedLabel).toBeUndefined()
      expect(await sql(l.check)).toEqual([])
    })

    test('session settings made inside a transaction do not outlive it', async () => {
      const s = c.sessionSettings
      for (const statement of s.setup) await ctx.target.query(statement)
      const changed = await transaction(s.change)
      expect(changed).toMatchObject(committed([{}, {}, {}, {}, { rows: s.changedRows }, {}]))
      // The next transaction: it may write, and an unqualified table lands in the default schema.
      const next = await transaction([{ sql: s.settings }, { sql: s.freshCheck, expectRows: 1 }, { sql: s.unqualified }])
      expect(next).toMatchObject(committed([{ rows: [s.fresh] }, {}, {}]))
      // The next query.
      expect((await ctx.target.query(s.settings)).rows).toEqual([s.fresh])
      expect(await sql(s.whereUnqualified)).toEqual(s.unqualifiedSchema)
    })

    given(
      c.syntaxInTransaction,
      'a syntax error in the middle of a transaction: its statement, SQLSTATE and position; nothing stays',
      async (x) => {
        const result = await transaction(x.statements)
        expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: x.error })
        expect(result.ok === false && result.error.message).toBe(x.message)
        const missing = await transaction(x.missing)
        expect(missing).toMatchObject({ failedIndex: 1, error: x.missingError })
        for (const relation of x.relations) expect(await tableExists(relation)).toBe(false)
      }
    )

    given(c.errorInFunctionBody, 'an error inside a function body is located in the CREATE FUNCTION statement', async (x) => {
      const result = await transaction([x.setup, { sql: x.create }])
      expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: x.sqlState } })
      const position = result.ok ? undefined : result.error.position
      expect(position).toBeDefined()
      expect(x.create.slice(position! - 1)).toMatch(x.at)
      expect(await tableExists(x.relation)).toBe(false)
    })

    test('a transaction over 65,536 characters commits whole, or not at all', async () => {
      const b = c.large
      await ctx.target.query(b.create)
      const filler = 'x'.repeat(3000)
      const statements: TxStatement[] = Array.from({ length: 30 }, (_, i) => ({ sql: b.insert(i, filler), expectRows: 1 }))
      const before = ctx.calls?.()
      expect(await transaction(statements)).toMatchObject({ ok: true })
      if (before !== undefined && packed) {
        // Two blocks in one transaction: BeginTransaction, two calls, CommitTransaction (or one call a statement).
        expect(ctx.calls!() - before).toBe(packs(statements) ? 4 : statements.length + 2)
      }
      expect(await sql(b.count)).toEqual([{ c: 30 }])
      const failing = [...statements.map((s) => ({ ...s, sql: b.moved(s.sql) })), { sql: b.duplicate }]
      expect(await transaction(failing)).toMatchObject({ ok: false, phase: 'statement', failedIndex: 30, error: { sqlState: b.sqlState } })
      expect(await sql(b.count)).toEqual([{ c: 30 }])
    })

    if (packed) {
      test('a packed transaction costs one call', async () => {
        await ctx.target.query(c.oneCall.setup)
        const before = ctx.calls?.()
        const result = await transaction(c.oneCall.statements)
        expect(result).toEqual({ ok: true, results: [] })
        // Where the dialect does not pack: BeginTransaction, one call a statement, CommitTransaction.
        if (before !== undefined) expect(ctx.calls!() - before).toBe(packs(c.oneCall.statements) ? 1 : c.oneCall.statements.length + 2)
        expect(await sql(c.oneCall.check)).toEqual([{ id: 1 }, { id: 2 }])
      })

      given(c.transactionControl, 'transaction control inside the transaction cannot escape it', async (t) => {
        await ctx.target.query(t.setup)
        for (const control of t.controls) {
          const result = await transaction(t.around(control))
          // The database refuses it there, and it is reported as the statement's failure.
          expect(result).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: t.refused } })
          expect(await sql(t.check)).toEqual([])
        }
        await ctx.target.query(t.procedure)
        const viaProcedure = await transaction(t.viaProcedure)
        expect(viaProcedure).toMatchObject({ ok: false, phase: 'statement', failedIndex: 1, error: { sqlState: t.invalidTermination } })
        expect(await sql(t.check)).toEqual([])
      })

      given(c.savepoints, 'savepoints nest inside the transaction (it runs statement by statement)', async (p) => {
        const result = await transaction(p.statements)
        expect(result).toMatchObject({ ok: true })
        expect(await tableExists(p.kept)).toBe(true)
        expect(await tableExists(p.rolledBack)).toBe(false)
      })

      given(c.unpackable, 'a statement the packed form refuses runs statement by statement', async (u) => {
        const result = await transaction(u.statements)
        expect(result).toEqual({ ok: true, results: expect.any(Array) })
        expect(await sql(u.check)).toEqual([{ id: 1 }])
        expect(await tableExists(u.created)).toBe(true)
      })
    }

    test('an empty transaction commits', async () => {
      expect(await transaction([])).toEqual({ ok: true, results: [] })
    })

    test('description never contains a secret', async () => {
      expect(ctx.target.description).not.toMatch(/test-password|secret/i)
    })
  })
}
