/** validate, baseline and repair: each reads or writes the meta table only, never migration SQL. */
import type { Config } from '../config.js'
import { baseline } from '../engine/baseline.js'
import { resolveMetaTables } from '../engine/meta-location.js'
import { repair } from '../engine/repair.js'
import { repairStep } from '../engine/repair-step.js'
import { validate } from '../engine/validate.js'
import type { Version } from '../migrations/types.js'
import { fitLines, versionList } from '../report/markdown.js'
import type { RunOutputs } from '../report/outputs.js'
import { renderReview } from '../report/review.js'
import { transportLimits } from '../targets/create.js'
import { dialectOf } from './dialect.js'
import type { CommandFailure } from './plan.js'
import type { Reporter } from './reporter.js'
import { pendingOf, prepareReview, reviewFindings } from './review.js'
import { leaseOwner, withTarget } from './target.js'
import { plural } from '../text.js'

export interface OperationOutcome {
  markdown: string
  /** baseline and repair: what they did, as plain lines for a terminal (no Markdown); validate: empty. */
  text: string[]
  /** validate: the plan it checked and the review of its pending versions (with the target's catalog); null otherwise. */
  outputs: RunOutputs | null
  failures: CommandFailure[]
}

export async function runOperation(config: Config, versions: Version[], reporter: Reporter): Promise<OperationOutcome> {
  const log = (message: string): void => reporter.info(message)
  const dialect = dialectOf(config).engine
  const planOptions = { targetVersion: config.targetVersion, allowOutOfOrder: config.allowOutOfOrder, ...transportLimits(config.target) }
  const lease = {
    owner: leaseOwner(config),
    ttlSeconds: config.leaseTtlSeconds,
    waitTimeoutSeconds: config.waitTimeoutSeconds
  }
  let outputs: RunOutputs | null = null
  const failures: CommandFailure[] = []
  let text: string[] = []
  const lines = await withTarget(config, reporter, async (target): Promise<string[]> => {
    const tables = await resolveMetaTables(dialect, target, config.metaTable)
    if (config.command === 'validate') {
      const result = await validate(target, versions, { dialect, tables, ...planOptions })
      const lines = result.problems.length
        ? fitLines(
            result.problems.map((p) => `- ❗ ${p}`),
            30_000,
            (hidden) => `- … and ${hidden} more`
          )
        : [`✅ No drift, missing, out-of-order or partly applied versions; database at **v${result.plan.currentVersion}**.`]
      if (result.problems.length)
        failures.push({
          message: `validate found ${plural(result.problems.length, 'problem')}: ${result.problems.join(' ')}`,
          where: { title: 'Migrations are not valid' }
        })
      // The same review as plan's, with the target's catalog; without verification, so without the trace.
      const review = reviewFindings(config, await prepareReview(config, versions, pendingOf(result.plan), target, reporter), null, reporter)
      if (result.plan.pending.length) lines.push('', ...renderReview(review))
      reporter.findings(review.findings, { log: false, annotate: true })
      outputs = {
        currentVersion: result.plan.currentVersion,
        pending: pendingOf(result.plan),
        applied: null,
        drift: result.plan.drift.length > 0,
        plan: result.plan,
        verification: null,
        findings: review.findings
      }
      return lines
    }
    if (config.command === 'baseline') {
      const result = await baseline(target, versions, {
        dialect,
        tables,
        createSchema: config.metaTable.schema !== null,
        run: config.run,
        lease,
        log,
        baselineVersion: config.baselineVersion,
        from: config.baselineFrom
      })
      const recorded = `Recorded ${versionList(result.recorded)} as applied without running them.`
      text = [recorded]
      return [`✅ ${recorded}`]
    }
    if (config.repairStep) {
      const sentence = await repairStep(target, versions, config.repairStep, { dialect, tables, run: config.run, lease, log })
      text = [sentence]
      return [`✅ ${sentence}`]
    }
    const result = await repair(target, versions, { dialect, tables, run: config.run, lease, log })
    const accepted = result.accepted.map((a) => ({ version: a.version, files: a.files }))
    const cleared = result.clearedLease ? `Cleared the stale lease of ${result.clearedLease}` : null
    if (!accepted.length && !cleared) {
      text = ['Nothing to repair: no drift and no stale lease.']
      return [`✅ ${text[0]}`]
    }
    // One line: the engine's log has already named each file.
    const done = [accepted.length ? `Accepted the current checksums of ${versionList(accepted.map((a) => a.version))}` : null, cleared]
    text = [`${done.filter(Boolean).join('; ')}.`]
    return [
      ...fitLines(
        accepted.map((a) => `- Accepted the current checksums of v${a.version}: ${a.files.map((f) => `\`${f}\``).join(', ')}`),
        30_000,
        (hidden) => `- … and ${hidden} more`
      ),
      ...(cleared ? [`- ${cleared}`] : [])
    ]
  })
  const markdown = [`### aurora-migrate ${config.command} · ${config.environment}`, '', ...lines, ''].join('\n')
  return { markdown, text, outputs, failures }
}
