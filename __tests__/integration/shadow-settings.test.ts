/**
 * The throwaway database behaves like the target: the target's settings (TimeZone, DateStyle, the
 * database's locale, the server's version …) are read with the review's one catalog call, through the Data
 * API emulator as through a URL, and verification runs in a database made with them, whatever the runner's
 * own TZ or the shadow server's defaults. What cannot be matched is reported, and a hostile value is data,
 * never SQL.
 *
 * The case that shows it: `ALTER COLUMN … TYPE timestamptz` from timestamp keeps the table's files when the
 * session's TimeZone is UTC and rewrites the table otherwise (PostgreSQL 12+), proved here by relfilenode on
 * the target itself and read from the trace of verification.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { EXIT, runCli } from '../../src/cli/run.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { readTargetCatalog } from '../../src/dialects/postgresql/review/catalog.js'
import { findPostgresBinaries, majorVersion, parseVersion } from '../../src/dialects/postgresql/shadow/binaries.js'
import { traceKey } from '../../src/review/types.js'
import { verifyOnShadow, type Verification } from '../../src/dialects/postgresql/shadow.js'
import { parseTargetSettings } from '../../src/dialects/postgresql/review/settings.js'
import { describeVersionNum, majorOf, quoteLiteral, type TargetSettings } from '../../src/dialects/postgresql/shadow/target-settings.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, embeddedBinDir, sql, startEmbeddedPostgres, type RunningPostgres } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

useDummyAwsEnvironment()

const NEW_YORK = 'America/New_York'
const LOCAL_PATH = `${embeddedBinDir()}${path.delimiter}${process.env.PATH ?? ''}`

/** v1 makes a table with a timestamp column and rows; v2 (pending) turns the column into timestamptz. */
const MIGRATIONS = {
  'v1_events/01.sql':
    "create table events (id int primary key, at timestamp);\ninsert into events select g, timestamp '2024-01-01' + g * interval '1 hour' from generate_series(1, 200) g;\n",
  'v2_timestamptz/01.sql': 'alter table events alter column at type timestamptz;\n'
}

/** What the table's files do on this database: true when ALTER COLUMN … TYPE timestamptz gives it a new relfilenode (rolled back). */
async function rewritesOn(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query('create table events (id int primary key, at timestamp)')
    await client.query("insert into events select g, timestamp '2024-01-01' from generate_series(1, 10) g")
    const before = await client.query(`select pg_relation_filenode('events') as file`)
    await client.query('alter table events alter column at type timestamptz')
    const after = await client.query(`select pg_relation_filenode('events') as file`)
    return before.rows[0].file !== after.rows[0].file
  } finally {
    await client.query('ROLLBACK').catch(() => {})
    await client.end()
  }
}

/** A target database whose own TimeZone is `timeZone` (a database-level setting, as a parameter group gives it). */
async function targetWithTimeZone(timeZone: string): Promise<Awaited<ReturnType<typeof createTestDatabase>>> {
  const db = await createTestDatabase('tz')
  await sql(db.url, `alter database "${db.name}" set timezone = '${timeZone}'`)
  return db
}

async function readSettings(url: string): Promise<TargetSettings> {
  const target = new PostgresTarget(url, { wire: postgresql.wire, log: () => {} })
  try {
    const { settings } = await readTargetCatalog(target, [], { settings: true })
    return settings!
  } finally {
    await target.close()
  }
}

async function verifyEvents(options: {
  shadowDatabaseUrl: string | null
  targetSettings: TargetSettings | null
  runnerTimeZone?: string
}): Promise<{ result: Verification; logs: string[] }> {
  const dir = writeMigrations(MIGRATIONS)
  const { versions } = await discoverMigrations(dir, dir)
  const logs: string[] = []
  const result = await verifyOnShadow(versions, {
    engine: postgresql.engine,
    shadowDatabaseUrl: options.shadowDatabaseUrl,
    env: { ...process.env, PATH: LOCAL_PATH, TZ: options.runnerTimeZone ?? process.env.TZ },
    log: (m) => logs.push(m),
    pending: [2],
    targetSettings: options.targetSettings
  })
  expect({ status: result.status, message: result.message, trace: result.traceMessage }).toEqual({
    status: 'passed',
    message: null,
    trace: null
  })
  return { result, logs }
}

const rewritten = (result: Verification): string[] => result.trace!.get(traceKey(2, 0))!.rewritten

describe('the target settings are read in the catalog call', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let emulator: DataApiEmulator

  beforeAll(async () => {
    db = await createTestDatabase('settings')
    await sql(db.url, `create table public.orders (id int); alter database "${db.name}" set timezone = '${NEW_YORK}'`)
    await sql(db.url, `alter database "${db.name}" set datestyle = 'SQL, DMY'`)
    // A value that would break out of a literal if it were ever pasted into SQL.
    await sql(db.url, `alter database "${db.name}" set search_path = 'it''s', public`)
    emulator = await startDataApiEmulator({ postgresUrl: db.url })
  })
  afterAll(async () => {
    await emulator?.stop()
    await db?.drop()
  })

  test('over the Data API, in the one call that reads the relations; the values are the session’s, as migrations get them', async () => {
    const target = createDataApiTarget({
      wire: postgresql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint,
      log: () => {}
    })
    try {
      const before = emulator.calls.length
      const { facts, settings } = await readTargetCatalog(target, ['public.orders', 'public.missing'], { settings: true })
      expect(emulator.calls.slice(before).map((call) => call.op)).toEqual(['ExecuteStatement'])
      expect([...facts.keys()]).toEqual(['public.orders'])
      const [expected] = await sql<Record<string, string>>(
        db.url,
        `select current_setting('server_version_num') as version, current_setting('server_encoding') as encoding,
                datcollate as collate, datctype as ctype from pg_database where datname = current_database()`
      )
      expect(settings).toMatchObject({
        // The Data API's sessions run in UTC whatever the database says (pgjdbc sets it): so do the migrations it applies.
        TimeZone: 'UTC',
        DateStyle: 'SQL, DMY',
        search_path: `"it's", public`,
        server_version_num: expected.version,
        server_encoding: expected.encoding,
        lc_collate: expected.collate,
        lc_ctype: expected.ctype,
        standard_conforming_strings: 'on',
        IntervalStyle: 'postgres'
      })
      // No relations: still one call, for the settings alone.
      const again = emulator.calls.length
      const alone = await readTargetCatalog(target, [], { settings: true })
      expect(emulator.calls.length - again).toBe(1)
      expect(alone.settings?.DateStyle).toBe('SQL, DMY')
      // Without settings asked, nothing more is read than before.
      expect((await readTargetCatalog(target, ['public.orders'], { settings: false })).settings).toBeNull()
    } finally {
      await target.close()
    }
    // Through a URL the session has the database's own TimeZone.
    expect((await readSettings(db.url)).TimeZone).toBe(NEW_YORK)
  })

  test('the search_path with a quote in it is copied as data: the scratch database gets the same list', async () => {
    const settings = await readSettings(db.url)
    const { result } = await verifyEvents({ shadowDatabaseUrl: process.env.AURORA_MIGRATE_TEST_PG_URL!, targetSettings: settings })
    expect(result.settings?.unmatched).toEqual([])
    expect(result.settings?.matched).toEqual(expect.arrayContaining(['search_path', 'TimeZone', 'DateStyle', 'server_version_num']))
  })
})

describe('ALTER COLUMN … TYPE timestamptz: the trace follows the target’s TimeZone, not the runner’s', () => {
  let utc: Awaited<ReturnType<typeof createTestDatabase>>
  let newYork: Awaited<ReturnType<typeof createTestDatabase>>
  beforeAll(async () => {
    utc = await targetWithTimeZone('UTC')
    newYork = await targetWithTimeZone(NEW_YORK)
  })
  afterAll(async () => {
    await utc?.drop()
    await newYork?.drop()
  })

  test('the targets themselves: New York rewrites the table (a new relfilenode), UTC keeps its files', async () => {
    expect(await rewritesOn(newYork.url)).toBe(true)
    expect(await rewritesOn(utc.url)).toBe(false)
  })

  test('local server: a New York target rewrites though the runner is in UTC', async () => {
    const { result, logs } = await verifyEvents({
      shadowDatabaseUrl: null,
      targetSettings: await readSettings(newYork.url),
      runnerTimeZone: 'UTC'
    })
    expect(rewritten(result)).toEqual(expect.arrayContaining(['public.events']))
    expect(result.settings!.matched).toEqual(expect.arrayContaining(['TimeZone', 'DateStyle', 'lc_collate', 'server_version_num']))
    expect(result.settings!.unmatched).toEqual([])
    expect(logs.join('\n')).toMatch(/The throwaway database matches the target's .*TimeZone/)
  })

  test('local server: a UTC target keeps its files though the runner is in New York', async () => {
    const { result } = await verifyEvents({
      shadowDatabaseUrl: null,
      targetSettings: await readSettings(utc.url),
      runnerTimeZone: NEW_YORK
    })
    expect(rewritten(result)).toEqual([])
    expect(result.settings!.matched).toContain('TimeZone')
  })

  test('local server without the target’s settings: UTC, not the runner’s New York', async () => {
    const { result } = await verifyEvents({ shadowDatabaseUrl: null, targetSettings: null, runnerTimeZone: NEW_YORK })
    expect(rewritten(result)).toEqual([])
    expect(result.settings).toBeNull()
  })

  describe('a shadow server whose own default is New York', () => {
    let server: RunningPostgres
    beforeAll(async () => {
      server = await startEmbeddedPostgres()
      await sql(server.url, `alter system set timezone = '${NEW_YORK}'`)
      await sql(server.url, 'select pg_reload_conf()')
    })
    afterAll(async () => {
      await server?.stop()
    })

    test('a UTC target keeps its files there; without the target’s settings the server’s default would rewrite it', async () => {
      expect(await sql(server.url, 'show timezone')).toEqual([{ TimeZone: NEW_YORK }])
      const matched = await verifyEvents({ shadowDatabaseUrl: server.url, targetSettings: await readSettings(utc.url) })
      expect(rewritten(matched.result)).toEqual([])
      expect(matched.result.settings!.matched).toContain('TimeZone')
      const unmatched = await verifyEvents({ shadowDatabaseUrl: server.url, targetSettings: null })
      expect(rewritten(unmatched.result)).toEqual(expect.arrayContaining(['public.events']))
      // Each scratch database is dropped, with its settings.
      expect(await sql(server.url, `select datname from pg_database where datname like 'aurora_migrate_verify_%'`)).toEqual([])
      expect(await sql(server.url, 'select count(*)::int as n from pg_db_role_setting where setdatabase <> 0')).toEqual([{ n: 0 }])
    })

    test('what cannot be matched is reported, a hostile value stays data, and the server is left as it was', async () => {
      const databases = await sql(server.url, 'select datname from pg_database order by 1')
      const target: TargetSettings = {
        TimeZone: 'UTC',
        DateStyle: 'SQL, DMY',
        server_encoding: 'UTF8',
        server_version_num: '150004',
        lc_collate: 'xx_NOWHERE.UTF-8',
        lc_ctype: 'xx_NOWHERE.UTF-8',
        lc_monetary: 'xx_NOWHERE.UTF-8',
        IntervalStyle: "postgres'; drop database postgres; --",
        lc_numeric: 'C\n',
        locale_provider: 'libc'
      }
      const { result, logs } = await verifyEvents({ shadowDatabaseUrl: server.url, targetSettings: target })
      expect(rewritten(result)).toEqual([])
      expect([...result.settings!.matched].sort()).toEqual(['DateStyle', 'TimeZone', 'locale_provider', 'server_encoding'])
      const unmatched = Object.fromEntries(result.settings!.unmatched.map(({ name, target, reason }) => [name, { target, reason }]))
      expect(Object.keys(unmatched).sort()).toEqual([
        'IntervalStyle',
        'lc_collate',
        'lc_ctype',
        'lc_monetary',
        'lc_numeric',
        'server_version_num'
      ])
      expect(unmatched.server_version_num).toEqual({
        target: '150004',
        reason: expect.stringMatching(/^the target runs PostgreSQL 15\.4, the throwaway server \d+\.\d+$/)
      })
      expect(unmatched.lc_collate.reason).toMatch(/invalid locale name|xx_NOWHERE/)
      expect(unmatched.lc_monetary.reason).toMatch(/invalid value for parameter "lc_monetary"/)
      expect(unmatched.IntervalStyle.reason).toMatch(/invalid value for parameter "IntervalStyle"/)
      expect(unmatched.lc_numeric).toEqual({ target: 'C\\n', reason: "the target's value holds control characters" })
      expect(logs.join('\n')).toMatch(/it could not match .*; server_version_num '150004' \(the target runs PostgreSQL 15\.4/)
      expect(await sql(server.url, 'select datname from pg_database order by 1')).toEqual(databases)
    })

    test('a shadow user that is not a superuser: lc_messages is reported, the rest is matched', async () => {
      await sql(server.url, `create role verifier login createdb password 'verifier-pass'`)
      try {
        const url = new URL(server.url)
        url.username = 'verifier'
        url.password = 'verifier-pass'
        const { result } = await verifyEvents({
          shadowDatabaseUrl: url.toString(),
          targetSettings: { TimeZone: NEW_YORK, lc_messages: 'C.utf8' }
        })
        expect(rewritten(result)).toEqual(expect.arrayContaining(['public.events']))
        expect(result.settings).toEqual({
          matched: ['TimeZone'],
          unmatched: [
            { name: 'lc_messages', target: 'C.utf8', reason: expect.stringMatching(/permission denied to set parameter "lc_messages"/) }
          ]
        })
        expect(await sql(server.url, `select datname from pg_database where datname like 'aurora_migrate_verify_%'`)).toEqual([])
      } finally {
        await sql(server.url, 'drop role if exists verifier')
      }
    })
  })
})

test('a collation only the target has is matched: a CHECK that holds under C fails under the target’s ICU root collation', async () => {
  // 'B' < 'b' under C (byte order); ICU's root collation puts lower case first.
  const admin = process.env.AURORA_MIGRATE_TEST_PG_URL!
  const name = `icu_target_${process.pid}`
  await sql(admin, `create database ${name} template template0 locale_provider icu icu_locale 'und' locale 'C.utf8'`)
  try {
    const url = new URL(admin)
    url.pathname = `/${name}`
    const settings = await readSettings(url.toString())
    expect(settings).toMatchObject({ locale_provider: 'icu', locale: 'und' })
    const dir = writeMigrations({
      'v1/01.sql': "create table words (w text);\ninsert into words values ('B');\n",
      'v2/01.sql': "alter table words add constraint before_b check (w < 'b');\n"
    })
    const { versions } = await discoverMigrations(dir, dir)
    const like = await verifyOnShadow(versions, {
      engine: postgresql.engine,
      shadowDatabaseUrl: admin,
      log: () => {},
      pending: [2],
      targetSettings: settings
    })
    expect(like.settings!.matched).toEqual(expect.arrayContaining(['locale_provider', 'locale', 'lc_collate', 'lc_ctype']))
    expect(like.settings!.unmatched).toEqual([])
    expect(like.versions.map((v) => v.status)).toEqual(['passed', 'failed'])
    expect(like.versions[1].error).toMatchObject({ file: 'v2/01.sql', sqlState: '23514' })
    const plain = await verifyOnShadow(versions, { engine: postgresql.engine, shadowDatabaseUrl: admin, log: () => {}, pending: [2] })
    expect(plain.versions.map((v) => v.status)).toEqual(['passed', 'passed'])
  } finally {
    await sql(admin, `drop database if exists ${name} with (force)`)
  }
})

describe('plan through the command line', () => {
  async function plan(timeZone: string): Promise<{ code: number; findings: Array<{ rule: string; message: string }> }> {
    const target = await targetWithTimeZone(timeZone)
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-cli-'))
    writeMigrations(MIGRATIONS, path.join(cwd, 'migrations', 'resources'))
    let stdout = ''
    const run = (argv: string[]): Promise<number> =>
      runCli(argv, {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => {} },
        env: { PATH: process.env.PATH },
        cwd,
        version: '9.9.9'
      })
    try {
      expect(await run(['apply', '--database-url', target.url, '--target-version', '1'])).toBe(EXIT.ok)
      stdout = ''
      const code = await run([
        'plan',
        '--json',
        '--database-url',
        target.url,
        '--shadow-database-url',
        process.env.AURORA_MIGRATE_TEST_PG_URL!
      ])
      return { code, findings: JSON.parse(stdout).findings }
    } finally {
      await target.drop()
    }
  }

  test('the target’s TimeZone decides whether ALTER COLUMN … TYPE timestamptz is reported as a rewrite', async () => {
    const newYork = await plan(NEW_YORK)
    expect(newYork.findings.filter((finding) => finding.rule === 'alter-column-type-rewrite')).toEqual([
      expect.objectContaining({ message: expect.stringContaining('the throwaway database saw the rewrite') })
    ])
    const utc = await plan('UTC')
    expect(utc.findings.map((finding) => finding.rule)).not.toContain('alter-column-type-rewrite')
  }, 60_000)
})

describe('of several PostgreSQL versions on the machine, the local server runs the target’s', () => {
  test('findPostgresBinaries prefers the major version asked for, else takes the first found', async () => {
    const fake = (version: string): string => {
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-fakepg-'))
      fs.writeFileSync(path.join(bin, 'initdb'), `#!/bin/sh\necho "initdb (PostgreSQL) ${version}"\n`, { mode: 0o755 })
      fs.writeFileSync(path.join(bin, 'postgres'), `#!/bin/sh\necho "postgres (PostgreSQL) ${version}"\n`, { mode: 0o755 })
      return bin
    }
    const [newer, older] = [fake('18.4'), fake('15.7')]
    try {
      const system = { readdir: () => [], pgConfigBindir: () => null }
      const env = { PATH: [newer, older].join(path.delimiter) }
      expect(await findPostgresBinaries(env, system, '15')).toEqual({ binDir: older, version: '15.7' })
      expect(await findPostgresBinaries(env, system, '16')).toEqual({ binDir: newer, version: '18.4' })
      expect(await findPostgresBinaries(env, system)).toEqual({ binDir: newer, version: '18.4' })
    } finally {
      for (const bin of [newer, older]) fs.rmSync(bin, { recursive: true, force: true })
    }
  })

  // This machine's own PostgreSQL packages (not their service): another major version beside the embedded one, when there is one.
  const embeddedVersion = parseVersion(execFileSync(path.join(embeddedBinDir(), 'postgres'), ['--version'], { encoding: 'utf8' }))!
  const other = (() => {
    try {
      return fs
        .readdirSync('/usr/lib/postgresql')
        .filter((major) => /^\d+$/.test(major) && major !== majorVersion(embeddedVersion))
        .find((major) => fs.existsSync(path.join('/usr/lib/postgresql', major, 'bin', 'initdb')))
    } catch {
      return undefined
    }
  })()
  const describeOther = other ? describe : describe.skip

  describeOther(`another major version (${other ?? 'none here'})`, () => {
    test('a target of another major version than the first binaries found runs on its own version', async () => {
      const target: TargetSettings = { server_version_num: `${other}0004`, TimeZone: NEW_YORK }
      const dir = writeMigrations(MIGRATIONS)
      const { versions } = await discoverMigrations(dir, dir)
      const result = await verifyOnShadow(versions, {
        engine: postgresql.engine,
        shadowDatabaseUrl: null,
        env: { ...process.env, PATH: LOCAL_PATH },
        log: () => {},
        pending: [2],
        targetSettings: target
      })
      expect(result.status).toBe('passed')
      expect(result.server).toMatch(new RegExp(`^local PostgreSQL ${other}\\.\\d+$`))
      expect(result.settings).toEqual({ matched: ['TimeZone', 'server_version_num'], unmatched: [] })
      expect(rewritten(result)).toEqual(expect.arrayContaining(['public.events']))
    })
  })
})

describe('the pure parts', () => {
  test('parseTargetSettings keeps only the known names with text values, and spells the locale provider as CREATE DATABASE does', () => {
    expect(
      parseTargetSettings(
        JSON.stringify({ timezone: 'UTC', locale_provider: 'i', work_mem: '4MB', DateStyle: 7, server_version_num: '160004' })
      )
    ).toEqual({ TimeZone: 'UTC', locale_provider: 'icu', server_version_num: '160004' })
    expect(parseTargetSettings('not json')).toEqual({})
    expect(parseTargetSettings(null)).toEqual({})
  })

  test('quoteLiteral reads the same whatever standard_conforming_strings is; versions read as PostgreSQL writes them', async () => {
    const hostile = "it's \\'; drop table x; --"
    for (const conforming of ['on', 'off']) {
      const client = new pg.Client({ connectionString: process.env.AURORA_MIGRATE_TEST_PG_URL! })
      await client.connect()
      try {
        await client.query(`set standard_conforming_strings = ${conforming}`)
        const { rows } = await client.query(`select ${quoteLiteral(hostile)} as value`)
        expect(rows).toEqual([{ value: hostile }])
      } finally {
        await client.end()
      }
    }
    expect([majorOf('150004'), majorOf('90624'), majorOf('x')]).toEqual(['15', '9.6', null])
    expect([describeVersionNum('180004'), describeVersionNum('90624')]).toEqual(['18.4', '9.6.24'])
    expect([majorVersion('16.6'), majorVersion('9.6.24'), majorVersion('17beta2')]).toEqual(['16', '9.6', '17'])
  })
})
