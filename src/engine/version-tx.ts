/**
 * What every transaction of a version shares, whether the version runs in one transaction (apply.ts)
 * or in steps (steps.ts): the preamble, locating a failure in the file, and settling a lost commit reply.
 */
import { CommitOutcomeUnknownError } from '../errors.js'
import type { Statement, Version } from '../migrations/types.js'
import type { Target, TxStatement } from '../targets/target.js'
import type { AppliedVersion, ApplyOptions } from './apply.js'
import type { Lease } from './lease.js'
import { readAppliedRow } from './meta.js'

export type VersionOutcome =
  | { kind: 'applied'; applied: AppliedVersion }
  | { kind: 'elsewhere' }
  | { kind: 'failed'; error: Error }

/**
 * The first statements of every version's transaction: the lease fence, the not-yet-applied check,
 * and the transaction's own timeouts (validated numbers, never raw input).
 */
export function preamble(version: Version, lease: Lease, options: ApplyOptions): TxStatement[] {
  const statements: TxStatement[] = [
    lease.fence(),
    { sql: `SELECT version FROM ${options.tables.meta} WHERE version = :version`, params: { version: version.number }, expectRows: 0 }
  ]
  if (options.lockTimeoutMs) statements.push({ sql: `SET LOCAL lock_timeout = '${Math.round(options.lockTimeoutMs)}ms'` })
  if (options.statementTimeoutMs) statements.push({ sql: `SET LOCAL statement_timeout = '${Math.round(options.statementTimeoutMs)}ms'` })
  return statements
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
