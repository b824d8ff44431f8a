/**
 * `mysql-if-not-exists`: `IF [NOT] EXISTS` on a column, index or constraint (`ADD COLUMN IF NOT EXISTS`,
 * `CREATE INDEX IF NOT EXISTS`, `DROP COLUMN IF EXISTS` …): MariaDB's syntax, a syntax error (1064) on MySQL 8 and
 * so on Aurora MySQL. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { isWord, statementWords, type Word } from '../../statement-words.js'

/** The words at i, i+1 … are `if not exists` or `if exists`. */
function ifExistsAt(tokens: Word[], i: number): boolean {
  return isWord(tokens[i], 'if') && (isWord(tokens[i + 1], 'exists') || (isWord(tokens[i + 1], 'not') && isWord(tokens[i + 2], 'exists')))
}

/** Where the statement says IF [NOT] EXISTS on something MySQL 8 does not allow it on; null when nowhere. */
export function columnLevelIfExists(sql: string): string | null {
  const tokens = statementWords(sql, 4000)
  const first = tokens[0]
  // CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX IF NOT EXISTS
  if (isWord(first, 'create')) {
    let i = 1
    while (isWord(tokens[i], 'unique', 'fulltext', 'spatial', 'online', 'offline')) i++
    if (isWord(tokens[i], 'index') && ifExistsAt(tokens, i + 1)) return 'CREATE INDEX IF NOT EXISTS'
    return null
  }
  if (isWord(first, 'drop') && isWord(tokens[1], 'index') && ifExistsAt(tokens, 2)) return 'DROP INDEX IF EXISTS'
  if (!isWord(first, 'alter')) return null
  for (let i = 1; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'add', 'drop', 'modify', 'change', 'rename')) continue
    let j = i + 1
    while (isWord(tokens[j], 'column', 'index', 'key', 'constraint', 'unique', 'fulltext', 'spatial', 'foreign', 'primary', 'partition'))
      j++
    if (j > i + 1 && ifExistsAt(tokens, j)) {
      return tokens
        .slice(i, j + (isWord(tokens[j + 1], 'not') ? 3 : 2))
        .map((t) => t.text.toUpperCase())
        .join(' ')
    }
    // ADD/DROP/MODIFY/CHANGE col … IF EXISTS (no COLUMN word)
    if (j === i + 1 && ifExistsAt(tokens, j))
      return `${tokens[i].text.toUpperCase()} IF ${isWord(tokens[j + 1], 'not') ? 'NOT EXISTS' : 'EXISTS'}`
  }
  return null
}

export const ifNotExists: Rule = {
  id: 'mysql-if-not-exists',
  severity: 'error',
  summary: 'IF [NOT] EXISTS on a column, index or constraint: MariaDB syntax that MySQL 8 refuses',
  check(statement) {
    const found = columnLevelIfExists(statement.sql)
    if (!found) return []
    return [
      {
        severity: 'error',
        message:
          `\`${found}\` is MariaDB's syntax: MySQL 8 (Aurora MySQL 3) refuses it with a syntax error (1064), so this version fails ` +
          'there. (A throwaway MariaDB accepts it: verification alone would not catch it.)',
        fix:
          'Leave out IF [NOT] EXISTS: the version runs once, and the journal resumes a version that failed half-way without ' +
          'running what completed again. (`CREATE TABLE IF NOT EXISTS` and `DROP TABLE IF EXISTS` are MySQL and fine.)',
        relation: null,
        lock: null
      }
    ]
  }
}
