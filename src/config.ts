/**
 * Reads and validates every input once. Each error names its input; secrets are registered for masking
 * before anything else can log them.
 */
import { InputError } from './errors.js'
import { parseMetaTableName, type MetaTableName } from './engine/meta.js'
import type { RunIdentity } from './engine/meta.js'

export type Command = 'plan' | 'apply'
export const COMMANDS: readonly Command[] = ['plan', 'apply']

export type TargetConfig =
  | { kind: 'data-api'; resourceArn: string; secretArn: string; database: string | null }
  | { kind: 'postgres'; url: string }

export interface Config {
  command: Command
  migrationsDir: string
  workspace: string
  target: TargetConfig
  metaTable: MetaTableName
  targetVersion: number | null
  waitTimeoutSeconds: number
  leaseTtlSeconds: number
  /** How long to wait for an auto-paused cluster to resume (Data API). */
  resumeTimeoutSeconds: number
  run: RunIdentity
}

export interface ConfigSources {
  /** core.getInput in the action; a plain lookup in tests. Returns '' for an input that is not set. */
  getInput(name: string): string
  env: NodeJS.ProcessEnv
  /** core.setSecret: called for every secret value before anything is logged. */
  setSecret(value: string): void
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

  const command = (input('command') || 'plan').toLowerCase()
  if (!COMMANDS.includes(command as Command)) {
    throw new InputError('command', `'${command}' is not a command: use one of ${COMMANDS.join(', ')}`)
  }

  const resourceArn = input('resource-arn')
  const secretArn = input('secret-arn')
  const database = input('database')
  let target: TargetConfig
  if (databaseUrl && (resourceArn || secretArn)) {
    throw new InputError('database-url', 'give either database-url or resource-arn + secret-arn, not both')
  } else if (databaseUrl) {
    if (database) throw new InputError('database', 'database goes with resource-arn; with database-url, put the database name in the URL')
    target = { kind: 'postgres', url: validatePostgresUrl(databaseUrl) }
  } else if (resourceArn || secretArn) {
    if (!resourceArn) throw new InputError('resource-arn', 'secret-arn is set but resource-arn is not: give the Aurora cluster ARN too')
    if (!secretArn) throw new InputError('secret-arn', 'resource-arn is set but secret-arn is not: give the ARN of the Secrets Manager secret for the database user')
    if (!CLUSTER_ARN.test(resourceArn)) {
      throw new InputError('resource-arn', `'${resourceArn}' is not an Aurora cluster ARN (arn:aws:rds:<region>:<account>:cluster:<name>)`)
    }
    if (!SECRET_ARN.test(secretArn)) {
      throw new InputError('secret-arn', 'this is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)')
    }
    if (database && !/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(database)) {
      throw new InputError('database', `'${database}' is not a valid database name`)
    }
    target = { kind: 'data-api', resourceArn, secretArn, database: database || null }
  } else {
    throw new InputError('resource-arn', 'no database to migrate: give resource-arn + secret-arn (RDS Data API) or database-url (direct connection)')
  }

  const env = sources.env
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` +
        (env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '')
      : null

  return {
    command: command as Command,
    migrationsDir: input('migrations-dir') || 'migrations/resources',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    target,
    metaTable: parseMetaTableName(input('meta-table') || 'schema_migrations'),
    targetVersion: integerInput(sources, 'target-version', null, 1, 2_147_483_647),
    waitTimeoutSeconds: integerInput(sources, 'wait-timeout', 600, 0, 6 * 3600)!,
    leaseTtlSeconds: integerInput(sources, 'lease-ttl', 60, 5, 3600)!,
    resumeTimeoutSeconds: integerInput(sources, 'resume-timeout', 300, 0, 3600)!,
    run: { actor: env.GITHUB_ACTOR || null, commitSha: env.GITHUB_SHA || null, runUrl }
  }
}

/** Registers the password (raw and percent-decoded) of a database URL as secrets. */
export function registerUrlSecrets(url: string, setSecret: (value: string) => void): void {
  let password = ''
  try {
    password = new URL(url).password
  } catch {
    // Not a URL: mask whatever sits between the last ':' and '@' of the authority, if anything.
    password = /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1] ?? ''
  }
  if (!password) return
  setSecret(password)
  try {
    const decoded = decodeURIComponent(password)
    if (decoded !== password) setSecret(decoded)
  } catch {
    // A malformed escape: the raw form is masked already.
  }
}

function validatePostgresUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InputError('database-url', 'is not a valid URL: use postgres://user:password@host:5432/database')
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InputError('database-url', `scheme '${parsed.protocol.replace(/:$/, '')}' is not supported: use postgres://user:password@host:5432/database`)
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    throw new InputError('database-url', 'has no host: use postgres://user:password@host:5432/database')
  }
  return url
}
