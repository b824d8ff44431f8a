/**
 * The fleet's plans in groups, a pure function: targets whose plans agree on everything apply would do or
 * refuse (the current version, the pending versions, the drift, the missing and out-of-order versions, the
 * refusals) form one group, verified once; their findings are folded into those every target has and those
 * only some have (a size-aware rule that fires where a table is big).
 */
import type { Plan } from '../plan.js'
import type { Finding, ReviewInput } from '../review/types.js'
import type { Verification } from '../shadow/verify.js'
import type { FleetPlanGroup, FleetPlanTarget } from './types.js'

/** What two plans must agree on to be one group: a stable JSON text (the group's key). */
export function planKey(plan: Plan): string {
  return JSON.stringify({
    current: plan.currentVersion,
    pending: plan.pending.map((p) => p.version),
    drift: plan.drift.map((d) => [d.version, d.files.map((f) => `${f.path} ${f.change}`)]),
    missing: plan.missing,
    outOfOrder: plan.outOfOrder,
    refusals: plan.refusals
  })
}

/**
 * A finding's identity across targets: the rule, where it fires and how severe it is. The message is left out:
 * it says the size of this target's table ("≈12,000,000 rows"), which differs from tenant to tenant.
 */
export function findingId(finding: Finding): string {
  return JSON.stringify([finding.rule, finding.file, finding.line, finding.column, finding.severity])
}

/** A review that ran (computed, and not unavailable). */
function ran(review: ReviewInput | null): review is ReviewInput {
  return review !== null && !review.unavailable
}

/**
 * The common review and the partial findings of one group. Only targets whose review ran take part: a finding
 * every one of them has is common (with the first target's message), the others are listed with the targets
 * they fire on, in the order they first appear. When no target's review ran, the first target's review stands.
 */
function foldFindings(targets: FleetPlanTarget[]): Pick<FleetPlanGroup, 'review' | 'partialFindings'> {
  const reviewed = targets.filter((t) => ran(t.review))
  if (!reviewed.length) return { review: targets[0].review, partialFindings: [] }
  const seen = new Map<string, { finding: Finding; targets: string[] }>()
  for (const target of reviewed) {
    for (const finding of target.review!.findings) {
      const id = findingId(finding)
      const entry = seen.get(id)
      if (!entry) seen.set(id, { finding, targets: [target.name] })
      // The same finding twice in one target's review (two statements on one line) counts once.
      else if (entry.targets[entry.targets.length - 1] !== target.name) entry.targets.push(target.name)
    }
  }
  const everywhere = (id: string): boolean => seen.get(id)!.targets.length === reviewed.length
  const first = reviewed[0].review!
  // The first target's order (version, file, line) for the common ones, each once.
  const common: Finding[] = []
  const taken = new Set<string>()
  for (const finding of first.findings) {
    const id = findingId(finding)
    if (everywhere(id) && !taken.has(id)) {
      common.push(finding)
      taken.add(id)
    }
  }
  const partialFindings = [...seen.entries()].filter(([id]) => !everywhere(id)).map(([, entry]) => entry)
  return { review: { ...first, findings: common }, partialFindings }
}

/**
 * The targets in groups (largest first, then in the order each group's first target appears in the file), and
 * the targets that could not be planned. `verifications` is asked once per distinct set of pending versions
 * (groups with the same pending versions share it); it returns null when verification is off.
 */
export function groupPlans(
  targets: FleetPlanTarget[],
  verifications: (pending: number[]) => Verification | null
): { groups: FleetPlanGroup[]; unreachable: FleetPlanTarget[] } {
  const unreachable: FleetPlanTarget[] = []
  const byKey = new Map<string, FleetPlanTarget[]>()
  for (const target of targets) {
    if (!target.plan) {
      unreachable.push(target)
      continue
    }
    const key = planKey(target.plan)
    const members = byKey.get(key)
    if (members) members.push(target)
    else byKey.set(key, [target])
  }
  const verified = new Map<string, Verification | null>()
  const verificationOf = (plan: Plan): Verification | null => {
    const pending = plan.pending.map((p) => p.version)
    const key = pending.join(',')
    if (!verified.has(key)) verified.set(key, verifications(pending))
    return verified.get(key)!
  }
  // A Map keeps insertion order: the groups are in the order of their first target; the sort is stable.
  const groups: FleetPlanGroup[] = [...byKey.entries()].map(([key, members]) => ({
    key,
    targets: members.map((t) => t.name),
    plan: members[0].plan!,
    verification: verificationOf(members[0].plan!),
    ...foldFindings(members)
  }))
  groups.sort((a, b) => b.targets.length - a.targets.length)
  return { groups, unreachable }
}
