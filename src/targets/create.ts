/** Builds the Target a configuration asks for: the one place that knows every transport. */
import type { TargetConfig } from '../config.js'
import { createDataApiTarget } from './data-api.js'
import { PostgresTarget } from './postgres.js'
import type { Target } from './target.js'

/** The Data API takes at most 65,536 characters of SQL per call. */
export const DATA_API_MAX_SQL = 65_536

export function createTarget(config: TargetConfig, log: (message: string) => void, options: { resumeTimeoutSeconds: number }): Target {
  if (config.kind === 'postgres') return new PostgresTarget(config.url, { log })
  return createDataApiTarget({
    resourceArn: config.resourceArn,
    secretArn: config.secretArn,
    database: config.database ?? undefined,
    resumeTimeoutMs: options.resumeTimeoutSeconds * 1000,
    log
  })
}

/** The statement length limit of a transport, or null where it has none worth checking. */
export function maxStatementLength(config: TargetConfig): number | null {
  return config.kind === 'data-api' ? DATA_API_MAX_SQL : null
}
