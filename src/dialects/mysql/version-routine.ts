/**
 * MySQL's version routine over the Data API (src/engine/dialect.ts VersionRoutineSql): a run of a version's
 * steps as one temporary stored procedure, so that the version costs three calls (CREATE, CALL, DROP) instead
 * of several per statement, while every statement still runs under the lease, with its lock timeouts, and
 * journaled as the engine journals it call by call (mysql-notes §1.5).
 *
 * - CREATE parses the whole body before anything runs: a syntax error in the fifth statement is found before
 *   the first one ran (placeCreateError names the statement, with its line as it reads alone).
 * - The body takes a user-level lock named after the routine (GET_LOCK) for as long as it runs: `running`
 *   (IS_USED_LOCK) tells a caller whose reply was lost whether it still runs. Ending the session frees it too.
 * - With the pre-flight (RoutinePlan.preflight), before anything else it counts the sessions that hold or wait on
 *   the table locks of its DDL (metadata-locks.ts, the same query the run's own check sends) and refuses with the
 *   `preflight` guard when there are any; a check the server refuses counts as none.
 * - It sets the session's timeouts once, then per part:
 *   - a step alone (DDL): the lease's fence (autocommit; zero rows changed means the lease is lost), the
 *     'started' row with the fingerprint of what the statement names (the same expression as
 *     recovery.fingerprint, computed by the server), the statement, its 'done' row;
 *   - a batch: START TRANSACTION, the fence (which row-locks the lease until COMMIT), the statements, their
 *     progress rows (or, ending the version, the not-applied guard, the meta row and the progress delete),
 *     COMMIT.
 * - An exit handler rolls back whatever is open, frees the lock and passes a statement's own error on
 *   unchanged (RESIGNAL). An error in one of the engine's own statements comes back tagged
 *   `aurora-migrate <part> error <errno> <SQLSTATE>: <text>`, and a guard's refusal as `aurora-migrate <part> guard: …`,
 *   so the engine tells them apart from the version's own errors (failure()).
 *
 * Values are spliced in as literals (a procedure's body takes no parameters): numbers as digits, text as
 * hex literals, which read the same in every sql_mode.
 */
import type { SqlErrorInfo } from '../../errors.js'
import type {
  EnginePart,
  ProgressStep,
  Query,
  RoutineFailure,
  RoutinePlan,
  VersionRoutine,
  VersionRoutineSql
} from '../../engine/dialect.js'
import type { SqlValue } from '../../targets/target.js'
import { quoteIdentifier } from './identifiers.js'
import { statementText, textLiteral } from './literals.js'
import { metaSql } from './meta-sql.js'
import { blockersCheck } from './metadata-locks.js'
import { replaceNamedParameters } from './named-parameters.js'
import { fingerprintOf } from './recovery.js'
import { runsInRoutine } from './session-routine.js'
import { isWord, statementWords } from './statement-words.js'

/** ER_SP_ALREADY_EXISTS. */
const ROUTINE_EXISTS = 1304
/** ER_PARSE_ERROR: "… near '…' at line N" (N counted from the CREATE's first line). */
const PARSE_ERROR = 1064

/** How a version routine and its lock are named for `token`. */
export function versionRoutineName(token: string): string {
  if (!/^[A-Za-z0-9]{1,40}$/.test(token))
    throw new Error(`A version routine's token must be 1 to 40 letters or digits, got ${JSON.stringify(token)}`)
  return `aurora_migrate_version_${token}`
}

function literal(value: SqlValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`)
    return String(value)
  }
  return textLiteral(value)
}

/** `query` with its `:name` parameters spliced in as literals; `raw` names take SQL text as is. */
export function inlineQuery(query: Query, raw: Record<string, string> = {}): string {
  return replaceNamedParameters(query.sql, (name) => {
    if (Object.prototype.hasOwnProperty.call(raw, name)) return raw[name]
    if (Object.prototype.hasOwnProperty.call(query.params, name)) return literal(query.params[name])
    throw new Error(`no value for :${name} in ${query.sql.slice(0, 60)}`)
  })
}

/** Text safe inside a single-quoted literal of ours (engine text only: letters, digits, spaces, punctuation). */
function tag(text: string): string {
  return `'${text.replace(/[^A-Za-z0-9 :,.()_-]/g, '')}'`
}

const ENGINE_PARTS = new Set<string>(['fence', 'not-applied', 'settings', 'record', 'progress', 'commit', 'preflight'])

/** Reads a CALL error: the engine's tag, or a statement's own error. */
function failure(error: SqlErrorInfo): RoutineFailure {
  const match = /^aurora-migrate ([a-z-]+) (guard|error (\d+) ([0-9A-Z]{5})): ?([\s\S]*)$/.exec(error.message)
  if (!match || !ENGINE_PARTS.has(match[1])) return { kind: 'statement' }
  const part = match[1] as EnginePart | 'commit' | 'preflight'
  if (match[2] === 'guard') return { kind: 'engine', part, guard: true, error: { message: match[5] || 'a guard refused' } }
  return { kind: 'engine', part, guard: false, error: { message: match[5], errno: Number(match[3]), sqlState: match[4] } }
}

export function buildVersionRoutine(plan: RoutinePlan): VersionRoutine {
  const name = versionRoutineName(plan.token)
  const quoted = quoteIdentifier(name)
  const lock = `'${name}'`
  const lines: string[] = []
  /** Where each statement of the version stands in the CREATE text: its step and its first and last line (1-based). */
  const placed: Array<{ step: number; first: number; last: number; sql: string }> = []
  const emit = (text: string) => lines.push(...text.split('\n'))
  const part = (what: string | null) => emit(`SET aurora_migrate_part = ${what === null ? 'NULL' : tag(what)};`)
  const guard = (what: EnginePart | 'preflight', condition: string, message: string) =>
    emit(
      `IF ${condition} THEN SET aurora_migrate_part = NULL; SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = ${tag(`aurora-migrate ${what} guard: ${message}`)}; END IF;`
    )
  // Under aurora_migrate_part 'fence', set by the caller.
  const fence = () => {
    emit(`${inlineQuery(plan.fence)};`)
    guard('fence', 'ROW_COUNT() <> 1', 'the migration lease is no longer held by this run')
  }
  const statement = (step: number, sql: string) => {
    const text = statementText(sql)
    const first = lines.length + 1
    emit(text)
    placed.push({ step, first, last: lines.length, sql: text })
    emit(';')
  }
  const finish = (finishing: NonNullable<RoutinePlan['finish']>) => {
    part('not-applied')
    guard('not-applied', `EXISTS (${inlineQuery(finishing.notApplied)})`, `v${plan.version} is recorded as applied already`)
    part('record')
    // Its time: what the engine measured before the routine, plus the routine's own up to the last fence
    // (the statement adds the time since the fence itself).
    const earlier = finishing.record.params.earlier_ms
    const raw: Record<string, string> =
      typeof earlier === 'number'
        ? { earlier_ms: `${earlier} + CAST(TIMESTAMPDIFF(MICROSECOND, aurora_migrate_started, aurora_migrate_fenced) DIV 1000 AS SIGNED)` }
        : {}
    emit(`${inlineQuery(finishing.record, raw)};`)
    guard('record', 'ROW_COUNT() <> 1', `the history changed since this run read it`)
    part('progress')
    emit(`${inlineQuery(finishing.deleteProgress)};`)
  }

  emit(`CREATE PROCEDURE ${quoted}() SQL SECURITY INVOKER
BEGIN
DECLARE aurora_migrate_part VARCHAR(64) DEFAULT NULL;
DECLARE aurora_migrate_errno INT DEFAULT 0;
DECLARE aurora_migrate_state CHAR(5) DEFAULT '';
DECLARE aurora_migrate_text VARCHAR(512) DEFAULT '';
DECLARE aurora_migrate_started DATETIME(6) DEFAULT UTC_TIMESTAMP(6);
DECLARE aurora_migrate_fenced DATETIME(6) DEFAULT UTC_TIMESTAMP(6);
DECLARE aurora_migrate_blockers INT DEFAULT NULL;
DECLARE EXIT HANDLER FOR SQLEXCEPTION
BEGIN
  GET DIAGNOSTICS CONDITION 1 aurora_migrate_errno = MYSQL_ERRNO, aurora_migrate_state = RETURNED_SQLSTATE, aurora_migrate_text = MESSAGE_TEXT;
  ROLLBACK;
  DO RELEASE_LOCK(${lock});
  IF aurora_migrate_part IS NULL THEN RESIGNAL; END IF;
  SET aurora_migrate_text = CONCAT('aurora-migrate ', aurora_migrate_part, ' error ', aurora_migrate_errno, ' ', aurora_migrate_state, ': ', LEFT(aurora_migrate_text, 80));
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = aurora_migrate_text;
END;
DO GET_LOCK(${lock}, 0);`)
  if (plan.settings.length) {
    part('settings')
    for (const setting of plan.settings) emit(`${statementText(setting)};`)
  }
  // The pre-flight, before anything runs: sessions holding or waiting on the table locks its DDL needs. A check the
  // server refuses (no PROCESS privilege) leaves the count NULL and the DDL bounded by lock_wait_timeout alone.
  const check = plan.preflight
    ? blockersCheck(
        plan.parts.flatMap((p) => (p.kind === 'alone' ? [p.sql] : [])),
        plan.preflight.lockTimeoutMs
      )
    : null
  if (check) {
    part('preflight')
    emit(`BEGIN
  DECLARE CONTINUE HANDLER FOR SQLEXCEPTION SET aurora_migrate_blockers = NULL;
  SET aurora_migrate_blockers = (SELECT COUNT(*) FROM (${check.full}) AS aurora_migrate_found);
END;
IF aurora_migrate_blockers IS NULL THEN
  BEGIN
    DECLARE CONTINUE HANDLER FOR SQLEXCEPTION SET aurora_migrate_blockers = NULL;
    SET aurora_migrate_blockers = (SELECT COUNT(*) FROM (${check.heuristic}) AS aurora_migrate_found);
  END;
END IF;`)
    guard('preflight', 'aurora_migrate_blockers > 0', 'sessions hold or wait on the table locks of its DDL')
  }
  const recordProgress = (steps: Query) => {
    part('progress')
    emit(`${inlineQuery(steps)};`)
  }
  plan.parts.forEach((current, index) => {
    const lastPart = index === plan.parts.length - 1
    if (current.kind === 'alone') {
      part('fence')
      fence()
      part('progress')
      const fingerprint = fingerprintOf(current.sql) ?? 'NULL'
      emit(`${inlineQuery(startedRow(plan, current.step), { fingerprint })};`)
      part(null)
      statement(current.step.step, current.sql)
      recordProgress(doneRows(plan, [current.step]))
      return
    }
    if (lastPart && plan.finish) emit('SET aurora_migrate_fenced = UTC_TIMESTAMP(6);')
    part('fence')
    emit('START TRANSACTION;')
    fence()
    part(null)
    for (const { step, sql } of current.steps) statement(step.step, sql)
    if (lastPart && plan.finish) finish(plan.finish)
    else
      recordProgress(
        doneRows(
          plan,
          current.steps.map((s) => s.step)
        )
      )
    part('commit')
    emit('COMMIT;')
  })
  const last = plan.parts[plan.parts.length - 1]
  if (plan.finish && last?.kind !== 'batch') {
    emit('SET aurora_migrate_fenced = UTC_TIMESTAMP(6);')
    part('fence')
    emit('START TRANSACTION;')
    fence()
    finish(plan.finish)
    part('commit')
    emit('COMMIT;')
  }
  emit(`DO RELEASE_LOCK(${lock});
END`)

  return {
    create: lines.join('\n'),
    call: `CALL ${quoted}()`,
    drop: `DROP PROCEDURE IF EXISTS ${quoted}`,
    running: `SELECT IS_USED_LOCK(${lock}) AS pid FROM DUAL WHERE IS_USED_LOCK(${lock}) IS NOT NULL`,
    alreadyExists: (error) => error.errno === ROUTINE_EXISTS,
    placeCreateError: (error) => placeError(error, placed),
    failure
  }
}

/** The 'started' row of a step alone, with `:fingerprint` left for the server's expression. */
function startedRow(plan: RoutinePlan, step: ProgressStep): Query {
  return metaSql.insertStarted!(plan.tables, plan.version, step, null)
}

function doneRows(plan: RoutinePlan, steps: ProgressStep[]): Query {
  return metaSql.insertProgress(plan.tables, plan.version, steps)
}

/** A syntax error at line N of the CREATE: the statement on that line, and the line as it counts within it. */
function placeError(error: SqlErrorInfo, placed: Array<{ step: number; first: number; last: number; sql: string }>) {
  if (error.errno !== PARSE_ERROR) return null
  const match = / at line (\d+)\s*$/.exec(error.message)
  if (!match) return null
  const line = Number(match[1])
  const hit = placed.find((p) => line >= p.first && line <= p.last)
  if (!hit) return null
  const within = line - hit.first + 1
  // The 1-based character where that line starts in the statement: the report points at the line.
  const offset = hit.sql
    .split('\n')
    .slice(0, within - 1)
    .reduce((sum, text) => sum + [...text].length + 1, 0)
  return {
    step: hit.step,
    error: { ...error, message: error.message.replace(/ at line \d+\s*$/, ` at line ${within}`), position: offset + 1 }
  }
}

/**
 * Statements that answer rows (SELECT, SHOW, ANALYZE TABLE, a CALL of the user's own procedure …): inside a
 * procedure each would add a result set to the CALL's reply, which the Data API's handling of is not documented
 * (the probe's "several result sets"). They run the ordinary way, on their own.
 */
function answersRows(sql: string): boolean {
  const [first] = statementWords(sql, 2)
  if (!first || (first.kind === 'symbol' && first.value === '(')) return true
  return isWord(
    first,
    'select',
    'show',
    'describe',
    'desc',
    'explain',
    'analyze',
    'check',
    'checksum',
    'optimize',
    'repair',
    'help',
    'values',
    'table',
    'with',
    'call',
    'handler'
  )
}

export const versionRoutine: VersionRoutineSql = {
  runsInside: (sql) => runsInRoutine(sql) && !answersRows(sql),
  build: buildVersionRoutine,
  // A version routine's lock has its name: free, it is not running.
  leftovers: `SELECT ROUTINE_NAME AS name FROM information_schema.ROUTINES
WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'PROCEDURE' AND ROUTINE_NAME LIKE 'aurora!_migrate!_version!_%' ESCAPE '!'
  AND IS_USED_LOCK(ROUTINE_NAME) IS NULL`,
  drop: (name) => {
    if (!/^aurora_migrate_version_[A-Za-z0-9]{1,40}$/.test(name)) throw new Error(`not a version routine's name: ${name}`)
    return `DROP PROCEDURE IF EXISTS ${quoteIdentifier(name)}`
  }
}
