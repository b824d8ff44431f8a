/**
 * The rows of the meta table, read in pages (keyset by version) that each fit one reply of the transport
 * however long the history grows, and checked as they are read: a row that is not one of ours stops
 * the run with MetaRowError. The page statement is the dialect's (MetaSql.page).
 */
import { MetaRowError } from '../errors.js'
import type { AppliedRow } from '../meta-row.js'
import type { Row, SqlValue, Target } from '../targets/target.js'
import type { EngineDialect, Query } from './dialect.js'
import type { MetaTables } from './meta.js'

/** The most rows one page of the meta table holds. */
const PAGE_ROWS = 1000
/**
 * The most reply bytes one page is estimated to take: half the Data API's 1 MiB response, so that a
 * service that escapes more than the database's JSON does still fits (the runner Lambda takes 6 MB).
 */
const PAGE_BYTES = 512 * 1024
/** A `files` column longer than this is read in slices of its own (the Data API returns 64 KB per row). */
const FILES_INLINE_BYTES = 16 * 1024
/** Characters per slice of a long `files` column: at most 4 bytes each. */
const FILES_SLICE_CHARS = 4096

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
async function readLongFiles(dialect: EngineDialect, target: Target, tables: MetaTables, version: number): Promise<string> {
  let json = ''
  for (let from = 1; ; from += FILES_SLICE_CHARS) {
    const { rows } = await target.query(dialect.meta.filesSlice(tables), { from, count: FILES_SLICE_CHARS, version })
    const part = String(rows[0]?.part ?? '')
    json += part
    if ([...part].length < FILES_SLICE_CHARS) return json
  }
}

async function completeRow(dialect: EngineDialect, target: Target, tables: MetaTables, row: Row): Promise<AppliedRow> {
  if (row.files === null && Number(row.files_bytes) > FILES_INLINE_BYTES)
    row.files = await readLongFiles(dialect, target, tables, Number(row.version))
  return toAppliedRow(row, tables)
}

/** The query of one page of the meta table after version `after` (see MetaSql.page). */
export function pageQuery(dialect: EngineDialect, tables: MetaTables, after: number): Query {
  return { sql: dialect.meta.page(tables), params: { after, rows: PAGE_ROWS, budget: PAGE_BYTES, inline: FILES_INLINE_BYTES } }
}

/**
 * Every row of the meta table, in version order, read in pages. `firstPage`: the rows of
 * pageQuery(dialect, tables, 0) when a combined statement read them already (see history.ts).
 */
export async function readAppliedRows(
  dialect: EngineDialect,
  target: Target,
  tables: MetaTables,
  firstPage?: Row[]
): Promise<AppliedRow[]> {
  const applied: AppliedRow[] = []
  for (let after = 0, page = firstPage; ; page = undefined) {
    const query = pageQuery(dialect, tables, after)
    const rows = page ?? (await target.query(query.sql, query.params)).rows
    for (const row of rows) applied.push(await completeRow(dialect, target, tables, row))
    const headRows = rows.length ? Number(rows[0].head_rows) : 0
    if (!rows.length || (rows.length === headRows && headRows < PAGE_ROWS)) return applied
    after = applied[applied.length - 1].version
  }
}

export async function readAppliedRow(
  dialect: EngineDialect,
  target: Target,
  tables: MetaTables,
  version: number
): Promise<AppliedRow | null> {
  const { rows } = await target.query(dialect.meta.page(tables), {
    after: version - 1,
    rows: 1,
    budget: PAGE_BYTES,
    inline: FILES_INLINE_BYTES
  })
  return rows.length && Number(rows[0].version) === version ? completeRow(dialect, target, tables, rows[0]) : null
}
