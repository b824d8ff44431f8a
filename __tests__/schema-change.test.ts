/**
 * The schema change of the pending versions, read from the throwaway database before and after them
 * (the suite's embedded PostgreSQL as shadow-database-url), and its markdown.
 */
import { discoverMigrations } from '../src/migrations/discover.js'
import { diffSchemas, renderSchemaChange, type SchemaObject } from '../src/review/schema-change.js'
import { verifyOnShadow } from '../src/shadow/verify.js'
import { commonMarkProblems, markdown as commonMark } from './support/commonmark.js'
import { ADMIN_URL_ENV } from './support/postgres.js'
import { writeMigrations } from './support/versions.js'
import { postgresql } from '../src/dialects/postgresql/index.js'

const V1 = `create type status as enum ('open', 'closed');
create table users (id bigint primary key, name varchar(40), legacy int, status status not null default 'open');
create table old_audit (id int);
create index users_name on users (name);
create function touch() returns trigger language plpgsql as $$ begin return new; end $$;
create view active_users as select id from users where status = 'open';`

const V2 = `alter type status add value 'archived';
create table orders (id bigint generated always as identity primary key, user_id bigint not null references users (id), total numeric(10,2) default 0);
alter table users alter column name type text, alter column name set not null, drop column legacy;
alter table users add column email text;
drop index users_name;
create unique index users_email on users (email);
drop table old_audit;
create trigger orders_touch before update on orders for each row execute function touch();
alter table orders enable row level security;
create policy own_orders on orders using (user_id = 1);
create or replace view active_users as select id, email from users where status = 'open';`

test('the schema change of a small version, as a reviewer reads it', async () => {
  const { versions } = await discoverMigrations(writeMigrations({ 'v1/01.sql': V1, 'v2/01.sql': V2 }))
  const result = await verifyOnShadow(versions, {
    wire: postgresql.wire,
    shadowDatabaseUrl: process.env[ADMIN_URL_ENV]!,
    log: () => {},
    pending: [2]
  })
  expect(result.status).toBe('passed')
  expect(renderSchemaChange(result.schemaChange!)).toBe(
    [
      '9 added, 3 changed, 3 removed:',
      '',
      '- \\+ table `public.orders`: `table (id bigint NOT NULL GENERATED ALWAYS AS IDENTITY, user_id bigint NOT NULL, total numeric(10,2) DEFAULT 0)`',
      '- − table `public.old_audit`: `table (id integer)`',
      '- \\+ column `public.active_users.email`: `email text`',
      '- \\+ column `public.users.email`: `email text`',
      '- ~ column `public.users.name`: `name character varying(40)` → `name text NOT NULL`',
      '- − column `public.users.legacy`: `legacy integer`',
      "- ~ view `public.active_users`: `view AS SELECT id FROM users WHERE (status = 'open'::status);` → `view AS SELECT id, email FROM users WHERE (status = 'open'::status);`",
      '- \\+ index `public.orders_pkey`: `CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)`',
      '- \\+ index `public.users_email`: `CREATE UNIQUE INDEX users_email ON public.users USING btree (email)`',
      '- − index `public.users_name`: `CREATE INDEX users_name ON public.users USING btree (name)`',
      '- \\+ constraint `public.orders.orders_pkey`: `PRIMARY KEY (id)`',
      '- \\+ constraint `public.orders.orders_user_id_fkey`: `FOREIGN KEY (user_id) REFERENCES users(id)`',
      '- \\+ trigger `public.orders.orders_touch`: `CREATE TRIGGER orders_touch BEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION touch()`',
      '- \\+ policy `public.orders.own_orders`: `FOR ALL USING ((user_id = 1))`',
      "- ~ type `public.status`: `enum ('open', 'closed')` → `enum ('open', 'closed', 'archived')`"
    ].join('\n')
  )
}, 60_000)

test('the markdown is bounded: "… and N more" past the limit', () => {
  const after: SchemaObject[] = Array.from({ length: 300 }, (_, i) => ({
    kind: 'table',
    name: `public.table_${String(i).padStart(3, '0')}`,
    relation: null,
    definition: 'table'
  }))
  const markdown = renderSchemaChange(diffSchemas([], after), 2000)
  expect(markdown.length).toBeLessThanOrEqual(2000)
  const shown = markdown.split('\n').filter((line) => line.startsWith('- \\+ table'))
  expect(shown.length).toBeGreaterThan(10)
  expect(markdown.endsWith(`- … and ${300 - shown.length} more`)).toBe(true)
  expect(renderSchemaChange({ changes: [] })).toBe('No change to the schema.')
})

test('CommonMark reads each object as one list item whose text starts with its mark (+, ~, −)', () => {
  const change = diffSchemas(
    [
      { kind: 'column', name: 'public.t.a', relation: 'public.t', definition: 'a integer' },
      { kind: 'column', name: 'public.t.b', relation: 'public.t', definition: 'b integer' }
    ],
    [
      { kind: 'column', name: 'public.t.a', relation: 'public.t', definition: 'a bigint' },
      { kind: 'column', name: 'public.t.c', relation: 'public.t', definition: 'c text' }
    ]
  )
  const text = renderSchemaChange(change)
  expect(commonMarkProblems(text)).toEqual([])
  const items = [...commonMark.render(text).matchAll(/<li>(.*?)<\/li>/g)].map((match) => match[1])
  expect(items).toEqual([
    '+ column <code>public.t.c</code>: <code>c text</code>',
    '~ column <code>public.t.a</code>: <code>a integer</code> → <code>a bigint</code>',
    '− column <code>public.t.b</code>: <code>b integer</code>'
  ])
})

test('backticks in a definition cannot break out of its code span', () => {
  const change = diffSchemas([], [{ kind: 'function', name: 'public.f()', relation: null, definition: 'returns text `x`' }])
  expect(renderSchemaChange(change)).toContain('`` returns text `x` ``')
})
