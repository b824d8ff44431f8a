/**
 * MySQL's vehicle for session statements over the Data API, where every call is a fresh session
 * (mysql-notes §1.5, §2.3 point 5): a temporary procedure whose body runs `SET SESSION lock_wait_timeout = …`
 * and then the statement, so that a DDL gives up on its metadata lock instead of waiting for a year
 * (lock_wait_timeout's default) with every query on the table queued behind it. CALL may go on past the
 * Data API's 45 s (continueAfterTimeout), and while it runs the process list shows the statement itself, not
 * the CALL (measured on MariaDB 10.11; MySQL sets a routine's current statement the same way).
 *
 * Not every statement may run inside a procedure (MySQL's "Restrictions on Stored Programs"): CREATE, ALTER
 * and DROP of a TRIGGER, PROCEDURE, FUNCTION, EVENT or PACKAGE (creating a trigger in one is error 1303),
 * ALTER VIEW, LOCK/UNLOCK TABLES or INSTANCE, LOAD DATA/XML, USE, and transaction control (BEGIN would open a
 * compound block there). For those `sessionRoutine` answers null and the transport runs the statements in one
 * transaction instead.
 */
import type { SqlErrorInfo } from '../../errors.js'
import type { SessionRoutine } from '../../targets/wire.js'
import { quoteIdentifier } from './identifiers.js'
import { statementText } from './literals.js'
import { objectKindAt } from './implicit-commit.js'
import { isWord, statementWords } from './statement-words.js'

/** ER_SP_ALREADY_EXISTS: "PROCEDURE x already exists". */
const ROUTINE_EXISTS = 1304

/** What CREATE / ALTER / DROP may not name inside a procedure. */
const STORED_PROGRAMS = new Set(['trigger', 'procedure', 'function', 'event', 'package'])

/** Statements (by their first word) a procedure may not hold. */
const NEVER = new Set(['lock', 'unlock', 'load', 'use', 'delimiter', 'begin', 'start', 'commit', 'rollback', 'xa', 'savepoint', 'release'])

/** Whether `sql` may run inside a stored procedure. Unknown leading forms answer false (the transaction way always works). */
export function runsInRoutine(sql: string): boolean {
  const tokens = statementWords(sql, 24)
  const first = tokens[0]
  if (!first) return false
  if (first.kind !== 'word') return first.kind === 'symbol' && first.value === '('
  if (NEVER.has(first.value)) return false
  if (isWord(first, 'create', 'alter', 'drop')) {
    const kind = tokens[objectKindAt(tokens, 1)]
    if (kind?.kind === 'word' && STORED_PROGRAMS.has(kind.value)) return false
    if (isWord(first, 'alter') && isWord(kind, 'view')) return false
  }
  return true
}

/** The procedure's name for `token` (letters and digits). */
export function routineName(token: string): string {
  if (!/^[A-Za-z0-9]{1,40}$/.test(token))
    throw new Error(`A session routine's token must be 1 to 40 letters or digits, got ${JSON.stringify(token)}`)
  return `aurora_migrate_session_${token}`
}

/**
 * The procedure for `sql` and its `session` statements, or null where it may not run inside one. The statement
 * stands on lines of its own, ended on the next line: a trailing `-- comment` cannot swallow the body's end.
 */
export function sessionRoutine(sql: string, session: string[], token: string): SessionRoutine | null {
  const statement = statementText(sql)
  if (statement === '' || !runsInRoutine(statement) || session.some((s) => !runsInRoutine(s))) return null
  const name = quoteIdentifier(routineName(token))
  const settings = session.map((s) => `${statementText(s)};\n`).join('')
  return {
    create: `CREATE PROCEDURE ${name}() SQL SECURITY INVOKER BEGIN\n${settings}${statement}\n;\nEND`,
    call: `CALL ${name}()`,
    drop: `DROP PROCEDURE IF EXISTS ${name}`,
    inner: statement,
    alreadyExists: (error: SqlErrorInfo) => error.errno === ROUTINE_EXISTS
  }
}
