/**
 * What tracing costs verification: examples/job-queue (about 150 statements) verified on a throwaway
 * database through shadow-database-url, untraced and with every version pending (each statement traced,
 * the schema read before and after). The goal: tracing adds at most half again to verification.
 */
import { fileURLToPath } from 'node:url'
import { discoverMigrations } from '../src/migrations/discover.js'
import { verifyOnShadow } from '../src/shadow/verify.js'
import { startEmbeddedPostgres } from '../__tests__/support/postgres.js'

const CORPUS = fileURLToPath(new URL('../examples/job-queue/migrations/resources', import.meta.url))
const RUNS = 5

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

export async function benchTrace(): Promise<void> {
  const { versions } = await discoverMigrations(CORPUS)
  const statements = versions.reduce((sum, version) => sum + version.files.reduce((n, file) => n + file.statements.length, 0), 0)
  const server = await startEmbeddedPostgres()
  try {
    const time = async (pending: number[]): Promise<{ ms: number; traced: number }> => {
      const started = performance.now()
      const result = await verifyOnShadow(versions, { shadowDatabaseUrl: server.url, log: () => {}, pending })
      if (result.status !== 'passed') throw new Error(`verification ${result.status}: ${result.message}`)
      return { ms: performance.now() - started, traced: result.trace?.size ?? 0 }
    }
    await time([]) // warm-up
    const plain: number[] = []
    const traced: number[] = []
    let tracedStatements = 0
    for (let run = 0; run < RUNS; run++) {
      plain.push((await time([])).ms)
      const withTrace = await time(versions.map((version) => version.number))
      traced.push(withTrace.ms)
      tracedStatements = withTrace.traced
    }
    const ratio = median(traced) / median(plain)
    console.log(`${versions.length} versions, ${statements} statements (${tracedStatements} traced), median of ${RUNS}:`)
    console.log(`  verification untraced ${median(plain).toFixed(0)} ms, traced ${median(traced).toFixed(0)} ms: ×${ratio.toFixed(2)}`)
    console.log(`  goal: tracing adds at most half again (×1.50): ${ratio <= 1.5 ? 'met' : 'NOT met'}`)
  } finally {
    await server.stop()
  }
}
