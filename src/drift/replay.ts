/**
 * The schema the applied history makes: exactly the applied versions, from the files on disk, applied in version
 * order on a throwaway database (the one verification uses: a scratch database on shadow-database-url's server, or
 * a local server), then read with the dialect's drift snapshot. The roles the history created are those the
 * throwaway server has after it and did not have before: their grants are compared.
 */
import { applyMigrations } from '../engine/apply.js'
import type { EngineDialect } from '../engine/dialect.js'
import { StatementFailedError, errorMessage } from '../errors.js'
import type { Version } from '../migrations/types.js'
import type { SchemaObject } from '../review/schema-change.js'
import type { Shadow, ShadowDialect } from '../shadow/dialect.js'
import { maskUrl, scrubSecrets } from '../targets/mask.js'
import type { DriftDialect } from './dialect.js'

export interface Replayed {
  /** Where it ran, safe to show. */
  server: string
  objects: SchemaObject[]
  /** The roles the history created. */
  roles: string[]
}

export interface ReplayOptions {
  engine: EngineDialect
  shadow: ShadowDialect
  drift: DriftDialect
  shadowDatabaseUrl: string | null
  log: (message: string) => void
  env?: NodeJS.ProcessEnv
}

/** Why the applied history could not be replayed: drift then has nothing to compare with. */
export class ReplayError extends Error {
  override name = 'ReplayError'
}

export async function replayHistory(versions: Version[], options: ReplayOptions): Promise<Replayed> {
  const scrub = scrubSecrets(options.shadowDatabaseUrl)
  const log = (message: string): void => options.log(scrub(message))
  const sorted = [...versions].sort((a, b) => a.number - b.number)
  let shadow: Shadow
  try {
    shadow = options.shadowDatabaseUrl
      ? await options.shadow.scratchDatabase(options.shadowDatabaseUrl, null, log)
      : await options.shadow.localServer({ log, env: options.env })
  } catch (error) {
    const where = options.shadowDatabaseUrl ? ` (shadow-database-url ${maskUrl(options.shadowDatabaseUrl)})` : ''
    throw new ReplayError(
      scrub(`drift needs a throwaway database to replay the applied history on${where}, and none could be had: ${errorMessage(error)}`)
    )
  }
  const target = options.shadow.connect(shadow.url, log)
  try {
    const before = new Set(await options.drift.roles(target))
    log(`Replaying ${sorted.length} applied version${sorted.length === 1 ? '' : 's'} on ${shadow.server}`)
    const tables = options.shadow.metaTables(shadow.url)
    const result = await applyMigrations(target, sorted, {
      dialect: options.engine,
      tables,
      createSchema: false,
      run: { actor: null, commitSha: null, runUrl: null },
      lease: { owner: 'drift', ttlSeconds: 60, waitTimeoutSeconds: 10 },
      log
    })
    if (result.error) {
      const error = result.error
      const at = error instanceof StatementFailedError ? ` at ${error.location.file}:${error.location.line}:${error.location.column}` : ''
      throw new ReplayError(
        scrub(
          `the applied history could not be replayed on ${shadow.server}: v${result.failedVersion ?? '?'} failed${at}: ${error.message}. ` +
            'Drift compares with the schema the applied versions make; fix the throwaway server (shadow-database-url) or the cause, and run drift again.'
        )
      )
    }
    const roles = (await options.drift.roles(target)).filter((role) => !before.has(role)).sort()
    const objects = await options.drift.snapshot(target, { roles, bodies: true, history: tables })
    return { server: shadow.server, objects, roles }
  } finally {
    await target.close().catch(() => undefined)
    await shadow.cleanUp()
  }
}
