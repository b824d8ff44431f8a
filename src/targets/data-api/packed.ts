/**
 * A transaction packed for the Data API (the wire dialect's `pack`): one block in one autocommit call, sent
 * once with continueAfterTimeout, or, when the packed text exceeds what one call takes, as few blocks as
 * fit in one Data API transaction.
 */
import { CommitOutcomeUnknownError, StatementOutcomeUnknownError, errorMessage } from '../../errors.js'
import { locateFailure } from '../locate-failure.js'
import { classifyError, errorName } from '../retry.js'
import type { TransactionResult, TxStatement } from '../target.js'
import type { PackedFailure, WireDialect } from '../wire.js'
import { MAX_SQL_LENGTH, bareText, parseDataApiError } from './errors.js'
import { waitForStatement, type LongStatementContext } from './long-statement.js'

/** What a packed transaction needs of the transport. */
export interface PackedTransport {
  /** The statements one call each, in one Data API transaction that ends with COMMIT or ROLLBACK. */
  statementPerCall(statements: TxStatement[], end: 'commit' | 'rollback'): Promise<TransactionResult>
  /** One autocommit ExecuteStatement with continueAfterTimeout, never re-sent after anything that may have run it. */
  sendOnce(sql: string): Promise<void>
  /** A service error as the transport throws it. */
  translate(error: unknown): Error
  waiting: LongStatementContext
  wire: WireDialect
}

/**
 * The transaction run packed. Undefined when it cannot be packed (a statement that fits a call only
 * alone) or when PostgreSQL refused the packed form only: nothing of it ran, and the caller runs it
 * statement by statement.
 */
export async function runPackedTransaction(transport: PackedTransport, statements: TxStatement[]): Promise<TransactionResult | undefined> {
  const packing = transport.wire.pack(statements, MAX_SQL_LENGTH)
  if (!packing.ok) return undefined
  let failure: PackedFailure | undefined
  if (packing.chunks.length === 1) {
    failure = await oneCall(transport, packing.chunks[0].sql, statements, packing.marker)
  } else {
    const result = await transport.statementPerCall(
      packing.chunks.map((chunk) => ({ sql: chunk.sql })),
      'commit'
    )
    if (!result.ok) {
      failure = transport.wire.decodePackedError(result.error, statements, packing.marker)
      // A block's call that failed without the marker (it outlived the 45 s limit, or a bare "Database
      // returned SQL Exception") does not say at which of its statements: the place is left unknown.
      if (result.phase === 'statement' && failure.phase !== 'statement') {
        failure = { ok: false, failedIndex: statements.length, error: result.error }
      }
    }
  }
  if (!failure) return { ok: true, results: [] }
  if (transport.wire.refusedByPacking(failure)) {
    transport.waiting.log(
      `${transport.wire.serverName} refused the packed form (${failure.error.message}); running the transaction statement by statement`
    )
    return undefined
  }
  return locateFailure(transport.wire, failure, statements, (prefix) => transport.statementPerCall(prefix, 'rollback'))
}

/**
 * One block, autocommit: past the 45 s call limit it goes on server-side, and the target waits for it
 * (as for a long statement). Its outcome is then unknown to the Data API: CommitOutcomeUnknownError, for
 * the caller to settle from the meta table. The same for a lost reply, after waiting for the block if it
 * still runs. It is never re-sent.
 */
async function oneCall(
  transport: PackedTransport,
  sql: string,
  statements: TxStatement[],
  marker: string
): Promise<PackedFailure | undefined> {
  const started = transport.waiting.now()
  try {
    await transport.sendOnce(sql)
    return undefined
  } catch (error) {
    if (classifyError(error) === 'sql') return transport.wire.decodePackedError(parseDataApiError(errorMessage(error)), statements, marker)
    const name = errorName(error)
    if (name !== 'StatementTimeoutException' && classifyError(error) !== 'transient') throw transport.translate(error)
    const shown = `The version's block (${statements.length} statement${statements.length === 1 ? '' : 's'}, one call)`
    const ended = await waitForStatement(transport.waiting, sql, started, null, error, shown)
    if (!(ended instanceof StatementOutcomeUnknownError)) throw ended
    const how = bareText(ended.message).replace(/; whether it succeeded cannot be read from the Data API$/, '')
    throw new CommitOutcomeUnknownError(`${how}; whether it committed cannot be read from the Data API, only from the meta table.`, {
      cause: error
    })
  }
}
