/** The target's migration history, read with the run's dialect: for the commands and the front ends. */
import type { Config } from '../config.js'
import { readHistory } from '../engine/history.js'
import type { History } from '../engine/types.js'
import type { Target } from '../targets/target.js'
import { dialectOf } from './dialect.js'

export type { History } from '../engine/types.js'

export function readTargetHistory(config: Pick<Config, 'target' | 'metaTable'>, target: Target): Promise<History> {
  return readHistory(dialectOf(config).engine, target, config.metaTable)
}
