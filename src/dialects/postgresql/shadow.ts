/**
 * PostgreSQL's shadow part (see the shadow section of ../dialect.ts): a scratch database on the server at
 * shadow-database-url or a local server started from the binaries on the machine (shadow/), connected through
 * the pg driver, made like the target's, and the trace of the pending statements from pg_locks and the catalog.
 *
 * Below the part, verification with this part given, for what speaks PostgreSQL alone (its tests and the
 * benchmarks), with the local server's search and start replaceable.
 *
 * The throwaway server's code and the pg driver are imported when verification first uses them: a run that
 * verifies nothing (apply, a plan with verify off) never loads them.
 */
import { metaTables } from '../../engine/meta.js'
import type { Version } from '../../migrations/types.js'
import type { ShadowDialect } from '../../shadow/dialect.js'
import * as core from '../../shadow/verify.js'
import type { Verification } from '../../shadow/types.js'
import { createTarget } from '../../targets/create.js'
import type { ShadowPart } from '../dialect.js'
import type { LocalServerOptions } from './shadow/databases.js'
import { pendingStatements, TracingTarget } from './shadow/tracing-target.js'
import { wire } from './wire.js'

const databases = (): Promise<typeof import('./shadow/databases.js')> => import('./shadow/databases.js')

/** The shadow part, its local server found and started as `local` says (tests replace parts of it). */
export function postgresShadow(local: Pick<LocalServerOptions, 'binSearch' | 'startLocal'> = {}): ShadowPart {
  return {
    metaTables: () => metaTables('public', 'schema_migrations'),
    // The direct PostgreSQL transport, its driver loaded on the first call.
    connect: (url, log) => createTarget({ kind: 'postgres', url }, wire, log, { resumeTimeoutSeconds: 0 }),
    scratchDatabase: async (url, settings, log) => (await databases()).createScratchDatabase(url, settings, log),
    localServer: async (options) => (await databases()).localShadow({ ...options, ...local }),
    matchSettings: async (target, shadow, settings, log) => (await databases()).matchSettings(target, shadow, settings, log),
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
