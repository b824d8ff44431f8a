/**
 * run(): config → migrations → target → command → outputs, summary and GitHub reports. The one place
 * that fails the step: each error becomes one annotation at the file and line it concerns.
 */
import * as core from '@actions/core'
import * as github from '@actions/github'
import { randomUUID } from 'node:crypto'
import { readConfig, type Config } from './config.js'
import { applyMigrations, type ApplyResult } from './engine/apply.js'
import { baseline, repair, validate } from './engine/operations.js'
import { readHistory } from './engine/history.js'
import { resolveMetaTables } from './engine/meta-location.js'
import { InputError, MigrationFileError, StatementFailedError, errorMessage } from './errors.js'
import { baseRows } from './migrations/base.js'
import { discoverMigrations } from './migrations/discover.js'
import type { Version } from './migrations/types.js'
import { planMigrations, type Plan, type PlannedFile } from './plan.js'
import { deploySummaryLine, renderDeployComment, renderPlanComment, type PlanSource } from './report/comment.js'
import { postDeploymentStatus, pullRequestsForCommit, stickyMarker, upsertStickyComment, type RepoRef } from './report/github.js'
import { clip, fitLines, renderApply, versionList } from './report/markdown.js'
import { PLAN_OUTPUT_LIMIT, boundedSummary, planOutput } from './report/outputs.js'
import {
  blockingFindings,
  failOnMessage,
  findingAnnotations,
  findingLogLine,
  findingsOutput,
  renderReview,
  type ReviewInput
} from './report/review.js'
import { logBlock, logLine } from './printable.js'
import { readCatalogFacts } from './review/catalog.js'
import { RULES, reviewStatements, runRules, touchedRelations } from './review/review.js'
import { renderSchemaChange } from './review/schema-change.js'
import type { Finding, RelationFacts, ReviewStatement, StatementTrace } from './review/types.js'
import { verifyOnShadow, type Verification } from './shadow/verify.js'
import { createTarget, transportLimits } from './targets/create.js'
import type { Target } from './targets/target.js'

/** Events whose payload names the pull request a plan comment belongs to. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])
/** Events after which a deploy comments on the pull requests its commit came from. */
const DEPLOY_EVENTS = new Set(['push', 'workflow_dispatch', 'release', 'deployment', 'schedule'])

/** The schema an unqualified name in a migration resolves to, for the review. */
const DEFAULT_SCHEMA = 'public'

/** Every log line goes through here: names and messages from a pull request cannot inject workflow commands. */
function info(message: string): void {
  core.info(logLine(message))
}

export async function run(): Promise<void> {
  try {
    const config = readConfig({
      getInput: (name) => core.getInput(name),
      env: process.env,
      setSecret: core.setSecret,
      ruleIds: RULES.map((rule) => rule.id)
    })
    const { versions, warnings } = await discoverMigrations(config.migrationsDir, config.workspace)
    for (const warning of warnings) core.warning(logLine(warning))
    info(
      `Found ${versions.length} version(s) in ${config.migrationsDir}${versions.length ? `: v${versions[0].number}…v${versions[versions.length - 1].number}` : ''}`
    )
    if (config.command === 'plan') await runPlan(config, versions)
    else if (config.command === 'apply') await runApply(config, versions)
    else await runOperation(config, versions)
  } catch (error) {
    fail(error)
  }
}

/** The pending statements parsed, and what the target's catalog says of the tables they touch (null without a target). */
interface PreparedReview {
  statements: ReviewStatement[]
  catalog: Map<string, RelationFacts> | null
  catalogState: ReviewInput['checked']['catalog']
  /** Why the review could not run; null when it can. */
  unavailable: string | null
}

/**
 * Parses the pending statements and reads the target's catalog once for the relations they touch (catalog
 * reads only). A review that cannot run, or a catalog that cannot be read, warns: it never stops the command.
 */
async function prepareReview(versions: Version[], plan: Plan, target: Target | null): Promise<PreparedReview> {
  const pending = plan.pending.map((p) => p.version)
  if (!pending.length) return { statements: [], catalog: null, catalogState: target ? 'read' : 'no-target', unavailable: null }
  let statements: ReviewStatement[]
  try {
    statements = await reviewStatements(versions, pending)
  } catch (error) {
    const message = `PostgreSQL's parser could not be loaded: ${errorMessage(error)}`
    core.warning(logLine(`The review did not run: ${message}`))
    return { statements: [], catalog: null, catalogState: target ? 'failed' : 'no-target', unavailable: message }
  }
  if (!target) return { statements, catalog: null, catalogState: 'no-target', unavailable: null }
  try {
    const catalog = await readCatalogFacts(target, touchedRelations(statements, DEFAULT_SCHEMA))
    return { statements, catalog, catalogState: 'read', unavailable: null }
  } catch (error) {
    core.warning(logLine(`The review could not read the target's catalog, so it judges from the repository alone: ${errorMessage(error)}`))
    return { statements, catalog: null, catalogState: 'failed', unavailable: null }
  }
}

/** The findings of the prepared review, with the trace of verification when it ran. */
function reviewFindings(config: Config, prepared: PreparedReview, trace: ReadonlyMap<string, StatementTrace> | null): ReviewInput {
  let findings: Finding[] = []
  let unavailable = prepared.unavailable
  try {
    if (!unavailable) {
      const context = { catalog: prepared.catalog, trace, defaultSchema: DEFAULT_SCHEMA }
      findings = runRules(prepared.statements, context, { ignoreRules: config.ignoreRules })
    }
  } catch (error) {
    // A fault in a rule must not stop a plan or an apply: it is reported, and the rest goes on.
    unavailable = `a rule failed: ${errorMessage(error)}`
    core.warning(logLine(`The review did not run: ${unavailable}`))
  }
  return {
    findings,
    checked: { rules: RULES.length, catalog: prepared.catalogState, trace: trace !== null },
    pullRequestFilesUrl: pullRequestFilesUrl(),
    unavailable
  }
}

/** Each unwaived finding as an annotation at its file and line, so it shows in the pull request's Files changed. */
function annotate(findings: Finding[]): void {
  for (const annotation of findingAnnotations(findings)) {
    const write = annotation.level === 'error' ? core.error : annotation.level === 'warning' ? core.warning : core.notice
    write(annotation.message, annotation.properties)
  }
}

/** `https://github.com/<owner>/<repo>/pull/<n>/files` on a pull request event; null otherwise. */
function pullRequestFilesUrl(): string | null {
  const number: unknown = github.context.payload.pull_request?.number
  const repo = repository()
  if (!PULL_REQUEST_EVENTS.has(github.context.eventName) || typeof number !== 'number' || !repo) return null
  return `${github.context.serverUrl}/${repo.owner}/${repo.repo}/pull/${number}/files`
}

async function readPlan(config: Config, versions: Version[]): Promise<{ plan: Plan; source: PlanSource; prepared: PreparedReview }> {
  const options = { targetVersion: config.targetVersion, allowOutOfOrder: config.allowOutOfOrder, ...transportLimits(config.target) }
  if (config.target) {
    const target = createTarget(config.target, (message) => info(message), { resumeTimeoutSeconds: config.resumeTimeoutSeconds })
    info(`Target: ${target.description}`)
    try {
      // plan changes nothing: a database without the meta table simply has nothing applied.
      const { rows } = await readHistory(target, config.metaTable)
      const plan = planMigrations(versions, rows, options)
      return { plan, source: { kind: 'database' }, prepared: await prepareReview(versions, plan, target) }
    } finally {
      await target.close().catch(() => undefined)
    }
  }
  const baseSha: unknown = github.context.payload.pull_request?.base?.sha ?? github.context.payload.merge_group?.base_sha
  if (typeof baseSha !== 'string') {
    throw new InputError(
      'resource-arn',
      'no database to plan against and no pull request to compare with: give resource-arn + secret-arn or database-url, or run plan on a pull_request event'
    )
  }
  info(`No target credentials: comparing with the pull request's base commit ${baseSha.slice(0, 12)} instead of the database`)
  const rows = await baseRows(config.workspace, config.migrationsDir, baseSha, versions, (message) => info(message))
  const plan = planMigrations(versions, rows, options)
  return { plan, source: { kind: 'base-branch', baseSha }, prepared: await prepareReview(versions, plan, null) }
}

async function runPlan(config: Config, versions: Version[]): Promise<void> {
  const { plan, source, prepared } = await readPlan(config, versions)
  logPlan(plan)
  for (const refusal of plan.refusals) core.warning(logLine(`apply would refuse: ${clip(refusal, 4_000)}`))

  let verification: Verification | null = null
  if (config.verify) {
    info('Verifying: applying every version from scratch on a throwaway PostgreSQL')
    // Prefixed: these lines speak of the throwaway database, never of the target.
    verification = await verifyOnShadow(versions, {
      shadowDatabaseUrl: config.shadowDatabaseUrl,
      log: (message) => info(`[verify] ${message}`),
      pending: plan.pending.map((p) => p.version)
    })
    if (verification.status === 'unavailable') core.warning(`Verification did not run: ${verification.message}`)
    else info(`Verification ${verification.status} in ${verification.durationMs} ms`)
    // The review then goes on without the trace: it says so in its "checked" line.
    if (verification.traceMessage) core.warning(logLine(verification.traceMessage))
  }
  const ran = verification && verification.status !== 'unavailable' ? verification : null
  const review = reviewFindings(config, prepared, ran?.trace ?? null)
  for (const finding of review.findings) info(`[review] ${findingLogLine(finding)}`)
  annotate(review.findings)

  const body = renderPlanComment({
    environment: config.environment,
    plan,
    versions,
    verification,
    source,
    runUrl: config.run.runUrl,
    sha: config.run.commitSha,
    review,
    schemaChange: ran?.schemaChange ? renderSchemaChange(ran.schemaChange) : null
  })
  await publish(body, {
    currentVersion: plan.currentVersion,
    pending: [...plan.pending.map((p) => p.version), ...plan.deferred],
    applied: [],
    drift: plan.drift.length > 0,
    plan,
    verification: verification?.status ?? 'off',
    findings: review.findings
  })
  await commentOnPullRequest(config, body)

  // After the comment and the outputs: a reviewer sees why the step failed.
  const blocking = blockingFindings(review.findings, config.failOn)
  if (blocking.length) {
    core.error(failOnMessage(blocking, config.failOn), { title: 'Review' })
    process.exitCode = core.ExitCode.Failure
  }

  const failed = verification?.versions.find((v) => v.status === 'failed')
  if (failed?.error) {
    const { file, line, column, message, sqlState } = failed.error
    const text = `v${failed.version} fails on a fresh database at ${file}:${line}:${column}: ${message}${sqlState ? ` (SQLSTATE ${sqlState})` : ''}`
    core.error(text, { title: `Verification of v${failed.version} failed`, file, startLine: line, startColumn: column })
    process.exitCode = core.ExitCode.Failure
  }
}

async function runApply(config: Config, versions: Version[]): Promise<void> {
  const target = createTarget(config.target!, (message) => info(message), { resumeTimeoutSeconds: config.resumeTimeoutSeconds })
  info(`Target: ${target.description}`)
  let result: ApplyResult
  let findings: Finding[]
  try {
    const history = await readHistory(target, config.metaTable)
    findings = await logFindings(
      config,
      versions,
      planMigrations(versions, history.rows, { targetVersion: config.targetVersion, allowOutOfOrder: config.allowOutOfOrder })
    )
    const owner = `${config.run.runUrl ?? 'local run'} (${config.run.actor ?? 'unknown actor'}) #${randomUUID().slice(0, 8)}`
    result = await applyMigrations(target, versions, {
      tables: history.tables,
      history,
      createSchema: config.metaTable.schema !== null,
      targetVersion: config.targetVersion,
      allowOutOfOrder: config.allowOutOfOrder,
      ...transportLimits(config.target),
      run: config.run,
      lease: { owner, ttlSeconds: config.leaseTtlSeconds, waitTimeoutSeconds: config.waitTimeoutSeconds },
      lockTimeoutMs: config.lockTimeoutMs,
      statementTimeoutMs: config.statementTimeoutMs,
      lockRetries: config.lockRetries,
      log: (message) => info(message)
    })
  } finally {
    await target.close().catch(() => undefined)
  }
  const markdown = renderApply(result, { target: config.environment })
  const applied = new Set([...result.plan.appliedVersions, ...result.applied.map((a) => a.version), ...result.appliedElsewhere])
  await publish(markdown, {
    currentVersion: result.toVersion,
    pending: versions.map((v) => v.number).filter((v) => !applied.has(v)),
    applied: result.applied.map((a) => a.version),
    drift: result.plan.drift.length > 0,
    plan: result.plan,
    verification: 'off',
    findings
  })
  await reportDeploy(config, result)
  if (result.error) throw result.error
  if (result.applied.length) info(`Applied ${versionList(result.applied.map((a) => a.version))}: now at v${result.toVersion}`)
  else info(`Nothing to apply: at v${result.toVersion}`)
}

/**
 * apply does not judge again what the pull request's review judged: it logs the findings it sees in the
 * pending versions, from the repository alone (no extra call to the target), and never fails on them.
 */
async function logFindings(config: Config, versions: Version[], plan: Plan): Promise<Finding[]> {
  const prepared = await prepareReview(versions, plan, null)
  const { findings } = reviewFindings(config, prepared, null)
  if (findings.length) info(`The review of the pending versions (repository only; apply does not fail on it):`)
  for (const finding of findings) info(`[review] ${findingLogLine(finding)}`)
  return findings
}

/** validate, baseline and repair: each reads or writes the meta table only, never migration SQL. */
async function runOperation(config: Config, versions: Version[]): Promise<void> {
  const target = createTarget(config.target!, (message) => info(message), { resumeTimeoutSeconds: config.resumeTimeoutSeconds })
  info(`Target: ${target.description}`)
  const log = (message: string): void => info(message)
  const planOptions = { targetVersion: config.targetVersion, allowOutOfOrder: config.allowOutOfOrder, ...transportLimits(config.target) }
  const owner = `${config.run.runUrl ?? 'local run'} (${config.run.actor ?? 'unknown actor'}) #${randomUUID().slice(0, 8)}`
  const lease = { owner, ttlSeconds: config.leaseTtlSeconds, waitTimeoutSeconds: config.waitTimeoutSeconds }
  let lines: string[]
  let failure: string | null = null
  let plan: Plan | null = null
  let findings: Finding[] | null = null
  try {
    const tables = await resolveMetaTables(target, config.metaTable)
    if (config.command === 'validate') {
      const result = await validate(target, versions, { tables, ...planOptions })
      plan = result.plan
      lines = result.problems.length
        ? fitLines(
            result.problems.map((p) => `- ❗ ${p}`),
            30_000,
            (hidden) => `- … and ${hidden} more`
          )
        : [`✅ No drift, missing, out-of-order or partly applied versions; database at **v${result.plan.currentVersion}**.`]
      if (result.problems.length) failure = `validate found ${result.problems.length} problem(s): ${result.problems.join(' ')}`
      // The same review as plan's, with the target's catalog; without verification, so without the trace.
      const review = reviewFindings(config, await prepareReview(versions, result.plan, target), null)
      findings = review.findings
      if (result.plan.pending.length) lines.push('', ...renderReview(review))
      annotate(findings)
    } else if (config.command === 'baseline') {
      const result = await baseline(target, versions, {
        tables,
        createSchema: config.metaTable.schema !== null,
        run: config.run,
        lease,
        log,
        baselineVersion: config.baselineVersion,
        from: config.baselineFrom
      })
      lines = [`✅ Recorded ${versionList(result.recorded)} as applied without running them.`]
    } else {
      const result = await repair(target, versions, { tables, run: config.run, lease, log })
      lines = [
        ...fitLines(
          result.accepted.map((a) => `- Accepted the current checksums of v${a.version}: ${a.files.map((f) => `\`${f}\``).join(', ')}`),
          30_000,
          (hidden) => `- … and ${hidden} more`
        ),
        ...(result.clearedLease ? [`- Cleared the stale lease of ${result.clearedLease}`] : [])
      ]
      if (!lines.length) lines = ['✅ Nothing to repair: no drift and no stale lease.']
    }
  } finally {
    await target.close().catch(() => undefined)
  }
  const markdown = [`### aurora-migrate ${config.command} · ${config.environment}`, '', ...lines, ''].join('\n')
  core.setOutput('summary', boundedSummary(markdown))
  if (plan) {
    core.setOutput('current-version', String(plan.currentVersion))
    core.setOutput('pending', JSON.stringify(plan.pending.map((p) => p.version)))
    core.setOutput('drift', String(plan.drift.length > 0))
    core.setOutput('plan', planOutput(plan))
  }
  if (findings) core.setOutput('findings', findingsOutput(findings, PLAN_OUTPUT_LIMIT))
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(boundedSummary(markdown)).write()
  else logBlock(markdown, (text) => core.info(text))
  if (failure) {
    core.error(failure, { title: 'Migrations are not valid' })
    process.exitCode = core.ExitCode.Failure
  }
}

function logPlan(plan: Plan): void {
  if (!plan.pending.length) {
    info(`Up to date at v${plan.currentVersion}: nothing pending`)
    return
  }
  info(`Current version v${plan.currentVersion}; pending:`)
  // A file's own BEGIN … COMMIT is not sent: the version already runs in one transaction.
  const describe = (f: PlannedFile): string => `${f.name} (${f.statements}${f.transactionWrapper ? ', its BEGIN/COMMIT left out' : ''})`
  for (const version of plan.pending) info(`  v${version.version}: ${version.files.map(describe).join(', ')}`)
}

interface Outputs {
  currentVersion: number
  pending: number[]
  applied: number[]
  drift: boolean
  plan: Plan
  verification: Verification['status'] | 'off'
  findings: Finding[]
}

async function publish(markdown: string, outputs: Outputs): Promise<void> {
  core.setOutput('current-version', String(outputs.currentVersion))
  core.setOutput('pending', JSON.stringify(outputs.pending))
  core.setOutput('applied', JSON.stringify(outputs.applied))
  core.setOutput('drift', String(outputs.drift))
  core.setOutput('plan', planOutput(outputs.plan))
  core.setOutput('verification', outputs.verification)
  core.setOutput('findings', findingsOutput(outputs.findings, PLAN_OUTPUT_LIMIT))
  core.setOutput('summary', boundedSummary(markdown))
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(boundedSummary(markdown)).write()
  else logBlock(markdown, (text) => core.info(text))
}

function repository(): RepoRef | null {
  try {
    return github.context.repo
  } catch {
    return null
  }
}

/** The sticky plan comment: one per environment, edited in place on every push. Never fails the step. */
async function commentOnPullRequest(config: Config, body: string): Promise<void> {
  if (!config.comment) return
  const number: unknown = github.context.payload.pull_request?.number
  const repo = repository()
  if (!PULL_REQUEST_EVENTS.has(github.context.eventName) || typeof number !== 'number' || !repo) {
    // merge_group runs (the merge queue) have no single pull request to comment on: the summary tells.
    info(`No pull request comment: the ${github.context.eventName || 'local'} event has no pull request`)
    return
  }
  if (!config.githubToken) {
    core.warning('No pull request comment: github-token is empty')
    return
  }
  const marker = stickyMarker('plan', config.environment)
  const outcome = await upsertStickyComment(github.getOctokit(config.githubToken), repo, number, marker, `${marker}\n${body}`)
  if (outcome.action === 'failed') core.warning(outcome.warning)
  else {
    info(`Plan comment ${outcome.action}: ${outcome.url}`)
    core.setOutput('comment-url', outcome.url)
  }
}

/** After an apply: a comment on the pull requests the commit came from, and a deployment status. */
async function reportDeploy(config: Config, result: ApplyResult): Promise<void> {
  const repo = repository()
  if (!config.githubToken || !repo) return
  const octokit = github.getOctokit(config.githubToken)
  const line = deploySummaryLine(result, config.environment)

  const deploymentId =
    config.deploymentId ?? (github.context.eventName === 'deployment' ? Number(github.context.payload.deployment?.id) || null : null)
  if (deploymentId) {
    const posted = await postDeploymentStatus(octokit, repo, deploymentId, {
      state: result.error ? 'failure' : 'success',
      description: line,
      logUrl: config.run.runUrl,
      environment: config.environment
    })
    if (posted.warning) core.warning(posted.warning)
    else info(`Deployment ${deploymentId}: ${result.error ? 'failure' : 'success'}`)
  }

  const worthSaying = result.applied.length > 0 || result.error !== null
  if (!config.comment || !worthSaying || !DEPLOY_EVENTS.has(github.context.eventName) || !config.run.commitSha) return
  const { numbers, warning } = await pullRequestsForCommit(octokit, repo, config.run.commitSha)
  if (warning) core.warning(warning)
  const body = renderDeployComment({ environment: config.environment, result, runUrl: config.run.runUrl, sha: config.run.commitSha })
  // One comment per environment and run: a re-run attempt of the same run edits it.
  const marker = stickyMarker('deploy', `${config.environment}:${process.env.GITHUB_RUN_ID ?? 'local'}`)
  for (const number of numbers) {
    const outcome = await upsertStickyComment(octokit, repo, number, marker, `${marker}\n${body}`)
    if (outcome.action === 'failed') core.warning(outcome.warning)
    else info(`Deploy comment ${outcome.action} on #${number}: ${outcome.url}`)
  }
}

function fail(error: unknown): void {
  const message = errorMessage(error)
  if (error instanceof StatementFailedError) {
    core.error(message, {
      title: `Migration v${error.version} failed`,
      file: error.location.file,
      startLine: error.location.line,
      startColumn: error.location.column
    })
  } else if (error instanceof MigrationFileError) {
    core.error(message, {
      title: 'Migration files',
      file: error.location.file,
      startLine: error.location.line,
      startColumn: error.location.column
    })
  } else if (error instanceof InputError) {
    core.error(message, { title: `Input ${error.input}` })
  } else {
    core.error(message)
  }
  // setFailed would print the message as a second error line: the annotation above is the one.
  process.exitCode = core.ExitCode.Failure
}
