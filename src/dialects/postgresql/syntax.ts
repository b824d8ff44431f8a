/** PostgreSQL's syntax part (see the syntax section of ../dialect.ts): the migrations core's SqlSyntax. */
import type { SyntaxPart } from '../dialect.js'
import { splitStatements } from './split.js'
import { transactionBlockConflict, transactionControl } from './transaction.js'

export const syntax: SyntaxPart = {
  split: splitStatements,
  transactionControl,
  cannotRunInTransaction: transactionBlockConflict
}
