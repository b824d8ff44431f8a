/**
 * validate, baseline (also from sequelize-cli's SequelizeMeta table, as sequelize-cli creates it on MySQL),
 * repair and status on MySQL: what each one writes, what it refuses, and that none of them runs migration
 * SQL. On the file's own MariaDB over a direct URL; each test reads what the database holds afterwards.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { mysql } from '../../src/dialects/mysql/index.js'
import { mysqlMetaTables } from '../../src/dialects/mysql/identifiers.js'
import { applyMigrations } from '../../src/engine/apply.js'
import { baseline, type BaselineOptions } from '../../src/engine/baseline.js'
import { repair } from '../../src/engine/repair.js'
import { validate } from '../../src/engine/validate.js'
import { LeaseTimeoutError, OperationRefusedError } from '../../src/errors.js'
import { discoverMigrations } from '../../src/migrations/discover.js'
import { MysqlTarget } from '../../src/targets/mysql.js'
import { runCliCaptured } from '../../testkit/cli.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'
import { options as baseOptions } from '../../testkit/contract/engine-cases.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'

const THREE = {
  'v1/01_a.sql': 'CREATE TABLE a (id INT);',
  'v2_b_table/01_b.sql': 'CREATE TABLE b (id INT);',
  'v3/01_c.sql': 'CREATE TABLE c (id INT);'
}
/** What sequelize-cli creates on MySQL to record the migration files that ran. */
const SEQUELIZE_META = 'CREATE TABLE `SequelizeMeta` (`name` VARCHAR(255) NOT NULL UNIQUE PRIMARY KEY) ENGINE=InnoDB'

describeMysql('validate, baseline, repair and status on MySQL', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let target: MysqlTarget
  const sql = <T extends Record<string, unknown> = Record<string, unknown>>(text: string): Promise<T[]> => mysqlSql<T>(db.url, text)
  const options = (overrides: Parameters<typeof baseOptions>[0] = {}) =>
    baseOptions({ dialect: mysql.engine, tables: mysqlMetaTables(db.name, 'schema_migrations'), ...overrides })
  const baselineOptions = (overrides: Partial<BaselineOptions> = {}): BaselineOptions & { logs: string[] } =>
    ({ ...options(), baselineVersion: null, from: null, ...overrides }) as BaselineOptions & { logs: string[] }
  const validateOptions = (extra: { allowOutOfOrder?: boolean } = {}) => ({ dialect: mysql.engine, tables: options().tables, ...extra })
  const discover = async (files: Record<string, string>, dir = writeMigrations(files)) => ({
    dir,
    versions: (await discoverMigrations(mysql.syntax, dir, dir)).versions
  })
  const tables = async (): Promise<string[]> =>
    (await sql<{ t: string }>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1')).map(
      (r) => r.t
    )
  const recorded = async (): Promise<number[]> =>
    (await sql<{ version: number }>('SELECT version FROM schema_migrations ORDER BY 1')).map((r) => r.version)
  /** Every row of every table in the database: what "nothing was written" compares. */
  const dump = async (): Promise<string> => {
    const all: Record<string, unknown> = {}
    for (const table of await tables()) all[table] = await sql(`SELECT * FROM \`${table}\` ORDER BY 1`)
    return JSON.stringify(all)
  }

  beforeEach(async () => {
    db = await createMysqlDatabase(server.url, 'ops')
    target = new MysqlTarget(db.url, { wire: mysql.wire })
  })
  afterEach(async () => {
    await target.close()
    await db.drop()
  })

  describe('validate', () => {
    test('a clean database has no problems, a fresh one everything pending; nothing is written, no table created', async () => {
      const fresh = await validate(target, (await discover(THREE)).versions, validateOptions())
      expect(fresh.problems).toEqual([])
      expect(fresh.plan.pending.map((p) => p.version)).toEqual([1, 2, 3])
      expect(await tables()).toEqual([])

      const { versions } = await discover(THREE)
      expect((await applyMigrations(target, versions.slice(0, 2), options())).error).toBeNull()
      const before = await dump()
      const result = await validate(target, versions, validateOptions())
      expect(result.problems).toEqual([])
      expect(result.partial).toEqual([])
      expect(result.plan.pending.map((p) => p.version)).toEqual([3])
      expect(await dump()).toBe(before)
    })

    test('drift and out-of-order versions are problems naming them; nothing is written', async () => {
      const { dir, versions } = await discover(THREE)
      await applyMigrations(target, [versions[0], versions[2]], options())
      const outOfOrder = await validate(target, versions, validateOptions())
      expect(outOfOrder.problems).toEqual([expect.stringMatching(/^out of order: v2 is lower than the current version v3/)])
      expect((await validate(target, versions, validateOptions({ allowOutOfOrder: true }))).problems).toEqual([])
      writeMigrations({ 'v1/01_a.sql': 'CREATE TABLE a (id BIGINT);' }, dir)
      const before = await dump()
      const drift = await validate(target, (await discover({}, dir)).versions, validateOptions({ allowOutOfOrder: true }))
      expect(drift.problems).toEqual([expect.stringMatching(/^drift: v1 \(v1\/01_a.sql modified\) changed after being applied/)])
      expect(await dump()).toBe(before)
    })

    test('a version that failed half-way is listed as partly applied; repair leaves it for apply', async () => {
      const { versions } = await discover({ ...THREE, 'v3/01_c.sql': 'CREATE TABLE c (id INT);\nCREATE TABLE a (id INT);' })
      const failed = await applyMigrations(target, versions, options())
      expect(failed.failedVersion).toBe(3)
      const before = await dump()
      const result = await validate(target, versions, validateOptions())
      expect(result.partial).toEqual([{ version: 3, steps: 1 }])
      expect(result.problems).toEqual(['v3 is only partly applied (1 statement ran): re-run apply to finish it'])
      expect(await dump()).toBe(before)
      const history = await sql('SELECT * FROM schema_migrations ORDER BY version')
      const opts = options()
      expect(await repair(target, versions, opts)).toEqual({ accepted: [], clearedLease: null })
      expect(opts.logs).toContainEqual(expect.stringMatching(/^v3 is partly applied \(1 statement ran\); repair does not touch it/))
      expect(await sql('SELECT * FROM schema_migrations ORDER BY version')).toEqual(history)
      expect(await sql('SELECT version, step, state FROM schema_migrations_progress')).toEqual([{ version: 3, step: 0, state: 'done' }])
    })
  })

  describe('baseline', () => {
    test('records v1..v2 without running them; the next apply runs only v3', async () => {
      const { versions } = await discover(THREE)
      const opts = baselineOptions({ baselineVersion: 2 })
      expect((await baseline(target, versions, opts)).recorded).toEqual([1, 2])
      expect(await tables()).toEqual(['schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
      const rows = await sql<Record<string, unknown>>('SELECT * FROM schema_migrations ORDER BY version')
      expect(rows.map((r) => [r.version, r.description, r.execution_ms, r.applied_by, r.commit_sha])).toEqual([
        [1, '', 0, 'octocat', 'c0ffee'],
        [2, 'b_table', 0, 'octocat', 'c0ffee']
      ])
      expect(rows[1].checksum).toBe(versions[1].checksum)
      expect(opts.logs.join('\n')).toMatch(/Recorded v1, v2 in .*schema_migrations as applied, without running them/)
      expect(await sql('SELECT owner, expires_at < UTC_TIMESTAMP(6) AS free FROM schema_migrations_lock')).toEqual([{ owner: '', free: 1 }])

      const applied = await applyMigrations(target, versions, options())
      expect(applied.applied.map((a) => a.version)).toEqual([3])
      expect(await tables()).toEqual(['c', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
    })

    test('refuses a version that already ran here, writing nothing', async () => {
      const { versions } = await discover(THREE)
      await applyMigrations(target, versions.slice(0, 1), options())
      const before = await dump()
      await expect(baseline(target, versions, baselineOptions({ baselineVersion: 2 }))).rejects.toThrow(OperationRefusedError)
      await expect(baseline(target, versions, baselineOptions({ baselineVersion: 2 }))).rejects.toThrow(
        /^v1 is already recorded in .*schema_migrations: baseline only records versions that never ran here\.$/
      )
      expect(await dump()).toBe(before)
    })

    test("from sequelize: sequelize-cli's SequelizeMeta with two rows records v1 and v2; the next apply runs only v3", async () => {
      const { versions } = await discover(THREE)
      await sql('CREATE TABLE a (id INT)')
      await sql('CREATE TABLE b (id INT)')
      await sql(SEQUELIZE_META)
      await sql("INSERT INTO `SequelizeMeta` (name) VALUES ('20210801090000-b-table.js'), ('20210729101010-init-db.js')")
      const opts = baselineOptions({ from: 'sequelize' })
      expect((await baseline(target, versions, opts)).recorded).toEqual([1, 2])
      expect(opts.logs).toEqual(
        expect.arrayContaining(['SequelizeMeta: 20210729101010-init-db.js ran v1', 'SequelizeMeta: 20210801090000-b-table.js ran v2'])
      )
      expect(await recorded()).toEqual([1, 2])
      // SequelizeMeta is read, never changed.
      expect(await sql('SELECT name FROM `SequelizeMeta` ORDER BY name')).toEqual([
        { name: '20210729101010-init-db.js' },
        { name: '20210801090000-b-table.js' }
      ])
      const applied = await applyMigrations(target, versions, options())
      expect(applied.error).toBeNull()
      expect(applied.applied.map((a) => a.version)).toEqual([3])
      expect(await tables()).toEqual([
        'a',
        'b',
        'c',
        'schema_migrations',
        'schema_migrations_lock',
        'schema_migrations_progress',
        'SequelizeMeta'
      ])
    })

    test('from sequelize: no SequelizeMeta table, or more rows than version folders, is refused without a table created', async () => {
      const { versions } = await discover({ 'v1/01.sql': 'SELECT 1;', 'v2/01.sql': 'SELECT 2;' })
      await expect(baseline(target, versions, baselineOptions({ from: 'sequelize' }))).rejects.toThrow(
        /^no "SequelizeMeta" table: baseline-from: sequelize reads the migrations sequelize-cli recorded there/
      )
      await sql(SEQUELIZE_META)
      await sql("INSERT INTO `SequelizeMeta` VALUES ('20210729101010-init-db.js'), ('20210801090000-b.js'), ('20210901090000-c.js')")
      await expect(baseline(target, versions, baselineOptions({ from: 'sequelize' }))).rejects.toThrow(
        /^SequelizeMeta records 3 migrations but there is no v3 folder in the migrations directory/
      )
      expect(await tables()).toEqual(['SequelizeMeta'])
    })

    test('from sequelize: a table in another database, named by sequelizeTable; a hostile name is refused', async () => {
      const { versions } = await discover(THREE)
      const legacy = `${db.name}_legacy`
      await sql(`CREATE DATABASE \`${legacy}\``)
      try {
        await mysqlSql(db.url, SEQUELIZE_META.replace('`SequelizeMeta`', `\`${legacy}\`.\`SequelizeMeta\``))
        await sql(`INSERT INTO \`${legacy}\`.\`SequelizeMeta\` VALUES ('20210729101010-init-db.js')`)
        const result = await baseline(target, versions, baselineOptions({ from: 'sequelize', sequelizeTable: `${legacy}.SequelizeMeta` }))
        expect(result.recorded).toEqual([1])
        expect(await recorded()).toEqual([1])
        await expect(
          baseline(target, versions, baselineOptions({ from: 'sequelize', sequelizeTable: 'x`; DROP TABLE a; --' }))
        ).rejects.toThrow(/Input 'baseline-from': 'x`; DROP TABLE a; --' is not a valid table name/)
        expect(await recorded()).toEqual([1])
      } finally {
        await sql(`DROP DATABASE \`${legacy}\``)
      }
    })
  })

  describe('repair', () => {
    test('accepts edited files without running them; apply then proceeds', async () => {
      const { dir, versions } = await discover({ 'v1/01_a.sql': 'CREATE TABLE a (id INT);', 'v2/01_b.sql': 'CREATE TABLE b (id INT);' })
      await applyMigrations(target, versions, options())
      writeMigrations(
        { 'v1/01_a.sql': 'CREATE TABLE a (id INT);\nCREATE TABLE should_not_exist (id INT);', 'v3/01_c.sql': 'CREATE TABLE c (id INT);' },
        dir
      )
      const edited = (await discover({}, dir)).versions
      expect((await applyMigrations(target, edited, options())).error!.message).toMatch(/drift: v1/)

      const opts = options({ run: { actor: 'hubot', commitSha: 'feed', runUrl: null } })
      expect(await repair(target, edited, opts)).toEqual({ accepted: [{ version: 1, files: ['v1/01_a.sql'] }], clearedLease: null })
      expect(opts.logs.join('\n')).toMatch(/Accepted v1 as it is on disk \(v1\/01_a.sql modified\); its SQL was not run/)
      const rows = await sql<Record<string, unknown>>(
        'SELECT version, checksum, files, repaired_by, repaired_at, applied_by FROM schema_migrations ORDER BY 1'
      )
      expect(rows[0]).toMatchObject({ version: 1, checksum: edited[0].checksum, repaired_by: 'hubot', applied_by: 'octocat' })
      const files = typeof rows[0].files === 'string' ? JSON.parse(rows[0].files) : rows[0].files
      expect(files).toEqual([{ name: '01_a.sql', checksum: edited[0].files[0].checksum, statements: 2 }])
      expect(rows[0].repaired_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/))
      expect(rows[1]).toMatchObject({ version: 2, repaired_by: null, repaired_at: null })
      expect(await tables()).not.toContain('should_not_exist')

      const applied = await applyMigrations(target, edited, options())
      expect(applied.error).toBeNull()
      expect(applied.applied.map((a) => a.version)).toEqual([3])
      expect(await tables()).toEqual(['a', 'b', 'c', 'schema_migrations', 'schema_migrations_lock', 'schema_migrations_progress'])
      expect((await repair(target, edited, options())).accepted).toEqual([])
    })

    test('clears the expired lease of a run that died; a live one is waited for, not cleared', async () => {
      const { versions } = await discover(THREE)
      await applyMigrations(target, versions, options())
      await sql(
        "UPDATE schema_migrations_lock SET owner = 'https://github.com/o/r/actions/runs/7 (crashed)', token = 41, expires_at = UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE"
      )
      const history = await sql('SELECT * FROM schema_migrations ORDER BY version')
      const opts = options()
      expect(await repair(target, versions, opts)).toEqual({
        accepted: [],
        clearedLease: 'https://github.com/o/r/actions/runs/7 (crashed)'
      })
      expect(opts.logs.join('\n')).toMatch(
        /Cleared the expired migration lease of https:\/\/github.com\/o\/r\/actions\/runs\/7 \(crashed\)/
      )
      const lock = await sql<{ owner: string; token: number; free: number }>(
        'SELECT owner, CAST(token AS SIGNED) AS token, expires_at < UTC_TIMESTAMP(6) AS free FROM schema_migrations_lock'
      )
      expect(lock[0]).toMatchObject({ owner: '', free: 1 })
      expect(lock[0].token).toBeGreaterThan(41)
      expect(await sql('SELECT * FROM schema_migrations ORDER BY version')).toEqual(history)

      await sql("UPDATE schema_migrations_lock SET owner = 'live run', token = 5, expires_at = UTC_TIMESTAMP(6) + INTERVAL 1 HOUR")
      await expect(
        repair(target, versions, options({ lease: { owner: 'repairer', ttlSeconds: 30, waitTimeoutSeconds: 1 } }))
      ).rejects.toThrow(LeaseTimeoutError)
      expect(await sql('SELECT owner, CAST(token AS SIGNED) AS token FROM schema_migrations_lock')).toEqual([
        { owner: 'live run', token: 5 }
      ])
    })
  })

  test('status over a mysql:// URL: the current version, what is pending, and what is partly applied; it writes nothing', async () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-mysql-status-'))
    const files = {
      ...THREE,
      'v3/01_c.sql': 'CREATE TABLE c (id INT);\nCREATE TABLE a (id INT);',
      'v4/01_d.sql': 'CREATE TABLE d (id INT);'
    }
    const { versions } = await discover(files, writeMigrations(files, path.join(project, 'migrations', 'resources')))
    await applyMigrations(target, versions, options())
    const before = await dump()
    const env = { PATH: process.env.PATH, HOME: project, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' }
    const ran = await runCliCaptured(['status', '--json', '--database-url', db.url], project, env)
    expect(ran.stderr).not.toMatch(/Error/)
    const report = JSON.parse(ran.stdout) as {
      currentVersion: number
      pending: unknown[]
      versions: Array<{ version: number; state: string }>
    }
    expect(report.currentVersion).toBe(2)
    expect(report.versions.map((v) => [v.version, v.state])).toEqual([
      [1, 'applied'],
      [2, 'applied'],
      [3, 'partial'],
      [4, 'pending']
    ])
    expect(await dump()).toBe(before)
  })
})
