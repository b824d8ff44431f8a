/**
 * Reads and validates every input once. Each error names its input; secrets are registered for masking
 * before anything else can log them.
 */
import { InputError } from './errors.js'
import { normalizeMigrationsDir } from './migrations/files.js'
import { misreadPassword, urlSecrets } from './targets/mask.js'
import { parseMetaTableName, type MetaTableName } from './engine/meta.js'
import type { RunIdentity } from './engine/meta.js'
import { FAIL_ON, type FailOn } from './report/review.js'

export type Command = 'plan' | 'apply' | 'validate' | 'baseline' | 'repair'
export const COMMANDS: readonly Command[] = ['plan', 'apply', 'validate', 'baseline', 'repair']

export type TargetConfig =
  | { kind: 'data-api'; resourceArn: string; secretArn: string; database: string | null }
  | { kind: 'postgres'; url: string }
  | { kind: 'lambda'; functionName: string }

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
  targetVersion: number | null
  waitTimeoutSeconds: number
  leaseTtlSeconds: number
  /** How long to wait for an auto-paused cluster to resume (Data API). */
  resumeTimeoutSeconds: number
  /** `plan` fails the step on an unwaived finding of this severity or higher; `never` only reports. */
  failOn: FailOn
  /** Rule ids waived for the whole repository. */
  ignoreRules: string[]
  run: RunIdentity
}

export interface ConfigSources {
  /** core.getInput in the action; a plain lookup in tests. Returns '' for an input that is not set. */
  getInput(name: string): string
  env: NodeJS.ProcessEnv
  /** core.setSecret: called for every secret value before anything is logged. */
  setSecret(value: string): void
  /** The review's rule ids, when known: ignore-rules may name only these. */
  ruleIds?: readonly string[]
}

const CLUSTER_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster:[A-Za-z][A-Za-z0-9-]{0,62}$/
/** A function name, a partial ARN (account:function:name) or a full ARN; each may end with :qualifier. */
const LAMBDA_FUNCTION =
  /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$/
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
    target = { kind: 'postgres', url: validatePostgresUrl(databaseUrl, 'database-url') }
  } else if (lambdaFunction) {
    if (database)
      throw new InputError(
        'database',
        'database goes with resource-arn; the runner Lambda connects to the database of its own secret (DB_SECRET_ARN) or DATABASE_URL'
      )
    if (!LAMBDA_FUNCTION.test(lambdaFunction)) {
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
  const environment = input('environment') || defaultEnvironment(target, migrationsDir)
  if (environment.length > 100 || /[\r\n]/.test(environment)) {
    throw new InputError('environment', 'must be one line of at most 100 characters (for example staging or production)')
  }
  if (shadowDatabaseUrl) validatePostgresUrl(shadowDatabaseUrl, 'shadow-database-url')

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
    shadowDatabaseUrl: shadowDatabaseUrl || null,
    deploymentId: integerInput(sources, 'deployment-id', null, 1, Number.MAX_SAFE_INTEGER),
    lockTimeoutMs: durationInput(sources, 'lock-timeout', 5000),
    lockRetries: integerInput(sources, 'lock-retries', 3, 0, 20)!,
    statementTimeoutMs: durationInput(sources, 'statement-timeout', null),
    allowOutOfOrder: booleanInput(sources, 'allow-out-of-order', false),
    baselineVersion,
    baselineFrom,
    metaTable: parseMetaTableName(input('meta-table') || 'schema_migrations'),
    targetVersion: integerInput(sources, 'target-version', null, 1, 2_147_483_647),
    waitTimeoutSeconds: integerInput(sources, 'wait-timeout', 600, 0, 6 * 3600)!,
    leaseTtlSeconds: integerInput(sources, 'lease-ttl', 60, 5, 3600)!,
    resumeTimeoutSeconds: integerInput(sources, 'resume-timeout', 300, 0, 3600)!,
    failOn: failOnInput(input('fail-on')),
    ignoreRules: ruleIdsInput(input('ignore-rules'), sources.ruleIds),
    run: { actor: env.GITHUB_ACTOR || null, commitSha: env.GITHUB_SHA || null, runUrl }
  }
}

/** Registers the password of a database URL, in every form a message could show it, as secrets. */
export function registerUrlSecrets(url: string, setSecret: (value: string) => void): void {
  for (const secret of urlSecrets(url)) setSecret(secret)
}

function validatePostgresUrl(url: string, name: string): string {
  if (misreadPassword(url)) {
    throw new InputError(
      name,
      'the password holds a character that must be percent-encoded in a URL (@ as %40, / as %2F, ? as %3F, # as %23): ' +
        'as written, the driver would read part of the password as the host or the database name'
    )
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InputError(name, 'is not a valid URL: use postgres://user:password@host:5432/database')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InputError(
      name,
      `scheme '${parsed.protocol.replace(/:$/, '')}' is not supported: use postgres://user:password@host:5432/database`
    )
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new InputError(name, 'has no host: use postgres://user:password@host:5432/database')
  }
  return url
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }

/** A PostgreSQL-style duration: `5s`, `500ms`, `2min`, `1h`, or a number of milliseconds; `0` means no limit. */
function durationInput(sources: ConfigSources, name: string, fallback: number | null): number | null {
  const raw = sources.getInput(name).trim()
  if (!raw) return fallback
  const match = /^(\d+)\s*(ms|s|min|h)?$/.exec(raw)
  if (!match) throw new InputError(name, `'${raw}' is not a duration: use for example 5s, 500ms, 2min or 0 for no limit`)
  const ms = Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']
  if (ms > 24 * 3_600_000) throw new InputError(name, `'${raw}' is longer than 24 hours`)
  return ms === 0 ? null : ms
}

function failOnInput(raw: string): FailOn {
  const value = (raw || 'error').toLowerCase()
  if (!FAIL_ON.includes(value as FailOn)) throw new InputError('fail-on', `'${raw}' is not one of ${FAIL_ON.join(', ')}`)
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
      throw new InputError('ignore-rules', `'${id}' is not a rule of the review: see docs/rules.md for the ids (${known.length} rules)`)
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
  if (target.kind === 'lambda') return target.functionName.split(':function:').pop()!.split(':')[0]
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
