/**
 * MySQL's shadow part on real servers: a second throwaway server started and removed, a scratch database on
 * the test server created and dropped, the target's settings matched (and what could not be, said), the
 * review's settings read, and the tracer passing every call through.
 */
import fs from 'node:fs'
import { ShadowUnavailableError } from '../../src/shadow/unavailable.js'
import { review } from '../../src/dialects/mysql/review.js'
import { mysqlShadow, shadow } from '../../src/dialects/mysql/shadow.js'
import { MARIADB_DIFFERENCES } from '../../src/dialects/mysql/shadow/differences.js'
import { wire } from '../../src/dialects/mysql/wire.js'
import { MysqlTarget } from '../../src/targets/mysql/target.js'
import { freePort } from '../../src/free-port.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

const databases = async (url: string): Promise<string[]> =>
  (await mysqlSql<{ name: string }>(url, 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA')).map((row) => row.name)

describeMysql('the MySQL shadow part', () => {
  const server = useMysqlServer()

  test('localServer starts a server of its own, made like the target, and cleanUp stops it and removes its directory', async () => {
    const lines: string[] = []
    const target = {
      sql_mode: 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES',
      collation_database: 'utf8mb4_unicode_ci',
      character_set_database: 'utf8mb4',
      lower_case_table_names: '1',
      innodb_strict_mode: '1'
    }
    const local = await shadow.localServer({ log: (m) => lines.push(m), targetSettings: target })
    let dataDir: string | undefined
    try {
      if (server.flavor === 'mariadb') {
        expect(local.server).toBe(`local MariaDB ${server.version} (not MySQL: what differs is in docs/mysql.md, "MySQL and MariaDB")`)
        const said = lines.join('\n')
        expect(said).toContain(`Verifying on MariaDB ${server.version}, not MySQL`)
        for (const difference of MARIADB_DIFFERENCES) expect(said).toContain(difference.area)
      } else expect(local.server).toMatch(/^local MySQL \d+\.\d+\.\d+$/)
      const url = new URL(local.url)
      expect(url.port).not.toBe(String(server.port))
      expect(url.port).not.toBe('3306')
      expect(url.pathname).toBe('/aurora_migrate_verify')
      const rows = await mysqlSql<{ dir: string; collation: string }>(
        local.url,
        "SELECT @@datadir AS dir, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'aurora_migrate_verify'"
      )
      dataDir = rows[0].dir
      expect(rows[0].collation).toBe('utf8mb4_unicode_ci')
      expect(fs.existsSync(dataDir)).toBe(true)

      // The sessions the engine gets keep the target's sql_mode, also after a transaction resets the session.
      const connected = shadow.connect(local.url, () => {})
      try {
        expect(await connected.transaction([{ sql: 'CREATE TABLE "quoted" ("id" INT)' }])).toMatchObject({ ok: true })
        const result = await connected.transaction([{ sql: `INSERT INTO "quoted" VALUES (1)` }, { sql: `SELECT 'a\\' AS "x"` }])
        expect(result).toMatchObject({ ok: true })
        const match = await shadow.matchSettings(connected, local, target, () => {})
        expect(match.matched).toEqual(
          expect.arrayContaining(['sql_mode', 'character_set_database', 'collation_database', 'innodb_strict_mode'])
        )
        expect(match.unmatched).toEqual([
          {
            name: 'lower_case_table_names',
            target: '1',
            reason: "the throwaway database has '0': it is fixed when a server is initialised and cannot be set on one that runs"
          }
        ])
      } finally {
        await connected.close()
      }
      const columns = await mysqlSql<{ name: string }>(
        local.url,
        "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'aurora_migrate_verify' AND TABLE_NAME = 'quoted'"
      )
      expect(columns).toEqual([{ name: 'id' }])
    } finally {
      await local.cleanUp()
    }
    expect(dataDir).toBeDefined()
    expect(fs.existsSync(dataDir!)).toBe(false)
    await expect(mysqlSql(local.url, 'SELECT 1')).rejects.toThrow()
  }, 120_000)

  test('localServer without a binary is unavailable, and says where it looked', async () => {
    const error = await shadow
      .localServer({ log: () => {}, env: { PATH: '/nowhere', AURORA_MIGRATE_MYSQLD: '/nowhere/mysqld' } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ShadowUnavailableError)
    expect((error as Error).message).toContain('AURORA_MIGRATE_MYSQLD=/nowhere/mysqld is not an executable server')
  })

  test('scratchDatabase creates a database on the server, made like the target, and cleanUp drops it', async () => {
    const lines: string[] = []
    const target = { sql_mode: 'NO_BACKSLASH_ESCAPES', character_set_database: 'utf8mb4', collation_database: 'utf8mb4_bin' }
    const scratch = await shadow.scratchDatabase(server.url, target, (m) => lines.push(m))
    const name = new URL(scratch.url).pathname.slice(1)
    expect(name).toMatch(/^aurora_migrate_verify_[0-9a-f]{12}$/)
    expect(scratch.server).toBe(`shadow-database-url mysql://root@127.0.0.1:${server.port}/`)
    try {
      expect(await databases(server.url)).toContain(name)
      const [schema] = await mysqlSql<{ charset: string; collation: string }>(
        server.url,
        'SELECT DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [name]
      )
      expect(schema).toEqual({ charset: 'utf8mb4', collation: 'utf8mb4_bin' })
      // The server's sql_mode is its owner's: left as it is, and said.
      const connected = shadow.connect(scratch.url, () => {})
      try {
        const match = await shadow.matchSettings(connected, scratch, target, () => {})
        expect(match.matched).toEqual(['character_set_database', 'collation_database'])
        expect(match.unmatched).toHaveLength(1)
        expect(match.unmatched[0]).toMatchObject({ name: 'sql_mode', target: 'NO_BACKSLASH_ESCAPES' })
        expect(match.unmatched[0].reason).toContain("verification leaves the shadow-database-url server's settings as they are")
      } finally {
        await connected.close()
      }
      const [{ mode }] = await mysqlSql<{ mode: string }>(server.url, 'SELECT @@GLOBAL.sql_mode AS mode')
      expect(mode).not.toContain('NO_BACKSLASH_ESCAPES')
    } finally {
      await scratch.cleanUp()
    }
    expect(await databases(server.url)).not.toContain(name)
    expect(lines).toEqual([
      `Created the scratch database ${name} on mysql://root@127.0.0.1:${server.port}/`,
      `Dropped the scratch database ${name}`
    ])
  })

  test('a collation the server lacks: the database gets the character set, and the report says why', async () => {
    const collation = server.flavor === 'mariadb' ? 'utf8mb4_0900_ai_ci' : 'utf8mb4_no_such_collation'
    const target = { character_set_database: 'utf8mb4', collation_database: collation }
    const scratch = await shadow.scratchDatabase(server.url, target, () => {})
    const name = new URL(scratch.url).pathname.slice(1)
    try {
      const connected = shadow.connect(scratch.url, () => {})
      try {
        const match = await shadow.matchSettings(connected, scratch, target, () => {})
        expect(match.matched).toEqual(['character_set_database'])
        expect(match.unmatched[0].name).toBe('collation_database')
        expect(match.unmatched[0].reason).toMatch(/the throwaway server cannot create a database with it: Unknown collation/)
      } finally {
        await connected.close()
      }
    } finally {
      await scratch.cleanUp()
    }
    expect(await databases(server.url)).not.toContain(name)
  })

  test('scratchDatabase is unavailable for a user who may not create databases, a server that does not answer, or another scheme', async () => {
    await mysqlSql(server.url, "CREATE USER IF NOT EXISTS 'limited'@'%' IDENTIFIED BY 'pw'")
    const before = await databases(server.url)
    const limited = `mysql://limited:pw@127.0.0.1:${server.port}/`
    const denied = await shadow.scratchDatabase(limited, null, () => {}).catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(ShadowUnavailableError)
    expect((denied as Error).message).toMatch(
      /^The user of shadow-database-url mysql:\/\/limited:\*\*\*@127\.0\.0\.1:\d+\/ may not create databases/
    )
    expect((denied as Error).message).not.toContain(':pw@')
    expect(await databases(server.url)).toEqual(before)

    const closed = await freePort()
    const unreachable = await shadow.scratchDatabase(`mysql://root@127.0.0.1:${closed}/`, null, () => {}).catch((e: unknown) => e)
    expect(unreachable).toBeInstanceOf(ShadowUnavailableError)
    expect((unreachable as Error).message).toContain('Could not create a scratch database on shadow-database-url')

    const scheme = await shadow.scratchDatabase(`postgres://root@127.0.0.1:${server.port}/`, null, () => {}).catch((e: unknown) => e)
    expect(scheme).toBeInstanceOf(ShadowUnavailableError)
    expect((scheme as Error).message).toContain('is not a mysql:// URL')
  })

  test("the review's catalog read returns the target's settings, as the server shows them", async () => {
    const db = await createMysqlDatabase(server.url, 'catalog')
    const target = new MysqlTarget(db.url, { wire })
    try {
      const read = await review.readCatalog(target, [], { settings: true })
      expect(read.facts.size).toBe(0)
      const [expected] = await mysqlSql<Record<string, string | number>>(
        db.url,
        'SELECT @@sql_mode AS sql_mode, @@version AS version, @@collation_database AS collation_database, @@lower_case_table_names AS lctn, @@time_zone AS tz'
      )
      expect(read.settings).toMatchObject({
        sql_mode: expected.sql_mode,
        version: expected.version,
        collation_database: expected.collation_database,
        character_set_database: 'utf8mb4',
        lower_case_table_names: String(expected.lctn),
        time_zone: expected.tz
      })
      expect(Object.values(read.settings!).every((value) => typeof value === 'string')).toBe(true)
      expect(Object.keys(read.settings!)).toEqual(
        expect.arrayContaining([
          'explicit_defaults_for_timestamp',
          'innodb_strict_mode',
          'default_storage_engine',
          'character_set_server',
          'collation_server'
        ])
      )
      expect(await review.readCatalog(target, [], { settings: false })).toEqual({ facts: new Map(), settings: null })
    } finally {
      await target.close()
      await db.drop()
    }
  })

  test("MySQL's tracer proves algorithms (mysql-algorithm-trace.test.ts) and reads no schema change", () => {
    const tracer = mysqlShadow().tracer(new MysqlTarget(server.url, { wire }), server.url, [], new Set([1]), () => false)
    expect([tracer?.failure, tracer?.traces.size, tracer?.schemaChange()]).toEqual([null, 0, null])
  })
})
