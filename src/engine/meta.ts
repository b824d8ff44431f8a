/**
 * The meta table (one row per applied version) and the lease table beside it. Every identifier that
 * comes from input is validated and quoted here, and nowhere else.
 */
import { DatabaseError, InputError } from '../errors.js'
import type { AppliedRow } from '../plan.js'
import type { Row, SqlValue, Target } from '../targets/target.js'

/** Plain identifiers only: letters, digits, `_` and `$`, starting with a letter or `_`; 63 bytes at most. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/
const LOCK_SUFFIX = '_lock'
const MAX_IDENTIFIER = 63

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export interface MetaTableName {
  /** null: the database's default schema (resolved once per run, see resolveMetaTables). */
  schema: string | null
  table: string
}

/** Parses the `meta-table` input: `table` or `schema.table`. */
export function parseMetaTableName(input: string): MetaTableName {
  const parts = input.trim().split('.')
  if (parts.length > 2 || parts.some((part) => !IDENTIFIER.test(part))) {
    throw new InputError(
      'meta-table',
      `'${input}' is not a valid table name: use table or schema.table with letters, digits and _ (for example schema_migrations or ops.schema_migrations)`
    )
  }
  const table = parts[parts.length - 1]
  if (Buffer.byteLength(table) + LOCK_SUFFIX.length > MAX_IDENTIFIER) {
    throw new InputError('meta-table', `'${table}' is too long: at most ${MAX_IDENTIFIER - LOCK_SUFFIX.length} characters (the lease table adds '${LOCK_SUFFIX}')`)
  }
  if (parts.length === 2 && Buffer.byteLength(parts[0]) > MAX_IDENTIFIER) {
    throw new InputError('meta-table', `schema '${parts[0]}' is longer than ${MAX_IDENTIFIER} characters`)
  }
  return parts.length === 2 ? { schema: parts[0], table } : { schema: null, table }
}

/** Fully qualified, quoted names of the two tables. */
export interface MetaTables {
  schema: string
  table: string
  /** Quoted `"schema"."table"`. */
  meta: string
  /** Quoted `"schema"."table_lock"`. */
  lock: string
  /** For messages: schema.table */
  display: string
}

export function metaTables(schema: string, table: string): MetaTables {
  return {
    schema,
    table,
    meta: `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    lock: `${quoteIdentifier(schema)}.${quoteIdentifier(table + LOCK_SUFFIX)}`,
    display: `${schema}.${table}`
  }
}

/**
 * Resolves the schema once, so that a migration that changes search_path cannot move the meta table
 * under the engine's feet.
 */
export async function resolveMetaTables(target: Target, name: MetaTableName): Promise<MetaTables> {
  if (name.schema !== null) return metaTables(name.schema, name.table)
  const { rows } = await target.query('SELECT current_schema() AS schema')
  const schema = rows[0]?.schema
  if (typeof schema !== 'string' || !schema) {
    throw new InputError('meta-table', 'the database has no default schema (search_path is empty): give meta-table as schema.table')
  }
  return metaTables(schema, name.table)
}

const DUPLICATE_OBJECT = new Set(['23505', '42P07', '42710'])

/** CREATE … IF NOT EXISTS races with itself in PostgreSQL (two runs at once); the loser just retries. */
async function createIfMissing(target: Target, sql: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await target.query(sql)
      return
    } catch (error) {
      if (attempt < 3 && error instanceof DatabaseError && DUPLICATE_OBJECT.has(error.info.sqlState ?? '')) continue
      throw error
    }
  }
}

export async function ensureMetaTables(target: Target, tables: MetaTables, createSchema: boolean): Promise<void> {
  // Look first: CREATE … IF NOT EXISTS needs the CREATE privilege even when the table exists, and a
  // migration user of a long-lived database may no longer have it.
  const { rows } = await target.query(
    'SELECT to_regclass(:meta) IS NOT NULL AS meta, to_regclass(:lock) IS NOT NULL AS lock, to_regnamespace(:schema) IS NOT NULL AS schema',
    { meta: tables.meta, lock: tables.lock, schema: quoteIdentifier(tables.schema) }
  )
  const present = rows[0] ?? {}
  if (present.meta === true && present.lock === true) {
    await target.query(`INSERT INTO ${tables.lock} (id, owner, token, expires_at) VALUES (1, '', 0, '-infinity') ON CONFLICT (id) DO NOTHING`)
    return
  }
  if (createSchema && present.schema !== true) await createIfMissing(target, `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(tables.schema)}`)
  await createIfMissing(
    target,
    `CREATE TABLE IF NOT EXISTS ${tables.meta} (
  version integer PRIMARY KEY CHECK (version > 0),
  description text NOT NULL DEFAULT '',
  checksum text NOT NULL,
  files jsonb NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  execution_ms integer NOT NULL,
  applied_by text,
  commit_sha text,
  run_url text
)`
  )
  await createIfMissing(
    target,
    `CREATE TABLE IF NOT EXISTS ${tables.lock} (
  id integer PRIMARY KEY CHECK (id = 1),
  owner text NOT NULL,
  token bigint NOT NULL,
  acquired_at timestamptz,
  renewed_at timestamptz,
  expires_at timestamptz NOT NULL
)`
  )
  await target.query(`INSERT INTO ${tables.lock} (id, owner, token, expires_at) VALUES (1, '', 0, '-infinity') ON CONFLICT (id) DO NOTHING`)
}

/** Whether the meta table exists yet (plan must not create anything). */
export async function metaTableExists(target: Target, tables: MetaTables): Promise<boolean> {
  const { rows } = await target.query('SELECT to_regclass(:name) IS NOT NULL AS present', { name: tables.meta })
  return rows[0]?.present === true
}

const SELECT_ROWS = (tables: MetaTables): string =>
  `SELECT version, description, checksum, files::text AS files, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS applied_at,
  execution_ms, applied_by, commit_sha, run_url FROM ${tables.meta}`

function toAppliedRow(row: Row): AppliedRow {
  const text = (value: SqlValue): string | null => (value === null || value === undefined ? null : String(value))
  return {
    version: Number(row.version),
    description: text(row.description) ?? '',
    checksum: String(row.checksum),
    files: JSON.parse(String(row.files)),
    appliedAt: String(row.applied_at),
    executionMs: Number(row.execution_ms),
    appliedBy: text(row.applied_by),
    commitSha: text(row.commit_sha),
    runUrl: text(row.run_url)
  }
}

export async function readAppliedRows(target: Target, tables: MetaTables): Promise<AppliedRow[]> {
  const { rows } = await target.query(`${SELECT_ROWS(tables)} ORDER BY version`)
  return rows.map(toAppliedRow)
}

export async function readAppliedRow(target: Target, tables: MetaTables, version: number): Promise<AppliedRow | null> {
  const { rows } = await target.query(`${SELECT_ROWS(tables)} WHERE version = :version`, { version })
  return rows.length ? toAppliedRow(rows[0]) : null
}

export interface RunIdentity {
  actor: string | null
  commitSha: string | null
  runUrl: string | null
}

/** The row insert that ends a version's transaction; execution_ms is measured by the database itself. */
export function insertAppliedRowStatement(
  tables: MetaTables,
  version: { version: number; description: string; checksum: string; files: AppliedRow['files'] },
  run: RunIdentity
): { sql: string; params: Record<string, SqlValue> } {
  return {
    sql: `INSERT INTO ${tables.meta} (version, description, checksum, files, applied_at, execution_ms, applied_by, commit_sha, run_url)
VALUES (:version, :description, :checksum, CAST(:files AS jsonb), clock_timestamp(),
  CAST(round(extract(epoch FROM clock_timestamp() - now()) * 1000) AS integer), :applied_by, :commit_sha, :run_url)`,
    params: {
      version: version.version,
      description: version.description,
      checksum: version.checksum,
      files: JSON.stringify(version.files),
      applied_by: run.actor,
      commit_sha: run.commitSha,
      run_url: run.runUrl
    }
  }
}
