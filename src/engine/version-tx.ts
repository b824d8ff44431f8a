/**
 * What every transaction of a version shares, whether the version runs in one transaction (apply.ts)
 * or in steps (steps.ts): the preamble and its labels, reading where a transaction failed (a statement of
 * the version, one of the engine's, or COMMIT), locating a failure in the file, and settling a lost
 * commit reply.
 */
import { CommitOutcomeUnknownError, LeaseLostError, VersionTransactionError, errorMessage, type SqlErrorInfo } from '../errors.js'
import type { Statement, Version } from '../migrations/types.js'
import type { Target, TransactionResult, TxStatement } from '../targets/target.js'
import type { AppliedVersion, ApplyOptions } from './apply.js'
import type { Lease } from './lease.js'
import { historyChanged, readAppliedRow, type MetaTables } from './meta.js'

export type VersionOutcome = { kind: 'applied'; applied: AppliedVersion } | { kind: 'elsewhere' } | { kind: 'failed'; error: Error }

/**
 * What each statement the engine adds around a version's own is for, sent as its `label`: a failed
 * transaction is read by what failed (see failedPart), never by position alone.
 */
export type EnginePart = 'fence' | 'not-applied' | 'settings' | 'record' | 'progress'

/** The lease fence, as the first statement of a transaction. */
export function fenceStatement(lease: Lease): TxStatement {
  return { ...lease.fence(), label: 'fence' }
}

/** The first two statements of every transaction that records a version: the lease fence and the not-yet-applied check. */
export function guards(version: Version, lease: Lease, tables: MetaTables): TxStatement[] {
  return [
    fenceStatement(lease),
    {
      sql: `SELECT version FROM ${tables.meta} WHERE version = :version`,
      params: { version: version.number },
      expectRows: 0,
      label: 'not-applied'
    }
  ]
}

/**
 * The first statements of every version's transaction: the guards, and the transaction's own timeouts
 * (validated numbers, never raw input).
 */
export function preamble(version: Version, lease: Lease, options: ApplyOptions): TxStatement[] {
  const statements = guards(version, lease, options.tables)
  if (options.lockTimeoutMs)
    statements.push({ sql: `SET LOCAL lock_timeout = '${Math.round(options.lockTimeoutMs)}ms'`, label: 'settings' })
  if (options.statementTimeoutMs)
    statements.push({ sql: `SET LOCAL statement_timeout = '${Math.round(options.statementTimeoutMs)}ms'`, label: 'settings' })
  return statements
}

export type TransactionFailure = Extract<TransactionResult, { ok: false }>

/** Where a version's transaction failed: at one of the engine's statements, at one of the version's own (`index` in the body), at COMMIT, or unknown. */
export type FailedPart = { part: EnginePart | 'commit' | 'unknown' } | { part: 'statement'; index: number }

const ENGINE_PARTS: ReadonlySet<string> = new Set<EnginePart>(['fence', 'not-applied', 'settings', 'record', 'progress'])

/**
 * Reads a failed transaction whose body (the version's own statements, sent without a label) starts at
 * `bodyStart`. A failure the transport could not place (no phase: a runner older than phases) is
 * unknown, never taken for a guard, so it can only fail the version.
 */
export function failedPart(failure: TransactionFailure, bodyStart: number, bodyLength: number): FailedPart {
  if (failure.phase === 'commit') return { part: 'commit' }
  if (failure.phase !== 'statement') return { part: 'unknown' }
  if (failure.failedLabel !== undefined)
    return { part: ENGINE_PARTS.has(failure.failedLabel) ? (failure.failedLabel as EnginePart) : 'unknown' }
  const index = failure.failedIndex - bodyStart
  return index >= 0 && index < bodyLength ? { part: 'statement', index } : { part: 'unknown' }
}

function withState(error: SqlErrorInfo): string {
  return error.sqlState ? `${error.message} (SQLSTATE ${error.sqlState})` : error.message
}

/** What a person can do about SQL errors the engine's own statements meet. */
const ENGINE_STATEMENT_HINTS: Record<string, string> = {
  '25006':
    'The session is read-only: is the URL or endpoint a reader instance or a standby, or is default_transaction_read_only set for this role or database (ALTER ROLE/DATABASE … SET)?',
  '42501': 'The user may not write the meta tables: grant it SELECT, INSERT, UPDATE and DELETE on them.'
}

/**
 * The outcome of a version's transaction that failed anywhere but at one of the version's own
 * statements. `afterwards` tells people what the database holds now (and what a re-run does). Only a
 * not-applied guard that found the version's row means another run applied it.
 */
export async function engineFailure(
  target: Target,
  version: Version,
  lease: Lease,
  tables: MetaTables,
  failure: TransactionFailure,
  part: Exclude<FailedPart['part'], 'statement'>,
  afterwards: string
): Promise<VersionOutcome> {
  const n = version.number
  const error = failure.error
  const hint =
    !failure.guard && error.sqlState && ENGINE_STATEMENT_HINTS[error.sqlState] ? ` ${ENGINE_STATEMENT_HINTS[error.sqlState]}` : ''
  const failed = (message: string): VersionOutcome => ({
    kind: 'failed',
    error: new VersionTransactionError(n, part, error, `${message}${hint} ${afterwards}`)
  })
  switch (part) {
    case 'not-applied':
      if (failure.guard) return { kind: 'elsewhere' }
      return failed(`Checking that v${n} is not yet recorded in ${tables.display} failed: ${withState(error)}.`)
    case 'fence':
      if (failure.guard) return { kind: 'failed', error: await leaseLostAt(target, lease, tables, `before v${n}`, afterwards) }
      return failed(
        `The transaction of v${n} failed at its first statement, which extends the migration lease in ${tables.display}_lock: ${withState(error)}.`
      )
    case 'settings':
      return failed(`Setting lock-timeout / statement-timeout for the transaction of v${n} failed: ${withState(error)}.`)
    case 'record':
      // Its only guard: the rows this run read are still all there (see insertAppliedRowStatement).
      if (failure.guard) return { kind: 'failed', error: historyChanged(tables, n, afterwards) }
      return failed(`Recording v${n} in ${tables.display} failed: ${withState(error)}.`)
    case 'progress':
      return failed(`Recording the progress of v${n} in ${tables.display}_progress failed: ${withState(error)}.`)
    case 'commit':
      return failed(
        `v${n} failed at COMMIT: ${withState(error)}. Every statement of v${n} ran, and PostgreSQL refused to commit them ` +
          '(a deferred constraint or a serialization check fails at COMMIT, so no single statement can be named); fix the data or the constraint.'
      )
    case 'unknown':
      return failed(`The transaction of v${n} failed (the transport did not say at which statement): ${withState(error)}.`)
  }
}

/**
 * The fence (or a renewal) found the lease no longer this run's: says who holds it now, as the lease
 * row shows, rather than guessing. `when` says when that was found ("before v3").
 */
export async function leaseLostAt(
  target: Target,
  lease: Lease,
  tables: MetaTables,
  when: string,
  afterwards: string
): Promise<LeaseLostError> {
  let shows: string
  try {
    const { rows } = await target.query(
      `SELECT owner, token::bigint::text AS token, expires_at::text AS expires_at, expires_at <= clock_timestamp() AS expired FROM ${tables.lock} WHERE id = 1`
    )
    const row = rows[0]
    if (!row) shows = `the lease row is missing from ${tables.display}_lock (was the table changed by hand?)`
    else if (row.owner === lease.owner && Number(row.token) === lease.token) {
      shows = `the lease row still names this run (token ${lease.token}, expires ${String(row.expires_at)}), yet the fence matched no row`
    } else if (!row.owner) {
      shows = `the lease was released by someone else (the lease row has no owner, token ${String(row.token)}; this run held token ${lease.token})`
    } else {
      const state = row.expired === true ? 'expired since' : 'it expires at'
      shows = `the lease expired and was taken over by ${String(row.owner)} (token ${String(row.token)}, ${state} ${String(row.expires_at)}; this run held token ${lease.token})`
    }
  } catch (error) {
    shows = `the fence matched no row, and reading the lease row failed: ${errorMessage(error)}`
  }
  return new LeaseLostError(
    `The migration lease of ${lease.owner} was no longer this run's ${when}: ${shows}. This run stopped. ${afterwards}`
  )
}

export function preview(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim()
  return oneLine.length > 200 ? `${oneLine.slice(0, 197)}...` : oneLine
}

/** How long to wait for a version's transaction that may still be running after its reply was lost. */
export const SETTLE_WAIT_MS = 120_000

/**
 * A version's transaction row-locks the lease row with its first statement and keeps the lock until it
 * ends. SKIP LOCKED answers at once, so this polls instead of blocking on a lock that a frozen client
 * could hold for long. True once no transaction holds the row.
 */
export async function waitForInFlightTransaction(target: Target, options: ApplyOptions, version: number): Promise<boolean> {
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
 * After the reply to the commit of a version's recording transaction was lost: the commit may or may
 * not have happened, and the meta row, written in the same transaction, says which. The transaction
 * may also still be running (a Lambda whose reply was lost goes on): it holds the lease row from its
 * first statement, so waiting for that row lock waits for its end.
 */
export async function settleLostCommit(
  target: Target,
  version: Version,
  options: ApplyOptions,
  error: CommitOutcomeUnknownError,
  applied: () => VersionOutcome
): Promise<VersionOutcome> {
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
