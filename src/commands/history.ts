/** The target's migration history, read with the run's dialect: for the commands and the front ends. */
import type { Config } from '../config.js'
import { readHistory } from '../engine/history.js'
import { leaseHolder } from '../engine/lease.js'
import type { History } from '../engine/types.js'
import type { Target } from '../targets/target.js'
import { dialectOf } from './dialect.js'

export type { History } from '../engine/types.js'

/** Who holds the migration lease now, when its table exists (a plain read: it waits for no lock and takes none). */
export async function readLeaseHolder(
  config: Pick<Config, 'target'>,
  target: Target,
  history: History
): Promise<{ owner: string; expiresInSeconds: number } | undefined> {
  return history.present.lock ? leaseHolder(dialectOf(config).engine, target, history.tables) : undefined
}

export function readTargetHistory(config: Pick<Config, 'target' | 'metaTable'>, target: Target): Promise<History> {
  return readHistory(dialectOf(config).engine, target, config.metaTable)
}
