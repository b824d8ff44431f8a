/**
 * Executes a plan through a Target: reads the history and plans before creating anything, takes the
 * lease (reading the history again in the same statement), then applies each pending version in its own
 * fenced transaction — fence, re-check, its statements, its meta row — and releases. A version with
 * `-- migrate:no-transaction` files (or one left partly applied) runs in steps instead: see steps.ts.
 */
import { LeaseLostError, PlanRefusedError, StatementFailedError, StepFailedError, errorMessage } from '../errors.js'
import type { Statement, Version } from '../migrations/types.js'
import { planMigrations, type Plan } from '../plan.js'
import type { Target } from '../targets/target.js'
import {
  engineFailure,
  leaseLostAt,
  locate,
  notAppliedStatement,
  recordStatement,
  runFenced,
  settingsStatements,
  settledVersion,
  versionRecorded
} from './fenced-transaction.js'
import type { EngineErrorClass } from './dialect.js'
import { readHistory, takeLease } from './history.js'
import type { Lease } from './lease.js'
import { applyInSteps } from './steps.js'
import { dropLeftoverRoutines } from './version-routine.js'
import type { ApplyOptions, ApplyResult, EngineContext, VersionOutcome } from './types.js'
import { plural, preview, realSleep } from '../text.js'

export type { AppliedVersion, ApplyOptions, ApplyResult, VersionOutcome } from './types.js'

/** The error classes after which a rolled-back version is worth running again. */
const LOCK_CONFLICTS: ReadonlySet<EngineErrorClass> = new Set<EngineErrorClass>(['lock-not-available', 'deadlock'])

export async function applyMigrations(target: Target, versions: Version[], options: ApplyOptions): Promise<ApplyResult> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? realSleep
  const started = now()
  // Plan before creating anything: a refused or empty run leaves a database without the meta tables as it was.
  const { dialect } = options
  const history = options.history ?? (await readHistory(dialect, target, { schema: options.tables.schema, table: options.tables.table }))
  const tables = history.tables
  const before = planMigrations(versions, history.rows, options)
  const result: ApplyResult = {
    plan: before,
    fromVersion: before.currentVersion,
    toVersion: before.currentVersion,
    applied: [],
    appliedElsewhere: [],
    error: null,
    failedVersion: null,
    leaseWaitedMs: 0,
    durationMs: 0
  }
  const finish = (): ApplyResult => ({ ...result, durationMs: now() - started })
  const refusals = [...before.refusals, ...searchPathRefusals(before, options.searchPath ?? null)]
  if (refusals.length) {
    result.error = new PlanRefusedError(`Nothing was applied. ${refusals.join(' ')}`)
    return finish()
  }
  if (!before.pending.length) return finish()

  let underLease: Awaited<ReturnType<typeof takeLease>>
  try {
    underLease = await takeLease(dialect, target, history, options.createSchema, { ...options.lease, log: options.log, sleep, now })
  } catch (error) {
    result.error = error instanceof Error ? error : new Error(String(error))
    return finish()
  }
  const lease = underLease.lease
  result.leaseWaitedMs = lease.waitedMs
  const context: EngineContext = {
    dialect,
    target,
    tables,
    run: options.run,
    lease,
    log: options.log,
    now,
    sleep,
    lockTimeoutMs: options.lockTimeoutMs ?? null,
    statementTimeoutMs: options.statementTimeoutMs ?? null,
    searchPath: options.searchPath ?? null,
    lockPreflightMs: options.lease.waitTimeoutSeconds * 1000,
    recordedRows: underLease.rows.length
  }
  // A run that died (its lease expired, or it left a version partly applied) may have left its version routine
  // behind (Data API, MySQL): dropped where it no longer runs. Nothing is asked when there is no such sign.
  if (lease.tookOverFrom !== null || underLease.partial.length) await dropLeftoverRoutines(context)
  const renewal = startRenewal(context, options.lease.ttlSeconds)
  try {
    // Another run may have applied versions since the first read: plan again with what was read under the lease.
    const plan = planMigrations(versions, underLease.rows, options)
    result.plan = plan
    result.fromVersion = plan.currentVersion
    result.toVersion = plan.currentVersion
    result.appliedElsewhere = before.pending.map((p) => p.version).filter((v) => !plan.pending.some((p) => p.version === v))
    if (plan.refusals.length) {
      result.error = new PlanRefusedError(`Nothing was applied. ${plan.refusals.join(' ')}`)
      return finish()
    }
    const byNumber = new Map(versions.map((version) => [version.number, version]))
    // Versions an earlier run left partly applied resume in steps, whatever their files say now.
    const partial = new Set(underLease.partial.map((p) => p.version))
    for (const pending of plan.pending) {
      renewal.check()
      const stop = options.stopBefore?.() ?? null
      if (stop) {
        result.stopped = stop
        options.log(`Stopped before v${pending.version}: ${stop}`)
        return finish()
      }
      const version = byNumber.get(pending.version)!
      let outcome: VersionOutcome
      try {
        outcome = await applyVersion(context, version, partial.has(version.number), options.lockRetries ?? 0, underLease.progressTable)
      } catch (error) {
        outcome = { kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) }
      }
      // The highest applied version, also after a lower one was applied out of order.
      if (outcome.kind !== 'failed') {
        context.recordedRows = (context.recordedRows ?? 0) + 1
        result.toVersion = Math.max(result.toVersion, version.number)
      }
      if (outcome.kind === 'applied') {
        result.applied.push(outcome.applied)
        options.log(`Applied v${version.number} (${plural(outcome.applied.statements, 'statement')}) in ${outcome.applied.durationMs} ms`)
      } else if (outcome.kind === 'elsewhere') {
        result.appliedElsewhere.push(version.number)
        options.log(`v${version.number} was applied by another run; skipped`)
      } else {
        result.error = outcome.error
        result.failedVersion = version.number
        return finish()
      }
    }
    return finish()
  } catch (error) {
    result.error = error instanceof Error ? error : new Error(String(error))
    return finish()
  } finally {
    renewal.stop()
    await lease
      .release()
      .catch((error) => options.log(`Could not release the migration lease (it expires by itself): ${errorMessage(error)}`))
  }
}

/**
 * Applies one version, retrying it (rolled back, outside any transaction) when it gave up waiting for a
 * lock held by application traffic. A version runs as one fenced transaction only where the dialect's
 * DDL is transactional; otherwise (and for no-transaction files, or a version left partly applied) in steps.
 */
async function applyVersion(
  context: EngineContext,
  version: Version,
  partial: boolean,
  retries: number,
  progressTable: boolean
): Promise<VersionOutcome> {
  const inSteps = partial || !context.dialect.transactionalDdl || version.files.some((file) => file.noTransaction)
  for (let attempt = 0; ; attempt++) {
    // Under the lease, a version the history shows no progress of has none, until this run tries it.
    const unstarted = progressTable && !partial && attempt === 0
    // The pre-flight's wait (preflight.ts) is spent once, before the first attempt; a retry's wait is its backoff.
    const attemptContext = attempt === 0 ? context : { ...context, lockPreflightMs: undefined }
    const outcome = inSteps ? await applyInSteps(attemptContext, version, unstarted) : await applyInOneTransaction(context, version)
    const failed = outcome.kind === 'failed' && outcome.error instanceof StatementFailedError ? outcome.error : null
    const kind = failed ? context.dialect.classify(failed.sqlError) : null
    if (!failed || !kind || !LOCK_CONFLICTS.has(kind)) return outcome
    const holders = kind === 'lock-not-available' ? await lockHolders(context, failed) : null
    if (holders) context.log(`v${version.number} waited for a lock held by ${holders}`)
    if (attempt >= retries) return outcome
    const wait = Math.min(30_000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5)
    const why = kind === 'lock-not-available' ? `waited longer than lock-timeout for a lock` : 'was chosen as a deadlock victim'
    // A step that gave up on its lock had no effect: a DDL did not run, a DML batch was rolled back.
    const undone = failed instanceof StepFailedError ? 'had no effect' : 'was rolled back'
    context.log(
      `v${version.number} ${why} and ${undone} (${failed.message.split('. ')[0]}); retry ${attempt + 1} of ${retries} in ${(wait / 1000).toFixed(1)} s`
    )
    await context.sleep(wait)
  }
}

/** Who held the lock the failed statement waited for, where the dialect can tell; never fails. */
async function lockHolders(context: EngineContext, error: StatementFailedError): Promise<string | null> {
  const statement = error.location.file ? error.statementPreview : ''
  if (!context.dialect.lockHolders || !statement) return null
  return context.dialect.lockHolders(context.target, statement).catch(() => null)
}

/** The usual case: the whole version and its meta row in one fenced transaction. */
async function applyInOneTransaction(context: EngineContext, version: Version): Promise<VersionOutcome> {
  const statements: Statement[] = version.files.flatMap((file) => file.statements)
  context.log(
    `Applying v${version.number}${version.description ? ` (${version.description})` : ''}: ${plural(statements.length, 'statement')} in ${plural(version.files.length, 'file')}`
  )
  const started = context.now()
  const applied = (): VersionOutcome => ({
    kind: 'applied',
    applied: {
      version: version.number,
      description: version.description,
      durationMs: context.now() - started,
      statements: statements.length,
      files: version.files.map((file) => ({ name: file.name, path: file.path, statements: file.statements.length }))
    }
  })
  const outcome = await runFenced(context, {
    what: `v${version.number}`,
    head: [notAppliedStatement(context.dialect, version, context.tables), ...settingsStatements(context)],
    body: statements.map((statement) => ({ sql: statement.sql })),
    tail: [recordStatement(context, version)],
    settle: () => versionRecorded(context, version)
  })
  if (outcome.kind === 'committed') return applied()
  if (outcome.kind === 'lost') return settledVersion(version, outcome, applied, context.tables)
  if (outcome.part.part !== 'statement') {
    const afterwards = `Nothing of v${version.number} was applied (its transaction was rolled back); versions before it stay applied.`
    return engineFailure(context, version, outcome.failure, outcome.part.part, afterwards)
  }
  const statement = statements[outcome.part.index]
  const location = locate(statement, outcome.failure.error.position)
  return { kind: 'failed', error: new StatementFailedError(version.number, location, outcome.failure.error, preview(statement.sql)) }
}

/**
 * Renews the lease in the background; a failed renewal is surfaced before the next version starts.
 * While a version's transaction holds the lease row, renew() finds it locked and skips that turn
 * without waiting (the version's fence extended the lease, and a locked row cannot be taken over).
 */
function startRenewal(context: EngineContext, ttlSeconds: number): { check(): void; stop(): void } {
  const lease: Lease = context.lease
  let failure: Error | null = null
  let busy = false
  const timer = setInterval(
    () => {
      if (busy || failure) return
      busy = true
      lease
        .renew()
        .catch(async (error) => {
          // A lost lease stops the run, saying what the lease row shows; a failed renewal call is only
          // logged: the fence decides.
          if (error instanceof LeaseLostError) {
            failure = await leaseLostAt(
              context,
              'when it was renewed',
              'Versions it applied stay applied; it stopped before its next version. Re-run to continue.'
            ).catch(() => error)
          } else context.log(`Renewing the migration lease failed (will retry): ${errorMessage(error)}`)
        })
        .finally(() => (busy = false))
    },
    Math.max(1000, (ttlSeconds * 1000) / 3)
  )
  timer.unref()
  return {
    check() {
      if (failure) throw failure
    },
    stop() {
      clearInterval(timer)
    }
  }
}

/**
 * With a search path (a fleet's schemas-query), every statement must run inside the version's transaction, where
 * SET LOCAL points it at the schema: a `-- migrate:no-transaction` file runs outside it, in the database's default
 * schema, so a version with one is refused before anything runs.
 */
export function searchPathRefusals(plan: Plan, searchPath: string | null): string[] {
  if (!searchPath) return []
  return plan.pending.flatMap((pending) =>
    pending.files
      .filter((file) => file.noTransaction)
      .map(
        (file) =>
          `v${pending.version} ${file.path} is a -- migrate:no-transaction file: it runs outside the version's transaction, where the schema ${searchPath} (schemas-query) cannot be set for it. Run it per schema another way, or list the schemas' tables by name.`
      )
  )
}
