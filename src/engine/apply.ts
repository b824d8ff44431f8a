/**
 * Executes a plan through a Target: takes the lease, re-reads the meta table under it, then applies each
 * pending version in its own transaction — fence, re-check, its statements, its meta row — and releases.
 */
import {
  CommitOutcomeUnknownError,
  LeaseLostError,
  PlanRefusedError,
  StatementFailedError,
  errorMessage
} from '../errors.js'
import type { Statement, Version } from '../migrations/types.js'
import { planMigrations, type Plan, type PlanOptions } from '../plan.js'
import type { Target, TxStatement } from '../targets/target.js'
import { acquireLease, lostLease, type Lease } from './lease.js'
import { ensureMetaTables, insertAppliedRowStatement, readAppliedRow, readAppliedRows, type MetaTables, type RunIdentity } from './meta.js'

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
}

/** SQLSTATEs after which a rolled-back version is worth running again: lock_not_available, deadlock_detected. */
const LOCK_CONFLICTS = new Set(['55P03', '40P01'])

/**
 * The first statements of every version's transaction: the lease fence, the not-yet-applied check,
 * and the transaction's own timeouts (validated numbers, never raw input).
 */
function preamble(version: Version, lease: Lease, options: ApplyOptions): TxStatement[] {
  const statements: TxStatement[] = [
    lease.fence(),
    { sql: `SELECT version FROM ${options.tables.meta} WHERE version = :version`, params: { version: version.number }, expectRows: 0 }
  ]
  if (options.lockTimeoutMs) statements.push({ sql: `SET LOCAL lock_timeout = '${Math.round(options.lockTimeoutMs)}ms'` })
  if (options.statementTimeoutMs) statements.push({ sql: `SET LOCAL statement_timeout = '${Math.round(options.statementTimeoutMs)}ms'` })
  return statements
}

function preview(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim()
  return oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine
}

export async function applyMigrations(target: Target, versions: Version[], options: ApplyOptions): Promise<ApplyResult> {
  const now = options.now ?? Date.now
  const started = now()
  await ensureMetaTables(target, options.tables, options.createSchema)
  const before = planMigrations(versions, await readAppliedRows(target, options.tables), options)
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
    const plan = planMigrations(versions, await readAppliedRows(target, options.tables), options)
    result.plan = plan
    result.fromVersion = plan.currentVersion
    result.toVersion = plan.currentVersion
    result.appliedElsewhere = before.pending.map((p) => p.version).filter((v) => !plan.pending.some((p) => p.version === v))
    if (plan.refusals.length) {
      result.error = new PlanRefusedError(`Nothing was applied. ${plan.refusals.join(' ')}`)
      return finish()
    }
    const byNumber = new Map(versions.map((version) => [version.number, version]))
    for (const pending of plan.pending) {
      renewal.check()
      const version = byNumber.get(pending.version)!
      let outcome: VersionOutcome
      try {
        outcome = await applyVersion(target, version, lease, options)
      } catch (error) {
        outcome = { kind: 'failed', error: error instanceof Error ? error : new Error(String(error)) }
      }
      if (outcome.kind === 'applied') {
        result.applied.push(outcome.applied)
        result.toVersion = version.number
        options.log(`Applied v${version.number} (${outcome.applied.statements} statements) in ${outcome.applied.durationMs} ms`)
      } else if (outcome.kind === 'elsewhere') {
        result.appliedElsewhere.push(version.number)
        result.toVersion = version.number
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
    await lease.release().catch((error) => options.log(`Could not release the migration lease (it expires by itself): ${errorMessage(error)}`))
  }
}

type VersionOutcome =
  | { kind: 'applied'; applied: AppliedVersion }
  | { kind: 'elsewhere' }
  | { kind: 'failed'; error: Error }

/**
 * Applies one version, retrying it (rolled back, outside any transaction) when it gave up waiting for a
 * lock held by application traffic.
 */
async function applyVersion(target: Target, version: Version, lease: Lease, options: ApplyOptions): Promise<VersionOutcome> {
  const retries = options.lockRetries ?? 0
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  for (let attempt = 0; ; attempt++) {
    const outcome = await applyVersionOnce(target, version, lease, options)
    const state = outcome.kind === 'failed' && outcome.error instanceof StatementFailedError ? outcome.error.sqlError.sqlState : undefined
    if (!state || !LOCK_CONFLICTS.has(state) || attempt >= retries) return outcome
    const wait = Math.min(30_000, 1000 * 2 ** attempt) * (0.75 + Math.random() * 0.5)
    const why = state === '55P03' ? `waited longer than lock-timeout for a lock` : 'was chosen as a deadlock victim'
    options.log(`v${version.number} ${why} and was rolled back (${(outcome as { error: Error }).error.message.split('. ')[0]}); retry ${attempt + 1} of ${retries} in ${(wait / 1000).toFixed(1)} s`)
    await sleep(wait)
  }
}

async function applyVersionOnce(target: Target, version: Version, lease: Lease, options: ApplyOptions): Promise<VersionOutcome> {
  const statements: Statement[] = version.files.flatMap((file) => file.statements)
  const files = version.files.map((file) => ({ name: file.name, checksum: file.checksum, statements: file.statements.length }))
  const insert = insertAppliedRowStatement(options.tables, { version: version.number, description: version.description, checksum: version.checksum, files }, options.run)
  const head = preamble(version, lease, options)
  const batch: TxStatement[] = [...head, ...statements.map((statement) => ({ sql: statement.sql })), { sql: insert.sql, params: insert.params, expectRows: 1 }]
  options.log(`Applying v${version.number}${version.description ? ` (${version.description})` : ''}: ${statements.length} statements in ${version.files.length} files`)
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
    // The commit may or may not have happened: the meta row, written in the same transaction, says which.
    // The transaction may also still be running (a Lambda whose reply was lost goes on): it holds the
    // lease row from its first statement, so waiting for that row lock waits for its end.
    options.log(`The reply to the commit of v${version.number} was lost; reading ${options.tables.display} to find out whether it committed`)
    if (!(await waitForInFlightTransaction(target, options, version.number))) {
      return {
        kind: 'failed',
        error: new CommitOutcomeUnknownError(
          `The commit of v${version.number} got no reply and its transaction was still running ${SETTLE_WAIT_MS / 1000} s later: whether it commits is not known yet. ` +
            `Nothing after v${version.number} was applied. Re-run later: the plan will show whether v${version.number} is applied.`,
          { cause: error }
        )
      }
    }
    const row = await readAppliedRow(target, options.tables, version.number)
    // Under the lease nobody else can have recorded it, so a row with this checksum is this run's commit.
    if (row && row.checksum === version.checksum) return applied()
    if (row) return { kind: 'elsewhere' }
    return {
      kind: 'failed',
      error: new CommitOutcomeUnknownError(
        `The commit of v${version.number} got no reply and the version is not recorded in ${options.tables.display}: it was not applied. Re-run to apply it.`,
        { cause: error }
      )
    }
  }
  if (outcome.ok) return applied()
  if (outcome.failedIndex === 0) return { kind: 'failed', error: lostLease(lease.owner) }
  if (outcome.failedIndex === 1 && outcome.guard) return { kind: 'elsewhere' }
  const statementIndex = outcome.failedIndex - head.length
  if (statementIndex < 0) return { kind: 'failed', error: new Error(`Setting up the transaction of v${version.number} failed: ${outcome.error.message}`) }
  if (statementIndex >= statements.length) {
    // The meta row insert failed: a primary key violation means another run recorded it first.
    if (outcome.error.sqlState === '23505') return { kind: 'elsewhere' }
    return { kind: 'failed', error: new Error(`Recording v${version.number} in ${options.tables.display} failed: ${outcome.error.message}. v${version.number} was rolled back.`) }
  }
  const statement = statements[statementIndex]
  const location = locate(statement, outcome.error.position)
  return { kind: 'failed', error: new StatementFailedError(version.number, location, outcome.error, preview(statement.sql)) }
}

/** How long to wait for a version's transaction that may still be running after its reply was lost. */
const SETTLE_WAIT_MS = 120_000

/**
 * A version's transaction row-locks the lease row with its first statement and keeps the lock until it
 * ends. SKIP LOCKED answers at once, so this polls instead of blocking on a lock that a frozen client
 * could hold for long. True once no transaction holds the row.
 */
async function waitForInFlightTransaction(target: Target, options: ApplyOptions, version: number): Promise<boolean> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const started = now()
  for (let logged = false; ; logged = true) {
    const { rows } = await target.query(`SELECT id FROM ${options.tables.lock} WHERE id = 1 FOR UPDATE SKIP LOCKED`)
    if (rows.length) return true
    if (now() - started >= SETTLE_WAIT_MS) return false
    if (!logged) options.log(`The transaction of v${version} is still running; waiting up to ${SETTLE_WAIT_MS / 1000} s for it to end`)
    await sleep(1000)
  }
}

/**
 * Points at the error's position inside the statement when PostgreSQL gave one (1-based, in
 * characters), else at the statement's start.
 */
export function locate(statement: Statement, position: number | undefined): { file: string; line: number; column: number } {
  const base = { file: statement.file, line: statement.line, column: statement.column }
  if (!position || position < 1) return base
  const chars = [...statement.sql]
  if (position > chars.length) return base
  let { line, column } = base
  for (let i = 0; i < position - 1; i++) {
    if (chars[i] === '\n') {
      line++
      column = 1
    } else column++
  }
  return { file: statement.file, line, column }
}

/** Renews the lease in the background; a failed renewal is surfaced before the next version starts. */
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
