/**
 * The engine's side of the pre-flight (src/engine/preflight.ts) against a dialect that answers from a script:
 * when it waits, how often it looks, what it logs (once), when it gives up and what the refusal says, and
 * that a check it cannot make or a dialect without one changes nothing. The clock is fake: no test waits.
 */
import type { EngineDialect, TableLockBlockers } from '../../src/engine/dialect.js'
import { metaTables } from '../../src/engine/meta.js'
import { awaitTableLocks, PREFLIGHT_POLL_MS, TableLockWaitError } from '../../src/engine/preflight.js'
import type { RunContext } from '../../src/engine/step-context.js'
import type { Target } from '../../src/targets/target.js'
import { FakeClock } from '../../testkit/fake-clock.js'
import { version } from '../../testkit/versions.js'

const BLOCKED: TableLockBlockers = {
  sessions: ['42'],
  description:
    'performance_schema is off: session 42 (user app, Sleep) has had a transaction open for 312 s and may hold the metadata lock on orders',
  statements: [0],
  tables: ['orders'],
  advice: 'End its transaction (COMMIT or ROLLBACK in the application that holds it) or the session (KILL 42).'
}
const FREE: TableLockBlockers = { ...BLOCKED, sessions: [], description: '', statements: [], advice: '' }

/** A run at v3 with `completed` steps done, its dialect answering each check with the next of `answers`. */
function runContext(answers: Array<TableLockBlockers | null | Error>, options: { completed?: number; waitMs?: number | undefined } = {}) {
  const clock = new FakeClock()
  const checks: Array<{ statements: string[]; lockTimeoutMs: number | null; at: number }> = []
  const dialect = {
    name: 'Test',
    async tableLockBlockers(_target: Target, statements: string[], settings: { lockTimeoutMs: number | null }) {
      checks.push({ statements, lockTimeoutMs: settings.lockTimeoutMs, at: clock.now() })
      const answer = answers[Math.min(checks.length - 1, answers.length - 1)]
      if (answer instanceof Error) throw answer
      return answer
    }
  } as unknown as EngineDialect
  const v = version(3, {
    '01.sql': 'INSERT INTO orders VALUES (1);\nALTER TABLE orders ADD COLUMN note INT;\nALTER TABLE customers ADD COLUMN note INT;'
  })
  const steps = v.files.flatMap((file) => file.statements.map((statement) => ({ statement, file })))
  const context = {
    dialect,
    target: {} as Target,
    tables: metaTables('shop', 'schema_migrations'),
    log: clock.log,
    now: clock.now,
    sleep: clock.sleep,
    lockTimeoutMs: 1000,
    statementTimeoutMs: null,
    lockPreflightMs: 'waitMs' in options ? options.waitMs : 5000,
    version: v,
    steps,
    completed: options.completed ?? 1,
    applied: () => ({ kind: 'elsewhere' }),
    startedAt: 0
  } as unknown as RunContext
  return { context, clock, checks }
}

test('nothing holds the table: one check, no wait, no log', async () => {
  const { context, clock, checks } = runContext([FREE])
  expect(await awaitTableLocks(context, 1, 2)).toBeNull()
  expect(checks).toEqual([{ statements: ['ALTER TABLE orders ADD COLUMN note INT'], lockTimeoutMs: 1000, at: 0 }])
  expect(clock.waits).toEqual([])
  expect(clock.logs).toEqual([])
})

test('a dialect that finds no DDL (null) or has no check: nothing is waited for', async () => {
  const none = runContext([null])
  expect(await awaitTableLocks(none.context, 0, 1)).toBeNull()
  expect(none.clock.logs).toEqual([])
  const without = runContext([BLOCKED])
  delete (without.context.dialect as { tableLockBlockers?: unknown }).tableLockBlockers
  expect(await awaitTableLocks(without.context, 1, 2)).toBeNull()
  expect(without.checks).toEqual([])
})

test('no wait limit on the context (a retry, or an operation that is not apply): not checked', async () => {
  const { context, checks } = runContext([BLOCKED], { waitMs: undefined })
  expect(await awaitTableLocks(context, 1, 2)).toBeNull()
  expect(checks).toEqual([])
})

test('held, then free: it looks again every few seconds, logs once what it waits for, and once that it goes on', async () => {
  const { context, clock, checks } = runContext([BLOCKED, BLOCKED, BLOCKED, FREE])
  expect(await awaitTableLocks(context, 1, 2)).toBeNull()
  // The last look is at wait-timeout itself.
  expect(checks.map((check) => check.at)).toEqual([0, 2000, 4000, 5000])
  expect(clock.waits).toEqual([PREFLIGHT_POLL_MS, PREFLIGHT_POLL_MS, 1000])
  expect(clock.logs).toEqual([
    'Step 2 of v3 (m/v3/01.sql:2) waits before it runs: it needs the metadata lock on orders, and performance_schema is off: session 42 (user app, Sleep) ' +
      'has had a transaction open for 312 s and may hold the metadata lock on orders. Looking again every 2 s for up to 5 s (wait-timeout).',
    'The table locks of step 2 of v3 (m/v3/01.sql:2) are free after 5 s; running it'
  ])
})

test('still held at wait-timeout: refused unrun, naming the sessions, what to do, and what the version is left as', async () => {
  const { context, clock, checks } = runContext([BLOCKED])
  const outcome = await awaitTableLocks(context, 1, 2)
  expect(outcome?.kind).toBe('failed')
  const error = (outcome as { error: Error }).error
  expect(error).toBeInstanceOf(TableLockWaitError)
  expect((error as TableLockWaitError).sessions).toEqual(['42'])
  expect(error.message).toBe(
    'Step 2 of v3 (m/v3/01.sql:2) was not run: it needs the metadata lock on orders, and after 5 s (wait-timeout) performance_schema is off: ' +
      'session 42 (user app, Sleep) has had a transaction open for 312 s and may hold the metadata lock on orders. ' +
      'Running it would have queued every new query on the table behind that lock. ' +
      'End its transaction (COMMIT or ROLLBACK in the application that holds it) or the session (KILL 42). Then re-run, or raise wait-timeout to wait longer. ' +
      'Nothing of v3 ran from step 2 on. v3 is partly applied: step 1 of 3 ran and stay applied (recorded in shop.schema_migrations_progress), ' +
      'and v3 is not recorded as applied. Re-run: the run resumes after step 1.'
  )
  // Checks at 0, 2, 4 and 5 s: never past wait-timeout.
  expect(checks.map((check) => check.at)).toEqual([0, 2000, 4000, 5000])
  expect(clock.elapsed).toBe(5000)
  expect(clock.logs).toHaveLength(1)
})

test('a procedure of several steps: the steps that need the lock are named; nothing of the version ran', async () => {
  const both = { ...BLOCKED, statements: [1, 2], tables: ['orders', 'customers'] }
  const { context, checks } = runContext([both], { completed: 0, waitMs: 0 })
  const outcome = await awaitTableLocks(context, 0, 3, true)
  expect(checks).toHaveLength(1)
  expect(checks[0].statements).toHaveLength(3)
  const message = (outcome as { error: Error }).error.message
  expect(message).toMatch(
    /^Steps 1–3 of v3 \(one procedure\) were not run: step 2 \(m\/v3\/01\.sql:2\) and step 3 \(m\/v3\/01\.sql:3\) need the metadata lock on orders, customers, and after 0 s \(wait-timeout\) /
  )
  expect(message).toMatch(/Running them would have queued every new query/)
  expect(message).toMatch(/ Nothing of v3 was applied; versions before it stay applied\.$/)
})

test('a check the server refuses is logged, and the step runs bounded by lock-timeout alone', async () => {
  const { context, clock } = runContext([new Error('Access denied; you need (at least one of) the PROCESS privilege(s)')])
  expect(await awaitTableLocks(context, 1, 2)).toBeNull()
  expect(clock.logs).toEqual([
    'Could not look for sessions holding the table locks of step 2 of v3 (m/v3/01.sql:2) (Access denied; you need (at least one of) the PROCESS privilege(s)); ' +
      'running it with lock-timeout as the only bound'
  ])
})
