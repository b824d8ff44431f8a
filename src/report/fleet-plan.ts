/**
 * The one plan comment of a fleet, a pure renderer: the verdict for every database at once, one line per group
 * of identical plans, the odd ones by name (unreachable targets, refusals, another version, findings that fire
 * only on some tenants), then each distinct plan once, with the single-target comment's own sections (comment.ts).
 * Bounded for any fleet size: GitHub refuses a comment over 65,536 characters. Golden files in __tests__/golden.
 */
import { findingId } from '../fleet/plan-groups.js'
import type { FleetPlanGroup, FleetPlanReport, FleetPlanTarget } from '../fleet/types.js'
import type { Version } from '../migrations/types.js'
import type { Plan } from '../plan.js'
import type { Finding } from '../review/types.js'
import type { Verification } from '../shadow/types.js'
import { plural } from '../text.js'
import {
  COMMENT_LIMIT,
  applyFailures,
  planNotes,
  planWarnings,
  reviewLines,
  sqlBlocks,
  verificationLines,
  versionsTable
} from './comment.js'
import { cell, clip, code, fitLines, footer, versionList } from './markdown.js'
import { refusals } from './plan-refusals.js'
import { activeFindings, blockingFindings, countsText, findingCounts, type FailOn, type ReviewInput } from './review.js'

/** Room under GitHub's limit for the sticky comment's marker and edits, as the single-target comment keeps. */
const BUDGET = COMMENT_LIMIT - 1_536
const GROUP_LINES_BUDGET = 6_000
const ODD_ONES_BUDGET = 10_000
/** Lines read in ten seconds: the groups and the odd ones each stop at this many, then say how many more. */
const MAX_LINES = 12
const MAX_ODD = 8
/** The share of one plan's details its groups' refusals may take. */
const REFUSALS_SHARE = 6
/** Below this, a plan's details are not worth starting: one line says which plans were left out. */
const MIN_DETAILS = 2_500
/** Plans shown in details at most (the rest: one line); more is not read. */
const MAX_DETAILS = 20
/** Names in one list before "and N more". */
const NAMES = 5
/** Up to this many targets, a group is named rather than counted. */
const NAMED_GROUP = 3

export interface FleetPlanOptions {
  /** The versions on disk (for the SQL of the pending ones). */
  versions: Version[]
  /** The `fail-on` input: findings at or above it make the verdict red. */
  failOn: FailOn
}

/** A target's name as code (a name from the targets file is never markdown). */
function name(target: string): string {
  return code(clip(target, 100))
}

/** `a`, `b` and `c`; past `max`: `a`, … `e` and 95 more. */
export function nameList(names: readonly string[], max = NAMES): string {
  if (names.length <= max) {
    const shown = names.map(name)
    return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`
  }
  return `${names.slice(0, max).map(name).join(', ')} and ${(names.length - max).toLocaleString('en-US')} more`
}

/** At most `max` lines within `budget` characters, then one line saying how many more: `more(n)`. */
function fitList(lines: string[], budget: number, max: number, more: (hidden: number) => string): string[] {
  if (lines.length <= max) return fitLines(lines, budget, more)
  const shown = fitLines(lines.slice(0, max), budget - more(lines.length).length - 1, more)
  // fitLines ends in its own note when even `max` lines did not fit: that note counts only the slice.
  const kept = shown.length === max && !shown[max - 1].startsWith('- … and') ? max : shown.length - 1
  return [...shown.slice(0, kept), more(lines.length - kept)]
}

/** A few targets by name, more by count: `canary`, **412 databases**. */
function who(names: readonly string[]): string {
  return names.length <= NAMED_GROUP ? nameList(names) : `**${plural(names.length, 'database')}**`
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** `at v7 → v9`, `up to date at v9`, or `at v10, v8, v9 pending` (pending below the current version). */
function span(plan: Plan): string {
  if (!plan.pending.length) return `up to date at v${plan.currentVersion}`
  const last = plan.pending[plan.pending.length - 1].version
  if (last > plan.currentVersion) return `at v${plan.currentVersion} → v${last}`
  return `at v${plan.currentVersion} (${versionList(plan.pending.map((p) => p.version))} pending below it)`
}

/** Findings counted once each across the fleet (the same rule at the same place on every plan is one). */
function distinct(findings: Finding[]): Finding[] {
  const seen = new Map<string, Finding>()
  for (const finding of findings) if (!seen.has(findingId(finding))) seen.set(findingId(finding), finding)
  return [...seen.values()]
}

/** Groups with the same pending versions: shown once in the details, their findings folded together. */
interface PlanSet {
  groups: FleetPlanGroup[]
  targets: string[]
  plan: Plan
  verification: Verification | null
  /** The review with the findings of every target of the set, then those of some (each saying where). */
  review: ReviewInput | null
  partial: Array<{ finding: Finding; targets: string[] }>
  /** Targets whose review ran (the denominator of "only on 2 of 57"). */
  reviewed: number
}

function ran(review: ReviewInput | null): review is ReviewInput {
  return review !== null && !review.unavailable
}

/** The groups' common and partial findings folded once more, across the groups of one pending set. */
function planSet(groups: FleetPlanGroup[]): PlanSet {
  const targets = groups.flatMap((g) => g.targets)
  const reviewedGroups = groups.filter((g) => ran(g.review))
  const reviewed = reviewedGroups.reduce((sum, g) => sum + g.targets.length, 0)
  const seen = new Map<string, { finding: Finding; targets: string[] }>()
  const add = (finding: Finding, names: string[]): void => {
    const entry = seen.get(findingId(finding))
    if (entry) entry.targets.push(...names)
    else seen.set(findingId(finding), { finding, targets: [...names] })
  }
  for (const group of reviewedGroups) {
    for (const finding of group.review!.findings) add(finding, group.targets)
    for (const partial of group.partialFindings) add(partial.finding, partial.targets)
  }
  const common = [...seen.values()].filter((e) => e.targets.length >= reviewed).map((e) => e.finding)
  const partial = [...seen.values()].filter((e) => e.targets.length < reviewed)
  // File order within each: the fold by groups may have put a later finding first.
  const order = new Map(targets.map((t, i) => [t, i]))
  for (const entry of partial) entry.targets.sort((a, b) => order.get(a)! - order.get(b)!)
  const base = reviewedGroups[0]?.review ?? groups[0].review
  const review = base && ran(base) ? { ...base, findings: common } : base
  return { groups, targets, plan: groups[0].plan, verification: groups[0].verification, review, partial, reviewed }
}

/** The pending sets in the order of their largest group. */
function planSets(groups: FleetPlanGroup[]): PlanSet[] {
  const byPending = new Map<string, FleetPlanGroup[]>()
  for (const group of groups) {
    const key = group.plan.pending.map((p) => p.version).join(',')
    byPending.set(key, [...(byPending.get(key) ?? []), group])
  }
  return [...byPending.values()].map(planSet)
}

/** The set's findings as the details list them: the common ones, then each partial one saying where it fires. */
function detailsReview(set: PlanSet): ReviewInput | null {
  if (!set.review || !ran(set.review)) return set.review
  const partial = set.partial.map(({ finding, targets }) => ({
    ...finding,
    message: `Only on ${nameList(targets)} (${targets.length.toLocaleString('en-US')} of ${set.reviewed.toLocaleString('en-US')}): ${finding.message}`
  }))
  return { ...set.review, findings: [...set.review.findings, ...partial] }
}

/** Every finding of the set, for the counts and fail-on (partial ones once each). */
function setFindings(set: PlanSet): Finding[] {
  if (!set.review || !ran(set.review)) return []
  return [...set.review.findings, ...set.partial.map((p) => p.finding)]
}

/** The targets of the set that a blocking finding fires on. */
function blockedTargets(set: PlanSet, failOn: FailOn): string[] {
  if (!set.review || !ran(set.review)) return []
  if (blockingFindings(set.review.findings, failOn).length) return set.groups.filter((g) => ran(g.review)).flatMap((g) => g.targets)
  const blocked = new Set(set.partial.filter((p) => blockingFindings([p.finding], failOn).length).flatMap((p) => p.targets))
  return set.targets.filter((t) => blocked.has(t))
}

interface GroupState {
  refused: string[]
  failures: string[]
}

function groupState(group: FleetPlanGroup, set: PlanSet): GroupState {
  return {
    refused: refusals(group.plan, { kind: 'database' }).labels,
    failures: group.plan.pending.length ? applyFailures(set.verification, set.review) : []
  }
}

function verifiedWords(group: FleetPlanGroup): string {
  const verification = group.verification
  if (!verification) return 'not verified (verification is off)'
  if (verification.status === 'unavailable') return 'verification did not run'
  if (verification.status === 'failed') return 'verification failed'
  return group.targets.length > 1 ? 'same plan, verified once' : 'verified'
}

/** One line per group: who, from which version to which, and whether apply would run there. */
function groupLine(group: FleetPlanGroup, set: PlanSet, failOn: FailOn): string {
  const state = groupState(group, set)
  const findings = ran(group.review) ? [...group.review.findings, ...group.partialFindings.map((p) => p.finding)] : []
  const blocking = blockingFindings(findings, failOn).length > 0
  const counts = activeFindings(findings).length ? ` · ${countsText(findingCounts(findings))}` : ''
  const head = `${who(group.targets)} ${span(group.plan)}`
  if (state.refused.length) return `- ❌ ${head}: apply would refuse${counts}`
  if (state.failures.length) return `- ❌ ${head}: apply would fail${counts}`
  if (!group.plan.pending.length) return `- ✅ ${head}: nothing to apply`
  if (blocking) return `- ❌ ${head}: ${verifiedWords(group)}; the review blocks it (fail-on: ${failOn})${counts}`
  return `- ✅ ${head}: ${verifiedWords(group)}${counts}`
}

/** Unreachable targets, one line per distinct error. */
function unreachableLines(unreachable: FleetPlanTarget[]): string[] {
  const byError = new Map<string, string[]>()
  for (const target of unreachable) {
    const error = cell(clip((target.error ?? 'it could not be read').replace(/\s+/g, ' ').trim(), 300))
    byError.set(error, [...(byError.get(error) ?? []), target.name])
  }
  return [...byError.entries()].map(([error, names]) => `- 🔌 ${nameList(names)} could not be read: ${error}`)
}

/** The groups that differ from the largest one: refused, failing, or at another version. */
function oddGroupLines(sets: PlanSet[], main: FleetPlanGroup): string[] {
  const refused: string[] = []
  const moved: string[] = []
  for (const set of sets) {
    for (const group of set.groups) {
      if (group === main) continue
      const state = groupState(group, set)
      if (state.refused.length) refused.push(`- ❗ ${nameList(group.targets)}: apply would refuse: ${state.refused.join('; ')}`)
      else if (state.failures.length) refused.push(`- ❗ ${nameList(group.targets)}: apply would fail: ${state.failures.join('; ')}`)
      else if (!group.plan.pending.length) moved.push(`- ↪️ ${nameList(group.targets)} ${span(group.plan)} already`)
      else {
        const pending = versionList(group.plan.pending.map((p) => p.version))
        const are = group.targets.length === 1 ? 'is' : 'are'
        moved.push(
          `- ↪️ ${nameList(group.targets)} ${are} at v${group.plan.currentVersion}, most at v${main.plan.currentVersion}: ${pending} pending there`
        )
      }
    }
  }
  // What stops apply first, then what only runs differently.
  return [...refused, ...moved]
}

const ICON: Record<Finding['severity'], string> = { error: '❌', warning: '⚠️', notice: 'ℹ️' }

/** Findings that fire only on some targets of a plan (a table big enough on those): by name. */
function partialLines(sets: PlanSet[]): string[] {
  return sets.flatMap((set) =>
    set.partial
      .filter((p) => !p.finding.waived)
      .map(
        ({ finding, targets }) =>
          `- ${ICON[finding.severity]} ${code(finding.rule)} at ${code(`${finding.file}:${finding.line}`)} fires only on ${nameList(targets)} ` +
          `(${targets.length.toLocaleString('en-US')} of ${set.reviewed.toLocaleString('en-US')}): ${cell(clip(finding.message.replace(/\s+/g, ' '), 300))}`
      )
  )
}

/** The verdict: as strict as the single-target comment's, for every database at once. */
function verdict(report: FleetPlanReport, sets: PlanSet[], failOn: FailOn): string {
  const refused: string[] = []
  const failing: string[] = []
  let failure = ''
  const blocked: string[] = []
  for (const set of sets) {
    for (const group of set.groups) {
      const state = groupState(group, set)
      if (state.refused.length) refused.push(...group.targets)
      else if (state.failures.length) {
        failing.push(...group.targets)
        failure ||= state.failures[0]
      }
    }
    blocked.push(...blockedTargets(set, failOn))
  }
  const unreachable = report.unreachable.map((t) => t.name)
  const reasons = [
    refused.length ? `apply would refuse on ${who(refused)}` : null,
    failing.length ? `apply would fail on ${who(failing)}: ${failure}` : null,
    blocked.length ? `the review blocks ${who(blocked)} (fail-on: ${failOn})` : null,
    unreachable.length ? `${who(unreachable)} could not be read` : null
  ].filter((r): r is string => r !== null)

  const pendingSets = sets.filter((s) => s.plan.pending.length)
  const pending =
    pendingSets.length === 0
      ? 'nothing pending'
      : pendingSets.length === 1
        ? `${plural(pendingSets[0].plan.pending.length, 'version')} pending`
        : plural(pendingSets.length, 'different plan')
  const findings = distinct(sets.flatMap(setFindings))
  const counts = findings.length ? countsText(findingCounts(findings)) : null
  const tail = [pending, ...(counts ? [counts] : [])].join(' · ')
  if (reasons.length) {
    const [first, ...rest] = reasons
    const bold = first.replace(/^(apply would refuse|apply would fail|the review blocks)/, '**$1**')
    return `❌ ${bold}${rest.length ? `; ${rest.join('; ')}` : ''} · ${tail}`
  }
  const planned = sets.reduce((sum, s) => sum + s.targets.length, 0)
  if (!pendingSets.length)
    return `✅ ${planned === 1 ? 'The database is' : `All ${plural(planned, 'database')} are`} up to date: nothing to apply.`
  const unverified = pendingSets.some((s) => !s.verification || s.verification.status === 'unavailable') ? ' (not verified)' : ''
  return `✅ **Ready to apply**${unverified} on ${who(sets.flatMap((s) => s.targets))} · ${tail}`
}

/** What the set's summary line says: its versions, how many databases, and its state. */
function detailsSummary(set: PlanSet, failOn: FailOn): string {
  const pending = set.plan.pending.length ? versionList(set.plan.pending.map((p) => p.version)) : 'nothing pending'
  const bad =
    set.groups.some((g) => groupState(g, set).refused.length) ||
    applyFailures(set.verification, set.review).length > 0 ||
    blockedTargets(set, failOn).length > 0
  const findings = setFindings(set)
  const counts = activeFindings(findings).length ? ` · ${countsText(findingCounts(findings))}` : ''
  const names = set.targets.length <= NAMED_GROUP ? set.targets.map((t) => clip(t, 100)).join(', ') : plural(set.targets.length, 'database')
  return escapeHtml(`${bad ? '❌' : '✅'} The plan of ${pending} for ${names}${counts}`)
}

/** One plan in full, within about `budget` characters: the single-target comment's sections. */
function details(set: PlanSet, versions: Version[], budget: number): string[] {
  const { plan } = set
  const review = plan.pending.length ? detailsReview(set) : null
  const currents = [...new Set(set.groups.map((g) => g.plan.currentVersion))].map((v) => `v${v}`).join(', ')
  const statements = plan.pending.reduce((sum, p) => sum + p.statements, 0)
  const out: string[] = [
    plan.pending.length
      ? `${nameList(set.targets)} at **${currents}** · **${plural(plan.pending.length, 'version')} pending**: ${versionList(plan.pending.map((p) => p.version))} (${plural(statements, 'statement')})`
      : `${nameList(set.targets)} at **${currents}** · nothing pending`
  ]
  if (plan.pending.length) out.push('', ...versionsTable(plan, set.verification, review, Math.floor(budget / 4)))
  out.push(...planNotes(plan))
  // The refusals of the set's groups share one part of the budget: many refused groups end in one line.
  let room = Math.floor(budget / REFUSALS_SHARE)
  const refused = set.groups.filter((g) => refusals(g.plan, { kind: 'database' }).items.length)
  for (const [index, group] of refused.entries()) {
    const items = refusals(group.plan, { kind: 'database' }).items
    const more = (hidden: number): string => `- … and ${hidden.toLocaleString('en-US')} more`
    const title = `**Apply would refuse on ${nameList(group.targets)} until these are resolved:**`
    const part = ['', title, '', ...fitLines(items, Math.min(room, 4_000), more)]
    const length = part.join('\n').length
    if (length > room) {
      const rest = refused.slice(index).reduce((sum, g) => sum + g.targets.length, 0)
      out.push('', `Apply would also refuse on ${plural(rest, 'more database')} of this plan: the odd ones above say why.`)
      break
    }
    out.push(...part)
    room -= length
  }
  if (plan.pending.length) {
    const verificationPart = verificationLines(set.verification)
    const failed = set.verification?.status === 'failed'
    if (failed) out.push('', ...verificationPart)
    out.push(...reviewLines(review, planWarnings(plan), Math.floor(budget / 3)))
    if (!failed) out.push('', ...verificationPart)
    const sql = sqlBlocks(plan, versions, budget - out.join('\n').length - 200)
    if (sql.length) out.push('', ...sql)
  }
  return out
}

export function renderFleetPlanComment(report: FleetPlanReport, options: FleetPlanOptions): string {
  const { failOn } = options
  const title = `### aurora-migrate plan · ${cell(report.environment)} · ${plural(report.total, 'database')}`
  const sets = planSets(report.groups)
  const head: string[] = [title, '', verdict(report, sets, failOn)]
  const tail = ['', footer(report.runUrl, report.sha), '']

  if (report.groups.length) {
    const setOf = new Map(sets.flatMap((set) => set.groups.map((g) => [g, set] as const)))
    const lines = report.groups.map((g) => groupLine(g, setOf.get(g)!, failOn))
    const rest = (hidden: number): string => {
      const targets = report.groups.slice(report.groups.length - hidden).reduce((sum, g) => sum + g.targets.length, 0)
      return `- … and ${plural(hidden, 'more group')} (${plural(targets, 'database')}): see the odd ones and the details below`
    }
    head.push('', ...fitList(lines, GROUP_LINES_BUDGET, MAX_LINES, rest))
  }
  // Each kind of odd one gets its own few lines, so many unreachable targets cannot hide a refusal.
  const kinds: Array<[string[], string]> = [
    [unreachableLines(report.unreachable), 'unreachable'],
    [report.groups.length ? oddGroupLines(sets, report.groups[0]) : [], 'different'],
    [partialLines(sets), 'finding']
  ]
  const odd = kinds.flatMap(([lines, kind]) => {
    const more = (hidden: number): string =>
      kind === 'finding'
        ? `- … and ${plural(hidden, 'more finding')} on some databases only: see the details below`
        : `- … and ${hidden.toLocaleString('en-US')} more ${kind === 'unreachable' ? 'that could not be read' : 'that differ'}: see the log of the workflow run`
    return lines.length ? fitList(lines, Math.floor(ODD_ONES_BUDGET / kinds.length), MAX_ODD, more) : []
  })
  if (odd.length) head.push('', '**The odd ones**', '', ...odd)

  // Every plan once, the largest first; collapsed when there is more than one group to tell apart.
  const shown = sets.filter((s) => s.plan.pending.length || s.groups.some((g) => g.plan.refusals.length))
  const fold = report.groups.length > 1
  const body: string[] = []
  let left = BUDGET - head.join('\n').length - tail.join('\n').length - 400
  const skipped: PlanSet[] = []
  for (const [index, set] of shown.entries()) {
    const remaining = shown.length - index
    // The first plan (the most databases) may take half of what is left; the others share the rest evenly.
    const share = Math.floor(index === 0 && remaining > 1 ? left / 2 : left / remaining)
    if (index >= MAX_DETAILS || share < MIN_DETAILS) {
      skipped.push(set)
      continue
    }
    const inner = details(set, options.versions, share - 200)
    const block = fold ? [`<details><summary>${detailsSummary(set, failOn)}</summary>`, '', ...inner, '', '</details>'] : inner
    body.push('', ...block)
    left -= block.join('\n').length + 1
  }
  if (skipped.length) {
    const targets = skipped.reduce((sum, s) => sum + s.targets.length, 0)
    body.push(
      '',
      `The details of ${plural(skipped.length, 'more plan')} (${plural(targets, 'database')}) are not shown: ` +
        "the comment would exceed GitHub's size limit; the log of the workflow run has every target's plan."
    )
  }
  const full = [...head, ...body, ...tail].join('\n')
  if (full.length <= BUDGET) return full
  // Every part above is bounded; should they still add up to too much, the verdict and the groups beat nothing.
  return [...head, '', 'The details are too large for a pull request comment: the log of the workflow run has every plan.', ...tail].join(
    '\n'
  )
}
