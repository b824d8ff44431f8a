/**
 * MySQL's transaction statements, read from a statement's leading words through lexer.ts (comments are
 * skipped, an executable comment's content is read as code): START TRANSACTION, BEGIN [WORK], COMMIT,
 * ROLLBACK [TO SAVEPOINT], SAVEPOINT, RELEASE SAVEPOINT, SET TRANSACTION, SET autocommit, LOCK TABLES,
 * UNLOCK TABLES and XA. What a migration file may do with them is the migrations core's rule.
 *
 * Kinds, with the existing meanings: SET autocommit is `modes` (it changes how the session's transactions
 * run; `= 1` also commits); LOCK TABLES and UNLOCK TABLES are `commit` that does not end a wrapper (both
 * commit the active transaction implicitly); XA START/BEGIN, END and PREPARE are `prepare` (they hand the
 * transaction to two-phase commit); XA COMMIT and XA ROLLBACK are `prepared`. USE is not transaction control:
 * no kind fits it, and the port reads transactions only, so it is left to the dialect's review.
 */
import { transactionControlOf as control } from '../../migrations/transaction-control.js'
import type { TransactionBlockConflict, TransactionControl } from '../../migrations/types.js'
import { Scanner } from './lexer.js'

interface Token {
  kind: 'word' | 'string' | 'symbol'
  /** word: lower case; otherwise the source text. */
  value: string
}

/** The first `limit` tokens of `sql`: comments and hints skipped, executable-comment markers dropped. */
function tokenize(sql: string, limit: number): Token[] {
  const scanner = new Scanner(sql)
  const tokens: Token[] = []
  let i = 0
  while (i < sql.length && tokens.length < limit) {
    scanner.scan(i)
    const { kind, end } = scanner
    const text = sql.slice(i, end)
    if (kind === 'word') tokens.push({ kind: 'word', value: text.toLowerCase() })
    else if (kind === 'string' || kind === 'quoted') tokens.push({ kind: 'string', value: text })
    else if (kind === 'symbol') tokens.push({ kind: 'symbol', value: text })
    i = end
  }
  return tokens
}

function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.includes(token.value)
}

/**
 * The transaction-control statement `sql` is (one statement, as split.ts cut it), or null when it is none.
 * `BEGIN NOT ATOMIC` (MariaDB's anonymous block) and a `BEGIN … END` body are not transaction control.
 */
export function transactionControl(sql: string): TransactionControl | null {
  const tokens = tokenize(sql, 32)
  const [first, second] = tokens
  if (isWord(first, 'begin')) {
    const rest = tokens.slice(isWord(second, 'work') ? 2 : 1)
    return rest.length === 0 ? control('BEGIN', 'begin') : null
  }
  if (isWord(first, 'start') && isWord(second, 'transaction')) {
    const modes = modeText(tokens.slice(2))
    // READ WRITE is what the version's transaction is; READ ONLY and WITH CONSISTENT SNAPSHOT ask for another.
    const changesModes =
      modes
        .replace(/,/g, ' ')
        .replace(/\bREAD WRITE\b/g, '')
        .trim() !== ''
    return control(`START TRANSACTION${modes ? ` ${modes}` : ''}`, 'begin', { changesModes })
  }
  if (isWord(first, 'set')) return setStatement(tokens)
  if (isWord(first, 'savepoint')) return control('SAVEPOINT', 'savepoint')
  if (isWord(first, 'release') && isWord(second, 'savepoint')) return control('RELEASE SAVEPOINT', 'savepoint')
  if (isWord(first, 'commit', 'rollback')) {
    const word = first.value
    const rest = tokens.slice(isWord(second, 'work') ? 2 : 1)
    if (word === 'rollback' && isWord(rest[0], 'to')) return control('ROLLBACK TO SAVEPOINT', 'savepoint')
    const chain = isWord(rest[0], 'and') && isWord(rest[1], 'chain')
    const release = rest.some((token, i) => isWord(token, 'release') && !isWord(rest[i - 1], 'no'))
    const statement = `${word.toUpperCase()}${chain ? ' AND CHAIN' : ''}${release ? ' RELEASE' : ''}`
    const kind = word === 'commit' ? 'commit' : 'rollback'
    return control(statement, kind, { endsTransaction: kind === 'commit' && !chain && !release })
  }
  if (isWord(first, 'lock') && isWord(second, 'tables', 'table')) return control('LOCK TABLES', 'commit')
  if (isWord(first, 'unlock') && isWord(second, 'tables', 'table')) return control('UNLOCK TABLES', 'commit')
  if (isWord(first, 'xa')) {
    if (isWord(second, 'start', 'begin', 'end', 'prepare')) return control(`XA ${second!.value.toUpperCase()}`, 'prepare')
    if (isWord(second, 'commit', 'rollback')) return control(`XA ${second!.value.toUpperCase()}`, 'prepared')
  }
  return null
}

/** SET [GLOBAL | SESSION] TRANSACTION …, and SET autocommit in its spellings (`@@autocommit`, `@@session.autocommit`, `SESSION autocommit`). */
function setStatement(tokens: Token[]): TransactionControl | null {
  let i = 1
  if (isWord(tokens[i], 'global', 'session', 'local')) i++
  if (isWord(tokens[i], 'transaction')) {
    const modes = modeText(tokens.slice(i + 1))
    return control(`SET TRANSACTION${modes ? ` ${modes}` : ''}`, 'modes', { changesModes: true })
  }
  const symbol = (token: Token | undefined, value: string): boolean => token?.kind === 'symbol' && token.value === value
  if (symbol(tokens[i], '@') && symbol(tokens[i + 1], '@')) {
    i += 2
    if (isWord(tokens[i], 'session', 'local', 'global') && symbol(tokens[i + 1], '.')) i += 2
  }
  if (isWord(tokens[i], 'autocommit')) return control('SET autocommit', 'modes', { changesModes: true })
  return null
}

/** The modes as written, upper case; anything but a plain keyword or a comma shows as `…` (the text goes into logs). */
function modeText(tokens: Token[]): string {
  return tokens
    .map((token) => {
      if (token.kind === 'word' && /^[a-z_][a-z0-9_]*$/.test(token.value)) return token.value.toUpperCase()
      return token.kind === 'symbol' && token.value === ',' ? ',' : '…'
    })
    .join(' ')
    .replace(/ ,/g, ',')
}

/**
 * Always null. The port's meaning is "the database refuses it in a transaction block, or runs it there with a
 * catch"; MySQL refuses no ordinary migration statement there. Its DDL commits the transaction implicitly,
 * which is not a property of one statement but of the dialect: the engine's `transactionalDdl` (false for
 * MySQL) makes every version run in recorded steps, so flagging each CREATE, ALTER or DROP here would only
 * push files into `-- migrate:no-transaction` without changing how they run.
 */
export function cannotRunInTransaction(sql: string): TransactionBlockConflict | null {
  void sql
  return null
}
