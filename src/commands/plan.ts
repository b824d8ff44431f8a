/**
 * `plan`: what would run against the target (or, without one, against the pull request's base commit),
 * verified on a throwaway database with each pending statement traced, and reviewed. Changes nothing on
 * the target. Returns what the action publishes and the command line prints.
 */
import type { Config } from '../config.js'
import { InputError, errorMessage } from '../errors.js'
import { planDrift, renderPlanDrift } from '../drift/plan-drift.js'
import type { MetaTables } from '../engine/meta.js'
import type { SchemaObject } from '../review/schema-change.js'
import type { Target } from '../targets/target.js'
import { baseRows } from '../migrations/base.js'
import type { Version } from '../migrations/types.js'
import { planMigrations, type Plan, type PlannedFile, type PlanOptions } from '../plan.js'
import { logLine } from '../printable.js'
import { renderPlanComment, type PlanSource } from '../report/comment.js'
import { planOutputs, type RunOutputs } from '../report/outputs.js'
import { failOnMessage, type ReviewInput } from '../report/review.js'
import type { TargetSettings } from '../review/dialect.js'
import { renderSchemaChange } from '../review/schema-change.js'
import { notRunChecks, unavailableVerification, verifyOnShadow, type Verification } from '../shadow/verify.js'
import { transportLimits } from '../targets/create.js'
import { dialectOf } from './dialect.js'
import { readTargetHistory } from './history.js'
import type { CommandFailure, Reporter } from './reporter.js'
import { pendingOf, prepareReview, reviewBlocking, reviewFindings, syntaxFailures, type PreparedReview } from './review.js'
import { withTarget } from './target.js'

/** What the command's surroundings know: the pull request's base commit and its Files changed page, when there is one. */
export interface PlanContext {
  baseSha: string | null
  pullRequestFilesUrl: string | null
}

export type { CommandFailure }

export interface PlanOutcome {
  plan: Plan
  source: PlanSource
  verification: Verification | null
  review: ReviewInput
  /** The plan comment (and job summary). */
  markdown: string
  outputs: RunOutputs
  failures: CommandFailure[]
  /** Verification did not run because apply would refuse the migrations on any database (not for want of a server). */
  refusedEverywhere: boolean
}

async function readPlan(
  config: Config,
  versions: Version[],
  context: PlanContext,
  reporter: Reporter
): Promise<{ plan: Plan; source: PlanSource; prepared: PreparedReview; databaseSchema: SchemaObject[] | null }> {
  const options = planOptions(config)
  if (config.target) {
    return withTarget(config, reporter, async (target) => {
      // plan changes nothing: a database without the meta table simply has nothing applied.
      const history = await readTargetHistory(config, target)
      const { rows } = history
      const plan = planMigrations(versions, rows, options)
      // With the target's settings when verifying: the throwaway database is made like the target's.
      return {
        plan,
        source: { kind: 'database' },
        prepared: await prepareReview(config, versions, pendingOf(plan), target, reporter, config.verify),
        databaseSchema: await readDatabaseSchema(config, target, history.tables, plan, reporter)
      }
    })
  }
  if (!context.baseSha) {
    throw new InputError(
      'resource-arn',
      'no database to plan against and no pull request to compare with: give resource-arn + secret-arn or database-url, or run plan on a pull_request event'
    )
  }
  const baseSha = context.baseSha
  reporter.info(`No target credentials: comparing with the pull request's base commit ${baseSha.slice(0, 12)} instead of the database`)
  const rows = await baseRows(dialectOf(config).syntax, config.workspace, config.migrationsDir, baseSha, versions, (message) =>
    reporter.info(message)
  )
  const plan = planMigrations(versions, rows, options)
  return {
    plan,
    source: { kind: 'base-branch', baseSha },
    prepared: await prepareReview(config, versions, pendingOf(plan), null, reporter),
    databaseSchema: null
  }
}

/**
 * With check-drift: the target's whole catalog (one call), for the comment's drift section. Only when the trace
 * will read the applied versions' schema to compare it with (verification on, a version pending); a failed read is
 * a warning, never the plan's failure.
 */
async function readDatabaseSchema(
  config: Config,
  target: Target,
  history: MetaTables,
  plan: Plan,
  reporter: Reporter
): Promise<SchemaObject[] | null> {
  const part = dialectOf(config).drift
  if (!config.checkDrift || !part || !config.verify || !plan.pending.length) return null
  try {
    return await part.snapshot(target, { roles: [], bodies: false, history })
  } catch (error) {
    reporter.warning(logLine(`check-drift: the database's catalog could not be read: ${errorMessage(error)}`))
    return null
  }
}

export async function runPlan(config: Config, versions: Version[], context: PlanContext, reporter: Reporter): Promise<PlanOutcome> {
  const { plan, source, prepared, databaseSchema } = await readPlan(config, versions, context, reporter)
  logPlan(plan, reporter)

  const { verification, refusedEverywhere } = await verifyPlan(
    config,
    versions,
    pendingOf(plan),
    prepared.targetSettings ?? null,
    reporter,
    `Verifying: applying every version from scratch on a throwaway ${dialectOf(config).displayName}`
  )
  const ran = verification && verification.status !== 'unavailable' ? verification : null
  const review = reviewFindings(config, prepared, ran?.trace ?? null, reporter, context.pullRequestFilesUrl)
  reporter.findings(review.findings, { log: true, annotate: true })

  const markdown = renderPlanComment({
    environment: config.environment,
    plan,
    versions,
    verification,
    source,
    runUrl: config.run.runUrl,
    sha: config.run.commitSha,
    review,
    schemaChange: ran?.schemaChange ? renderSchemaChange(ran.schemaChange) : null,
    drift: databaseSchema && ran?.appliedSchema ? renderPlanDrift(planDrift(ran.appliedSchema, databaseSchema)) : null,
    failOn: config.failOn,
    server: config.server ?? null
  })

  // Everything apply would refuse before running anything fails the plan too, with apply's own words.
  const failures: CommandFailure[] = plan.refusals.map((refusal) => ({ message: refusal, where: { title: 'apply would refuse' } }))
  const blocking = reviewBlocking(review.findings, config.failOn)
  if (blocking.length) failures.push({ message: failOnMessage(blocking, config.failOn), where: { title: 'Review' } })
  const failedVerification = verificationFailure(verification)
  if (failedVerification) failures.push(failedVerification.failure)
  // SQL the parser refuses fails the plan whatever fail-on says; where verification already failed on it, that is said once.
  failures.push(...syntaxFailures(review.findings, failedVerification?.at))
  const outputs = planOutputs(plan, verification?.status ?? 'off', review.findings)
  return { plan, source, verification, review, markdown, outputs, failures, refusedEverywhere }
}

/** How `plan` reads the migrations against a target's rows (the single plan's and each fleet target's). */
export function planOptions(config: Config): PlanOptions {
  return {
    targetVersion: config.targetVersion,
    allowOutOfOrder: config.allowOutOfOrder,
    commitsImplicitly: dialectOf(config).engine.commitsImplicitly,
    ...transportLimits(config.target)
  }
}

/**
 * Verification of the pending versions on a throwaway server, said in the log (`intro` first): null when it is
 * off. What apply would refuse on an empty database, it refuses on the throwaway one too: no server is started
 * for it, and `refusedEverywhere` says so.
 */
export async function verifyPlan(
  config: Config,
  versions: Version[],
  pending: number[],
  targetSettings: TargetSettings | null,
  reporter: Reporter,
  intro: string
): Promise<{ verification: Verification | null; refusedEverywhere: boolean }> {
  if (!config.verify) return { verification: null, refusedEverywhere: false }
  if (planMigrations(versions, []).refusals.length) {
    reporter.warning(logLine(`Verification did not run: apply would refuse these migrations on any database (see the errors below)`))
    const message = 'apply would refuse these migrations on any database (see its refusals), so none was run.'
    return { verification: unavailableVerification(null, message, notRunChecks(versions), 0), refusedEverywhere: true }
  }
  reporter.info(intro)
  const dialect = dialectOf(config)
  // Prefixed: these lines speak of the throwaway database, never of the target.
  const verification = await verifyOnShadow(dialect.shadow, versions, {
    engine: dialect.engine,
    shadowDatabaseUrl: config.shadowDatabaseUrl,
    log: (message) => reporter.info(`[verify] ${message}`),
    pending,
    targetSettings
  })
  if (verification.status === 'unavailable') reporter.warning(`Verification did not run: ${verification.message}`)
  else reporter.info(`Verification ${verification.status} in ${verification.durationMs} ms`)
  // The review then goes on without the trace: it says so in its "checked" line.
  if (verification.traceMessage) reporter.warning(logLine(verification.traceMessage))
  return { verification, refusedEverywhere: false }
}

/** The failure a version that failed verification makes, and where: `v3 fails on a fresh database at file:line:column`. */
export function verificationFailure(
  verification: Verification | null
): { failure: CommandFailure; at: { file: string; line: number; column: number } } | null {
  const failed = verification?.versions.find((v) => v.status === 'failed')
  if (!failed?.error) return null
  const { file, line, column, message, sqlState } = failed.error
  return {
    failure: {
      message: `v${failed.version} fails on a fresh database at ${file}:${line}:${column}: ${message}${sqlState ? ` (SQLSTATE ${sqlState})` : ''}`,
      where: { title: `Verification of v${failed.version} failed`, file, startLine: line, startColumn: column }
    },
    at: failed.error
  }
}

export function logPlan(plan: Plan, reporter: Reporter): void {
  if (!plan.pending.length) {
    reporter.info(`Up to date at v${plan.currentVersion}: nothing pending`)
    return
  }
  reporter.info(`Current version v${plan.currentVersion}; pending:`)
  // A file's own BEGIN … COMMIT is not sent: the version already runs in one transaction.
  const describe = (f: PlannedFile): string => `${f.name} (${f.statements}${f.transactionWrapper ? ', its BEGIN/COMMIT left out' : ''})`
  for (const version of plan.pending) reporter.info(`  v${version.version}: ${version.files.map(describe).join(', ')}`)
}
