/**
 * kill -9 in the middle of a MySQL version: the bundled command line (dist/cli/index.js, as a runner runs it)
 * is killed while its DDL waits for a metadata lock, after the journal's 'started' row was committed. What the
 * database holds then, and what the next run makes of it: it takes over the dead run's lease once it expired,
 * settles the started statement from the catalog (whether or not the server went on to run it), and finishes
 * the version, with every statement applied exactly once.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import mysql2 from 'mysql2/promise'
import { cliProject } from '../../testkit/cli.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

const CLI = path.resolve('dist/cli/index.js')

const FILES = {
  'v1/01_orders.sql': 'CREATE TABLE orders (id INT PRIMARY KEY, total INT);\nINSERT INTO orders VALUES (1, 10);',
  'v2/01_note.sql':
    'INSERT INTO orders VALUES (2, 20);\nALTER TABLE orders ADD COLUMN note VARCHAR(20);\nCREATE INDEX orders_total ON orders (total);'
}

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function apply(cwd: string, url: string): ReturnType<typeof spawn> {
  return spawn(process.execPath, [CLI, 'apply', '--database-url', url, '--lease-ttl', '5s', '--lock-timeout', '30s', '--no-color'], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

function exit(child: ReturnType<typeof spawn>): Promise<{ code: number | null; output: string }> {
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })))
}

describeMysql('kill -9 in the middle of a MySQL version', () => {
  const server = useMysqlServer()

  test.each([
    ['the server went on to run the ALTER after the client died', true],
    ['the ALTER never ran', false]
  ])(
    '%s: the next run settles it from the catalog and finishes the version',
    async (_, ran) => {
      const db = await createMysqlDatabase(server.url, 'kill')
      const sql = <T extends Record<string, unknown>>(text: string): Promise<T[]> => mysqlSql<T>(db.url, text)
      const project = cliProject(FILES)
      const first = await exit(apply(project, db.url))
      expect(first.code).toBe(0)

      // v2 waits: a transaction that read `orders` holds its metadata lock, so the ALTER queues behind it.
      const files = { ...FILES, 'v3/01_more.sql': 'ALTER TABLE orders ADD COLUMN status VARCHAR(10);' }
      const second = cliProject(files)
      const holder = await mysql2.createConnection({ uri: db.url })
      await holder.query('START TRANSACTION')
      await holder.query('SELECT * FROM orders')
      const child = apply(second, db.url)
      const exited = exit(child)
      try {
        await until('the ALTER to be sent', async () => {
          const rows = await sql<{ state: string }>('SELECT state FROM schema_migrations_progress WHERE version = 3 AND step = 0')
          return rows[0]?.state === 'started'
        })
        if (ran) {
          // The client stops reading (SIGSTOP) before the lock is released, so the server runs the ALTER while the
          // client is still connected; it dies only once the column exists. Killing it while the ALTER still waits
          // lets the server abort the waiting statement when it notices the closed connection (MariaDB does).
          child.kill('SIGSTOP')
          await holder.query('ROLLBACK')
          await until(
            'the server to finish the ALTER',
            async () =>
              (
                await sql(
                  "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' AND COLUMN_NAME = 'status'"
                )
              ).length > 0
          )
          child.kill('SIGKILL')
          await exited
        } else {
          child.kill('SIGKILL')
          await exited
          // The statement still waits on the server: end it, as a DBA would, before the lock is released.
          const [waiting] = await sql<{ id: number }>(
            "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE 'ALTER TABLE orders ADD COLUMN status%'"
          )
          if (waiting) await holder.query(`KILL QUERY ${waiting.id}`)
        }
      } finally {
        await holder.query('ROLLBACK')
        await holder.end()
      }

      // What the dead run left: v2 recorded, v3's statement journaled as started, the lease still its own.
      expect(await sql('SELECT version FROM schema_migrations ORDER BY version')).toEqual([{ version: 1 }, { version: 2 }])
      expect(await sql('SELECT version, step, state FROM schema_migrations_progress')).toEqual([{ version: 3, step: 0, state: 'started' }])
      expect((await sql<{ owner: string }>('SELECT owner FROM schema_migrations_lock'))[0].owner).not.toBe('')

      const third = await exit(apply(second, db.url))
      expect(third.output).toMatch(/Took over the migration lease of .*, which expired without being released/)
      expect(third.output).toMatch(
        ran ? /the catalog shows it took effect: recording it as done/ : /the catalog shows it did not take effect: running it again/
      )
      expect(third.code).toBe(0)
      expect(await sql('SELECT version FROM schema_migrations ORDER BY version')).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }])
      expect(
        await sql(
          "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
        )
      ).toEqual([{ c: 'id' }, { c: 'total' }, { c: 'note' }, { c: 'status' }])
      expect(await sql('SELECT COUNT(*) AS n FROM orders')).toEqual([{ n: 2 }])
      expect(await sql('SELECT * FROM schema_migrations_progress')).toEqual([])
      expect((await sql<{ owner: string }>('SELECT owner FROM schema_migrations_lock'))[0].owner).toBe('')
      await db.drop()
    },
    60_000
  )
})
