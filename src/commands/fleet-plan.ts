/**
 * `plan` of a fleet: each target's history and catalog read (at most `concurrency` at once: one history call
 * and one catalog call each), verification run once per distinct set of pending versions (not once per
 * database), each target's review with its own catalog and that trace, then the plans grouped and folded into
 * one comment (fleet/plan-groups.ts, report/fleet-plan.ts). Its verdict is as strict as a single plan's: a
 * refusal, a failed verification, SQL that does not parse or an unwaived finding at `fail-on` on any target
 * fails it, and so does a target that could not be read.
 */
import { errorMessage } from '../errors.js'
import { groupPlans } from '../fleet/plan-groups.js'
import { runSchedule } from '../fleet/schedule.js'
import type { FleetPlanReport, FleetPlanTarget } from '../fleet/types.js'
import type { Version } from '../migrations/types.js'
import { searchPathRefusals } from '../engine/apply.js'
import { planMigrations } from '../plan.js'
import { renderFleetPlanComment } from '../report/fleet-plan.js'
import { failOnMessage } from '../report/review.js'
import type { Verification } from '../shadow/verify.js'
import { serverLabels, type LoadedFleet, type FleetReporter } from './fleet.js'
import { readTargetHistory } from './history.js'
import { planOptions, verificationFailure, verifyPlan } from './plan.js'
import type { CommandFailure } from './reporter.js'
import {
  pendingOf,
  prepareReview,
  reviewBlocking,
  reviewFindings,
  syntaxFailures,
  type PreparedReview,
  type ReviewParses
} from './review.js'
import { withTarget } from './target.js'

export interface FleetPlanOutcome {
  report: FleetPlanReport
  markdown: string
  failures: CommandFailure[]
}

interface ReadTarget {
  target: FleetPlanTarget
  prepared: PreparedReview | null
}

export async function runFleetPlan(
  fleet: LoadedFleet,
  versions: Version[],
  reporter: FleetReporter,
  options: { signal?: AbortSignal; finished?: (target: FleetPlanTarget, done: number, total: number) => void } = {}
): Promise<FleetPlanOutcome> {
  const { base } = fleet
  reporter.info(
    `Fleet ${fleet.file}: planning ${fleet.targets.length} ${fleet.targets.length === 1 ? 'target' : 'targets'}, at most ${base.fleet!.concurrency} at once`
  )

  // 1. Each target's history, plan and catalog.
  const servers = serverLabels()
  const parses: ReviewParses = new Map()
  const read = await runSchedule<ReadTarget>(
    // Waves order an apply; a plan reads every target alike.
    fleet.targets.map((t) => ({ ...t, wave: null })),
    { concurrency: base.fleet!.concurrency, onError: 'continue', signal: options.signal },
    {
      run: async (fleetTarget) => {
        const config = fleet.configs.get(fleetTarget.name)!
        const own = reporter.target(fleetTarget.name)
        servers.before(config)
        try {
          return await withTarget(config, own, async (target) => {
            servers.after(config)
            const { rows } = await readTargetHistory(config, target)
            const plan = planMigrations(versions, rows, planOptions(config))
            // As strict as apply: what apply refuses for a schema target, the plan refuses too.
            plan.refusals.push(...searchPathRefusals(plan, config.searchPath ?? null))
            const prepared = await prepareReview(config, versions, pendingOf(plan), target, own, base.verify, parses)
            return {
              target: {
                name: fleetTarget.name,
                database: fleetTarget.database,
                server: config.server ?? null,
                plan,
                review: null,
                error: null
              },
              prepared
            }
          })
        } catch (error) {
          return { target: unreadable(fleetTarget.name, fleetTarget.database, errorMessage(error)), prepared: null }
        }
      },
      stopsFleet: () => false,
      skipped: (fleetTarget, reason) => ({
        target: unreadable(fleetTarget.name, fleetTarget.database, `not read: ${reason}`),
        prepared: null
      }),
      crashed: (fleetTarget, message) => ({ target: unreadable(fleetTarget.name, fleetTarget.database, message), prepared: null }),
      finished: (_t, result, done, total) => options.finished?.(result.target, done, total)
    }
  )

  // 2. Verification once per distinct set of pending versions, made like the first target that has it.
  const verifications = new Map<string, Verification | null>()
  const keyOf = (pending: number[]): string => pending.join(',')
  for (const { target, prepared } of read) {
    if (!target.plan) continue
    const pending = pendingOf(target.plan)
    const key = keyOf(pending)
    if (verifications.has(key)) continue
    const intro = `Verifying ${pending.length ? pending.map((v) => `v${v}`).join(', ') : 'the versions'} once for every target with them pending`
    const { verification } = await verifyPlan(base, versions, pending, prepared?.targetSettings ?? null, reporter, intro)
    verifications.set(key, verification)
  }

  // 3. Each target's review, with its own catalog and its plan's trace.
  for (const entry of read) {
    if (!entry.target.plan || !entry.prepared) continue
    const verification = verifications.get(keyOf(pendingOf(entry.target.plan))) ?? null
    const ran = verification && verification.status !== 'unavailable' ? verification : null
    entry.target.review = reviewFindings(
      fleet.configs.get(entry.target.name)!,
      entry.prepared,
      ran?.trace ?? null,
      reporter.target(entry.target.name)
    )
    entry.prepared = null
  }
  const targets = read.map((r) => r.target)
  const { groups, unreachable } = groupPlans(targets, (pending) => verifications.get(keyOf(pending)) ?? null)
  const report: FleetPlanReport = {
    environment: base.environment,
    groups,
    unreachable,
    total: targets.length,
    runUrl: base.run.runUrl,
    sha: base.run.commitSha
  }
  const markdown = renderFleetPlanComment(report, { versions, failOn: base.failOn })
  return { report, markdown, failures: fleetPlanFailures(targets, verifications, base.failOn) }
}

function unreadable(name: string, database: string | null, error: string): FleetPlanTarget {
  return { name, database, server: null, plan: null, review: null, error: error.replace(/\s+/g, ' ').trim() }
}

/** What fails the fleet's plan: the single plan's failures, once per distinct cause, naming the targets. */
function fleetPlanFailures(
  targets: FleetPlanTarget[],
  verifications: Map<string, Verification | null>,
  failOn: LoadedFleet['base']['failOn']
): CommandFailure[] {
  const failures: CommandFailure[] = []
  const byMessage = new Map<string, { failure: CommandFailure; names: string[] }>()
  const add = (failure: CommandFailure, name: string): void => {
    const known = byMessage.get(failure.message)
    if (known) known.names.push(name)
    else byMessage.set(failure.message, { failure, names: [name] })
  }
  for (const target of targets) {
    if (!target.plan) {
      add({ message: `could not be planned: ${target.error}`, where: { title: 'Fleet target not read' } }, target.name)
      continue
    }
    for (const refusal of target.plan.refusals) add({ message: refusal, where: { title: 'apply would refuse' } }, target.name)
    const findings = target.review?.findings ?? []
    const blocking = reviewBlocking(findings, failOn)
    if (blocking.length) add({ message: failOnMessage(blocking, failOn), where: { title: 'Review' } }, target.name)
    for (const failure of syntaxFailures(findings)) add(failure, target.name)
  }
  for (const verification of verifications.values()) {
    const failed = verificationFailure(verification)
    if (failed) failures.push(failed.failure)
  }
  for (const { failure, names } of byMessage.values()) {
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ')
    failures.push({ ...failure, message: `${shown}: ${failure.message}` })
  }
  return failures
}
