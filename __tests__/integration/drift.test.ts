/**
 * `drift` against a database changed by hand in each way the catalog can show: the target is a PostgreSQL server
 * of its own (roles are the server's, and the migrations create one), the throwaway database a scratch database on
 * the suite's server. Each change is named with its fixing SQL; running the "make it match" script on the database
 * leaves no drift, which proves the script. Over the Data API the catalog costs one call.
 */
import fs from 'node:fs'
import path from 'node:path'
import { EXIT } from '../../src/cli/run.js'
import { compareSchemas } from '../../src/drift/compare.js'
import { postgresTransition } from '../../src/dialects/postgresql/drift-sql.js'
import { readDriftSnapshot } from '../../src/dialects/postgresql/shadow/schema-snapshot.js'
import { createTarget } from '../../src/targets/create.js'
import { wire } from '../../src/dialects/postgresql/wire.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { runInProcess } from '../../testkit/in-process-action.js'
import { ADMIN_URL_ENV, createTestDatabase, sql, startEmbeddedPostgres, type RunningPostgres } from '../../testkit/postgres.js'

const ROLE = 'drift_test_reader'

const MIGRATIONS = {
  'v1_accounts/01.sql': `create role ${ROLE};
create table accounts (id bigint primary key, email text not null, name text default 'x', score int, legacy varchar(10));
create index accounts_email on accounts (email);
alter table accounts add constraint accounts_score_positive check (score > 0);
create function touch() returns trigger language plpgsql as $$ begin return new; end $$;
create view active_accounts as select id, email from accounts where score > 0;
grant select on accounts to ${ROLE};
`,
  'v2_orders/01.sql': `create table orders (id bigint generated always as identity primary key, account_id bigint references accounts (id), note text);
alter table orders enable row level security;
`
}

/** Each change a person could make by hand, one statement each. */
const BY_HAND = [
  'create index accounts_score on accounts (score)',
  'alter table orders drop column note',
  "alter table accounts alter column name set default 'y'",
  'alter table accounts alter column legacy type varchar(20)',
  'alter table accounts alter column email drop not null',
  'create trigger accounts_touch before update on accounts for each row execute function touch()',
  "create or replace function touch() returns trigger language plpgsql as $$ begin new.name := 'z'; return new; end $$",
  'create or replace view active_accounts as select id, email from accounts where score > 10',
  'create policy own_orders on orders using (account_id = 1)',
  'create sequence invoice_numbers start 1000',
  'create extension citext',
  `grant insert, update on accounts to ${ROLE}`,
  'alter table accounts drop constraint accounts_score_positive',
  'create table scratch (id serial primary key, note text)'
]

const ENV = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' }
const cli = (argv: string[], cwd: string): Promise<CliRun> => runCliCaptured(argv, cwd, ENV)

interface Difference {
  kind: string
  name: string
  change: string
  toMatch: string[]
  toAdopt: string[]
}
interface Document {
  differences: Difference[]
  toMatch: string[]
  toAdopt: string[]
}

let server: RunningPostgres
let target: string
let database: string
let n = 0
beforeAll(async () => {
  server = await startEmbeddedPostgres()
}, 60_000)
afterAll(async () => {
  await server.stop()
})
beforeEach(async () => {
  database = `drift_${n++}`
  await sql(server.url, `create database ${database}`)
  const url = new URL(server.url)
  url.pathname = `/${database}`
  target = url.toString()
})
afterEach(async () => {
  // The role holds privileges in the database: the database goes first.
  await sql(server.url, `drop database ${database} with (force)`)
  await sql(server.url, `drop role if exists ${ROLE}`)
})

const shadow = (): string[] => ['--shadow-database-url', process.env[ADMIN_URL_ENV]!]

async function driftOf(dir: string, connection: string[]): Promise<{ ran: CliRun; document: Document }> {
  const ran = await cli(['drift', '--json', ...connection, ...shadow()], dir)
  return { ran, document: JSON.parse(ran.stdout) as Document }
}

function find(document: Document, kind: string, name: string): Difference {
  const found = document.differences.find((d) => d.kind === kind && d.name === name)
  if (!found) throw new Error(`no ${kind} ${name} among ${document.differences.map((d) => `${d.kind} ${d.name}`).join(', ')}`)
  return found
}

test('a database changed by hand in every way: drift names each change with its SQL, exits 3, and the SQL undoes it', async () => {
  const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
  expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)

  const clean = await driftOf(dir, ['--database-url', target])
  expect(clean.ran.stderr).toContain('No drift')
  expect(clean.ran.code).toBe(EXIT.ok)
  expect(clean.document.differences).toEqual([])

  for (const statement of BY_HAND) await sql(target, statement)
  const { ran, document } = await driftOf(dir, ['--database-url', target])
  expect(ran.code).toBe(3)

  const seen = document.differences.map((d) => `${d.change} ${d.kind} ${d.name}`)
  expect(seen).toEqual(
    expect.arrayContaining([
      'added table public.scratch',
      'missing column public.orders.note',
      'changed column public.accounts.name',
      'changed column public.accounts.legacy',
      'changed column public.accounts.email',
      'changed view public.active_accounts',
      'added index public.accounts_score',
      'missing constraint public.accounts.accounts_score_positive',
      'added trigger public.accounts.accounts_touch',
      'added policy public.orders.own_orders',
      'changed function public.touch()',
      'added sequence public.invoice_numbers',
      'added extension citext',
      `changed grant TABLE public.accounts TO ${ROLE}`
    ])
  )
  // Nothing else: the meta tables and the extension's own objects are left out.
  expect(seen.filter((line) => !line.startsWith('added constraint public.scratch.'))).toHaveLength(14)

  expect(find(document, 'table', 'public.scratch').toMatch).toEqual(['DROP TABLE public.scratch;'])
  expect(find(document, 'table', 'public.scratch').toAdopt).toEqual([
    'CREATE SEQUENCE IF NOT EXISTS scratch_id_seq;',
    "CREATE TABLE public.scratch (\n  id integer NOT NULL DEFAULT nextval('scratch_id_seq'::regclass),\n  note text\n);",
    'ALTER SEQUENCE scratch_id_seq OWNED BY public.scratch.id;'
  ])
  expect(find(document, 'column', 'public.orders.note').toMatch).toEqual(['ALTER TABLE public.orders ADD COLUMN note text;'])
  expect(find(document, 'column', 'public.orders.note').toAdopt).toEqual(['ALTER TABLE public.orders DROP COLUMN note;'])
  expect(find(document, 'column', 'public.accounts.name').toMatch).toEqual([
    "ALTER TABLE public.accounts ALTER COLUMN name SET DEFAULT 'x'::text;"
  ])
  expect(find(document, 'column', 'public.accounts.legacy').toMatch).toEqual([
    'ALTER TABLE public.accounts ALTER COLUMN legacy TYPE character varying(10) USING legacy::character varying(10);'
  ])
  expect(find(document, 'column', 'public.accounts.email').toMatch).toEqual([
    'ALTER TABLE public.accounts ALTER COLUMN email SET NOT NULL;'
  ])
  expect(find(document, 'column', 'public.accounts.email').toAdopt).toEqual([
    'ALTER TABLE public.accounts ALTER COLUMN email DROP NOT NULL;'
  ])
  expect(find(document, 'view', 'public.active_accounts').toMatch[0]).toMatch(
    /^CREATE OR REPLACE VIEW public\.active_accounts AS\n.*score > 0/s
  )
  expect(find(document, 'index', 'public.accounts_score').toMatch).toEqual(['DROP INDEX public.accounts_score;'])
  expect(find(document, 'index', 'public.accounts_score').toAdopt).toEqual([
    'CREATE INDEX accounts_score ON public.accounts USING btree (score);'
  ])
  expect(find(document, 'constraint', 'public.accounts.accounts_score_positive').toMatch).toEqual([
    'ALTER TABLE public.accounts ADD CONSTRAINT accounts_score_positive CHECK ((score > 0));'
  ])
  expect(find(document, 'trigger', 'public.accounts.accounts_touch').toMatch).toEqual(['DROP TRIGGER accounts_touch ON public.accounts;'])
  expect(find(document, 'policy', 'public.orders.own_orders').toMatch).toEqual(['DROP POLICY own_orders ON public.orders;'])
  expect(find(document, 'policy', 'public.orders.own_orders').toAdopt).toEqual([
    'CREATE POLICY own_orders ON public.orders FOR ALL USING ((account_id = 1));'
  ])
  expect(find(document, 'function', 'public.touch()').toMatch[0]).toMatch(
    /^CREATE OR REPLACE FUNCTION public\.touch\(\)[\s\S]*begin return new; end/
  )
  expect(find(document, 'function', 'public.touch()').toAdopt[0]).toContain("pg_get_functiondef('public.touch()'::regprocedure)")
  expect(find(document, 'sequence', 'public.invoice_numbers').toMatch).toEqual(['DROP SEQUENCE public.invoice_numbers;'])
  expect(find(document, 'sequence', 'public.invoice_numbers').toAdopt[0]).toMatch(
    /^CREATE SEQUENCE public\.invoice_numbers AS bigint .*START WITH 1000/
  )
  expect(find(document, 'extension', 'citext').toMatch).toEqual(['DROP EXTENSION citext;'])
  expect(find(document, 'extension', 'citext').toAdopt).toEqual(['CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;'])
  expect(find(document, 'grant', `TABLE public.accounts TO ${ROLE}`).toMatch).toEqual([
    `REVOKE INSERT, UPDATE ON TABLE public.accounts FROM ${ROLE};`
  ])
  expect(find(document, 'grant', `TABLE public.accounts TO ${ROLE}`).toAdopt).toEqual([
    `GRANT INSERT, UPDATE ON TABLE public.accounts TO ${ROLE};`
  ])

  // The "make it match" script, run as it is, leaves no drift.
  for (const statement of document.toMatch) await sql(target, statement)
  const after = await driftOf(dir, ['--database-url', target])
  expect(after.document.differences).toEqual([])
  expect(after.ran.code).toBe(EXIT.ok)
}, 120_000)

test("the adopting script, run after the migrations on a fresh database, makes the changed database's schema", async () => {
  const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
  expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)
  for (const statement of BY_HAND.filter((s) => !s.includes('function touch'))) await sql(target, statement)
  const { document } = await driftOf(dir, ['--database-url', target])
  expect(document.differences.length).toBeGreaterThan(10)

  // On the suite's server: the migrations create a role, and a role is a server's.
  const adopted = await createTestDatabase('drift_adopted')
  try {
    expect((await cli(['apply', '--database-url', adopted.url], dir)).code).toBe(EXIT.ok)
    for (const statement of document.toAdopt) await sql(adopted.url, statement)
    const read = async (url: string) => {
      const connection = createTarget({ kind: 'postgres', url }, wire, () => {}, { resumeTimeoutSeconds: 0 })
      try {
        return await readDriftSnapshot(connection, {
          roles: [ROLE],
          bodies: true,
          leaveOut: (r) => r.startsWith('public.schema_migrations')
        })
      } finally {
        await connection.close()
      }
    }
    const adoptedSchema = await read(adopted.url)
    expect(adoptedSchema.some((object) => object.name === 'public.scratch')).toBe(true)
    expect(compareSchemas(await read(target), adoptedSchema, { transition: postgresTransition }).differences).toEqual([])
  } finally {
    await adopted.drop()
    await sql(process.env[ADMIN_URL_ENV]!, `drop role if exists ${ROLE}`)
  }
}, 120_000)

test('an applied version edited since: drift refuses (validate reports checksum drift) and replays nothing', async () => {
  const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
  expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)
  const edited = cliProject({
    ...MIGRATIONS,
    'v2_orders/01.sql': `${MIGRATIONS['v2_orders/01.sql']}create index orders_note on orders (note);\n`
  })
  const ran = await cli(['drift', ...shadow(), '--database-url', target], edited)
  expect(ran.code).toBe(EXIT.failed)
  expect(ran.stderr).toContain('v2 changed on disk since applied (checksum drift, which validate reports)')
  // The target is as it was: nothing was created on it.
  expect(await sql(target, "select to_regclass('public.orders_note') as found")).toEqual([{ found: null }])
}, 120_000)

test('a database where nothing was applied: every object is drift, and drift creates nothing there', async () => {
  const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
  await sql(target, 'create table made_by_hand (id int)')
  const { ran, document } = await driftOf(dir, ['--database-url', target])
  expect(ran.code).toBe(3)
  expect(document.differences.map((d) => `${d.change} ${d.kind} ${d.name}`)).toEqual(['added table public.made_by_hand'])
  expect(ran.stderr).toContain('compared with no applied versions')
  expect(await sql(target, "select to_regclass('public.schema_migrations')::text as found")).toEqual([{ found: null }])
}, 120_000)

test('the command line with a targets file: drift on the one target --only picks; more than one is refused, naming --only', async () => {
  const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
  expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)
  await sql(target, 'create index accounts_score on accounts (score)')
  fs.writeFileSync(
    path.join(dir, 'fleet.yml'),
    'targets:\n  - name: eu\n    database-url-env: EU_URL\n  - name: us\n    database-url-env: EU_URL\n'
  )
  const fleet = (only: string): Promise<CliRun> =>
    runCliCaptured(['drift', '--json', '--targets', 'fleet.yml', '--only', only, ...shadow()], dir, { ...ENV, EU_URL: target })
  const one = await fleet('eu')
  expect(one.code).toBe(3)
  expect((JSON.parse(one.stdout) as Document).differences.map((d) => d.name)).toEqual(['public.accounts_score'])
  const both = await fleet('*')
  expect(both.code).toBe(EXIT.usage)
  expect(both.stderr).toContain("--only: drift reads one target's catalog per run, and only picks 2 targets")
}, 120_000)

describe('over the RDS Data API (the emulator)', () => {
  useDummyAwsEnvironment()
  test('the catalog is one call, and drift finds the change', async () => {
    const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
    expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)
    await sql(target, 'create index accounts_score on accounts (score)')
    const emulator = await startDataApiEmulator({ postgresUrl: target })
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
    try {
      const { ran, document } = await driftOf(dir, ['--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn])
      expect(ran.code).toBe(3)
      expect(document.differences.map((d) => `${d.change} ${d.kind} ${d.name}`)).toEqual(['added index public.accounts_score'])
      const catalogCalls = emulator.calls.filter((call) => call.sql?.includes('pg_get_indexdef'))
      expect(catalogCalls).toHaveLength(1)
    } finally {
      delete process.env.AWS_ENDPOINT_URL_RDS_DATA
      await emulator.stop()
    }
  }, 120_000)
})

describe('a catalog larger than one Data API answer', () => {
  useDummyAwsEnvironment()
  test('fails with a message that says so and what to do, and changes nothing', async () => {
    const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
    expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)
    // About 12,000 column rows: several MiB of answer, past the service's 1 MiB.
    await sql(
      target,
      `do $$ begin for t in 1..300 loop
         execute format('create table wide_%s (%s)', t,
           (select string_agg(format('a_rather_long_column_name_number_%s text default %L', c, 'some default text'), ', ') from generate_series(1, 40) c));
       end loop; end $$`
    )
    const emulator = await startDataApiEmulator({ postgresUrl: target })
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
    try {
      const ran = await cli(['drift', '--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn, ...shadow()], dir)
      expect(ran.code).toBe(EXIT.failed)
      expect(ran.stderr).toContain("drift reads the database's catalog in one call, and its answer is larger than the transport returns")
      expect(ran.stderr).toContain('Run drift with --database-url')
    } finally {
      delete process.env.AWS_ENDPOINT_URL_RDS_DATA
      await emulator.stop()
    }
    expect(await sql(target, "select count(*)::int as n from pg_class where relname like 'wide\\_%' and relkind = 'r'")).toEqual([
      { n: 300 }
    ])
  }, 120_000)
})

describe('the action (src/main.ts, in-process)', () => {
  test('command: drift sets schema-drift and the job summary, and fails the step with exit code 3', async () => {
    const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
    expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)
    await sql(target, 'create index accounts_score on accounts (score)')
    const ran = await runInProcess(
      { command: 'drift', environment: 'production', 'database-url': target, 'shadow-database-url': process.env[ADMIN_URL_ENV]! },
      { GITHUB_WORKSPACE: dir }
    )
    expect(ran.exitCode).toBe(3)
    expect(JSON.parse(ran.outputs['schema-drift'])).toMatchObject({
      drift: true,
      count: 1,
      differences: [{ kind: 'index', name: 'public.accounts_score', change: 'added', toMatch: ['DROP INDEX public.accounts_score;'] }],
      toMatch: ['DROP INDEX public.accounts_score;']
    })
    expect(ran.summary).toContain('### Schema drift: production')
    expect(ran.summary).toContain('- index `public.accounts_score` added in the database')
    // The target is untouched: the index is still there.
    expect(await sql(target, "select to_regclass('public.accounts_score')::text as found")).toEqual([{ found: 'accounts_score' }])
  }, 120_000)
})

describe('plan with check-drift', () => {
  test("the comment says which objects drifted, from verification's applied schema and one catalog read more", async () => {
    const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
    expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)
    await sql(target, 'create index accounts_score on accounts (score)')
    await sql(target, 'alter table orders drop column note')
    const pending = cliProject({ ...MIGRATIONS, 'v3_audit/01.sql': 'create table audit (id int);\n' }, 'aurora-migrate-drift-')
    const plan = (flags: string[]): Promise<CliRun> => cli(['plan', '--markdown', '--database-url', target, ...shadow(), ...flags], pending)

    const checked = await plan(['--check-drift'])
    expect(checked.code).toBe(EXIT.ok)
    expect(checked.stdout).toContain('**Drift**: the database differs from its applied migrations in 2 objects')
    expect(checked.stdout).toContain('- index `public.accounts_score` added in the database')
    expect(checked.stdout).toContain('- column `public.orders.note` missing in the database')
    // The pending version's own change is the schema change's, not drift.
    expect(checked.stdout).not.toMatch(/audit` (added|missing)/)

    const unchecked = await plan([])
    expect(unchecked.stdout).toContain('**Schema change**')
    expect(unchecked.stdout).not.toContain('**Drift**')
  }, 120_000)
})

describe('a fleet target (targets and only), in the action', () => {
  test('drift runs on the one target only picks, named as its environment; more than one is refused, naming only', async () => {
    const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-')
    expect((await cli(['apply', '--database-url', target], dir)).code).toBe(EXIT.ok)
    await sql(target, 'create index accounts_score on accounts (score)')
    fs.writeFileSync(
      path.join(dir, 'fleet.yml'),
      'targets:\n  - name: eu\n    database-url-env: EU_URL\n  - name: us\n    database-url-env: EU_URL\n'
    )
    const inputs = { command: 'drift', targets: 'fleet.yml', 'shadow-database-url': process.env[ADMIN_URL_ENV]! }
    const env = { GITHUB_WORKSPACE: dir, EU_URL: target }
    const one = await runInProcess({ ...inputs, only: 'eu' }, env)
    expect(one.exitCode).toBe(3)
    expect(one.summary).toContain('### Schema drift: eu')
    expect(one.outputs['schema-drift']).toContain('"name":"public.accounts_score"')

    const every = await runInProcess({ ...inputs, only: '*' }, env)
    expect(every.exitCode).toBe(1)
    expect(every.summary).toBe('')
    // drift wrote nothing either time: the index is still there, the history as apply left it.
    expect(await sql(target, "select to_regclass('public.accounts_score')::text as found")).toEqual([{ found: 'accounts_score' }])
    expect(await sql(target, 'select version from schema_migrations order by version')).toEqual([{ version: 1 }, { version: 2 }])
  }, 120_000)
})
