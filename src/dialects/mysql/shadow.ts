/**
 * MySQL's shadow part (see the shadow section of ../dialect.ts): a scratch database on the server at
 * shadow-database-url, or a local server started from the MySQL (else MariaDB, said loudly) binaries on the
 * machine (shadow/), connected through the direct MySQL transport, made like the target's where MySQL allows
 * it (shadow/settings.ts), and a trace of the pending statements that proves which algorithm each ALTER takes
 * (shadow/tracer.ts).
 */
import type { ShadowDialect } from '../../shadow/dialect.js'
import { mysqlMetaTables } from './identifiers.js'
import { MysqlTarget } from '../../targets/mysql/target.js'
import type { ShadowPart } from '../dialect.js'
import type { MysqlServerBinary } from './shadow/binaries.js'
import { createScratchDatabase, localShadow, matchSettings } from './shadow/databases.js'
import { MysqlTracer } from './shadow/tracer.js'
import { wire } from './wire.js'

export { MARIADB_DIFFERENCES, describeDifferences, type EngineDifference } from './shadow/differences.js'

/** The shadow part; `binary`: the local server's binary instead of the one found (tests). */
export function mysqlShadow(local: { binary?: MysqlServerBinary } = {}): ShadowPart {
  return {
    // In the throwaway database the URL names.
    metaTables: (url) => mysqlMetaTables(decodeURIComponent(new URL(url).pathname.replace(/^\//, '')), 'schema_migrations'),
    connect: (url, log) => new MysqlTarget(url, { wire, log }),
    scratchDatabase: createScratchDatabase,
    localServer: (options) => localShadow({ ...options, ...local }),
    matchSettings,
    // The algorithm each pending ALTER takes, proved on an empty copy of its table; no lock trace on MySQL.
    tracer: (inner, _url, versions, pending) => new MysqlTracer(inner, versions, pending)
  } satisfies ShadowDialect
}

export const shadow: ShadowPart = mysqlShadow()
