/**
 * A transaction's statements packed into anonymous `DO` blocks, so that a version costs one call
 * (pure: builds text and reads errors, no I/O).
 *
 * Each statement runs through `EXECUTE` of a dollar-quoted literal, in order. Before each one the block
 * sets `step` to the statement's index; a statement with `expectRows` is followed by a check of
 * `GET DIAGNOSTICS … ROW_COUNT` that raises SQLSTATE `AMG01` when it does not hold. One exception
 * handler around the body re-raises whatever failed with PostgreSQL's own SQLSTATE, message, detail and
 * hint, the message prefixed with `<marker> step N: ` (local variables keep their values in the
 * handler). `decodePackedError` turns that back into the failure the unpacked form reports. An error
 * without the prefix was raised after the block ended: at COMMIT (a deferred constraint).
 *
 * Transaction control cannot escape: EXECUTE refuses transaction commands (BEGIN, COMMIT, ROLLBACK,
 * SAVEPOINT: "EXECUTE of transaction commands is not implemented"), and a COMMIT reached any other way
 * inside a block with an exception handler fails (a subtransaction is active).
 */
import type { SqlErrorInfo } from '../../errors.js'
import { guardFailed, type SqlParams, type SqlValue, type TxStatement } from '../../targets/target.js'
import type { PackedChunk, PackedFailure, Packing } from '../../targets/wire.js'
import { isWord, tokenize } from './tokens.js'
import { transactionControl } from './transaction.js'
import { replaceNamedParameters } from './named-parameters.js'

export type { PackedChunk, PackedFailure, Packing } from '../../targets/wire.js'

/** The SQLSTATE a packed guard raises (class AM is not one of PostgreSQL's). */
export const GUARD_SQLSTATE = 'AMG01'

/** A dollar-quote tag `$name$` can wrap `text` when the text cannot end the quote early. */
export function tagFits(text: string, tag: string): boolean {
  return (text + tag).indexOf(tag) === text.length
}

/** `$base$`, or `$base_1$`, `$base_2$`, … : the first that fits every text. */
export function freeTag(base: string, texts: string[]): string {
  for (let n = 0; ; n++) {
    const tag = n === 0 ? `$${base}$` : `$${base}_${n}$`
    if (texts.every((text) => tagFits(text, tag))) return tag
  }
}

export function dollarQuote(text: string, base: string): string {
  const tag = freeTag(base, [text])
  return `${tag}${text}${tag}`
}

/**
 * A value as an SQL literal of the same meaning as the bound parameter: an untyped string constant
 * (E'…' with quotes and backslashes doubled: it reads the same whatever standard_conforming_strings
 * says), a number (negative ones in parentheses, so that `- :n` cannot become a comment), a boolean,
 * NULL.
 */
export function sqlLiteral(value: SqlValue | undefined): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot inline the number ${value} into SQL`)
    return value < 0 || Object.is(value, -0) ? `(${String(value)})` : String(value)
  }
  return ` E'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "''")}' `
}

/** The statement with its `:name` parameters inlined as literals. */
export function inlineParameters(sql: string, params: SqlParams | undefined): string {
  if (!params || Object.keys(params).length === 0) return sql
  return replaceNamedParameters(sql, (name) => (Object.prototype.hasOwnProperty.call(params, name) ? sqlLiteral(params[name]) : undefined))
}

const MARKER_BASE = 'aurora_migrate_packed'

function statementPart(index: number, text: string, statement: TxStatement): string {
  const lines = [`  step := ${index};`, `  EXECUTE ${dollarQuote(text, `s${index}`)};`]
  if (statement.expectRows !== undefined) {
    lines.push(
      '  GET DIAGNOSTICS n = ROW_COUNT;',
      `  IF n <> ${Math.trunc(statement.expectRows)} THEN RAISE EXCEPTION USING ERRCODE = '${GUARD_SQLSTATE}', MESSAGE = n::text; END IF;`
    )
  }
  return lines.join('\n')
}

function block(marker: string, parts: string[]): string {
  const body = [
    'DECLARE',
    '  step int := -1;',
    '  n bigint;',
    '  f_state text; f_message text; f_detail text; f_hint text;',
    'BEGIN',
    ...parts,
    'EXCEPTION WHEN OTHERS OR query_canceled OR assert_failure THEN',
    '  GET STACKED DIAGNOSTICS f_state = RETURNED_SQLSTATE, f_message = MESSAGE_TEXT, f_detail = PG_EXCEPTION_DETAIL, f_hint = PG_EXCEPTION_HINT;',
    `  RAISE EXCEPTION USING ERRCODE = f_state, MESSAGE = '${marker} step ' || step || ': ' || f_message, DETAIL = f_detail, HINT = f_hint;`,
    'END'
  ].join('\n')
  return `DO $${marker}$\n${body}\n$${marker}$`
}

/** `SET [LOCAL | SESSION] statement_timeout …` or `SELECT [pg_catalog.]set_config('statement_timeout', …)`. */
function setsStatementTimeout(sql: string): boolean {
  const tokens = tokenize(sql, 8)
  if (isWord(tokens[0], 'set')) {
    const at = isWord(tokens[1], 'local') || isWord(tokens[1], 'session') ? 2 : 1
    return isWord(tokens[at], 'statement_timeout')
  }
  if (!isWord(tokens[0], 'select')) return false
  const at = isWord(tokens[1], 'pg_catalog') && tokens[2]?.kind === 'symbol' && tokens[2].value === '.' ? 3 : 1
  const call = tokens[at + 1]
  const argument = tokens[at + 2]
  return (
    isWord(tokens[at], 'set_config') &&
    call?.kind === 'symbol' &&
    call.value === '(' &&
    argument?.kind === 'string' &&
    argument.value?.toLowerCase() === "'statement_timeout'"
  )
}

/**
 * Whether packing keeps the statements' meaning. Two kinds of statement run only statement by statement:
 * - a `SET [LOCAL] statement_timeout`: the timeout is armed once per statement the client sends, so
 *   inside a block it would bound none of the statements after it (the engine's statement-timeout,
 *   pg_dump's `SET statement_timeout = 0`);
 * - savepoints (SAVEPOINT, RELEASE, ROLLBACK TO), which nest inside a version's transaction but which
 *   EXECUTE refuses like every transaction command.
 */
export function packable(statements: TxStatement[]): boolean {
  return (
    statements.length > 0 &&
    !statements.some((statement) => setsStatementTimeout(statement.sql) || transactionControl(statement.sql)?.kind === 'savepoint')
  )
}

/**
 * Packs the statements into as few DO blocks of at most `maxLength` characters as they fit in, each
 * statement whole and in order. The marker (the blocks' dollar-quote tag and the prefix of the errors
 * they raise) occurs in no statement.
 */
export function packTransaction(statements: TxStatement[], maxLength = Infinity): Packing {
  const texts = statements.map((statement) => inlineParameters(statement.sql, statement.params))
  const marker = freeTag(MARKER_BASE, texts).slice(1, -1)
  const parts = texts.map((text, index) => statementPart(index, text, statements[index]))
  // block(marker, parts) is the empty block's text with each part and a newline added.
  const empty = block(marker, []).length
  const chunks: PackedChunk[] = []
  let first = 0
  do {
    let count = 0
    let length = empty
    while (first + count < parts.length && length + parts[first + count].length + 1 <= maxLength) {
      length += parts[first + count].length + 1
      count++
    }
    if (count === 0 && parts.length > 0) return { ok: false, index: first, length: empty + parts[first].length + 1 }
    chunks.push({ sql: block(marker, parts.slice(first, first + count)), first, count })
    first += count
  } while (first < parts.length)
  return { ok: true, marker, chunks }
}

/**
 * The failure a packed transaction reports for an SQL error of one of its blocks (or of the COMMIT that
 * followed), in the terms of the unpacked form: the failed statement's index and label, a guard, or the
 * commit phase. The position inside the statement is not known from the packed form (see the
 * transports' replay).
 */
export function decodePackedError(error: SqlErrorInfo, statements: TxStatement[], marker: string): PackedFailure {
  const match = new RegExp(`^${marker} step (-?\\d+): ([\\s\\S]*)$`).exec(error.message)
  if (!match) {
    const { position: _inTheBlock, ...rest } = error
    // A bare "Database returned SQL Exception" says nothing of where: the place is left unknown.
    if (!error.sqlState) return { ok: false, failedIndex: statements.length, error: rest }
    // Raised after the block ended: the commit of the call (or of the transaction) failed.
    return { ok: false, phase: 'commit', failedIndex: statements.length, error: rest }
  }
  const index = Number(match[1])
  const statement = statements[index]
  const cleaned: SqlErrorInfo = { message: match[2] }
  if (error.sqlState) cleaned.sqlState = error.sqlState
  if (error.detail) cleaned.detail = error.detail
  if (error.hint) cleaned.hint = error.hint
  if (statement && error.sqlState === GUARD_SQLSTATE && statement.expectRows !== undefined && /^\d+$/.test(match[2])) {
    return guardFailed(statement, index, match[2])
  }
  return { ok: false, phase: 'statement', failedIndex: index, failedLabel: statement?.label, error: cleaned }
}

/**
 * An SQL error only the packed form raises for a statement that runs fine one per call: EXECUTE does
 * not implement `SELECT … INTO` (SQLSTATE 0A000). Nothing ran (the packed call was rolled back as a
 * whole): the transport runs the transaction statement by statement. Transaction commands, which EXECUTE
 * refuses the same way, are not among them: refusing them is what keeps a version's transaction whole.
 */
export function refusedByPacking(failure: PackedFailure): boolean {
  return (
    failure.phase === 'statement' &&
    !failure.guard &&
    failure.error.sqlState === '0A000' &&
    /^EXECUTE of SELECT \.\.\. INTO is not implemented/.test(failure.error.message)
  )
}

/**
 * Errors that PostgreSQL reports with a position inside the statement (parse and analysis errors,
 * unreadable literals): the packed form loses it, and the transport gets it by replaying the statements
 * unpacked in a transaction it rolls back.
 */
export function carriesPosition(failure: PackedFailure): boolean {
  const state = failure.error.sqlState ?? ''
  return failure.phase === 'statement' && !failure.guard && (state.startsWith('42') || state === '22P02')
}
