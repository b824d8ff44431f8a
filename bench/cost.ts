/**
 * What one run cost: the calls a transport made (read from its emulator's call log) and the wall time,
 * split by version with the engine's own "Applied vN" log lines.
 */
import type { ApplyResult } from '../src/engine/apply.js'

/** The middle value (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

export interface RunCost {
  calls: number
  ms: number
  /** Versions the run applied. */
  versions: number[]
  /**
   * Calls up to each version's "Applied" line, counted from the line before: the first entry also holds
   * the calls before any version ran (reading the history, taking the lease).
   */
  perVersion: number[]
  /** Calls after the last version: releasing the lease. */
  after: number
}

/** Runs `work` and counts the calls `callCount` sees grow; `work` is given the log to pass to the engine. */
export async function measure(callCount: () => number, work: (log: (message: string) => void) => Promise<ApplyResult>): Promise<RunCost> {
  const first = callCount()
  const marks: number[] = []
  const log = (message: string): void => {
    if (/^Applied v\d+ /.test(message)) marks.push(callCount())
  }
  const started = performance.now()
  const result = await work(log)
  const ms = performance.now() - started
  if (result.error) throw result.error
  const calls = callCount() - first
  const perVersion = marks.map((mark, i) => mark - (i === 0 ? first : marks[i - 1]))
  return { calls, ms, versions: result.applied.map((a) => a.version), perVersion, after: calls - (marks.at(-1) ?? first) + first }
}

/** `v1 with the reads and the lease 10 · v2–v20 1 each · v21 2 · after 1` */
export function describePerVersion(cost: RunCost): string {
  const parts: string[] = []
  const { versions, perVersion } = cost
  if (versions.length) parts.push(`v${versions[0]} with the reads and the lease ${perVersion[0]}`)
  for (let i = 1; i < versions.length;) {
    let j = i
    while (j + 1 < versions.length && perVersion[j + 1] === perVersion[i]) j++
    parts.push(j > i ? `v${versions[i]}–v${versions[j]} ${perVersion[i]} each` : `v${versions[i]} ${perVersion[i]}`)
    i = j + 1
  }
  parts.push(`after ${cost.after}`)
  return parts.join(' · ')
}
