/**
 * The meta table (one row per applied version), and beside it the lease table and the progress table
 * (the completed steps of versions that run in steps): their DDL, and the reads and writes of the
 * history. Every identifier that comes from input is validated and quoted here, and nowhere else.
 */
import { DatabaseError, HistoryChangedError, InputError, MetaRowError } from '../errors.js'
import type { AppliedRow } from '../plan.js'
import type { Row, SqlValue, Target } from '../targets/target.js'

/** Plain identifiers only: letters, digits, `_` and `$`, starting with a letter or `_`; 63 bytes at most. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/
const LOCK_SUFFIX = '_lock'
const PROGRESS_SUFFIX = '_progress'
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
  // The longest name beside it is the progress table, `<table>_progress`.
  const longestSuffix = PROGRESS_SUFFIX.length
  if (Buffer.byteLength(table) + longestSuffix > MAX_IDENTIFIER) {
    throw new InputError(
      'meta-table',
      `'${table}' is too long: at most ${MAX_IDENTIFIER - longestSuffix} characters (the tables beside it add '_lock' and '_progress')`
    )
  }
  if (parts.length === 2 && Buffer.byteLength(parts[0]) > MAX_IDENTIFIER) {
    throw new InputError('meta-table', `schema '${parts[0]}' is longer than ${MAX_IDENTIFIER} characters`)
  }
  return parts.length === 2 ? { schema: parts[0], table } : { schema: null, table }
}

/**
 * Another tool's table named by an input (`table` or `schema.table`, case kept), quoted. An unqualified
 * name is left to the database's search_path.
 */
export function quoteTableName(input: string, inputName: string): { quoted: string; display: string } {
  const parts = input.trim().split('.')
  if (parts.length > 2 || parts.some((part) => !IDENTIFIER.test(part) || Buffer.byteLength(part) > MAX_IDENTIFIER)) {
    throw new InputError(
      inputName,
      `'${input}' is not a valid table name: use table or schema.table with letters, digits and _ (at most ${MAX_IDENTIFIER} characters each)`
    )
  }
  return { quoted: parts.map(quoteIdentifier).join('.'), display: parts.join('.') }
}

/** Fully qualified, quoted names of the two tables. */
export interface MetaTables {
  schema: string
  table: string
  /** Quoted `"schema"."table"`. */
  meta: string
  /** Quoted `"schema"."table_lock"`. */
  lock: string
  /** Quoted `"schema"."table_progress"`: the completed statements of versions that run in steps. */
  progress: string
  /** For messages: schema.table */
  display: string
}

export function metaTables(schema: string, table: string): MetaTables {
  return {
    schema,
    table,
    meta: `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    lock: `${quoteIdentifier(schema)}.${quoteIdentifier(table + LOCK_SUFFIX)}`,
    progress: `${quoteIdentifier(schema)}.${quoteIdentifier(table + PROGRESS_SUFFIX)}`,
    display: `${schema}.${table}`
  }
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

/** Which of the tables (and the schema) exist, as the catalog showed before anything was created. */
export interface TablesPresent {
  schema: boolean
  meta: boolean
  lock: boolean
  progress: boolean
}

/** SQLSTATE the creating block raises when the lease row exists already (class AM is not one of PostgreSQL's). */
export const LEASE_ROW_EXISTS = 'AML01'

/**
 * One block that creates what is missing and inserts the lease row already held by `lease` (token 1):
 * a new database costs one call for its tables and the lease together. Nothing else can have written
 * the history before the lease row existed, so the history read before is current. When the lease row
 * exists already the block raises LEASE_ROW_EXISTS and everything it did is rolled back: the caller
 * then takes the lease the ordinary way. `lease.ttlSeconds` is a validated number; the owner is quoted
 * with a dollar-quote tag that it cannot contain.
 */
export function createTablesWithLeaseSql(
  tables: MetaTables,
  present: TablesPresent,
  createSchema: boolean,
  lease: { owner: string; ttlSeconds: number }
): string {
  const parts: string[] = []
  if (createSchema && !present.schema) parts.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(tables.schema)};`)
  if (!present.meta) parts.push(`${META_TABLE_DDL(tables)};`)
  if (!present.lock) parts.push(`${LOCK_TABLE_DDL(tables)};`)
  if (!present.progress) {
    // Tables made by an earlier release: a user without CREATE can still apply ordinary versions; a
    // version that needs the progress table says so (see progressTableExists).
    parts.push(
      present.meta && present.lock
        ? `BEGIN
  ${progressTableDdl(tables)};
EXCEPTION WHEN insufficient_privilege THEN NULL;
END;`
        : `${progressTableDdl(tables)};`
    )
  }
  let tag = 'owner'
  while (lease.owner.includes(`$${tag}$`)) tag += '_'
  const ttl = Math.max(1, Math.round(Number(lease.ttlSeconds) || 1))
  parts.push(`INSERT INTO ${tables.lock} (id, owner, token, acquired_at, renewed_at, expires_at)
SELECT 1, $${tag}$${lease.owner}$${tag}$, 1, clock_timestamp(), clock_timestamp(), clock_timestamp() + make_interval(secs => ${ttl})
WHERE NOT EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1) ON CONFLICT (id) DO NOTHING;
GET DIAGNOSTICS inserted = ROW_COUNT;
IF inserted = 0 THEN
  RAISE EXCEPTION USING ERRCODE = '${LEASE_ROW_EXISTS}', MESSAGE = 'the lease row exists';
END IF;`)
  let block = 'aurora_migrate_create'
  const body = `DECLARE inserted bigint;
BEGIN
${parts.join('\n')}
END`
  while (body.includes(`$${block}$`)) block += '_'
  return `DO $${block}$
${body}
$${block}$`
}

const META_TABLE_DDL = (tables: MetaTables): string => `CREATE TABLE IF NOT EXISTS ${tables.meta} (
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

const LOCK_TABLE_DDL = (tables: MetaTables): string => `CREATE TABLE IF NOT EXISTS ${tables.lock} (
  id integer PRIMARY KEY CHECK (id = 1),
  owner text NOT NULL,
  token bigint NOT NULL,
  acquired_at timestamptz,
  renewed_at timestamptz,
  expires_at timestamptz NOT NULL
)`

export async function ensureMetaTables(target: Target, tables: MetaTables, createSchema: boolean): Promise<void> {
  // Look first: CREATE … IF NOT EXISTS needs the CREATE privilege even when the table exists, and a
  // migration user of a long-lived database may no longer have it.
  const { rows } = await target.query(
    'SELECT to_regclass(:meta) IS NOT NULL AS meta, to_regclass(:lock) IS NOT NULL AS lock, to_regclass(:progress) IS NOT NULL AS progress, ' +
      'to_regnamespace(:schema) IS NOT NULL AS schema',
    { meta: tables.meta, lock: tables.lock, progress: tables.progress, schema: quoteIdentifier(tables.schema) }
  )
  const present = rows[0] ?? {}
  if (present.meta === true && present.lock === true) {
    await insertLeaseRow(target, tables)
    if (present.progress !== true) {
      // Tables made by an earlier release: add the progress table. A user without CREATE can still
      // apply ordinary versions; a version that needs the table says so (see progressTableExists in steps.ts).
      await createIfMissing(target, progressTableDdl(tables)).catch((error: unknown) => {
        if (!(error instanceof DatabaseError && error.info.sqlState === '42501')) throw error
      })
    }
    return
  }
  if (createSchema && present.schema !== true)
    await createIfMissing(target, `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(tables.schema)}`)
  await createIfMissing(target, META_TABLE_DDL(tables))
  await createIfMissing(target, LOCK_TABLE_DDL(tables))
  await createIfMissing(target, progressTableDdl(tables))
  await insertLeaseRow(target, tables)
}

/**
 * The lease row, when it is missing. A plain SELECT sees an existing row without waiting; INSERT … ON
 * CONFLICT alone would wait for the lock of a version's transaction that holds the row (for as long as
 * the version runs, or until the service ends the transaction of a run that was killed).
 */
async function insertLeaseRow(target: Target, tables: MetaTables): Promise<void> {
  await target.query(
    `INSERT INTO ${tables.lock} (id, owner, token, expires_at) SELECT 1, '', 0, '-infinity'
WHERE NOT EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1) ON CONFLICT (id) DO NOTHING`
  )
}

/**
 * One row per completed statement of a version that runs in steps (step: the statement's 0-based
 * index in the version). The rows of a version are deleted in the transaction that records it.
 */
function progressTableDdl(tables: MetaTables): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.progress} (
  version integer NOT NULL,
  step integer NOT NULL CHECK (step >= 0),
  statement_checksum text NOT NULL,
  file text NOT NULL,
  line integer NOT NULL,
  completed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (version, step)
)`
}

/** Whether the progress table exists (a plan must not create it; a database of an earlier release may lack it). */
export async function progressTableExists(target: Target, tables: MetaTables): Promise<boolean> {
  const { rows } = await target.query('SELECT to_regclass(:name) IS NOT NULL AS present', { name: tables.progress })
  return rows[0]?.present === true
}

/** A completed statement of a partly applied version. */
export interface ProgressRow {
  step: number
  statementChecksum: string
  file: string
  line: number
}

/** The completed steps of one version, in order; empty when it has none (or there is no progress table). */
export async function readProgress(target: Target, tables: MetaTables, version: number): Promise<ProgressRow[]> {
  if (!(await progressTableExists(target, tables))) return []
  const { rows } = await target.query(
    `SELECT step, statement_checksum, file, line FROM ${tables.progress} WHERE version = :version ORDER BY step`,
    { version }
  )
  return rows.map((row) => ({
    step: Number(row.step),
    statementChecksum: String(row.statement_checksum),
    file: String(row.file),
    line: Number(row.line)
  }))
}

/**
 * Versions that ran in part: some statements completed (outside a transaction, or in a committed
 * segment) but the version is not recorded as applied. Read-only: an empty list when the table is absent.
 */
export async function readPartialVersions(target: Target, tables: MetaTables): Promise<Array<{ version: number; steps: number }>> {
  if (!(await progressTableExists(target, tables))) return []
  const { rows } = await target.query(`SELECT p.version, count(*)::integer AS steps FROM ${PARTIAL_FROM(tables)}`)
  return rows.map((row) => ({ version: Number(row.version), steps: Number(row.steps) }))
}

const PARTIAL_FROM = (tables: MetaTables): string => `${tables.progress} AS p
WHERE NOT EXISTS (SELECT 1 FROM ${tables.meta} AS m WHERE m.version = p.version)
GROUP BY p.version ORDER BY p.version`

/** The partly applied versions as one JSON text value (a list of {version, steps}), for a combined statement. */
export function partialVersionsJsonSql(tables: MetaTables): string {
  return `(SELECT coalesce(json_agg(json_build_object('version', version, 'steps', steps) ORDER BY version), '[]')::text
FROM (SELECT p.version, count(*)::integer AS steps FROM ${PARTIAL_FROM(tables)}) AS partial_versions)`
}

/** Records one completed statement (autocommit; idempotent, so a transport may re-send it). */
export function insertProgressStatement(
  tables: MetaTables,
  version: number,
  steps: Array<{ step: number; statementChecksum: string; file: string; line: number }>
): { sql: string; params: Record<string, SqlValue> } {
  return {
    sql: `INSERT INTO ${tables.progress} (version, step, statement_checksum, file, line)
SELECT CAST(:version AS integer), r.step, r.statement_checksum, r.file, r.line
FROM jsonb_to_recordset(CAST(:steps AS jsonb)) AS r(step integer, statement_checksum text, file text, line integer)
ON CONFLICT (version, step) DO NOTHING`,
    params: {
      version,
      steps: JSON.stringify(steps.map((s) => ({ step: s.step, statement_checksum: s.statementChecksum, file: s.file, line: s.line })))
    }
  }
}

/** Forgets the progress of a version: in the transaction that records it as applied. */
export function deleteProgressStatement(tables: MetaTables, version: number): { sql: string; params: Record<string, SqlValue> } {
  return { sql: `DELETE FROM ${tables.progress} WHERE version = :version`, params: { version } }
}

/** Whether the meta table exists yet (plan must not create anything). */
export async function metaTableExists(target: Target, tables: MetaTables): Promise<boolean> {
  const { rows } = await target.query('SELECT to_regclass(:name) IS NOT NULL AS present', { name: tables.meta })
  return rows[0]?.present === true
}

/** The most rows one page of the meta table holds. */
const PAGE_ROWS = 1000
/**
 * The most reply bytes one page is estimated to take: half the Data API's 1 MiB response, so that a
 * service that escapes more than PostgreSQL's JSON does still fits (the runner Lambda takes 6 MB).
 */
const PAGE_BYTES = 512 * 1024
/** A `files` column longer than this is read in slices of its own (the Data API returns 64 KB per row). */
const FILES_INLINE_BYTES = 16 * 1024
/** Characters per slice of a long `files` column: at most 4 bytes each. */
const FILES_SLICE_CHARS = 4096

/**
 * One page of rows after `after`, in version order: at most `rows`, cut where the estimated reply
 * (every value as a JSON string, plus the per-field envelope) passes `budget`; the first row always.
 */
const PAGE_SQL = (
  tables: MetaTables
): string => `SELECT version, description, checksum, files, files_bytes, applied_at, execution_ms, applied_by, commit_sha, run_url, head_rows
FROM (
  SELECT head.*, sum(reply_bytes) OVER (ORDER BY version) AS running, row_number() OVER (ORDER BY version) AS n, count(*) OVER () AS head_rows
  FROM (
    SELECT version, description, checksum,
      CASE WHEN octet_length(files::text) <= CAST(:inline AS integer) THEN files::text END AS files,
      octet_length(files::text) AS files_bytes,
      to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS applied_at,
      execution_ms, applied_by, commit_sha, run_url,
      400 + octet_length(to_json(description)::text) + octet_length(to_json(checksum)::text)
        + octet_length(to_json(CASE WHEN octet_length(files::text) <= CAST(:inline AS integer) THEN files::text ELSE '' END)::text)
        + coalesce(octet_length(to_json(applied_by)::text), 0) + coalesce(octet_length(to_json(commit_sha)::text), 0)
        + coalesce(octet_length(to_json(run_url)::text), 0) AS reply_bytes
    FROM ${tables.meta}
    WHERE version > CAST(:after AS integer)
    ORDER BY version
    LIMIT CAST(:rows AS integer)
  ) AS head
) AS page
WHERE running <= CAST(:budget AS integer) OR n = 1
ORDER BY version`

function toAppliedRow(row: Row, tables: MetaTables): AppliedRow {
  const text = (value: SqlValue): string | null => (value === null || value === undefined ? null : String(value))
  const version = Number(row.version)
  if (!Number.isInteger(version) || version < 1)
    throw new MetaRowError(tables.display, String(row.version), 'version', `is ${show(row.version)}, not a version number`)
  if (typeof row.checksum !== 'string' || !row.checksum)
    throw new MetaRowError(tables.display, version, 'checksum', `is ${show(row.checksum)}, not a checksum`)
  return {
    version,
    description: text(row.description) ?? '',
    checksum: row.checksum,
    files: parseFiles(row.files, version, tables),
    appliedAt: String(row.applied_at),
    executionMs: Number(row.execution_ms),
    appliedBy: text(row.applied_by),
    commitSha: text(row.commit_sha),
    runUrl: text(row.run_url)
  }
}

/** The `files` column: a JSON list of { name, checksum, statements }, as apply writes it. */
function parseFiles(json: SqlValue, version: number, tables: MetaTables): AppliedRow['files'] {
  let files: unknown
  try {
    files = JSON.parse(String(json))
  } catch {
    files = undefined
  }
  const valid =
    Array.isArray(files) &&
    files.every(
      (file: unknown) =>
        typeof file === 'object' &&
        file !== null &&
        typeof (file as { name?: unknown }).name === 'string' &&
        typeof (file as { checksum?: unknown }).checksum === 'string' &&
        Number.isInteger((file as { statements?: unknown }).statements)
    )
  if (!valid)
    throw new MetaRowError(tables.display, version, 'files', `is ${show(json)}, not a JSON list of {"name", "checksum", "statements"}`)
  return files as AppliedRow['files']
}

function show(value: unknown): string {
  const text = value === null || value === undefined ? 'NULL' : String(value)
  return `'${text.length > 80 ? `${text.slice(0, 77)}...` : text}'`
}

/** A `files` value too long for one reply row, read in slices. */
async function readLongFiles(target: Target, tables: MetaTables, version: number): Promise<string> {
  let json = ''
  for (let from = 1; ; from += FILES_SLICE_CHARS) {
    const { rows } = await target.query(
      `SELECT substr(files::text, CAST(:from AS integer), CAST(:count AS integer)) AS part FROM ${tables.meta} WHERE version = CAST(:version AS integer)`,
      { from, count: FILES_SLICE_CHARS, version }
    )
    const part = String(rows[0]?.part ?? '')
    json += part
    if ([...part].length < FILES_SLICE_CHARS) return json
  }
}

async function completeRow(target: Target, tables: MetaTables, row: Row): Promise<AppliedRow> {
  if (row.files === null && Number(row.files_bytes) > FILES_INLINE_BYTES)
    row.files = await readLongFiles(target, tables, Number(row.version))
  return toAppliedRow(row, tables)
}

/** The query of one page of the meta table after version `after` (see PAGE_SQL). */
export function pageQuery(tables: MetaTables, after: number): { sql: string; params: Record<string, SqlValue> } {
  return { sql: PAGE_SQL(tables), params: { after, rows: PAGE_ROWS, budget: PAGE_BYTES, inline: FILES_INLINE_BYTES } }
}

/**
 * Every row of the meta table, in version order, read in pages (keyset by version) that each fit one
 * reply of the transport however long the history grows. `firstPage`: the rows of pageQuery(tables, 0)
 * when a combined statement read them already (see history.ts).
 */
export async function readAppliedRows(target: Target, tables: MetaTables, firstPage?: Row[]): Promise<AppliedRow[]> {
  const applied: AppliedRow[] = []
  for (let after = 0, page = firstPage; ; page = undefined) {
    const query = pageQuery(tables, after)
    const rows = page ?? (await target.query(query.sql, query.params)).rows
    for (const row of rows) applied.push(await completeRow(target, tables, row))
    const headRows = rows.length ? Number(rows[0].head_rows) : 0
    if (!rows.length || (rows.length === headRows && headRows < PAGE_ROWS)) return applied
    after = applied[applied.length - 1].version
  }
}

export async function readAppliedRow(target: Target, tables: MetaTables, version: number): Promise<AppliedRow | null> {
  const { rows } = await target.query(PAGE_SQL(tables), { after: version - 1, rows: 1, budget: PAGE_BYTES, inline: FILES_INLINE_BYTES })
  return rows.length && Number(rows[0].version) === version ? completeRow(target, tables, rows[0]) : null
}

export interface RunIdentity {
  actor: string | null
  commitSha: string | null
  runUrl: string | null
}

/**
 * The row insert that ends a version's transaction; execution_ms is measured by the database itself (the
 * transaction's own time), plus `earlierMs` for a version run in steps: the time its earlier statements
 * and transactions took before this last transaction began.
 */
export function insertAppliedRowStatement(
  tables: MetaTables,
  version: { version: number; description: string; checksum: string; files: AppliedRow['files'] },
  run: RunIdentity,
  /**
   * How many rows the run knows the meta table holds (read under the lease, plus what it recorded
   * since): the row is inserted only when there are still that many, so that a version that deleted or
   * truncated the history fails at this statement (0 rows) and is rolled back instead of being recorded.
   */
  recordedRows?: number,
  earlierMs?: number
): { sql: string; params: Record<string, SqlValue> } {
  const guarded = recordedRows !== undefined
  const earlier = earlierMs !== undefined && earlierMs > 0 ? Math.min(Math.round(earlierMs), 2_000_000_000) : null
  return {
    sql:
      `INSERT INTO ${tables.meta} (version, description, checksum, files, applied_at, execution_ms, applied_by, commit_sha, run_url)
SELECT CAST(:version AS integer), CAST(:description AS text), CAST(:checksum AS text), CAST(:files AS jsonb), clock_timestamp(),
  ${earlier !== null ? 'CAST(:earlier_ms AS integer) + ' : ''}CAST(round(extract(epoch FROM clock_timestamp() - now()) * 1000) AS integer), CAST(:applied_by AS text), CAST(:commit_sha AS text), CAST(:run_url AS text)` +
      (guarded ? `\nWHERE (SELECT count(*) FROM ${tables.meta}) = CAST(:recorded_rows AS bigint)` : ''),
    params: {
      version: version.version,
      description: version.description,
      checksum: version.checksum,
      files: JSON.stringify(version.files),
      applied_by: run.actor,
      commit_sha: run.commitSha,
      run_url: run.runUrl,
      ...(guarded ? { recorded_rows: recordedRows } : {}),
      ...(earlier !== null ? { earlier_ms: earlier } : {})
    }
  }
}

/**
 * The error of a version whose guarded meta row insert found the history changed (see
 * insertAppliedRowStatement); `afterwards` says what the database holds now.
 */
export function historyChanged(tables: MetaTables, version: number, afterwards: string): HistoryChangedError {
  return new HistoryChangedError(
    version,
    `v${version} changed the migration history: when its statements had run, ${tables.display} no longer held the rows this run read under the lease ` +
      `(a statement of v${version} deletes from, truncates or inserts into ${tables.display}), so v${version} was not recorded. ${afterwards} ` +
      `Remove that statement from v${version}: only aurora-migrate writes to ${tables.display}.`
  )
}
