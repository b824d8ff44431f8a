/**
 * What a fleet costs: 100 databases × 3 versions through the Data API emulator (real SDK client) with 25 ms added
 * to every call, at concurrency 1, 4 and 16 — wall time, calls per database (the single-target floor is N + 3),
 * peak memory, and how close the fleet comes to `single-target time × databases / concurrency`. Then 1,000 targets
 * planned (over 20 databases: the plan reads, it writes nothing): time, distinct plans verified, the comment's size.
 * It reports; it never fails the build.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadFleet, runFleetApply, type FleetReporter } from '../src/commands/fleet.js'
import { runFleetPlan } from '../src/commands/fleet-plan.js'
import { readConfig } from '../src/config.js'
import { syntax } from '../src/dialects/postgresql/syntax.js'
import { discoverMigrations } from '../src/migrations/discover.js'
import { setDummyAwsEnvironment } from '../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../testkit/data-api-emulator.js'
import { sql, startEmbeddedPostgres } from '../testkit/postgres.js'
import { writeMigrations } from '../testkit/versions.js'
import { median } from './cost.js'

const ROUND_TRIP_MS = 25
const DATABASES = 100
const PLANNED = 1_000
const VERSIONS = {
  'v1/01_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, qty int NOT NULL DEFAULT 0);\nCREATE INDEX orders_qty ON orders (qty);',
  'v2/01_customers.sql':
    'CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);\nINSERT INTO customers VALUES (1, $$first$$);',
  'v3/01_link.sql': 'ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);'
}

const quiet: FleetReporter = {
  info: () => undefined,
  warning: () => undefined,
  annotate: () => undefined,
  findings: () => undefined,
  target: () => quiet
}

/** Samples the process's resident memory while `work` runs; returns the peak above the level before it. */
async function peakMemory<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  const before = process.memoryUsage().rss
  let peak = before
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  try {
    const value = await work()
    peak = Math.max(peak, process.memoryUsage().rss)
    return { value, peakMb: (peak - before) / 1024 / 1024 }
  } finally {
    clearInterval(timer)
  }
}

function project(targets: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-fleet-bench-'))
  writeMigrations(VERSIONS, path.join(dir, 'migrations', 'resources'))
  fs.writeFileSync(path.join(dir, 'fleet.yml'), targets)
  return dir
}

function config(dir: string, command: 'plan' | 'apply', concurrency: number, verify = false) {
  const inputs: Record<string, string> = {
    command,
    targets: 'fleet.yml',
    concurrency: String(concurrency),
    'on-error': 'continue',
    verify: String(verify)
  }
  const sources = { getInput: (name: string) => inputs[name] ?? '', env: { GITHUB_WORKSPACE: dir }, setSecret: () => undefined }
  return { config: readConfig(sources), sources }
}

export async function benchFleet(): Promise<void> {
  const restore = setDummyAwsEnvironment()
  const server = await startEmbeddedPostgres()
  let emulator: DataApiEmulator | null = null
  let made = 0
  const createDatabases = async (count: number): Promise<string[]> => {
    const names = Array.from({ length: count }, () => `fleet_${++made}`)
    for (const name of names) await sql(server.url, `CREATE DATABASE ${name}`)
    return names
  }
  try {
    emulator = await startDataApiEmulator({ postgresUrl: server.url, latencyMs: ROUND_TRIP_MS })
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
    const defaults = `defaults:\n  resource-arn: ${emulator.resourceArn}\n  secret-arn: ${emulator.secretArn}\n  engine: postgresql\ntargets:\n`
    const { versions } = await discoverMigrations(syntax, path.join(project('targets: []'), 'migrations', 'resources'), os.tmpdir())
    console.log(
      `${DATABASES} databases × ${versions.length} versions through the Data API emulator, ${ROUND_TRIP_MS} ms added to every call`
    )

    // One target alone, on a new database each time (after one run that loads the code): the floor a fleet is compared with.
    const singles: number[] = []
    let singleCalls = 0
    for (let i = 0; i < 4; i++) {
      const [single] = await createDatabases(1)
      const one = config(project(`${defaults}  - name: one\n    database: ${single}\n`), 'apply', 1)
      const fleetOfOne = await loadFleet(one.config, one.sources, quiet)
      const firstCall = emulator.calls.length
      const startedAlone = performance.now()
      await runFleetApply(fleetOfOne, versions, quiet)
      if (i > 0) singles.push(performance.now() - startedAlone)
      singleCalls = emulator.calls.slice(firstCall).filter((c) => c.database === single).length
    }
    const singleMs = median(singles)
    console.log(
      `  one database alone: ${(singleMs / 1000).toFixed(2)} s (median of 3), ${singleCalls} calls ` +
        `(N + 3 = ${versions.length + 3}, and 1 to create the meta tables on a new database; the first of a fleet's servers also asks its version)`
    )

    for (const concurrency of [1, 4, 16]) {
      const names = await createDatabases(DATABASES)
      const dir = project(defaults + names.map((name, i) => `  - name: t${i}\n    database: ${name}\n`).join(''))
      const { config: base, sources } = config(dir, 'apply', concurrency)
      const fleet = await loadFleet(base, sources, quiet)
      const from = emulator.calls.length
      const started = performance.now()
      const cpu = process.cpuUsage()
      const { value, peakMb } = await peakMemory(() => runFleetApply(fleet, versions, quiet))
      const ms = performance.now() - started
      const used = process.cpuUsage(cpu)
      const cpuSeconds = (used.user + used.system) / 1e6
      const calls = emulator.calls.slice(from).filter((c) => c.database && names.includes(c.database)).length
      const ideal = (singleMs * DATABASES) / concurrency
      const applied = value.report.runs.filter((r) => r.status === 'applied').length
      console.log(
        `  concurrency ${String(concurrency).padStart(2)}: ${(ms / 1000).toFixed(2)} s wall (ideal ${(ideal / 1000).toFixed(2)} s, ×${(ms / ideal).toFixed(2)}), ` +
          `${(calls / DATABASES).toFixed(2)} calls per database, peak memory +${peakMb.toFixed(0)} MB, ${applied}/${DATABASES} applied; ` +
          `this process (the fleet and the emulator) used ${cpuSeconds.toFixed(1)} s of CPU (${os.cpus().length} cores, shared with the PostgreSQL server)`
      )
      for (const name of names) await sql(server.url, `DROP DATABASE ${name} WITH (FORCE)`)
    }

    // 1,000 targets planned over 20 databases at v1 (so that v2 and v3 are pending): one distinct plan.
    const shared = await createDatabases(20)
    const first = project(`${defaults}${shared.map((name, i) => `  - name: s${i}\n    database: ${name}\n`).join('')}`)
    const seed = config(first, 'apply', 16)
    const seeded = await loadFleet(seed.config, seed.sources, quiet)
    await runFleetApply(seeded, versions.slice(0, 1), quiet)
    const dir = project(
      defaults + Array.from({ length: PLANNED }, (_, i) => `  - name: tenant_${i}\n    database: ${shared[i % shared.length]}\n`).join('')
    )
    for (const verify of [false, true]) {
      const { config: base, sources } = config(dir, 'plan', 16, verify)
      const from = emulator.calls.length
      const startedPlan = performance.now()
      const fleet = await loadFleet(base, sources, quiet)
      const { value: outcome, peakMb } = await peakMemory(() => runFleetPlan(fleet, versions, quiet))
      const planMs = performance.now() - startedPlan
      const calls = emulator.calls.length - from
      console.log(
        `  plan of ${PLANNED} targets (concurrency 16, verification ${verify ? 'on: once, on a throwaway PostgreSQL' : 'off'}): ${(planMs / 1000).toFixed(2)} s, ` +
          `${(calls / PLANNED).toFixed(2)} calls per target, ${outcome.report.groups.length} distinct plan${outcome.report.groups.length === 1 ? '' : 's'}, ` +
          `comment ${outcome.markdown.length.toLocaleString('en-US')} characters (limit 65,536), peak memory +${peakMb.toFixed(0)} MB`
      )
    }
  } finally {
    delete process.env.AWS_ENDPOINT_URL_RDS_DATA
    await emulator?.stop()
    await server.stop()
    restore()
  }
}
