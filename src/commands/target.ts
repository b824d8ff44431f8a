/** The target's lifecycle, one place for every command: created, described in the log, always closed. */
import { randomUUID } from 'node:crypto'
import type { Config } from '../config.js'
import { createTarget } from '../targets/create.js'
import type { Target } from '../targets/target.js'
import { dialectOf, serverLabel } from './dialect.js'
import type { Reporter } from './reporter.js'

export async function withTarget<T>(config: Config, reporter: Reporter, work: (target: Target) => Promise<T>): Promise<T> {
  const target = createTarget(config.target!, dialectOf(config).wire, (message) => reporter.info(message), {
    resumeTimeoutSeconds: config.resumeTimeoutSeconds
  })
  try {
    const server = await serverLabel(config, target)
    reporter.info(`Target: ${target.description}${server ? ` (${server})` : ''}`)
    return await work(target)
  } finally {
    await target.close().catch(() => undefined)
  }
}

/** Who holds the lease while this run works: the run's link (or "local run"), the actor and a random tag. */
export function leaseOwner(config: Config): string {
  return `${config.run.runUrl ?? 'local run'} (${config.run.actor ?? 'unknown actor'}) #${randomUUID().slice(0, 8)}`
}
