/**
 * The MySQL review's catalog read on the file's own MariaDB: the facts of tables with every kind of index,
 * foreign keys both ways, generated columns, another engine, a view, a partitioned table, names that need
 * quoting or differ only in case, a populated table; the server's facts and settings; the bounds that keep
 * the answer within the Data API's limits; the branch only MySQL 8.0.29+ runs, run here through MariaDB's own
 * InnoDB view; and the same read over the Data API emulator (the real SDK client) in exactly one call.
 */
import { mysql } from '../../src/dialects/mysql/index.js'
import {
  catalogQuery,
  listBudget,
  MAX_RELATIONS,
  MYSQL_ROW_VERSIONS,
  type RowVersionsSource
} from '../../src/dialects/mysql/review/catalog-sql.js'
import { innodbFilename } from '../../src/dialects/mysql/review/catalog-filename.js'
import { lowerType, parseCatalogRows, readMysqlCatalog, splitRelation, type MysqlCatalog } from '../../src/dialects/mysql/review/catalog.js'
import { readSettings } from '../../src/dialects/mysql/shadow/settings.js'
import { wire } from '../../src/dialects/mysql/wire.js'
import { DatabaseError } from '../../src/errors.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { MysqlTarget } from '../../src/targets/mysql.js'
import type { Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { FakeClock } from '../../testkit/fake-clock.js'
import { createMysqlDatabase, databaseUrl, mysqlSql } from '../../testkit/mysql.js'
import { mysqlTestTarget } from '../../testkit/mysql-test-target.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

useDummyAwsEnvironment()

const FIXTURE = [
  `CREATE TABLE parent (
    id INT NOT NULL PRIMARY KEY,
    code VARCHAR(20) NOT NULL,
    body TEXT,
    place POINT NOT NULL,
    doubled INT AS (id * 2) VIRTUAL,
    tripled INT AS (id * 3) STORED,
    UNIQUE KEY parent_code (code),
    KEY parent_code_body (code, body(10)),
    FULLTEXT KEY parent_body (body),
    SPATIAL KEY parent_place (place)
  ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`,
  `CREATE TABLE child (
    id INT NOT NULL PRIMARY KEY,
    parent_id INT,
    parent_code VARCHAR(20),
    CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT child_parent_code FOREIGN KEY (parent_code) REFERENCES parent (code) ON DELETE SET NULL
  ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci`,
  `CREATE TABLE grandchild (
    id INT NOT NULL PRIMARY KEY,
    child_id INT NOT NULL,
    CONSTRAINT grandchild_child FOREIGN KEY (child_id) REFERENCES child (id) ON DELETE CASCADE
  ) ENGINE = InnoDB`,
  'CREATE TABLE legacy (id INT NOT NULL, note VARCHAR(10), KEY legacy_id (id)) ENGINE = MyISAM ROW_FORMAT = FIXED',
  'CREATE TABLE `Order Lines` (upper_id INT NOT NULL) ENGINE = InnoDB',
  'CREATE TABLE `order lines` (lower_id INT) ENGINE = InnoDB',
  'CREATE TABLE `it\'s "odd"` (`a``b` INT) ENGINE = InnoDB',
  'CREATE TABLE sharded (id INT NOT NULL PRIMARY KEY) ENGINE = InnoDB PARTITION BY HASH (id) PARTITIONS 2',
  'CREATE TABLE filled (id INT NOT NULL PRIMARY KEY, pad CHAR(100) NOT NULL) ENGINE = InnoDB',
  // 2,000 rows (40 × 50: a recursive CTE stops at 1,000 iterations on MariaDB).
  "INSERT INTO filled (id, pad) WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 49) SELECT a.i * 50 + b.i + 1, REPEAT('x', 100) FROM n AS a, n AS b WHERE a.i < 40",
  'ANALYZE TABLE filled',
  'CREATE VIEW parent_codes AS SELECT id, code FROM parent',
  'CREATE TRIGGER parent_touch BEFORE UPDATE ON parent FOR EACH ROW SET NEW.code = NEW.code',
  'CREATE TRIGGER parent_insert BEFORE INSERT ON parent FOR EACH ROW SET NEW.code = NEW.code'
]

/** The MariaDB spelling of the branch MySQL 8.0.29+ runs: the same text, opened for MariaDB, on its own InnoDB view. */
const MARIADB_ROW_VERSIONS: RowVersionsSource = { gate: '/*M!100000', table: 'information_schema.INNODB_SYS_TABLES', column: 'N_COLS' }

describe('the pieces of the catalog read', () => {
  test("innodbFilename spells names as the server's filename character set does, and refuses what it cannot spell", () => {
    expect(innodbFilename('orders_2024')).toBe('orders_2024')
    // Measured on MariaDB 10.11 (INNODB_SYS_TABLES.NAME).
    expect(innodbFilename('my-Table$x.y')).toBe('my@002dTable@0024x@002ey')
    expect(innodbFilename('日本')).toBe('@65e5@672c')
    expect(innodbFilename('a/b#p#c')).toBe('a@002fb@0023p@0023c')
    // Latin letters with accents have codes of the server's own table: not guessed.
    expect(innodbFilename('café')).toBeNull()
    expect(innodbFilename('😀')).toBeNull()
  })

  test('lowerType lowers the type words and leaves quoted values as they are', () => {
    expect(lowerType("ENUM('Aa','b''C') NOT")).toBe("enum('Aa','b''C') not")
    expect(lowerType('VARCHAR(20)')).toBe('varchar(20)')
  })

  test('splitRelation splits at the first dot; no dot is the default database', () => {
    expect(splitRelation('app.orders.v2')).toEqual({ schema: 'app', name: 'orders.v2' })
    expect(splitRelation('.orders')).toEqual({ schema: '', name: 'orders' })
    expect(splitRelation('orders')).toEqual({ schema: '', name: 'orders' })
  })

  test('no name is text of the query: every one is a parameter', () => {
    const { sql, params } = catalogQuery([{ schema: 'app', name: "it's `odd`" }], { settings: true })
    expect(sql).not.toContain('odd')
    expect(params).toMatchObject({ s0: 'app', n0: "it's `odd`" })
    expect(sql).toContain(':n0')
  })
})

describeMysql('the MySQL review catalog read', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  let target: MysqlTarget

  beforeAll(async () => {
    db = await createMysqlDatabase(server.url, 'catalog')
    for (const statement of FIXTURE) await mysqlSql(db.url, statement)
    target = new MysqlTarget(db.url, { wire })
  })

  // The database goes with the server (useMysqlServer removes its data directory).
  afterAll(async () => {
    await target?.close()
  })

  /** The target, with the calls made through it counted. */
  function counted(inner: Target): { target: Target; calls: string[] } {
    const calls: string[] = []
    return {
      calls,
      target: { ...inner, query: (sql, params, options) => (calls.push(sql), inner.query(sql, params, options)) } as Target
    }
  }

  const everything = (): string[] => [
    `${db.name}.parent`,
    '.child',
    `${db.name}.grandchild`,
    `${db.name}.legacy`,
    `${db.name}.Order Lines`,
    `${db.name}.order lines`,
    `${db.name}.ORDER LINES`,
    `${db.name}.it's "odd"`,
    `${db.name}.sharded`,
    `${db.name}.filled`,
    `${db.name}.parent_codes`,
    `${db.name}.missing`,
    'no_such_database.parent'
  ]

  test('the facts of every relation that exists, in one call; the others are absent', async () => {
    const { target: countedTarget, calls } = counted(target)
    const catalog = await readMysqlCatalog(countedTarget, everything(), { settings: false })
    expect(calls).toHaveLength(1)
    expect([...catalog.facts.keys()].sort()).toEqual(
      [
        `${db.name}.parent`,
        '.child',
        `${db.name}.grandchild`,
        `${db.name}.legacy`,
        `${db.name}.Order Lines`,
        `${db.name}.order lines`,
        `${db.name}.it's "odd"`,
        `${db.name}.sharded`,
        `${db.name}.filled`,
        `${db.name}.parent_codes`
      ].sort()
    )
    expect(catalog.settings).toBeNull()

    const parent = catalog.facts.get(`${db.name}.parent`)
    expect(parent).toMatchObject({
      name: `${db.name}.parent`,
      schema: db.name,
      table: 'parent',
      kind: 'table',
      engine: 'InnoDB',
      rowFormat: 'Dynamic',
      collation: 'utf8mb4_unicode_ci',
      referencedBy: [`${db.name}.child`],
      notNullColumns: ['id', 'code', 'place'],
      triggers: ['parent_insert', 'parent_touch'],
      foreignKeys: [],
      truncated: [],
      totalRowVersions: null
    })
    expect(parent?.columns).toEqual([
      { name: 'id', type: 'int(11)', nullable: false, charset: null, collation: null, maxBytes: null, generated: null, position: 1 },
      {
        name: 'code',
        type: 'varchar(20)',
        nullable: false,
        charset: 'utf8mb4',
        collation: 'utf8mb4_unicode_ci',
        maxBytes: 80,
        generated: null,
        position: 2
      },
      {
        name: 'body',
        type: 'text',
        nullable: true,
        charset: 'utf8mb4',
        collation: 'utf8mb4_unicode_ci',
        maxBytes: 65535,
        generated: null,
        position: 3
      },
      { name: 'place', type: 'point', nullable: false, charset: null, collation: null, maxBytes: null, generated: null, position: 4 },
      {
        name: 'doubled',
        type: 'int(11)',
        nullable: true,
        charset: null,
        collation: null,
        maxBytes: null,
        generated: 'virtual',
        position: 5
      },
      { name: 'tripled', type: 'int(11)', nullable: true, charset: null, collation: null, maxBytes: null, generated: 'stored', position: 6 }
    ])
    expect(parent?.indexes).toEqual([
      { name: 'PRIMARY', kind: 'primary', columns: ['id'] },
      { name: 'parent_body', kind: 'fulltext', columns: ['body'] },
      { name: 'parent_code', kind: 'unique', columns: ['code'] },
      { name: 'parent_code_body', kind: 'index', columns: ['code', 'body'] },
      { name: 'parent_place', kind: 'spatial', columns: ['place'] }
    ])
    expect(parent?.referencedByKeys).toEqual([
      {
        name: 'child_parent',
        table: `${db.name}.child`,
        columns: ['parent_id'],
        referencedColumns: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE'
      },
      {
        name: 'child_parent_code',
        table: `${db.name}.child`,
        columns: ['parent_code'],
        referencedColumns: ['code'],
        onDelete: 'SET NULL',
        onUpdate: 'RESTRICT'
      }
    ])

    // Named without its database: the connection's default database; the name stays as asked for.
    const child = catalog.facts.get('.child')
    expect(child).toMatchObject({ name: '.child', schema: db.name, table: 'child', referencedBy: [`${db.name}.grandchild`] })
    expect(child?.foreignKeys).toEqual([
      {
        name: 'child_parent',
        references: `${db.name}.parent`,
        columns: ['parent_id'],
        referencedColumns: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'CASCADE'
      },
      {
        name: 'child_parent_code',
        references: `${db.name}.parent`,
        columns: ['parent_code'],
        referencedColumns: ['code'],
        onDelete: 'SET NULL',
        onUpdate: 'RESTRICT'
      }
    ])
    expect(child?.referencedByKeys).toEqual([
      {
        name: 'grandchild_child',
        table: `${db.name}.grandchild`,
        columns: ['child_id'],
        referencedColumns: ['id'],
        onDelete: 'CASCADE',
        onUpdate: 'RESTRICT'
      }
    ])

    expect(catalog.facts.get(`${db.name}.legacy`)).toMatchObject({
      kind: 'table',
      engine: 'MyISAM',
      rowFormat: 'Fixed',
      indexes: [{ name: 'legacy_id', kind: 'index', columns: ['id'] }],
      totalRowVersions: null
    })
    // Two tables whose names differ only in case, each with its own columns; the third spelling is absent.
    expect(catalog.facts.get(`${db.name}.Order Lines`)?.columns.map((column) => column.name)).toEqual(['upper_id'])
    expect(catalog.facts.get(`${db.name}.order lines`)?.columns.map((column) => column.name)).toEqual(['lower_id'])
    expect(catalog.facts.get(`${db.name}.it's "odd"`)?.columns.map((column) => column.name)).toEqual(['a`b'])
    expect(catalog.facts.get(`${db.name}.sharded`)).toMatchObject({ kind: 'partitioned table', createOptions: 'partitioned' })
    expect(catalog.facts.get(`${db.name}.parent_codes`)).toMatchObject({ kind: 'view', rows: null, bytes: null, indexes: [] })

    // The populated table's estimates (after ANALYZE TABLE) against an empty table's.
    const filled = catalog.facts.get(`${db.name}.filled`)
    const empty = catalog.facts.get(`${db.name}.order lines`)
    expect(filled?.rows).toBeGreaterThan(1000)
    expect(filled?.bytes).toBeGreaterThan(100_000)
    expect(empty?.rows).toBe(0)
    expect(empty?.bytes).toBeLessThan(100_000)
  })

  test("the server's facts, and the settings readSettings reads, in the same call", async () => {
    const { target: countedTarget, calls } = counted(target)
    const catalog = await readMysqlCatalog(countedTarget, [`${db.name}.parent`], { settings: true })
    expect(calls).toHaveLength(1)
    const [shown] = (
      await target.query(
        'SELECT VERSION() AS version, @@sql_mode AS mode, @@foreign_key_checks AS checks, @@performance_schema AS performance'
      )
    ).rows
    expect(catalog.server).toEqual({
      version: shown.version,
      flavor: server.flavor,
      sqlMode: shown.mode,
      foreignKeyChecks: Number(shown.checks) === 1,
      performanceSchema: Number(shown.performance) === 1,
      // The test's account holds PROCESS, and no transaction here has been open for a minute.
      openTransactions: []
    })
    expect(catalog.server.version).toContain(server.version)
    expect(catalog.settings).toEqual(await readSettings(target))
    expect(catalog.settings?.version).toBe(shown.version)
    expect(catalog.facts.has(`${db.name}.parent`)).toBe(true)

    // No relation at all: still one call, for the server and the settings.
    const alone = counted(target)
    const none = await readMysqlCatalog(alone.target, [], { settings: true })
    expect(alone.calls).toHaveLength(1)
    expect(none.facts.size).toBe(0)
    expect(none.server).toEqual(catalog.server)
    expect(none.settings).toEqual(catalog.settings)
  })

  test("the session's foreign_key_checks and a hostile sql_mode: read as set, the facts unchanged", async () => {
    const plain = await readMysqlCatalog(target, everything(), { settings: false })
    const session = await mysqlTestTarget(db.url)
    try {
      await session.query("SET SESSION sql_mode = 'ANSI,ONLY_FULL_GROUP_BY,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES'")
      await session.query('SET SESSION foreign_key_checks = 0')
      const hostile = await readMysqlCatalog(session, everything(), { settings: false })
      expect(hostile.server.foreignKeyChecks).toBe(false)
      expect(hostile.server.sqlMode).toContain('ANSI_QUOTES')
      expect(hostile.server.sqlMode).toContain('NO_BACKSLASH_ESCAPES')
      expect(hostile.facts).toEqual(plain.facts)
    } finally {
      await session.close()
    }
    expect(plain.server.foreignKeyChecks).toBe(true)
  })

  test('a list past its table budget is cut in order and says so; a first element alone past it leaves the list empty', async () => {
    const wide = Array.from({ length: 400 }, (_, i) => `c${i + 1} INT`).join(', ')
    await mysqlSql(db.url, `CREATE TABLE wide (${wide}) ENGINE = InnoDB`)
    // An ENUM whose type alone (about 39,000 characters) is past the columns' share of a table's budget.
    const values = Array.from({ length: 1700 }, (_, i) => `'value_${String(i).padStart(6, '0')}_padding'`).join(', ')
    await mysqlSql(db.url, `CREATE TABLE enumerated (kind ENUM(${values}), id INT) ENGINE = InnoDB`)
    try {
      const catalog = await readMysqlCatalog(target, [`${db.name}.wide`, `${db.name}.enumerated`, `${db.name}.child`], { settings: false })
      const columns = catalog.facts.get(`${db.name}.wide`)?.columns ?? []
      expect(columns.length).toBeGreaterThan(50)
      expect(columns.length).toBeLessThan(400)
      expect(columns.map((column) => column.position)).toEqual(columns.map((_, i) => i + 1))
      expect(catalog.facts.get(`${db.name}.wide`)?.truncated).toEqual([{ list: 'columns', total: 400, read: columns.length }])
      expect(JSON.stringify(columns).length).toBeLessThanOrEqual(listBudget('columns').table)

      expect(catalog.facts.get(`${db.name}.enumerated`)).toMatchObject({
        columns: [],
        notNullColumns: [],
        truncated: [{ list: 'columns', total: 2, read: 0 }]
      })
      // The other tables read in the same call are whole.
      expect(catalog.facts.get(`${db.name}.child`)?.columns.map((column) => column.name)).toEqual(['id', 'parent_id', 'parent_code'])
      expect(catalog.facts.get(`${db.name}.child`)?.truncated).toEqual([])
    } finally {
      await mysqlSql(db.url, 'DROP TABLE wide, enumerated')
    }
  })

  test('many wide tables over the Data API: cut to the call budget in round-robin order, small tables whole, one call within its limits', async () => {
    const tables = Array.from({ length: 12 }, (_, i) => `wide_${i}`)
    const wide = Array.from({ length: 400 }, (_, i) => `column_number_${i + 1} INT`).join(', ')
    for (const table of tables) await mysqlSql(db.url, `CREATE TABLE ${table} (${wide}) ENGINE = InnoDB`)
    const emulator = await startDataApiEmulator({ databaseUrl: server.url })
    const dataApi = createDataApiTarget({
      wire: mysql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint,
      ...new FakeClock().hooks
    })
    try {
      const names = [...tables.map((table) => `${db.name}.${table}`), `${db.name}.parent`, `${db.name}.child`]
      const catalog = await readMysqlCatalog(dataApi, names, { settings: true })
      expect(emulator.calls.map((call) => [call.op, call.status])).toEqual([['ExecuteStatement', 200]])
      const read = tables.map((table) => catalog.facts.get(`${db.name}.${table}`)?.columns.length ?? 0)
      // Every wide table is cut; their columns together stay within the call's budget, shared out evenly.
      for (const count of read) expect(count).toBeLessThan(400)
      const bytes = tables.reduce((sum, table) => sum + JSON.stringify(catalog.facts.get(`${db.name}.${table}`)?.columns).length, 0)
      expect(bytes).toBeLessThanOrEqual(listBudget('columns').all)
      expect(Math.max(...read) - Math.min(...read)).toBeLessThanOrEqual(1)
      // Alone, one of them gets its whole table budget: more than its share here.
      const alone = await readMysqlCatalog(target, [`${db.name}.wide_0`], { settings: false })
      expect(alone.facts.get(`${db.name}.wide_0`)?.columns.length).toBeGreaterThan(read[0])
      expect(catalog.facts.get(`${db.name}.parent`)?.columns).toHaveLength(6)
      expect(catalog.facts.get(`${db.name}.parent`)?.truncated).toEqual([])
      expect(catalog.facts.get(`${db.name}.child`)?.truncated).toEqual([])
    } finally {
      await dataApi.close()
      await emulator.stop()
      await mysqlSql(db.url, `DROP TABLE ${tables.join(', ')}`)
    }
  })

  test('more relations than one call reads: refused before any call', async () => {
    const { target: countedTarget, calls } = counted(target)
    const many = Array.from({ length: MAX_RELATIONS + 1 }, (_, i) => `${db.name}.absent_${i}`)
    await expect(readMysqlCatalog(countedTarget, many, { settings: false })).rejects.toThrow(`at most ${MAX_RELATIONS} relations`)
    expect(calls).toHaveLength(0)
    // As many as it reads: one call.
    await readMysqlCatalog(countedTarget, many.slice(1), { settings: false })
    expect(calls).toHaveLength(1)
  })

  describe("the row-version count (MySQL 8.0.29+'s INNODB_TABLES.TOTAL_ROW_VERSIONS)", () => {
    const relations = (): string[] => [
      `${db.name}.parent`,
      '.child',
      `${db.name}.legacy`,
      `${db.name}.it's "odd"`,
      `${db.name}.sharded`,
      `${db.name}.parent_codes`
    ]
    const read = async (on: Target, source: RowVersionsSource): Promise<MysqlCatalog> => {
      const names = relations()
      const { sql, params } = catalogQuery(names.map(splitRelation), { settings: false }, source)
      return parseCatalogRows((await on.query(sql, params)).rows, names, { settings: false })
    }
    const counts = (catalog: MysqlCatalog): Record<string, number | null> =>
      Object.fromEntries([...catalog.facts].map(([name, facts]) => [name, facts.totalRowVersions]))

    test("MariaDB skips MySQL's branch (null); opened for MariaDB, the text parses and names only the view MariaDB lacks", async () => {
      expect(Object.values(counts(await read(target, MYSQL_ROW_VERSIONS)))).toEqual([null, null, null, null, null, null])
      const opened = read(target, { ...MYSQL_ROW_VERSIONS, gate: MARIADB_ROW_VERSIONS.gate })
      await expect(opened).rejects.toBeInstanceOf(DatabaseError)
      // 1109: unknown table in information_schema (a syntax error would be 1064).
      await expect(opened).rejects.toMatchObject({ info: { errno: 1109 } })
    })

    test("the branch, on MariaDB's InnoDB view: a count for every InnoDB table (partitions and encoded names too), none for MyISAM or a view", async () => {
      const values = counts(await read(target, MARIADB_ROW_VERSIONS))
      expect(values[`${db.name}.legacy`]).toBeNull()
      expect(values[`${db.name}.parent_codes`]).toBeNull()
      for (const name of [`${db.name}.parent`, '.child', `${db.name}.it's "odd"`, `${db.name}.sharded`]) {
        expect(values[name]).toEqual(expect.any(Number))
        expect(values[name]).toBeGreaterThan(0)
      }
      // N_COLS counts the parent's six columns and InnoDB's own: more than the child's three.
      expect(values[`${db.name}.parent`]).toBeGreaterThan(values['.child'] ?? Infinity)
    })

    test('an account without PROCESS gets no count and no error (the view is never filled for it)', async () => {
      const user = `catalog_${db.name.slice(-8)}`
      await mysqlSql(server.url, `CREATE USER '${user}'@'%'`)
      await mysqlSql(server.url, `GRANT SELECT, TRIGGER ON \`${db.name}\`.* TO '${user}'@'%'`)
      const url = new URL(databaseUrl(server.url, db.name))
      url.username = user
      const limited = new MysqlTarget(url.toString(), { wire })
      try {
        const bare = limited.query('SELECT COUNT(*) AS n FROM information_schema.INNODB_SYS_TABLES')
        await expect(bare).rejects.toMatchObject({ info: { errno: 1227 } })
        const catalog = await read(limited, MARIADB_ROW_VERSIONS)
        expect(Object.values(counts(catalog))).toEqual([null, null, null, null, null, null])
        expect(catalog.facts.get(`${db.name}.parent`)?.columns).toHaveLength(6)
      } finally {
        await limited.close()
        await mysqlSql(server.url, `DROP USER '${user}'@'%'`)
      }
    })
  })

  test('over the Data API (emulator, MySQL mode, real SDK client): one ExecuteStatement call, the same facts and settings', async () => {
    const direct = await readMysqlCatalog(target, everything(), { settings: true })
    const emulator = await startDataApiEmulator({ databaseUrl: server.url })
    const dataApi = createDataApiTarget({
      wire: mysql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      database: db.name,
      endpoint: emulator.endpoint,
      ...new FakeClock().hooks
    })
    try {
      const before = emulator.calls.length
      const overDataApi = await readMysqlCatalog(dataApi, everything(), { settings: true })
      const calls = emulator.calls.slice(before)
      expect(calls.map((call) => call.op)).toEqual(['ExecuteStatement'])
      expect(overDataApi.facts).toEqual(direct.facts)
      expect(overDataApi.facts.size).toBe(10)
      expect(overDataApi.server).toEqual(direct.server)
      expect(overDataApi.settings).toEqual(direct.settings)
      expect(overDataApi.settings).toEqual(await readSettings(dataApi))
    } finally {
      await dataApi.close()
      await emulator.stop()
    }
  })
})
