/**
 * `plan` is exactly as strict as `apply`: every refusal apply raises before running anything (drift, a missing
 * version, out of order, a statement that cannot run in a transaction, misplaced transaction control, a
 * statement too long for the Data API, hostile files) fails plan too, with the same words. Each case runs the
 * command line's plan and apply against a real PostgreSQL (the Data API emulator for the statement too long)
 * and reads what the database holds afterwards: apply's refusal changed nothing.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { EXIT } from '../../src/cli/run.js'
import { PG_BIN } from '../../testkit/action-runner.js'
import { setDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'

const cli = (argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliRun> =>
  runCliCaptured(argv, cwd, { PATH: `${PG_BIN}:${process.env.PATH}`, NO_COLOR: '1', ...env })

const project = (files: Record<string, string>): string => cliProject(files, 'aurora-migrate-refusal-')

const M = 'migrations/resources'

interface Snapshot {
  meta: Array<{ version: number; checksum: string }>
  tables: string[]
}

async function snapshot(url: string): Promise<Snapshot> {
  const tables = await sql<{ name: string }>(
    url,
    "select table_name as name from information_schema.tables where table_schema = 'public' order by 1"
  )
  const hasMeta = tables.some((t) => t.name === 'schema_migrations')
  const meta = hasMeta
    ? await sql<{ version: number; checksum: string }>(url, 'select version, checksum from schema_migrations order by version')
    : []
  return { meta, tables: tables.map((t) => t.name) }
}

/** The refusal's words as plan and apply print them: the `<kind>: …` sentence after the command's own prefix. */
function refusalIn(output: string, kind: string): string {
  const match = new RegExp(`(${kind}: [^\\n]*)`).exec(output)
  if (!match) throw new Error(`no '${kind}:' refusal in:\n${output}`)
  // apply joins its refusals after "Nothing was applied."; plan says each on its own line.
  return match[1].replace(/ (drift|missing|out of order|not in a transaction|transaction control[^:]*|too long): .*$/, '')
}

interface Case {
  name: string
  kind: string
  /** The migrations applied first (what the database holds), then the working tree plan and apply read. */
  applied: Record<string, string>
  change: (root: string, url: string) => void | Promise<void>
}

const V1 = { 'v1_users/01_users.sql': 'create table users (id int primary key, name text);\n' }
const V2 = { 'v2_orders/01_orders.sql': 'create table orders (id int primary key);\n' }
const V3 = { 'v3_notes/01_notes.sql': 'create table notes (id int);\n' }

const CASES: Case[] = [
  {
    name: 'an applied file edited (drift)',
    kind: 'drift',
    applied: V1,
    change: (root) => fs.appendFileSync(path.join(root, M, 'v1_users/01_users.sql'), 'create table sneaky (id int);\n')
  },
  {
    name: "an applied version's folder missing",
    kind: 'missing',
    applied: { ...V1, ...V2 },
    change: (root) => fs.rmSync(path.join(root, M, 'v2_orders'), { recursive: true })
  },
  {
    name: 'a new version below the current one (out of order)',
    kind: 'out of order',
    // v2 recorded by an earlier run and its row since removed: v2 is pending below v3.
    applied: { ...V1, 'v2_orders/01_orders.sql': 'create table if not exists orders (id int primary key);\n', ...V3 },
    change: async (_root, url) => {
      await sql(url, 'delete from schema_migrations where version = 2')
    }
  },
  {
    name: 'CREATE INDEX CONCURRENTLY without -- migrate:no-transaction',
    kind: 'not in a transaction',
    applied: V1,
    change: (root) =>
      writeMigrations({ 'v2_index/01_index.sql': 'create index concurrently users_name on users (name);\n' }, path.join(root, M))
  },
  {
    name: 'COMMIT half-way through a file',
    kind: "transaction control inside the version's transaction",
    applied: V1,
    change: (root) =>
      writeMigrations({ 'v2_half/01_half.sql': 'create table a (id int);\ncommit;\ncreate table b (id int);\n' }, path.join(root, M))
  }
]

describe('plan fails wherever apply refuses, with the same words, and apply changes nothing', () => {
  test.each(CASES)('$name', async ({ kind, applied, change }) => {
    const db = await createTestDatabase('refusal')
    try {
      const root = project(applied)
      const env = { DATABASE_URL: db.url }
      const first = await cli(['apply'], root, env)
      expect(first.code).toBe(EXIT.ok)
      await change(root, db.url)
      const before = await snapshot(db.url)

      const plan = await cli(['plan'], root, env)
      const apply = await cli(['apply'], root, env)
      expect(plan.code).toBe(EXIT.failed)
      expect(apply.code).toBe(EXIT.failed)
      const planned = refusalIn(plan.stderr, kind)
      expect(plan.stderr).toContain(`error: apply would refuse: ${planned}`)
      expect(apply.stderr).toContain(planned)
      expect(apply.stderr).toContain('Nothing was applied.')
      // Verification never says to install PostgreSQL for SQL it was never going to run.
      expect(plan.stderr).not.toMatch(/install PostgreSQL/)

      // The database as it was: apply's refusal ran nothing, plan never writes.
      expect(await snapshot(db.url)).toEqual(before)
      const json = await cli(['plan', '--json'], root, env)
      expect(json.code).toBe(EXIT.failed)
      const document = JSON.parse(json.stdout) as { failures: string[]; exitCode: number }
      expect(document.exitCode).toBe(EXIT.failed)
      expect(document.failures.some((failure) => failure.includes(planned))).toBe(true)
    } finally {
      await db.drop()
    }
  })

  test('a statement the verification cannot run because apply refuses it says so, not that a server is missing', async () => {
    const db = await createTestDatabase('refusal')
    try {
      const root = project({ 'v1_index/01_index.sql': 'create table t (id int);\ncreate index concurrently t_id on t (id);\n' })
      const plan = await cli(['plan', '--json'], root, { DATABASE_URL: db.url })
      expect(plan.code).toBe(EXIT.failed)
      const document = JSON.parse(plan.stdout) as { verification: string; failures: string[] }
      expect(document.verification).toBe('unavailable')
      expect(plan.stderr).toMatch(/Verification did not run: apply would refuse these migrations on any database/)
      expect(plan.stderr).not.toMatch(/install PostgreSQL/)
      expect((await snapshot(db.url)).tables).toEqual([])
    } finally {
      await db.drop()
    }
  })

  test('hostile files: plan and apply both refuse with the same message before touching the database', async () => {
    const db = await createTestDatabase('refusal')
    try {
      const root = project(V1)
      const env = { DATABASE_URL: db.url }
      expect((await cli(['apply'], root, env)).code).toBe(EXIT.ok)
      const outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-outside-')), 'secret.sql')
      fs.writeFileSync(outside, 'drop table users;\n')
      fs.mkdirSync(path.join(root, M, 'v2_link'))
      fs.symlinkSync(outside, path.join(root, M, 'v2_link', '01_link.sql'))
      const before = await snapshot(db.url)
      const plan = await cli(['plan'], root, env)
      const apply = await cli(['apply'], root, env)
      expect(plan.code).toBe(EXIT.failed)
      expect(apply.code).toBe(EXIT.failed)
      const line = (ran: CliRun): string => ran.stderr.split('\n').find((l) => /symlink|symbolic link/i.test(l)) ?? ''
      expect(line(plan)).not.toBe('')
      expect(line(plan)).toBe(line(apply))
      expect(await snapshot(db.url)).toEqual(before)
    } finally {
      await db.drop()
    }
  })

  test('a statement too long for the Data API: plan and apply through the emulator refuse it alike', async () => {
    const db = await createTestDatabase('refusal')
    const emulator = await startDataApiEmulator({ postgresUrl: db.url })
    // The SDK reads the process's environment, not the command line's.
    const restore = setDummyAwsEnvironment()
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
    try {
      const long = `create table big (id int);\ninsert into big select 1 where '${'x'.repeat(70_000)}' <> '';\n`
      const root = project({ 'v1_big/01_big.sql': long })
      const env = {}
      const target = ['--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn, '--database', db.name, '--no-verify']
      const plan = await cli(['plan', ...target], root, env)
      const apply = await cli(['apply', ...target], root, env)
      expect(plan.code).toBe(EXIT.failed)
      expect(apply.code).toBe(EXIT.failed)
      const planned = refusalIn(plan.stderr, 'too long')
      expect(planned).toMatch(/at most 65536 characters|at most 65,536 characters/)
      expect(apply.stderr).toContain(planned)
      expect((await snapshot(db.url)).tables).toEqual([])
    } finally {
      restore()
      await emulator.stop()
      await db.drop()
    }
  })
})
