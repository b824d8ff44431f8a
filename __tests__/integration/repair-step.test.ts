/**
 * Settling a step by hand (repair with repair-step) and telling the engine from the server (engine: auto), on a
 * real PostgreSQL: directly and through the RDS Data API emulator. What the database holds afterwards decides.
 */
import { resolveEngine } from '../../src/commands/dialect.js'
import { readConfig } from '../../src/config.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { applyMigrations } from '../../src/engine/apply.js'
import { repairStep } from '../../src/engine/repair-step.js'
import { OperationRefusedError } from '../../src/errors.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'
import { writeMigrations } from '../../testkit/versions.js'

// Step 2 fails; steps 1 and 3 create tables. The files run outside a transaction, so step 1 stays applied.
const FILES = {
  'v1/01.sql': '-- migrate:no-transaction\ncreate table a (id int);\ninsert into missing values (1);\ncreate table c (id int);'
}

async function progress(url: string): Promise<number[]> {
  return (await sql<{ step: number }>(url, 'select step from schema_migrations_progress order by step')).map((row) => row.step)
}

test('repair-step …=done records the failed step as done without running it; apply resumes after it', async () => {
  const db = await createTestDatabase('repair_step')
  const target = new PostgresTarget(db.url, { wire: postgresql.wire })
  try {
    const versions = (await discoverMigrations(writeMigrations(FILES))).versions
    const first = await applyMigrations(target, versions, options())
    expect(first.failedVersion).toBe(1)
    expect(await progress(db.url)).toEqual([0])

    // Only the step right after the completed ones can be settled; step 1 is done already; v9 is not on disk.
    const refused = (step: number, version = 1) => repairStep(target, versions, { version, step, done: true }, options())
    await expect(refused(1)).rejects.toThrow(/step 1 of v1 is already recorded as done/)
    await expect(refused(3)).rejects.toThrow(/cannot be settled before step 2/)
    await expect(refused(1, 9)).rejects.toThrow(OperationRefusedError)
    // PostgreSQL keeps no 'started' rows: there is nothing to forget.
    await expect(repairStep(target, versions, { version: 1, step: 2, done: false }, options())).rejects.toThrow(/nothing to forget/)
    expect(await progress(db.url)).toEqual([0])

    const logs = options()
    const sentence = await repairStep(target, versions, { version: 1, step: 2, done: true }, logs)
    expect(sentence).toMatch(/^Recorded step 2 of v1 \(.*01\.sql:3\) as done without running it: apply resumes after it\.$/)
    expect(await progress(db.url)).toEqual([0, 1])
    // The lease is free again, and nothing of step 2 ran.
    expect(await sql(db.url, "select owner from schema_migrations_lock where expires_at > now() and owner <> ''")).toEqual([])
    expect(await sql(db.url, "select 1 from pg_tables where tablename = 'missing'")).toEqual([])

    const second = await applyMigrations(target, versions, options())
    expect(second.error).toBeNull()
    expect(second.applied.map((applied) => applied.version)).toEqual([1])
    expect(
      (
        await sql<{ t: string }>(
          db.url,
          "select tablename as t from pg_tables where schemaname = 'public' and tablename in ('a','c') order by 1"
        )
      ).map((r) => r.t)
    ).toEqual(['a', 'c'])
    expect(await sql(db.url, 'select version from schema_migrations')).toEqual([{ version: 1 }])
    await expect(refused(2)).rejects.toThrow(/v1 is recorded as applied/)
  } finally {
    await target.close()
    await db.drop()
  }
})

describe('engine: auto', () => {
  const emulator = useDataApiEmulator()
  test('over the Data API asks the server once and finds PostgreSQL', async () => {
    const config = readConfig({
      getInput: (name) => ({ 'resource-arn': emulator.resourceArn, 'secret-arn': emulator.secretArn, database: 'postgres' })[name] ?? '',
      env: { GITHUB_WORKSPACE: '/w' },
      setSecret: () => {}
    })
    const before = emulator.calls.length
    const lines: string[] = []
    // The SDK finds the emulator as it would a custom endpoint.
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
    try {
      await resolveEngine(config, (line) => lines.push(line))
    } finally {
      delete process.env.AWS_ENDPOINT_URL_RDS_DATA
    }
    expect(config.engine).toBe('postgresql')
    expect(emulator.calls.length - before).toBe(1)
    expect(lines).toEqual([expect.stringMatching(/^Engine: PostgreSQL \(the server says PostgreSQL \d+/)])
  })
})
