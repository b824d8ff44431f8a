/**
 * PostgreSQL's SQL for the engine's end-to-end cases (testkit/contract/engine-cases.ts): each case's migration
 * files, the queries that look at what a run left behind, and what PostgreSQL answers (SQLSTATEs, messages).
 */
import path from 'node:path'
import { metaTables } from '../../../src/engine/meta.js'

const leaseState = 'select owner, expires_at < now() as free from schema_migrations_lock'
const leaseFree = 'select expires_at < now() as free from schema_migrations_lock'
const tableB = `select 1 from information_schema.tables where table_name = 'b'`
const versions = 'select version from schema_migrations'
const versionsInOrder = 'select version from schema_migrations order by 1'
const publicVersionsInOrder = 'select version from public.schema_migrations order by 1'
const tablesTU = `select table_name from information_schema.tables where table_schema = 'public' and table_name in ('t', 'u')`
const deferredDuplicate =
  'create table t (id int unique deferrable initially deferred); insert into t values (1); insert into t values (1);'
/** Where each of these relations was created: schema and name, by name. */
const placed = (names: string[]) =>
  `select n.nspname::text as schema, c.relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relname in (${names.map((n) => `'${n}'`).join(', ')}) order by c.relname`

export const engineCases = {
  tables: (_database: string) => metaTables('public', 'schema_migrations'),
  yes: true,
  /** A corpus of two versions (v1, v2 "due_dates") written for this dialect. */
  todo: path.resolve('examples/todo/migrations/resources'),
  todoApplied: {
    tables: `select string_agg(table_name::text, ',' order by table_name) as t from information_schema.tables where table_schema = 'public'`,
    tableList: 'lists,notes,overdue_notes,schema_migrations,schema_migrations_lock,schema_migrations_progress,users',
    rows: 'select * from schema_migrations order by version',
    lease: leaseState
  },
  drift: {
    files: { 'v1/01_a.sql': 'create table a (id int);', 'v2/01_b.sql': 'create table b (id int);' },
    edited: { 'v1/01_a.sql': 'create table a (id bigint);' },
    tableB
  },
  failingSecond: {
    files: {
      'v1/01_a.sql': 'create table a (id int);',
      'v2/01_b.sql': 'create table b (id int);\n\ninsert into b values (1);\n  create tabel c (id int);\n',
      'v3/01_c.sql': 'create table d (id int);'
    },
    sqlState: '42601',
    message: /^v2 failed at v2\/01_b.sql:4:10: syntax error at or near "tabel"/,
    present: `select table_name from information_schema.tables where table_schema = 'public' and table_name in ('a','b','d')`,
    versions,
    leaseFree
  },
  syntaxInMiddle: {
    files: {
      'v1/01_a.sql': 'create table a (id int);',
      'v2/01_first.sql': 'create table b (id int);\ninsert into b values (1);\n',
      'v2/02_middle.sql':
        'create table c (id int);\n\nalter table c\n  add column note text,\n  add colum other int;\ncreate table e (id int);\n',
      'v2/03_last.sql': 'create table f (id int);\n'
    },
    sqlState: '42601',
    message: /^v2 failed at v2\/02_middle.sql:5:19: syntax error at or near "int"/,
    present: `select table_name::text from information_schema.tables where table_schema = 'public' and table_name in ('a','b','c','e','f') order by 1`,
    versions,
    lease: leaseState
  },
  functionBody: {
    files: {
      'v1/01_a.sql': 'create table a (id int);',
      // A syntax error in the body, found when the function is created: PostgreSQL places it in the statement.
      'v2/01_fn.sql': 'create table b (id int);\ncreate function g() returns int language plpgsql as $$\nbegin\n  retrun 1;\nend $$;\n',
      // An error the body raises when it runs, with its detail and hint.
      'v3/01_fn.sql':
        "create table c (id int);\ncreate function f() returns void language plpgsql as $body$\nbegin\n  raise exception 'the balance would go negative'\n" +
        "    using errcode = '22012', detail = 'account 7 holds 10', hint = 'top the account up first';\nend $body$;\n\n  select f();\n"
    },
    compileSqlState: '42601',
    compileMessage: /syntax error at or near "retrun"/,
    functions: `select proname from pg_proc where proname in ('f', 'g')`,
    tableB,
    fixed: {
      'v2/01_fn.sql': 'create table b (id int);\ncreate function g() returns int language plpgsql as $$\nbegin\n  return 1;\nend $$;\n'
    },
    raised: { message: 'the balance would go negative', sqlState: '22012', detail: 'account 7 holds 10', hint: 'top the account up first' },
    functionNames: `select proname::text from pg_proc where proname in ('f', 'g')`,
    tableC: `select 1 from information_schema.tables where table_name = 'c'`,
    versionsInOrder
  },
  wrappedFile: {
    files: {
      'v1/01.sql': 'BEGIN;\ncreate table a (id int);\nCOMMIT;\n',
      'v2/01_wrapped.sql': 'BEGIN;\ncreate table b (id int);\ninsert into b values (1);\nCOMMIT;\n',
      'v2/02_fails.sql': 'insert into missing values (1);\n'
    },
    sqlState: '42P01',
    tablesAB: `select table_name::text from information_schema.tables where table_name in ('a', 'b') order by 1`,
    versions,
    lease: leaseState
  },
  searchPathInFile: {
    files: {
      'v1/01_schema.sql': 'create schema app;\nset search_path = app;\n',
      'v1/02_table.sql': 'create table in_app (id int);\n',
      'v2/01.sql': 'create table in_public (id int);\n'
    },
    placed: placed(['in_app', 'in_public', 'schema_migrations']),
    publicVersionsInOrder
  },
  concurrent: {
    file: (v: number): string => `create table t${v} (id int); insert into t${v} values (${v}); select pg_sleep(0.05);`,
    counts: 'select (select count(*) from t1)::int + (select count(*) from t6)::int as n'
  },
  liveLease: {
    files: { 'v1/01.sql': 'create table a (id int);' },
    holder: `update schema_migrations_lock set owner = 'https://github.com/o/r/actions/runs/99 (hubot)', token = 7, expires_at = now() + interval '1 hour'`,
    rows: 'select * from schema_migrations'
  },
  expiredLease: {
    files: { 'v1/01.sql': 'create table a (id int);' },
    crashed: `update schema_migrations_lock set owner = 'crashed run', token = 41, expires_at = now() - interval '1 second'`,
    token: 'select token from schema_migrations_lock',
    /** The token column is a bigint: a string. */
    next: '42'
  },
  searchPathMove: {
    files: { 'v1/01.sql': 'create schema app; set search_path = app; create table a (id int);', 'v2/01.sql': 'select 1;' },
    publicVersionsInOrder,
    inApp: `select 1 from information_schema.tables where table_schema = 'app' and table_name = 'a'`
  },
  deferredCommit: {
    files: { 'v1/01.sql': deferredDuplicate, 'v2/01.sql': 'create table u (id int);' },
    sqlState: '23505',
    message: /^v1 failed at COMMIT: duplicate key value violates unique constraint "t_id_key" \(SQLSTATE 23505\)\./,
    versions,
    tablesTU,
    leaseFree
  },
  olderRunner: {
    files: { 'v1/01.sql': deferredDuplicate, 'v2/01.sql': 'create table u (id int);' },
    message: /^The transaction of v1 failed \(the transport did not say at which statement\): duplicate key value/,
    versions,
    tablesTU
  },
  sessionSettings: {
    files: {
      'v1/01.sql': 'create schema other;',
      'v2/01.sql': 'set search_path = other;\ncreate table in_other (id int);',
      'v3/01.sql': 'create table in_public (id int);',
      // pg_dump's header empties search_path for the session.
      'v4/01.sql': "SELECT pg_catalog.set_config('search_path', '', false);\nCREATE TABLE public.dumped (id int);",
      'v5/01.sql': 'create table after_dump (id int);',
      'v6/01.sql': 'set default_transaction_read_only = on;\nselect 1;',
      'v7/01.sql': 'create table after_read_only (id int);'
    },
    placed: placed(['in_other', 'in_public', 'dumped', 'after_dump', 'after_read_only']),
    versionsInOrder,
    lease: leaseState
  },
  leaseTakenOver: {
    files: {
      // The version itself hands the lease to someone else, as a run that took it over would.
      'v1/01.sql': "update schema_migrations_lock set owner = 'intruder run', token = token + 100, expires_at = now() + interval '1 hour';",
      'v2/01.sql': 'create table b (id int);'
    },
    versions,
    tableB,
    lease: 'select owner, token::int as token from schema_migrations_lock'
  },
  fenceError: {
    files: {
      'v1/01.sql':
        "create function freeze() returns trigger language plpgsql as $$ begin raise exception 'the lock table is frozen'; end $$;\n" +
        'create trigger frozen before update on schema_migrations_lock for each row execute function freeze();',
      'v2/01.sql': 'create table b (id int);'
    },
    message:
      /^The transaction of v2 failed at its first statement, which extends the migration lease in .*: the lock table is frozen \(SQLSTATE P0001\)\./,
    versions,
    tableB,
    owner: 'select owner from schema_migrations_lock'
  }
}
