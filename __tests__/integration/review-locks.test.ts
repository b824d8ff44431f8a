/**
 * The lock rules through PostgreSQL's parser: each fires on an existing table and stays silent on the safe
 * forms. The lock each finding names is checked against the locks PostgreSQL itself takes for the statement
 * (pg_locks of the session, inside a transaction rolled back afterwards), and a trace that contradicts a rule
 * silences it.
 */
import pg from 'pg'
import { runRules, reviewStatements } from '../../src/dialects/postgresql/review.js'
import { traceKey, type Finding, type RelationFacts, type StatementTrace } from '../../src/review/types.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { version } from '../../testkit/versions.js'

const SETUP = `
CREATE TABLE customers (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric, note text, status text);
CREATE TABLE archive (id bigint);
CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX orders_status_idx ON orders (status);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(0, 9) g;
INSERT INTO orders SELECT g, g % 10, g, NULL, 'new' FROM generate_series(1, 5000) g;
CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;
ANALYZE;
`

let db: { url: string; drop(): Promise<void> }
let catalog: Map<string, RelationFacts>

/** A stand-in for the target's catalog read: the same catalog columns, from the test database. */
async function readCatalog(url: string): Promise<Map<string, RelationFacts>> {
  const rows = await sql<{ name: string; kind: string; rows: string; bytes: string; nulls: Record<string, number> | null }>(
    url,
    `SELECT n.nspname || '.' || c.relname AS name, c.relkind::text AS kind, c.reltuples::bigint::text AS rows,
            pg_total_relation_size(c.oid)::text AS bytes,
            (SELECT json_object_agg(s.attname, s.null_frac) FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS nulls
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`
  )
  const kinds: Record<string, RelationFacts['kind']> = { r: 'table', p: 'partitioned table', i: 'index', m: 'materialized view' }
  return new Map(
    rows.map((row) => [
      row.name,
      {
        name: row.name,
        kind: kinds[row.kind] ?? 'other',
        rows: Number(row.rows) < 0 ? null : Number(row.rows),
        bytes: Number(row.bytes),
        nullFraction: row.nulls ?? {}
      }
    ])
  )
}

/** The relation locks PostgreSQL takes for `statement` (run in a transaction that is rolled back). */
async function locksTaken(statement: string): Promise<Array<{ relation: string; mode: string }>> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    await client.query('BEGIN')
    await client.query(statement)
    const result = await client.query<{ relation: string; mode: string }>(
      `SELECT n.nspname || '.' || c.relname AS relation, l.mode FROM pg_locks l
         JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND n.nspname = 'public'`
    )
    return result.rows
  } finally {
    await client.query('ROLLBACK')
    await client.end()
  }
}

type Options = { catalog?: Map<string, RelationFacts> | null; trace?: Map<string, StatementTrace> | null; ignoreRules?: string[] }

/** Findings of one rule over pending versions given as `[{ '01.sql': text }, …]` (versions 1, 2, …). */
async function findings(rule: string, versions: Array<Record<string, string>>, options: Options = {}): Promise<Finding[]> {
  const built = versions.map((files, i) => version(i + 1, files))
  const statements = await reviewStatements(
    built,
    built.map((v) => v.number)
  )
  const context = { catalog: options.catalog === undefined ? null : options.catalog, trace: options.trace ?? null, defaultSchema: 'public' }
  return runRules(statements, context, { ignoreRules: options.ignoreRules ?? [] }).filter((finding) => finding.rule === rule)
}

const NO_TX = '-- migrate:no-transaction\n'
const NEW_ORDERS = 'CREATE TABLE fresh (id bigint PRIMARY KEY, customer_id bigint, total numeric, note text, status text);\n'

interface Case {
  rule: string
  sql: string
  /** The relation and lock mode the finding names (checked against PostgreSQL); null when it cannot run in a transaction. */
  lock: { relation: string; mode: string } | null
  safe: Array<Array<Record<string, string>>>
}

const CASES: Case[] = [
  {
    rule: 'index-not-concurrent',
    sql: 'CREATE INDEX orders_total_idx ON orders (total)',
    lock: { relation: 'public.orders', mode: 'ShareLock' },
    safe: [
      [{ '01.sql': `${NEW_ORDERS}CREATE INDEX fresh_total_idx ON fresh (total);` }],
      [{ '01.sql': `${NO_TX}CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);` }]
    ]
  },
  {
    rule: 'drop-index-not-concurrent',
    sql: 'DROP INDEX orders_status_idx',
    lock: { relation: 'public.orders', mode: 'AccessExclusiveLock' },
    safe: [
      [{ '01.sql': `${NO_TX}DROP INDEX CONCURRENTLY orders_status_idx;` }],
      [{ '01.sql': `${NEW_ORDERS}CREATE INDEX fresh_idx ON fresh (status);` }, { '01.sql': 'DROP INDEX fresh_idx;' }]
    ]
  },
  {
    rule: 'constraint-validated-at-once',
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id)',
    lock: { relation: 'public.orders', mode: 'ShareRowExclusiveLock' },
    safe: [
      [
        {
          '01.sql': 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;'
        }
      ],
      [
        {
          '01.sql': `${NEW_ORDERS}ALTER TABLE fresh ADD CONSTRAINT fresh_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);`
        }
      ]
    ]
  },
  {
    rule: 'constraint-validated-at-once',
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0)',
    lock: { relation: 'public.orders', mode: 'AccessExclusiveLock' },
    safe: [[{ '01.sql': 'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;' }]]
  },
  {
    rule: 'set-not-null',
    sql: 'ALTER TABLE orders ALTER COLUMN status SET NOT NULL',
    lock: { relation: 'public.orders', mode: 'AccessExclusiveLock' },
    safe: [[{ '01.sql': `${NEW_ORDERS}ALTER TABLE fresh ALTER COLUMN status SET NOT NULL;` }]]
  },
  {
    rule: 'unique-constraint-locks',
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_status_key UNIQUE (status, id)',
    lock: { relation: 'public.orders', mode: 'AccessExclusiveLock' },
    safe: [
      [{ '01.sql': 'ALTER TABLE orders ADD CONSTRAINT orders_status_key UNIQUE USING INDEX orders_status_id_idx;' }],
      [{ '01.sql': `${NEW_ORDERS}ALTER TABLE fresh ADD CONSTRAINT fresh_status_key UNIQUE (status);` }]
    ]
  },
  {
    rule: 'truncate',
    sql: 'TRUNCATE orders',
    lock: { relation: 'public.orders', mode: 'AccessExclusiveLock' },
    safe: [[{ '01.sql': `${NEW_ORDERS}TRUNCATE fresh;` }]]
  },
  {
    rule: 'lock-table',
    sql: 'LOCK TABLE orders IN SHARE MODE',
    lock: { relation: 'public.orders', mode: 'ShareLock' },
    safe: [[{ '01.sql': 'LOCK TABLE orders IN ACCESS SHARE MODE;' }], [{ '01.sql': `${NEW_ORDERS}LOCK TABLE fresh;` }]]
  },
  {
    rule: 'vacuum-full',
    sql: `${NO_TX}VACUUM FULL orders`,
    lock: null,
    safe: [
      [{ '01.sql': `${NO_TX}VACUUM orders;` }],
      [{ '01.sql': `${NO_TX}VACUUM (FULL off, ANALYZE) orders;` }],
      [{ '01.sql': `${NO_TX}VACUUM (FULL 0) orders;` }]
    ]
  },
  {
    rule: 'cluster',
    sql: 'CLUSTER orders USING orders_pkey',
    lock: { relation: 'public.orders', mode: 'AccessExclusiveLock' },
    safe: [[{ '01.sql': `${NEW_ORDERS}CLUSTER fresh USING fresh_pkey;` }]]
  },
  {
    rule: 'reindex-not-concurrent',
    sql: 'REINDEX TABLE orders',
    lock: { relation: 'public.orders', mode: 'ShareLock' },
    safe: [[{ '01.sql': `${NO_TX}REINDEX TABLE CONCURRENTLY orders;` }], [{ '01.sql': `${NEW_ORDERS}REINDEX TABLE fresh;` }]]
  },
  {
    rule: 'reindex-not-concurrent',
    sql: 'REINDEX INDEX orders_status_idx',
    lock: { relation: 'public.orders_status_idx', mode: 'AccessExclusiveLock' },
    safe: [[{ '01.sql': `${NO_TX}REINDEX INDEX CONCURRENTLY orders_status_idx;` }]]
  },
  {
    rule: 'refresh-matview-not-concurrent',
    sql: 'REFRESH MATERIALIZED VIEW order_totals',
    lock: { relation: 'public.order_totals', mode: 'AccessExclusiveLock' },
    safe: [
      [{ '01.sql': 'REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;' }],
      [{ '01.sql': 'CREATE MATERIALIZED VIEW fresh_totals AS SELECT 1 AS one;\nREFRESH MATERIALIZED VIEW fresh_totals;' }]
    ]
  }
]

beforeAll(async () => {
  db = await createTestDatabase('review_locks')
  await sql(db.url, SETUP)
  catalog = await readCatalog(db.url)
})

afterAll(async () => {
  await db?.drop()
})

describe.each(CASES)('$rule: $sql', ({ rule, sql: statement, lock, safe }) => {
  test('fires on the existing table, naming the lock PostgreSQL takes', async () => {
    // A comment line before the statement: the finding is at the statement's own line.
    const text = statement.startsWith(NO_TX)
      ? `${NO_TX}-- a comment line\n${statement.slice(NO_TX.length)};`
      : `-- a comment line\n${statement};`
    const found = await findings(rule, [{ '01.sql': text }], { catalog })
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ rule, version: 1, file: 'm/v1/01.sql', line: statement.startsWith(NO_TX) ? 3 : 2, column: 1 })
    expect(found[0].fix.length).toBeGreaterThan(0)
    if (lock) {
      const taken = await locksTaken(statement)
      expect(taken).toContainEqual(lock)
      const trace = new Map([
        [traceKey(1, 0), { version: 1, index: 0, locks: taken, rewritten: [lock.relation], constraints: [], durationMs: 1 }]
      ])
      const traced = await findings(rule, [{ '01.sql': text }], { catalog, trace })
      expect(traced).toHaveLength(1)
      expect(traced[0]).toMatchObject({ relation: lock.relation, lock: lock.mode })
    }
  })

  test.each(safe.map((versions) => [JSON.stringify(versions), versions]))('silent on the safe form %s', async (_name, versions) => {
    expect(await findings(rule, versions as Array<Record<string, string>>, { catalog })).toEqual([])
  })

  test('silent when the trace shows no such lock; still fires on the trace PostgreSQL reports', async () => {
    if (!lock) return
    const empty: StatementTrace = { version: 1, index: 0, locks: [], rewritten: ['public.orders'], constraints: [], durationMs: 1 }
    expect(await findings(rule, [{ '01.sql': `${statement};` }], { trace: new Map([[traceKey(1, 0), empty]]) })).toEqual([])
    const observed: StatementTrace = { ...empty, locks: await locksTaken(statement) }
    expect(await findings(rule, [{ '01.sql': `${statement};` }], { trace: new Map([[traceKey(2, 0), empty]]) })).toHaveLength(1)
    expect(await findings(rule, [{ '01.sql': `${statement};` }], { trace: new Map([[traceKey(1, 0), observed]]) })).toHaveLength(1)
  })
})

describe('sizes and what the catalog says', () => {
  test('the message gives the lock, the table size from the catalog, and what it blocks', async () => {
    const [finding] = await findings('index-not-concurrent', [{ '01.sql': 'CREATE INDEX ON orders (total);' }], { catalog })
    expect(finding.message).toMatch(
      /^SHARE on `public.orders` \(≈5,000 rows, \d+ kB\) while the whole index is built: blocks INSERT, UPDATE and DELETE/
    )
    expect(finding.fixSql).toBe('-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY ON orders (total);')
  })

  test("without a catalog the message says the table's size was not read", async () => {
    const [finding] = await findings('truncate', [{ '01.sql': 'TRUNCATE orders;' }], { catalog: null })
    expect(finding.message).toContain('ACCESS EXCLUSIVE on `public.orders` until the version commits')
    const [index] = await findings('index-not-concurrent', [{ '01.sql': 'CREATE INDEX ON orders (total);' }], { catalog: null })
    expect(index.message).toContain("The table's size was not read: judged from the SQL alone.")
    expect(index.message).not.toContain('No target catalog')
  })

  test('SET NOT NULL on a column the statistics show NULL in is an error: it fails, and the table is unchanged', async () => {
    const [finding] = await findings('set-not-null', [{ '01.sql': 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;' }], { catalog })
    expect(finding).toMatchObject({ severity: 'error', relation: 'public.orders' })
    expect(finding.message).toContain('holds NULL in about 100% of rows')
    await expect(sql(db.url, 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL')).rejects.toThrow(/contains null values/)
    const [column] = await sql<{ is_nullable: string }>(
      db.url,
      `SELECT is_nullable FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'note'`
    )
    expect(column.is_nullable).toBe('YES')
  })
})

describe('add-column-not-null-without-default', () => {
  const add = 'ALTER TABLE orders ADD COLUMN tier text NOT NULL'

  test('an error on a table with rows (it fails there, and the column is not added)', async () => {
    const found = await findings('add-column-not-null-without-default', [{ '01.sql': `${add};` }], { catalog })
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ severity: 'error', relation: 'public.orders', lock: 'AccessExclusiveLock' })
    expect(found[0].message).toContain('`public.orders` (≈5,000 rows')
    await expect(sql(db.url, add)).rejects.toThrow(/contains null values/)
    const columns = await sql(db.url, `SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'tier'`)
    expect(columns).toEqual([])
  })

  test('a warning that says it is unknown without a catalog', async () => {
    const [finding] = await findings('add-column-not-null-without-default', [{ '01.sql': `${add};` }], { catalog: null })
    expect(finding.severity).toBe('warning')
    expect(finding.message).toContain('unknown (judged from the repository alone)')
  })

  test.each([
    ['a constant default', `ALTER TABLE orders ADD COLUMN tier text NOT NULL DEFAULT 'basic';`],
    ['an identity column', 'ALTER TABLE orders ADD COLUMN seq bigint NOT NULL GENERATED ALWAYS AS IDENTITY;'],
    ['a nullable column', 'ALTER TABLE orders ADD COLUMN tier text;'],
    ['an empty existing table (catalog: 0 rows)', 'ALTER TABLE archive ADD COLUMN tier text NOT NULL;'],
    ['a table created in the same file', `${NEW_ORDERS}ALTER TABLE fresh ADD COLUMN tier text NOT NULL;`]
  ])('silent on %s', async (_name, text) => {
    expect(await findings('add-column-not-null-without-default', [{ '01.sql': text }], { catalog })).toEqual([])
  })

  test('silent on the empty table, and PostgreSQL agrees: the column is added', async () => {
    await sql(db.url, 'ALTER TABLE archive ADD COLUMN tier text NOT NULL')
    const columns = await sql<{ is_nullable: string }>(
      db.url,
      `SELECT is_nullable FROM information_schema.columns WHERE table_name = 'archive' AND column_name = 'tier'`
    )
    expect(columns).toEqual([{ is_nullable: 'NO' }])
  })
})

describe('vacuum-full and cluster follow the trace of rewrites', () => {
  test('silent when the trace shows no rewrite', async () => {
    const trace = new Map([
      [
        traceKey(1, 0),
        {
          version: 1,
          index: 0,
          locks: [{ relation: 'public.orders', mode: 'AccessExclusiveLock' }],
          rewritten: [],
          constraints: [],
          durationMs: 1
        }
      ]
    ])
    expect(await findings('vacuum-full', [{ '01.sql': `${NO_TX}VACUUM FULL orders;` }], { trace })).toEqual([])
    expect(await findings('cluster', [{ '01.sql': 'CLUSTER orders USING orders_pkey;' }], { trace })).toEqual([])
  })

  test('VACUUM FULL rewrites the table on PostgreSQL (its relfilenode changes)', async () => {
    const before = await sql<{ f: string }>(db.url, `SELECT pg_relation_filenode('orders')::text AS f`)
    await sql(db.url, 'VACUUM FULL orders')
    const after = await sql<{ f: string }>(db.url, `SELECT pg_relation_filenode('orders')::text AS f`)
    expect(after[0].f).not.toBe(before[0].f)
  })
})

describe('foreign-key-without-index', () => {
  const fk = 'ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;'

  test('a notice for a key no pending index serves', async () => {
    const found = await findings('foreign-key-without-index', [{ '01.sql': fk }], { catalog })
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ severity: 'notice', relation: 'public.orders', lock: null })
    expect(found[0].fixSql).toBe('-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY ON orders (customer_id);')
  })

  test('a notice on a new table whose key column has no index', async () => {
    const found = await findings('foreign-key-without-index', [
      { '01.sql': 'CREATE TABLE items (id int PRIMARY KEY, order_id bigint REFERENCES orders (id));' }
    ])
    expect(found.map((f) => f.relation)).toEqual(['public.items'])
  })

  test.each([
    [
      'an index built in a later pending version',
      [{ '01.sql': fk }, { '01.sql': `${NO_TX}CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id, id);` }]
    ],
    [
      'the leading column of the primary key',
      [{ '01.sql': 'CREATE TABLE items (order_id bigint REFERENCES orders (id), n int, PRIMARY KEY (order_id, n));' }]
    ]
  ])('silent with %s', async (_name, versions) => {
    expect(await findings('foreign-key-without-index', versions, { catalog })).toEqual([])
  })
})

describe('without a table name', () => {
  test.each([
    ['vacuum-full', `${NO_TX}VACUUM FULL;`, 'every table of the database'],
    ['cluster', `${NO_TX}CLUSTER;`, 'every clustered table of the database']
  ])('%s names every table', async (rule, text, tables) => {
    const found = await findings(rule, [{ '01.sql': text }])
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ relation: null, lock: 'AccessExclusiveLock' })
    expect(found[0].message).toContain(`ACCESS EXCLUSIVE on ${tables}`)
  })
})

describe('index-not-concurrent on a partitioned table', () => {
  test('suggests ON ONLY + CONCURRENTLY per partition + ATTACH, since PostgreSQL refuses CONCURRENTLY there', async () => {
    const [finding] = await findings('index-not-concurrent', [{ '01.sql': 'CREATE INDEX events_at ON events (at);' }], { catalog })
    expect(finding).toMatchObject({ relation: 'public.events', lock: 'ShareLock' })
    expect(finding.fixSql).toContain('CREATE INDEX events_at ON ONLY events (…);')
    await expect(sql(db.url, 'CREATE INDEX CONCURRENTLY events_at ON events (at)')).rejects.toThrow(/partitioned table/)
    expect(await sql(db.url, `SELECT 1 FROM pg_class WHERE relname = 'events_at'`)).toEqual([])
  })

  test('silent on CREATE INDEX ON ONLY the parent (it builds nothing)', async () => {
    expect(await findings('index-not-concurrent', [{ '01.sql': 'CREATE INDEX events_at ON ONLY events (at);' }], { catalog })).toEqual([])
  })
})
