/**
 * The MySQL dialect's engine SQL on a real MariaDB (the test server; MySQL 8 differences are in
 * SERVER_DIFFERENCES): the tables, the lease with two sessions, the fence, NOWAIT/SKIP LOCKED answering at
 * once, the history page, the guarded meta row, the progress journal, the catalog fingerprint, and
 * classify on the server's own errors. A database per test; statements run through a test Target over
 * mysql2 (testkit/mysql-test-target.ts).
 */
import { createConnection } from 'mysql2/promise'
import { DatabaseError, type SqlErrorInfo } from '../../src/errors.js'
import { engine } from '../../src/dialects/mysql/engine.js'
import { SERVER_DIFFERENCES } from '../../src/dialects/mysql/errors.js'
import { createTablesWithLeaseStatements } from '../../src/dialects/mysql/meta-sql.js'
import { takeSteps } from '../../src/dialects/mysql/lease-sql.js'
import { mysqlMetaTables } from '../../src/dialects/mysql/identifiers.js'
import type { MetaTables } from '../../src/engine/meta.js'
import type { Row } from '../../src/targets/target.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { mysqlTestTarget, type MysqlTestTarget } from '../../testkit/mysql-test-target.js'

const NONE = { schema: false, meta: false, lock: false, progress: false }
const ALL = { schema: true, meta: true, lock: true, progress: true }
const RUN = { actor: 'octocat', commitSha: 'abc123', runUrl: 'https://example.test/run/1' }

async function failure(promise: Promise<unknown>): Promise<SqlErrorInfo> {
  try {
    await promise
  } catch (error) {
    if (error instanceof DatabaseError) return error.info
    throw error
  }
  throw new Error('expected the statement to fail')
}

describeMysql('the MySQL dialect: engine SQL on a real server', () => {
  const server = useMysqlServer()
  const open: MysqlTestTarget[] = []
  let counter = 0
  let db = ''
  let tables: MetaTables

  /** A session on this test's database. */
  const session = async (): Promise<MysqlTestTarget> => {
    const target = await mysqlTestTarget(`${server.url}${db}`)
    open.push(target)
    return target
  }
  const nowaitErrno = () => (server.flavor === 'mariadb' ? SERVER_DIFFERENCES.nowaitErrno.mariadb : SERVER_DIFFERENCES.nowaitErrno.mysql)

  beforeEach(async () => {
    db = `engine_sql_${process.pid}_${++counter}`
    const admin = await createConnection({ uri: server.url })
    await admin.query(`CREATE DATABASE \`${db}\``)
    await admin.end()
    tables = mysqlMetaTables(db, 'schema_migrations')
  })
  afterEach(async () => {
    for (const target of open.splice(0)) await target.close().catch(() => undefined)
  })

  const create = async (target: MysqlTestTarget, owner = 'run-a', ttlSeconds = 60) => {
    const statements = createTablesWithLeaseStatements(tables, NONE, false, { owner, ttlSeconds })
    for (const sql of statements.slice(0, -1)) await target.query(sql)
    await target.query(statements[statements.length - 1])
  }
  const leaseRow = async (target: MysqlTestTarget): Promise<Row> => (await target.query(`SELECT * FROM ${tables.lock}`)).rows[0]
  const take = async (target: MysqlTestTarget, owner: string, ttl = 60, read: string | null = null, params = {}) => {
    const steps = takeSteps(tables, read)
    const values = { ...params, owner, ttl }
    await target.query(steps.take, values)
    return (await target.query(steps.taken, values)).rows
  }

  test('creates the tables with the held lease; a second time changes nothing and says lease-row-exists', async () => {
    const a = await session()
    const present = engine.meta.tablesPresent(tables)
    expect((await a.query(present.sql, present.params)).rows[0]).toEqual({ meta: 0, lock: 0, progress: 0, schema: 1 })
    await create(a)
    expect((await a.query(present.sql, present.params)).rows[0]).toEqual({ meta: 1, lock: 1, progress: 1, schema: 1 })
    const { rows: columns } = await a.query(
      `SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`.replace('?', `'${db}'`)
    )
    expect(columns).toEqual([
      { TABLE_NAME: 'schema_migrations', TABLE_COLLATION: 'utf8mb4_bin' },
      { TABLE_NAME: 'schema_migrations_lock', TABLE_COLLATION: 'utf8mb4_bin' },
      { TABLE_NAME: 'schema_migrations_progress', TABLE_COLLATION: 'utf8mb4_bin' }
    ])
    expect(await leaseRow(a)).toMatchObject({ id: 1, owner: 'run-a', token: 1 })

    // Again (another run that read before the tables existed): the CREATEs are harmless, the insert refuses.
    const b = await session()
    const statements = createTablesWithLeaseStatements(tables, NONE, false, { owner: 'run-b', ttlSeconds: 60 })
    for (const sql of statements.slice(0, -1)) await b.query(sql)
    const error = await failure(b.query(statements[statements.length - 1]))
    expect(error.errno).toBe(
      server.flavor === 'mariadb' ? SERVER_DIFFERENCES.checkViolatedErrno.mariadb : SERVER_DIFFERENCES.checkViolatedErrno.mysql
    )
    expect(engine.classify(error)).toBe('lease-row-exists')
    expect((await b.query(`SELECT COUNT(*) AS n FROM ${tables.lock}`)).rows[0].n).toBe(1)
    expect(await leaseRow(b)).toMatchObject({ owner: 'run-a', token: 1 })

    // The port's list: the CREATEs (none needed here), then the insert, which fails as said while the row exists.
    const existing = engine.meta.createTablesWithLease(tables, ALL, false, { owner: 'run-b', ttlSeconds: 60 })
    expect(Array.isArray(existing) && existing.length).toBe(1)
    const last = (list: string | string[]): string => (typeof list === 'string' ? list : list[list.length - 1])
    const insert = await failure(b.query(last(existing)))
    expect(engine.classify(insert)).toBe('lease-row-exists')
    expect(await leaseRow(b)).toMatchObject({ owner: 'run-a', token: 1 })
    await b.query(`DELETE FROM ${tables.lock}`)
    await b.query(last(engine.meta.createTablesWithLease(tables, ALL, false, { owner: "run-b 'quoted' \\ ü", ttlSeconds: 60 })))
    expect(await leaseRow(b)).toMatchObject({ owner: "run-b 'quoted' \\ ü", token: 1 })
  })

  test('the ordinary way: DDL one by one (twice is harmless), the free lease row, tableExists', async () => {
    const a = await session()
    for (let i = 0; i < 2; i++) {
      for (const sql of [engine.meta.metaTableDdl(tables), engine.meta.lockTableDdl(tables), engine.meta.progressTableDdl(tables)])
        await a.query(sql)
      await a.query(engine.meta.insertLeaseRow(tables))
    }
    expect((await a.query(`SELECT id, owner, token FROM ${tables.lock}`)).rows).toEqual([{ id: 1, owner: '', token: 0 }])
    const exists = engine.meta.tableExists(tables.progress)
    expect((await a.query(exists.sql, exists.params)).rows[0].present).toBe(1)
    const other = engine.meta.tableExists('"SequelizeMeta"')
    expect((await a.query(other.sql, other.params)).rows[0].present).toBe(0)
    await a.query('CREATE TABLE `SequelizeMeta` (name VARCHAR(255) PRIMARY KEY)')
    await a.query("INSERT INTO `SequelizeMeta` VALUES ('2-b.js'), ('1-a.js')")
    expect((await a.query(other.sql, other.params)).rows[0].present).toBe(1)
    expect((await a.query(engine.meta.sequelizeNames('"SequelizeMeta"'))).rows).toEqual([{ name: '1-a.js' }, { name: '2-b.js' }])
    // Case matters: information_schema compares names without case, the check does not.
    const wrongCase = engine.meta.tableExists('`sequelizemeta`')
    expect((await a.query(wrongCase.sql, wrongCase.params)).rows[0].present).toBe(0)
  })

  test('the lease: taken, refused to another run, renewed, released, taken over once expired; the fence fails after', async () => {
    const a = await session()
    const b = await session()
    for (const sql of [engine.meta.metaTableDdl(tables), engine.meta.lockTableDdl(tables), engine.meta.progressTableDdl(tables)])
      await a.query(sql)
    await a.query(engine.meta.insertLeaseRow(tables))

    expect(await take(a, 'run-a', 0.4)).toEqual([{ lease_token: 1, lease_previous_owner: '' }])
    expect(await take(b, 'run-b')).toEqual([])
    const held = (await b.query(engine.lease.held(tables))).rows[0]
    expect(held.owner).toBe('run-a')
    expect(Number(held.remaining)).toBeGreaterThan(0)
    expect((await b.query(engine.lease.liveHolder(tables))).rows).toEqual([{ owner: 'run-a', remaining: 1 }])

    // Renewing is ours only; a wrong token changes nothing.
    expect((await a.query(engine.lease.updateOurs(tables, 'renew'), { token: 1, owner: 'run-a', ttl: 0.4 })).rowCount).toBe(1)
    expect((await b.query(engine.lease.updateOurs(tables, 'renew'), { token: 7, owner: 'run-b', ttl: 60 })).rowCount).toBe(0)
    // Twice in a row still changes the row (renewed_at moves on): found and changed rows agree.
    expect((await a.query(engine.lease.updateOurs(tables, 'renew'), { token: 1, owner: 'run-a', ttl: 0.4 })).rowCount).toBe(1)

    // Expired: another run takes it over, and says whose it was.
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect((await b.query(engine.lease.liveHolder(tables))).rows).toEqual([])
    expect((await b.query(engine.lease.row(tables))).rows[0]).toMatchObject({ owner: 'run-a', token: '1', expired: 1 })
    expect(await take(b, 'run-b', 60)).toEqual([{ lease_token: 2, lease_previous_owner: 'run-a' }])
    // The old holder's fence now matches no row: its transaction fails its guard and is rolled back.
    const fenced = await a.transaction([
      { sql: engine.lease.fence(tables), params: { token: 1, owner: 'run-a', ttl: 60 }, expectRows: 1, label: 'fence' },
      { sql: `INSERT INTO ${tables.progress} (version, step, statement_checksum, file, line, state) VALUES (9, 0, 'x', 'f', 1, 'done')` }
    ])
    expect(fenced).toMatchObject({ ok: false, guard: true, failedLabel: 'fence' })
    expect((await a.query(`SELECT COUNT(*) AS n FROM ${tables.progress}`)).rows[0].n).toBe(0)
    // The new holder's fence holds.
    const ok = await b.transaction([{ sql: engine.lease.fence(tables), params: { token: 2, owner: 'run-b', ttl: 60 }, expectRows: 1 }])
    expect(ok.ok).toBe(true)

    // Released: free for anyone at once.
    await b.query(engine.lease.updateOurs(tables, 'release'), { token: 2, owner: 'run-b' })
    expect(await leaseRow(a)).toMatchObject({ owner: '', token: 2 })
    expect(await take(a, 'run-c')).toEqual([{ lease_token: 3, lease_previous_owner: '' }])
    // The port's two-statement take: the UPDATE returns no rows; `taken` reads the lease back as ours.
    await a.query(engine.lease.updateOurs(tables, 'release'), { token: 3, owner: 'run-c' })
    const steps = engine.lease.take(tables, null)
    if (typeof steps === 'string') throw new Error('MySQL takes the lease in two statements')
    expect((await a.query(steps.take, { owner: 'run-d', ttl: 60 })).rows).toEqual([])
    expect((await a.query(steps.taken, { owner: 'run-d', ttl: 60 })).rows).toEqual([{ lease_token: 4, lease_previous_owner: '' }])
    expect((await a.query(engine.lease.held(tables))).rows[0]).toMatchObject({ owner: 'run-d', token: 4 })
  })

  test('nothing waits on the lease row a transaction holds: NOWAIT fails at once, SKIP LOCKED skips', async () => {
    const a = await session()
    const b = await session()
    for (const sql of [engine.meta.metaTableDdl(tables), engine.meta.lockTableDdl(tables), engine.meta.progressTableDdl(tables)])
      await a.query(sql)
    await a.query(engine.meta.insertLeaseRow(tables))
    expect(await take(a, 'run-a', 0.2)).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    // A's version transaction holds the row (its fence), left open.
    await a.connection.query('BEGIN')
    await a.connection.query(
      engine.lease
        .fence(tables)
        .replace(/:token/, '1')
        .replace(/:owner/, "'run-a'")
        .replace(/:ttl/, '60')
    )
    await b.query('SET SESSION innodb_lock_wait_timeout = 30')
    const timed = async <T>(promise: Promise<T>) => {
      const started = Date.now()
      const value = await promise
      return { value, ms: Date.now() - started }
    }
    try {
      const taken = await timed(take(b, 'run-b'))
      expect(taken.value).toEqual([])
      expect(taken.ms).toBeLessThan(1000)
      const unlocked = await timed(b.query(engine.lease.rowUnlocked(tables)))
      expect(unlocked.value.rows).toEqual([])
      expect(unlocked.ms).toBeLessThan(1000)
      const started = Date.now()
      const renew = await failure(b.query(engine.lease.updateOurs(tables, 'renew'), { token: 1, owner: 'run-a', ttl: 60 }))
      expect(Date.now() - started).toBeLessThan(1000)
      expect(renew.errno).toBe(nowaitErrno())
      expect(engine.classify(renew)).toBe('lock-not-available')
      const insert = await failure(b.query(engine.meta.insertLeaseRow(tables)))
      expect(engine.classify(insert)).toBe('lock-not-available')
      const held = await timed(b.query(engine.lease.held(tables)))
      expect(held.value.rows[0].owner).toBe('run-a')
      expect(held.ms).toBeLessThan(1000)
    } finally {
      await a.connection.query('ROLLBACK')
    }
    expect((await b.query(engine.lease.rowUnlocked(tables))).rows).toEqual([{ id: 1 }])
  })

  /** Tables, the lease taken by run-a (token 1), and `count` versions recorded through fenced transactions. */
  const history = async (a: MysqlTestTarget, count: number) => {
    await create(a)
    for (let v = 1; v <= count; v++) {
      const files = [{ name: `${v}.sql`, checksum: `c${v}`, statements: 1 }]
      const insert = engine.meta.insertAppliedRow(tables, { version: v, description: `v${v}`, checksum: `sum${v}`, files }, RUN, v - 1, 5)
      const notApplied = engine.meta.notApplied(tables, v)
      const result = await a.transaction([
        { sql: engine.lease.fence(tables), params: { token: 1, owner: 'run-a', ttl: 60 }, expectRows: 1, label: 'fence' },
        { sql: notApplied.sql, params: notApplied.params, expectRows: 0, label: 'not-applied' },
        ...engine.sessionSettings({ lockTimeoutMs: 2500, statementTimeoutMs: 1000 }).map((sql) => ({ sql, label: 'settings' })),
        { sql: insert.sql, params: insert.params, expectRows: 1, label: 'record' }
      ])
      expect(result.ok).toBe(true)
    }
  }
  const PAGE = { after: 0, rows: 1000, budget: 512 * 1024, inline: 16 * 1024 }

  test('the history: recorded rows, a page with its columns, the guard on the rows read, files in slices', async () => {
    const a = await session()
    await history(a, 3)
    const { rows } = await a.query(engine.meta.page(tables), PAGE)
    expect(rows.map((row) => row.version)).toEqual([1, 2, 3])
    expect(rows[0]).toMatchObject({
      description: 'v1',
      checksum: 'sum1',
      applied_by: 'octocat',
      commit_sha: 'abc123',
      run_url: 'https://example.test/run/1',
      head_rows: 3
    })
    expect(JSON.parse(String(rows[0].files))).toEqual([{ name: '1.sql', checksum: 'c1', statements: 1 }])
    expect(String(rows[0].applied_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(Number(rows[0].execution_ms)).toBeGreaterThanOrEqual(5)
    // At most :rows, and the budget cuts after the first row.
    expect((await a.query(engine.meta.page(tables), { ...PAGE, rows: 2 })).rows.map((row) => row.version)).toEqual([1, 2])
    expect((await a.query(engine.meta.page(tables), { ...PAGE, budget: 1 })).rows.map((row) => row.version)).toEqual([1])
    expect((await a.query(engine.meta.page(tables), { ...PAGE, after: 1, inline: 5 })).rows[0]).toMatchObject({ version: 2, files: null })
    expect((await a.query(engine.meta.filesSlice(tables), { version: 2, from: 3, count: 4 })).rows[0].part).toBe('"nam')

    // The guard: the run read 3 rows, a version deleted one: 0 rows inserted, nothing recorded.
    await a.query(`DELETE FROM ${tables.meta} WHERE version = 1`)
    const insert = engine.meta.insertAppliedRow(tables, { version: 4, description: '', checksum: 's4', files: [] }, RUN, 3)
    expect((await a.query(insert.sql, insert.params)).rowCount).toBe(0)
    expect((await a.query(`SELECT COUNT(*) AS n FROM ${tables.meta}`)).rows[0].n).toBe(2)
    const notApplied = engine.meta.notApplied(tables, 2)
    expect((await a.query(notApplied.sql, notApplied.params)).rows).toEqual([{ version: 2 }])

    // Baseline rows and the repair columns.
    const baseline = engine.meta.insertBaselineRow(tables, { version: 7, description: 'b', checksum: 's7', files: '[]' }, RUN)
    expect((await a.query(baseline.sql, baseline.params)).rowCount).toBe(1)
    const present = engine.meta.repairColumnsPresent(tables)
    expect((await a.query(present.sql, present.params)).rows[0].present).toBe(0)
    await a.query(engine.meta.addRepairColumns(tables))
    expect((await a.query(present.sql, present.params)).rows[0].present).toBe(2)
    const repair = engine.meta.updateRepairedRow(tables, { version: 7, checksum: 'new', files: '[]', repairedBy: 'me', previous: 's7' })
    expect((await a.query(repair.sql, repair.params)).rowCount).toBe(1)
    expect((await a.query(repair.sql, repair.params)).rowCount).toBe(0)
  })

  test('the combined read, the long read and the read after the take', async () => {
    const a = await session()
    const name = { schema: null, table: 'schema_migrations' }
    // Before any table: the combined read fails as undefined-object; the long read says what is there.
    const combined = engine.history.combinedRead(name, engine.history.named(name), {
      sql: engine.meta.page(engine.history.named(name)),
      params: PAGE
    })
    expect(engine.classify(await failure(a.query(combined.sql, combined.params)))).toBe('undefined-object')
    const long = engine.history.longRead(name)
    expect((await a.query(long.sql, long.params)).rows[0]).toMatchObject({
      current: db,
      tables: '[]',
      lock_present: 0,
      progress_present: 0,
      schema_present: 1
    })

    await history(a, 2)
    const progress = engine.meta.insertProgress(tables, 5, [{ step: 0, statementChecksum: 'x', file: '5.sql', line: 1 }])
    await a.query(progress.sql, progress.params)
    const { rows } = await a.query(combined.sql, combined.params)
    expect(rows.map((row) => row.version)).toEqual([1, 2])
    expect(rows[0]).toMatchObject({ catalog_current: db, meta_schema: db, lock_schema: db, progress_schema: db, lease_rows: 1, pos: 1 })
    expect(JSON.parse(String(rows[0].partial_versions))).toEqual([{ version: 5, steps: 1 }])
    expect(rows[1]).toMatchObject({ catalog_current: null, partial_versions: null })
    expect(engine.history.resolveFromCatalog(name, { current: rows[0].catalog_current, tables: rows[0].catalog_tables })).toEqual(tables)

    // Another tool's table of the name is refused, naming the tool.
    const other = await session()
    await other.query(`CREATE TABLE \`${db}\`.goose (version VARCHAR(255) PRIMARY KEY)`)
    const named = engine.history.namedTables({ schema: null, table: 'goose' })
    const catalog = (await other.query(named.sql, named.params)).rows[0]
    expect(() => engine.history.resolveFromCatalog({ schema: null, table: 'goose' }, catalog)).toThrow(/dbmate or Rails/)

    // The read that follows the take: the page and the partial versions on its first row.
    await a.query(engine.lease.updateOurs(tables, 'release'), { token: 1, owner: 'run-a' })
    const read = engine.history.readWithLease(tables, { sql: engine.meta.page(tables), params: PAGE })
    const taken = await take(other, 'run-b', 60, read.sql, read.params)
    expect(taken.map((row) => row.version)).toEqual([1, 2])
    expect(taken[0]).toMatchObject({ lease_token: 2, lease_previous_owner: '', lease_unchanged: 1 })
    expect(JSON.parse(String(taken[0].partial_versions))).toEqual([{ version: 5, steps: 1 }])
  })

  test("the progress journal: 'started' with its fingerprint, replaced, then 'done'; a done row stays done", async () => {
    const a = await session()
    await create(a)
    const step = { step: 0, statementChecksum: 'sum0', file: '3_a.sql', line: 4 }
    const started = engine.meta.insertStarted!(tables, 3, step, 'fp-before')
    await a.query(started.sql, started.params)
    const read = engine.meta.readProgress(tables, 3)
    expect((await a.query(read.sql, read.params)).rows).toEqual([
      { step: 0, statement_checksum: 'sum0', file: '3_a.sql', line: 4, state: 'started', fingerprint: 'fp-before' }
    ])
    const again = engine.meta.insertStarted!(tables, 3, { ...step, line: 5 }, 'fp-again')
    await a.query(again.sql, again.params)
    expect((await a.query(read.sql, read.params)).rows[0]).toMatchObject({ line: 5, state: 'started', fingerprint: 'fp-again' })
    expect((await a.query(engine.meta.partialVersions(tables))).rows).toEqual([{ version: 3, steps: 0 }])

    const done = engine.meta.insertProgress(tables, 3, [step, { step: 1, statementChecksum: 'sum1', file: '3_a.sql', line: 9 }])
    await a.query(done.sql, done.params)
    // Re-sent: idempotent.
    await a.query(done.sql, done.params)
    expect((await a.query(read.sql, read.params)).rows).toEqual([
      { step: 0, statement_checksum: 'sum0', file: '3_a.sql', line: 4, state: 'done', fingerprint: 'fp-again' },
      { step: 1, statement_checksum: 'sum1', file: '3_a.sql', line: 9, state: 'done', fingerprint: null }
    ])
    await a.query(again.sql, again.params)
    expect((await a.query(read.sql, read.params)).rows[0]).toMatchObject({ state: 'done', line: 4 })
    expect((await a.query(engine.meta.partialVersions(tables))).rows).toEqual([{ version: 3, steps: 2 }])
    // In a transaction of DML steps the guard counts one row per new step.
    const fresh = engine.meta.insertProgress(tables, 4, [{ step: 0, statementChecksum: 's', file: 'f', line: 1 }])
    expect((await a.query(fresh.sql, fresh.params)).rowCount).toBe(1)
    await a.query(engine.meta.recordStepByHand(tables, 4, { step: 1, statementChecksum: "it's", file: 'f', line: 2 }))
    const read4 = engine.meta.readProgress(tables, 4)
    expect((await a.query(read4.sql, read4.params)).rows.map((row) => [row.step, row.statement_checksum, row.state])).toEqual([
      [0, 's', 'done'],
      [1, "it's", 'done']
    ])
    const deleted = engine.meta.deleteProgress(tables, 3)
    expect((await a.query(deleted.sql, deleted.params)).rowCount).toBe(2)
  })

  test('the catalog fingerprint changes with DDL and not with DML or a failed ALTER', async () => {
    const a = await session()
    const fingerprint = engine.recovery.fingerprint!
    const sql = 'ALTER TABLE t ADD COLUMN b INT'
    const absent = await fingerprint(a, sql)
    // The count of catalog rows and the XOR of their SHA-256 halves, as the server computes it.
    expect(absent).toMatch(/^v2:0:[0-9A-F]{32}$/)
    expect(await fingerprint(a, 'SELECT 1')).toBeNull()

    const steps: Array<[string, boolean]> = [
      ['CREATE TABLE t (id INT PRIMARY KEY, a INT)', true],
      ['INSERT INTO t VALUES (1, 1), (2, 2)', false],
      ['UPDATE t SET a = a + 1', false],
      ['ALTER TABLE t ADD COLUMN b INT', true],
      ['CREATE INDEX t_a ON t (a)', true],
      ['ALTER TABLE t COMMENT = "hello"', true],
      ['CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.a = NEW.a', true],
      ['DELETE FROM t WHERE id = 1', false],
      ['RENAME TABLE t TO t_old', true],
      ['RENAME TABLE t_old TO t', true],
      ['DROP TABLE t', true]
    ]
    const watched = 'ALTER TABLE t ADD COLUMN b INT, ADD INDEX t_a (a)'
    let before = await fingerprint(a, watched)
    expect(before).toBe(await fingerprint(a, watched))
    for (const [statement, changes] of steps) {
      await a.query(statement)
      const after = await fingerprint(a, watched)
      if (changes) expect({ statement, same: after === before }).toEqual({ statement, same: false })
      else expect({ statement, same: after === before }).toEqual({ statement, same: true })
      before = after
    }
    // Dropped again: absent, as before it was created.
    expect(before).toBe(await fingerprint(a, watched))

    // A failed ALTER (a duplicate column) leaves it as it was.
    await a.query('CREATE TABLE u (id INT)')
    const effect = engine.recovery.statementEffect('ALTER TABLE u ADD COLUMN id INT')
    expect(effect).not.toBeNull()
    const snapshot = await engine.recovery.snapshotBefore(a, effect)
    const failed = await failure(a.query('ALTER TABLE u ADD COLUMN id INT'))
    expect(failed.errno).toBe(1060)
    expect((await engine.recovery.checkEffect(a, effect, snapshot)).verdict).toBe('not-done')
    await a.query('ALTER TABLE u ADD COLUMN v INT')
    expect((await engine.recovery.checkEffect(a, effect, snapshot)).verdict).toBe('done')
    expect((await engine.recovery.checkEffect(a, effect, null)).verdict).toBe('unknown')
    expect(engine.recovery.statementEffect('INSERT INTO u VALUES (1, 2)')).toBeNull()
    expect(engine.recovery.concurrentBuild('CREATE INDEX i ON u (id)')).toBeNull()
  })

  test('classify on the server’s own errors: no table, duplicate, lock wait, deadlock, unknown column and database', async () => {
    const a = await session()
    const b = await session()
    expect(engine.classify(await failure(a.query('SELECT * FROM nope')))).toBe('undefined-object')
    expect(engine.classify(await failure(a.query('SELECT nope FROM information_schema.TABLES')))).toBe('undefined-object')
    expect(engine.classify(await failure(a.query('SELECT * FROM no_such_db.t')))).toBe('undefined-object')
    await a.query('CREATE TABLE k (id INT PRIMARY KEY)')
    await a.query('INSERT INTO k VALUES (1), (2)')
    const duplicate = await failure(a.query('INSERT INTO k VALUES (1)'))
    expect(duplicate.errno).toBe(1062)
    expect(engine.classify(duplicate)).toBe('duplicate')
    expect(engine.classify(await failure(a.query('CREATE TABLE k (id INT)')))).toBe('duplicate')

    // A row lock wait that runs out: the session's innodb_lock_wait_timeout, as sessionSettings sets it.
    for (const sql of engine.sessionSettings({ lockTimeoutMs: 1, statementTimeoutMs: 5000 })) await b.query(sql)
    expect((await b.query('SELECT @@lock_wait_timeout AS l, @@innodb_lock_wait_timeout AS i')).rows[0]).toEqual({ l: 1, i: 1 })
    await a.connection.query('BEGIN')
    await a.connection.query('UPDATE k SET id = id WHERE id = 1')
    const wait = await failure(b.query('UPDATE k SET id = 10 WHERE id = 1'))
    expect(wait.errno).toBe(1205)
    expect(engine.classify(wait)).toBe('lock-not-available')

    // A deadlock: each session holds one row and asks for the other's.
    await b.query('SET SESSION innodb_lock_wait_timeout = 20')
    await b.connection.query('BEGIN')
    await b.connection.query('SELECT id FROM k WHERE id = 2 FOR UPDATE')
    const first = a.connection.query('SELECT id FROM k WHERE id = 2 FOR UPDATE').catch((error: unknown) => error)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const second = await b.connection.query('SELECT id FROM k WHERE id = 1 FOR UPDATE').catch((error: unknown) => error)
    const outcomes = [await first, second]
    const deadlock = outcomes.find((outcome) => (outcome as { errno?: number }).errno === 1213) as {
      errno: number
      sqlState: string
      message: string
    }
    expect(deadlock).toBeDefined()
    expect(engine.classify({ message: deadlock.message, errno: deadlock.errno, sqlState: deadlock.sqlState })).toBe('deadlock')
    expect(engine.classify({ message: 'x', sqlState: '40001' })).toBe('deadlock')
    await a.connection.query('ROLLBACK')
    await b.connection.query('ROLLBACK')

    // Read-only and privileges, by number and hint.
    expect(engine.classify({ message: 'read only', errno: 1290 })).toBe('read-only')
    expect(engine.engineStatementHint({ message: 'read only', errno: 1290 })).toMatch(/reader/)
    expect(engine.classify({ message: 'denied', errno: 1142 })).toBe('insufficient-privilege')
    expect(engine.classify({ message: 'syntax', errno: 1064 })).toBeNull()
    expect(engine.sessionSettings({ lockTimeoutMs: null, statementTimeoutMs: 3000 })).toEqual([])
  })

  test('findRunning sees a statement another session is running', async () => {
    const a = await session()
    const b = await session()
    const running = b.query('SELECT SLEEP(2) AS slept')
    await new Promise((resolve) => setTimeout(resolve, 300))
    const found = await engine.recovery.findRunning(a, 'SELECT SLEEP(2) AS slept;\n')
    expect(found).toMatchObject({ wait_event_type: null })
    expect(Number(found?.pid)).toBeGreaterThan(0)
    expect(await engine.recovery.findRunning(a, 'SELECT SLEEP(3)')).toBeUndefined()
    await running
    // The server clears the session's statement a moment after the client has the reply ("Writing to net"):
    // gone within a second.
    let after = await engine.recovery.findRunning(a, 'SELECT SLEEP(2) AS slept')
    for (let polls = 0; after && polls < 20; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      after = await engine.recovery.findRunning(a, 'SELECT SLEEP(2) AS slept')
    }
    expect(after).toBeUndefined()
  })
})
