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
import { boundedSummary, planOutput } from './report/outputs.js'
import { logBlock, logLine } from './printable.js'
import { verifyOnShadow, type Verification } from './shadow/verify.js'
import { createTarget, transportLimits } from './targets/create.js'

/** Events whose payload names the pull request a plan comment belongs to. */
const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])
/** Events after which a deploy comments on the pull requests its commit came from. */
const DEPLOY_EVENTS = new Set(['push', 'workflow_dispatch', 'release', 'deployment', 'schedule'])

/** Every log line goes through here: names and messages from a pull request cannot inject workflow commands. */
function info(message: string): void {
  core.info(logLine(message))
}

export async function run(): Promise<void> {
  try {
    const config = readConfig({ getInput: (name) => core.getInput(name), env: process.env, setSecret: core.setSecret })
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

async function readPlan(config: Config, versions: Version[]): Promise<{ plan: Plan; source: PlanSource }> {
  const options = { targetVersion: config.targetVersion, allowOutOfOrder: config.allowOutOfOrder, ...transportLimits(config.target) }
  if (config.target) {
    const target = createTarget(config.target, (message) => info(message), { resumeTimeoutSeconds: config.resumeTimeoutSeconds })
    info(`Target: ${target.description}`)
    try {
      // plan changes nothing: a database without the meta table simply has nothing applied.
      const { rows } = await readHistory(target, config.metaTable)
      return { plan: planMigrations(versions, rows, options), source: { kind: 'database' } }
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
  return { plan: planMigrations(versions, rows, options), source: { kind: 'base-branch', baseSha } }
}

async function runPlan(config: Config, versions: Version[]): Promise<void> {
  const { plan, source } = await readPlan(config, versions)
  logPlan(plan)
  for (const refusal of plan.refusals) core.warning(logLine(`apply would refuse: ${clip(refusal, 4_000)}`))

  let verification: Verification | null = null
  if (config.verify) {
    info('Verifying: applying every version from scratch on a throwaway PostgreSQL')
    // Prefixed: these lines speak of the throwaway database, never of the target.
    verification = await verifyOnShadow(versions, {
      shadowDatabaseUrl: config.shadowDatabaseUrl,
      log: (message) => info(`[verify] ${message}`)
    })
    if (verification.status === 'unavailable') core.warning(`Verification did not run: ${verification.message}`)
    else info(`Verification ${verification.status} in ${verification.durationMs} ms`)
  }

  const body = renderPlanComment({
    environment: config.environment,
    plan,
    versions,
    verification,
    source,
    runUrl: config.run.runUrl,
    sha: config.run.commitSha
  })
  await publish(body, {
    currentVersion: plan.currentVersion,
    pending: [...plan.pending.map((p) => p.version), ...plan.deferred],
    applied: [],
    drift: plan.drift.length > 0,
    plan,
    verification: verification?.status ?? 'off'
  })
  await commentOnPullRequest(config, body)

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
  try {
    const history = await readHistory(target, config.metaTable)
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
    verification: 'off'
  })
  await reportDeploy(config, result)
  if (result.error) throw result.error
  if (result.applied.length) info(`Applied ${versionList(result.applied.map((a) => a.version))}: now at v${result.toVersion}`)
  else info(`Nothing to apply: at v${result.toVersion}`)
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
}

async function publish(markdown: string, outputs: Outputs): Promise<void> {
  core.setOutput('current-version', String(outputs.currentVersion))
  core.setOutput('pending', JSON.stringify(outputs.pending))
  core.setOutput('applied', JSON.stringify(outputs.applied))
  core.setOutput('drift', String(outputs.drift))
  core.setOutput('plan', planOutput(outputs.plan))
  core.setOutput('verification', outputs.verification)
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
