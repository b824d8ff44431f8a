/**
 * `apply`: the pending versions applied, each in one fenced transaction (src/engine). It does not judge
 * again what the pull request's review judged: it logs the findings it sees in the pending versions, from
 * the repository alone (no extra call to the target), and never fails on them.
 */
import type { Config } from '../config.js'
import { applyMigrations, type ApplyResult } from '../engine/apply.js'
import type { Version } from '../migrations/types.js'
import { planMigrations } from '../plan.js'
import { renderApply } from '../report/markdown.js'
import type { RunOutputs } from '../report/outputs.js'
import type { Finding } from '../review/types.js'
import { transportLimits } from '../targets/create.js'
import { dialectOf } from './dialect.js'
import { readTargetHistory } from './history.js'
import type { Reporter } from './reporter.js'
import { pendingOf, prepareReview, reviewFindings } from './review.js'
import { leaseOwner, withTarget } from './target.js'

export interface ApplyOutcome {
  result: ApplyResult
  /** The review's findings in the pending versions (repository only). */
  findings: Finding[]
  /** The deployment summary. */
  markdown: string
  outputs: RunOutputs
}

/** How a fleet runs one of its targets (commands/fleet.ts); a single apply passes none. */
export interface ApplyRunOptions {
  /** Asked before each version: why to stop there, or null (ApplyOptions.stopBefore). */
  stopBefore?: () => string | null
  /** Log the review of the pending versions (default true; a fleet logs it once, not per database). */
  review?: boolean
}

export async function runApply(
  config: Config,
  versions: Version[],
  reporter: Reporter,
  options: ApplyRunOptions = {}
): Promise<ApplyOutcome> {
  let findings: Finding[] = []
  const result = await withTarget(config, reporter, async (target) => {
    const history = await readTargetHistory(config, target)
    const plan = planMigrations(versions, history.rows, { targetVersion: config.targetVersion, allowOutOfOrder: config.allowOutOfOrder })
    if (options.review !== false) {
      findings = reviewFindings(config, await prepareReview(config, versions, pendingOf(plan), null, reporter), null, reporter).findings
      if (findings.length) reporter.info(`The review of the pending versions (repository only; apply does not fail on it):`)
      reporter.findings(findings, { log: true, annotate: false })
    }
    return applyMigrations(target, versions, {
      dialect: dialectOf(config).engine,
      tables: history.tables,
      history,
      createSchema: config.metaTable.schema !== null,
      targetVersion: config.targetVersion,
      allowOutOfOrder: config.allowOutOfOrder,
      ...transportLimits(config.target),
      run: config.run,
      lease: {
        owner: leaseOwner(config),
        ttlSeconds: config.leaseTtlSeconds,
        waitTimeoutSeconds: config.waitTimeoutSeconds
      },
      lockTimeoutMs: config.lockTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs,
      lockRetries: config.lockRetries,
      searchPath: config.searchPath ?? null,
      stopBefore: options.stopBefore,
      log: (message) => reporter.info(message)
    })
  })
  const applied = new Set([...result.plan.appliedVersions, ...result.applied.map((a) => a.version), ...result.appliedElsewhere])
  return {
    result,
    findings,
    markdown: renderApply(result, { target: config.environment, server: config.server ?? null }),
    outputs: {
      currentVersion: result.toVersion,
      pending: versions.map((v) => v.number).filter((v) => !applied.has(v)),
      applied: result.applied.map((a) => a.version),
      drift: result.plan.drift.length > 0,
      plan: result.plan,
      verification: 'off',
      findings
    }
  }
}
