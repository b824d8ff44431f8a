/**
 * The engine over the RDS Data API: the shared end-to-end cases through the real SDK client and the
 * strict emulator, plus what only this transport has: a lost commit reply and an auto-paused cluster.
 */
import path from 'node:path'
import { applyMigrations } from '../../src/engine/apply.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import type { Target } from '../../src/targets/target.js'
import { describeEngine, options } from '../../testkit/contract/engine-cases.js'
import { overTransport, TRANSPORTS } from '../../testkit/contract/registry.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

const emulator = useDataApiEmulator()

function connect(url: string, extra: { sleep?: (ms: number) => Promise<void>; log?: (m: string) => void; packing?: boolean } = {}): Target {
  return createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: new URL(url).pathname.slice(1),
    endpoint: emulator.endpoint,
    ...extra
  })
}

for (const [dialect, transport] of overTransport(TRANSPORTS['data-api'])) describeEngine(dialect, transport)

describe('engine over the RDS Data API, transport-specific', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  beforeEach(async () => {
    db = await createTestDatabase('engine_api')
    emulator.faults.clear()
  })
  afterEach(async () => {
    emulator.faults.clear()
    await db.drop()
  })

  test('statement per call (packing off): each version in its own transaction, no parameters on migration SQL', async () => {
    const { versions } = await discoverMigrations(path.resolve('examples/todo/migrations/resources'))
    const first = emulator.calls.length
    const target = connect(db.url, { packing: false })
    const result = await applyMigrations(target, versions, options())
    await target.close()
    expect(result.error).toBeNull()
    const calls = emulator.calls.slice(first).filter((c) => c.database === db.name || c.op !== 'ExecuteStatement')
    expect(calls.filter((c) => c.op === 'BeginTransaction')).toHaveLength(2)
    expect(calls.filter((c) => c.op === 'CommitTransaction')).toHaveLength(2)
    const migrationSql = versions.flatMap((v) => v.files.flatMap((f) => f.statements.map((s) => s.sql)))
    for (const statement of migrationSql) {
      const sent = calls.filter((c) => c.sql === statement)
      expect(sent).toHaveLength(1)
      expect(sent[0].transactionId).toBeTruthy()
      expect(sent[0].parameters ?? []).toEqual([])
    }
  })

  test('a commit whose reply is lost is settled by reading the meta table, not by resending it (packing off)', async () => {
    const dir = path.resolve('examples/todo/migrations/resources')
    const { versions } = await discoverMigrations(dir)
    const target = connect(db.url, { packing: false })
    const first = emulator.calls.length
    emulator.faults.drop({ op: 'CommitTransaction', when: 'after' })
    const opts = options()
    const result = await applyMigrations(target, versions, opts)
    await target.close()
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1, 2])
    expect(opts.logs.join('\n')).toMatch(/The reply to the commit of v1 was lost; reading public.schema_migrations/)
    expect(emulator.calls.slice(first).filter((c) => c.op === 'CommitTransaction')).toHaveLength(2)
    expect((await sql<{ version: number }>(db.url, 'select version from schema_migrations order by 1')).map((r) => r.version)).toEqual([
      1, 2
    ])
  })

  test('a commit lost before it reached the database fails the version without applying it (packing off)', async () => {
    const dir = path.resolve('examples/todo/migrations/resources')
    const { versions } = await discoverMigrations(dir)
    const target = connect(db.url, { packing: false })
    emulator.faults.drop({ op: 'CommitTransaction', when: 'before' })
    const result = await applyMigrations(target, versions, options())
    await target.close()
    expect(result.failedVersion).toBe(1)
    expect(result.error!.message).toMatch(
      /CommitTransaction got no reply .*a RollbackTransaction then succeeded, so nothing of the transaction was committed/
    )
    expect(emulator.openTransactions()).toBe(0)
    expect(await sql(db.url, `select 1 from information_schema.tables where table_name = 'users'`)).toEqual([])
    // A re-run completes it.
    const again = connect(db.url)
    const rerun = await applyMigrations(again, versions, options())
    await again.close()
    expect(rerun.applied.map((a) => a.version)).toEqual([1, 2])
  })

  test('a cluster resuming from auto-pause is waited for, with each wait logged', async () => {
    const { versions } = await discoverMigrations(path.resolve('examples/todo/migrations/resources'))
    const waits: number[] = []
    const logs: string[] = []
    const target = connect(db.url, { sleep: async (ms) => void waits.push(ms), log: (m) => logs.push(m) })
    emulator.faults.resuming({ calls: 6 })
    const result = await applyMigrations(target, versions, options())
    await target.close()
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual([1, 2])
    expect(waits).toHaveLength(6)
    expect(logs.filter((l) => /resuming after auto-pause/.test(l))).toHaveLength(6)
  })
})
