/**
 * The trace of each pending statement while verification applies it on a throwaway database (the suite's
 * embedded PostgreSQL as shadow-database-url): the lock modes, rewrites and constraints asserted are the
 * ones PostgreSQL reports.
 */
import { discoverMigrations } from '../src/migrations/discover.js'
import { traceKey, type StatementTrace } from '../src/review/types.js'
import { verifyOnShadow, type Verification } from '../src/shadow/verify.js'
import { withRecordedStates } from '../src/shadow/tracing-target.js'
import { RECORD_STATE_SQL, statePositions } from '../src/review/trace.js'
import { ADMIN_URL_ENV, sql } from './support/postgres.js'
import { writeMigrations } from './support/versions.js'
import { postgresql } from '../src/dialects/postgresql/index.js'

const SETUP = `create table orders (id bigint primary key, code varchar(10), qty int, customer_id bigint);
create table customers (id bigint primary key);
insert into customers select g from generate_series(1, 50) g;
insert into orders select g, 'c' || g, g, 1 + g % 50 from generate_series(1, 500) g;`

async function verify(files: Record<string, string>, pending: number[]): Promise<{ result: Verification; logs: string[] }> {
  const { versions } = await discoverMigrations(writeMigrations(files))
  const logs: string[] = []
  const result = await verifyOnShadow(versions, {
    wire: postgresql.wire,
    shadowDatabaseUrl: process.env[ADMIN_URL_ENV]!,
    log: (m) => logs.push(m),
    pending
  })
  return { result, logs }
}

function traced(result: Verification, version: number, index: number): StatementTrace {
  const trace = result.trace?.get(traceKey(version, index))
  if (!trace) throw new Error(`no trace for v${version}#${index}: ${result.traceMessage ?? result.message}`)
  return trace
}

const modes = (trace: StatementTrace, relation: string): string[] =>
  trace.locks.filter((lock) => lock.relation === relation).map((lock) => lock.mode)

test('each statement of a pending version: its own locks, rewrites and constraints; applied versions are not traced', async () => {
  const { result } = await verify(
    {
      'v1_setup/01.sql': SETUP,
      'v2_changes/01_index.sql': 'create index orders_qty on orders (qty);',
      'v2_changes/02_columns.sql': [
        'alter table orders add column token uuid default gen_random_uuid();',
        "alter table orders add column tier text default 'free';",
        'alter table orders alter column code type text;',
        'alter table orders alter column qty type bigint;'
      ].join('\n'),
      'v2_changes/03_constraints.sql': [
        'alter table orders add constraint orders_customer_fk foreign key (customer_id) references customers (id);',
        'alter table orders add constraint orders_qty_positive check (qty > 0) not valid;'
      ].join('\n')
    },
    [2]
  )
  expect(result.status).toBe('passed')
  expect(result.traceMessage).toBeNull()
  // v1 is applied on the target already: its statements are applied here, not traced.
  expect([...result.trace!.keys()].filter((key) => key.startsWith('v1#'))).toEqual([])
  expect(result.trace!.size).toBe(7)

  const index = traced(result, 2, 0)
  expect(modes(index, 'public.orders')).toEqual(['ShareLock'])
  expect(index.rewritten).toEqual([])

  const volatileDefault = traced(result, 2, 1)
  expect(modes(volatileDefault, 'public.orders')).toEqual(['AccessExclusiveLock'])
  expect(volatileDefault.rewritten).toEqual(expect.arrayContaining(['public.orders', 'public.orders_pkey']))

  const constantDefault = traced(result, 2, 2)
  expect(constantDefault.rewritten).toEqual([])
  // ACCESS EXCLUSIVE was taken by the statement before: this one takes nothing new on the table.
  expect(modes(constantDefault, 'public.orders')).toEqual([])

  expect(traced(result, 2, 3).rewritten).toEqual([])
  expect(traced(result, 2, 4).rewritten).toEqual(expect.arrayContaining(['public.orders']))

  const foreignKey = traced(result, 2, 5)
  expect(foreignKey.constraints).toEqual([{ name: 'orders_customer_fk', relation: 'public.orders', validated: true }])
  expect(modes(foreignKey, 'public.customers')).toContain('ShareRowExclusiveLock')
  expect(modes(foreignKey, 'public.orders')).toContain('ShareRowExclusiveLock')
  expect(traced(result, 2, 6).constraints).toEqual([{ name: 'orders_qty_positive', relation: 'public.orders', validated: false }])
  for (const trace of result.trace!.values()) expect(trace.durationMs).toBeGreaterThanOrEqual(0)
}, 60_000)

test('relation and constraint names with spaces, backslashes and line breaks are traced as PostgreSQL spells them', async () => {
  const { result } = await verify(
    {
      'v1_setup/01.sql': 'create table "odd \\ name" (id bigint primary key, qty int);',
      'v2_changes/01.sql': [
        'alter table "odd \\ name" alter column qty type bigint;',
        'alter table "odd \\ name" add constraint "qty\npositive, if any" check (qty > 0) not valid;'
      ].join('\n')
    },
    [2]
  )
  expect(result.status).toBe('passed')
  expect(result.traceMessage).toBeNull()
  const table = 'public.odd \\ name'
  const retype = traced(result, 2, 0)
  expect(modes(retype, table)).toContain('AccessExclusiveLock')
  expect(retype.rewritten).toEqual(expect.arrayContaining([table, 'public.odd \\ name_pkey']))
  const check = traced(result, 2, 1)
  expect(check.rewritten).toEqual([])
  expect(check.constraints).toEqual([{ name: 'qty\npositive, if any', relation: table, validated: false }])
}, 60_000)

test('in a fresh transaction: a constant default and varchar→text take ACCESS EXCLUSIVE without a rewrite; int→bigint rewrites', async () => {
  const { result } = await verify(
    {
      'v1/01.sql': SETUP,
      'v2/01.sql': "alter table orders add column tier text not null default 'free';",
      'v3/01.sql': 'alter table orders alter column code type text;',
      'v4/01.sql': 'alter table orders alter column qty type bigint;',
      'v5/01.sql': 'alter table orders add constraint orders_customer_fk foreign key (customer_id) references customers (id) not valid;'
    },
    [2, 3, 4, 5]
  )
  expect(result.status).toBe('passed')
  expect(traced(result, 2, 0)).toMatchObject({ rewritten: [], locks: [{ relation: 'public.orders', mode: 'AccessExclusiveLock' }] })
  expect(traced(result, 3, 0)).toMatchObject({ rewritten: [], locks: [{ relation: 'public.orders', mode: 'AccessExclusiveLock' }] })
  expect(traced(result, 4, 0).rewritten).toContain('public.orders')
  expect(traced(result, 4, 0).locks).toContainEqual({ relation: 'public.orders', mode: 'AccessExclusiveLock' })
  expect(traced(result, 5, 0).constraints).toEqual([{ name: 'orders_customer_fk', relation: 'public.orders', validated: false }])
}, 60_000)

test('CREATE INDEX CONCURRENTLY in a no-transaction file is seen holding SHARE UPDATE EXCLUSIVE; the index is built', async () => {
  const { result } = await verify(
    {
      'v1/01.sql': SETUP,
      'v2/01_concurrently.sql': '-- migrate:no-transaction\ncreate index concurrently orders_code on orders (code);',
      'v2/02_after.sql': 'create index orders_customer on orders (customer_id);'
    },
    [2]
  )
  expect(result.status).toBe('passed')
  const concurrently = traced(result, 2, 0)
  expect(concurrently.locksSampled).toBe(true)
  expect(modes(concurrently, 'public.orders')).toEqual(['ShareUpdateExclusiveLock'])
  expect(concurrently.rewritten).toEqual([])
  expect(modes(traced(result, 2, 1), 'public.orders')).toEqual(['ShareLock'])
  expect(result.schemaChange!.changes.map((c) => `${c.change} ${c.kind} ${c.name}`)).toEqual([
    'added index public.orders_code',
    'added index public.orders_customer'
  ])
}, 60_000)

test('a failing pending version: the statements before the failure are traced, the failure is verification’s, nothing stays', async () => {
  const { result, logs } = await verify(
    {
      'v1/01.sql': SETUP,
      'v2/01.sql': 'create index orders_qty on orders (qty);\nalter table orders add column tier text;\ninsert into nowhere values (1);'
    },
    [2]
  )
  expect(result.status).toBe('failed')
  // The scratch database (traced and applied) is gone with everything in it.
  const scratch = /Created the scratch database (\w+)/.exec(logs.join('\n'))![1]
  expect(await sql(process.env[ADMIN_URL_ENV]!, 'select datname from pg_database where datname = $1', [scratch])).toEqual([])
  expect(result.versions[1]).toMatchObject({ status: 'failed', error: { line: 3 } })
  expect([...result.trace!.keys()].sort()).toEqual(['v2#0', 'v2#1'])
  expect(traced(result, 2, 1).locks).toEqual([{ relation: 'public.orders', mode: 'AccessExclusiveLock' }])
  // Traced again statement by statement (up to the failure): the same held locks and scans as when recorded.
  expect(traced(result, 2, 0).held).toEqual([])
  expect(traced(result, 2, 0).scanned).toEqual(['public.orders'])
  expect(traced(result, 2, 1).held).toContainEqual({ relation: 'public.orders', mode: 'ShareLock' })
  expect(traced(result, 2, 1).scanned).toEqual([])
  expect(result.schemaChange).toBeNull()
}, 60_000)

test('without pending versions nothing is traced', async () => {
  const { result } = await verify({ 'v1/01.sql': SETUP }, [])
  expect(result.status).toBe('passed')
  expect(result.trace).toBeNull()
  expect(result.schemaChange).toBeNull()
}, 60_000)

test('when the trace’s own SQL fails, verification still reports what the version does: it passes, untraced', async () => {
  // The version drops what the trace writes to: the trace fails, the version (run again as sent) does not.
  const { result } = await verify(
    {
      'v1/01.sql': SETUP,
      'v2/01.sql': 'create table t2 (id int);\ndrop schema aurora_migrate_trace cascade;\ncreate table t3 (id int);'
    },
    [2]
  )
  expect(result.versions.map((v) => [v.version, v.status])).toEqual([
    [1, 'passed'],
    [2, 'passed']
  ])
  expect(result.status).toBe('passed')
  expect(result.trace).toBeNull()
  expect(result.schemaChange).toBeNull()
  expect(result.traceMessage).toMatch(/the trace's own SQL failed: .*aurora_migrate_trace/)
}, 60_000)

test('a version that cannot be packed (it sets statement_timeout) is traced statement by statement, the same', async () => {
  const body = [
    "set local statement_timeout = '30s';",
    'alter table orders add column token uuid default gen_random_uuid();',
    'create index orders_qty on orders (qty);'
  ].join('\n')
  const { result } = await verify({ 'v1/01.sql': SETUP, 'v2/01.sql': body }, [2])
  expect(result.status).toBe('passed')
  expect(result.traceMessage).toBeNull()
  expect([...result.trace!.keys()].sort()).toEqual(['v2#0', 'v2#1', 'v2#2'])
  expect(traced(result, 2, 0).locks).toEqual([])
  // The rewrite rebuilds the table's indexes too: PostgreSQL takes SHARE on it for that, under the ACCESS EXCLUSIVE.
  expect(modes(traced(result, 2, 1), 'public.orders')).toEqual(['AccessExclusiveLock', 'ShareLock'])
  expect(traced(result, 2, 1).rewritten).toEqual(expect.arrayContaining(['public.orders']))
  // Under the locks the statement before took: nothing new on the table, and no rewrite.
  expect(modes(traced(result, 2, 2), 'public.orders')).toEqual([])
  expect(traced(result, 2, 2).rewritten).toEqual([])
  // The locks it needs are already held (by the rewrite before it), and it reads the whole table to build the index.
  expect(traced(result, 2, 2).held).toEqual(
    expect.arrayContaining([
      { relation: 'public.orders', mode: 'AccessExclusiveLock' },
      { relation: 'public.orders', mode: 'ShareLock' }
    ])
  )
  expect(traced(result, 2, 2).scanned).toEqual(['public.orders'])
  expect(traced(result, 2, 0).held).toEqual([])
}, 60_000)

const NOT_NULL_SETUP = `create table users (id bigint primary key, email text, phone text, name text not null);
alter table users add constraint users_email_not_null check (email is not null);`

const NOT_NULL_VERSION = [
  'alter table users alter column email set not null;',
  'alter table users alter column phone set not null;',
  'alter table users alter column name set not null;',
  'create index users_name on users (name);'
].join('\n')

test.each([
  ['packed in one call', ''],
  ['statement by statement', "set local statement_timeout = '30s';\n"]
])(
  'held locks and full scans (%s): SET NOT NULL reads the table unless a valid CHECK proves it or it is NOT NULL already',
  async (_how, prefix) => {
    const { result } = await verify({ 'v1/01.sql': NOT_NULL_SETUP, 'v2/01.sql': prefix + NOT_NULL_VERSION }, [2])
    expect(result.status).toBe('passed')
    expect(result.traceMessage).toBeNull()
    const at = prefix ? 1 : 0
    const [email, phone, name, index] = [0, 1, 2, 3].map((i) => traced(result, 2, at + i))
    // The valid CHECK (email IS NOT NULL): no scan. phone: a scan. name: NOT NULL already, nothing to check.
    expect(email.scanned).toEqual([])
    expect(phone.scanned).toEqual(['public.users'])
    expect(name.scanned).toEqual([])
    expect(modes(email, 'public.users')).toEqual(['AccessExclusiveLock'])
    expect(email.held).toEqual([])
    // The index: SHARE is new (ACCESS EXCLUSIVE, held since the first statement, is not), and the build reads the table.
    expect(modes(index, 'public.users')).toEqual(['ShareLock'])
    expect(index.held).toContainEqual({ relation: 'public.users', mode: 'AccessExclusiveLock' })
    expect(index.scanned).toEqual(['public.users'])
  },
  60_000
)

test('the trace’s statements go before each traced statement and the one after it, and nowhere else', () => {
  const statements = ['fence', 'a', 'b', 'record'].map((sql) => ({ sql }))
  const sent = withRecordedStates(statements, statePositions([{ position: 1 }, { position: 2 }], statements.length))
  expect(sent.map((statement) => (statement.sql === RECORD_STATE_SQL ? '+' : statement.sql))).toEqual([
    'fence',
    '+',
    'a',
    '+',
    'b',
    '+',
    'record'
  ])
  expect(sent.filter((statement) => statement.sql === RECORD_STATE_SQL).every((statement) => statement.label === 'trace')).toBe(true)
})
