/**
 * MySQL's shadow part (see the shadow section of ../dialect.ts): a scratch database on the server at
 * shadow-database-url, or a local server started from the MySQL (else MariaDB, said loudly) binaries on the
 * machine (shadow/), connected through the direct MySQL transport, made like the target's where MySQL allows
 * it (shadow/settings.ts), and a trace of the pending statements that proves which algorithm each ALTER takes
 * (shadow/tracer.ts). The throwaway server's code and the mysql2 driver are imported when verification first uses
 * them: a run that verifies nothing never loads them.
 */
import type { ShadowDialect } from '../../shadow/dialect.js'
import { mysqlMetaTables } from './identifiers.js'
import { createTarget } from '../../targets/create.js'
import type { ShadowPart } from '../dialect.js'
import type { MysqlServerBinary } from './shadow/binaries.js'
import { MysqlTracer } from './shadow/tracer.js'
import { wire } from './wire.js'

const databases = (): Promise<typeof import('./shadow/databases.js')> => import('./shadow/databases.js')

export { MARIADB_DIFFERENCES, describeDifferences, type EngineDifference } from './shadow/differences.js'

/** The shadow part; `binary`: the local server's binary instead of the one found (tests). */
export function mysqlShadow(local: { binary?: MysqlServerBinary } = {}): ShadowPart {
  return {
    // In the throwaway database the URL names.
    metaTables: (url) => mysqlMetaTables(decodeURIComponent(new URL(url).pathname.replace(/^\//, '')), 'schema_migrations'),
    // The direct MySQL transport, its driver loaded on the first call.
    connect: (url, log) => createTarget({ kind: 'mysql-url', url }, wire, log, { resumeTimeoutSeconds: 0 }),
    scratchDatabase: async (url, settings, log) => (await databases()).createScratchDatabase(url, settings, log),
    localServer: async (options) => (await databases()).localShadow({ ...options, ...local }),
    matchSettings: async (target, shadow, settings, log) => (await databases()).matchSettings(target, shadow, settings, log),
    // The algorithm each pending ALTER takes, proved on an empty copy of its table; no lock trace on MySQL.
    tracer: (inner, _url, versions, pending) => new MysqlTracer(inner, versions, pending)
  } satisfies ShadowDialect
}

export const shadow: ShadowPart = mysqlShadow()
