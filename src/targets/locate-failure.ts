/**
 * Finding where inside its statement a packed transaction failed: the packed form loses the position
 * the server gives, so the statements up to the failing one are replayed unpacked (see the wire
 * dialect's `carriesPosition`).
 */
import type { TransactionResult, TxStatement } from './target.js'
import type { PackedFailure, WireDialect } from './wire.js'

/** Said when a replay could not confirm where inside the statement the error is. */
export const POSITION_NOT_CONFIRMED = ' (the position inside the statement could not be confirmed)'

/**
 * The failure with the position PostgreSQL gives inside the failing statement, found honestly: the
 * statements up to and including the failing one are replayed unpacked, in a transaction that is rolled
 * back (`replay`), and that run's error is taken when it fails at the same statement with the same
 * SQLSTATE. Otherwise the failure is reported at the statement's start, saying the position could not
 * be confirmed.
 */
export async function locateFailure(
  wire: Pick<WireDialect, 'carriesPosition'>,
  failure: PackedFailure,
  statements: TxStatement[],
  replay: (statements: TxStatement[]) => Promise<TransactionResult>
): Promise<PackedFailure> {
  if (!wire.carriesPosition(failure)) return failure
  let replayed: TransactionResult | undefined
  try {
    replayed = await replay(statements.slice(0, failure.failedIndex + 1))
  } catch {
    replayed = undefined
  }
  if (replayed && !replayed.ok && replayed.failedIndex === failure.failedIndex && replayed.error.sqlState === failure.error.sqlState) {
    // The same error, unpacked: its position, or none because PostgreSQL gives none for it.
    return replayed.error.position === undefined ? failure : { ...failure, error: { ...failure.error, position: replayed.error.position } }
  }
  return { ...failure, error: { ...failure.error, message: failure.error.message + POSITION_NOT_CONFIRMED } }
}
