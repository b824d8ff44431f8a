/** MySQL's syntax part (see the syntax section of ../dialect.ts), in MySQL 8's default sql_mode. */
import type { SyntaxPart } from '../dialect.js'
import { splitStatements } from './split.js'
import { cannotRunInTransaction, transactionControl } from './transaction.js'

export const syntax: SyntaxPart = {
  split: (text, file) => splitStatements(text, file),
  transactionControl,
  cannotRunInTransaction
}
