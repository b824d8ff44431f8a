/**
 * The action: inputs → migrations → the command (src/commands, shared with the command line in src/cli)
 * → outputs, job summary, pull request comments and deployment statuses. The one place that fails the
 * step: each error becomes one annotation at the file and line it concerns.
 */
import * as core from '@actions/core'
import * as github from './github-context.js'
import { runApply } from './commands/apply.js'
import { runDrift } from './commands/drift.js'
import { dialectOf, resolveEngine } from './commands/dialect.js'
import { runOperation } from './commands/operations.js'
import { cancelOnSignals, fleetRunLine, loadFleet, matrixNames, runFleetApply, type FleetReporter } from './commands/fleet.js'
import { runFleetPlan } from './commands/fleet-plan.js'
import { runPlan, type CommandFailure } from './commands/plan.js'
import { planSqlScript } from './commands/sql-script.js'
import type { Reporter } from './commands/reporter.js'
import { knownRuleIds, showFindings } from './commands/review.js'
import { type Config, type ConfigSources } from './config.js'
import { actionSettingsFile } from './settings/find-settings.js'
import { readSettledConfig } from './settings/settled-config.js'
import type { ApplyResult } from './engine/apply.js'
import { InputError, MigrationFileError, StatementFailedError, errorMessage } from './errors.js'
import { discoverMigrations } from './migrations/discover.js'
import type { Version } from './migrations/types.js'
import { logBlock, logLine } from './printable.js'
import { deploySummaryLine, renderDeployComment } from './report/deploy-comment.js'
import { postDeploymentStatus, pullRequestsForCommit, stickyMarker, upsertStickyComment, type RepoRef } from './report/github.js'
import { versionList } from './report/markdown.js'
import { PLAN_OUTPUT_LIMIT, boundedSummary, planOutput, type RunOutputs } from './report/outputs.js'
import { fleetApplyLine, renderFleetApply } from './report/fleet-apply.js'
import { matrixOutput, runsOutput } from './report/fleet-outputs.js'
import { renderRefusedPlanComment } from './report/refused.js'
import { findingsOutput } from './report/review.js'
import { checkEventConflicts, VersionConflictError } from './commands/version-conflicts.js'
import { renderVersionConflictComment } from './report/version-conflict.js'

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
    const inputs: ConfigSources = {
      getInput: (name) => core.getInput(name),
      env: process.env,
      setSecret: core.setSecret,
      ruleIds: knownRuleIds(),
      warning: (input, message) => core.warning(logLine(`Input '${input}': ${message}`))
    }
    // The settings file (aurora-migrate.yml) under the inputs, over the defaults.
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd()
    const settled = readSettledConfig(inputs, actionSettingsFile(inputs.getInput, workspace, inputs.ruleIds), workspace)
    const { config, sources } = settled
    if (settled.file) info(`Settings: ${settled.file.file}${settled.environment ? ` (environment ${settled.environment})` : ''}`)
    await checkVersionNumbers(config)
    if (config.fleet) return await fleetStep(config, sources)
    await resolveEngine(config, info)
    const { versions, warnings } = await discover(config)
    for (const warning of warnings) core.warning(logLine(warning))
    info(
      `Found ${versions.length} ${versions.length === 1 ? 'version' : 'versions'} in ${config.migrationsDir}${versions.length ? `: v${versions[0].number}…v${versions[versions.length - 1].number}` : ''}`
    )
    if (config.command === 'plan') await planStep(config, versions)
    else if (config.command === 'apply') await applyStep(config, versions)
    else if (config.command === 'drift') await driftStep(config, versions)
    else await operationStep(config, versions)
  } catch (error) {
    fail(error)
  }
}

/**
 * Before anything else, no database asked anything: on a pull request or merge queue event, a version the
 * branch adds whose number its base branch has gained too. plan says so in its comment.
 */
async function checkVersionNumbers(config: Config): Promise<void> {
  if (config.command !== 'plan' && config.command !== 'validate') return
  try {
    await checkEventConflicts(config, github.context.eventName, github.context.payload, reporter)
  } catch (error) {
    if (config.command === 'plan' && error instanceof VersionConflictError) {
      const markdown = renderVersionConflictComment({
        environment: config.environment,
        error,
        runUrl: config.run.runUrl,
        sha: config.run.commitSha
      })
      await publish(markdown, null)
      await commentOnPullRequest(config, markdown)
    }
    throw error
  }
}

/**
 * The migrations on disk. When plan finds the files refused (apply would refuse the same files with the same
 * message), the comment and summary say so before the step fails: a reviewer never reads an earlier push's verdict.
 */
async function discover(config: Config): Promise<Awaited<ReturnType<typeof discoverMigrations>>> {
  try {
    return await discoverMigrations(dialectOf(config).syntax, config.migrationsDir, config.workspace)
  } catch (error) {
    if (config.command === 'plan' && error instanceof MigrationFileError) {
      const markdown = renderRefusedPlanComment({
        environment: config.environment,
        message: errorMessage(error),
        file: error.location.file,
        runUrl: config.run.runUrl,
        sha: config.run.commitSha
      })
      await publish(markdown, null)
      await commentOnPullRequest(config, markdown)
    }
    throw error
  }
}

/** The action's reporter: log lines through `info`, warnings and annotations through @actions/core. */
const reporter: Reporter = {
  info,
  warning: (message) => core.warning(logLine(message)),
  annotate: (level, message, where) => {
    const write = level === 'error' ? core.error : level === 'warning' ? core.warning : core.notice
    write(logLine(message), where)
  },
  findings: (findings, show) => showFindings(reporter, findings, show)
}

/** `https://github.com/<owner>/<repo>/pull/<n>/files` on a pull request event; null otherwise. */
function pullRequestFilesUrl(): string | null {
  const number: unknown = github.context.payload.pull_request?.number
  const repo = repository()
  if (!PULL_REQUEST_EVENTS.has(github.context.eventName) || typeof number !== 'number' || !repo) return null
  return `${github.context.serverUrl}/${repo.owner}/${repo.repo}/pull/${number}/files`
}

function baseSha(): string | null {
  const sha: unknown = github.context.payload.pull_request?.base?.sha ?? github.context.payload.merge_group?.base_sha
  return typeof sha === 'string' ? sha : null
}

/** Failures said last, after the comment and the outputs: a reviewer sees why the step failed. */
function failWith(failures: CommandFailure[]): void {
  for (const failure of failures) core.error(failure.message, failure.where)
  if (failures.length) process.exitCode = core.ExitCode.Failure
}

async function planStep(config: Config, versions: Version[]): Promise<void> {
  const outcome = await runPlan(config, versions, { baseSha: baseSha(), pullRequestFilesUrl: pullRequestFilesUrl() }, reporter)
  // sql-output: the SQL script of what apply would send, written to the file (src/sql-script).
  const script = config.sqlOutput ? await planSqlScript(config, versions, reporter) : null
  await publish(outcome.markdown, outcome.outputs)
  await commentOnPullRequest(config, outcome.markdown)
  failWith([...outcome.failures, ...(script?.failure ? [script.failure] : [])])
}

async function applyStep(config: Config, versions: Version[]): Promise<void> {
  const { result, markdown, outputs } = await runApply(config, versions, reporter)
  await publish(markdown, outputs)
  await reportDeploy(config, result)
  if (result.error) throw result.error
  if (result.applied.length) info(`Applied ${versionList(result.applied.map((a) => a.version))}: now at v${result.toVersion}`)
  else info(`Nothing to apply: at v${result.toVersion}`)
}

/** Drift over a fleet: one target per job (the `matrix` output's jobs, each passing its name as `only`). */
async function fleetDriftStep(fleet: Awaited<ReturnType<typeof loadFleet>>, versions: Version[]): Promise<void> {
  if (fleet.targets.length !== 1) {
    throw new InputError(
      'only',
      `drift reads one target's catalog per run, and only picks ${fleet.targets.length} targets of ${fleet.file}: run one job per target (the matrix output) with its name as only`
    )
  }
  await driftStep(fleet.configs.get(fleet.targets[0].name)!, versions)
}

/** Drift: the `schema-drift` output and the summary; the step fails (exit code 3) when the database drifted. */
async function driftStep(config: Config, versions: Version[]): Promise<void> {
  const outcome = await runDrift(config, versions, reporter)
  core.setOutput('schema-drift', outcome.output)
  await publish(outcome.markdown, null)
  const count = outcome.report.differences.length
  if (count) {
    core.error(
      `Drift: ${count} ${count === 1 ? 'difference' : 'differences'} between the database and its migrations (see the job summary)`
    )
    process.exitCode = 3
  }
}

async function operationStep(config: Config, versions: Version[]): Promise<void> {
  const { markdown, outputs, failures } = await runOperation(config, versions, reporter)
  await publish(markdown, outputs)
  failWith(failures)
}

/** The run's outputs (those it has: validate, baseline and repair set fewer), then the job summary. */
async function publish(markdown: string, outputs: RunOutputs | null): Promise<void> {
  if (outputs) {
    core.setOutput('current-version', String(outputs.currentVersion))
    core.setOutput('pending', JSON.stringify(outputs.pending))
    if (outputs.applied) core.setOutput('applied', JSON.stringify(outputs.applied))
    core.setOutput('drift', String(outputs.drift))
    core.setOutput('plan', planOutput(outputs.plan))
    if (outputs.verification) core.setOutput('verification', outputs.verification)
    if (outputs.findings) core.setOutput('findings', findingsOutput(outputs.findings, PLAN_OUTPUT_LIMIT))
  }
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
  const outcome = await upsertStickyComment(await github.getOctokit(config.githubToken), repo, number, marker, `${marker}\n${body}`)
  if (outcome.action === 'failed') core.warning(outcome.warning)
  else {
    info(`Plan comment ${outcome.action}: ${outcome.url}`)
    core.setOutput('comment-url', outcome.url)
  }
}

/** After an apply: a comment on the pull requests the commit came from, and a deployment status. */
async function reportDeploy(config: Config, result: ApplyResult): Promise<void> {
  await postDeploy(config, {
    failed: result.error !== null,
    line: deploySummaryLine(result, config.environment),
    worthSaying: result.applied.length > 0 || result.error !== null,
    body: () =>
      renderDeployComment({
        environment: config.environment,
        result,
        runUrl: config.run.runUrl,
        sha: config.run.commitSha,
        server: config.server ?? null
      })
  })
}

/**
 * What a deploy (one target's or a fleet's) reports on GitHub: a deployment status with its one line, and, when
 * there is something to say, a comment (`body`, rendered only then) on the pull requests the commit came from.
 */
async function postDeploy(
  config: Config,
  deploy: { failed: boolean; line: string; worthSaying: boolean; body: () => string }
): Promise<void> {
  const repo = repository()
  if (!config.githubToken || !repo) return
  // The GitHub client is loaded only when something is posted.
  const octokit = lazyOctokit(config.githubToken)
  const state = deploy.failed ? 'failure' : 'success'
  const deploymentId =
    config.deploymentId ?? (github.context.eventName === 'deployment' ? Number(github.context.payload.deployment?.id) || null : null)
  if (deploymentId) {
    const posted = await postDeploymentStatus(await octokit(), repo, deploymentId, {
      state,
      description: deploy.line,
      logUrl: config.run.runUrl,
      environment: config.environment
    })
    if (posted.warning) core.warning(posted.warning)
    else info(`Deployment ${deploymentId}: ${state}`)
  }

  if (!config.comment || !deploy.worthSaying || !DEPLOY_EVENTS.has(github.context.eventName) || !config.run.commitSha) return
  const { numbers, warning } = await pullRequestsForCommit(await octokit(), repo, config.run.commitSha)
  if (warning) core.warning(warning)
  const body = deploy.body()
  // One comment per environment and run: a re-run attempt of the same run edits it.
  const marker = stickyMarker('deploy', `${config.environment}:${process.env.GITHUB_RUN_ID ?? 'local'}`)
  for (const number of numbers) {
    const outcome = await upsertStickyComment(await octokit(), repo, number, marker, `${marker}\n${body}`)
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

/** Where a fleet target's own lines go: the log, each prefixed with the target's name. */
const fleetReporter: FleetReporter = {
  ...reporter,
  target: (name) => ({
    info: (message) => info(`[${name}] ${message}`),
    warning: (message) => core.warning(logLine(`[${name}] ${message}`)),
    annotate: (level, message, where) => reporter.annotate(level, `[${name}] ${message}`, where),
    findings: () => undefined
  })
}

/**
 * A fleet (input `targets`): the file read and expanded, `matrix` set, then plan (one comment) or apply (one
 * summary, `runs`). A cancelled run (SIGINT, SIGTERM) starts no new target; running ones finish their version.
 */
async function fleetStep(config: Config, sources: ConfigSources): Promise<void> {
  const fleet = await loadFleet(config, sources, reporter)
  const matrix = matrixOutput(matrixNames(fleet))
  core.setOutput('matrix', matrix.json)
  if (matrix.cut) core.warning(`The matrix output lists the first 256 targets (GitHub's limit per matrix); ${matrix.cut} more are left out`)
  if (config.command === 'targets') {
    info(
      `${fleet.file}: ${fleet.targets.length} ${fleet.targets.length === 1 ? 'target' : 'targets'}: ${fleet.targets.map((t) => t.name).join(', ')}`
    )
    return
  }
  const { versions, warnings } = await discover(config)
  for (const warning of warnings) core.warning(logLine(warning))
  if (config.command === 'drift') return await fleetDriftStep(fleet, versions)
  const cancel = cancelOnSignals((message) => core.warning(message))
  try {
    if (config.command === 'plan') {
      const outcome = await runFleetPlan(fleet, versions, fleetReporter, { signal: cancel.signal })
      await publish(outcome.markdown, null)
      await commentOnPullRequest(config, outcome.markdown)
      failWith(outcome.failures)
      return
    }
    const { report, failed } = await runFleetApply(fleet, versions, fleetReporter, {
      signal: cancel.signal,
      finished: (run, done, total) => info(`[${done}/${total}] ${fleetRunLine(run)}`)
    })
    core.setOutput('runs', runsOutput(report.runs))
    const markdown = renderFleetApply(report)
    await publish(markdown, null)
    await postDeploy(config, {
      failed: failed.length > 0 || report.cancelled,
      line: fleetApplyLine(report),
      worthSaying: failed.length > 0 || report.cancelled || report.runs.some((run) => run.applied.length > 0),
      body: () => markdown
    })
    for (const run of failed) {
      core.error(logLine(`${run.name}: ${run.error ?? run.status}`), {
        title: `Fleet target ${run.name} ${run.status}`,
        ...(run.location ? { file: run.location.file, startLine: run.location.line, startColumn: run.location.column } : {})
      })
    }
    if (failed.length || report.cancelled) process.exitCode = core.ExitCode.Failure
  } finally {
    cancel.release()
  }
}

/** The GitHub client for a token, created (and its code loaded) on first use only. */
function lazyOctokit(token: string): () => ReturnType<typeof github.getOctokit> {
  let client: ReturnType<typeof github.getOctokit> | null = null
  return () => (client ??= github.getOctokit(token))
}
