/**
 * `command: plan` verification: applies every version from scratch on a throwaway database, each in
 * its own transaction exactly as apply does, and reports pass/fail per version with the failing
 * file, line and column.
 *
 * The throwaway server comes from the dialect (dialect.ts): a scratch database on the server at
 * `shadow-database-url`, created and dropped afterwards so that the server is left as it was found, or a local
 * server started from binaries on the machine. Verification runs on the dialect's vanilla server: extensions or
 * roles that exist only on Aurora can fail here, and the failure is reported as the server gave it.
 *
 * Given the target's settings (read with the review's catalog call), the database verification runs in is
 * made like the target's, and what it could not match is reported in `settings`.
 */
import { applyMigrations } from '../engine/apply.js'
import type { EngineDialect } from '../engine/dialect.js'
import {
  CommitOutcomeUnknownError,
  LeaseLostError,
  LeaseTimeoutError,
  PlanRefusedError,
  StatementFailedError,
  TransportError,
  errorMessage
} from '../errors.js'
import type { Version } from '../migrations/types.js'
import { planMigrations } from '../plan.js'
import type { TargetSettings } from '../review/dialect.js'
import { maskUrl, scrubSecrets } from '../targets/mask.js'
import type { QueryOptions, QueryResult, SqlParams, Target, TransactionOptions, TransactionResult, TxStatement } from '../targets/target.js'
import type { SettingsMatch, Shadow, ShadowDialect, Tracer } from './dialect.js'
import type { Verification, VersionCheck } from './types.js'

export type { Verification, VersionCheck }

export interface VerifyOptions {
  /** The engine's part of the dialect the plan is verified in. */
  engine: EngineDialect
  shadowDatabaseUrl: string | null
  log: (m: string) => void
  env?: NodeJS.ProcessEnv
  /** The versions the target has not applied: their statements are traced and their schema change read. */
  pending?: number[]
  /** The target's settings (the review's catalog read): the throwaway database is made to match them. */
  targetSettings?: TargetSettings | null
}

/** Times each transaction: every version is applied in exactly one. */
class TimedTarget implements Target {
  lastTransactionMs = 0
  constructor(private readonly inner: Target) {}
  get description(): string {
    return this.inner.description
  }
  query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    return this.inner.query(sql, params, options)
  }
  async transaction(statements: TxStatement[], options?: TransactionOptions): Promise<TransactionResult> {
    const started = Date.now()
    try {
      // As apply sends them: packed into one call where the transport can, when the engine reads no results.
      return await this.inner.transaction(statements, options)
    } finally {
      this.lastTransactionMs = Date.now() - started
    }
  }
  close(): Promise<void> {
    return this.inner.close()
  }
}

function statementCount(version: Version): number {
  return version.files.reduce((sum, file) => sum + file.statements.length, 0)
}

/** A version verification did not run, its statements counted. */
function notRun(version: Version): VersionCheck {
  return { version: version.number, status: 'not-run', durationMs: 0, statements: statementCount(version) }
}

/** Each version as not run, in version order. */
export function notRunChecks(versions: readonly Version[]): VersionCheck[] {
  return [...versions].sort((a, b) => a.number - b.number).map(notRun)
}

/** A verification that did not run (or could not finish), and why: said in the comment as such, never as a failure. */
export function unavailableVerification(server: string | null, message: string, checks: VersionCheck[], durationMs: number): Verification {
  return {
    status: 'unavailable',
    server,
    versions: checks,
    message,
    durationMs,
    trace: null,
    schemaChange: null,
    traceMessage: null,
    settings: null
  }
}

export async function verifyOnShadow(dialect: ShadowDialect, versions: Version[], options: VerifyOptions): Promise<Verification> {
  const started = Date.now()
  const scrub = scrubSecrets(options.shadowDatabaseUrl)
  const log = (message: string): void => options.log(scrub(message))
  const sorted = [...versions].sort((a, b) => a.number - b.number)
  const unavailable = (server: string | null, message: string, checks: VersionCheck[] = notRunChecks(sorted)): Verification =>
    unavailableVerification(server, scrub(message), checks, Date.now() - started)

  let shadow: Shadow
  try {
    shadow = options.shadowDatabaseUrl
      ? await dialect.scratchDatabase(options.shadowDatabaseUrl, options.targetSettings ?? null, log)
      : await dialect.localServer({ ...options, log })
  } catch (error) {
    const server = options.shadowDatabaseUrl ? `shadow-database-url ${maskUrl(options.shadowDatabaseUrl)}` : null
    return unavailable(server, errorMessage(error))
  }

  const timed = new TimedTarget(dialect.connect(shadow.url, log))
  const tracing = tracingFor(dialect, sorted, options.pending, shadow.url, timed)
  const target: Target = tracing ?? timed
  let settings: SettingsMatch | null = null
  try {
    if (options.targetSettings) settings = await dialect.matchSettings(timed, shadow, options.targetSettings, log)
    log(`Verifying ${sorted.length} version${sorted.length === 1 ? '' : 's'} on ${shadow.server}`)
    const result = await applyMigrations(target, sorted, {
      dialect: options.engine,
      tables: dialect.metaTables(shadow.url),
      createSchema: false,
      run: { actor: null, commitSha: null, runUrl: null },
      lease: { owner: 'verify', ttlSeconds: 60, waitTimeoutSeconds: 10 },
      log
    })
    await tracing?.finish()
    const applied = new Map(result.applied.map((a) => [a.version, a]))
    const checks: VersionCheck[] = sorted.map((version) => {
      const done = applied.get(version.number)
      if (done) return { version: version.number, status: 'passed', durationMs: done.durationMs, statements: done.statements }
      if (version.number !== result.failedVersion || !result.error) return notRun(version)
      const error = result.error
      const failed: VersionCheck = {
        version: version.number,
        status: 'failed',
        durationMs: timed.lastTransactionMs,
        statements: statementCount(version)
      }
      if (error instanceof StatementFailedError) {
        failed.error = { ...error.location, message: error.sqlError.message }
        if (error.sqlError.sqlState) failed.error.sqlState = error.sqlError.sqlState
      } else {
        failed.error = { file: version.dir, line: 0, column: 0, message: error.message }
      }
      return failed
    })
    const failure = checks.find((check) => check.status === 'failed')
    if (result.error && (!failure || !isVersionFailure(result.error))) {
      // The server, not the SQL: the connection broke, or the lease could not be taken.
      const reached = checks.map((check): VersionCheck =>
        check.status === 'failed' ? { version: check.version, status: 'not-run', durationMs: 0, statements: check.statements } : check
      )
      return {
        ...unavailable(shadow.server, `Verification on ${shadow.server} could not finish: ${errorMessage(result.error)}`, reached),
        settings
      }
    }
    return {
      status: failure ? 'failed' : 'passed',
      server: shadow.server,
      versions: checks,
      message: failure ? scrub(result.error!.message) : null,
      durationMs: Date.now() - started,
      trace: tracing && !tracing.failure ? tracing.traces : null,
      schemaChange: tracing && !tracing.failure ? tracing.schemaChange() : null,
      appliedSchema: tracing && !tracing.failure ? (tracing.appliedSchema?.() ?? null) : null,
      traceMessage: tracing?.failure ? scrub(`Tracing the pending statements stopped: ${tracing.failure}`) : null,
      settings
    }
  } catch (error) {
    return { ...unavailable(shadow.server, `Verification on ${shadow.server} could not finish: ${errorMessage(error)}`), settings }
  } finally {
    await target.close()
    await shadow.cleanUp()
  }
}

/**
 * The tracing wrapper when there are pending versions to trace. Not when the plan refuses the versions:
 * the engine then applies nothing and says why.
 */
function tracingFor(
  dialect: ShadowDialect,
  versions: Version[],
  pending: number[] | undefined,
  url: string,
  inner: TimedTarget
): Tracer | null {
  const wanted = new Set(pending ?? [])
  if (wanted.size === 0 || planMigrations(versions, []).refusals.length > 0) return null
  const meta = dialect.metaTables(url).display
  const history = (relation: string): boolean => relation === meta || relation.startsWith(`${meta}_`)
  const tracing = dialect.tracer(inner, url, versions, wanted, history)
  if (!tracing) return null
  // Applied from scratch: the first version runs first, and when it is pending nothing runs before the trace's schema read.
  tracing.prepare(wanted.has(Math.min(...versions.map((version) => version.number))))
  return tracing
}

/** Errors that are the version's fault (its SQL), as opposed to the server's, the connection's or the lease's. */
function isVersionFailure(error: Error): boolean {
  return !(
    error instanceof TransportError ||
    error instanceof CommitOutcomeUnknownError ||
    error instanceof LeaseLostError ||
    error instanceof LeaseTimeoutError ||
    error instanceof PlanRefusedError
  )
}
