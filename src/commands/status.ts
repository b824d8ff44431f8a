/**
 * `status`: the history as the database records it (each applied version with when, by whom, from which
 * commit and how long it took), then what is pending, like `flyway info` and `dbmate status`. It reads
 * the meta table and compares it with the files on disk (the pure plan), and nothing more: no
 * verification, no review, no lease, no write. `plan` is the command that verifies.
 */
import type { Config } from '../config.js'
import { readLeaseHolder, readTargetHistory } from './history.js'
import { plural } from '../text.js'
import type { Version } from '../migrations/types.js'
import { planMigrations, type AppliedRow } from '../plan.js'
import { transportLimits } from '../targets/create.js'
import { timestampToIso } from '../targets/values.js'
import type { Reporter } from './reporter.js'
import { withTarget } from './target.js'

/**
 * What a version is: `applied` (and its files unchanged), `changed` (applied, its files edited since),
 * `missing` (applied, no folder on disk), `partial` (some statements of a no-transaction version ran),
 * `pending`, `out-of-order` (pending below the current version), `later` (after --target-version).
 */
export type VersionState = 'applied' | 'changed' | 'missing' | 'partial' | 'pending' | 'out-of-order' | 'later'

export interface StatusVersion {
  version: number
  description: string
  state: VersionState
  /** From the meta table; null for a version not applied. */
  appliedAt: string | null
  appliedBy: string | null
  commitSha: string | null
  runUrl: string | null
  executionMs: number | null
  /** partial: how many statements ran. */
  steps?: number
}

export interface StatusReport {
  /** The meta table as resolved (`schema.table`), or as named when it does not exist yet. */
  table: string
  /** false: the meta table does not exist (nothing was ever applied here). */
  exists: boolean
  currentVersion: number
  versions: StatusVersion[]
  pending: number[]
  /** A run that holds the migration lease now (an apply, baseline or repair at work), or null. */
  lease: { owner: string; expiresInSeconds: number } | null
}

/** timestamptz as the drivers give it (PostgreSQL's text, read as the transports read it, or a Date's text) → `YYYY-MM-DD HH:MM:SS` in UTC; other text is kept. */
export function utcTime(value: string): string {
  const time = new Date(timestampToIso(value))
  return Number.isNaN(time.getTime())
    ? value
    : time
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, '')
}

/** Pure: the report from the versions on disk and what the database holds. */
export function statusReport(
  versions: Version[],
  history: {
    table: string
    exists: boolean
    rows: AppliedRow[]
    partial: Array<{ version: number; steps: number }>
    lease?: StatusReport['lease']
  },
  options: { targetVersion: number | null; allowOutOfOrder: boolean }
): StatusReport {
  const plan = planMigrations(versions, history.rows, options)
  const drifted = new Set(plan.drift.map((d) => d.version))
  const missing = new Set(plan.missing)
  const outOfOrder = new Set(plan.outOfOrder)
  const partial = new Map(history.partial.map((p) => [p.version, p.steps]))
  const pending = new Set(plan.pending.map((p) => p.version))
  const fromRow = (row: AppliedRow): StatusVersion => ({
    version: row.version,
    description: row.description,
    state: missing.has(row.version) ? 'missing' : drifted.has(row.version) ? 'changed' : 'applied',
    appliedAt: row.appliedAt ? utcTime(row.appliedAt) : null,
    appliedBy: row.appliedBy,
    commitSha: row.commitSha,
    runUrl: row.runUrl,
    executionMs: Number.isFinite(row.executionMs) ? row.executionMs : null
  })
  const applied = new Set(history.rows.map((row) => row.version))
  const notApplied = versions
    .filter((version) => !applied.has(version.number))
    .map((version): StatusVersion => {
      const steps = partial.get(version.number)
      const state: VersionState =
        steps !== undefined
          ? 'partial'
          : outOfOrder.has(version.number)
            ? 'out-of-order'
            : pending.has(version.number)
              ? 'pending'
              : 'later'
      return {
        version: version.number,
        description: version.description,
        state,
        appliedAt: null,
        appliedBy: null,
        commitSha: null,
        runUrl: null,
        executionMs: null,
        ...(steps !== undefined ? { steps } : {})
      }
    })
  return {
    table: history.table,
    exists: history.exists,
    currentVersion: plan.currentVersion,
    versions: [...history.rows.map(fromRow), ...notApplied].sort((a, b) => a.version - b.version),
    pending: plan.pending.map((p) => p.version),
    lease: history.lease ?? null
  }
}

export async function runStatus(config: Config, versions: Version[], reporter: Reporter): Promise<StatusReport> {
  return withTarget(config, reporter, async (target) => {
    const history = await readTargetHistory(config, target)
    const lease = await readLeaseHolder(config, target, history)
    return statusReport(
      versions,
      { table: history.tables.display, exists: history.present.meta, rows: history.rows, partial: history.partial, lease },
      { targetVersion: config.targetVersion, allowOutOfOrder: config.allowOutOfOrder, ...transportLimits(config.target) }
    )
  })
}

const STATE_WORDS: Record<VersionState, string> = {
  applied: 'applied',
  changed: 'applied, files changed since (drift: plan and apply refuse; repair accepts)',
  missing: 'applied, folder missing from the migrations directory',
  partial: 'partly applied (re-run apply to finish it)',
  pending: 'pending',
  'out-of-order': 'pending, below the current version (apply refuses without --allow-out-of-order)',
  later: 'after --target-version'
}

function duration(ms: number | null): string {
  if (ms === null) return ''
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** The report as plain lines for a terminal: a header, then one aligned row per version. */
export function statusText(report: StatusReport): string[] {
  const header = report.exists
    ? `${report.table}: database at v${report.currentVersion}, ${plural(report.pending.length, 'version')} pending`
    : `${report.table} does not exist: nothing was applied here yet; ${plural(report.pending.length, 'version')} pending`
  const held = report.lease
    ? [`A run holds the migration lease: ${report.lease.owner} (expires in ${report.lease.expiresInSeconds} s unless renewed).`]
    : []
  if (!report.versions.length) return [header, ...held, '', 'No versions on disk and none applied.']
  const rows = report.versions.map((v) => [
    `v${v.version}`,
    v.description,
    v.appliedAt ?? '',
    v.appliedBy ?? (v.appliedAt ? '-' : ''),
    v.commitSha ? v.commitSha.slice(0, 10) : v.appliedAt ? '-' : '',
    duration(v.executionMs),
    v.state === 'partial' ? `partly applied: ${plural(v.steps ?? 0, 'statement')} ran (re-run apply to finish it)` : STATE_WORDS[v.state]
  ])
  const titles = ['Version', 'Description', 'Applied at (UTC)', 'By', 'Commit', 'Took', 'State']
  const widths = titles.map((title, column) => Math.min(40, Math.max(title.length, ...rows.map((row) => row[column].length))))
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === cells.length - 1
          ? cell
          : (cell.length > widths[column] ? `${cell.slice(0, widths[column] - 1)}…` : cell).padEnd(widths[column])
      )
      .join('  ')
      .trimEnd()
  return [header, ...held, '', line(titles), ...rows.map(line)]
}
