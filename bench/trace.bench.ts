/**
 * What tracing costs verification: examples/job-queue (about 150 statements in 21 versions) verified on a
 * throwaway database through shadow-database-url, untraced and traced, in two cases: every version pending
 * (each statement traced, the schema read before and after: the most tracing can cost) and a pull request
 * that adds the last version (v1–v20 applied untraced first, as plan does). The goal: tracing adds at most
 * half again to verification.
 *
 * Runs alternate (untraced, traced, untraced, …) and the ratio is the median of each pair's, so that the
 * machine's slower and faster moments fall on both. It prints two ratios: of the whole verification as
 * the user waits for it (the scratch database created and dropped included), and of the applying alone.
 * It reports; it never fails the build.
 */
import { fileURLToPath } from 'node:url'
import { discoverMigrations } from '../src/migrations/discover.js'
import type { Version } from '../src/migrations/types.js'
import { verifyOnShadow } from '../src/shadow/verify.js'
import { startEmbeddedPostgres } from '../__tests__/support/postgres.js'
import { median } from './cost.js'
import { postgresql } from '../src/dialects/postgresql/index.js'

const CORPUS = fileURLToPath(new URL('../examples/job-queue/migrations/resources', import.meta.url))
const PAIRS = 11

interface Timing {
  /** The whole verification, as the caller waits for it. */
  wholeMs: number
  /** From the first version applied to the scratch database dropped. */
  applyMs: number
  traced: number
}

async function verifyOnce(versions: Version[], url: string, pending: number[]): Promise<Timing> {
  let applyStarted = 0
  let applyEnded = 0
  const log = (message: string): void => {
    if (message.startsWith('Applying v') && !applyStarted) applyStarted = performance.now()
    if (message.startsWith('Dropped the scratch database')) applyEnded = performance.now()
  }
  const started = performance.now()
  const result = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: url, log, pending })
  const wholeMs = performance.now() - started
  if (result.status !== 'passed') throw new Error(`verification ${result.status}: ${result.message}`)
  if (pending.length > 0 && !result.trace) throw new Error(`tracing stopped: ${result.traceMessage}`)
  return { wholeMs, applyMs: applyEnded - applyStarted, traced: result.trace?.size ?? 0 }
}

export async function benchTrace(): Promise<void> {
  const { versions } = await discoverMigrations(CORPUS)
  const statements = versions.reduce((sum, version) => sum + version.files.reduce((n, file) => n + file.statements.length, 0), 0)
  const server = await startEmbeddedPostgres()
  try {
    const last = versions[versions.length - 1].number
    const cases: Array<[string, number[]]> = [
      [`every version pending`, versions.map((version) => version.number)],
      [`v${last} pending (a pull request adding one version)`, [last]]
    ]
    console.log(`${versions.length} versions, ${statements} statements; median of ${PAIRS} alternating pairs`)
    let worst = 0
    for (const [name, pending] of cases) {
      await verifyOnce(versions, server.url, []) // warm-up
      await verifyOnce(versions, server.url, pending)
      const plain: Timing[] = []
      const traced: Timing[] = []
      for (let pair = 0; pair < PAIRS; pair++) {
        plain.push(await verifyOnce(versions, server.url, []))
        traced.push(await verifyOnce(versions, server.url, pending))
      }
      const ratio = (key: 'wholeMs' | 'applyMs'): number => median(traced.map((timing, pair) => timing[key] / plain[pair][key]))
      const ms = (timings: Timing[], key: 'wholeMs' | 'applyMs'): string => median(timings.map((timing) => timing[key])).toFixed(0)
      worst = Math.max(worst, ratio('wholeMs'))
      console.log(`  ${name}: ${traced[0].traced} statements traced`)
      console.log(
        `    whole verification: untraced ${ms(plain, 'wholeMs')} ms, traced ${ms(traced, 'wholeMs')} ms: ×${ratio('wholeMs').toFixed(2)}`
      )
      console.log(
        `    applying alone (scratch database's creation left out): untraced ${ms(plain, 'applyMs')} ms, traced ${ms(traced, 'applyMs')} ms: ×${ratio('applyMs').toFixed(2)}`
      )
    }
    console.log(
      `  goal: tracing adds at most half again to verification (×1.50): ${worst <= 1.5 ? 'met' : 'NOT met'} (worst ×${worst.toFixed(2)})`
    )
  } finally {
    await server.stop()
  }
}
