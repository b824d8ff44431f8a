/**
 * Held-out cases of the review, each proved on PostgreSQL before the review is asked about it. The proof runs the
 * statements on a database with rows (the stand-in target) in a transaction rolled back afterwards, and reads what
 * PostgreSQL did: the locks of that session (pg_locks), the tables rewritten (pg_class.relfilenode) and the tables
 * read in full (pg_stat_xact_user_tables.seq_scan). The review then runs as plan runs it: the statements traced on a
 * throwaway database (verification, with the same applied version), the catalog read from the target. Each case has
 * its positive and its negative.
 */
import pg from 'pg'
import { discoverMigrations } from '../src/migrations/discover.js'
import { reviewStatements, runRules } from '../src/review/review.js'
import type { Finding, RelationFacts, StatementTrace } from '../src/review/types.js'
import { verifyOnShadow } from '../src/shadow/verify.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from './support/postgres.js'
import { writeMigrations } from './support/versions.js'
import { postgresql } from '../src/dialects/postgresql/index.js'

/** The applied version: on the stand-in target (with rows) and, as v1, on the throwaway database. */
const SETUP = `
CREATE TABLE users (id integer PRIMARY KEY, email text, phone text, name text NOT NULL, n int);
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL);
ALTER TABLE users ADD CONSTRAINT users_n_not_null CHECK (n IS NOT NULL) NOT VALID;
CREATE TABLE orders (id bigint PRIMARY KEY, user_id integer REFERENCES users (id), code text);
CREATE TABLE refunds (id bigint PRIMARY KEY, user_id integer REFERENCES users (id));
CREATE TABLE events (id bigint PRIMARY KEY, body text);
CREATE UNLOGGED TABLE cache (id bigint PRIMARY KEY, body text);
CREATE TABLE tags (label text);
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE DOMAIN rating AS integer;
CREATE TABLE reviews (id bigint PRIMARY KEY, stars rating);
INSERT INTO reviews SELECT g, 1 + g % 5 FROM generate_series(1, 1000) g;
CREATE TABLE ratings_archive (stars rating);
INSERT INTO ratings_archive SELECT 1 + g % 5 FROM generate_series(1, 200) g;
ALTER DOMAIN rating ADD CONSTRAINT rating_max CHECK (VALUE <= 10) NOT VALID;
CREATE TABLE ev (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE ev_2026 (id bigint, at date NOT NULL);
INSERT INTO ev_2026 SELECT g, date '2026-01-01' + g % 300 FROM generate_series(1, 1000) g;
CREATE TABLE ev_2027 (id bigint, at date NOT NULL, CONSTRAINT ev_2027_bounds CHECK (at >= date '2027-01-01' AND at < date '2028-01-01'));
INSERT INTO ev_2027 SELECT g, date '2027-01-01' + g % 300 FROM generate_series(1, 1000) g;
CREATE TABLE codes (code text, k integer NOT NULL);
INSERT INTO codes SELECT 'c' || g, g FROM generate_series(1, 1000) g;
CREATE UNIQUE INDEX codes_code ON codes (code);
CREATE UNIQUE INDEX codes_k ON codes (k);
CREATE DOMAIN plain_int AS integer;
INSERT INTO users SELECT g, 'e' || g, NULL, 'n' || g, g FROM generate_series(1, 3000) g;
INSERT INTO orders SELECT g, 1 + g % 3000, 'c' || g FROM generate_series(1, 3000) g;
INSERT INTO refunds SELECT g, 1 + g % 3000 FROM generate_series(1, 300) g;
INSERT INTO events SELECT g, 'x' FROM generate_series(1, 3000) g;
INSERT INTO cache SELECT g, 'y' FROM generate_series(1, 3000) g;
INSERT INTO tags SELECT 't' || g FROM generate_series(1, 300) g;
ANALYZE;
`

let db: { url: string; drop(): Promise<void> }
let catalog: Map<string, RelationFacts>

beforeAll(async () => {
  db = await createTestDatabase('cases')
  await sql(db.url, SETUP)
  catalog = await readCatalog(db.url)
}, 60_000)

afterAll(async () => {
  await db?.drop()
})

/**
 * A stand-in for the target's catalog read: the same catalog columns, from the database with rows, and the optional
 * facts a catalog read may add (the SQL proposed for src/review/catalog.ts): the tables whose foreign keys reference
 * each table, its NOT NULL columns, and the columns a valid CHECK (col IS NOT NULL) proves.
 */
async function readCatalog(url: string): Promise<Map<string, RelationFacts>> {
  const rows = await sql<{
    name: string
    kind: string
    rows: string
    bytes: string
    nulls: Record<string, number> | null
    referenced_by: string[] | null
    not_null: string[] | null
    checked_not_null: string[] | null
  }>(
    url,
    `SELECT n.nspname || '.' || c.relname AS name, c.relkind::text AS kind, c.reltuples::bigint::text AS rows,
            pg_total_relation_size(c.oid)::text AS bytes,
            (SELECT json_object_agg(s.attname, s.null_frac) FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS nulls,
            (SELECT json_agg(DISTINCT fn.nspname || '.' || fc.relname) FROM pg_constraint k
               JOIN pg_class fc ON fc.oid = k.conrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace
              WHERE k.confrelid = c.oid AND k.contype = 'f') AS referenced_by,
            (SELECT json_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull) AS not_null,
            (SELECT json_agg(DISTINCT a.attname::text) FROM pg_constraint k
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
              WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.convalidated AND cardinality(k.conkey) = 1
                AND pg_get_constraintdef(k.oid) = 'CHECK ((' || quote_ident(a.attname) || ' IS NOT NULL))') AS checked_not_null
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`
  )
  const kinds: Record<string, RelationFacts['kind']> = { r: 'table', i: 'index' }
  return new Map(
    rows.map((row) => [
      row.name,
      {
        name: row.name,
        kind: kinds[row.kind] ?? 'other',
        rows: Number(row.rows),
        bytes: Number(row.bytes),
        nullFraction: row.nulls ?? {},
        referencedBy: row.referenced_by ?? [],
        notNullColumns: row.not_null ?? [],
        checkedNotNullColumns: row.checked_not_null ?? []
      }
    ])
  )
}

/** What PostgreSQL did for one statement. */
interface Proof {
  /** Locks the statement took anew (relation, mode). */
  locks: string[]
  /** Locks the transaction held when it started. */
  held: string[]
  rewritten: string[]
  scanned: string[]
  error: string | null
}

const LOCKS = `SELECT c.relname || ' ' || l.mode AS lock FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND n.nspname = 'public'`
const FILES = `SELECT relname, relfilenode::text AS node FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')`
const SCANS = `SELECT relname, seq_scan::int AS scans FROM pg_stat_xact_user_tables`

/**
 * Runs the statements in one transaction on the database with rows and rolls it back, reading around each statement
 * what it locked, rewrote and read in full; stops at the first that fails.
 */
async function prove(statements: string[]): Promise<Proof[]> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  const rows = async <T>(text: string): Promise<T[]> => (await client.query(text)).rows as T[]
  const proofs: Proof[] = []
  try {
    await client.query('BEGIN')
    for (const statement of statements) {
      const held = (await rows<{ lock: string }>(LOCKS)).map((row) => row.lock)
      const files = new Map((await rows<{ relname: string; node: string }>(FILES)).map((row) => [row.relname, row.node]))
      const scans = new Map((await rows<{ relname: string; scans: number }>(SCANS)).map((row) => [row.relname, row.scans]))
      let error: string | null = null
      await client.query('SAVEPOINT s')
      try {
        await client.query(statement)
      } catch (caught) {
        error = (caught as Error).message
        await client.query('ROLLBACK TO SAVEPOINT s')
      }
      const after = (await rows<{ lock: string }>(LOCKS)).map((row) => row.lock)
      proofs.push({
        locks: after.filter((lock) => !held.includes(lock)).sort(),
        held: held.sort(),
        rewritten: (await rows<{ relname: string; node: string }>(FILES))
          .filter((row) => files.has(row.relname) && files.get(row.relname) !== row.node)
          .map((row) => row.relname)
          .sort(),
        scanned: (await rows<{ relname: string; scans: number }>(SCANS))
          .filter((row) => row.scans > (scans.get(row.relname) ?? 0))
          .map((row) => row.relname)
          .sort(),
        error
      })
      if (error) break
    }
  } finally {
    await client.query('ROLLBACK')
    await client.end()
  }
  return proofs
}

/** The trace of the pending version (v2) on a throwaway database that has the applied version (v1). */
async function traceOnShadow(pending: string): Promise<Map<string, StatementTrace>> {
  const { versions } = await discoverMigrations(writeMigrations({ 'v1_setup/01.sql': SETUP, 'v2_change/01.sql': pending }))
  const result = await verifyOnShadow(versions, {
    wire: postgresql.wire,
    shadowDatabaseUrl: process.env[ADMIN_URL_ENV]!,
    log: () => {},
    pending: [2]
  })
  // A version that fails there (as on the target) is traced up to the failing statement, which the SQL alone judges.
  if (result.status === 'passed' || result.status === 'failed') return (result.trace ?? new Map()) as Map<string, StatementTrace>
  throw new Error(`verification: ${result.status}: ${result.message ?? result.traceMessage}`)
}

/** The review of the pending version, as plan makes it: with the trace (unless `trace: false`) and the catalog. */
async function review(pending: string, options: { trace?: boolean } = {}): Promise<Finding[]> {
  const { versions } = await discoverMigrations(writeMigrations({ 'v1_setup/01.sql': SETUP, 'v2_change/01.sql': pending }))
  const statements = await reviewStatements(versions, [2])
  const trace = options.trace === false ? null : await traceOnShadow(pending)
  return runRules(statements, { catalog, trace, defaultSchema: 'public' }, { ignoreRules: [] })
}

const rules = (findings: Finding[]): string[] => findings.map((finding) => finding.rule)

/** Both ways the review judges: with the trace of the throwaway database, and from the SQL and catalog alone. */
const BOTH = [
  ['with the trace', true],
  ['without it', false]
] as const

describe('constraints written inline in ADD COLUMN', () => {
  test('UNIQUE builds its index over every row under ACCESS EXCLUSIVE: unique-constraint-locks; a plain column does not', async () => {
    const [unique] = await prove(['ALTER TABLE users ADD COLUMN code text UNIQUE'])
    expect(unique.locks).toEqual(expect.arrayContaining(['users AccessExclusiveLock', 'users ShareLock']))
    expect(unique.scanned).toEqual(['users'])
    const [plain] = await prove(['ALTER TABLE users ADD COLUMN code text'])
    expect(plain.scanned).toEqual([])
    for (const [, trace] of BOTH) {
      const found = await review('ALTER TABLE users ADD COLUMN code text UNIQUE;', { trace })
      expect(found.filter((finding) => finding.rule === 'unique-constraint-locks')).toEqual([
        expect.objectContaining({ severity: 'warning', relation: 'public.users', lock: 'AccessExclusiveLock' })
      ])
      const finding = found.find((each) => each.rule === 'unique-constraint-locks')!
      expect(finding.message).toContain('UNIQUE index on the new column `code`')
      expect(finding.fixSql).toContain('ADD COLUMN code text;')
      expect(finding.fixSql).toContain('CREATE UNIQUE INDEX CONCURRENTLY users_code_key ON users (code);')
      expect(rules(await review('ALTER TABLE users ADD COLUMN code text;', { trace }))).toEqual([])
    }
  }, 60_000)

  test('PRIMARY KEY makes the column NOT NULL: on a table with rows it fails (an error), and its index is built under lock', async () => {
    const [failed] = await prove(['ALTER TABLE tags ADD COLUMN id int PRIMARY KEY'])
    expect(failed.error).toMatch(/contains null values/)
    const [identity] = await prove(['ALTER TABLE tags ADD COLUMN id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY'])
    expect(identity.error).toBeNull()
    expect(identity.locks).toEqual(expect.arrayContaining(['tags AccessExclusiveLock', 'tags ShareLock']))
    expect(identity.rewritten).toContain('tags')
    // Nothing of either stays.
    expect(await sql(db.url, `SELECT column_name FROM information_schema.columns WHERE table_name = 'tags' ORDER BY 1`)).toEqual([
      { column_name: 'label' }
    ])
    for (const [, trace] of BOTH) {
      const plain = await review('ALTER TABLE tags ADD COLUMN id int PRIMARY KEY;', { trace })
      expect(plain.map((finding) => [finding.rule, finding.severity])).toEqual(
        expect.arrayContaining([
          ['add-column-not-null-without-default', 'error'],
          ['unique-constraint-locks', 'warning']
        ])
      )
      const withIdentity = await review('ALTER TABLE tags ADD COLUMN id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY;', { trace })
      expect(rules(withIdentity)).toEqual(expect.arrayContaining(['add-column-serial-identity', 'unique-constraint-locks']))
      expect(rules(withIdentity)).not.toContain('add-column-not-null-without-default')
    }
  }, 60_000)

  test('CHECK reads every row under ACCESS EXCLUSIVE: constraint-validated-at-once; added NOT VALID afterwards it reads none', async () => {
    const [inline] = await prove(['ALTER TABLE users ADD COLUMN score int DEFAULT 1 CHECK (score > 0)'])
    expect(inline.locks).toContain('users AccessExclusiveLock')
    expect(inline.scanned).toEqual(['users'])
    const safe = await prove([
      'ALTER TABLE users ADD COLUMN score int DEFAULT 1',
      'ALTER TABLE users ADD CONSTRAINT users_score CHECK (score > 0) NOT VALID'
    ])
    expect(safe.map((proof) => proof.scanned)).toEqual([[], []])
    for (const [, trace] of BOTH) {
      const found = await review('ALTER TABLE users ADD COLUMN score int DEFAULT 1 CHECK (score > 0);', { trace })
      const finding = found.find((each) => each.rule === 'constraint-validated-at-once')
      expect(finding).toMatchObject({ severity: 'warning', relation: 'public.users', lock: 'AccessExclusiveLock' })
      expect(finding!.message).toMatch(/^Adds column `score` with an inline CHECK: ACCESS EXCLUSIVE on `public\.users` \(≈3,000 rows, /)
      expect(finding!.fixSql).toContain('ADD COLUMN score integer DEFAULT …;')
      const fixed = await review(
        'ALTER TABLE users ADD COLUMN score int DEFAULT 1;\nALTER TABLE users ADD CONSTRAINT users_score CHECK (score > 0) NOT VALID;',
        { trace }
      )
      expect(rules(fixed)).not.toContain('constraint-validated-at-once')
    }
  }, 60_000)

  test('REFERENCES with a default reads every row; without one the new column is NULL everywhere and nothing is read', async () => {
    const [withDefault] = await prove(['ALTER TABLE orders ADD COLUMN buyer_id integer DEFAULT 1 REFERENCES users (id)'])
    expect(withDefault.scanned).toContain('orders')
    expect(withDefault.locks).toEqual(expect.arrayContaining(['orders AccessExclusiveLock', 'users ShareRowExclusiveLock']))
    const [withoutDefault] = await prove(['ALTER TABLE orders ADD COLUMN buyer_id integer REFERENCES users (id)'])
    expect(withoutDefault.scanned).toEqual([])
    expect(withoutDefault.locks).toEqual(expect.arrayContaining(['orders AccessExclusiveLock', 'users ShareRowExclusiveLock']))
    for (const [, trace] of BOTH) {
      const found = await review('ALTER TABLE orders ADD COLUMN buyer_id integer DEFAULT 1 REFERENCES users (id);', { trace })
      const finding = found.find((each) => each.rule === 'constraint-validated-at-once')
      expect(finding).toMatchObject({ severity: 'warning', relation: 'public.orders', lock: 'AccessExclusiveLock' })
      expect(finding!.message).toContain('and on `public.users` while the FOREIGN KEY (buyer_id) is checked against every row')
      const plain = await review('ALTER TABLE orders ADD COLUMN buyer_id integer REFERENCES users (id);', { trace })
      expect(rules(plain)).not.toContain('constraint-validated-at-once')
      // Its lookups still want an index: the notice stays.
      expect(rules(plain)).toContain('foreign-key-without-index')
    }
  }, 60_000)
})

describe('SET LOGGED / SET UNLOGGED', () => {
  test('each rewrites the table under ACCESS EXCLUSIVE when it changes it, and nothing when it does not', async () => {
    const [unlogged] = await prove(['ALTER TABLE events SET UNLOGGED'])
    expect(unlogged.rewritten).toEqual(['events', 'events_pkey'])
    expect(unlogged.locks).toContain('events AccessExclusiveLock')
    const [logged] = await prove(['ALTER TABLE cache SET LOGGED'])
    expect(logged.rewritten).toEqual(['cache', 'cache_pkey'])
    const [already] = await prove(['ALTER TABLE cache SET UNLOGGED'])
    expect(already.rewritten).toEqual([])
    // PostgreSQL refuses UNLOGGED for a table a logged table's foreign key references.
    const [refused] = await prove(['ALTER TABLE users SET UNLOGGED'])
    expect(refused.error).toMatch(/could not change table "users" to unlogged because it references logged table/)
    expect(await sql(db.url, `SELECT relname, relpersistence::text FROM pg_class WHERE relname IN ('events', 'cache') ORDER BY 1`)).toEqual(
      [
        { relname: 'cache', relpersistence: 'u' },
        { relname: 'events', relpersistence: 'p' }
      ]
    )

    for (const [, trace] of BOTH) {
      const found = await review('ALTER TABLE events SET UNLOGGED;', { trace })
      expect(found).toEqual([
        expect.objectContaining({ rule: 'set-unlogged', severity: 'error', relation: 'public.events', lock: 'AccessExclusiveLock' })
      ])
      expect(found[0].message).toContain('PostgreSQL empties it after a crash or a failover')
      expect(await review('ALTER TABLE cache SET LOGGED;', { trace })).toEqual([
        expect.objectContaining({ rule: 'set-logged', severity: 'warning', relation: 'public.cache' })
      ])
    }
    // Setting what the table already is: the trace saw no rewrite.
    expect(await review('ALTER TABLE cache SET UNLOGGED;')).toEqual([])
    expect(await review('ALTER TABLE events SET LOGGED;')).toEqual([])
  }, 90_000)
})

describe('SET NOT NULL', () => {
  test('reads every row unless a valid CHECK (col IS NOT NULL) proves it or the column is NOT NULL already', async () => {
    const [checked, already, plain] = await Promise.all(
      ['email', 'name', 'n'].map(async (column) => (await prove([`ALTER TABLE users ALTER COLUMN ${column} SET NOT NULL`]))[0])
    )
    expect(checked).toMatchObject({ scanned: [], error: null })
    expect(already).toMatchObject({ scanned: [], error: null })
    expect(plain).toMatchObject({ scanned: ['users'], error: null })
    for (const proof of [checked, already, plain]) expect(proof.locks).toContain('users AccessExclusiveLock')

    const notNull = async (column: string): Promise<Finding[]> =>
      (await review(`ALTER TABLE users ALTER COLUMN ${column} SET NOT NULL;`)).filter((finding) => finding.rule === 'set-not-null')
    expect(await notNull('email')).toEqual([])
    expect(await notNull('name')).toEqual([])
    // The catalog's facts say the same without a trace: `email` proved by its CHECK, `name` NOT NULL already.
    expect(catalog.get('public.users')).toMatchObject({ notNullColumns: ['id', 'name'], checkedNotNullColumns: ['email'] })
    for (const column of ['email', 'name', 'n']) {
      const found = await review(`ALTER TABLE users ALTER COLUMN ${column} SET NOT NULL;`, { trace: false })
      expect([column, rules(found)]).toEqual([column, column === 'n' ? ['set-not-null'] : []])
    }
    expect(await notNull('n')).toEqual([expect.objectContaining({ severity: 'warning', lock: 'AccessExclusiveLock' })])
    // NULLs in the target's statistics: it fails there.
    expect(await notNull('phone')).toEqual([expect.objectContaining({ severity: 'error' })])
  }, 90_000)

  test('the fix docs/rules.md recommends (VALIDATE, SET NOT NULL, DROP CONSTRAINT) reads the table only to validate, and gets no finding', async () => {
    const FIX = [
      'ALTER TABLE users VALIDATE CONSTRAINT users_n_not_null',
      'ALTER TABLE users ALTER COLUMN n SET NOT NULL',
      'ALTER TABLE users DROP CONSTRAINT users_n_not_null'
    ]
    const [validate, setNotNull, drop] = await prove(FIX)
    expect(validate).toMatchObject({ scanned: ['users'], error: null })
    expect(validate.locks).toContain('users ShareUpdateExclusiveLock')
    expect(validate.locks).not.toContain('users AccessExclusiveLock')
    expect(setNotNull).toMatchObject({ scanned: [], error: null })
    expect(drop).toMatchObject({ scanned: [], rewritten: [], error: null })
    for (const [, trace] of BOTH) {
      expect(await review(FIX.map((statement) => `${statement};`).join('\n'), { trace })).toEqual([])
    }
    // Validating another column's CHECK proves nothing about n: the scan happens, and the rule fires either way.
    const [, other] = await prove([
      'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null',
      'ALTER TABLE users ALTER COLUMN n SET NOT NULL'
    ])
    expect(other.scanned).toEqual(['users'])
    for (const [, trace] of BOTH) {
      const found = await review(
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN n SET NOT NULL;',
        {
          trace
        }
      )
      expect(rules(found)).toContain('set-not-null')
    }
    // Followed by a statement that reads another table, the lock is held while it runs: then it is a finding.
    const slow = await review(`${FIX.map((statement) => `${statement};`).join('\n')}\nUPDATE orders SET code = upper(code);`)
    expect(rules(slow)).toEqual(['access-exclusive-held', 'unbatched-backfill'])
  }, 90_000)
})

describe('ALTER COLUMN … TYPE on a primary key other tables reference', () => {
  test('names every referencing table (each locked and read again) and suggests no fix PostgreSQL refuses', async () => {
    const [retype] = await prove(['ALTER TABLE users ALTER COLUMN id TYPE bigint'])
    expect(retype.error).toBeNull()
    expect(retype.rewritten).toEqual(expect.arrayContaining(['users', 'users_pkey']))
    for (const table of ['orders', 'refunds']) {
      expect(retype.locks).toContain(`${table} AccessExclusiveLock`)
      expect(retype.scanned).toContain(table)
    }
    // What the old fix ended with: PostgreSQL refuses it, and the column stays.
    const [drop] = await prove(['ALTER TABLE users DROP COLUMN id'])
    expect(drop.error).toMatch(/cannot drop column id of table users because other objects depend on it/)
    expect(await sql(db.url, `SELECT data_type FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'id'`)).toEqual(
      [{ data_type: 'integer' }]
    )

    const [finding] = (await review('ALTER TABLE users ALTER COLUMN id TYPE bigint;')).filter(
      (each) => each.rule === 'alter-column-type-rewrite'
    )
    expect(finding.message).toMatch(
      /The foreign keys of `public\.orders` \(≈3,000 rows, [^)]+\), `public\.refunds` \(≈300 rows, [^)]+\) reference it/
    )
    expect(finding.message).toContain('reading every row of it')
    expect(finding.fixSql).not.toMatch(/DROP COLUMN/)
    expect(finding.fixSql).toContain('REFERENCES users (id_new) NOT VALID')
    expect(finding.fix).toContain('PostgreSQL refuses to drop the old key or its column while a foreign key depends on it')

    // Without a trace, the catalog's referencing tables (when the catalog read gives them) name the same two.
    expect(catalog.get('public.users')?.referencedBy).toEqual(['public.orders', 'public.refunds'])
    const [fromCatalog] = (await review('ALTER TABLE users ALTER COLUMN id TYPE bigint;', { trace: false })).filter(
      (each) => each.rule === 'alter-column-type-rewrite'
    )
    expect(fromCatalog.message).toMatch(
      /The foreign keys of `public\.orders` \(≈3,000 rows, [^)]+\), `public\.refunds` \(≈300 rows, [^)]+\) reference it/
    )
    expect(fromCatalog.message).toContain('reading every row of it')
    expect(fromCatalog.fixSql).not.toMatch(/DROP COLUMN/)

    // The fix's steps (without CONCURRENTLY, which a transaction refuses) are accepted, and then the old column can go.
    const steps = await prove([
      'ALTER TABLE users ADD COLUMN id_new bigint',
      'UPDATE users SET id_new = id',
      'CREATE UNIQUE INDEX users_id_new_key ON users (id_new)',
      'ALTER TABLE users ADD CONSTRAINT users_id_new_not_null CHECK (id_new IS NOT NULL) NOT VALID',
      'ALTER TABLE users VALIDATE CONSTRAINT users_id_new_not_null',
      'ALTER TABLE users ALTER COLUMN id_new SET NOT NULL',
      ...['orders', 'refunds'].flatMap((table) => [
        `ALTER TABLE ${table} ADD COLUMN user_id_new bigint`,
        `UPDATE ${table} SET user_id_new = user_id`,
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_user_id_new_fkey FOREIGN KEY (user_id_new) REFERENCES users (id_new) NOT VALID`,
        `ALTER TABLE ${table} VALIDATE CONSTRAINT ${table}_user_id_new_fkey`,
        `ALTER TABLE ${table} DROP CONSTRAINT ${table}_user_id_fkey`
      ]),
      'ALTER TABLE users DROP CONSTRAINT users_pkey, ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_new_key',
      'ALTER TABLE users DROP COLUMN id'
    ])
    expect(steps.map((step) => step.error)).toEqual(steps.map(() => null))
    expect(steps).toHaveLength(18)
    // Rolled back: the target is as it was.
    expect(
      await sql(db.url, `SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name IN ('id_new', 'user_id_new')`)
    ).toEqual([{ n: 0 }])
    expect(finding.fixSql).toContain('CHECK (id_new IS NOT NULL) NOT VALID')

    // Retyping the referencing column locks the referenced table too, but that table references nothing: not named.
    const [referencing] = (await review('ALTER TABLE orders ALTER COLUMN user_id TYPE bigint;')).filter(
      (each) => each.rule === 'alter-column-type-rewrite'
    )
    expect(referencing.message).not.toContain('The foreign keys of')
    // A table nothing references: the old fix, with the warning about foreign keys.
    const [alone] = (await review('ALTER TABLE events ALTER COLUMN id TYPE int;')).filter(
      (each) => each.rule === 'alter-column-type-rewrite'
    )
    expect(alone.message).not.toContain('The foreign keys of')
    expect(alone.fix).toContain('PostgreSQL refuses to drop a column a foreign key depends on')
  }, 90_000)
})

describe('one finding per statement and cause', () => {
  test('a rewrite followed by a backfill: the rewrite finding says the lock is held; access-exclusive-held does not repeat it', async () => {
    const pending = 'ALTER TABLE events ALTER COLUMN id TYPE int;\nUPDATE orders SET code = upper(code);'
    const [retype, update] = await prove(pending.split(';\n'))
    expect(retype.locks).toContain('events AccessExclusiveLock')
    // The lock is still held while the UPDATE runs.
    expect(update.held).toContain('events AccessExclusiveLock')
    for (const [, trace] of BOTH) {
      const found = await review(pending, { trace })
      expect(found.map((finding) => `${finding.line} ${finding.rule}`)).toEqual(['1 alter-column-type-rewrite', '2 unbatched-backfill'])
      expect(found[0].message).toContain("It holds ACCESS EXCLUSIVE until the version's transaction commits")
    }
    // With nothing else to say about the statement, access-exclusive-held says it.
    const alone = await review("ALTER TABLE events ADD COLUMN kind text DEFAULT 'a';\nUPDATE orders SET code = upper(code);")
    expect(alone.map((finding) => `${finding.line} ${finding.rule}`)).toEqual(['1 access-exclusive-held', '2 unbatched-backfill'])
  }, 90_000)
})

describe('lock facts the trace alone cannot see', () => {
  test('CREATE INDEX after a rewrite in the same version: no new lock, but it needs SHARE and the table is locked throughout', async () => {
    const pending = 'ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);\nCREATE INDEX orders_user ON orders (user_id);'
    const [, index] = await prove(pending.split(';\n'))
    expect(index.locks.filter((lock) => lock.startsWith('orders '))).toEqual([])
    expect(index.held).toEqual(expect.arrayContaining(['orders AccessExclusiveLock', 'orders ShareLock']))
    expect(index.scanned).toEqual(['orders'])
    for (const [, trace] of BOTH) {
      const found = (await review(pending, { trace })).filter((finding) => finding.rule === 'index-not-concurrent')
      expect(found).toEqual([expect.objectContaining({ line: 2, relation: 'public.orders', lock: 'ShareLock' })])
      expect(found[0].message).toMatch(/^SHARE on `public\.orders` \(≈3,000 rows, [^)]+\) while the whole index is built/)
      expect(found[0].message).toMatch(
        /The version's transaction already holds ACCESS EXCLUSIVE on `public\.orders` since \S*v2_change\/01\.sql:1:/
      )
    }
    // On its own, the same index has no such note.
    const [alone] = await review('CREATE INDEX orders_user ON orders (user_id);')
    expect(alone.rule).toBe('index-not-concurrent')
    expect(alone.message).not.toContain('already holds')
  }, 90_000)
})

describe('one formatter for a relation and its size', () => {
  test('every message names the same table the same way, with the same size', async () => {
    const pending = [
      'ALTER TABLE users ADD COLUMN score int DEFAULT 1 CHECK (score > 0);',
      'ALTER TABLE users ALTER COLUMN n SET NOT NULL;',
      'CREATE INDEX users_n ON users (n);',
      'ALTER TABLE users RENAME COLUMN phone TO mobile;',
      "UPDATE users SET name = 'x';",
      'ALTER TABLE users ADD COLUMN tier text NOT NULL;'
    ].join('\n')
    const found = await review(pending, { trace: false })
    expect(found.length).toBeGreaterThanOrEqual(5)
    const mentions = found.flatMap((finding) => finding.message.match(/`[a-z_.]*users`( \([^)]*\))?/g) ?? [])
    expect(mentions.length).toBeGreaterThanOrEqual(found.length)
    // Always schema-qualified, and one size text for it wherever a size is given.
    expect(new Set(mentions.map((mention) => mention.split(' ')[0]))).toEqual(new Set(['`public.users`']))
    const sized = new Set(mentions.filter((mention) => mention.includes('(')))
    expect(sized.size).toBe(1)
    expect([...sized][0]).toMatch(/^`public\.users` \(≈3,000 rows, \d+(\.\d)? kB\)$/)
  }, 90_000)
})

describe('past the list', () => {
  test('table-rewrite: a column of a domain with a CHECK rewrites the table; a plain domain does not; no second finding for a known rewrite', async () => {
    const [checked, plain] = await Promise.all(
      ['positive', 'plain_int'].map(async (domain) => (await prove([`ALTER TABLE events ADD COLUMN p ${domain} DEFAULT 1`]))[0])
    )
    expect(checked.rewritten).toEqual(['events', 'events_pkey'])
    expect(checked.locks).toContain('events AccessExclusiveLock')
    expect(plain.rewritten).toEqual([])
    const found = await review('ALTER TABLE events ADD COLUMN p positive DEFAULT 1;')
    expect(found).toEqual([
      expect.objectContaining({ rule: 'table-rewrite', severity: 'warning', relation: 'public.events', lock: 'AccessExclusiveLock' })
    ])
    expect(found[0].message).toMatch(/^The throwaway database saw this statement rewrite `public\.events` \(≈3,000 rows, /)
    expect(await review('ALTER TABLE events ADD COLUMN p plain_int DEFAULT 1;')).toEqual([])
    // Without a trace the SQL alone cannot know the domain's CHECK: silent.
    expect(await review('ALTER TABLE events ADD COLUMN p positive DEFAULT 1;', { trace: false })).toEqual([])
    // A rewrite another rule explains gets that rule's finding only.
    expect(rules(await review('ALTER TABLE events ALTER COLUMN id TYPE int;'))).toEqual(['alter-column-type-rewrite'])
  }, 90_000)

  test('validate-in-same-transaction: VALIDATE after ADD … NOT VALID in one transaction scans under the lock the ADD took', async () => {
    const ADD = 'ALTER TABLE orders ADD CONSTRAINT orders_code_len CHECK (length(code) < 20) NOT VALID'
    const VALIDATE = 'ALTER TABLE orders VALIDATE CONSTRAINT orders_code_len'
    const [add, validate] = await prove([ADD, VALIDATE])
    expect(add.scanned).toEqual([])
    expect(add.locks).toContain('orders AccessExclusiveLock')
    expect(validate.scanned).toEqual(['orders'])
    expect(validate.held).toContain('orders AccessExclusiveLock')
    const FK = 'ALTER TABLE refunds ADD CONSTRAINT refunds_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID'
    const [fk, fkValidate] = await prove([FK, 'ALTER TABLE refunds VALIDATE CONSTRAINT refunds_user_fkey'])
    expect(fk.locks).toEqual(expect.arrayContaining(['refunds ShareRowExclusiveLock', 'users ShareRowExclusiveLock']))
    expect(fkValidate.held).toContain('refunds ShareRowExclusiveLock')
    expect(fkValidate.scanned).toContain('refunds')
    // Nothing stays.
    expect(await sql(db.url, `SELECT conname FROM pg_constraint WHERE conname IN ('orders_code_len', 'refunds_user_fkey')`)).toEqual([])

    for (const [, trace] of BOTH) {
      const check = (await review(`${ADD};\n${VALIDATE};`, { trace })).filter((finding) => finding.rule === 'validate-in-same-transaction')
      expect(check).toEqual([
        expect.objectContaining({ line: 2, severity: 'warning', relation: 'public.orders', lock: 'AccessExclusiveLock' })
      ])
      expect(check[0].message).toMatch(
        /while the version's transaction holds ACCESS EXCLUSIVE on it since \S*v2_change\/01\.sql:1: blocks every read/
      )
      const foreign = (await review(`${FK};\nALTER TABLE refunds VALIDATE CONSTRAINT refunds_user_fkey;`, { trace })).filter(
        (finding) => finding.rule === 'validate-in-same-transaction'
      )
      expect(foreign).toEqual([expect.objectContaining({ relation: 'public.refunds', lock: 'ShareRowExclusiveLock' })])
      // In a later version (its own transaction) it takes SHARE UPDATE EXCLUSIVE only: silent.
      const { versions } = await discoverMigrations(
        writeMigrations({ 'v1_setup/01.sql': SETUP, 'v2_change/01.sql': `${ADD};`, 'v3_validate/01.sql': `${VALIDATE};` })
      )
      const statements = await reviewStatements(versions, [2, 3])
      const later = runRules(statements, { catalog, trace: null, defaultSchema: 'public' }, { ignoreRules: [] })
      expect(rules(later)).not.toContain('validate-in-same-transaction')
    }
  }, 90_000)

  test('PRIMARY KEY USING INDEX reads every row to set NOT NULL on a nullable column; on a NOT NULL one it reads nothing', async () => {
    const [nullable] = await prove(['ALTER TABLE codes ADD CONSTRAINT codes_pkey PRIMARY KEY USING INDEX codes_code'])
    expect(nullable).toMatchObject({ scanned: ['codes'], error: null })
    expect(nullable.locks).toContain('codes AccessExclusiveLock')
    const [notNull] = await prove(['ALTER TABLE codes ADD CONSTRAINT codes_pkey PRIMARY KEY USING INDEX codes_k'])
    expect(notNull).toMatchObject({ scanned: [], error: null })
    const [unique] = await prove(['ALTER TABLE codes ADD CONSTRAINT codes_code_key UNIQUE USING INDEX codes_code'])
    expect(unique).toMatchObject({ scanned: [], error: null })

    const found = await review('ALTER TABLE codes ADD CONSTRAINT codes_pkey PRIMARY KEY USING INDEX codes_code;')
    expect(found).toEqual([expect.objectContaining({ rule: 'unique-constraint-locks', severity: 'warning', relation: 'public.codes' })])
    expect(found[0].message).toContain("while every row is read to set NOT NULL on the key's columns")
    expect(found[0].fixSql).toContain('SET NOT NULL')
    expect(await review('ALTER TABLE codes ADD CONSTRAINT codes_pkey PRIMARY KEY USING INDEX codes_k;')).toEqual([])
    expect(await review('ALTER TABLE codes ADD CONSTRAINT codes_code_key UNIQUE USING INDEX codes_code;')).toEqual([])
  }, 90_000)

  test('attach-partition-scan: ATTACH PARTITION reads the table under ACCESS EXCLUSIVE unless a valid CHECK implies the bounds', async () => {
    const ATTACH_2026 = "ALTER TABLE ev ATTACH PARTITION ev_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"
    const ATTACH_2027 = "ALTER TABLE ev ATTACH PARTITION ev_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')"
    const [scanned] = await prove([ATTACH_2026])
    expect(scanned).toMatchObject({ scanned: ['ev_2026'], error: null })
    expect(scanned.locks).toEqual(expect.arrayContaining(['ev_2026 AccessExclusiveLock', 'ev ShareUpdateExclusiveLock']))
    expect(scanned.locks).not.toContain('ev AccessExclusiveLock')
    const [proven] = await prove([ATTACH_2027])
    expect(proven).toMatchObject({ scanned: [], error: null })
    expect(await sql(db.url, `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'ev'::regclass`)).toEqual([{ n: 0 }])

    for (const [, trace] of BOTH) {
      const found = await review(`${ATTACH_2026};`, { trace })
      expect(found).toEqual([
        expect.objectContaining({
          rule: 'attach-partition-scan',
          severity: 'warning',
          relation: 'public.ev_2026',
          lock: 'AccessExclusiveLock'
        })
      ])
    }
    // The CHECK spares the scan: the trace saw none, and the rule is silent (without a trace it cannot know).
    expect(await review(`${ATTACH_2027};`)).toEqual([])
    expect(rules(await review(`${ATTACH_2027};`, { trace: false }))).toEqual(['attach-partition-scan'])
  }, 90_000)

  test('alter-domain-scan: a domain constraint is checked in every table using it, under SHARE; NOT VALID only moves the scan', async () => {
    const [add] = await prove(['ALTER DOMAIN rating ADD CONSTRAINT rating_min CHECK (VALUE > 0)'])
    expect(add).toMatchObject({ scanned: ['ratings_archive', 'reviews'], error: null })
    expect(add.locks).toEqual(expect.arrayContaining(['reviews ShareLock', 'ratings_archive ShareLock']))
    const [notValid] = await prove(['ALTER DOMAIN rating ADD CONSTRAINT rating_min CHECK (VALUE > 0) NOT VALID'])
    expect(notValid).toMatchObject({ scanned: [], locks: [], error: null })
    const [validate] = await prove(['ALTER DOMAIN rating VALIDATE CONSTRAINT rating_max'])
    expect(validate).toMatchObject({ scanned: ['ratings_archive', 'reviews'], error: null })
    expect(validate.locks).toEqual(expect.arrayContaining(['reviews ShareLock', 'ratings_archive ShareLock']))
    expect(await sql(db.url, `SELECT conname, convalidated FROM pg_constraint WHERE contypid = 'rating'::regtype ORDER BY 1`)).toEqual([
      { conname: 'rating_max', convalidated: false }
    ])

    for (const [, trace] of BOTH) {
      for (const statement of [
        'ALTER DOMAIN rating ADD CONSTRAINT rating_min CHECK (VALUE > 0);',
        'ALTER DOMAIN rating VALIDATE CONSTRAINT rating_max;'
      ]) {
        const found = await review(statement, { trace })
        expect(found).toEqual([expect.objectContaining({ rule: 'alter-domain-scan', severity: 'warning', lock: 'ShareLock' })])
        expect(found[0].message).toContain(trace ? '`public.ratings_archive` (≈200 rows, ' : 'every table that has one')
        if (trace) expect(found[0].message).toContain('`public.reviews` (≈1,000 rows, ')
      }
      expect(await review('ALTER DOMAIN rating ADD CONSTRAINT rating_min CHECK (VALUE > 0) NOT VALID;', { trace })).toEqual([])
      // A domain the pending version creates is used by no table of the running application.
      expect(
        rules(await review('CREATE DOMAIN grade AS integer;\nALTER DOMAIN grade ADD CONSTRAINT grade_min CHECK (VALUE > 0);', { trace }))
      ).not.toContain('alter-domain-scan')
    }
  }, 90_000)
})
