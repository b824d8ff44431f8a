/**
 * Transaction control written in migration files. Every version already runs in one transaction that
 * aurora-migrate opens, fences and commits together with the version's meta row, so a file must not
 * end, undo or replace it:
 *
 * - A BEGIN … COMMIT around a whole file (sqitch files, hand-written scripts) asks for what the version
 *   does anyway: the two statements are left out of what is sent. The file's checksum stays the
 *   checksum of its text.
 * - Any other transaction-control statement is misplaced, and the plan refuses a pending version that
 *   has one (applied versions are history: they cannot be edited and are not checked).
 *   SAVEPOINT, RELEASE and ROLLBACK TO are allowed inside a file's own BEGIN … COMMIT wrapper, where the
 *   file says it manages a transaction of its own; elsewhere they are refused with the rest, and in a
 *   `-- migrate:no-transaction` file, where each statement commits on its own, nothing is allowed.
 *
 * Which statement is which is the dialect's to say (SqlSyntax.transactionControl); these rules are not.
 */
import type { SqlSyntax } from './syntax.js'
import type { MisplacedTransactionControl, Statement, TransactionControl, TransactionControlKind, TransactionWrapper } from './types.js'

/** A dialect's answer that `statement` is transaction control of `kind` (neither changing modes nor ending a transaction unless said). */
export function transactionControlOf(
  statement: string,
  kind: TransactionControlKind,
  more: Partial<TransactionControl> = {}
): TransactionControl {
  return { statement, kind, changesModes: false, endsTransaction: false, ...more }
}

export interface FileTransactionControl {
  /** The statements to send: without the file's BEGIN … COMMIT wrapper, if it has one. */
  statements: Statement[]
  transactionWrapper: TransactionWrapper | null
  misplaced: MisplacedTransactionControl[]
}

/**
 * Finds a file's transaction control: a BEGIN … COMMIT wrapper around all of its statements (left out of
 * what is sent) and the statements that cannot run where they are.
 */
export function readTransactionControl(
  syntax: Pick<SqlSyntax, 'transactionControl'>,
  statements: Statement[],
  noTransaction: boolean
): FileTransactionControl {
  const controls = statements.map((statement) => syntax.transactionControl(statement.sql))
  const located = (index: number, context: MisplacedTransactionControl['context']): MisplacedTransactionControl => {
    const { file, line, column } = statements[index]
    const { statement, kind } = controls[index]!
    return { file, line, column, statement, kind, context }
  }
  if (noTransaction) {
    const misplaced = controls.flatMap((control, index) => (control ? [located(index, 'no-transaction')] : []))
    return { statements, transactionWrapper: null, misplaced }
  }

  const first = controls[0]
  const last = controls[controls.length - 1]
  const wrapped = statements.length >= 2 && first?.kind === 'begin' && last?.endsTransaction === true
  const misplaced: MisplacedTransactionControl[] = []
  if (wrapped && first.changesModes) misplaced.push(located(0, 'modes'))
  const inner = wrapped ? { from: 1, to: statements.length - 1 } : { from: 0, to: statements.length }
  for (let index = inner.from; index < inner.to; index++) {
    const control = controls[index]
    // Savepoints nest inside the version's transaction: accepted where the file wraps itself in one.
    if (!control || (wrapped && control.kind === 'savepoint')) continue
    misplaced.push(located(index, control.kind === 'modes' ? 'modes' : 'transaction'))
  }
  if (!wrapped) return { statements, transactionWrapper: null, misplaced }
  return {
    statements: statements.slice(1, -1),
    transactionWrapper: { begin: statements[0], end: statements[statements.length - 1] },
    misplaced
  }
}

/** What a misplaced statement would do to the version, in a few words (for refusals and the plan comment). */
export function misplacedEffect(misplaced: Pick<MisplacedTransactionControl, 'kind' | 'context'>): string {
  if (misplaced.context === 'no-transaction') {
    return misplaced.kind === 'prepared'
      ? 'settles another, prepared transaction; a migration must not'
      : 'cannot open, end, undo or shape a transaction there: each statement runs and commits on its own (over the Data API each is its own call)'
  }
  if (misplaced.context === 'modes') {
    return misplaced.kind === 'begin'
      ? "asks for a transaction the version does not run in: a version runs at the database's default isolation level and access mode"
      : "cannot change the version's transaction, which has run statements already and runs at the database's default isolation level and access mode"
  }
  switch (misplaced.kind) {
    case 'begin':
      return 'opens nothing (the version already runs in a transaction); a BEGIN … COMMIT is accepted only around a whole file'
    case 'commit':
      return 'would commit the version half-way: what follows would run outside it, and a failure after it would leave the first part applied and unrecorded'
    case 'rollback':
      return 'would silently discard what ran before it and run the rest outside the version'
    case 'prepare':
      return "would hand the version's transaction to two-phase commit, so nothing of it would be committed"
    case 'prepared':
      return 'settles another, prepared transaction and cannot run in a transaction block; a migration must not'
    case 'savepoint':
      return 'manages a transaction the file does not open: savepoints are accepted only inside a BEGIN … COMMIT around the whole file'
    default:
      return 'cannot run here'
  }
}

/** What to do instead, for each context. */
export const MISPLACED_FIX: Record<MisplacedTransactionControl['context'], string> = {
  transaction:
    'Remove it: every version already runs in one transaction (a BEGIN … COMMIT around a whole file is accepted and left out). ' +
    'Put statements that cannot run in a transaction in a file that starts with -- migrate:no-transaction, and a second transaction in a later version.',
  'no-transaction':
    'Remove it. To run the statements of that file in one transaction, remove -- migrate:no-transaction instead ' +
    '(and keep statements that cannot run in one in a file of their own).',
  modes:
    'Remove the modes (a bare BEGIN … COMMIT around the file is accepted): a migration cannot choose its isolation level or access mode.'
}
