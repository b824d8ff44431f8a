/**
 * A statement's own lock need, read from the parse tree by PostgreSQL's documented lock levels (lock-need.ts), is the
 * lock PostgreSQL takes: each statement runs alone in a transaction rolled back afterwards, and the strongest mode its
 * session holds on each relation the need names (pg_locks) is the need's mode.
 */
import pg from 'pg'
import { ownLockNeed } from '../../src/dialects/postgresql/review/rules/support/lock-need.js'
import { reviewStatements } from '../../src/dialects/postgresql/review.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { version } from '../../testkit/versions.js'

const SETUP = `
CREATE TABLE customers (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, total numeric, note text);
ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;
CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2026 (id bigint, at date NOT NULL);
CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, 1 + g % 100, g, NULL FROM generate_series(1, 1000) g;
ANALYZE;
`

const STATEMENTS = [
  'CREATE INDEX orders_total_idx ON orders (total)',
  'ALTER TABLE orders ADD COLUMN state text',
  'ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES customers (id)',
  'ALTER TABLE orders ALTER COLUMN total SET NOT NULL',
  'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check',
  'ALTER TABLE orders ALTER COLUMN total SET STATISTICS 500',
  'ALTER TABLE orders SET (fillfactor = 90)',
  'ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID',
  'ALTER TABLE orders DISABLE TRIGGER ALL',
  "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
  'ALTER TABLE orders RENAME COLUMN note TO notes',
  'ALTER TABLE orders RENAME TO purchases',
  'DROP TABLE orders CASCADE',
  'TRUNCATE orders',
  'LOCK TABLE orders IN SHARE MODE',
  'LOCK TABLE orders',
  'CLUSTER orders USING orders_pkey',
  'REFRESH MATERIALIZED VIEW order_totals',
  'REINDEX TABLE orders',
  'CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch()',
  "UPDATE orders SET note = 'x' WHERE id = 1",
  'DELETE FROM orders WHERE id = 1',
  'INSERT INTO orders (id) VALUES (100000)'
]

let db: { url: string; drop(): Promise<void> }

beforeAll(async () => {
  db = await createTestDatabase('lockneed')
  await sql(db.url, SETUP)
}, 60_000)

afterAll(async () => {
  await db?.drop()
})

const STRENGTH = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock'
]

/** The strongest lock mode the statement's session holds on each relation of the public schema. */
async function strongestLocks(statement: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    await client.query('BEGIN')
    // Named as before the statement: a table it renames or drops is gone from pg_class under that name.
    const names = await client.query<{ oid: string; relation: string }>(
      `SELECT c.oid::text AS oid, n.nspname || '.' || c.relname AS relation FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`
    )
    const named = new Map(names.rows.map((row) => [row.oid, row.relation]))
    await client.query(statement)
    const locks = await client.query<{ oid: string; mode: string }>(
      `SELECT l.relation::text AS oid, l.mode FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'`
    )
    const rows = locks.rows.flatMap((row) => (named.has(row.oid) ? [{ relation: named.get(row.oid)!, mode: row.mode }] : []))
    const strongest = new Map<string, string>()
    for (const { relation, mode } of rows) {
      const known = strongest.get(relation)
      if (!known || STRENGTH.indexOf(mode) > STRENGTH.indexOf(known)) strongest.set(relation, mode)
    }
    return strongest
  } finally {
    await client.query('ROLLBACK')
    await client.end()
  }
}

test.each(STATEMENTS)('%s: the need read from the SQL is the lock PostgreSQL takes', async (statement) => {
  const [parsed] = await reviewStatements([version(1, { '01.sql': `${statement};` })], [1])
  const needs = ownLockNeed(parsed, 'public')
  expect(needs.length).toBeGreaterThan(0)
  const taken = await strongestLocks(statement)
  for (const need of needs) expect([need.relation, taken.get(need.relation)]).toEqual([need.relation, need.mode])
  // Rolled back: the table is still there, as it was.
  expect(await sql(db.url, `SELECT count(*)::int AS n, count(note)::int AS notes FROM orders`)).toEqual([{ n: 1000, notes: 0 }])
})
