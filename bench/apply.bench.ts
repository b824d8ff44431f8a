/**
 * What an apply costs on a realistic corpus: examples/job-queue (the seed tutorial's v1 and twenty versions
 * of a job queue, about 150 statements) with a round trip added to every call, as a region costs. Over the
 * RDS Data API (real SDK client, local emulator) each call is a round trip, so calls per version is the
 * number that matters: it prints them for the packed engine (one call per version, the default) and for
 * statement-per-call (`packing: false`), the wall time of both and their ratio, what `plan` costs, the
 * runner Lambda's invocations, and whether the goals hold. It reports; it never fails the build.
 */
import { fileURLToPath } from 'node:url'
import { applyMigrations, type ApplyResult } from '../src/engine/apply.js'
import { readHistory } from '../src/engine/history.js'
import { parseMetaTableName } from '../src/meta-table-name.js'
import { syntax } from '../src/dialects/postgresql/syntax.js'
import { postgresql } from '../src/dialects/postgresql/index.js'
import { discoverMigrations } from '../src/migrations/discover.js'
import type { Version } from '../src/migrations/types.js'
import { createDataApiTarget } from '../src/targets/data-api.js'
import { createLambdaTarget } from '../src/targets/lambda.js'
import { PostgresTarget } from '../src/targets/postgres.js'
import type { Target } from '../src/targets/target.js'
import { createHandler } from '../runner/handler.js'
import { setDummyAwsEnvironment } from '../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../testkit/data-api-emulator.js'
import { startLambdaEmulator } from '../testkit/lambda-emulator.js'
import { sql, startEmbeddedPostgres } from '../testkit/postgres.js'
import { describePerVersion, measure, type RunCost } from './cost.js'

const CORPUS = fileURLToPath(new URL('../examples/job-queue/migrations/resources', import.meta.url))
const ROUND_TRIP_MS = 25
const META_TABLE = parseMetaTableName('schema_migrations')
const RUNNER = 'aurora-migrate-runner'

/** As the action's apply does it (main.ts): read the history, then apply. */
async function applyAsTheAction(target: Target, versions: Version[], log: (message: string) => void): Promise<ApplyResult> {
  const history = await readHistory(postgresql.engine, target, META_TABLE)
  return applyMigrations(target, versions, {
    dialect: postgresql.engine,
    tables: history.tables,
    history,
    createSchema: false,
    run: { actor: 'bench', commitSha: null, runUrl: null },
    lease: { owner: `bench #${Math.random().toString(36).slice(2, 10)}`, ttlSeconds: 60, waitTimeoutSeconds: 10 },
    log
  })
}

/** As the action's plan reads the database (main.ts). */
async function readAsPlanDoes(target: Target): Promise<void> {
  await readHistory(postgresql.engine, target, META_TABLE)
}

interface DataApiRuns {
  fresh: RunCost
  /** The database at v1 (meta tables present), the other versions pending. */
  existing: RunCost
  plan: number
}

/** Returns PostgreSQL's calls per version (packed, after the first, on a database at v1), for the MySQL bench to print beside its own. */
export async function benchApply(): Promise<{ callsPerVersion: number }> {
  // The emulators' dummy credentials, never the machine's own AWS profile or session.
  const restoreAwsEnvironment = setDummyAwsEnvironment()
  const { versions } = await discoverMigrations(syntax, CORPUS, CORPUS)
  const statements = versions.reduce((sum, v) => sum + v.files.reduce((n, f) => n + f.statements.length, 0), 0)
  console.log(
    `Corpus examples/job-queue: ${versions.length} versions, ${statements} statements; ${ROUND_TRIP_MS} ms added to every Data API call and Lambda invocation`
  )
  const server = await startEmbeddedPostgres()
  const emulator = await startDataApiEmulator({ postgresUrl: server.url, latencyMs: ROUND_TRIP_MS })
  let databases = 0
  const createDatabase = async (): Promise<{ name: string; url: string }> => {
    const name = `bench_${++databases}`
    await sql(server.url, `CREATE DATABASE ${name}`)
    return { name, url: server.url.replace(/\/postgres$/, `/${name}`) }
  }
  try {
    const packed = await dataApiRuns(emulator, createDatabase, versions, true)
    const baseline = await dataApiRuns(emulator, createDatabase, versions, false)
    const lambda = await lambdaRun(createDatabase, versions)
    const direct = await directRun(createDatabase, versions)
    printReport(versions.length, { packed, baseline, lambda, direct })
    const later = packed.existing.perVersion.slice(1)
    return { callsPerVersion: later.length ? later.reduce((a, b) => a + b, 0) / later.length : NaN }
  } finally {
    await emulator.stop()
    await server.stop()
    restoreAwsEnvironment()
  }
}

interface Runs {
  packed: DataApiRuns
  /** The same runs with `packing: false`: statement per call. */
  baseline: DataApiRuns
  lambda: RunCost
  /** Wall time over database-url, in ms. */
  direct: number
}

function printReport(n: number, { packed, baseline, lambda, direct }: Runs): void {
  const line = (label: string, cost: RunCost, unit = 'calls') =>
    console.log(
      `  ${label}: ${cost.calls} ${unit} (${(cost.calls / cost.versions.length).toFixed(2)} per version), ${(cost.ms / 1000).toFixed(2)} s\n` +
        `    ${describePerVersion(cost)}`
    )
  console.log('\nData API, packed (the default)')
  line(`apply ${n} versions on a new database`, packed.fresh)
  line(`apply v2–v${n} on a database at v1`, packed.existing)
  console.log(`  plan on a database at v1: ${packed.plan} call${packed.plan === 1 ? '' : 's'}`)
  // A target that does not know `packing` runs both the same way: then there is no baseline to compare with.
  const hasBaseline = baseline.existing.calls !== packed.existing.calls
  console.log('\nData API, statement per call (packing: false)')
  if (hasBaseline) {
    line(`apply ${n} versions on a new database`, baseline.fresh)
    line(`apply v2–v${n} on a database at v1`, baseline.existing)
  } else console.log('  n/a: the Data API target ran packing: false the same way as the default')
  console.log('\nRunner Lambda (real handler)')
  line(`apply ${n} versions on a new database`, lambda, 'invocations')
  console.log('\ndatabase-url (no latency added)')
  console.log(`  apply ${n} versions on a new database: ${(direct / 1000).toFixed(2)} s`)

  const ratio = hasBaseline ? packed.existing.ms / baseline.existing.ms : null
  const goal = (text: string, met: boolean | null) => console.log(`  ${met === null ? 'n/a    ' : met ? 'ok     ' : 'NOT MET'}  ${text}`)
  console.log('\nGoals')
  const pending = n - 1
  goal(
    `apply of N = ${pending} pending versions with the meta tables present ≤ N + 3 = ${pending + 3} calls: ${packed.existing.calls}`,
    packed.existing.calls <= pending + 3
  )
  goal(`apply of N = ${n} versions on a new database ≤ N + 4 = ${n + 4} calls: ${packed.fresh.calls}`, packed.fresh.calls <= n + 4)
  goal(`plan ≤ 2 calls: ${packed.plan}`, packed.plan <= 2)
  const oneEach = (cost: RunCost) => cost.perVersion.slice(1).every((calls) => calls === 1)
  goal(`Data API, packed: one call per version after the first (${describePerVersion(packed.existing)})`, oneEach(packed.existing))
  goal(`runner Lambda: one invocation per version after the first (${describePerVersion(lambda)})`, oneEach(lambda))
  goal(
    `wall time packed / statement per call ≤ 0.2, v2–v${n} on a database at v1: ${ratio === null ? 'n/a' : ratio.toFixed(3)}` +
      (hasBaseline ? ` (all ${n} on a new database: ${(packed.fresh.ms / baseline.fresh.ms).toFixed(3)})` : ''),
    ratio === null ? null : ratio <= 0.2
  )
}

async function dataApiRuns(
  emulator: DataApiEmulator,
  createDatabase: () => Promise<{ name: string; url: string }>,
  versions: Version[],
  packing: boolean
): Promise<DataApiRuns> {
  const connect = (database: string): Target =>
    createDataApiTarget({
      wire: postgresql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database,
      endpoint: emulator.endpoint,
      packing
    })
  const callCount = () => emulator.calls.length
  const run = async (database: string, pending: Version[]): Promise<RunCost> => {
    const target = connect(database)
    try {
      return await measure(callCount, (log) => applyAsTheAction(target, pending, log))
    } finally {
      await target.close()
    }
  }

  const fresh = await run((await createDatabase()).name, versions)
  // A database that already has the meta tables: v1 applied over a direct connection, which the emulator does not count.
  const existing = await createDatabase()
  const direct = new PostgresTarget(existing.url, { wire: postgresql.wire })
  try {
    const atV1 = await applyAsTheAction(direct, versions.slice(0, 1), () => {})
    if (atV1.error) throw atV1.error
  } finally {
    await direct.close()
  }
  const planTarget = connect(existing.name)
  const before = callCount()
  try {
    await readAsPlanDoes(planTarget)
  } finally {
    await planTarget.close()
  }
  const plan = callCount() - before
  return { fresh, existing: await run(existing.name, versions), plan }
}

async function lambdaRun(createDatabase: () => Promise<{ name: string; url: string }>, versions: Version[]): Promise<RunCost> {
  const { url } = await createDatabase()
  const emulator = await startLambdaEmulator({
    functions: { [RUNNER]: { sandbox: () => createHandler({ env: { DATABASE_URL: url }, log: () => {} }) } },
    latencyMs: ROUND_TRIP_MS
  })
  const target = createLambdaTarget({ functionName: RUNNER, endpoint: emulator.endpoint })
  try {
    return await measure(
      () => emulator.calls.length,
      (log) => applyAsTheAction(target, versions, log)
    )
  } finally {
    await target.close()
    await emulator.stop()
  }
}

async function directRun(createDatabase: () => Promise<{ name: string; url: string }>, versions: Version[]): Promise<number> {
  const { url } = await createDatabase()
  const target = new PostgresTarget(url, { wire: postgresql.wire })
  try {
    return (
      await measure(
        () => 0,
        (log) => applyAsTheAction(target, versions, log)
      )
    ).ms
  } finally {
    await target.close()
  }
}
