/**
 * Executes a plan through a Target: takes the lease, re-reads the meta table under it, then applies each
 * pending version in its own transaction — fence, re-check, its statements, its meta row — and releases.
 * A version with `-- migrate:no-transaction` files (or one left partly applied) runs in steps instead:
 * see steps.ts.
 */
import { CommitOutcomeUnknownError, LeaseLostError, PlanRefusedError, StatementFailedError, errorMessage } from '../errors.js'
import type { Statement, Version } from '../migrations/types.js'
import { planMigrations, type Plan, type PlanOptions } from '../plan.js'
import type { Target, TxStatement } from '../targets/target.js'
import { acquireLease, type Lease } from './lease.js'
import {
  ensureMetaTables,
  insertAppliedRowStatement,
  metaTableExists,
  readAppliedRows,
  readPartialVersions,
  type MetaTables,
  type RunIdentity
} from './meta.js'
import { applyInSteps } from './steps.js'
import { engineFailure, failedPart, locate, preamble, preview, settleLostCommit, type VersionOutcome } from './version-tx.js'

export { locate } from './version-tx.js'

export interface AppliedVersion {
  version: number
  description: string
  /** Wall time of the version's transaction as this run saw it. */
  durationMs: number
  statements: number
  files: Array<{ name: string; path: string; statements: number }>
}

export interface ApplyResult {
  /** The plan as it was under the lease (what this run set out to do). */
  plan: Plan
  fromVersion: number
  toVersion: number
  applied: AppliedVersion[]
  /** Versions that another run applied while this one waited or worked. */
  appliedElsewhere: number[]
  /** Set when the run stopped on an error; versions in `applied` stay applied. */
  error: Error | null
  /** The version that failed, when one did. */
  failedVersion: number | null
  leaseWaitedMs: number
  durationMs: number
}

export interface ApplyOptions extends PlanOptions {
  tables: MetaTables
  /** Create the schema of the meta table when it does not exist (meta-table given as schema.table). */
  createSchema: boolean
  run: RunIdentity
  lease: { owner: string; ttlSeconds: number; waitTimeoutSeconds: number }
  log: (message: string) => void
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  /** SET LOCAL lock_timeout for each version's transaction (ms); null: the database's setting. */
  lockTimeoutMs?: number | null
  /** SET LOCAL statement_timeout for each version's transaction (ms); null: the database's setting. */
  statementTimeoutMs?: number | null
  /** How often a version that gave up waiting for a lock (55P03) or hit a deadlock (40P01) is retried. */
  lockRetries?: number
  /**
   * Set by the run loop for each version: the rows the meta table holds as far as this run knows (read
   * under the lease, plus the versions recorded since). The version's meta row insert is guarded by it.
   */
  recordedRows?: number
}

/** SQLSTATEs after which a rolled-back version is worth running again: lock_not_available, deadlock_detected. */
const LOCK_CONFLICTS = new Set(['55P03', '40P01'])

export async function applyMigrations(target: Target, versions: Version[], options: ApplyOptions): Promise<ApplyResult> {
  const now = options.now ?? Date.now
  const started = now()
  // Plan before creating anything: a refused or empty run leaves a database without the meta tables as it was.
  const recorded = (await metaTableExists(target, options.tables)) ? await readAppliedRows(target, options.tables) : []
  const before = planMigrations(versions, recorded, options)
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
  if (before.refusals.length) {
    result.error = new PlanRefusedError(`Nothing was applied. ${before.refusals.join(' ')}`)
    return finish()
  }
  if (!before.pending.length) return finish()
  await ensureMetaTables(target, options.tables, options.createSchema)

  let lease: Lease
  try {
    lease = await acquireLease(target, options.tables, { ...options.lease, log: options.log, sleep: options.sleep, now })
  } catch (error) {
    result.error = error instanceof Error ? error : new Error(String(error))
    return finish()
  }
  result.leaseWaitedMs = lease.waitedMs
  const renewal = startRenewal(lease, options)
  try {
    // Another run may have applied versions while this one waited: plan again under the lease.
    const history = await readAppliedRows(target, options.tables)
    let recordedRows = history.length
    const plan = planMigrations(versions, history, options)
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
    const partial = new Set((await readPartialVersions(target, options.tables)).map((p) => p.version))
    for (const pending of plan.pending) {
      renewal.check()
      const version = byNumber.get(pending.version)!
      let outcome: VersionOutcome
      try {
        outcome = await applyVersion(target, version, lease, { ...options, recordedRows }, partial.has(version.number))
      } catch (error) {
        outcome = { kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) }
      }
      // The highest applied version, also after a lower one was applied out of order.
      if (outcome.kind !== 'failed') {
        recordedRows++
        result.toVersion = Math.max(result.toVersion, version.number)
      }
      if (outcome.kind === 'applied') {
        result.applied.push(outcome.applied)
        options.log(`Applied v${version.number} (${outcome.applied.statements} statements) in ${outcome.applied.durationMs} ms`)
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
 * lock held by application traffic.
 */
async function applyVersion(
  target: Target,
  version: Version,
  lease: Lease,
  options: ApplyOptions,
  partial: boolean
): Promise<VersionOutcome> {
  const retries = options.lockRetries ?? 0
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const inSteps = partial || version.files.some((file) => file.noTransaction)
  for (let attempt = 0; ; attempt++) {
    const outcome = inSteps ? await applyInSteps(target, version, lease, options) : await applyVersionOnce(target, version, lease, options)
    const state = outcome.kind === 'failed' && outcome.error instanceof StatementFailedError ? outcome.error.sqlError.sqlState : undefined
    if (!state || !LOCK_CONFLICTS.has(state) || attempt >= retries) return outcome
    const wait = Math.min(30_000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5)
    const why = state === '55P03' ? `waited longer than lock-timeout for a lock` : 'was chosen as a deadlock victim'
    options.log(
      `v${version.number} ${why} and was rolled back (${(outcome as { error: Error }).error.message.split('. ')[0]}); retry ${attempt + 1} of ${retries} in ${(wait / 1000).toFixed(1)} s`
    )
    await sleep(wait)
  }
}

async function applyVersionOnce(target: Target, version: Version, lease: Lease, options: ApplyOptions): Promise<VersionOutcome> {
  const statements: Statement[] = version.files.flatMap((file) => file.statements)
  const files = version.files.map((file) => ({ name: file.name, checksum: file.checksum, statements: file.statements.length }))
  const insert = insertAppliedRowStatement(
    options.tables,
    { version: version.number, description: version.description, checksum: version.checksum, files },
    options.run,
    options.recordedRows
  )
  const head = preamble(version, lease, options)
  const batch: TxStatement[] = [
    ...head,
    ...statements.map((statement) => ({ sql: statement.sql })),
    { sql: insert.sql, params: insert.params, expectRows: 1, label: 'record' }
  ]
  options.log(
    `Applying v${version.number}${version.description ? ` (${version.description})` : ''}: ${statements.length} statements in ${version.files.length} files`
  )
  const started = (options.now ?? Date.now)()
  const applied = (): VersionOutcome => ({
    kind: 'applied',
    applied: {
      version: version.number,
      description: version.description,
      durationMs: (options.now ?? Date.now)() - started,
      statements: statements.length,
      files: version.files.map((file) => ({ name: file.name, path: file.path, statements: file.statements.length }))
    }
  })

  let outcome
  try {
    outcome = await target.transaction(batch)
  } catch (error) {
    if (!(error instanceof CommitOutcomeUnknownError)) throw error
    return settleLostCommit(target, version, options, error, applied)
  }
  if (outcome.ok) return applied()
  const failed = failedPart(outcome, head.length, statements.length)
  if (failed.part !== 'statement') {
    const afterwards = `Nothing of v${version.number} was applied (its transaction was rolled back); versions before it stay applied.`
    return engineFailure(target, version, lease, options.tables, outcome, failed.part, afterwards)
  }
  const statement = statements[failed.index]
  const location = locate(statement, outcome.error.position)
  return { kind: 'failed', error: new StatementFailedError(version.number, location, outcome.error, preview(statement.sql)) }
}

/**
 * Renews the lease in the background; a failed renewal is surfaced before the next version starts.
 * While a version's transaction holds the lease row, renew() finds it locked and skips that turn
 * without waiting (the version's fence extended the lease, and a locked row cannot be taken over).
 */
function startRenewal(lease: Lease, options: ApplyOptions): { check(): void; stop(): void } {
  let failure: Error | null = null
  let busy = false
  const timer = setInterval(
    () => {
      if (busy || failure) return
      busy = true
      lease
        .renew()
        .catch((error) => {
          // A lost lease stops the run; a failed renewal call is only logged: the fence decides.
          if (error instanceof LeaseLostError) failure = error
          else options.log(`Renewing the migration lease failed (will retry): ${errorMessage(error)}`)
        })
        .finally(() => (busy = false))
    },
    Math.max(1000, (options.lease.ttlSeconds * 1000) / 3)
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
