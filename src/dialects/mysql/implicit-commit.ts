/**
 * Whether a MySQL statement commits on its own (MySQL's "Statements That Cause an Implicit Commit", and
 * MariaDB's list): DDL of tables, indexes, views, triggers, routines, events, databases, users, roles,
 * servers, tablespaces and sequences; RENAME and TRUNCATE; GRANT, REVOKE and SET PASSWORD; the
 * administrative ANALYZE/CHECK/OPTIMIZE/REPAIR TABLE, CACHE INDEX, LOAD INDEX, FLUSH, RESET; INSTALL and
 * UNINSTALL PLUGIN/SONAME; replication control. Read from the leading words (lexer.ts: comments skipped,
 * executable comments read as code).
 *
 * Not: DML, and CREATE/DROP TEMPORARY TABLE, which do not commit — but cannot be rolled back either (a
 * rolled-back transaction leaves the temporary table created or dropped). Transaction control (BEGIN,
 * COMMIT, LOCK TABLES …) is the syntax part's (transaction.ts) and a migration may not hold it.
 *
 * When in doubt this answers true: a statement taken for one that commits only runs alone and journaled,
 * while one wrongly taken for DML would break a transaction in two.
 */
import { isSymbol, isWord, statementWords, type Word } from './statement-words.js'

/** What CREATE / DROP may name that commits. */
const OBJECTS = new Set([
  'table',
  'index',
  'view',
  'trigger',
  'procedure',
  'function',
  'event',
  'database',
  'schema',
  'user',
  'role',
  'server',
  'tablespace',
  'logfile',
  'sequence',
  'spatial',
  'package',
  'resource',
  'undo'
])
const ALTER_OBJECTS = new Set([...OBJECTS, 'instance'])

/** Index just past `DEFINER = user` (user: `name`@`host`, 'a'@'b', CURRENT_USER[()]) at tokens[i], or i. */
function skipDefiner(tokens: Word[], i: number): number {
  if (!isWord(tokens[i], 'definer')) return i
  i++
  if (isSymbol(tokens[i], '=')) i++
  i++ // the user, or CURRENT_USER
  if (isSymbol(tokens[i], '(') && isSymbol(tokens[i + 1], ')')) i += 2
  if (isSymbol(tokens[i], '@')) i += 2
  else if (tokens[i]?.kind === 'word' && tokens[i].value.startsWith('@')) i++
  return i
}

/** Skips the modifiers between CREATE/ALTER/DROP and the object's kind; the index of the kind. */
export function objectKindAt(tokens: Word[], i: number): number {
  for (;;) {
    const before = i
    if (isWord(tokens[i], 'or') && isWord(tokens[i + 1], 'replace')) i += 2
    i = skipDefiner(tokens, i)
    if (isWord(tokens[i], 'algorithm') && isSymbol(tokens[i + 1], '=')) i += 3
    if (isWord(tokens[i], 'sql') && isWord(tokens[i + 1], 'security')) i += 3
    if (isWord(tokens[i], 'unique', 'fulltext', 'online', 'offline', 'ignore', 'aggregate', 'undo')) i++
    if (i === before) return i
  }
}

export function commitsImplicitly(sql: string): boolean {
  const tokens = statementWords(sql, 24)
  const [first, second] = tokens
  if (!first || first.kind !== 'word') return false
  switch (first.value) {
    case 'create':
    case 'drop': {
      const kind = objectKindAt(tokens, 1)
      // CREATE TEMPORARY TABLE / DROP TEMPORARY TABLE do not commit (and cannot be rolled back).
      if (isWord(tokens[kind], 'temporary')) return false
      // DROP PREPARE is DEALLOCATE PREPARE.
      if (isWord(tokens[kind], 'prepare')) return false
      return tokens[kind]?.kind === 'word' && OBJECTS.has(tokens[kind].value)
    }
    case 'alter': {
      const kind = objectKindAt(tokens, 1)
      return tokens[kind]?.kind === 'word' && ALTER_OBJECTS.has(tokens[kind].value)
    }
    case 'rename':
      return isWord(second, 'table', 'tables', 'user')
    case 'truncate':
      return true
    case 'grant':
    case 'revoke':
    case 'flush':
    case 'install':
    case 'uninstall':
      return true
    case 'reset':
      // RESET PERSIST does not commit; RESET MASTER / REPLICA / SLAVE / QUERY CACHE do.
      return !isWord(second, 'persist')
    case 'analyze':
    case 'optimize':
    case 'repair':
    case 'check':
      // ANALYZE TABLE …; CHECK TABLE …; (MariaDB's ANALYZE SELECT/… explains a statement and does not).
      return isWord(second, 'table', 'tables', 'no_write_to_binlog', 'local')
    case 'cache':
      return isWord(second, 'index')
    case 'load':
      return isWord(second, 'index')
    case 'set':
      return isWord(second, 'password') || (isWord(second, 'default') && isWord(tokens[2], 'role'))
    case 'change':
      return isWord(second, 'master', 'replication')
    case 'start':
    case 'stop':
      return isWord(second, 'slave', 'replica', 'all', 'group_replication')
    default:
      return false
  }
}
