/**
 * Statements PostgreSQL refuses inside a transaction block ("… cannot run inside a transaction
 * block", SQLSTATE 25001). In an ordinary migration file they would fail the whole version; they
 * belong in a file whose first line is `-- migrate:no-transaction`.
 */
import { isWord, tokenize, type Token } from './tokens.js'

export interface TransactionBlockConflict {
  /** What the statement is, in its leading words: `CREATE INDEX CONCURRENTLY`, `VACUUM` … */
  statement: string
  /**
   * error: PostgreSQL refuses it in a transaction. warning: it runs in one, with a catch (ALTER TYPE …
   * ADD VALUE: fine since PostgreSQL 12 unless the new value is used in the same transaction).
   */
  severity: 'error' | 'warning'
}

const error = (statement: string): TransactionBlockConflict => ({ statement, severity: 'error' })

/** The conflict of one statement's SQL with a transaction block, or null when it has none. */
export function transactionBlockConflict(sql: string): TransactionBlockConflict | null {
  const tokens = tokenize(sql)
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
