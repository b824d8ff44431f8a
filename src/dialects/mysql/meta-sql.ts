/**
 * MySQL's statements for the meta table (one row per applied version), the lease table and the progress
 * table (the steps of versions that run in steps: on MySQL every version with DDL), their DDL, and the
 * reads and writes of the history. Identifiers come quoted in MetaTables (backticks); values are parameters.
 *
 * The same text runs on MySQL 8 (Aurora MySQL 3) and MariaDB 10.11: no RETURNING, no CAST AS JSON, no
 * LIMIT parameters (a prepared LIMIT ? rejects a number on MySQL 8.0.22+), an explicit collation
 * (utf8mb4_bin) on every table, and times in UTC (UTC_TIMESTAMP(6)) whatever the session's time zone.
 */
import type { MetaSql, ProgressStep, Query, TablesPresent } from '../../engine/dialect.js'
import type { MetaTables } from '../../engine/meta.js'
import type { AppliedRow, RunIdentity } from '../../meta-row.js'
import { LEASE_ROW_CHECK_SUFFIX } from './errors.js'
import { parseQuotedName, quoteIdentifier, requote } from './identifiers.js'
import { textLiteral } from './literals.js'

const TABLE_OPTIONS = 'ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin'
/** The free lease row's expiry: long past (DATETIME starts at 1000-01-01). */
export const FREE_EXPIRY = "'1000-01-01 00:00:00'"

/** A TTL in seconds as whole microseconds (validated numbers only). */
export function ttlMicros(ttlSeconds: number): number {
  return Math.max(1_000_000, Math.round((Number(ttlSeconds) || 1) * 1_000_000))
}

const metaTableDdl = (tables: MetaTables): string => `CREATE TABLE IF NOT EXISTS ${tables.meta} (
  version INT NOT NULL,
  description TEXT NOT NULL,
  checksum VARCHAR(128) NOT NULL,
  files JSON NOT NULL,
  applied_at DATETIME(6) NOT NULL,
  execution_ms INT NOT NULL,
  applied_by TEXT NULL,
  commit_sha TEXT NULL,
  run_url TEXT NULL,
  PRIMARY KEY (version),
  CHECK (version > 0)
) ${TABLE_OPTIONS}`

/**
 * One row (id 1). `previous_owner` is the owner the last take replaced (MySQL has no RETURNING, so the
 * take's read-back finds it there). The CHECK constraint, named after the table, is what the insert of
 * a held lease row trips when the row exists (see leaseRowInsert).
 */
const lockTableDdl = (tables: MetaTables): string => `CREATE TABLE IF NOT EXISTS ${tables.lock} (
  id TINYINT NOT NULL,
  owner VARCHAR(1024) NOT NULL,
  token BIGINT NOT NULL,
  acquired_at DATETIME(6) NULL,
  renewed_at DATETIME(6) NULL,
  expires_at DATETIME(6) NOT NULL,
  previous_owner VARCHAR(1024) NULL,
  PRIMARY KEY (id),
  CONSTRAINT ${quoteIdentifier(tables.table + LEASE_ROW_CHECK_SUFFIX)} CHECK (id = 1)
) ${TABLE_OPTIONS}`

/**
 * One row per step of a version run in steps (step: the statement's 0-based index in the version). A
 * statement that commits on its own (DDL) gets a 'started' row, with the catalog fingerprint of what it
 * names, before it is sent; 'done' once it completed. The rows of a version are deleted in the
 * transaction that records it.
 */
const progressTableDdl = (tables: MetaTables): string => `CREATE TABLE IF NOT EXISTS ${tables.progress} (
  version INT NOT NULL,
  step INT NOT NULL,
  statement_checksum VARCHAR(128) NOT NULL,
  file TEXT NOT NULL,
  line INT NOT NULL,
  state ENUM('started', 'done') NOT NULL,
  fingerprint VARCHAR(128) NULL,
  started_at DATETIME(6) NULL,
  completed_at DATETIME(6) NULL,
  PRIMARY KEY (version, step),
  CHECK (step >= 0)
) ${TABLE_OPTIONS}`

/**
 * The lease row held by `lease` (token 1), inserted only when there is none: when one exists the row it
 * inserts has id 0, which the table's CHECK refuses (errno 3819 on MySQL, 4025 on MariaDB, naming the
 * constraint: class lease-row-exists), so nothing changes. A row locked by a transaction fails it at
 * once (NOWAIT: lock-not-available) instead of waiting.
 */
export function leaseRowInsert(tables: MetaTables, lease: { owner: string; ttlSeconds: number }): string {
  return `INSERT INTO ${tables.lock} (id, owner, token, acquired_at, renewed_at, expires_at)
SELECT IF(EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1 FOR UPDATE NOWAIT), 0, 1), ${textLiteral(lease.owner)}, 1,
  UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL ${ttlMicros(lease.ttlSeconds)} MICROSECOND
FROM DUAL`
}

/**
 * What creating the tables with the lease takes on MySQL, in order, each its own autocommit call: DDL
 * commits by itself, and there is no DO block, so it cannot be one statement. The CREATEs are
 * idempotent (IF NOT EXISTS); the last statement inserts the held lease row and fails with class
 * lease-row-exists, having changed nothing, when the row exists (the caller then takes the lease the
 * ordinary way; the tables it created are the ones that would be created then anyway).
 */
export function createTablesWithLeaseStatements(
  tables: MetaTables,
  present: TablesPresent,
  createSchema: boolean,
  lease: { owner: string; ttlSeconds: number }
): string[] {
  const statements: string[] = []
  if (createSchema && !present.schema) statements.push(createSchemaSql(tables))
  if (!present.meta) statements.push(metaTableDdl(tables))
  if (!present.lock) statements.push(lockTableDdl(tables))
  if (!present.progress) statements.push(progressTableDdl(tables))
  statements.push(leaseRowInsert(tables, lease))
  return statements
}

const createSchemaSql = (tables: MetaTables): string =>
  `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(tables.schema)} DEFAULT CHARACTER SET utf8mb4 DEFAULT COLLATE utf8mb4_bin`

/** The database the tables are in: theirs, or (unqualified) the connection's default database. */
const SCHEMA_OF = "COALESCE(NULLIF(CAST(:schema AS CHAR), ''), DATABASE())"

/** Whether table `name` exists in the database (case-exact: information_schema compares without case). */
const tablePresent = (name: string) =>
  `EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${SCHEMA_OF} AND TABLE_NAME = :${name} ` +
  `AND CAST(TABLE_NAME AS BINARY) = CAST(:${name} AS BINARY))`

const PARTIAL_FROM = (tables: MetaTables): string => `${tables.progress} AS p
WHERE NOT EXISTS (SELECT 1 FROM ${tables.meta} AS m WHERE m.version = p.version)
GROUP BY p.version`

/** Completed steps: 'done' rows (a 'started' row is a statement whose outcome a later run settles). */
const PARTIAL_SELECT = (tables: MetaTables): string =>
  `SELECT p.version, CAST(SUM(p.state = 'done') AS SIGNED) AS steps FROM ${PARTIAL_FROM(tables)}`

/**
 * One page of rows after `:after`, in version order: at most `:rows`, cut where the estimated reply
 * (every value as a JSON string, plus the per-field envelope) passes `:budget`; the first row always.
 * `files` is read as text (a JSON column would come back parsed, or reformatted, from some drivers).
 */
const pageSql = (tables: MetaTables): string => {
  const filesText = 'CAST(files AS CHAR CHARACTER SET utf8mb4)'
  const inline = `LENGTH(${filesText}) <= :inline`
  return `SELECT version, description, checksum, files, files_bytes, applied_at, execution_ms, applied_by, commit_sha, run_url, head_rows
FROM (
  SELECT head.*, SUM(reply_bytes) OVER (ORDER BY version) AS running, ROW_NUMBER() OVER (ORDER BY version) AS n, COUNT(*) OVER () AS head_rows
  FROM (
    SELECT version, description, checksum,
      CASE WHEN ${inline} THEN ${filesText} END AS files,
      LENGTH(${filesText}) AS files_bytes,
      CONCAT(LEFT(DATE_FORMAT(applied_at, '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z') AS applied_at,
      execution_ms, applied_by, commit_sha, run_url,
      400 + LENGTH(JSON_QUOTE(description)) + LENGTH(JSON_QUOTE(checksum))
        + LENGTH(JSON_QUOTE(CASE WHEN ${inline} THEN ${filesText} ELSE '' END))
        + COALESCE(LENGTH(JSON_QUOTE(applied_by)), 0) + COALESCE(LENGTH(JSON_QUOTE(commit_sha)), 0)
        + COALESCE(LENGTH(JSON_QUOTE(run_url)), 0) AS reply_bytes,
      ROW_NUMBER() OVER (ORDER BY version) AS k
    FROM ${tables.meta}
    WHERE version > :after
  ) AS head
  WHERE k <= :rows
) AS page
WHERE running <= :budget OR n = 1
ORDER BY version`
}

/**
 * The row insert that ends a version's transaction. execution_ms is measured by the database: from the
 * fence, the transaction's first statement, which set the lease row's renewed_at (MySQL has no
 * transaction start time a plain user can read), plus `earlierMs` for a version run in steps. With
 * `recordedRows` the row is inserted only while the meta table still holds that many rows.
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
  const elapsed = `CAST(ROUND(TIMESTAMPDIFF(MICROSECOND, COALESCE((SELECT renewed_at FROM ${tables.lock} WHERE id = 1), UTC_TIMESTAMP(6)), UTC_TIMESTAMP(6)) / 1000) AS SIGNED)`
  return {
    sql:
      `INSERT INTO ${tables.meta} (version, description, checksum, files, applied_at, execution_ms, applied_by, commit_sha, run_url)
SELECT :version, :description, :checksum, :files, UTC_TIMESTAMP(6), ${earlier !== null ? ':earlier_ms + ' : ''}GREATEST(${elapsed}, 0),
  :applied_by, :commit_sha, :run_url
FROM DUAL` + (guarded ? `\nWHERE (SELECT COUNT(*) FROM ${tables.meta}) = :recorded_rows` : ''),
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

/** A literal for the statement a person runs (no parameters): quotes doubled, backslashes escaped (the default sql_mode). */
const text = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`

export const metaSql: MetaSql = {
  createTablesWithLease: createTablesWithLeaseStatements,
  tablesPresent: (tables) => ({
    sql:
      `SELECT ${tablePresent('meta')} AS meta, ${tablePresent('lock')} AS \`lock\`, ${tablePresent('progress')} AS progress, ` +
      `EXISTS (SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${SCHEMA_OF}) AS \`schema\``,
    params: { schema: tables.schema, meta: tables.table, lock: `${tables.table}_lock`, progress: `${tables.table}_progress` }
  }),
  createSchema: createSchemaSql,
  metaTableDdl,
  lockTableDdl,
  progressTableDdl,
  // NOWAIT: an existing row locked by a version's transaction fails this at once (lock-not-available)
  // instead of waiting; a row that exists unlocked makes it insert nothing.
  insertLeaseRow: (tables) => `INSERT INTO ${tables.lock} (id, owner, token, expires_at)
SELECT 1, '', 0, ${FREE_EXPIRY} FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1 FOR UPDATE NOWAIT)`,
  tableExists: (quoted) => {
    const name = parseQuotedName(quoted)
    if (!name) throw new Error(`not a table name: ${quoted}`)
    return { sql: `SELECT ${tablePresent('name')} AS present`, params: { schema: name.schema ?? '', name: name.name } }
  },
  readProgress: (tables, version) => ({
    sql: `SELECT step, statement_checksum, file, line, CAST(state AS CHAR) AS state, fingerprint FROM ${tables.progress} WHERE version = :version ORDER BY step`,
    params: { version }
  }),
  // Replaces a 'started' row of the step (a re-run journals it again, with the fingerprint of now); a
  // 'done' row stays as it is. The assignments run left to right, so `state` is set last.
  insertStarted: (tables, version, step, fingerprint) => ({
    sql: `INSERT INTO ${tables.progress} (version, step, statement_checksum, file, line, state, fingerprint, started_at, completed_at)
VALUES (:version, :step, :statement_checksum, :file, :line, 'started', :fingerprint, UTC_TIMESTAMP(6), NULL)
ON DUPLICATE KEY UPDATE
  statement_checksum = IF(state = 'started', VALUES(statement_checksum), statement_checksum),
  file = IF(state = 'started', VALUES(file), file),
  line = IF(state = 'started', VALUES(line), line),
  fingerprint = IF(state = 'started', VALUES(fingerprint), fingerprint),
  started_at = IF(state = 'started', VALUES(started_at), started_at)`,
    params: { version, step: step.step, statement_checksum: step.statementChecksum, file: step.file, line: step.line, fingerprint }
  }),
  // Only a 'started' row: a 'done' one stays.
  forgetStarted: (tables, version, step) => ({
    sql: `DELETE FROM ${tables.progress} WHERE version = :version AND step = :step AND state = 'started'`,
    params: { version, step }
  }),
  partialVersions: (tables) => `${PARTIAL_SELECT(tables)} ORDER BY p.version`,
  partialVersionsJson: (tables) => `(SELECT COALESCE(JSON_ARRAYAGG(JSON_OBJECT('version', pv.version, 'steps', pv.steps)), '[]')
FROM (${PARTIAL_SELECT(tables)} ORDER BY p.version) AS pv)`,
  // 'done', replacing a 'started' row (MySQL counts a replaced row as 2 affected rows: a guard on this
  // statement holds only for steps that had no 'started' row, which a transaction's DML never has).
  insertProgress: (tables, version, steps: ProgressStep[]) => ({
    sql: `INSERT INTO ${tables.progress} (version, step, statement_checksum, file, line, state, fingerprint, started_at, completed_at)
SELECT :version, r.r_step, r.r_checksum, r.r_file, r.r_line, 'done', NULL, NULL, UTC_TIMESTAMP(6)
FROM JSON_TABLE(:steps, '$[*]' COLUMNS (
  r_step INT PATH '$.step', r_checksum VARCHAR(128) PATH '$.statement_checksum', r_file TEXT PATH '$.file', r_line INT PATH '$.line'
)) AS r
ON DUPLICATE KEY UPDATE
  statement_checksum = VALUES(statement_checksum), file = VALUES(file), line = VALUES(line),
  completed_at = IF(state = 'done', completed_at, VALUES(completed_at)), state = 'done'`,
    params: {
      version,
      steps: JSON.stringify(steps.map((s) => ({ step: s.step, statement_checksum: s.statementChecksum, file: s.file, line: s.line })))
    }
  }),
  deleteProgress: (tables, version) => ({ sql: `DELETE FROM ${tables.progress} WHERE version = :version`, params: { version } }),
  recordStepByHand: (tables, version, step) =>
    `INSERT INTO ${tables.progress} (version, step, statement_checksum, file, line, state, completed_at) ` +
    `VALUES (${version}, ${step.step}, ${text(step.statementChecksum)}, ${text(step.file)}, ${step.line}, 'done', UTC_TIMESTAMP(6)) ` +
    `ON DUPLICATE KEY UPDATE state = 'done', completed_at = UTC_TIMESTAMP(6)`,
  page: pageSql,
  filesSlice: (tables) =>
    `SELECT SUBSTRING(CAST(files AS CHAR CHARACTER SET utf8mb4), :from, :count) AS part FROM ${tables.meta} WHERE version = :version`,
  // A locking read: under REPEATABLE READ a plain read could answer from a snapshot older than the fence.
  notApplied: (tables, version) => ({
    sql: `SELECT version FROM ${tables.meta} WHERE version = :version LOCK IN SHARE MODE`,
    params: { version }
  }),
  insertAppliedRow,
  insertBaselineRow: (tables, version, run) => ({
    sql: `INSERT INTO ${tables.meta} (version, description, checksum, files, applied_at, execution_ms, applied_by, commit_sha, run_url)
VALUES (:version, :description, :checksum, :files, UTC_TIMESTAMP(6), 0, :applied_by, :commit_sha, :run_url)`,
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
    sql: `UPDATE ${tables.meta} SET checksum = :checksum, files = :files, repaired_by = :repaired_by, repaired_at = UTC_TIMESTAMP(6)
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
    sql: `SELECT COUNT(*) AS present FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ${SCHEMA_OF} AND TABLE_NAME = :table AND COLUMN_NAME IN ('repaired_by', 'repaired_at')`,
    params: { schema: tables.schema, table: tables.table }
  }),
  // MySQL has no ADD COLUMN IF NOT EXISTS (MariaDB has): the engine adds them only when neither is there.
  addRepairColumns: (tables) => `ALTER TABLE ${tables.meta} ADD COLUMN repaired_by TEXT NULL, ADD COLUMN repaired_at DATETIME(6) NULL`,
  addRepairColumnsByHand: (tables) =>
    `ALTER TABLE ${tables.meta} ADD COLUMN repaired_by TEXT NULL, ADD COLUMN repaired_at DATETIME(6) NULL`,
  sequelizeNames: (quoted) => `SELECT name FROM ${requote(quoted)} ORDER BY name`
}
