/**
 * The fleet's outputs, bounded like every output (outputs.ts): `runs`, what became of each target, and the
 * `matrix` a later job fans out over.
 */
import type { FleetRun } from '../fleet/types.js'
import { clip } from './markdown.js'

/** One entry of the `runs` output. */
export interface RunEntry {
  name: string
  database: string | null
  status: FleetRun['status']
  from: number | null
  to: number | null
  /** Versions this run applied. */
  applied: number[]
  error?: string
  location?: { file: string; line: number; column: number }
  /** Why the target stopped at a version boundary with versions still pending (the fleet stopped). */
  stopped?: string
  durationMs: number
}

/** No single error takes more than this, so one long message does not crowd out the other targets. */
const ERROR_LIMIT = 1_000

function entry(run: FleetRun): RunEntry {
  return {
    name: run.name,
    database: run.database,
    status: run.status,
    from: run.from,
    to: run.to,
    applied: run.applied,
    ...(run.error ? { error: clip(run.error.replace(/\s+/g, ' ').trim(), ERROR_LIMIT) } : {}),
    ...(run.location ? { location: run.location } : {}),
    ...(run.stopped ? { stopped: run.stopped } : {}),
    durationMs: run.durationMs
  }
}

/**
 * The `runs` output: a JSON array, one entry per target, `{ name, database, status, from, to, applied, error?,
 * location?, stopped?, durationMs }`, in the
 * targets file's order, of at most `limit` characters. When they do not all fit, the failed and refused
 * entries come first, then the others in the file's order, as many as fit, and the array's last element is
 * `{ "omitted": N }`: how many targets were left out. An uncut array has no such element, so a consumer tells
 * the two apart by the last element's `omitted` key (no entry has one).
 */
export function runsOutput(runs: FleetRun[], limit = 64 * 1024): string {
  const entries = runs.map(entry)
  const whole = JSON.stringify(entries)
  if (whole.length <= limit) return whole
  const bad = (e: RunEntry): boolean => e.status === 'failed' || e.status === 'refused'
  const ordered = [...entries.filter(bad), ...entries.filter((e) => !bad(e))]
  const kept: string[] = []
  let length = 2
  for (const [index, e] of ordered.entries()) {
    const json = JSON.stringify(e)
    // Room for this entry and, after it, the omitted element for what is left.
    const tail = JSON.stringify({ omitted: ordered.length - index }).length + 1
    if (length + json.length + 1 + tail > limit) break
    kept.push(json)
    length += json.length + 1
  }
  kept.push(JSON.stringify({ omitted: ordered.length - kept.length }))
  return `[${kept.join(',')}]`
}

/** GitHub runs at most 256 jobs of one matrix. */
export const MATRIX_LIMIT = 256

/**
 * The `matrix` output: `{"target":[…names]}` for `strategy.matrix: ${{ fromJSON(…) }}`, the first 256 names
 * when there are more (the JSON stays valid); `cut` is how many were left out, for the caller's warning.
 */
export function matrixOutput(names: string[]): { json: string; cut: number } {
  const kept = names.slice(0, MATRIX_LIMIT)
  return { json: JSON.stringify({ target: kept }), cut: names.length - kept.length }
}
