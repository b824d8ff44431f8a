/** Builds the Target a configuration asks for: the one place that knows every transport. */
import type { TargetConfig } from '../config.js'
import type { PlanOptions } from '../plan.js'
import { createDataApiTarget } from './data-api.js'
import { createLambdaTarget } from './lambda.js'
import { PostgresTarget } from './postgres.js'
import { LAMBDA_PAYLOAD_LIMIT } from './runner-protocol.js'
import type { Target } from './target.js'

/** The Data API takes at most 65,536 characters of SQL per call. */
export const DATA_API_MAX_SQL = 65_536

export function createTarget(config: TargetConfig, log: (message: string) => void, options: { resumeTimeoutSeconds: number }): Target {
  if (config.kind === 'postgres') return new PostgresTarget(config.url, { log })
  if (config.kind === 'lambda') return createLambdaTarget({ functionName: config.functionName, log })
  return createDataApiTarget({
    resourceArn: config.resourceArn,
    secretArn: config.secretArn,
    database: config.database ?? undefined,
    resumeTimeoutMs: options.resumeTimeoutSeconds * 1000,
    log
  })
}

/** What a transport cannot take in one call, for the plan to refuse before anything runs. */
export function transportLimits(config: TargetConfig | null): Pick<PlanOptions, 'maxStatementLength' | 'maxVersionBytes'> {
  if (config?.kind === 'data-api') return { maxStatementLength: DATA_API_MAX_SQL, maxVersionBytes: null }
  // A version goes to the runner in one invocation; JSON escaping of the SQL needs some of the 6 MB.
  if (config?.kind === 'lambda') return { maxStatementLength: null, maxVersionBytes: Math.floor(LAMBDA_PAYLOAD_LIMIT * 0.9) }
  return { maxStatementLength: null, maxVersionBytes: null }
}
