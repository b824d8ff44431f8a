/**
 * What the SQL script's tests share: a set of migrations, copies of a database, what is compared after a run, and
 * the comparison of psql running the script with apply.
 */
import pg from 'pg'
import { readSchemaSnapshot } from '../src/dialects/postgresql/shadow/schema-snapshot.js'
import { ADMIN_URL_ENV, sql } from './postgres.js'
import { runPsqlFile } from './psql.js'

/** The test server's admin URL (also a shadow-database-url: scratch databases are made on it). */
export const admin = (): string => process.env[ADMIN_URL_ENV]!

/** Three versions: a table with a row, a `-- migrate:no-transaction` CREATE INDEX CONCURRENTLY, a column, a view, a comment and a function. */
export const MIGRATIONS: Record<string, string> = {
  'v1_accounts/01_accounts.sql':
    "create table accounts (id bigint primary key, email text not null);\ninsert into accounts values (1, 'a@example.com');\n",
  'v2_email_index/01_index.sql': '-- migrate:no-transaction\ncreate index concurrently accounts_email on accounts (email);\n',
  'v3_names/01_column.sql': "alter table accounts add column name text default 'x';\n",
  'v3_names/02_view.sql':
    "create view account_names as select id, name from accounts; -- a view\ncomment on column accounts.name is 'it''s the name';\n",
  // Blank lines inside a body are part of the function's definition: the script keeps them as sent.
  'v3_names/03_function.sql':
    'create function account_count() returns bigint language sql as $$\n\n\n\nselect count(*) from accounts\n$$;\n'
}

/** A copy of the database `name` (no session may be connected to it), dropped by the returned function. */
export async function copyOf(name: string, copy: string): Promise<{ url: string; drop(): Promise<void> }> {
  await sql(admin(), `CREATE DATABASE "${copy}" TEMPLATE "${name}"`)
  const url = new URL(admin())
  url.pathname = `/${copy}`
  return { url: url.toString(), drop: async () => void (await sql(admin(), `DROP DATABASE IF EXISTS "${copy}" WITH (FORCE)`)) }
}

/** The schema (in one order), the meta, progress and lock rows, the data and the index: what the script and apply must both leave. */
export async function snapshot(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    // In one order whatever order the catalog gave them in.
    const schema = (await readSchemaSnapshot(client)).sort((a, b) => `${a.kind} ${a.name}`.localeCompare(`${b.kind} ${b.name}`))
    const rows = await client.query(
      `SELECT version, description, checksum, files::text, applied_by, commit_sha, run_url FROM schema_migrations ORDER BY version`
    )
    const progress = await client.query(`SELECT count(*)::int AS n FROM schema_migrations_progress`)
    const lock = await client.query(`SELECT owner, expires_at <= now() AS free FROM schema_migrations_lock`)
    const data = await client.query(`SELECT * FROM accounts ORDER BY id`)
    const index = await client.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('accounts_email')`)
    return { schema, rows: rows.rows, progress: progress.rows, lock: lock.rows, data: data.rows, index: index.rows }
  } finally {
    await client.end()
  }
}

/**
 * The script file run by psql on one copy of the database `name`, and `apply` (through whichever transport the test
 * uses) on another: psql succeeds quietly, apply succeeds, and both copies end with the same snapshot. `after` then
 * looks at the script's copy before both are dropped.
 */
export async function expectScriptEqualsApply(
  name: string,
  scriptFile: string,
  apply: (url: string) => Promise<{ code: number | null }>,
  after: (scriptCopyUrl: string) => Promise<void> = async () => undefined
): Promise<void> {
  const byScript = await copyOf(name, `${name}_psql`)
  const byApply = await copyOf(name, `${name}_apply`)
  try {
    const ran = await runPsqlFile(byScript.url, scriptFile)
    expect(ran.stderr).toBe('')
    expect(ran.code).toBe(0)
    expect((await apply(byApply.url)).code).toBe(0)
    expect(await snapshot(byScript.url)).toEqual(await snapshot(byApply.url))
    await after(byScript.url)
  } finally {
    await byScript.drop()
    await byApply.drop()
  }
}
