/**
 * Where the runner connects, from its environment:
 *
 * - `DB_SECRET_ARN`: a Secrets Manager secret in the RDS format (`host`, `port`, `username`,
 *   `password`, `dbname` or `database`, optional `engine`: `mysql`/`aurora-mysql` picks MySQL, anything
 *   else or none PostgreSQL). A secret RDS manages itself
 *   (`ManageMasterUserPassword`) holds only `username` and `password`: set `DB_HOST` (and `DB_PORT`)
 *   next to it.
 * - `DATABASE_URL`: a `postgres://` URL, or a `mysql://` URL for Aurora MySQL (the scheme picks the dialect).
 * - `DB_NAME`, `DB_HOST`, `DB_PORT` override the database, host and port of either.
 * - `DB_TLS`: `require` (encrypt, do not verify the certificate), `verify-full` (verify it and the
 *   host name against Node's CA store plus `NODE_EXTRA_CA_CERTS`), `verify-ca` (verify it, not the
 *   host name) or `disable`. Without it: the URL's `sslmode` when it has one, else `require` for RDS
 *   host names (`*.rds.amazonaws.com`, `*.rds.amazonaws.com.cn`) and `disable` for others.
 *
 * The RDS CA is not in Node's default store. For `verify-full` set the function's environment variable
 * `NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem` (Lambda's own bundle of Amazon CAs, RDS included;
 * Node reads it at start, so it must be set on the function, not in code), or ship the RDS bundle
 * (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) in a layer and point
 * `NODE_EXTRA_CA_CERTS` at it.
 *
 * Nothing here ever puts a password, the URL or the secret's content into an error message.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import fs from 'node:fs'
import type { ConnectionOptions } from 'node:tls'

export type TlsMode = 'disable' | 'require' | 'verify-ca' | 'verify-full'
const TLS_MODES: readonly TlsMode[] = ['disable', 'require', 'verify-ca', 'verify-full']

/** The environment is wrong or the secret unusable: answered as a `CONNECTION` failure. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigurationError'
  }
}

/** The SQL dialect the runner speaks on the connection, from the URL's scheme or the secret's engine. */
export type RunnerDialectName = 'postgresql' | 'mysql'

export interface ConnectionSettings {
  dialect: RunnerDialectName
  /** The URL the target connects with (holds the password: never log it). */
  url: string
  tls: TlsMode
  /** What pg.Client gets as `ssl`. */
  ssl: false | ConnectionOptions
}

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

export function isRdsHost(host: string): boolean {
  return /\.rds\.amazonaws\.com(\.cn)?\.?$/i.test(host.trim())
}

/** libpq's `sslmode` (and pg's `ssl=` shorthand) → the runner's mode. */
function modeFromUrl(sslmode: string | null, ssl: string | null): TlsMode | undefined {
  if (sslmode !== null) {
    switch (sslmode.toLowerCase()) {
      case 'disable':
        return 'disable'
      // `allow` and `prefer` fall back to plain text in libpq; here they encrypt without verifying.
      case 'allow':
      case 'prefer':
      case 'require':
      case 'no-verify':
        return 'require'
      case 'verify-ca':
        return 'verify-ca'
      case 'verify-full':
        return 'verify-full'
      default:
        throw new ConfigurationError(
          `DATABASE_URL has an sslmode the runner does not know; use disable, require, verify-ca or verify-full (or set DB_TLS).`
        )
    }
  }
  if (ssl !== null) {
    const value = ssl.toLowerCase()
    if (value === '0' || value === 'false') return 'disable'
    if (value === 'no-verify') return 'require'
    if (value === '1' || value === 'true') return 'verify-full'
  }
  return undefined
}

/**
 * The TLS mode and pg's `ssl` option for a host. `dbTls` is the `DB_TLS` variable; `url` the
 * `sslmode`/`ssl` query parameters of DATABASE_URL, when there is one. Pure.
 */
export function resolveTls(
  host: string,
  dbTls: string | undefined,
  url: { sslmode?: string | null; ssl?: string | null } = {}
): { mode: TlsMode; ssl: false | ConnectionOptions } {
  let mode: TlsMode | undefined
  const explicit = dbTls?.trim().toLowerCase()
  if (explicit) {
    if (!(TLS_MODES as readonly string[]).includes(explicit)) {
      throw new ConfigurationError(`DB_TLS is ${JSON.stringify(dbTls)}: use require, verify-full, verify-ca or disable.`)
    }
    mode = explicit as TlsMode
  }
  mode ??= modeFromUrl(url.sslmode ?? null, url.ssl ?? null)
  mode ??= isRdsHost(host) ? 'require' : 'disable'
  return { mode, ssl: sslOption(mode) }
}

function sslOption(mode: TlsMode): false | ConnectionOptions {
  switch (mode) {
    case 'disable':
      return false
    case 'require':
      return { rejectUnauthorized: false }
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined }
    case 'verify-full':
      return { rejectUnauthorized: true }
  }
}

// ---------------------------------------------------------------------------------------------
// Settings from the environment
// ---------------------------------------------------------------------------------------------

/** The URL parameters that decide TLS: the runner applies them itself (pg would let them override `ssl`). */
const TLS_URL_PARAMS = ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat', 'sslnegotiation', 'ssl-mode']

/** MySQL's client `--ssl-mode` values → libpq's, which modeFromUrl reads. */
const MYSQL_SSL_MODES: Record<string, string> = {
  disabled: 'disable',
  preferred: 'prefer',
  required: 'require',
  verify_ca: 'verify-ca',
  verify_identity: 'verify-full'
}

function readTlsFile(path: string, param: string): string {
  try {
    return fs.readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error'
    throw new ConfigurationError(`DATABASE_URL's ${param} file cannot be read (${code}); ship it in the function or a layer.`)
  }
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

function portFrom(value: unknown, source: string): number {
  const port = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigurationError(`${source} is not a port number (1-65535).`)
  return port
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

export function settingsFromUrl(databaseUrl: string, env: NodeJS.ProcessEnv): ConnectionSettings {
  let url: URL
  try {
    url = new URL(databaseUrl)
  } catch {
    throw new ConfigurationError(
      'DATABASE_URL is not a valid URL: use postgres://user:password@host:5432/database (or mysql://user:password@host:3306/database), with special characters in the password percent-encoded.'
    )
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:' && url.protocol !== 'mysql:') {
    throw new ConfigurationError(`DATABASE_URL must start with postgres://, postgresql:// or mysql://, not ${url.protocol}//.`)
  }
  const dialect: RunnerDialectName = url.protocol === 'mysql:' ? 'mysql' : 'postgresql'
  if (dialect === 'mysql' && url.searchParams.has('ssl-mode') && !url.searchParams.has('sslmode')) {
    const mode = url.searchParams.get('ssl-mode')!.toLowerCase()
    url.searchParams.set('sslmode', MYSQL_SSL_MODES[mode] ?? mode)
  }
  const host = envValue(env, 'DB_HOST')
  if (host) url.hostname = hostForUrl(host)
  const port = envValue(env, 'DB_PORT')
  if (port) url.port = String(portFrom(port, 'DB_PORT'))
  const database = envValue(env, 'DB_NAME')
  if (database) url.pathname = `/${encodeURIComponent(database)}`
  if (!url.hostname) throw new ConfigurationError('DATABASE_URL has no host; add it or set DB_HOST.')

  const params = url.searchParams
  const { mode, ssl } = resolveTls(url.hostname.replace(/^\[|\]$/g, ''), env.DB_TLS, {
    sslmode: params.get('sslmode'),
    ssl: params.get('ssl')
  })
  const files: ConnectionOptions = {}
  if (ssl) {
    const ca = params.get('sslrootcert')
    const cert = params.get('sslcert')
    const key = params.get('sslkey')
    if (ca) files.ca = readTlsFile(ca, 'sslrootcert')
    if (cert) files.cert = readTlsFile(cert, 'sslcert')
    if (key) files.key = readTlsFile(key, 'sslkey')
  }
  for (const name of TLS_URL_PARAMS) params.delete(name)
  return { dialect, url: url.toString(), tls: mode, ssl: ssl ? { ...ssl, ...files } : false }
}

/** The parsed secret (the standard RDS JSON) with the environment's overrides applied. */
export function settingsFromSecret(secret: Record<string, unknown>, env: NodeJS.ProcessEnv, secretArn: string): ConnectionSettings {
  const engine = typeof secret.engine === 'string' ? secret.engine.trim() : ''
  const dialect: RunnerDialectName = /mysql/i.test(engine) ? 'mysql' : 'postgresql'
  if (engine !== '' && !/postgres|mysql/i.test(engine)) {
    throw new ConfigurationError(
      `The secret ${secretArn} is for engine ${JSON.stringify(engine)}; this runner connects to PostgreSQL and MySQL only.`
    )
  }
  const text = (name: string): string | undefined => {
    const value = secret[name]
    return typeof value === 'string' && value !== '' ? value : undefined
  }
  const username = text('username')
  const password = typeof secret.password === 'string' ? secret.password : undefined
  if (!username || password === undefined) {
    throw new ConfigurationError(
      `The secret ${secretArn} has no ${!username ? "'username'" : "'password'"}; it must hold the RDS secret JSON.`
    )
  }
  const host = envValue(env, 'DB_HOST') ?? text('host')
  if (!host) {
    throw new ConfigurationError(
      `The secret ${secretArn} has no 'host' (a secret RDS manages holds only username and password): set DB_HOST to the cluster endpoint.`
    )
  }
  const envPort = envValue(env, 'DB_PORT')
  const port = envPort
    ? portFrom(envPort, 'DB_PORT')
    : secret.port === undefined || secret.port === ''
      ? dialect === 'mysql'
        ? 3306
        : 5432
      : portFrom(secret.port, `The secret's 'port'`)
  // MySQL connects without a default database when the secret names none; PostgreSQL to `postgres`.
  const database = envValue(env, 'DB_NAME') ?? text('dbname') ?? text('database') ?? (dialect === 'mysql' ? '' : 'postgres')
  const { mode, ssl } = resolveTls(host, env.DB_TLS)
  const scheme = dialect === 'mysql' ? 'mysql' : 'postgres'
  const url = `${scheme}://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${hostForUrl(host)}:${port}/${encodeURIComponent(database)}`
  return { dialect, url, tls: mode, ssl }
}

/** Reads the secret's JSON. Errors say what to fix and never include the secret's content. */
export async function fetchSecret(client: SecretsManagerClient, secretArn: string): Promise<Record<string, unknown>> {
  let secretString: string | undefined
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }))
    secretString = output.SecretString
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error'
    const message = error instanceof Error ? error.message : String(error)
    throw new ConfigurationError(
      `Could not read the secret ${secretArn}: ${name}: ${message}. The function's role needs secretsmanager:GetSecretValue on it ` +
        '(and kms:Decrypt when a customer managed key encrypts it), and the function needs a route to Secrets Manager from its subnets (a VPC endpoint or a NAT gateway).'
    )
  }
  if (secretString === undefined)
    throw new ConfigurationError(`The secret ${secretArn} has no SecretString; store the RDS secret JSON as text.`)
  let parsed: unknown
  try {
    parsed = JSON.parse(secretString)
  } catch {
    throw new ConfigurationError(
      `The secret ${secretArn} is not JSON; it must hold the RDS secret JSON (host, port, username, password, dbname).`
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigurationError(
      `The secret ${secretArn} is not a JSON object; it must hold the RDS secret JSON (host, port, username, password, dbname).`
    )
  }
  return parsed as Record<string, unknown>
}
