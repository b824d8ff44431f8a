/**
 * The schema-change rules through PostgreSQL's parser and the review's own pipeline (reviewStatements, runRules).
 * Where a rule claims what PostgreSQL does (a rewrite, a lock, a refused enum value), the claim is checked on the
 * embedded PostgreSQL: each statement is traced (relfilenode and pg_locks before and after, in a transaction rolled
 * back afterwards), and the rule fires exactly when the server did what it says.
 */
import fs from 'node:fs'
import pg from 'pg'
import { runRules, reviewStatements } from '../../src/dialects/postgresql/review.js'
import { CHANGE_RULES } from '../../src/dialects/postgresql/review/rules/index.js'
import { traceInTransaction, traceMap } from '../../src/dialects/postgresql/review/trace.js'
import type { Finding, RelationFacts, StatementTrace } from '../../src/review/types.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { version } from '../../testkit/versions.js'

const ORDERS_COLUMNS =
  'id bigint PRIMARY KEY, customer_id bigint, code varchar(20), price numeric(10,2), qty int, note text, legacy varchar(40), flags varbit(8), stamp timestamp(3)'

const SETUP = `
CREATE TYPE tier AS ENUM ('bronze', 'silver');
CREATE TABLE customers (id bigint PRIMARY KEY, tier tier NOT NULL DEFAULT 'bronze');
CREATE TABLE orders (${ORDERS_COLUMNS});
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigint);
INSERT INTO customers SELECT g FROM generate_series(1, 10) g;
INSERT INTO orders SELECT g, g % 10, 'c' || g, g, 1, CASE WHEN g % 2 = 0 THEN NULL ELSE 'n' END, 'l' FROM generate_series(1, 5000) g;
ANALYZE;
`

let db: { url: string; drop(): Promise<void> }
let catalog: Map<string, RelationFacts>

beforeAll(async () => {
  db = await createTestDatabase('changes')
  await sql(db.url, SETUP)
  catalog = await readCatalog(db.url)
})

afterAll(async () => {
  await db.drop()
})

/** A stand-in for the target's catalog read: the same catalog columns, from the test database. */
async function readCatalog(url: string): Promise<Map<string, RelationFacts>> {
  const rows = await sql<{ name: string; rows: string; bytes: string; nulls: Record<string, number> | null }>(
    url,
    `SELECT n.nspname || '.' || c.relname AS name, c.reltuples::bigint::text AS rows, pg_total_relation_size(c.oid)::text AS bytes,
            (SELECT json_object_agg(s.attname, s.null_frac) FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS nulls
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname IN ('public', 'billing')`
  )
  return new Map(
    rows.map((row) => [
      row.name,
      {
        name: row.name,
        kind: 'table',
        rows: Number(row.rows) < 0 ? null : Number(row.rows),
        bytes: Number(row.bytes),
        nullFraction: row.nulls ?? {}
      }
    ])
  )
}

type Versions = Array<Record<string, string>>

async function pendingStatements(versions: Versions) {
  const built = versions.map((files, i) => version(i + 1, files))
  return reviewStatements(
    built,
    built.map((v) => v.number)
  )
}

/**
 * The trace of the pending versions on the test database: each version's statements in one transaction, rolled
 * back (the database keeps its SETUP state). Returns the traces and the error of a statement that failed.
 */
async function traceOf(versions: Versions): Promise<{ trace: Map<string, StatementTrace>; failed: string | null }> {
  const statements = await pendingStatements(versions)
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    const traces: StatementTrace[] = []
    let failed: string | null = null
    for (const number of new Set(statements.map((statement) => statement.version))) {
      const result = await traceInTransaction(
        client,
        statements.filter((statement) => statement.version === number)
      )
      traces.push(...result.traces)
      failed ??= result.failed?.message ?? null
    }
    return { trace: traceMap(traces), failed }
  } finally {
    await client.end()
  }
}

type Options = { catalog?: Map<string, RelationFacts> | null; trace?: Map<string, StatementTrace> | null }

/** Findings of every rule over pending versions given as `[{ '01.sql': text }, …]` (versions 1, 2, …). */
async function findingsOfAll(versions: Versions, options: Options = {}): Promise<Finding[]> {
  const statements = await pendingStatements(versions)
  const context = { catalog: options.catalog === undefined ? null : options.catalog, trace: options.trace ?? null, defaultSchema: 'public' }
  return runRules(statements, context, { ignoreRules: [] })
}

/** Findings of one rule over pending versions given as `[{ '01.sql': text }, …]` (versions 1, 2, …). */
async function findings(rule: string, versions: Versions, options: Options = {}): Promise<Finding[]> {
  const statements = await pendingStatements(versions)
  const context = { catalog: options.catalog ?? null, trace: options.trace ?? null, defaultSchema: 'public' }
  return runRules(statements, context, { ignoreRules: [] }).filter((finding) => finding.rule === rule)
}

const NO_TX = '-- migrate:no-transaction\n'
const CREATE_ORDERS = `CREATE TABLE orders (${ORDERS_COLUMNS});\n`

interface RewriteCase {
  rule: string
  sql: string
  /** What PostgreSQL does (checked on the server). */
  rewrites: boolean
  /** Whether the rule fires from the SQL alone (no trace): for a type change, only where no old type reaches the new one in place. */
  firesWithoutTrace: boolean
}

const REWRITE_CASES: RewriteCase[] = [
  {
    rule: 'add-column-volatile-default',
    sql: 'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid()',
    rewrites: true,
    firesWithoutTrace: true
  },
  {
    rule: 'add-column-volatile-default',
    sql: 'ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT clock_timestamp()',
    rewrites: true,
    firesWithoutTrace: true
  },
  {
    rule: 'add-column-volatile-default',
    sql: 'ALTER TABLE orders ADD COLUMN r float8 NOT NULL DEFAULT random()',
    rewrites: true,
    firesWithoutTrace: true
  },
  {
    rule: 'add-column-volatile-default',
    sql: 'ALTER TABLE orders ADD COLUMN at timestamptz NOT NULL DEFAULT now()',
    rewrites: false,
    firesWithoutTrace: false
  },
  {
    rule: 'add-column-volatile-default',
    sql: 'ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP',
    rewrites: false,
    firesWithoutTrace: false
  },
  {
    rule: 'add-column-volatile-default',
    sql: "ALTER TABLE orders ADD COLUMN state text NOT NULL DEFAULT 'new'",
    rewrites: false,
    firesWithoutTrace: false
  },
  {
    rule: 'add-column-stored-generated',
    sql: 'ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED',
    rewrites: true,
    firesWithoutTrace: true
  },
  { rule: 'add-column-serial-identity', sql: 'ALTER TABLE orders ADD COLUMN seq bigserial', rewrites: true, firesWithoutTrace: true },
  {
    rule: 'add-column-serial-identity',
    sql: 'ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY',
    rewrites: true,
    firesWithoutTrace: true
  },
  { rule: 'alter-column-type-rewrite', sql: 'ALTER TABLE orders ALTER COLUMN code TYPE text', rewrites: false, firesWithoutTrace: false },
  {
    rule: 'alter-column-type-rewrite',
    sql: 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(50)',
    rewrites: false,
    firesWithoutTrace: false
  },
  {
    rule: 'alter-column-type-rewrite',
    sql: 'ALTER TABLE orders ALTER COLUMN note TYPE varchar',
    rewrites: false,
    firesWithoutTrace: false
  },
  {
    rule: 'alter-column-type-rewrite',
    sql: 'ALTER TABLE orders ALTER COLUMN price TYPE numeric(12,2)',
    rewrites: false,
    firesWithoutTrace: false
  },
  {
    rule: 'alter-column-type-rewrite',
    sql: 'ALTER TABLE orders ALTER COLUMN flags TYPE varbit(16)',
    rewrites: false,
    firesWithoutTrace: false
  },
  {
    rule: 'alter-column-type-rewrite',
    sql: 'ALTER TABLE orders ALTER COLUMN stamp TYPE timestamp(6)',
    rewrites: false,
    firesWithoutTrace: false
  },
  {
    rule: 'alter-column-type-rewrite',
    sql: 'ALTER TABLE orders ALTER COLUMN legacy TYPE varchar(10)',
    rewrites: true,
    firesWithoutTrace: false
  },
  {
    rule: 'alter-column-type-rewrite',
    sql: 'ALTER TABLE orders ALTER COLUMN price TYPE numeric(10,4)',
    rewrites: true,
    firesWithoutTrace: false
  },
  { rule: 'alter-column-type-rewrite', sql: 'ALTER TABLE orders ALTER COLUMN qty TYPE bigint', rewrites: true, firesWithoutTrace: true },
  {
    rule: 'alter-column-type-rewrite',
    sql: 'ALTER TABLE orders ALTER COLUMN note TYPE jsonb USING to_jsonb(note)',
    rewrites: true,
    firesWithoutTrace: true
  }
]

describe('rules that claim a rewrite agree with PostgreSQL', () => {
  it.each(REWRITE_CASES)('$sql: rewrite $rewrites', async ({ rule, sql: statement, rewrites, firesWithoutTrace }) => {
    const versions = [{ '01.sql': `${statement};` }]
    const { trace, failed } = await traceOf(versions)
    expect(failed).toBeNull()
    expect(trace.get('v1#0')?.rewritten.includes('public.orders')).toBe(rewrites)

    // With the trace, the rule fires exactly when PostgreSQL rewrote the table, and names the lock it took.
    const traced = await findings(rule, versions, { trace, catalog })
    expect(traced.length).toBe(rewrites ? 1 : 0)
    if (rewrites) {
      expect(traced[0]).toMatchObject({ relation: 'public.orders', lock: 'AccessExclusiveLock', severity: 'warning', line: 1 })
      expect(trace.get('v1#0')?.locks).toContainEqual({ relation: 'public.orders', mode: 'AccessExclusiveLock' })
      expect(traced[0].message).toContain('`public.orders` (≈5,000 rows, ')
    }

    // From the SQL alone: the syntax-only judgement never claims a rewrite PostgreSQL does not do.
    const alone = await findings(rule, versions)
    expect(alone.length).toBe(firesWithoutTrace ? 1 : 0)
    if (firesWithoutTrace) expect(rewrites).toBe(true)
    if (firesWithoutTrace) expect(alone[0].fixSql).toContain('ALTER TABLE orders ADD COLUMN')
  })

  it.each(REWRITE_CASES.filter((c) => c.firesWithoutTrace))(
    '$sql is silent on a table created earlier in the pending versions',
    async ({ rule, sql: statement }) => {
      expect(await findings(rule, [{ '01.sql': CREATE_ORDERS }, { '01.sql': `${statement};` }])).toEqual([])
      expect(await findings(rule, [{ '01.sql': `${CREATE_ORDERS}${statement};` }])).toEqual([])
      // A table the target does not have cannot be rewritten there.
      expect(await findings(rule, [{ '01.sql': `${statement};` }], { catalog: new Map() })).toEqual([])
    }
  )

  it('a function of unknown volatility fires only when the trace saw the rewrite', async () => {
    await sql(db.url, `CREATE FUNCTION next_code() RETURNS text VOLATILE LANGUAGE sql AS $$ SELECT md5(random()::text) $$`)
    await sql(db.url, `CREATE FUNCTION fixed_code() RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'x' $$`)
    const volatile = [{ '01.sql': 'ALTER TABLE orders ADD COLUMN ref text DEFAULT next_code();' }]
    const immutable = [{ '01.sql': 'ALTER TABLE orders ADD COLUMN ref text DEFAULT fixed_code();' }]
    expect(await findings('add-column-volatile-default', volatile)).toEqual([])
    const volatileTrace = await traceOf(volatile)
    expect(volatileTrace.trace.get('v1#0')?.rewritten).toContain('public.orders')
    const found = await findings('add-column-volatile-default', volatile, volatileTrace)
    expect(found).toHaveLength(1)
    expect(found[0].message).toContain('next_code()')
    const immutableTrace = await traceOf(immutable)
    expect(immutableTrace.trace.get('v1#0')?.rewritten).not.toContain('public.orders')
    expect(await findings('add-column-volatile-default', immutable, immutableTrace)).toEqual([])
  })

  it('a trace that saw no rewrite silences a rule the syntax would fire', async () => {
    const versions = [{ '01.sql': 'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();' }]
    const quiet = new Map([['v1#0', { version: 1, index: 0, locks: [], rewritten: [], constraints: [], durationMs: 1 }]])
    expect(await findings('add-column-volatile-default', versions)).toHaveLength(1)
    expect(await findings('add-column-volatile-default', versions, { trace: quiet })).toEqual([])
  })
})

describe('drop and rename', () => {
  const CASES = [
    {
      rule: 'drop-column',
      sql: 'ALTER TABLE orders DROP COLUMN note',
      relation: 'public.orders',
      says: 'Drops column `note` of `public.orders` (≈5,000 rows'
    },
    { rule: 'drop-table', sql: 'DROP TABLE billing.invoices, orders', relation: 'billing.invoices', says: 'Drops `billing.invoices`' },
    { rule: 'drop-schema', sql: 'DROP SCHEMA billing CASCADE', relation: null, says: 'with CASCADE' },
    { rule: 'rename-column', sql: 'ALTER TABLE orders RENAME COLUMN note TO remark', relation: 'public.orders', says: 'to `remark`' },
    {
      rule: 'rename-table',
      sql: 'ALTER TABLE orders RENAME TO purchases',
      relation: 'public.orders',
      says: 'to `purchases`',
      lockedAs: 'public.purchases'
    },
    { rule: 'rename-schema', sql: 'ALTER SCHEMA billing RENAME TO accounts', relation: null, says: 'schema `billing` to `accounts`' }
  ]

  it.each(CASES)('$rule fires on an existing object', async ({ rule, sql: statement, relation, says, lockedAs }) => {
    const found = await findings(rule, [{ '01.sql': `${statement};` }], { catalog })
    expect(found.length).toBeGreaterThan(0)
    expect(found[0]).toMatchObject({ severity: 'warning', relation })
    expect(found[0].message).toContain(says)
    expect(found[0].message).toContain('application version still running')
    if (relation === null || rule === 'drop-table') return
    // The lock the finding names is the one PostgreSQL takes. The trace names a relation as it is after the statement:
    // a renamed table under its new name, a dropped one not at all.
    const { trace, failed } = await traceOf([{ '01.sql': `${statement};` }])
    expect(failed).toBeNull()
    expect(trace.get('v1#0')?.locks).toContainEqual({ relation: lockedAs ?? relation, mode: found[0].lock })
  })

  it('drop-table names every dropped table', async () => {
    const found = await findings('drop-table', [{ '01.sql': 'DROP TABLE billing.invoices, orders;' }], { catalog })
    expect(found.map((finding) => finding.relation)).toEqual(['billing.invoices', 'public.orders'])
  })

  it.each(CASES.filter((c) => c.relation === 'public.orders'))(
    '$rule is silent on a table created earlier in the pending versions',
    async ({ rule, sql: statement }) => {
      expect(await findings(rule, [{ '01.sql': CREATE_ORDERS }, { '01.sql': `${statement};` }])).toEqual([])
    }
  )

  it('the renamed table left as a view keeps the running application working (the fix runs on PostgreSQL)', async () => {
    const [finding] = await findings('rename-table', [{ '01.sql': 'ALTER TABLE orders RENAME TO purchases;' }])
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    try {
      await client.query('BEGIN')
      await client.query(finding.fixSql as string)
      await client.query(`UPDATE orders SET note = 'through the view' WHERE id = 1`)
      const { rows } = await client.query(`SELECT note FROM purchases WHERE id = 1`)
      expect(rows).toEqual([{ note: 'through the view' }])
    } finally {
      await client.query('ROLLBACK')
      await client.end()
    }
    expect(await sql(db.url, `SELECT to_regclass('public.purchases')::text AS renamed, note FROM orders WHERE id = 1`)).toEqual([
      { renamed: null, note: 'n' }
    ])
  })
})

describe('unbatched-backfill', () => {
  it('fires on an UPDATE or DELETE of a whole existing table, with the rows from the catalog', async () => {
    const all = await findings('unbatched-backfill', [{ '01.sql': "UPDATE orders SET note = 'x';" }], { catalog })
    expect(all).toHaveLength(1)
    expect(all[0]).toMatchObject({ relation: 'public.orders', lock: 'RowExclusiveLock', severity: 'warning' })
    expect(all[0].message).toContain('every row of `public.orders` (≈5,000 rows')
    expect(all[0].message).toContain("until the version's transaction commits")

    // WHERE col IS NULL, the usual backfill: the rows it touches come from pg_stats.null_frac (half the rows are NULL).
    const nulls = await findings('unbatched-backfill', [{ '01.sql': "UPDATE orders SET note = 'x' WHERE note IS NULL;" }], { catalog })
    expect(nulls).toHaveLength(1)
    expect(nulls[0].message).toContain('Updates ≈2,500 rows of `public.orders` (≈5,000 rows, ')
    expect(nulls[0].message).toContain('narrows little')

    // The join of UPDATE … FROM does not narrow the rows of orders.
    const joined = 'UPDATE orders SET note = c.tier::text FROM customers c WHERE c.id = orders.customer_id;'
    expect(await findings('unbatched-backfill', [{ '01.sql': joined }])).toHaveLength(1)

    const deleted = await findings('unbatched-backfill', [{ '01.sql': `${NO_TX}DELETE FROM orders;` }])
    expect(deleted).toHaveLength(1)
    expect(deleted[0].message).toContain('Deletes every row of `public.orders` in one statement')
    expect(deleted[0].message).toContain('until the statement ends')
  })

  it('is silent on a selective WHERE and on a table created earlier', async () => {
    expect(await findings('unbatched-backfill', [{ '01.sql': "UPDATE orders SET note = 'x' WHERE id BETWEEN 1 AND 1000;" }])).toEqual([])
    expect(await findings('unbatched-backfill', [{ '01.sql': 'DELETE FROM orders WHERE customer_id = 3;' }])).toEqual([])
    expect(await findings('unbatched-backfill', [{ '01.sql': `${CREATE_ORDERS}UPDATE orders SET note = 'x';` }])).toEqual([])
  })
})

describe('access-exclusive-held', () => {
  const HELD = "ALTER TABLE orders ADD COLUMN state text;\nUPDATE customers SET tier = 'silver' WHERE id = 1;\nCREATE TABLE log (id int);\n"

  it('fires on the statement that takes ACCESS EXCLUSIVE on an existing table when more statements follow in its transaction', async () => {
    const versions = [{ '01.sql': HELD }]
    const { trace, failed } = await traceOf(versions)
    expect(failed).toBeNull()
    expect(trace.get('v1#0')?.locks).toContainEqual({ relation: 'public.orders', mode: 'AccessExclusiveLock' })
    for (const options of [{}, { trace, catalog }]) {
      const found = await findings('access-exclusive-held', versions, options)
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({ line: 1, relation: 'public.orders', lock: 'AccessExclusiveLock' })
      expect(found[0].message).toContain('the 2 statements after it that take time or wait for a lock (m/v1/01.sql:2–3)')
    }
  })

  it('the lock stays held for the statements after it: another session cannot read the table until the commit', async () => {
    const holder = new pg.Client({ connectionString: db.url })
    await holder.connect()
    try {
      await holder.query('BEGIN')
      await holder.query('ALTER TABLE orders ADD COLUMN state text')
      await holder.query("UPDATE customers SET tier = 'silver' WHERE id = 1")
      const reader = new pg.Client({ connectionString: db.url })
      await reader.connect()
      try {
        await reader.query("SET lock_timeout = '200ms'")
        await expect(reader.query('SELECT count(*) FROM orders')).rejects.toThrow(/lock timeout/)
      } finally {
        await reader.end()
      }
    } finally {
      await holder.query('ROLLBACK')
      await holder.end()
    }
    const columns = await sql(db.url, `SELECT 1 FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'state'`)
    expect(columns).toEqual([])
  })

  it('is silent when the statement is the last of its transaction, runs alone, takes a weaker lock, or the table is new', async () => {
    const silent: Versions[] = [
      [{ '01.sql': "UPDATE customers SET tier = 'silver' WHERE id = 1;\nALTER TABLE orders ADD COLUMN state text;" }],
      [{ '01.sql': `${NO_TX}ALTER TABLE orders ADD COLUMN state text;\nUPDATE customers SET tier = 'silver' WHERE id = 1;` }],
      [
        {
          '01.sql':
            'ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nSELECT 1;'
        }
      ],
      [{ '01.sql': `${CREATE_ORDERS}ALTER TABLE orders ADD COLUMN state text;\nSELECT 1;` }],
      [{ '01.sql': 'ALTER TABLE orders ADD COLUMN state text;' }, { '01.sql': 'SELECT 1;' }]
    ]
    for (const versions of silent) expect(await findings('access-exclusive-held', versions)).toEqual([])
    // The foreign key's lock, as PostgreSQL takes it: SHARE ROW EXCLUSIVE, not ACCESS EXCLUSIVE.
    const { trace } = await traceOf(silent[2])
    expect(trace.get('v1#0')?.locks).toContainEqual({ relation: 'public.orders', mode: 'ShareRowExclusiveLock' })
    expect(trace.get('v1#0')?.locks).not.toContainEqual({ relation: 'public.orders', mode: 'AccessExclusiveLock' })
    expect(await findings('access-exclusive-held', silent[2], { trace })).toEqual([])
  })

  it('fires with a trace for a table the statement renames or drops (the trace cannot name it under its old name)', async () => {
    for (const statement of ['ALTER TABLE orders RENAME TO purchases', 'DROP TABLE billing.invoices']) {
      const versions = [{ '01.sql': `${statement};\nSELECT 1;` }]
      const { trace, failed } = await traceOf(versions)
      expect(failed).toBeNull()
      // One finding per statement and cause: the rename's (or drop's) finding names the same lock, and says it is held.
      const all = await findingsOfAll(versions, { trace })
      expect(all.map((finding) => finding.rule)).toEqual([statement.startsWith('DROP') ? 'drop-table' : 'rename-table'])
      expect(all[0].message).toContain("It holds ACCESS EXCLUSIVE until the version's transaction commits")
      expect(all[0].message).toContain('(m/v1/01.sql:2)')
    }
    expect(
      await sql(db.url, `SELECT to_regclass('public.orders')::text AS orders, to_regclass('billing.invoices')::text AS invoices`)
    ).toEqual([{ orders: 'orders', invoices: 'billing.invoices' }])
  })

  it('stands alone when the finding it would join is waived, and joins the first unwaived one otherwise', async () => {
    const waived = await findingsOfAll([
      {
        '01.sql':
          '-- aurora-migrate:ignore rename-table the old name has no reader left\nALTER TABLE orders RENAME TO purchases;\nSELECT 1;'
      }
    ])
    expect(waived.map((finding) => [finding.rule, finding.waived?.by ?? null])).toEqual([
      ['rename-table', 'comment'],
      ['access-exclusive-held', null]
    ])
    expect(waived[0].message).not.toContain('It holds ACCESS EXCLUSIVE')
    const joined = await findingsOfAll([{ '01.sql': 'ALTER TABLE orders RENAME TO purchases;\nSELECT 1;' }])
    expect(joined.map((finding) => finding.rule)).toEqual(['rename-table'])
    expect(joined[0].message).toContain("It holds ACCESS EXCLUSIVE until the version's transaction commits")
  })

  it('fires once per table: a second ALTER of the same table in the transaction finds the lock already held', async () => {
    const found = await findings('access-exclusive-held', [{ '01.sql': `${HELD}ALTER TABLE orders ADD COLUMN other int;\nSELECT 1;` }])
    expect(found.map((finding) => finding.line)).toEqual([1])
    // TRUNCATE and LOCK TABLE have rules of their own that say so; the ALTER after them finds the lock already held.
    for (const first of ['TRUNCATE orders', 'LOCK TABLE orders']) {
      expect(
        await findings('access-exclusive-held', [{ '01.sql': `${first};\nALTER TABLE orders ADD COLUMN other int;\nSELECT 1;` }])
      ).toEqual([])
    }
  })
})

describe('enum-value-same-transaction', () => {
  const ADD_AND_USE = "ALTER TYPE tier ADD VALUE 'gold';\nUPDATE customers SET tier = 'gold' WHERE id = 1;\n"

  it('fires where PostgreSQL refuses the new value, and the database keeps the enum as it was', async () => {
    const versions = [{ '01.sql': ADD_AND_USE }]
    const { trace, failed } = await traceOf(versions)
    expect(failed).toMatch(/unsafe use of new value "gold"/)
    expect(await sql(db.url, `SELECT enumlabel FROM pg_enum WHERE enumtypid = 'tier'::regtype ORDER BY enumsortorder`)).toEqual([
      { enumlabel: 'bronze' },
      { enumlabel: 'silver' }
    ])
    for (const options of [{}, { trace }]) {
      const found = await findings('enum-value-same-transaction', versions, options)
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject({ severity: 'error', line: 2 })
      expect(found[0].message).toContain('`ALTER TYPE tier ADD VALUE` at m/v1/01.sql:1')
    }
  })

  it('is silent when the value is used after a commit, or the type is new in the same transaction (PostgreSQL allows both)', async () => {
    const silent: Versions[] = [
      [{ '01.sql': "ALTER TYPE tier ADD VALUE 'gold';" }, { '01.sql': "UPDATE customers SET tier = 'gold' WHERE id = 1;" }],
      [{ '01.sql': `${NO_TX}ALTER TYPE tier ADD VALUE 'gold';`, '02.sql': "UPDATE customers SET tier = 'gold' WHERE id = 1;" }],
      [{ '01.sql': "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'great';\nSELECT 'great'::mood;" }]
    ]
    for (const versions of silent) expect(await findings('enum-value-same-transaction', versions)).toEqual([])
    const { failed } = await traceOf(silent[2])
    expect(failed).toBeNull()
    expect(await sql(db.url, `SELECT to_regtype('mood')::text AS mood`)).toEqual([{ mood: null }])
  })
})

describe('notices on column types', () => {
  it('flags timestamp, serial and json wherever a column is defined', async () => {
    const versions = [
      {
        '01.sql':
          'CREATE TABLE events (id bigserial PRIMARY KEY, at timestamp NOT NULL, body json);\n' +
          'ALTER TABLE orders ADD COLUMN shipped timestamp(3), ALTER COLUMN note TYPE json USING to_json(note);'
      }
    ]
    expect((await findings('timestamp-without-time-zone', versions)).map((f) => [f.line, f.relation, f.severity])).toEqual([
      [1, 'public.events', 'notice'],
      [2, 'public.orders', 'notice']
    ])
    const serial = await findings('serial-column', versions)
    expect(serial.map((f) => f.message)).toEqual([expect.stringContaining('`public.events.id` is `bigserial`')])
    expect(serial[0].fixSql).toBe('bigint GENERATED ALWAYS AS IDENTITY')
    expect((await findings('json-column', versions)).map((f) => f.line)).toEqual([1, 2])
  })

  it('is silent on timestamptz, identity and jsonb', async () => {
    const versions = [
      { '01.sql': 'CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz, body jsonb, tags text[]);' }
    ]
    for (const rule of ['timestamp-without-time-zone', 'serial-column', 'json-column']) expect(await findings(rule, versions)).toEqual([])
  })
})

describe('docs/rules.md', () => {
  it('has a section for every schema-change rule, with its severity, an example and the fix in SQL', () => {
    const page = fs.readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8')
    for (const rule of CHANGE_RULES) {
      const section = page.split(/^### /m).find((part) => part.startsWith(`${rule.id}\n`))
      expect(section).toBeDefined()
      expect(section).toContain(`**Severity:** ${rule.severity}`)
      expect(section?.match(/```sql/g)?.length).toBeGreaterThanOrEqual(2)
    }
  })
})
