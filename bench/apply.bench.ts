/**
 * Apply throughput: N versions of M statements each through the direct PostgreSQL transport and
 * through the RDS Data API (real SDK client, local emulator). Prints wall time and Data API calls per
 * version: on AWS each call is a network round trip, so calls per version is the number that matters.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { applyMigrations } from '../src/engine/apply.js'
import { metaTables } from '../src/engine/meta.js'
import { discoverMigrations } from '../src/migrations/discover.js'
import { createDataApiTarget } from '../src/targets/data-api.js'
import { PostgresTarget } from '../src/targets/postgres.js'
import type { Target } from '../src/targets/target.js'
import { setDummyAwsEnvironment } from '../__tests__/support/aws-env.js'
import { startDataApiEmulator } from '../__tests__/support/data-api-emulator.js'
import { sql, startEmbeddedPostgres } from '../__tests__/support/postgres.js'

const VERSIONS = 30
const STATEMENTS = 8

export async function benchApply(): Promise<void> {
  // The emulator's dummy credentials, never the machine's own AWS profile or session.
  const restoreAwsEnvironment = setDummyAwsEnvironment()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-bench-'))
  for (let v = 1; v <= VERSIONS; v++) {
    const statements = [`CREATE TABLE t${v} (id bigserial PRIMARY KEY, name text NOT NULL)`]
    for (let s = 1; s < STATEMENTS; s++) statements.push(`INSERT INTO t${v} (name) VALUES ('row ${s}')`)
    fs.mkdirSync(path.join(dir, `v${v}`))
    fs.writeFileSync(path.join(dir, `v${v}`, '01.sql'), statements.join(';\n') + ';\n')
  }
  const { versions } = await discoverMigrations(dir, dir)
  const server = await startEmbeddedPostgres()
  const emulator = await startDataApiEmulator({ postgresUrl: server.url })
  try {
    const run = async (name: string, database: string, connect: (url: string) => Target) => {
      await sql(server.url, `CREATE DATABASE ${database}`)
      const url = server.url.replace(/\/postgres$/, `/${database}`)
      const target = connect(url)
      const calls = emulator.calls.length
      const started = process.hrtime.bigint()
      const result = await applyMigrations(target, versions, {
        tables: metaTables('public', 'schema_migrations'),
        createSchema: false,
        run: { actor: 'bench', commitSha: null, runUrl: null },
        lease: { owner: `bench-${name}`, ttlSeconds: 60, waitTimeoutSeconds: 10 },
        log: () => {}
      })
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      await target.close()
      if (result.error) throw result.error
      const perVersion = (emulator.calls.length - calls) / VERSIONS
      console.log(
        `apply ${VERSIONS} versions × ${STATEMENTS} statements over ${name}: ${ms.toFixed(0)} ms (${(ms / VERSIONS).toFixed(1)} ms/version)` +
          (name === 'data-api' ? `, ${perVersion.toFixed(1)} Data API calls/version` : '')
      )
    }
    await run('postgres', 'bench_pg', (url) => new PostgresTarget(url))
    await run('data-api', 'bench_api', () =>
      createDataApiTarget({
        resourceArn: emulator.resourceArn,
        secretArn: emulator.secretArn,
        database: 'bench_api',
        endpoint: emulator.endpoint
      })
    )
  } finally {
    await emulator.stop()
    await server.stop()
    fs.rmSync(dir, { recursive: true, force: true })
    restoreAwsEnvironment()
  }
}
