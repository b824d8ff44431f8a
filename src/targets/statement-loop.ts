/**
 * The statements of a transaction on a kept connection, one at a time, for the transports that hold a session
 * (PostgreSQL's and MySQL's direct ones): each run, its guard checked; the first SQL error or failed guard rolls
 * back and is returned as data; a connection that fails rolls back and throws a TransportError. BEGIN and COMMIT
 * are the transport's own.
 */
import { DatabaseError, TransportError } from '../errors.js'
import { guardFailure, type QueryResult, type TransactionResult, type TxStatement } from './target.js'

export interface StatementLoop {
  /** Runs one statement of the transaction (and whatever the transport runs before it); throws the driver's error. */
  run(statement: TxStatement, index: number): Promise<QueryResult>
  /** The driver's error as a DatabaseError (the SQL's fault) or a TransportError. */
  translate(error: unknown): DatabaseError | TransportError
  /** Rolls back; never throws (a failed rollback drops the connection). */
  rollback(): Promise<void>
  /** What a lost connection may still have committed, after "nothing of the transaction was committed" (MySQL's DDL). */
  committedAnyway?: string
}

/** The results of every statement, or the failure as the Target contract reports it (rolled back). */
export async function runStatementLoop(
  loop: StatementLoop,
  statements: TxStatement[]
): Promise<{ ok: true; results: QueryResult[] } | Extract<TransactionResult, { ok: false }>> {
  const results: QueryResult[] = []
  for (let index = 0; index < statements.length; index++) {
    const statement = statements[index]
    let result: QueryResult
    try {
      result = await loop.run(statement, index)
    } catch (error) {
      const translated = loop.translate(error)
      await loop.rollback()
      if (translated instanceof DatabaseError) {
        return { ok: false, phase: 'statement', failedIndex: index, failedLabel: statement.label, error: translated.info }
      }
      throw new TransportError(
        `The connection failed at statement ${index + 1} of ${statements.length}; nothing of the transaction was committed` +
          `${loop.committedAnyway ? ` ${loop.committedAnyway}` : ''}: ${translated.message}`,
        translated instanceof TransportError ? translated.code : 'CONNECTION_ERROR',
        false,
        { cause: error }
      )
    }
    const refused = guardFailure(statement, result, index)
    if (refused) {
      await loop.rollback()
      return refused
    }
    results.push(result)
  }
  return { ok: true, results }
}
