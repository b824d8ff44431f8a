/** MySQL's syntax part (see the syntax section of ../dialect.ts), in MySQL 8's default sql_mode. A file with USE is refused (database-switch.ts). */
import type { SyntaxPart } from '../dialect.js'
import { refuseDatabaseSwitch } from './database-switch.js'
import { splitStatements } from './split.js'
import { cannotRunInTransaction, transactionControl } from './transaction.js'

export const syntax: SyntaxPart = {
  split: (text, file) => refuseDatabaseSwitch(splitStatements(text, file)),
  transactionControl,
  cannotRunInTransaction
}
