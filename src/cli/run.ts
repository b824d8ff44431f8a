/**
 * `aurora-migrate`: the action's commands on a developer's machine or in any CI. The options are the
 * action's inputs (src/options.ts), validated by the same readConfig; the commands are the action's
 * (src/commands); only the surroundings differ: no pull request comment, output for a person on stderr or
 * one JSON document on stdout (`--json`), and exit codes a script can branch on.
 */
import { runApply } from '../commands/apply.js'
import { runDrift } from '../commands/drift.js'
import { dialectOf, resolveEngine } from '../commands/dialect.js'
import { newVersion } from '../commands/new-version.js'
import { runOperation } from '../commands/operations.js'
import { readTargetHistory } from '../commands/history.js'
import { runPlan, type CommandFailure } from '../commands/plan.js'
import { runStatus, statusText } from '../commands/status.js'
import { knownRuleIds, pendingOf, prepareReview, reviewBlocking, reviewFindings, syntaxFailures } from '../commands/review.js'
import { withTarget } from '../commands/target.js'
import { checkCliConflicts } from '../commands/version-conflicts.js'
import { type Config, type ConfigSources } from '../config.js'
import { readSettledConfig } from '../settings/settled-config.js'
import { cliSettings } from './cli-settings.js'
import { fleetCommand } from './fleet.js'
import { renumberCommand } from './renumber.js'
import { InputError, MigrationFileError, StatementFailedError, errorMessage } from '../errors.js'
import { discoverMigrations } from '../migrations/discover.js'
import type { Version } from '../migrations/types.js'
import { planMigrations } from '../plan.js'
import { PLAN_OUTPUT_LIMIT, planOutput, type RunOutputs } from '../report/outputs.js'
import { failOnMessage, findingsOutput } from '../report/review.js'
import type { Finding } from '../review/types.js'
import path from 'node:path'
import { parseArgs, UsageError, type CliCommand, type ParsedArgs } from './args.js'
import { helpText } from './help.js'
import { localIdentity } from './identity.js'
import { cliWorkspace } from './workspace.js'
import { Masker, Terminal, type Stream } from './terminal.js'
import { asFlags } from './words.js'
import { planSqlScript } from '../commands/sql-script.js'

export { asFlags } from './words.js'

export const EXIT = { ok: 0, failed: 1, usage: 2, pending: 3 } as const

export interface CliIo {
  stdout: Stream
  stderr: Stream
  env: NodeJS.ProcessEnv
  cwd: string
  version: string
}

const TARGET_INPUTS = ['database-url', 'resource-arn', 'secret-arn', 'lambda-function']
/** What a command produced, for the JSON document and the exit code. */
interface Result {
  code: number
  document: Record<string, unknown>
  /** What the command writes on stdout when --json is not given (plan --markdown: the comment). */
  stdout?: string
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const masker = new Masker()
  let parsed: ParsedArgs
  try {
    parsed = parseArgs(argv)
  } catch (error) {
    return usage(io, argv.includes('--json'), errorMessage(error))
  }
  if (parsed.version) {
    io.stdout.write(parsed.json ? `${JSON.stringify({ version: io.version })}\n` : `${io.version}\n`)
    return EXIT.ok
  }
  if (parsed.help || !parsed.command) {
    const text = helpText(parsed.command, io.version)
    if (parsed.help) {
      io.stdout.write(`${text}\n`)
      return EXIT.ok
    }
    io.stderr.write(`${text}\n`)
    return EXIT.usage
  }
  const command = parsed.command
  const colour = !parsed.noColor && !('NO_COLOR' in io.env && io.env.NO_COLOR !== '') && Boolean(io.stderr.isTTY)
  const terminal = new Terminal(io.stderr, masker, { colour, progress: !parsed.json })
  try {
    const result = await runCommand(command, parsed, io, masker, terminal)
    if (parsed.json) io.stdout.write(`${masker.mask(JSON.stringify({ command, ...result.document, exitCode: result.code }))}\n`)
    else if (result.stdout !== undefined) io.stdout.write(`${masker.mask(result.stdout)}\n`)
    return result.code
  } catch (error) {
    const code = error instanceof UsageError || error instanceof InputError ? EXIT.usage : EXIT.failed
    const message =
      error instanceof InputError
        ? `${error.input === 'description' ? 'description' : `--${error.input}`}: ${asFlags(error.detail)}`
        : error instanceof UsageError
          ? error.message
          : asFlags(errorMessage(error))
    const location = error instanceof StatementFailedError || error instanceof MigrationFileError ? error.location : null
    if (location) terminal.annotate('error', message, { file: location.file, startLine: location.line, startColumn: location.column })
    else terminal.line(`${terminal.paint('red', 'error:')} ${terminal.clean(message)}`)
    if (parsed.json) {
      const document = { command, error: { message, kind: code === EXIT.usage ? 'usage' : 'failed', location }, exitCode: code }
      io.stdout.write(`${masker.mask(JSON.stringify(document))}\n`)
    }
    return code
  } finally {
    terminal.close()
  }
}

function usage(io: CliIo, json: boolean, message: string): number {
  io.stderr.write(`aurora-migrate: ${message}\n`)
  if (json) io.stdout.write(`${JSON.stringify({ error: { message, kind: 'usage', location: null }, exitCode: EXIT.usage })}\n`)
  return EXIT.usage
}

/** The action input `command` this command line's command runs as. */
function actionCommand(command: CliCommand, parsed: ParsedArgs): Config['command'] {
  // status reads the history only; it is read as plan (no database write, a target optional to readConfig).
  if (command === 'status' || command === 'review' || (command === 'apply' && parsed.dryRun)) return 'plan'
  if (command === 'targets') return 'targets'
  if (command === 'new' || command === 'renumber') return 'plan'
  return command
}

function readCliConfig(
  command: CliCommand,
  parsed: ParsedArgs,
  io: CliIo,
  masker: Masker,
  terminal: Terminal
): { config: Config; sources: ConfigSources } {
  const inputs = new Map(parsed.inputs)
  // The settings file (aurora-migrate.yml) under the flags, and .env under the environment (settings/cli-settings.ts).
  const { file, env, fileGivesConnection, migrationsDirSetting } = cliSettings(inputs, io, knownRuleIds())
  // A folder outside the current one is fine here (the action keeps it inside the workspace).
  const { workspace, migrationsDir } = cliWorkspace(migrationsDirSetting || 'migrations/resources', io.cwd, env)
  inputs.set('migrations-dir', migrationsDir)
  // A fleet's connections are in its targets file: DATABASE_URL is not read for it; nor when the settings file gives one.
  if (
    !TARGET_INPUTS.some((name) => inputs.has(name)) &&
    !inputs.has('targets') &&
    command !== 'targets' &&
    (parsed.urlEnv || !fileGivesConnection)
  ) {
    const variable = parsed.urlEnv ?? 'DATABASE_URL'
    const url = env[variable]
    if (url) inputs.set('database-url', url)
    else if (parsed.urlEnv) throw new UsageError(`--url-env: the environment variable ${variable} is not set`)
  }
  if (command === 'review') inputs.set('verify', 'false')
  const sources: ConfigSources = {
    getInput: (name) => (name === 'command' ? actionCommand(command, parsed) : (inputs.get(name) ?? '')),
    // The command line works in the folder it is run from, also on a CI runner that sets GITHUB_WORKSPACE.
    env: { ...env, GITHUB_WORKSPACE: workspace },
    setSecret: (secret) => masker.add(secret),
    ruleIds: knownRuleIds(),
    warning: (input, message) => terminal.warning(`--${input}: ${asFlags(message)}`)
  }
  const settled = readSettledConfig(sources, file, workspace)
  if (file) terminal.info(`Settings: ${file.file}${settled.environment ? ` (environment ${settled.environment})` : ''}`)
  return { config: settled.config, sources: settled.sources }
}

function needsTarget(config: Config, command: CliCommand): void {
  if (config.target) return
  throw new UsageError(
    `--database-url: ${command} needs a database: give --database-url (or set DATABASE_URL), --resource-arn with --secret-arn (RDS Data API), or --lambda-function`
  )
}

async function runCommand(command: CliCommand, parsed: ParsedArgs, io: CliIo, masker: Masker, terminal: Terminal): Promise<Result> {
  if (command === 'new') return newCommand(parsed, io, terminal)
  if (command === 'renumber') {
    const { config, sources } = readCliConfig(command, parsed, io, masker, terminal)
    return renumberCommand(config, sources, parsed, terminal)
  }
  if (parsed.args.length && command !== 'review') throw new UsageError(`${command} takes no arguments (got '${parsed.args[0]}')`)
  const { config, sources } = readCliConfig(command, parsed, io, masker, terminal)
  if (config.fleet && parsed.sql) throw new UsageError('--sql is for one database, not a fleet (--targets): plan each target on its own')
  if (command === 'plan' || command === 'validate') await checkCliConflicts(config, io.env, terminal)
  if (config.fleet) return fleetCommand(config, sources, command, parsed, terminal)
  await resolveEngine(config, (message) => terminal.info(message))
  const { versions, warnings } = await discoverMigrations(dialectOf(config).syntax, config.migrationsDir, config.workspace)
  for (const warning of warnings) terminal.warning(warning)
  if (command === 'review') return reviewCommand(config, versions, parsed, terminal)
  needsTarget(config, command)
  if (command === 'status') return statusCommand(config, versions, parsed, terminal)
  if (command === 'drift') return driftCommand(config, versions, terminal)
  // plan --sql / --sql-output: the script's meta rows say who made it, as apply's would.
  const scripted = config.command === 'plan' && (parsed.sql || Boolean(config.sqlOutput))
  if (config.command === 'apply' || config.command === 'baseline' || config.command === 'repair' || scripted) {
    // Who applied and from which commit, for the meta table (the action has GITHUB_ACTOR and GITHUB_SHA).
    const cwd = path.resolve(config.workspace, config.migrationsDir)
    config.run = await localIdentity(config.run, { cwd, env: io.env })
  }
  if (config.command === 'plan') return planCommand(config, versions, parsed, terminal)
  if (config.command === 'apply') return applyCommand(config, versions, terminal)
  return operationCommand(config, versions, terminal)
}

function failuresOut(failures: CommandFailure[], terminal: Terminal): void {
  for (const failure of failures) terminal.annotate('error', asFlags(failure.message), failure.where)
}

/** The run's outputs as the action writes them (the same functions bound `plan` and `findings`), parsed into one document. */
function outputsDocument(outputs: RunOutputs | null): Record<string, unknown> {
  if (!outputs) return {}
  return {
    currentVersion: outputs.currentVersion,
    pending: outputs.pending,
    ...(outputs.applied ? { applied: outputs.applied } : {}),
    drift: outputs.drift,
    plan: JSON.parse(planOutput(outputs.plan)) as unknown,
    ...(outputs.verification ? { verification: outputs.verification } : {}),
    ...(outputs.findings ? { findings: JSON.parse(findingsOutput(outputs.findings, PLAN_OUTPUT_LIMIT)) as unknown } : {})
  }
}

async function planCommand(config: Config, versions: Version[], parsed: ParsedArgs, terminal: Terminal): Promise<Result> {
  const outcome = await runPlan(config, versions, { baseSha: null, pullRequestFilesUrl: null }, terminal)
  const { plan, verification, failures } = outcome
  if (verification?.status === 'unavailable' && !config.shadowDatabaseUrl && !outcome.refusedEverywhere)
    terminal.line(
      terminal.clean(
        'To verify here: install PostgreSQL (its initdb and postgres: apt install postgresql, brew install postgresql@17) or pass --shadow-database-url postgres://…; --no-verify skips it.'
      )
    )
  // --sql / --sql-output: the SQL script of what apply would send (src/sql-script); its failure fails the plan.
  const script = parsed.sql || config.sqlOutput ? await planSqlScript(config, versions, terminal) : null
  if (script?.failure) failures.push(script.failure)
  failuresOut(failures, terminal)
  const pending = pendingOf(plan)
  const code = failures.length ? EXIT.failed : parsed.exitCode && pending.length ? EXIT.pending : EXIT.ok
  // The last word: what is pending (logPlan said "up to date" already).
  if (!failures.length && pending.length)
    terminal.line(
      `${terminal.paint('bold', `${pending.length} pending`)}: ${pending.map((v) => `v${v}`).join(', ')} (database at v${plan.currentVersion})`
    )
  return {
    code,
    document: { ...outputsDocument(outcome.outputs), failures: failures.map((f) => asFlags(f.message)) },
    // --markdown: the comment the action would post, for a merge request note or a look before pushing.
    ...(parsed.markdown ? { stdout: outcome.markdown } : {}),
    // --sql: the script alone on stdout (nothing when it could not be made).
    ...(parsed.sql && script?.text ? { stdout: script.text.replace(/\n$/, '') } : {})
  }
}

async function applyCommand(config: Config, versions: Version[], terminal: Terminal): Promise<Result> {
  const { result, outputs } = await runApply(config, versions, terminal)
  const document = {
    ...outputsDocument(outputs),
    durationsMs: Object.fromEntries(result.applied.map((a) => [a.version, a.durationMs])),
    appliedElsewhere: result.appliedElsewhere,
    error: null as null | { message: string; version: number | null; location: unknown }
  }
  if (result.error) {
    const location = result.error instanceof StatementFailedError ? result.error.location : null
    const message = asFlags(errorMessage(result.error))
    if (location) terminal.annotate('error', message, { file: location.file, startLine: location.line, startColumn: location.column })
    else terminal.line(`${terminal.paint('red', 'error:')} ${terminal.clean(message)}`)
    document.error = { message, version: result.failedVersion, location }
    return { code: EXIT.failed, document }
  }
  terminal.line(
    terminal.paint(
      'green',
      result.applied.length
        ? `Applied ${result.applied.map((a) => `v${a.version}`).join(', ')}: now at v${result.toVersion}`
        : `Nothing to apply: at v${result.toVersion}`
    )
  )
  return { code: EXIT.ok, document }
}

async function operationCommand(config: Config, versions: Version[], terminal: Terminal): Promise<Result> {
  const { markdown, text, outputs, failures } = await runOperation(config, versions, terminal)
  const plan = outputs?.plan
  // The terminal gets the plain lines; the Markdown (the action's summary) goes only into --json's document.
  for (const line of text) terminal.line(terminal.clean(line))
  failuresOut(failures, terminal)
  const pending = plan ? pendingOf(plan) : []
  const code = failures.length ? EXIT.failed : config.command === 'validate' && pending.length ? EXIT.pending : EXIT.ok
  if (config.command === 'validate' && !failures.length && plan)
    terminal.line(
      pending.length
        ? `Valid; ${pending.length} pending: ${pending.map((v) => `v${v}`).join(', ')} (exit 3)`
        : terminal.paint('green', `Valid and up to date at v${plan.currentVersion}`)
    )
  return {
    code,
    document: { ...outputsDocument(outputs), summary: markdown, failures: failures.map((f) => asFlags(f.message)) }
  }
}

/** What changed in the database that no migration did; exit 3 when anything did. */
async function driftCommand(config: Config, versions: Version[], terminal: Terminal): Promise<Result> {
  const outcome = await runDrift(config, versions, terminal)
  for (const line of outcome.text) terminal.line(terminal.clean(line))
  return { code: outcome.report.differences.length ? EXIT.pending : EXIT.ok, document: { ...outcome.report } }
}

/** The history and what is pending, verifying nothing (plan verifies). */
async function statusCommand(config: Config, versions: Version[], parsed: ParsedArgs, terminal: Terminal): Promise<Result> {
  const report = await runStatus(config, versions, terminal)
  for (const line of statusText(report)) terminal.line(terminal.clean(line))
  const code = parsed.exitCode && report.pending.length ? EXIT.pending : EXIT.ok
  return { code, document: { ...report } }
}

/** The findings alone: the versions named, else the pending ones (with a database), else the newest. */
async function reviewCommand(config: Config, versions: Version[], parsed: ParsedArgs, terminal: Terminal): Promise<Result> {
  const known = new Set(versions.map((v) => v.number))
  const named = parsed.args.map((word) => {
    const number = /^v?(\d+)$/.exec(word)?.[1]
    if (!number || !known.has(Number(number))) throw new UsageError(`review: '${word}' is not a version of ${config.migrationsDir}`)
    return Number(number)
  })
  const review = async (target: Parameters<typeof prepareReview>[3]): Promise<{ reviewed: number[]; findings: Finding[] }> => {
    let reviewed = named
    if (!reviewed.length && target) {
      const { rows } = await readTargetHistory(config, target)
      reviewed = pendingOf(planMigrations(versions, rows, { allowOutOfOrder: config.allowOutOfOrder }))
    } else if (!reviewed.length && versions.length) reviewed = [versions[versions.length - 1].number]
    const prepared = await prepareReview(config, versions, reviewed, target, terminal)
    return { reviewed, findings: reviewFindings(config, prepared, null, terminal).findings }
  }
  const { reviewed, findings } = config.target ? await withTarget(config, terminal, review) : await review(null)
  terminal.info(
    reviewed.length
      ? `Reviewed ${reviewed.map((v) => `v${v}`).join(', ')}${config.target ? " with the database's catalog" : ' from the repository alone'}`
      : 'Nothing to review'
  )
  terminal.findings(findings, { log: false, annotate: true })
  // SQL that does not parse fails whatever fail-on says; its findings above already say where.
  const unparsed = syntaxFailures(findings)
  const blocking = reviewBlocking(findings, config.failOn)
  if (blocking.length) terminal.annotate('error', asFlags(failOnMessage(blocking, config.failOn)), { title: 'Review' })
  return {
    code: blocking.length || unparsed.length ? EXIT.failed : EXIT.ok,
    document: { versions: reviewed, findings: JSON.parse(findingsOutput(findings, PLAN_OUTPUT_LIMIT)) as unknown }
  }
}

async function newCommand(parsed: ParsedArgs, io: CliIo, terminal: Terminal): Promise<Result> {
  if (parsed.args.length !== 1) throw new UsageError('new needs one description: aurora-migrate new add_orders_status')
  const extra = [...parsed.inputs.keys()].filter((name) => name !== 'migrations-dir' && name !== 'config')
  if (extra.length) throw new UsageError(`--${extra[0]} does not go with new (only --migrations-dir and --config do)`)
  // The settings file's migrations-dir, under the flag's.
  const dir = cliSettings(parsed.inputs, io, knownRuleIds()).migrationsDirSetting || 'migrations/resources'
  const created = await newVersion(dir, io.cwd, parsed.args[0])
  for (const warning of created.warnings) terminal.warning(warning)
  terminal.line(`Created ${terminal.clean(created.file)} (v${created.version})`)
  terminal.line(`Numbered v${created.version} ${terminal.clean(created.basis)}`)
  return { code: EXIT.ok, document: { version: created.version, dir: created.dir, file: created.file, basis: created.basis } }
}
