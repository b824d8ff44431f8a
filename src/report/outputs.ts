/**
 * Bounds for what a run hands on: the `plan` output and the job summary. GitHub keeps at most 1 MB per
 * output and per step summary; a long history must not push either past it, and a workflow that reads
 * `fromJSON(steps.<id>.outputs.plan)` must still get valid JSON.
 */
import type { Plan } from '../plan.js'
import type { Finding } from '../review/types.js'

/**
 * What a command hands on, before it is written as the action's outputs (main.ts) or as the command line's
 * JSON document (src/cli): both come from this one value, so they cannot differ. A field that is null is not
 * set (validate, baseline and repair set only some).
 */
export interface RunOutputs {
  currentVersion: number
  /** Versions still pending after the run. */
  pending: number[]
  applied: number[] | null
  drift: boolean
  plan: Plan
  /** `passed`, `failed`, `unavailable`, or `off` when verification did not run. */
  verification: string | null
  findings: readonly Finding[] | null
}

/** The outputs of a plan (nothing applied; versions deferred by target-version are pending too). */
export function planOutputs(plan: Plan, verification: string, findings: readonly Finding[]): RunOutputs {
  return {
    currentVersion: plan.currentVersion,
    pending: [...plan.pending.map((p) => p.version), ...plan.deferred],
    applied: [],
    drift: plan.drift.length > 0,
    plan,
    verification,
    findings
  }
}

/** The most characters of the `plan` output: plenty for any plan a person reads, small for an expression. */
export const PLAN_OUTPUT_LIMIT = 64 * 1024
/** GitHub refuses a step summary over 1 MiB; keep a margin for what other steps of the job add. */
export const SUMMARY_LIMIT = 512 * 1024

/** No single message in a list (a refusal naming every drifted file) takes more than this. */
const ITEM_TEXT_LIMIT = 2_000

function lists(plan: Plan): Array<[string, unknown[]]> {
  return Object.entries(plan).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]))
}

/** The plan with each list cut to its first `keep` items, and `omitted` counting what was cut from each. */
function cut(plan: Plan, keep: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...plan }
  const omitted: Record<string, number> = {}
  for (const [key, list] of lists(plan)) {
    // The newest applied versions say most about the database; of every other list, the first ones.
    const kept = list.length <= keep ? list : key === 'appliedVersions' ? list.slice(list.length - keep) : list.slice(0, keep)
    out[key] = kept.map((item) =>
      typeof item === 'string' && item.length > ITEM_TEXT_LIMIT ? `${item.slice(0, ITEM_TEXT_LIMIT - 1)}…` : item
    )
    if (list.length > keep) omitted[key] = list.length - keep
  }
  out.omitted = omitted
  return out
}

/**
 * The plan as JSON of at most `limit` characters. When the whole plan is longer, every list is cut to the
 * same number of items (the largest that fits) and `omitted` says how many items each list lost, so a
 * consumer can tell a cut list from a complete one. An uncut plan has no `omitted`.
 */
export function planOutput(plan: Plan, limit = PLAN_OUTPUT_LIMIT): string {
  const whole = JSON.stringify(plan)
  if (whole.length <= limit) return whole
  let low = 0
  let high = Math.max(0, ...lists(plan).map(([, list]) => list.length))
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if (JSON.stringify(cut(plan, middle)).length <= limit) low = middle
    else high = middle - 1
  }
  return JSON.stringify(cut(plan, low))
}

/** The markdown for the job summary, or a short note when it is (against every bound upstream) too large. */
export function boundedSummary(markdown: string, limit = SUMMARY_LIMIT): string {
  if (Buffer.byteLength(markdown, 'utf8') <= limit) return markdown
  const title = markdown.slice(0, markdown.indexOf('\n') + 1 || markdown.length)
  return `${title}\nThe report is too large for a job summary (${Buffer.byteLength(markdown, 'utf8').toLocaleString('en-US')} bytes): see the log of this run.\n`
}
