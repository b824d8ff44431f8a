/**
 * PostgreSQL's shadow part (see the shadow section of ../dialect.ts): a scratch database on the server at
 * shadow-database-url or a local server started from the binaries on the machine (shadow/), connected through
 * the pg driver, made like the target's, and the trace of the pending statements from pg_locks and the catalog.
 *
 * Below the part, verification with this part given, for what speaks PostgreSQL alone (its tests and the
 * benchmarks), with the local server's search and start replaceable.
 */
import { metaTables } from '../../engine/meta.js'
import type { Version } from '../../migrations/types.js'
import type { ShadowDialect } from '../../shadow/dialect.js'
import * as core from '../../shadow/verify.js'
import type { Verification } from '../../shadow/types.js'
import { PostgresTarget } from '../../targets/postgres.js'
import type { ShadowPart } from '../dialect.js'
import { createScratchDatabase, localShadow, matchSettings, type LocalServerOptions } from './shadow/databases.js'
import { pendingStatements, TracingTarget } from './shadow/tracing-target.js'
import { wire } from './wire.js'

/** The shadow part, its local server found and started as `local` says (tests replace parts of it). */
export function postgresShadow(local: Pick<LocalServerOptions, 'binSearch' | 'startLocal'> = {}): ShadowPart {
  return {
    metaTables: () => metaTables('public', 'schema_migrations'),
    connect: (url, log) => new PostgresTarget(url, { wire, log }),
    scratchDatabase: createScratchDatabase,
    localServer: (options) => localShadow({ ...options, ...local }),
    matchSettings,
    tracer: (inner, url, versions, pending, leaveOut) => new TracingTarget(inner, url, pendingStatements(versions, pending), leaveOut)
  } satisfies ShadowDialect
}

export const shadow: ShadowPart = postgresShadow()

export type { Verification }

export type VerifyOptions = core.VerifyOptions & Pick<LocalServerOptions, 'binSearch' | 'startLocal'>

/** Verification on a throwaway PostgreSQL (the shadow-database-url's, or a local one). */
export function verifyOnShadow(versions: Version[], options: VerifyOptions): Promise<Verification> {
  const { binSearch, startLocal, ...rest } = options
  return core.verifyOnShadow(binSearch || startLocal ? postgresShadow({ binSearch, startLocal }) : shadow, versions, rest)
}
