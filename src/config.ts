/**
 * Reads and validates every input once. Each error names its input; secrets are registered for masking
 * before anything else can log them.
 */
import path from 'node:path'
import { InputError } from './errors.js'
import { normalizeMigrationsDir } from './migrations/files.js'
import { isFunctionName, parseFunctionName } from './targets/lambda/function-name.js'
import { urlSecrets } from './targets/mask.js'
import { sqlOutputInput } from './sql-script/output.js'
import { checkUrlPassword } from './targets/url-password.js'
import { validateMysqlUrl } from './targets/mysql/url.js'
import type { RunIdentity } from './meta-row.js'
import { parseMetaTableName, type MetaTableName } from './meta-table-name.js'
import type { TargetConfig } from './targets/target-config.js'
import { FAIL_ON, type FailOn } from './report/review.js'
import { closest } from './suggest.js'
import { parseRuleSettings, type RuleSetting } from './review/rule-settings.js'

export type Command = 'plan' | 'apply' | 'validate' | 'baseline' | 'repair' | 'targets' | 'drift'
export const COMMANDS: readonly Command[] = ['plan', 'apply', 'validate', 'baseline', 'repair', 'targets', 'drift']

/** The commands a fleet (input `targets`) runs; `targets` only reads the file. */
export const FLEET_COMMANDS: readonly Command[] = ['plan', 'apply', 'targets', 'drift']

export type { TargetConfig } from './targets/target-config.js'

export interface Config {
  command: Command
  migrationsDir: string
  workspace: string
  /** null: no credentials (a fork's pull request); only `plan` runs, against the base branch. */
  target: TargetConfig | null
  /** Names the target in comments and markers; never holds a secret. */
  environment: string
  /** Post the plan comment / deploy comment. */
  comment: boolean
  githubToken: string
  /** Verify on a throwaway PostgreSQL during plan. */
  verify: boolean
  /** plan: also read the target's whole catalog and say whether it drifted (input check-drift). */
  checkDrift: boolean
  shadowDatabaseUrl: string | null
  deploymentId: number | null
  /** lock_timeout of each version's transaction, in ms; null leaves the database's setting. */
  lockTimeoutMs: number | null
  lockRetries: number
  /** statement_timeout of each version's transaction, in ms; null leaves the database's setting. */
  statementTimeoutMs: number | null
  /** Apply pending versions lower than the current one instead of refusing. */
  allowOutOfOrder: boolean
  /** `baseline`: record versions 1..N as applied without running them. */
  baselineVersion: number | null
  /** `baseline`: take N from another tool's records. */
  baselineFrom: 'sequelize' | null
  metaTable: MetaTableName
  /**
   * The engine input as given (lower case): `auto` or a dialect's name; commands/dialect.ts checks the name
   * and resolves `auto` (the URL's scheme, or one question to the server).
   */
  engine: string
  /**
   * The target's server as reports name it ("MySQL 8.0.36"), once a command has asked it (commands/target.ts);
   * absent before, null when it could not tell.
   */
  server?: string | null
  /** `repair`: a journaled statement to record as done or not done. */
  repairStep: RepairStep | null
  targetVersion: number | null
  waitTimeoutSeconds: number
  leaseTtlSeconds: number
  /** How long to wait for an auto-paused cluster to resume (Data API). */
  resumeTimeoutSeconds: number
  /** `plan` fails the step on an unwaived finding of this severity or higher; `never` only reports. */
  failOn: FailOn
  /** Rule ids waived for the whole repository. */
  ignoreRules: string[]
  /** Per-rule severities (input `rules`): a rule's findings at another severity, or `off` (waived). */
  ruleSeverities?: Record<string, RuleSetting>
  run: RunIdentity
  /** Set when the run is a fleet (input `targets`): then `target` is null and each target has its own Config. */
  fleet?: FleetConfig | null
  /** `sql-output`: where plan writes the SQL script, relative to the workspace (src/sql-script/output.ts). */
  sqlOutput?: string | null
  /** The schema a fleet target's versions run in (its schemas-query row); absent: the database's own. */
  searchPath?: string | null
}

/** The fleet's own inputs. */
export interface FleetConfig {
  /** The targets file, as given (relative to the workspace). */
  targets: string
  concurrency: number
  onError: 'stop' | 'continue'
  /** Names or globs separated by commas; null: every target. */
  only: string | null
}

/** The inputs that say where one database is: a fleet's targets file gives them per target instead. */
export const CONNECTION_INPUTS = ['database-url', 'resource-arn', 'secret-arn', 'database', 'lambda-function'] as const

function fleetInput(input: (name: string) => string, command: string, sources: ConfigSources): FleetConfig | null {
  const targets = input('targets')
  const only = input('only')
  if (!targets) {
    for (const name of ['only', 'concurrency', 'on-error']) {
      if (input(name)) throw new InputError(name, 'goes with targets (a fleet of databases in a targets file)')
    }
    if (command === 'targets') throw new InputError('targets', 'command targets lists the targets of a targets file: give targets')
    return null
  }
  if (!FLEET_COMMANDS.includes(command as Command)) {
    throw new InputError('targets', `a fleet runs ${FLEET_COMMANDS.join(', ')}; ${command} takes one database at a time`)
  }
  const given = CONNECTION_INPUTS.filter((name) => input(name))
  if (given.length) {
    throw new InputError(
      given[0],
      `does not go with targets: each target's connection is in the targets file (its defaults or the target's own entry)`
    )
  }
  const onError = (input('on-error') || 'stop').toLowerCase()
  if (onError !== 'stop' && onError !== 'continue') throw new InputError('on-error', `'${onError}' is not stop or continue`)
  return {
    targets,
    concurrency: integerInput(sources, 'concurrency', 4, 1, 64)!,
    onError,
    only: only || null
  }
}

/** `repair-step`: step `step` (1-based) of version `version` took effect (`done`) or did not. */
export interface RepairStep {
  version: number
  step: number
  done: boolean
}

/** The engine input, lower case: `auto` or a name commands/dialect.ts checks against the dialects it knows. */
function engineInput(raw: string): string {
  const engine = (raw || 'auto').toLowerCase()
  if (!/^[a-z]{1,20}$/.test(engine)) throw new InputError('engine', `'${raw}' is not an engine: use auto, or the engine's name`)
  return engine
}

/** Parses `repair-step`: `<version>:<step>=done|not-done`. */
function repairStepInput(raw: string, command: Command): RepairStep | null {
  if (!raw) return null
  const match = /^v?(\d{1,9}):(\d{1,6})=(done|not-done)$/i.exec(raw.replace(/\s+/g, ''))
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    throw new InputError('repair-step', `'${raw}' is not <version>:<step>=done|not-done (for example 7:3=done: step 3 of v7 took effect)`)
  }
  if (command !== 'repair') throw new InputError('repair-step', `goes with command repair, not ${command}`)
  return { version: Number(match[1]), step: Number(match[2]), done: match[3].toLowerCase() === 'done' }
}

export interface ConfigSources {
  /** core.getInput in the action; a plain lookup in tests. Returns '' for an input that is not set. */
  getInput(name: string): string
  env: NodeJS.ProcessEnv
  /** core.setSecret: called for every secret value before anything is logged. */
  setSecret(value: string): void
  /** The review's rule ids, when known: ignore-rules may name only these. */
  ruleIds?: readonly string[]
  /** A value that is accepted but probably not what was meant (a bare `lock-timeout: 5`, 5 milliseconds). */
  warning?(input: string, message: string): void
}

const CLUSTER_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z][A-Za-z0-9-]{0,62}$/
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/

function integerInput(sources: ConfigSources, name: string, fallback: number | null, min: number, max: number): number | null {
  const raw = sources.getInput(name).trim()
  if (!raw) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new InputError(name, `'${raw}' is not a whole number from ${min} to ${max}`)
  }
  return Number(raw)
}

export function readConfig(sources: ConfigSources): Config {
  const input = (name: string): string => sources.getInput(name).trim()

  // Secrets first: nothing below may log them unmasked.
  const databaseUrl = input('database-url')
  if (databaseUrl) registerUrlSecrets(databaseUrl, sources.setSecret)
  const shadowDatabaseUrl = input('shadow-database-url')
  if (shadowDatabaseUrl) registerUrlSecrets(shadowDatabaseUrl, sources.setSecret)
  const githubToken = input('github-token')
  if (githubToken) sources.setSecret(githubToken)

  const command = (input('command') || 'plan').toLowerCase()
  if (!COMMANDS.includes(command as Command)) {
    throw new InputError('command', `'${command}' is not a command: use one of ${COMMANDS.join(', ')}`)
  }

  const fleet = fleetInput(input, command, sources)

  const resourceArn = input('resource-arn')
  const secretArn = input('secret-arn')
  const database = input('database')
  const lambdaFunction = input('lambda-function')
  const chosen = [
    databaseUrl && 'database-url',
    (resourceArn || secretArn) && 'resource-arn + secret-arn',
    lambdaFunction && 'lambda-function'
  ].filter(Boolean)
  if (chosen.length > 1) {
    const name = databaseUrl ? 'database-url' : 'lambda-function'
    throw new InputError(
      name,
      `give exactly one target: ${chosen.join(' and ')} are both set (choose database-url, resource-arn + secret-arn, or lambda-function)`
    )
  }
  let target: TargetConfig | null
  if (databaseUrl) {
    if (database) throw new InputError('database', 'database goes with resource-arn; with database-url, put the database name in the URL')
    target = isMysqlUrl(databaseUrl)
      ? { kind: 'mysql-url', url: validateMysqlUrl(databaseUrl, 'database-url') }
      : { kind: 'postgres', url: validatePostgresUrl(databaseUrl, 'database-url') }
  } else if (lambdaFunction) {
    if (database)
      throw new InputError(
        'database',
        'database goes with resource-arn; the runner Lambda connects to the database of its own secret (DB_SECRET_ARN) or DATABASE_URL'
      )
    if (!isFunctionName(lambdaFunction)) {
      throw new InputError(
        'lambda-function',
        `'${lambdaFunction}' is not a Lambda function name or ARN (a name like aurora-migrate-runner, optionally :alias, or arn:aws:lambda:<region>:<account>:function:<name>)`
      )
    }
    target = { kind: 'lambda', functionName: lambdaFunction }
  } else if (resourceArn || secretArn) {
    if (!resourceArn) throw new InputError('resource-arn', 'secret-arn is set but resource-arn is not: give the Aurora cluster ARN too')
    if (!secretArn)
      throw new InputError(
        'secret-arn',
        'resource-arn is set but secret-arn is not: give the ARN of the Secrets Manager secret for the database user'
      )
    if (!CLUSTER_ARN.test(resourceArn)) {
      throw new InputError('resource-arn', `'${resourceArn}' is not an Aurora cluster ARN (arn:aws:rds:<region>:<account>:cluster:<name>)`)
    }
    if (!SECRET_ARN.test(secretArn)) {
      throw new InputError(
        'secret-arn',
        'this is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)'
      )
    }
    if (database && !/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(database)) {
      throw new InputError('database', `'${database}' is not a valid database name`)
    }
    target = { kind: 'data-api', resourceArn, secretArn, database: database || null }
  } else if (fleet) {
    // Each target of the fleet has its own connection (commands/fleet.ts reads one Config per target).
    target = null
  } else if (command === 'plan') {
    // No credentials (a pull request from a fork): plan against the base branch instead.
    target = null
  } else {
    throw new InputError(
      'resource-arn',
      `${command} needs a database: give resource-arn + secret-arn (RDS Data API), lambda-function (the runner Lambda) or database-url (direct connection)`
    )
  }

  const baselineVersion = integerInput(sources, 'baseline-version', null, 1, 2_147_483_647)
  const baselineFromInput = input('baseline-from').toLowerCase()
  if (baselineFromInput && baselineFromInput !== 'sequelize') {
    throw new InputError('baseline-from', `'${baselineFromInput}' is not supported: the only source is sequelize (a "SequelizeMeta" table)`)
  }
  const baselineFrom = baselineFromInput ? ('sequelize' as const) : null
  if (command === 'baseline' && baselineVersion === null && !baselineFrom) {
    throw new InputError('baseline-version', 'baseline needs baseline-version (record v1..vN as applied) or baseline-from: sequelize')
  }
  if (command !== 'baseline' && (baselineVersion !== null || baselineFrom)) {
    throw new InputError(
      baselineFrom ? 'baseline-from' : 'baseline-version',
      `only goes with command: baseline (the command is ${command})`
    )
  }

  const workspace = sources.env.GITHUB_WORKSPACE || process.cwd()
  const migrationsDir = normalizeMigrationsDir(input('migrations-dir') || 'migrations/resources', workspace)
  const environment =
    input('environment') || (fleet ? path.basename(fleet.targets).replace(/\.ya?ml$/i, '') : defaultEnvironment(target, migrationsDir))
  if (environment.length > 100 || /[\r\n]/.test(environment)) {
    throw new InputError('environment', 'must be one line of at most 100 characters (for example staging or production)')
  }
  if (shadowDatabaseUrl) {
    if (isMysqlUrl(shadowDatabaseUrl)) validateMysqlUrl(shadowDatabaseUrl, 'shadow-database-url')
    else validatePostgresUrl(shadowDatabaseUrl, 'shadow-database-url')
  }

  const env = sources.env
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` +
        (env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '')
      : null

  return {
    command: command as Command,
    migrationsDir,
    workspace,
    target,
    environment,
    comment: booleanInput(sources, 'comment', true),
    githubToken,
    verify: booleanInput(sources, 'verify', true),
    checkDrift: booleanInput(sources, 'check-drift', false),
    shadowDatabaseUrl: shadowDatabaseUrl || null,
    deploymentId: integerInput(sources, 'deployment-id', null, 1, Number.MAX_SAFE_INTEGER),
    lockTimeoutMs: durationInput(sources, 'lock-timeout', 5000),
    lockRetries: integerInput(sources, 'lock-retries', 3, 0, 20)!,
    statementTimeoutMs: durationInput(sources, 'statement-timeout', null),
    allowOutOfOrder: booleanInput(sources, 'allow-out-of-order', false),
    baselineVersion,
    baselineFrom,
    metaTable: parseMetaTableName(input('meta-table') || 'schema_migrations'),
    engine: engineInput(input('engine')),
    repairStep: repairStepInput(input('repair-step'), command as Command),
    targetVersion: integerInput(sources, 'target-version', null, 1, 2_147_483_647),
    waitTimeoutSeconds: secondsInput(sources, 'wait-timeout', 600, 0, 6 * 3600),
    leaseTtlSeconds: secondsInput(sources, 'lease-ttl', 60, 5, 3600),
    resumeTimeoutSeconds: secondsInput(sources, 'resume-timeout', 300, 0, 3600),
    failOn: failOnInput(input('fail-on')),
    ignoreRules: ruleIdsInput(input('ignore-rules'), sources.ruleIds),
    ruleSeverities: parseRuleSettings(input('rules'), sources.ruleIds),
    run: { actor: env.GITHUB_ACTOR || null, commitSha: env.GITHUB_SHA || null, runUrl },
    fleet,
    ...sqlOutputConfig(sqlOutputInput(input('sql-output'), command, workspace, Boolean(fleet)))
  }
}

/** `sqlOutput` only when sql-output is given. */
function sqlOutputConfig(sqlOutput: string | null): Pick<Config, 'sqlOutput'> {
  return sqlOutput ? { sqlOutput } : {}
}

/** Registers the password of a database URL, in every form a message could show it, as secrets. */
export function registerUrlSecrets(url: string, setSecret: (value: string) => void): void {
  for (const secret of urlSecrets(url)) setSecret(secret)
}

/** A mysql:// URL (checked by validateMysqlUrl); any other is checked as a PostgreSQL one. */
function isMysqlUrl(url: string): boolean {
  return /^mysql:\/\//i.test(url.trim())
}

function validatePostgresUrl(url: string, name: string): string {
  checkUrlPassword(url, name, 'psql and libpq end the password at the first @, node-postgres at the last')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InputError(name, 'is not a valid URL: use postgres://user:password@host:5432/database')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InputError(
      name,
      `scheme '${parsed.protocol.replace(/:$/, '')}' is not supported: use postgres://user:password@host:5432/database (or mysql://user:password@host:3306/database)`
    )
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new InputError(name, 'has no host: use postgres://user:password@host:5432/database')
  }
  return url
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }

/**
 * The one reading of a duration, for every input and flag: a whole number with a unit (`500ms`, `5s`,
 * `2min`, `1h`, as PostgreSQL writes them) or a bare number in `bareUnit`, the unit the input always had
 * (milliseconds for the timeouts PostgreSQL sets, seconds for the others). Returns milliseconds, or null
 * when the text is not a duration.
 */
export function parseDuration(raw: string, bareUnit: 'ms' | 's'): { ms: number; bare: boolean } | null {
  const match = /^(\d{1,12})\s*(ms|s|min|h)?$/i.exec(raw.trim())
  if (!match) return null
  const unit = (match[2] ?? bareUnit).toLowerCase()
  return { ms: Number(match[1]) * DURATION_UNITS[unit], bare: match[2] === undefined }
}

/** A bare number below this, for a setting in milliseconds, was probably meant as seconds. */
const SUSPICIOUS_BARE_MS = 100

/** A PostgreSQL timeout: `5s`, `500ms`, `2min`, `1h`, or a number of milliseconds; `0` means no limit. */
function durationInput(sources: ConfigSources, name: string, fallback: number | null): number | null {
  const raw = sources.getInput(name).trim()
  if (!raw) return fallback
  const duration = parseDuration(raw, 'ms')
  if (!duration) throw new InputError(name, `'${raw}' is not a duration: use for example 5s, 500ms, 2min or 0 for no limit`)
  const { ms, bare } = duration
  if (ms > 24 * 3_600_000) throw new InputError(name, `'${raw}' is longer than 24 hours`)
  if (bare && ms > 0 && ms < SUSPICIOUS_BARE_MS)
    sources.warning?.(
      name,
      `'${raw}' is ${ms} millisecond${ms === 1 ? '' : 's'} (a bare number is milliseconds, as PostgreSQL reads it): ` +
        `write ${raw}s for ${raw} second${ms === 1 ? '' : 's'}, or ${raw}ms to say that milliseconds are meant`
    )
  return ms === 0 ? null : ms
}

/** A wait of the engine's own, in whole seconds: `30s`, `10min`, `1h`, or a bare number of seconds. */
function secondsInput(sources: ConfigSources, name: string, fallback: number, min: number, max: number): number {
  const raw = sources.getInput(name).trim()
  if (!raw) return fallback
  const duration = parseDuration(raw, 's')
  const range = `from ${spokenSeconds(min)} to ${spokenSeconds(max)}`
  if (!duration)
    throw new InputError(name, `'${raw}' is not a duration: use for example 30s, 10min or 1h (a bare number is seconds), ${range}`)
  if (duration.ms % 1000 !== 0) throw new InputError(name, `'${raw}' is not a whole number of seconds`)
  const seconds = duration.ms / 1000
  if (seconds < min || seconds > max) throw new InputError(name, `'${raw}' is out of range: give a duration ${range}`)
  return seconds
}

/** 3600 → `1h`, 300 → `5min`, 45 → `45s`. */
function spokenSeconds(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}min`
  return `${seconds}s`
}

function failOnInput(raw: string): FailOn {
  const value = (raw || 'error').toLowerCase()
  if (!FAIL_ON.includes(value as FailOn)) {
    const match = closest(value, FAIL_ON)
    throw new InputError('fail-on', `'${raw}' is not one of ${FAIL_ON.join(', ')}${match ? ` (did you mean ${match}?)` : ''}`)
  }
  return value as FailOn
}

/** Comma-separated rule ids (spaces and line breaks around them are fine), each one the review knows. */
function ruleIdsInput(raw: string, known: readonly string[] | undefined): string[] {
  const ids = [...new Set(raw.split(/[,\s]+/).filter(Boolean))]
  for (const id of ids) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) {
      throw new InputError('ignore-rules', `'${id}' is not a rule id: give ids such as index-not-concurrent, separated by commas`)
    }
    if (known && !known.includes(id)) {
      const match = closest(id, known)
      throw new InputError(
        'ignore-rules',
        `'${id}' is not a rule of the review: ${match ? `did you mean ${match}? ` : ''}See docs/rules.md for the ids (${known.length} rules)`
      )
    }
  }
  return ids
}

function booleanInput(sources: ConfigSources, name: string, fallback: boolean): boolean {
  const raw = sources.getInput(name).trim().toLowerCase()
  if (!raw) return fallback
  if (raw === 'true') return true
  if (raw === 'false') return false
  throw new InputError(name, `'${raw}' is not true or false`)
}

/** A name for the target that never holds a secret: cluster/database, or the URL's database name. */
export function defaultEnvironment(target: TargetConfig | null, migrationsDir: string): string {
  if (!target) return migrationsDir
  if (target.kind === 'lambda') return parseFunctionName(target.functionName).name
  if (target.kind === 'data-api') {
    const cluster = target.resourceArn.split(':').pop() ?? 'cluster'
    return target.database ? `${cluster}/${target.database}` : cluster
  }
  try {
    const database = decodeURIComponent(new URL(target.url).pathname.replace(/^\//, ''))
    return database || 'postgres'
  } catch {
    return 'postgres'
  }
}
