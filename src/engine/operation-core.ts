/**
 * What baseline and repair share: the lease they hold while they write, and one fenced transaction for
 * their writes, whose lost commit reply is settled by reading the meta table. Neither runs migration SQL.
 */
import { CommitOutcomeUnknownError, errorMessage, errorCodes } from '../errors.js'
import type { Version } from '../migrations/types.js'
import type { Target, TxStatement } from '../targets/target.js'
import { SETTLE_WAIT_MS, leaseLostAt, runFenced } from './fenced-transaction.js'
import { acquireLease, type Lease } from './lease.js'
import { realSleep } from '../text.js'
import type { EngineContext, OperationOptions } from './types.js'

/** The `files` column of a version's row, as apply writes it. */
export function fileRecords(version: Version): string {
  return JSON.stringify(version.files.map((file) => ({ name: file.name, checksum: file.checksum, statements: file.statements.length })))
}

export async function takeLease(target: Target, options: OperationOptions): Promise<Lease> {
  return acquireLease(options.dialect, target, options.tables, {
    ...options.lease,
    log: options.log,
    sleep: options.sleep,
    now: options.now
  })
}

export async function release(lease: Lease, options: OperationOptions): Promise<void> {
  await lease
    .release()
    .catch((error) => options.log(`Could not release the migration lease (it expires by itself): ${errorMessage(error)}`))
}

export function engineContext(target: Target, lease: Lease, options: OperationOptions): EngineContext {
  return {
    dialect: options.dialect,
    target,
    tables: options.tables,
    run: options.run,
    lease,
    log: options.log,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    lockTimeoutMs: null,
    statementTimeoutMs: null
  }
}

/**
 * Writes the rows in one fenced transaction (runFenced). A lost commit reply is settled by reading the
 * meta table once the transaction has ended; nothing is re-sent.
 */
export async function commit(
  context: EngineContext,
  writes: TxStatement[],
  what: string,
  committed: () => Promise<boolean>
): Promise<void> {
  const outcome = await runFenced(context, { what, head: [], body: writes, tail: [], settle: committed })
  if (outcome.kind === 'committed') return
  const { tables } = context
  if (outcome.kind === 'lost') {
    if (outcome.settled === true) return
    throw new CommitOutcomeUnknownError(
      outcome.settled === null
        ? `The commit of ${what} got no reply and its transaction was still running ${SETTLE_WAIT_MS / 1000} s later. Run validate later to see whether it took effect.`
        : `The commit of ${what} got no reply and ${tables.display} does not show it: nothing was written. Re-run.`,
      { cause: outcome.error }
    )
  }
  const { failure, part } = outcome
  if (part.part === 'fence' && failure.guard) throw await leaseLostAt(context, `before ${what} was written`, 'Nothing was written. Re-run.')
  const state = errorCodes(failure.error)
  const where =
    part.part === 'commit'
      ? 'at COMMIT'
      : part.part === 'fence'
        ? 'at its first statement, which extends the migration lease'
        : part.part === 'statement'
          ? `at its statement ${part.index + 2} of ${writes.length + 1}`
          : '(the transport did not say at which statement)'
  const reason = failure.guard ? `the row of the version changed while it ran` : `${failure.error.message}${state}`
  throw new Error(`Writing ${what} to ${tables.display} failed ${where}: ${reason}. Nothing was written.`)
}
