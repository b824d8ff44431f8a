/**
 * What a run costs before it does anything, the figure a fleet pays once per database: the bundled action
 * (dist/index.js, run as a runner runs it: INPUT_* variables, GITHUB_* files) against the local Data API emulator
 * with no added latency, over a real PostgreSQL. Prints the median of several runs of: bare node, loading
 * dist/index.js (a run refused at its first input), start-up to the first Data API call, a no-op apply end to end;
 * then a whole `plan --no-verify` process of the command line (dist/cli/index.js) over 1,000 versions × 5 files.
 * Goal: a no-op apply under 150 ms, that plan under 0.5 s. It reports; it never fails. Run `npm run bundle` first;
 * AURORA_MIGRATE_BENCH_DIST names another build to measure (a copy of an earlier dist/, to compare).
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startAction } from '../testkit/action-runner.js'
import { DUMMY_AWS_ENV } from '../testkit/aws-env.js'
import { startDataApiEmulator } from '../testkit/data-api-emulator.js'
import { sql, startEmbeddedPostgres } from '../testkit/postgres.js'
import { median } from './cost.js'

const RUNS = 9
const DIST_DIR = path.resolve(process.env.AURORA_MIGRATE_BENCH_DIST ?? 'dist')
const DIST = path.join(DIST_DIR, 'index.js')
const CLI = path.join(DIST_DIR, 'cli', 'index.js')
const TODO = 'examples/todo/migrations/resources'

const elapsed = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e6

/** Wall time of one process from spawn to exit. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ ms: number; code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: elapsed(started), code, output }))
  })
}

async function medianOf(runs: number, once: () => Promise<number>): Promise<number> {
  const times: number[] = []
  for (let run = 0; run < runs; run++) times.push(await once())
  return median(times)
}

/** 1,000 versions × 5 files of 6 statements each (30,000 statements, about 1 MB). */
function writeLargeMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-startup-'))
  for (let v = 1; v <= 1000; v++) {
    fs.mkdirSync(path.join(dir, `v${v}`))
    for (let f = 1; f <= 5; f++) {
      const lines = Array.from({ length: 6 }, (_, i) => `INSERT INTO t${v} (a, b, note) VALUES (${f}, ${i}, 'x');\n`)
      fs.writeFileSync(path.join(dir, `v${v}`, `0${f}_step.sql`), lines.join(''))
    }
  }
  return dir
}

export async function benchStartup(): Promise<void> {
  if (!fs.existsSync(DIST) || !fs.existsSync(CLI)) {
    console.log(`${DIST} or ${CLI} is missing: run \`npm run bundle\` first`)
    return
  }
  const bare = await medianOf(RUNS, async () => (await timeProcess(['-e', ''])).ms)
  console.log(`node bare: ${bare.toFixed(0)} ms (median of ${RUNS})`)
  // The run refuses its first input (the command) right after the bundle is loaded.
  const load = await medianOf(RUNS, async () => (await timeProcess([DIST], { PATH: process.env.PATH, INPUT_COMMAND: 'none' })).ms)
  console.log(
    `load of dist/index.js (a run refused at its first input): ${load.toFixed(0)} ms (+${(load - bare).toFixed(0)} over bare node)`
  )

  const server = await startEmbeddedPostgres()
  const emulator = await startDataApiEmulator({ postgresUrl: server.url })
  const large = writeLargeMigrations()
  try {
    await sql(server.url, 'CREATE DATABASE startup')
    const inputs = {
      command: 'apply',
      'migrations-dir': TODO,
      'resource-arn': emulator.resourceArn,
      'secret-arn': emulator.secretArn,
      database: 'startup'
    }
    const env = { AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint, ...DUMMY_AWS_ENV }
    const first = await startAction(inputs, env, { entry: DIST }).done
    if (first.code !== 0) throw new Error(`the first apply failed:\n${first.stdout}${first.stderr}`)

    // The emulator records each call as it arrives: the moment of the first one, seen from this process.
    let firstCallAt: bigint | null = null
    const push = emulator.calls.push.bind(emulator.calls)
    emulator.calls.push = (...calls) => {
      firstCallAt ??= process.hrtime.bigint()
      return push(...calls)
    }
    const firstCall: number[] = []
    const endToEnd: number[] = []
    let calls = 0
    for (let run = 0; run < RUNS; run++) {
      firstCallAt = null
      const before = emulator.calls.length
      const started = process.hrtime.bigint()
      const result = await startAction(inputs, env, { entry: DIST }).done
      endToEnd.push(elapsed(started))
      if (result.code !== 0 || result.outputs.applied !== '[]') throw new Error(`a no-op apply did not do nothing:\n${result.stdout}`)
      if (firstCallAt !== null) firstCall.push(Number((firstCallAt as bigint) - started) / 1e6)
      calls = emulator.calls.length - before
    }
    console.log(`start-up to the first Data API call: ${median(firstCall).toFixed(0)} ms (median of ${RUNS})`)
    console.log(
      `no-op apply end to end (${calls} Data API calls): ${median(endToEnd).toFixed(0)} ms (median of ${RUNS}); ` +
        `goal ≤ 150 ms: ${median(endToEnd) <= 150 ? 'met' : 'not met'}`
    )

    // The command line's plan over a large folder, without verification, against an empty database.
    await sql(server.url, 'CREATE DATABASE startup_plan')
    const url = server.url.replace(/\/postgres$/, '/startup_plan')
    const planRuns = 5
    const plan = await medianOf(planRuns, async () => {
      const run = await timeProcess([CLI, 'plan', '--no-verify', '--migrations-dir', large, '--database-url', url, '--no-color'], {
        PATH: process.env.PATH
      })
      if (run.code !== 0 && run.code !== 3) throw new Error(`plan failed (${run.code}):\n${run.output.slice(-2000)}`)
      return run.ms
    })
    console.log(
      `plan --no-verify, 1,000 versions × 5 files (30,000 statements), whole process: ${plan.toFixed(0)} ms (median of ${planRuns}); ` +
        `goal < 500 ms: ${plan < 500 ? 'met' : 'not met'}`
    )
  } finally {
    fs.rmSync(large, { recursive: true, force: true })
    await emulator.stop()
    await server.stop()
  }
}
