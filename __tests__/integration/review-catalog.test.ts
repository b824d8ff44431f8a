/**
 * The catalog read through the real Data API client against the emulator, on a populated database:
 * one call for every relation, rows and bytes as PostgreSQL's catalog has them, a missing relation absent.
 */
import { readCatalogFacts } from '../../src/dialects/postgresql/review/catalog.js'
import { reviewStatements, runRules, touchedRelations } from '../../src/dialects/postgresql/review.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import type { Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../../testkit/data-api-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { version } from '../../testkit/versions.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

useDummyAwsEnvironment()

let db: Awaited<ReturnType<typeof createTestDatabase>>
let emulator: DataApiEmulator
let target: Target

beforeAll(async () => {
  db = await createTestDatabase('catalog')
  await sql(
    db.url,
    `CREATE SCHEMA shop;
     CREATE TABLE shop.orders (id bigint PRIMARY KEY, note text, tier text);
     INSERT INTO shop.orders SELECT g, CASE WHEN g % 4 = 0 THEN 'n' END, NULL FROM generate_series(1, 20000) g;
     CREATE TABLE public.empty_table (id int);
     CREATE VIEW public.order_notes AS SELECT note FROM shop.orders;
     ANALYZE shop.orders; ANALYZE public.empty_table`
  )
  emulator = await startDataApiEmulator({ postgresUrl: db.url })
  target = createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint,
    log: () => {}
  })
})

afterAll(async () => {
  await target?.close()
  await emulator?.stop()
  await db?.drop()
})

test('one Data API call returns rows, size and null fractions; a missing relation is absent', async () => {
  const before = emulator.calls.length
  const facts = await readCatalogFacts(target, ['shop.orders', 'public.empty_table', 'public.order_notes', 'shop.missing', 'nope.orders'])
  expect(emulator.calls.slice(before).map((call) => call.op)).toEqual(['ExecuteStatement'])

  const [expected] = await sql<{ bytes: string }>(db.url, `SELECT pg_total_relation_size('shop.orders')::text AS bytes`)
  const orders = facts.get('shop.orders')!
  expect(orders).toMatchObject({ name: 'shop.orders', kind: 'table', rows: 20000, bytes: Number(expected.bytes) })
  expect(orders.bytes).toBeGreaterThan(500_000)
  expect(orders.nullFraction!.tier).toBe(1)
  expect(orders.nullFraction!.note).toBeCloseTo(0.75, 1)
  expect(orders.nullFraction!.id).toBe(0)

  expect(facts.get('public.empty_table')).toMatchObject({ kind: 'table', rows: 0 })
  expect(facts.get('public.order_notes')).toMatchObject({ kind: 'view', bytes: null })
  expect(facts.has('shop.missing')).toBe(false)
  expect(facts.has('nope.orders')).toBe(false)
  expect([...facts.keys()].sort()).toEqual(['public.empty_table', 'public.order_notes', 'shop.orders'])
})

test('a table never analyzed has unknown rows, not zero; no relations asks nothing', async () => {
  await sql(db.url, `CREATE TABLE public.fresh AS SELECT g AS id FROM generate_series(1, 10) g`)
  const before = emulator.calls.length
  expect((await readCatalogFacts(target, [])).size).toBe(0)
  expect(emulator.calls.length).toBe(before)
  const facts = await readCatalogFacts(target, ['public.fresh'])
  expect(facts.get('public.fresh')).toMatchObject({ kind: 'table', rows: null })
  expect(facts.get('public.fresh')!.nullFraction).toBeUndefined()
})

test('the read takes no lock stronger than ACCESS SHARE: it runs while another session holds EXCLUSIVE', async () => {
  // EXCLUSIVE conflicts with every mode but ACCESS SHARE: the read would wait (and time out here) if it took more.
  const pg = (await import('pg')).default
  const holder = new pg.Client({ connectionString: db.url })
  await holder.connect()
  try {
    await holder.query('BEGIN; LOCK TABLE shop.orders IN EXCLUSIVE MODE')
    const facts = await readCatalogFacts(target, ['shop.orders'])
    expect(facts.get('shop.orders')!.rows).toBe(20000)
    const held = await holder.query(`SELECT mode FROM pg_locks WHERE relation = 'shop.orders'::regclass AND pid = pg_backend_pid()`)
    expect(held.rows.map((row) => row.mode)).toEqual(['ExclusiveLock'])
  } finally {
    await holder.query('ROLLBACK').catch(() => {})
    await holder.end()
  }
}, 15_000)

test('size-aware severity through the Data API: ADD COLUMN … NOT NULL is an error on a table with rows, silent on an empty new table', async () => {
  const v2 = version(2, {
    '01.sql':
      'ALTER TABLE shop.orders ADD COLUMN region text NOT NULL;\n' +
      'CREATE TABLE shop.returns (id bigint);\n' +
      'ALTER TABLE shop.returns ADD COLUMN reason text NOT NULL;\n'
  })
  const statements = await reviewStatements([v2], [2])
  const before = emulator.calls.length
  const catalog = await readCatalogFacts(target, touchedRelations(statements, 'public'))
  expect(emulator.calls.length - before).toBe(1)
  const findings = runRules(statements, { catalog, trace: null, defaultSchema: 'public' }, { ignoreRules: [] }).filter(
    (finding) => finding.rule === 'add-column-not-null-without-default'
  )
  expect(findings.map(({ severity, line, relation }) => ({ severity, line, relation }))).toEqual([
    { severity: 'error', line: 1, relation: 'shop.orders' }
  ])
  expect(findings[0].message).toMatch(/20,000 rows/)
  // The review only read the catalog: the table is as it was.
  expect(
    await sql(
      db.url,
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name IN ('orders', 'returns') AND column_name IN ('region', 'reason')`
    )
  ).toEqual([{ n: 0 }])
  expect(
    await sql(db.url, `SELECT to_regclass('shop.returns') IS NULL AS absent, (SELECT count(*)::int FROM shop.orders) AS rows`)
  ).toEqual([{ absent: true, rows: 20000 }])
})

test('the same call says which tables reference a table and which columns are NOT NULL or proved so by a CHECK; the review uses it without a trace', async () => {
  await sql(
    db.url,
    `CREATE TABLE public.accounts (id int PRIMARY KEY, email text, phone text, nick text NOT NULL, parent int REFERENCES public.accounts (id));
     ALTER TABLE public.accounts ADD CONSTRAINT accounts_email_not_null CHECK (email IS NOT NULL);
     ALTER TABLE public.accounts ADD CONSTRAINT accounts_phone_not_null CHECK (phone IS NOT NULL) NOT VALID;
     CREATE TABLE shop.invoices (id int PRIMARY KEY, account_id int REFERENCES public.accounts (id));
     CREATE TABLE public.payments (id int PRIMARY KEY, account_id int REFERENCES public.accounts (id));
     INSERT INTO public.accounts SELECT g, 'e' || g, 'p' || g, 'n' || g, NULL FROM generate_series(1, 5000) g;
     ANALYZE public.accounts`
  )
  try {
    const before = emulator.calls.length
    const facts = await readCatalogFacts(target, ['public.accounts', 'shop.orders'])
    expect(emulator.calls.length - before).toBe(1)
    expect(facts.get('public.accounts')).toMatchObject({
      referencedBy: ['public.payments', 'shop.invoices'],
      notNullColumns: ['id', 'nick'],
      // NOT VALID proves nothing: phone is not among them.
      checkedNotNullColumns: ['email']
    })
    expect(facts.get('shop.orders')).toMatchObject({ referencedBy: [], notNullColumns: ['id'], checkedNotNullColumns: [] })

    const v3 = version(3, {
      '01.sql':
        'ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n' +
        'ALTER TABLE accounts ALTER COLUMN nick SET NOT NULL;\n' +
        'ALTER TABLE accounts ALTER COLUMN phone SET NOT NULL;\n'
    })
    const statements = await reviewStatements([v3], [3])
    const catalog = await readCatalogFacts(target, touchedRelations(statements, 'public'))
    const setNotNull = runRules(statements, { catalog, trace: null, defaultSchema: 'public' }, { ignoreRules: [] }).filter(
      (finding) => finding.rule === 'set-not-null'
    )
    // Only phone is scanned: email has a valid CHECK, nick is already NOT NULL.
    expect(setNotNull.map((finding) => finding.line)).toEqual([3])

    const v4 = version(4, { '01.sql': 'ALTER TABLE accounts ALTER COLUMN id TYPE bigint;\n' })
    const typeStatements = await reviewStatements([v4], [4])
    const typeCatalog = await readCatalogFacts(target, touchedRelations(typeStatements, 'public'))
    const typeFindings = runRules(typeStatements, { catalog: typeCatalog, trace: null, defaultSchema: 'public' }, { ignoreRules: [] })
    const text = typeFindings.map((finding) => finding.message).join('\n')
    expect(text).toContain('public.payments')
    expect(text).toContain('shop.invoices')
    // Read only: nothing changed.
    expect(
      await sql(
        db.url,
        `SELECT format_type(atttypid, NULL) AS type FROM pg_attribute WHERE attrelid = 'public.accounts'::regclass AND attname = 'id'`
      )
    ).toEqual([{ type: 'integer' }])
  } finally {
    await sql(db.url, 'DROP TABLE shop.invoices, public.payments, public.accounts')
  }
})
