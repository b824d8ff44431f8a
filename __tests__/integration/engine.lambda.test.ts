/**
 * The engine over the runner Lambda: the shared end-to-end cases through the real SDK client, the
 * Lambda emulator and the real runner handler, plus what only this transport has: a version in one
 * invocation, a lost reply, a timed-out invocation whose work finishes anyway, throttling and a
 * function that is still starting.
 */
import path from 'node:path'
import { createHandler } from '../../runner/handler.js'
import { applyMigrations } from '../../src/engine/apply.js'
import { CommitOutcomeUnknownError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createLambdaTarget, type LambdaTargetOptions } from '../../src/targets/lambda.js'
import type { Target } from '../../src/targets/target.js'
import { describeEngine, options } from '../../testkit/contract/engine-cases.js'
import { overTransport, TRANSPORTS } from '../../testkit/contract/registry.js'
import { startLambdaEmulator, type LambdaEmulator } from '../../testkit/lambda-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'

useDummyAwsEnvironment()

const RUNNER = 'aurora-migrate-runner'
const TODO = path.resolve('examples/todo/migrations/resources')

/** An emulated runner function (the real handler, one per sandbox) on the database at `url`. */
function startRunner(url: string): Promise<LambdaEmulator> {
  return startLambdaEmulator({
    functions: { [RUNNER]: { sandbox: () => createHandler({ env: { DATABASE_URL: url }, log: () => {} }) } }
  })
}

for (const [dialect, transport] of overTransport(TRANSPORTS.lambda)) describeEngine(dialect, transport)

describe('engine over the runner Lambda, transport-specific', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let emulator: LambdaEmulator
  let target: Target | undefined

  beforeEach(async () => {
    db = await createTestDatabase('engine_lambda')
    emulator = await startRunner(db.url)
  })
  afterEach(async () => {
    await target?.close()
    target = undefined
    await emulator.stop()
    await db.drop()
  })

  function connect(extra: Partial<LambdaTargetOptions> = {}): Target {
    target = createLambdaTarget({ functionName: RUNNER, endpoint: emulator.endpoint, ...extra })
    return target
  }

  const versions = async (dir = TODO) => (await discoverMigrations(dir, dir === TODO ? undefined : dir)).versions
  const appliedRows = async () =>
    (await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)
  const transactions = () => emulator.calls.filter((c) => c.op === 'transaction')

  test('each version is one invocation: its statements and meta row in one transaction request', async () => {
    const todo = await versions()
    const result = await applyMigrations(connect(), todo, options())
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1, 2])
    expect(transactions()).toHaveLength(2)
    expect(emulator.calls.every((c) => c.status === 200 && !c.functionError)).toBe(true)
  })

  test('a lost reply after a committed transaction is settled by reading the meta table; the version is applied once', async () => {
    const todo = await versions()
    emulator.faults.drop({ op: 'transaction', when: 'after' })
    const opts = options()
    const result = await applyMigrations(connect(), todo, opts)
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1, 2])
    expect(opts.logs.join('\n')).toMatch(/The reply to the commit of v1 was lost; reading public.schema_migrations/)
    // Not re-sent: one invocation per version, the first of which lost its reply.
    expect(transactions().map((c) => c.fault ?? 'ok')).toEqual(['drop-after', 'ok'])
    expect(await appliedRows()).toEqual([1, 2])
    expect((await applyMigrations(target!, todo, options())).applied).toEqual([])
  })

  test('a timed-out version whose handler finishes later is not applied twice', async () => {
    const dir = writeMigrations({
      'v1/01.sql': 'create table t1 (id int);\ninsert into t1 values (1);\nselect pg_sleep(0.3);',
      'v2/01.sql': 'create table t2 (id int);'
    })
    const all = await versions(dir)
    // The invocation of v1 answers Sandbox.Timedout at once; its transaction goes on and commits.
    emulator.faults.timeout({ op: 'transaction' })
    const first = await applyMigrations(connect(), all, options())
    await emulator.settled()
    if (first.error) {
      // The meta table was read before the background commit: v1 is reported as not applied, for a re-run.
      expect(first.error).toBeInstanceOf(CommitOutcomeUnknownError)
      expect(first.failedVersion).toBe(1)
    }
    expect(transactions()[0]).toMatchObject({ fault: 'timeout', functionError: 'Sandbox.Timedout' })
    expect((await appliedRows())[0]).toBe(1)

    const again = await applyMigrations(target!, all, options())
    expect(again.error).toBeNull()
    expect(again.applied.map((a) => a.version)).not.toContain(1)
    expect(await appliedRows()).toEqual([1, 2])
    expect(await sql(db.url, 'select id from t1')).toEqual([{ id: 1 }])
    // v1's transaction was sent exactly once over both runs; v2's once.
    expect(transactions()).toHaveLength(2)
  })

  test('throttling for 3 calls and a Pending function are retried with backoff and logged', async () => {
    const todo = await versions()
    const waits: number[] = []
    const logs: string[] = []
    const t = connect({ sleep: async (ms) => void waits.push(ms), log: (m) => logs.push(m) })
    emulator.faults.throttle({ calls: 3 })
    emulator.faults.pending({ calls: 2 })
    const result = await applyMigrations(t, todo, options())
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1, 2])
    expect(waits).toHaveLength(5)
    expect(waits.slice(0, 3).every((w) => w >= 1000)).toBe(true)
    expect(logs.filter((l) => /is throttling requests \(TooManyRequestsException/.test(l))).toHaveLength(3)
    expect(logs.filter((l) => /is not ready \(ResourceConflictException: .*state: Pending\)/.test(l))).toHaveLength(2)
    expect(emulator.calls.slice(0, 5).map((c) => c.fault)).toEqual(['throttle', 'throttle', 'throttle', 'pending', 'pending'])
    expect(emulator.calls.filter((c) => c.ran)).toHaveLength(emulator.calls.length - 5)
    expect(await appliedRows()).toEqual([1, 2])
  })
})
