/**
 * kill -9 in the middle of a MySQL version over the Data API: the bundled command line (dist/cli/index.js, as
 * a runner runs it) is killed while its version procedure waits, server-side, for a metadata lock. The procedure
 * outlives its client (the service goes on with a CALL sent with continueAfterTimeout). What the database holds
 * then, and what the next runs make of it: a run that comes while the procedure still waits refuses to start the
 * statement again; once the procedure has gone on, it stops at its next fence (its lease was taken over); the
 * run after that resumes from its journal and drops the procedure the dead run left. Every statement applied
 * exactly once.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import mysql2 from 'mysql2/promise'
import { DUMMY_AWS_ENV } from '../../testkit/aws-env.js'
import { cliProject } from '../../testkit/cli.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

const CLI = path.resolve('dist/cli/index.js')

const V1 = { 'v1/01_orders.sql': 'CREATE TABLE orders (id INT PRIMARY KEY, total INT);\nINSERT INTO orders VALUES (1, 10);' }
const V2 = { ...V1, 'v2/01_more.sql': 'ALTER TABLE orders ADD COLUMN status VARCHAR(10);\nALTER TABLE orders ADD COLUMN kind INT;' }

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function exit(child: ReturnType<typeof spawn>): Promise<{ code: number | null; output: string }> {
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })))
}

describeMysql('kill -9 in the middle of a MySQL version over the Data API', () => {
  const server = useMysqlServer()
  let emulator: DataApiEmulator

  afterEach(async () => {
    await emulator?.stop()
  })

  test('the procedure outlives its client; the next runs wait for it, then resume from its journal and drop it', async () => {
    const db = await createMysqlDatabase(server.url, 'killdapi')
    emulator = await startDataApiEmulator({ databaseUrl: server.url })
    const sql = <T extends Record<string, unknown>>(text: string): Promise<T[]> => mysqlSql<T>(db.url, text)
    const apply = (cwd: string) =>
      spawn(
        process.execPath,
        [CLI, 'apply', '--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn, '--database', db.name].concat([
          '--lease-ttl',
          '5s',
          '--lock-timeout',
          '60s',
          '--no-color'
        ]),
        {
          cwd,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint, ...DUMMY_AWS_ENV },
          stdio: ['ignore', 'pipe', 'pipe']
        }
      )
    const procedures = async () =>
      (await sql<{ name: string }>('SELECT ROUTINE_NAME AS name FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()')).map(
        (r) => r.name
      )
    const columns = async () =>
      (
        await sql<{ c: string }>(
          "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
        )
      ).map((r) => r.c)
    const journal = () => sql('SELECT version, step, state FROM schema_migrations_progress ORDER BY step')

    const first = await exit(apply(cliProject(V1)))
    expect(first.code).toBe(0)

    // v2's first ALTER waits behind a transaction that read `orders`.
    const project = cliProject(V2)
    const holder = await mysql2.createConnection({ uri: db.url })
    try {
      await holder.query('START TRANSACTION')
      await holder.query('SELECT * FROM orders')
      const child = apply(project)
      const exited = exit(child)
      await until('the ALTER to wait on its metadata lock', async () => {
        const rows = await sql<{ state: string }>('SELECT state FROM schema_migrations_progress WHERE version = 2 AND step = 0')
        const waiting = await sql("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE orders ADD COLUMN status%'")
        return rows[0]?.state === 'started' && waiting.length > 0
      })
      child.kill('SIGKILL')
      await exited
      const [left] = await procedures()
      expect(left).toMatch(/^aurora_migrate_version_\w+$/)

      // A run once the dead run's lease expired, while its procedure still waits: it must not send the ALTER again.
      await new Promise((resolve) => setTimeout(resolve, 5500))
      const second = await exit(apply(project))
      expect(second.output).toMatch(/Took over the migration lease of .*, which expired without being released/)
      expect(second.output).toMatch(/v2 step 1 \(.*01_more\.sql:1\), sent by an earlier run, is still running on the server/)
      expect(second.code).not.toBe(0)
      expect(await procedures()).toEqual([left])
      expect(await journal()).toEqual([{ version: 2, step: 0, state: 'started' }])
      expect(await columns()).toEqual(['id', 'total'])
    } finally {
      await holder.query('ROLLBACK')
      await holder.end()
    }

    // The lock is free: the old procedure's ALTER runs, its done row is written, and its next fence finds the lease
    // taken over: it stops before the second ALTER.
    await until(
      "the dead run's procedure to end",
      async () => (await sql(`SELECT IS_USED_LOCK('${(await procedures())[0]}') AS h`))[0].h === null
    )
    expect(await columns()).toEqual(['id', 'total', 'status'])
    expect(await journal()).toEqual([{ version: 2, step: 0, state: 'done' }])

    const third = await exit(apply(project))
    expect(third.output).toMatch(/Dropped the temporary procedure aurora_migrate_version_\w+, left by a run that stopped before it could/)
    expect(third.output).toMatch(/Resuming v2 after step 1 of 2/)
    expect(third.code).toBe(0)
    expect(await columns()).toEqual(['id', 'total', 'status', 'kind'])
    expect(await sql('SELECT version FROM schema_migrations ORDER BY version')).toEqual([{ version: 1 }, { version: 2 }])
    expect(await journal()).toEqual([])
    expect(await procedures()).toEqual([])
    expect((await sql<{ owner: string }>('SELECT owner FROM schema_migrations_lock'))[0].owner).toBe('')
    await db.drop()
  }, 90_000)
})
