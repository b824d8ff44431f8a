/**
 * What a warm container keeps across invocations: the secret, read once, and one connection. A
 * connection error drops the connection and the next invocation connects again; a refused password
 * drops the secret too (it may have been rotated).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { TransportError, type CommitOutcomeUnknownError } from '../src/errors.js'
import type { Target } from '../src/targets/target.js'
import { ConfigurationError, fetchSecret, settingsFromSecret, settingsFromUrl, type ConnectionSettings } from './connection.js'
import type { RunnerDialect } from './dialect.js'
import { mysqlRunner } from './mysql.js'
import { postgresqlRunner } from './postgresql.js'

/** The container's connection: its target and the dialect's runner part that drives it. */
export interface Connected {
  target: Target
  dialect: RunnerDialect
  /** An earlier invocation connected it. */
  reused: boolean
}

const RUNNERS = { postgresql: postgresqlRunner, mysql: mysqlRunner } as Record<ConnectionSettings['dialect'], RunnerDialect>

export class Container {
  private secret: Promise<Record<string, unknown>> | undefined
  private current: { url: string; tls: string; target: Target; dialect: RunnerDialect } | undefined

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private secretsClient: SecretsManagerClient | undefined,
    private readonly log: (line: string) => void
  ) {}

  /** The container's target for the function's settings (its dialect picked by them); `reused` when an earlier invocation connected it. */
  async target(): Promise<Connected> {
    const found = await this.settings()
    const current = this.current
    if (current && current.url === found.url && current.tls === found.tls)
      return { target: current.target, dialect: current.dialect, reused: true }
    await this.drop()
    const dialect = RUNNERS[found.dialect]
    const target = dialect.openTarget(found, this.log)
    this.current = { url: found.url, tls: found.tls, target, dialect }
    return { target, dialect, reused: false }
  }

  /** Closes the container's connection. */
  async drop(): Promise<void> {
    const old = this.current
    this.current = undefined
    if (old) await old.target.close().catch(() => {})
  }

  /** A connection failure: forget the connection, and the secret when the password was refused (rotated). */
  async connectionFailure(error: TransportError | CommitOutcomeUnknownError, connected: Connected): Promise<void> {
    const { target, dialect } = connected
    if (error instanceof TransportError && dialect.isAuthenticationFailure(error.code)) this.secret = undefined
    if (this.current?.target === target) await this.drop()
  }

  private async settings(): Promise<ConnectionSettings> {
    const secretArn = this.env.DB_SECRET_ARN?.trim()
    const databaseUrl = this.env.DATABASE_URL?.trim()
    if (secretArn && databaseUrl)
      throw new ConfigurationError('Both DB_SECRET_ARN and DATABASE_URL are set on the runner function; set only one.')
    if (secretArn) return settingsFromSecret(await this.readSecret(secretArn), this.env, secretArn)
    if (databaseUrl) return settingsFromUrl(databaseUrl, this.env)
    throw new ConfigurationError(
      'The runner function has no database: set DB_SECRET_ARN (an RDS secret: host, port, username, password, dbname) or DATABASE_URL (postgres://… or mysql://…) in its environment.'
    )
  }

  /** The secret, read once per container; a failed read is not kept, so the next invocation tries again. */
  private readSecret(arn: string): Promise<Record<string, unknown>> {
    if (!this.secret) {
      this.secretsClient ??= new SecretsManagerClient({
        requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000, throwOnRequestTimeout: true }
      })
      const reading = fetchSecret(this.secretsClient, arn)
      this.secret = reading
      reading.catch(() => {
        if (this.secret === reading) this.secret = undefined
      })
    }
    return this.secret
  }
}
