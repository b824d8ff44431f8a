/**
 * Builds the Target a configuration asks for: the one place that knows every transport.
 *
 * Each transport's module (and its driver or AWS client: pg, mysql2, @aws-sdk/client-lambda,
 * @aws-sdk/client-rds-data) is imported on the target's first call, not at start-up: a run loads the one
 * transport it uses, and one that never reaches a database (a fork's plan, a refused input) loads none.
 */
import type { PlanOptions } from '../plan.js'
import { MAX_SQL_LENGTH } from './data-api/errors.js'
import { parseFunctionName } from './lambda/function-name.js'
import { maskUrl } from './mask.js'
import { LAMBDA_PAYLOAD_LIMIT } from './runner-protocol.js'
import type { TargetConfig } from './target-config.js'
import type { QueryOptions, QueryResult, SqlParams, Target, TransactionOptions, TransactionResult, TxStatement } from './target.js'
import type { WireDialect } from './wire.js'

/**
 * The transport for `config`, speaking the dialect whose wire part is `wire` (the runner Lambda needs
 * none: the runner speaks it on its side).
 */
export function createTarget(
  config: TargetConfig,
  wire: WireDialect,
  log: (message: string) => void,
  options: { resumeTimeoutSeconds: number }
): Target {
  switch (config.kind) {
    case 'postgres':
      return new LazyTarget(maskUrl(config.url), undefined, async () => {
        const { PostgresTarget } = await import('./postgres/target.js')
        return new PostgresTarget(config.url, { wire, log })
      })
    case 'lambda':
      return new LazyTarget(lambdaDescription(config.functionName), undefined, async () => {
        const { createLambdaTarget } = await import('./lambda/target.js')
        return createLambdaTarget({ functionName: config.functionName, log })
      })
    case 'data-api':
      return new LazyTarget(dataApiDescription(config.resourceArn, config.database), { maxSqlChars: MAX_SQL_LENGTH }, async () => {
        const { createDataApiTarget } = await import('./data-api/target.js')
        return createDataApiTarget({
          resourceArn: config.resourceArn,
          secretArn: config.secretArn,
          database: config.database ?? undefined,
          wire,
          resumeTimeoutMs: options.resumeTimeoutSeconds * 1000,
          log
        })
      })
    default:
      // The direct mysql:// URL (the kind is not spelled here: no core names a dialect).
      return new LazyTarget(maskUrl(config.url), undefined, async () => {
        const { MysqlTarget } = await import('./mysql/target.js')
        return new MysqlTarget(config.url, { wire, log })
      })
  }
}

/** What the Data API transport calls itself (data-api/target.ts): `data-api <cluster>[/<database>]`. */
function dataApiDescription(resourceArn: string, database: string | null): string {
  const match = /:cluster:([^:/]+)$/.exec(resourceArn) ?? /:db:([^:/]+)$/.exec(resourceArn)
  const cluster = match ? match[1] : (resourceArn.split(':').pop() ?? resourceArn)
  return `data-api ${cluster}${database ? `/${database}` : ''}`
}

/** What the runner Lambda transport calls itself (lambda/target.ts): `lambda <name>[:<qualifier>]`. */
function lambdaDescription(functionName: string): string {
  const identity = parseFunctionName(functionName)
  return `lambda ${identity.name}${identity.qualifier ? `:${identity.qualifier}` : ''}`
}

/**
 * A transport whose module is imported on the first call. It says what the transport will say of itself
 * (its description, whether its calls are sessions) before that, and closing it before any call opens nothing.
 */
class LazyTarget implements Target {
  private loading: Promise<Target> | null = null

  constructor(
    readonly description: string,
    readonly callsAreSessions: Target['callsAreSessions'],
    private readonly load: () => Promise<Target>
  ) {}

  private target(): Promise<Target> {
    this.loading ??= this.load()
    return this.loading
  }

  async query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    return (await this.target()).query(sql, params, options)
  }

  async transaction(statements: TxStatement[], options?: TransactionOptions): Promise<TransactionResult> {
    return (await this.target()).transaction(statements, options)
  }

  async close(): Promise<void> {
    // Never loaded, or failed to load: no connection was opened.
    const target = this.loading && (await this.loading.catch(() => null))
    if (target) await target.close()
  }
}

/** What a transport cannot take in one call, for the plan to refuse before anything runs. */
export function transportLimits(config: TargetConfig | null): Pick<PlanOptions, 'maxStatementLength' | 'maxVersionBytes'> {
  // The Data API takes at most 65,536 characters of SQL per call.
  if (config?.kind === 'data-api') return { maxStatementLength: MAX_SQL_LENGTH, maxVersionBytes: null }
  // A version goes to the runner in one invocation; JSON escaping of the SQL needs some of the 6 MB.
  if (config?.kind === 'lambda') return { maxStatementLength: null, maxVersionBytes: Math.floor(LAMBDA_PAYLOAD_LIMIT * 0.9) }
  return { maxStatementLength: null, maxVersionBytes: null }
}
