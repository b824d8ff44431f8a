/**
 * PostgreSQL's statements for the meta table (one row per applied version), the lease table and the
 * progress table (the completed steps of versions that run in steps): their DDL, and the reads and
 * writes of the history. Identifiers come quoted in MetaTables; values are parameters.
 */
import type { MetaSql, ProgressStep, Query, TablesPresent } from '../../engine/dialect.js'
import { quoteIdentifier, type MetaTables } from '../../engine/meta.js'
import type { AppliedRow, RunIdentity } from '../../meta-row.js'

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
function createTablesWithLeaseSql(
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

const PARTIAL_FROM = (tables: MetaTables): string => `${tables.progress} AS p
WHERE NOT EXISTS (SELECT 1 FROM ${tables.meta} AS m WHERE m.version = p.version)
GROUP BY p.version ORDER BY p.version`

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

/**
 * The row insert that ends a version's transaction; execution_ms is measured by the database itself (the
 * transaction's own time), plus `earlierMs` for a version run in steps: the time its earlier statements
 * and transactions took before this last transaction began. With `recordedRows` (how many rows the run
 * knows the meta table holds) the row is inserted only when there are still that many, so that a version
 * that deleted or truncated the history fails at this statement (0 rows) and is rolled back.
 */
function insertAppliedRow(
  tables: MetaTables,
  version: { version: number; description: string; checksum: string; files: AppliedRow['files'] },
  run: RunIdentity,
  recordedRows?: number,
  earlierMs?: number
): Query {
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

export const metaSql: MetaSql = {
  createTablesWithLease: createTablesWithLeaseSql,
  tablesPresent: (tables) => ({
    sql:
      'SELECT to_regclass(:meta) IS NOT NULL AS meta, to_regclass(:lock) IS NOT NULL AS lock, to_regclass(:progress) IS NOT NULL AS progress, ' +
      'to_regnamespace(:schema) IS NOT NULL AS schema',
    params: { meta: tables.meta, lock: tables.lock, progress: tables.progress, schema: quoteIdentifier(tables.schema) }
  }),
  createSchema: (tables) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(tables.schema)}`,
  metaTableDdl: META_TABLE_DDL,
  lockTableDdl: LOCK_TABLE_DDL,
  progressTableDdl,
  // A plain SELECT sees an existing row without waiting; INSERT … ON CONFLICT alone would wait for the
  // lock of a version's transaction that holds the row.
  insertLeaseRow: (tables) => `INSERT INTO ${tables.lock} (id, owner, token, expires_at) SELECT 1, '', 0, '-infinity'
WHERE NOT EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1) ON CONFLICT (id) DO NOTHING`,
  tableExists: (quoted) => ({ sql: 'SELECT to_regclass(:name) IS NOT NULL AS present', params: { name: quoted } }),
  readProgress: (tables, version) => ({
    sql: `SELECT step, statement_checksum, file, line FROM ${tables.progress} WHERE version = :version ORDER BY step`,
    params: { version }
  }),
  partialVersions: (tables) => `SELECT p.version, count(*)::integer AS steps FROM ${PARTIAL_FROM(tables)}`,
  partialVersionsJson: (
    tables
  ) => `(SELECT coalesce(json_agg(json_build_object('version', version, 'steps', steps) ORDER BY version), '[]')::text
FROM (SELECT p.version, count(*)::integer AS steps FROM ${PARTIAL_FROM(tables)}) AS partial_versions)`,
  insertProgress: (tables: MetaTables, version: number, steps: ProgressStep[]) => ({
    sql: `INSERT INTO ${tables.progress} (version, step, statement_checksum, file, line)
SELECT CAST(:version AS integer), r.step, r.statement_checksum, r.file, r.line
FROM jsonb_to_recordset(CAST(:steps AS jsonb)) AS r(step integer, statement_checksum text, file text, line integer)
ON CONFLICT (version, step) DO NOTHING`,
    params: {
      version,
      steps: JSON.stringify(steps.map((s) => ({ step: s.step, statement_checksum: s.statementChecksum, file: s.file, line: s.line })))
    }
  }),
  deleteProgress: (tables, version) => ({ sql: `DELETE FROM ${tables.progress} WHERE version = :version`, params: { version } }),
  recordStepByHand: (tables, version, step) => {
    const text = (value: string) => `'${value.replace(/'/g, "''")}'`
    return (
      `INSERT INTO ${tables.progress} (version, step, statement_checksum, file, line) ` +
      `VALUES (${version}, ${step.step}, ${text(step.statementChecksum)}, ${text(step.file)}, ${step.line})`
    )
  },
  page: PAGE_SQL,
  filesSlice: (tables) =>
    `SELECT substr(files::text, CAST(:from AS integer), CAST(:count AS integer)) AS part FROM ${tables.meta} WHERE version = CAST(:version AS integer)`,
  notApplied: (tables, version) => ({ sql: `SELECT version FROM ${tables.meta} WHERE version = :version`, params: { version } }),
  insertAppliedRow,
  insertBaselineRow: (tables, version, run) => ({
    sql: `INSERT INTO ${tables.meta} (version, description, checksum, files, applied_at, execution_ms, applied_by, commit_sha, run_url)
VALUES (:version, :description, :checksum, CAST(:files AS jsonb), clock_timestamp(), 0, :applied_by, :commit_sha, :run_url)`,
    params: {
      version: version.version,
      description: version.description,
      checksum: version.checksum,
      files: version.files,
      applied_by: run.actor,
      commit_sha: run.commitSha,
      run_url: run.runUrl
    }
  }),
  updateRepairedRow: (tables, version) => ({
    sql: `UPDATE ${tables.meta} SET checksum = :checksum, files = CAST(:files AS jsonb), repaired_by = :repaired_by, repaired_at = clock_timestamp()
WHERE version = :version AND checksum = :previous`,
    params: {
      version: version.version,
      checksum: version.checksum,
      files: version.files,
      repaired_by: version.repairedBy,
      previous: version.previous
    }
  }),
  repairColumnsPresent: (tables) => ({
    sql: `SELECT count(*)::integer AS present FROM information_schema.columns
WHERE table_schema = :schema AND table_name = :table AND column_name IN ('repaired_by', 'repaired_at')`,
    params: { schema: tables.schema, table: tables.table }
  }),
  addRepairColumns: (tables) =>
    `ALTER TABLE ${tables.meta} ADD COLUMN IF NOT EXISTS repaired_by text, ADD COLUMN IF NOT EXISTS repaired_at timestamptz`,
  addRepairColumnsByHand: (tables) => `ALTER TABLE ${tables.meta} ADD COLUMN repaired_by text, ADD COLUMN repaired_at timestamptz`,
  sequelizeNames: (quoted) => `SELECT name FROM ${quoted} ORDER BY name`
}
