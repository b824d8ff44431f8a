/**
 * What the migrations core needs of a SQL dialect's syntax (a port: a dialect implements it, the front
 * ends hand it in). Everything that lexes SQL is behind it: where a file's statements end, which
 * statements control a transaction, and which cannot run inside one.
 */
import type { Statement, TransactionBlockConflict, TransactionControl } from './types.js'

export interface SqlSyntax {
  /**
   * Cuts the text of one migration file into statements, with where each starts. `file` is the path used
   * in locations and errors; what cannot be split (an unterminated string, a client command) throws a
   * MigrationFileError with its location.
   */
  split(text: string, file: string): Statement[]
  /**
   * The transaction-control statement `sql` (one statement, as `split` cut it) is, or null when it is
   * none. Only its leading words count: a COMMIT inside a function body, a string or a comment is none.
   */
  transactionControl(sql: string): TransactionControl | null
  /** Why `sql` (one statement) cannot run inside a transaction block, or null when it can. */
  cannotRunInTransaction(sql: string): TransactionBlockConflict | null
}
