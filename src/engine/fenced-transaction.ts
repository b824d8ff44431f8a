/**
 * The one way the engine runs a fenced transaction — a version's, a segment of one, its meta row alone,
 * a baseline or a repair — and settles a lost commit reply (runFenced). Also what those transactions
 * share: their guards and settings, reading which part failed (by label and phase, never by position),
 * the failure of a version at one of the engine's own statements, and locating an error in its file.
 */
import { isYes } from '../targets/values.js'
import {
  CommitOutcomeUnknownError,
  LeaseLostError,
  VersionTransactionError,
  errorMessage,
  type SqlErrorInfo,
  errorCodes
} from '../errors.js'
import type { Statement, Version } from '../migrations/types.js'
import type { TransactionResult, TxStatement } from '../targets/target.js'
import type { EngineDialect, EnginePart } from './dialect.js'
import { readAppliedRow } from './history-pages.js'
import type { MetaTables } from './meta.js'
import { historyChanged } from './meta-store.js'
import type { EngineContext, VersionOutcome } from './types.js'

export type { EnginePart } from './dialect.js'

/** The check that a version is not yet recorded: it fails (a guard) when another run recorded it. */
export function notAppliedStatement(dialect: EngineDialect, version: Version, tables: MetaTables): TxStatement {
  const query = dialect.meta.notApplied(tables, version.number)
  return { sql: query.sql, params: query.params, expectRows: 0, label: 'not-applied' }
}

/** The transaction's own timeouts, after the guards (validated numbers, never raw input). */
export function settingsStatements(context: EngineContext): TxStatement[] {
  const settings = {
    lockTimeoutMs: context.lockTimeoutMs,
    statementTimeoutMs: context.statementTimeoutMs,
    searchPath: context.searchPath ?? null
  }
  return context.dialect.sessionSettings(settings).map((sql) => ({ sql, label: 'settings' }))
}

/**
 * The meta row insert that records a version, guarded by the rows this run knows (see MetaSql.insertAppliedRow).
 * `earlierMs`: for a version run in steps, the time it took before this, its last transaction.
 */
export function recordStatement(context: EngineContext, version: Version, earlierMs?: number): TxStatement {
  const files = version.files.map((file) => ({ name: file.name, checksum: file.checksum, statements: file.statements.length }))
  const insert = context.dialect.meta.insertAppliedRow(
    context.tables,
    { version: version.number, description: version.description, checksum: version.checksum, files },
    context.run,
    context.recordedRows,
    earlierMs
  )
  return { sql: insert.sql, params: insert.params, expectRows: 1, label: 'record' }
}

export type TransactionFailure = Extract<TransactionResult, { ok: false }>

/** Where a fenced transaction failed: at one of the engine's statements, at one of the body's (`index` in the body), at COMMIT, or unknown. */
export type FailedPart = { part: EnginePart | 'commit' | 'unknown' } | { part: 'statement'; index: number }

const ENGINE_PARTS: ReadonlySet<string> = new Set<EnginePart>(['fence', 'not-applied', 'settings', 'record', 'progress'])

/**
 * Reads a failed transaction whose body (statements sent without a label) starts at `bodyStart`. A
 * failure the transport could not place (no phase: a runner older than phases) is unknown, never taken
 * for a guard, so it can only fail what the transaction was for.
 */
function failedPart(failure: TransactionFailure, bodyStart: number, bodyLength: number): FailedPart {
  if (failure.phase === 'commit') return { part: 'commit' }
  if (failure.phase !== 'statement') return { part: 'unknown' }
  if (failure.failedLabel !== undefined)
    return { part: ENGINE_PARTS.has(failure.failedLabel) ? (failure.failedLabel as EnginePart) : 'unknown' }
  const index = failure.failedIndex - bodyStart
  return index >= 0 && index < bodyLength ? { part: 'statement', index } : { part: 'unknown' }
}

export interface FencedTransaction<Settled> {
  /** What the transaction does, for the log: "v3", "steps 2–4 of v3", "the baseline of v1..v4". */
  what: string
  /** The engine's labelled statements after the fence (the not-applied guard, the timeouts). */
  head: TxStatement[]
  /** The statements the transaction is for, without labels (a version's own; may be empty). */
  body: TxStatement[]
  /** The engine's labelled statements after the body (the meta row, progress rows). */
  tail: TxStatement[]
  /**
   * After a lost commit reply, once the transaction has ended: what the meta or progress table, written
   * in the same transaction, says about whether it committed. Nothing is re-sent.
   */
  settle: () => Promise<Settled>
  /** The table settle() reads, for the log; default the meta table. */
  settledFrom?: string
}

export type FencedResult<Settled> =
  | { kind: 'committed' }
  | { kind: 'failed'; failure: TransactionFailure; part: FailedPart }
  /** The commit reply was lost: `settled` is what settle() read, or null while the transaction was still running after SETTLE_WAIT_MS. */
  | { kind: 'lost'; error: CommitOutcomeUnknownError; settled: Settled | null }

/**
 * Runs fence + head + body + tail in one transaction, which the transport may pack into one call (the
 * engine reads nothing of the results). The fence, first, proves the lease is this run's and row-locks
 * it until the transaction ends. A lost commit reply is settled by settle() once the transaction has ended.
 */
export async function runFenced<Settled>(context: EngineContext, tx: FencedTransaction<Settled>): Promise<FencedResult<Settled>> {
  const head = [{ ...context.lease.fence(), label: 'fence' }, ...tx.head]
  let outcome: TransactionResult
  try {
    outcome = await context.target.transaction([...head, ...tx.body, ...tx.tail], { resultsNeeded: false })
  } catch (error) {
    if (!(error instanceof CommitOutcomeUnknownError)) throw error
    const table = tx.settledFrom ?? context.tables.display
    context.log(`The reply to the commit of ${tx.what} was lost; reading ${table} to find out whether it committed`)
    const ended = await waitForInFlightTransaction(context, tx.what)
    return { kind: 'lost', error, settled: ended ? await tx.settle() : null }
  }
  if (outcome.ok) return { kind: 'committed' }
  return { kind: 'failed', failure: outcome, part: failedPart(outcome, head.length, tx.body.length) }
}

/** How long to wait for a transaction that may still be running after its commit reply was lost. */
export const SETTLE_WAIT_MS = 120_000

/**
 * A fenced transaction row-locks the lease row with its first statement and keeps the lock until it
 * ends. The dialect's probe answers at once, so this polls instead of blocking on a lock that a frozen
 * client could hold for long. True once no transaction holds the row.
 */
async function waitForInFlightTransaction(context: EngineContext, what: string): Promise<boolean> {
  const started = context.now()
  for (let logged = false; ; logged = true) {
    const { rows } = await context.target.query(context.dialect.lease.rowUnlocked(context.tables))
    if (rows.length) return true
    if (context.now() - started >= SETTLE_WAIT_MS) return false
    if (!logged) context.log(`The transaction of ${what} is still running; waiting up to ${SETTLE_WAIT_MS / 1000} s for it to end`)
    await context.sleep(1000)
  }
}

/** After a lost commit of the transaction that records `version`: whether its meta row is there, and written by this run. */
export async function versionRecorded(context: EngineContext, version: Version): Promise<'committed' | 'elsewhere' | 'absent'> {
  const row = await readAppliedRow(context.dialect, context.target, context.tables, version.number)
  // Under the lease nobody else can have recorded it, so a row with this checksum is this run's commit.
  if (row && row.checksum === version.checksum) return 'committed'
  return row ? 'elsewhere' : 'absent'
}

/** The outcome of a version whose recording transaction lost its commit reply. */
export function settledVersion(
  version: Version,
  lost: { error: CommitOutcomeUnknownError; settled: 'committed' | 'elsewhere' | 'absent' | null },
  applied: () => VersionOutcome,
  tables: MetaTables
): VersionOutcome {
  const n = version.number
  if (lost.settled === 'committed') return applied()
  if (lost.settled === 'elsewhere') return { kind: 'elsewhere' }
  const message =
    lost.settled === null
      ? `The commit of v${n} got no reply and its transaction was still running ${SETTLE_WAIT_MS / 1000} s later: whether it commits is not known yet. ` +
        `Nothing after v${n} was applied. Re-run later: the plan will show whether v${n} is applied.`
      : `The commit of v${n} got no reply and the version is not recorded in ${tables.display}: it was not applied. Re-run to apply it.`
  return { kind: 'failed', error: new CommitOutcomeUnknownError(message, { cause: lost.error }) }
}

function withState(error: SqlErrorInfo): string {
  return `${error.message}${errorCodes(error)}`
}

/**
 * The outcome of a version's transaction that failed anywhere but at one of the version's own
 * statements. `afterwards` tells people what the database holds now (and what a re-run does). Only a
 * not-applied guard that found the version's row means another run applied it.
 */
export async function engineFailure(
  context: EngineContext,
  version: Version,
  failure: TransactionFailure,
  part: Exclude<FailedPart['part'], 'statement'>,
  afterwards: string
): Promise<VersionOutcome> {
  const n = version.number
  const { tables } = context
  const error = failure.error
  const advice = failure.guard ? null : context.dialect.engineStatementHint(error)
  const hint = advice ? ` ${advice}` : ''
  const failed = (message: string): VersionOutcome => ({
    kind: 'failed',
    error: new VersionTransactionError(n, part, error, `${message}${hint} ${afterwards}`)
  })
  switch (part) {
    case 'not-applied':
      if (failure.guard) return { kind: 'elsewhere' }
      return failed(`Checking that v${n} is not yet recorded in ${tables.display} failed: ${withState(error)}.`)
    case 'fence':
      if (failure.guard) return { kind: 'failed', error: await leaseLostAt(context, `before v${n}`, afterwards) }
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
        `v${n} failed at COMMIT: ${withState(error)}. Every statement of v${n} ran, and ${context.dialect.name} refused to commit them ` +
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
export async function leaseLostAt(context: EngineContext, when: string, afterwards: string): Promise<LeaseLostError> {
  const { target, lease, tables } = context
  let shows: string
  try {
    const { rows } = await target.query(context.dialect.lease.row(tables))
    const row = rows[0]
    if (!row) shows = `the lease row is missing from ${tables.display}_lock (was the table changed by hand?)`
    else if (row.owner === lease.owner && Number(row.token) === lease.token) {
      shows = `the lease row still names this run (token ${lease.token}, expires ${String(row.expires_at)}), yet the fence matched no row`
    } else if (!row.owner) {
      shows = `the lease was released by someone else (the lease row has no owner, token ${String(row.token)}; this run held token ${lease.token})`
    } else {
      const state = isYes(row.expired) ? 'expired since' : 'it expires at'
      shows = `the lease expired and was taken over by ${String(row.owner)} (token ${String(row.token)}, ${state} ${String(row.expires_at)}; this run held token ${lease.token})`
    }
  } catch (error) {
    shows = `the fence matched no row, and reading the lease row failed: ${errorMessage(error)}`
  }
  return new LeaseLostError(
    `The migration lease of ${lease.owner} was no longer this run's ${when}: ${shows}. This run stopped. ${afterwards}`
  )
}

/**
 * Points at the error's position inside the statement when the database gave one (1-based, in
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
