/**
 * What a fleet's apply did, a pure renderer: for the job summary and the deploy comment (renderFleetApply), and
 * one line for a deployment status (fleetApplyLine). Bounded for any fleet size: every list ends in "and N more".
 * Golden files in __tests__/golden show its exact output.
 */
import type { FleetApplyReport, FleetRun, FleetStatus } from '../fleet/types.js'
import { plural } from '../text.js'
import { COMMENT_LIMIT } from './comment.js'
import { cell, clip, code, fitLines, footer, formatDuration, versionList } from './markdown.js'
import { nameList } from './fleet-plan.js'

/** Most serious first: the order of the table and of the lists. */
const STATUSES: readonly FleetStatus[] = ['failed', 'refused', 'applied', 'up-to-date', 'skipped']
const LABEL: Record<FleetStatus, string> = {
  failed: '❌ failed',
  refused: '⛔ refused',
  applied: '✅ applied',
  'up-to-date': '✅ up to date',
  skipped: '⏭️ skipped'
}
const WORDS: Record<FleetStatus, string> = {
  failed: 'failed',
  refused: 'refused',
  applied: 'applied',
  'up-to-date': 'up to date',
  skipped: 'skipped'
}

/** Each list's share of the report; the whole stays under a comment's limit (the job summary's is larger). */
const FAILED_BUDGET = 24_000
const REFUSED_BUDGET = 10_000
const STOPPED_BUDGET = 6_000
const SKIPPED_BUDGET = 6_000
const SLOWEST = 5
const BUDGET = COMMENT_LIMIT - 1_536

function name(target: string): string {
  return code(clip(target, 100))
}

function oneLine(text: string | undefined, max = 500): string {
  return cell(clip((text ?? '').replace(/\s+/g, ' ').trim(), max))
}

function counts(runs: readonly FleetRun[]): Map<FleetStatus, number> {
  const out = new Map<FleetStatus, number>(STATUSES.map((s) => [s, 0]))
  for (const run of runs) out.set(run.status, out.get(run.status)! + 1)
  return out
}

/** `2 failed, 1 refused, 55 applied`: the statuses that occurred, most serious first. */
function countWords(runs: readonly FleetRun[]): string {
  const byStatus = counts(runs)
  return STATUSES.filter((s) => byStatus.get(s)! > 0)
    .map((s) => `${byStatus.get(s)!.toLocaleString('en-US')} ${WORDS[s]}`)
    .join(', ')
}

function at(run: FleetRun): string {
  return run.location ? ` at ${code(`${run.location.file}:${run.location.line}`)}` : ''
}

/** `at v8 (applied v8 of v7 → …)`: where the target stands, and what this run applied there. */
function where(run: FleetRun): string {
  const now = run.to ?? run.from
  const stands = now === null ? '' : ` at v${now}`
  return run.applied.length ? `${stands} (applied ${versionList(run.applied, 5)})` : stands
}

function more(hidden: number): string {
  return `- … and ${hidden.toLocaleString('en-US')} more: see the \`runs\` output and the log`
}

/** Lines a person reads in one list; the `runs` output has every target. */
const MAX_ITEMS = 50

/** At most MAX_ITEMS of `items` within `budget` characters, then how many more. */
function bounded(items: string[], budget: number): string[] {
  const shown = fitLines(items.slice(0, MAX_ITEMS), budget, more)
  const kept = shown.length && shown[shown.length - 1].startsWith('- … and') ? shown.length - 1 : shown.length
  return kept < items.length ? [...shown.slice(0, kept), more(items.length - kept)] : shown
}

/** Runs with one reason, one line per distinct reason (a whole wave skipped says it once). */
function byReason(runs: readonly FleetRun[], icon: string): string[] {
  const groups = new Map<string, string[]>()
  for (const run of runs) {
    const reason = oneLine(run.status === 'skipped' ? run.error : run.stopped) || 'no reason given'
    groups.set(reason, [...(groups.get(reason) ?? []), run.name])
  }
  return [...groups.entries()].map(([reason, names]) => `- ${icon} ${nameList(names, 10)}: ${reason}`)
}

function headline(report: FleetApplyReport): string {
  const { runs } = report
  const byStatus = counts(runs)
  const bad = byStatus.get('failed')! + byStatus.get('refused')!
  const took = `in ${formatDuration(report.durationMs)}`
  if (report.cancelled) return `${bad ? '❌' : '⚠️'} **Cancelled** after ${formatDuration(report.durationMs)}: ${countWords(runs)}`
  if (bad) {
    const failed = STATUSES.filter((s) => (s === 'failed' || s === 'refused') && byStatus.get(s)! > 0)
      .map((s) => `${byStatus.get(s)!.toLocaleString('en-US')} ${WORDS[s]}`)
      .join(', ')
    const rest = STATUSES.filter((s) => s !== 'failed' && s !== 'refused' && byStatus.get(s)! > 0)
      .map((s) => `${byStatus.get(s)!.toLocaleString('en-US')} ${WORDS[s]}`)
      .join(' · ')
    return `❌ **${failed}** of ${plural(runs.length, 'database')}${rest ? ` · ${rest}` : ''} · ${took}`
  }
  if (byStatus.get('applied') === 0 && byStatus.get('skipped') === 0) {
    return `✅ ${runs.length === 1 ? 'The database is' : `All ${plural(runs.length, 'database')} are`} up to date: nothing to apply.`
  }
  const rest = (['up-to-date', 'skipped'] as const)
    .filter((s) => byStatus.get(s)! > 0)
    .map((s) => `${byStatus.get(s)!.toLocaleString('en-US')} ${WORDS[s]}`)
  return `✅ **Applied to ${plural(byStatus.get('applied')!, 'database')}**${rest.length ? ` · ${rest.join(' · ')}` : ''} · ${took}`
}

export function renderFleetApply(report: FleetApplyReport): string {
  const { runs } = report
  const out: string[] = [
    `### aurora-migrate apply · ${cell(report.environment)} · ${plural(runs.length, 'database')}`,
    '',
    headline(report)
  ]
  const byStatus = counts(runs)
  out.push('', '| Status | Databases |', '|---|---:|')
  for (const status of STATUSES)
    if (byStatus.get(status)) out.push(`| ${LABEL[status]} | ${byStatus.get(status)!.toLocaleString('en-US')} |`)
  const counted = out.length

  const failed = runs.filter((r) => r.status === 'failed')
  if (failed.length) {
    const items = failed.map((r) => `- ❌ ${name(r.name)}${where(r)}: failed${at(r)}: ${oneLine(r.error) || 'no error given'}`)
    out.push('', `**Failed (${failed.length.toLocaleString('en-US')})**`, '', ...bounded(items, FAILED_BUDGET))
  }
  const refused = runs.filter((r) => r.status === 'refused')
  if (refused.length) {
    const items = refused.map((r) => `- ⛔ ${name(r.name)}${where(r)}: ${oneLine(r.error) || 'refused'}${at(r)}`)
    out.push('', `**Refused (${refused.length.toLocaleString('en-US')})**`, '', ...bounded(items, REFUSED_BUDGET))
  }
  const stopped = runs.filter((r) => r.stopped && r.status !== 'skipped')
  if (stopped.length) {
    const items = stopped.map((r) => `- ⏸️ ${name(r.name)}${where(r)}: ${oneLine(r.stopped)}`)
    out.push(
      '',
      `**Stopped part-way (${stopped.length.toLocaleString('en-US')})**: each finished the version it was on; the next apply goes on from there.`,
      '',
      ...bounded(items, STOPPED_BUDGET)
    )
  }
  const skipped = runs.filter((r) => r.status === 'skipped')
  if (skipped.length) {
    out.push('', `**Skipped (${skipped.length.toLocaleString('en-US')})**`, '', ...bounded(byReason(skipped, '⏭️'), SKIPPED_BUDGET))
  }
  // The slowest that did something: where the time went.
  const slowest = runs
    .filter((r) => r.status !== 'skipped' && r.durationMs > 0)
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, SLOWEST)
  if (runs.length > 1 && slowest.length) {
    out.push('', '**Slowest**', '', '| Database | Status | Versions | Duration |', '|---|---|---|---:|')
    for (const r of slowest) {
      const versions = r.applied.length ? versionList(r.applied, 5) : '—'
      out.push(`| ${name(r.name)} | ${LABEL[r.status]} | ${versions} | ${formatDuration(r.durationMs)} |`)
    }
  }
  out.push(
    '',
    `${plural(runs.length, 'database')} in ${formatDuration(report.durationMs)} · concurrency ${report.concurrency} · on-error: ${report.onError}`,
    '',
    footer(report.runUrl, report.sha),
    ''
  )
  const body = out.join('\n')
  if (body.length <= BUDGET) return body
  // Every list is bounded; should they still add up to too much, the head and the counts beat nothing.
  return [
    ...out.slice(0, counted),
    '',
    'The lists are too long for one report: see the `runs` output and the log.',
    '',
    footer(report.runUrl, report.sha),
    ''
  ].join('\n')
}

/** GitHub cuts a deployment status's description at 140 characters. */
const STATUS_LINE = 140

/** One line for a deployment status: the counts, the time, and the first failure's target and place. */
export function fleetApplyLine(report: FleetApplyReport): string {
  const { runs } = report
  const state = report.cancelled ? 'cancelled: ' : ''
  const head = `${report.environment}: ${state}${countWords(runs) || 'no databases'} in ${formatDuration(report.durationMs)}`
  const first = runs.find((r) => r.status === 'failed') ?? runs.find((r) => r.status === 'refused')
  // The first failure with its place when it fits, by name when only that fits.
  const failures = first
    ? [`; first: ${first.name}${first.location ? ` at ${first.location.file}:${first.location.line}` : ''}`, `; first: ${first.name}`]
    : ['']
  const lines = failures.map((failure) => `${head}${failure}`.replace(/\s+/g, ' '))
  return lines.find((line) => line.length <= STATUS_LINE) ?? clip(lines[lines.length - 1], STATUS_LINE)
}
