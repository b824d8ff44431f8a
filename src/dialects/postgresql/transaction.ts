/**
 * PostgreSQL's transaction statements, read from a statement's leading words (tokens.ts): which
 * statements control a transaction (BEGIN, COMMIT, SAVEPOINT, SET TRANSACTION, PREPARE TRANSACTION …),
 * and which PostgreSQL refuses inside a transaction block ("… cannot run inside a transaction block",
 * SQLSTATE 25001: CREATE INDEX CONCURRENTLY, VACUUM …). What a migration file may do with them is the
 * migrations core's rule (migrations/transaction-control.ts, and the plan's refusals).
 */
import { transactionControlOf as control } from '../../migrations/transaction-control.js'
import type { TransactionBlockConflict, TransactionControl } from '../../migrations/types.js'
import { isWord, tokenize, type Token } from './tokens.js'

/** Optional noise words after BEGIN, COMMIT, END, ROLLBACK and ABORT. */
const NOISE = ['work', 'transaction']

/**
 * The transaction-control statement `sql` is (one statement, as split.ts cut it), or null when it is
 * none. Only its leading words count, so COMMIT inside a DO block, a function body, a string or a
 * comment is never taken for one.
 */
export function transactionControl(sql: string): TransactionControl | null {
  const tokens = tokenize(sql, 64)
  const [first, second, third] = tokens
  if (isWord(first, 'begin')) return begin('BEGIN', tokens.slice(isNoise(second) ? 2 : 1))
  if (isWord(first, 'start') && isWord(second, 'transaction')) return begin('START TRANSACTION', tokens.slice(2))
  // SET [LOCAL | SESSION] TRANSACTION: the current transaction's modes (not SET SESSION CHARACTERISTICS).
  const set = isWord(first, 'set') ? (isWord(second, 'local') || isWord(second, 'session') ? 2 : 1) : 0
  if (set && isWord(tokens[set], 'transaction')) {
    const modes = modeText(tokens.slice(set + 1))
    return control(`SET TRANSACTION${modes ? ` ${modes}` : ''}`, 'modes', { changesModes: true })
  }
  if (isWord(first, 'commit') && isWord(second, 'prepared')) return control('COMMIT PREPARED', 'prepared')
  if (isWord(first, 'rollback') && isWord(second, 'prepared')) return control('ROLLBACK PREPARED', 'prepared')
  // PREPARE TRANSACTION 'gid', not PREPARE transaction AS … (a prepared statement named "transaction").
  const prepare = isWord(first, 'prepare') && isWord(second, 'transaction') && third?.kind === 'string'
  if (prepare) return control('PREPARE TRANSACTION', 'prepare')
  if (isWord(first, 'savepoint')) return control('SAVEPOINT', 'savepoint')
  if (isWord(first, 'release')) return control('RELEASE SAVEPOINT', 'savepoint')
  for (const word of ['commit', 'end', 'rollback', 'abort']) {
    if (!isWord(first, word)) continue
    const rest = tokens.slice(isNoise(second) ? 2 : 1)
    const kind = word === 'commit' || word === 'end' ? 'commit' : 'rollback'
    if (kind === 'rollback' && isWord(rest[0], 'to')) return control('ROLLBACK TO SAVEPOINT', 'savepoint')
    // AND CHAIN ends the transaction and opens another at once; AND NO CHAIN is the plain form.
    const chain = isWord(rest[0], 'and') && isWord(rest[1], 'chain')
    return control(`${word.toUpperCase()}${chain ? ' AND CHAIN' : ''}`, kind, { endsTransaction: kind === 'commit' && !chain })
  }
  return null
}

function isNoise(token: Token | undefined): boolean {
  return NOISE.some((word) => isWord(token, word))
}

/** BEGIN or START TRANSACTION, with the transaction modes that follow it. */
function begin(statement: string, modes: Token[]): TransactionControl {
  const text = modeText(modes)
  return { statement: text ? `${statement} ${text}` : statement, kind: 'begin', changesModes: changesModes(text), endsTransaction: false }
}

/**
 * The modes as written, upper case: `ISOLATION LEVEL SERIALIZABLE, READ ONLY`. The text goes into logs and
 * pull-request comments, so anything but a plain keyword or a comma (a snapshot id string) shows as `…`.
 */
function modeText(tokens: Token[]): string {
  return tokens
    .map((token) => {
      if (token.kind === 'word' && /^[a-z_][a-z0-9_]*$/.test(token.value ?? '')) return token.value!.toUpperCase()
      return token.kind === 'symbol' && token.value === ',' ? ',' : '…'
    })
    .join(' ')
    .replace(/ ,/g, ',')
}

/** Modes that ask for nothing the version's transaction does not have: it writes, and NOT DEFERRABLE is the default. */
const SAME_AS_THE_VERSION = /\b(READ WRITE|NOT DEFERRABLE)\b/g

/**
 * Whether the modes ask for a transaction other than the version's. The version runs at the database's
 * default isolation level and access mode, so even ISOLATION LEVEL READ COMMITTED is refused: the default
 * is set per database and role (default_transaction_isolation), not by the file.
 */
function changesModes(modes: string): boolean {
  return modes.replace(/,/g, ' ').replace(SAME_AS_THE_VERSION, '').trim() !== ''
}

const error = (statement: string): TransactionBlockConflict => ({ statement, severity: 'error' })

/**
 * The conflict of one statement's SQL with a transaction block, or null when it has none: the statements
 * PostgreSQL refuses inside one, and ALTER TYPE … ADD VALUE (a warning: it runs in one since PostgreSQL 12,
 * but the new value cannot be used in the same transaction). In an ordinary migration file they would fail
 * the whole version; they belong in a file whose first line is `-- migrate:no-transaction`.
 */
export function transactionBlockConflict(sql: string): TransactionBlockConflict | null {
  // Four words tell all but ALTER and REINDEX, which are read to the end.
  const head = tokenize(sql, 4)
  const tokens = isWord(head[0], 'alter') || isWord(head[0], 'reindex') ? tokenize(sql) : head
  const [first, second, third] = tokens
  if (isWord(first, 'vacuum')) return error('VACUUM')
  if (isWord(first, 'create')) {
    const index = isWord(second, 'unique') ? 2 : 1
    if (isWord(tokens[index], 'index') && isWord(tokens[index + 1], 'concurrently')) return error('CREATE INDEX CONCURRENTLY')
    if (isWord(second, 'database')) return error('CREATE DATABASE')
    if (isWord(second, 'tablespace')) return error('CREATE TABLESPACE')
    return null
  }
  if (isWord(first, 'drop')) {
    if (isWord(second, 'index') && isWord(third, 'concurrently')) return error('DROP INDEX CONCURRENTLY')
    if (isWord(second, 'database')) return error('DROP DATABASE')
    if (isWord(second, 'tablespace')) return error('DROP TABLESPACE')
    return null
  }
  if (isWord(first, 'reindex')) return reindexConflict(tokens)
  if (isWord(first, 'alter')) {
    if (isWord(second, 'system')) return error('ALTER SYSTEM')
    if (isWord(second, 'type') && followedBy(tokens, 'add', 'value')) return { statement: 'ALTER TYPE … ADD VALUE', severity: 'warning' }
    if (isWord(second, 'database') && followedBy(tokens, 'set', 'tablespace')) return error('ALTER DATABASE … SET TABLESPACE')
    if (isWord(second, 'table') && followedBy(tokens, 'detach', 'partition') && isWord(lastWord(tokens), 'concurrently')) {
      return error('ALTER TABLE … DETACH PARTITION … CONCURRENTLY')
    }
  }
  return null
}

/**
 * REINDEX [ ( option [, …] ) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } [ CONCURRENTLY ] name:
 * CONCURRENTLY (as a keyword or as an option in parentheses) and SCHEMA, DATABASE or SYSTEM cannot run
 * in a transaction block.
 */
function reindexConflict(tokens: Token[]): TransactionBlockConflict | null {
  let i = 1
  let concurrently = false
  if (tokens[i]?.kind === 'symbol' && tokens[i].value === '(') {
    let depth = 0
    for (; i < tokens.length; i++) {
      const token = tokens[i]
      if (token.kind === 'symbol' && token.value === '(') depth++
      else if (token.kind === 'symbol' && token.value === ')') {
        if (--depth === 0) {
          i++
          break
        }
      } else if (isWord(token, 'concurrently')) {
        const value = tokens[i + 1]
        const off = isWord(value, 'false') || isWord(value, 'off') || (value?.kind === 'number' && value.value === '0')
        if (!off) concurrently = true
      }
    }
  }
  const kind = tokens[i]
  // `REINDEX TABLE concurrently` reindexes a table named concurrently: the keyword needs a name after it.
  if (isWord(tokens[i + 1], 'concurrently') && tokens[i + 2] !== undefined) concurrently = true
  if (concurrently) return error('REINDEX … CONCURRENTLY')
  for (const whole of ['schema', 'database', 'system']) if (isWord(kind, whole)) return error(`REINDEX ${whole.toUpperCase()}`)
  return null
}

/** Whether the word `a` is immediately followed by the word `b` somewhere in the statement. */
function followedBy(tokens: Token[], a: string, b: string): boolean {
  for (let i = 0; i + 1 < tokens.length; i++) if (isWord(tokens[i], a) && isWord(tokens[i + 1], b)) return true
  return false
}

function lastWord(tokens: Token[]): Token | undefined {
  for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i].kind !== 'symbol') return tokens[i]
  return undefined
}
