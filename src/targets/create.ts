/** Builds the Target a configuration asks for: the one place that knows every transport. */
import type { PlanOptions } from '../plan.js'
import { MAX_SQL_LENGTH, createDataApiTarget } from './data-api.js'
import { createLambdaTarget } from './lambda.js'
import { PostgresTarget } from './postgres.js'
import { MysqlTarget } from './mysql.js'
import { LAMBDA_PAYLOAD_LIMIT } from './runner-protocol.js'
import type { TargetConfig } from './target-config.js'
import type { Target } from './target.js'
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
      return new PostgresTarget(config.url, { wire, log })
    case 'lambda':
      return createLambdaTarget({ functionName: config.functionName, log })
    case 'data-api':
      return createDataApiTarget({
        resourceArn: config.resourceArn,
        secretArn: config.secretArn,
        database: config.database ?? undefined,
        wire,
        resumeTimeoutMs: options.resumeTimeoutSeconds * 1000,
        log
      })
    default:
      // The direct mysql:// URL (the kind is not spelled here: no core names a dialect).
      return new MysqlTarget(config.url, { wire, log })
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
