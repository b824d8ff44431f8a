/**
 * How a test file gets its MariaDB/MySQL server (testkit/mariadb.ts): one per file, started lazily in the
 * file's beforeAll, so runs that select no MySQL test never start one.
 *
 *   describeMysql('the MySQL dialect', () => {
 *     const server = useMysqlServer()
 *     test('…', async () => { await server.mysqlCli(['-e', 'SELECT 1']) })
 *   })
 *
 * Where the machine has no server binary, describeMysql skips the block loudly (a warning naming the install
 * command, and the tests reported as skipped); under CI=true it fails instead, so CI never goes green by
 * silently not testing MySQL.
 */
import {
  findMysqlServer,
  MYSQLD_ENV,
  SERVER_DIRS,
  startMysqlServer,
  type CliResult,
  type MysqlServer,
  type MysqlServerBinary
} from './mariadb.js'
import { forwarding } from './use-emulator.js'

export type MysqlSuiteDecision = { action: 'run'; binary: MysqlServerBinary } | { action: 'skip' | 'fail'; message: string }

function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
}

/** Whether the MySQL suites run, are skipped (with why and how to fix it), or fail (under CI). Starts nothing. */
export function mysqlSuiteDecision(binary: MysqlServerBinary | null, env: NodeJS.ProcessEnv = process.env): MysqlSuiteDecision {
  if (binary) return { action: 'run', binary }
  const override = env[MYSQLD_ENV]
  const looked = override ? `${MYSQLD_ENV}=${override} is not an executable server` : `looked on PATH and in ${SERVER_DIRS.join(', ')}`
  const install =
    'install one: sudo apt-get install mariadb-server (Debian/Ubuntu), sudo dnf install mariadb-server (Fedora), ' +
    `brew install mariadb (macOS), or set ${MYSQLD_ENV} to a mariadbd or mysqld binary`
  if (isCi(env)) return { action: 'fail', message: `MySQL suites cannot run under CI: no mariadbd or mysqld found (${looked}); ${install}` }
  return { action: 'skip', message: `MySQL suites skipped: no mariadbd or mysqld found (${looked}); ${install}` }
}

/** describe() when a server binary exists; otherwise a loud skip, or under CI a failing test with the reason. */
export function describeMysql(title: string, fn: () => void, decision: MysqlSuiteDecision = mysqlSuiteDecision(findMysqlServer())): void {
  if (decision.action === 'fail') {
    const message = decision.message
    describe(`${title}`, () => {
      test('a MariaDB or MySQL server binary is available', () => {
        expect(() => {
          throw new Error(message)
        }).not.toThrow()
      })
    })
    return
  }
  if (decision.action === 'skip') console.warn(`${title}: ${decision.message}`)
  // Skipped tests still show in the report, under the title, as skipped.
  const block = decision.action === 'run' ? describe : describe.skip
  block(`${title}`, () => fn())
}

let current: MysqlServer | undefined

/** The server useMysqlServer started for this test file (jest gives every file its own module instance). */
export function currentMysqlServer(): MysqlServer {
  if (!current) throw new Error('No MySQL test server is running: call useMysqlServer() in the file (inside describeMysql)')
  return current
}

/** Runs the reference client (`mariadb` or `mysql`, as root over TCP) against the file's test server. */
export function mysqlCli(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<CliResult> {
  return currentMysqlServer().mysqlCli(args, options)
}

/**
 * Starts a server before the block's tests and stops it (removing its data directory) after them. The
 * returned object stands for the server once beforeAll has started it. `startMs` is how long starting took.
 */
export function useMysqlServer(): MysqlServer & { startMs: number } {
  let server: (MysqlServer & { startMs: number }) | undefined
  beforeAll(async () => {
    const started = Date.now()
    const running = await startMysqlServer()
    server = Object.assign(running, { startMs: Date.now() - started })
    current = server
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    if (current === server) current = undefined
    server = undefined
  })
  return forwarding('The MySQL test server', () => server)
}
