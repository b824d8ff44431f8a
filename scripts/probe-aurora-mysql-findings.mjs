/**
 * The pure half of scripts/probe-aurora-mysql.mjs: what each answer of the Data API means, in plain words, for
 * what aurora-migrate's MySQL dialect assumes (docs/mysql.md, "What the probe checks"). No I/O: unit-tested in
 * __tests__/unit/probe-aurora-mysql.test.ts.
 */
// Each interpret* returns a finding { key, title, status, found, …details }. status: 'ok' when the answer is what
// aurora-migrate's MySQL dialect and the tests' Data API emulator assume (mysql-notes §1.8: autocommit=0
// transactions, errno in the error text, a reset between calls); 'differs' when it is not, so the maintainers need
// to hear of it; 'unknown' when the probe could not tell.

export const named = (outcome) => (outcome?.error ? `${outcome.error.name}: ${outcome.error.message}` : '')
const failed = (outcome) => Boolean(outcome?.error)
const transactionGone = (outcome) => outcome?.error?.name === 'TransactionNotFoundException'

/** The error text's parts: errno and SQLSTATE as the v2 service writes them, or the v1 form, or neither. */
export function parseErrorText(message) {
  const text = String(message ?? '')
  const code = /Error code: (\d+)/i.exec(text)?.[1] ?? /Database error code: (\d+)/i.exec(text)?.[1] ?? /^ERROR (\d+) \(/.exec(text)?.[1]
  const sqlState = /SQLState: ([0-9A-Z]{5})/i.exec(text)?.[1] ?? /^ERROR \d+ \(([0-9A-Z]{5})\)/.exec(text)?.[1]
  let format = 'message only'
  if (/^Database returned SQL Exception/i.test(text)) format = 'generic'
  else if (/Database error code: \d+\. Message:/i.test(text)) format = 'v1 (Database error code: N. Message: …)'
  else if (code && sqlState) format = /^ERROR \d+ \(/.test(text) ? 'mysql client (ERROR N (XXXXX): …)' : '…; Error code: N; SQLState: XXXXX'
  else if (code || sqlState) format = code ? 'errno only' : 'SQLState only'
  return { format, errno: code === undefined ? null : Number(code), sqlState: sqlState ?? null }
}

/** What happened to a Data API transaction after a DDL in it. */
export function interpretTransactionAfterDdl({ began, ddl, secondInsert, rollback, rowsLeft, autocommitInTransaction }) {
  const title = 'Transaction after a DDL'
  const base = { key: 'transactionAfterDdl', title, rowsLeft, autocommitInTransaction }
  const rows = [...(rowsLeft ?? [])].sort((a, b) => a - b).join(',')
  const autocommit =
    autocommitInTransaction === null || autocommitInTransaction === undefined
      ? ''
      : ` (@@autocommit in a transaction: ${autocommitInTransaction})`
  if (!began) return { ...base, status: 'unknown', model: 'unknown', found: 'BeginTransaction failed, so nothing was tried' }
  if (failed(ddl)) return { ...base, status: 'unknown', model: 'ddl failed', found: `the DDL in the transaction failed: ${named(ddl)}` }
  if (rowsLeft === null || rowsLeft === undefined)
    return { ...base, status: 'unknown', model: 'unknown', found: 'the rows left could not be read' }
  if (transactionGone(secondInsert) || transactionGone(rollback)) {
    const committed = rows === '1' ? 'the insert before it stayed committed' : `rows left: {${rows}}`
    return {
      ...base,
      status: 'differs',
      model: 'transaction ended',
      found: `the DDL ended the transaction: later calls with its id answered TransactionNotFoundException; ${committed}${autocommit}`
    }
  }
  if (!failed(secondInsert) && !failed(rollback) && rows === '1')
    return {
      ...base,
      status: 'ok',
      model: 'autocommit=0',
      found: `autocommit=0 model: the DDL committed the insert before it, and the insert after it began a new transaction that RollbackTransaction undid${autocommit}`
    }
  if (!failed(secondInsert) && rows === '1,2')
    return {
      ...base,
      status: 'differs',
      model: 'START TRANSACTION',
      found: `START TRANSACTION model: after the DDL the session went back to autocommit, so the insert after it committed on its own and RollbackTransaction undid nothing${autocommit}`
    }
  return {
    ...base,
    status: 'unknown',
    model: 'unexpected',
    found: `unexpected: rows left {${rows}}, insert after the DDL ${named(secondInsert) || 'ok'}, rollback ${named(rollback) || 'ok'}${autocommit}`
  }
}

/** The exact error text of a failing statement outside a transaction (a table that does not exist). */
export function interpretErrorText(outcome) {
  const base = { key: 'errorText', title: 'Error text of an SQL error' }
  if (!failed(outcome)) return { ...base, status: 'unknown', found: 'the SELECT from a missing table did not fail' }
  const parsed = parseErrorText(outcome.error.message)
  return {
    ...base,
    ...parsed,
    exception: outcome.error.name,
    message: outcome.error.message,
    // The dialect classifies MySQL errors by errno (many share SQLSTATE HY000): it needs the number in the text.
    status: parsed.errno === 1146 ? 'ok' : 'differs',
    found: `${outcome.error.name} "${outcome.error.message}": format ${parsed.format}, errno ${parsed.errno ?? 'missing'}, SQLSTATE ${parsed.sqlState ?? 'missing'}`
  }
}

/** numberOfRecordsUpdated of an UPDATE that matches rows without changing them. */
export function interpretRowsUpdated({ outcome, matched }) {
  const base = { key: 'rowsUpdated', title: 'numberOfRecordsUpdated: found or changed rows' }
  if (failed(outcome)) return { ...base, status: 'unknown', found: `the UPDATE failed: ${named(outcome)}` }
  const n = outcome.result?.numberOfRecordsUpdated ?? null
  if (!matched) return { ...base, status: 'unknown', numberOfRecordsUpdated: n, found: 'no row to update' }
  if (n === matched)
    return {
      ...base,
      status: 'ok',
      counts: 'found',
      numberOfRecordsUpdated: n,
      found: `found rows: ${n} for ${matched} row(s) matched and none changed`
    }
  if (n === 0)
    return {
      ...base,
      status: 'ok',
      counts: 'changed',
      numberOfRecordsUpdated: n,
      found: `changed rows: 0 for ${matched} row(s) matched and none changed`
    }
  return { ...base, status: 'unknown', numberOfRecordsUpdated: n, found: `${n} for ${matched} row(s) matched and none changed` }
}

/** Whether continueAfterTimeout is accepted with a transactionId. */
export function interpretContinueAfterTimeout(outcome) {
  const base = { key: 'continueAfterTimeoutInTransaction', title: 'continueAfterTimeout with a transactionId' }
  if (!failed(outcome)) return { ...base, status: 'ok', accepted: true, found: 'accepted: the call ran inside the transaction' }
  if (outcome.error.name === 'DatabaseErrorException')
    return { ...base, status: 'unknown', accepted: null, found: `the statement failed, so acceptance is unknown: ${named(outcome)}` }
  return { ...base, status: 'differs', accepted: false, found: `refused: ${named(outcome)}` }
}

/** The stored-procedure vehicle and the session reset after it. */
export function interpretProcedure({ create, call, after, drop, timeoutSet }) {
  const base = { key: 'procedure', title: 'Stored procedure: CREATE, CALL with continueAfterTimeout, DROP' }
  if (failed(create)) return { ...base, status: 'differs', found: `CREATE PROCEDURE failed: ${named(create)}` }
  if (failed(call)) return { ...base, status: 'differs', found: `CALL failed: ${named(call)}` }
  const row = after ?? {}
  const parts = []
  const insideOk = Number(row.inside_timeout) === timeoutSet
  parts.push(
    insideOk
      ? `SET SESSION lock_wait_timeout=${timeoutSet} took effect inside the CALL`
      : `inside the CALL lock_wait_timeout was ${row.inside_timeout ?? 'not recorded'}, not ${timeoutSet}`
  )
  parts.push(
    row.user_var_inside === 1 || row.user_var_inside === '1'
      ? 'the body ran to its end (its inserts committed)'
      : 'the body did not run to its end'
  )
  const reset =
    row.after_timeout !== null &&
    row.after_timeout !== undefined &&
    Number(row.after_timeout) !== timeoutSet &&
    (row.user_var_after === null || row.user_var_after === undefined)
  parts.push(
    reset
      ? `the next call saw lock_wait_timeout=${row.after_timeout} and no user variable: session state does not carry over`
      : `the next call saw lock_wait_timeout=${row.after_timeout ?? '?'} and @am_probe=${row.user_var_after ?? 'NULL'}: session state CARRIED OVER`
  )
  parts.push(failed(drop) ? `DROP PROCEDURE failed: ${named(drop)}` : 'DROP PROCEDURE worked')
  const ok = insideOk && reset && !failed(drop) && (row.user_var_inside === 1 || row.user_var_inside === '1')
  return {
    ...base,
    status: ok ? 'ok' : 'differs',
    insideTimeout: row.inside_timeout ?? null,
    afterTimeout: row.after_timeout ?? null,
    resetAfterCall: reset,
    found: parts.join('; ')
  }
}

/** Whether the service's `:name` parser leaves `:=`, labels, `@x` and ':name' in a string alone. */
export function interpretParameters({ create, literal, expected }) {
  const base = { key: 'namedParameters', title: ':name parameters next to :=, labels, @x and strings' }
  if (failed(create)) {
    const parser = /param/i.test(create.error.message)
    return {
      ...base,
      status: parser ? 'differs' : 'unknown',
      found: `CREATE PROCEDURE failed${parser ? ' on a parameter' : ''}: ${named(create)}`
    }
  }
  if (literal === expected)
    return {
      ...base,
      status: 'ok',
      found: `untouched: a body with @x := 1, a label l1: and the string '${expected}' ran as written (no parameters sent)`
    }
  return { ...base, status: 'differs', found: `the string '${expected}' came back as ${JSON.stringify(literal)}` }
}

/** What a CALL of a procedure with two SELECTs returns. */
export function interpretMultipleResults({ create, call }) {
  const base = { key: 'multipleResultSets', title: 'A CALL that returns two result sets' }
  if (failed(create)) return { ...base, status: 'unknown', found: `CREATE PROCEDURE failed: ${named(create)}` }
  if (failed(call)) return { ...base, status: 'differs', found: `the CALL failed: ${named(call)}` }
  const outcome = call
  const columns = (outcome.result?.columnMetadata ?? []).map((c) => c.name ?? c.label)
  const records = outcome.result?.records ?? []
  const first = records[0]?.[0] ? fieldValue(records[0][0]) : undefined
  const which = columns[0] === 'first_set' ? 'only the first' : columns[0] === 'second_set' ? 'only the last' : 'neither recognisably'
  return {
    ...base,
    status: 'ok',
    columns,
    rows: records.length,
    found: `answered ${records.length} row(s) with column(s) [${columns.join(', ')}] (value ${JSON.stringify(first ?? null)}): ${which} result set came back`
  }
}

/** Whether a GET_LOCK survives into the next call. */
export function interpretGetLock({ get, check }) {
  const base = { key: 'getLockAfterReset', title: 'GET_LOCK in one call, IS_USED_LOCK in the next' }
  if (failed(get) || failed(check)) return { ...base, status: 'unknown', found: `a call failed: ${named(get) || named(check)}` }
  const got = firstValue(get)
  const holder = firstValue(check)
  if (Number(got) !== 1) return { ...base, status: 'unknown', found: `GET_LOCK answered ${got}` }
  if (holder === null)
    return {
      ...base,
      status: 'ok',
      survived: false,
      found: 'released: the next call found the lock free, so GET_LOCK cannot hold a lease over the Data API'
    }
  return {
    ...base,
    status: 'differs',
    survived: true,
    found: `the lock was still held (by connection ${holder}) in the next call: no reset between calls`
  }
}

/**
 * A version procedure as the MySQL dialect builds it (src/dialects/mysql/version-routine.ts): its body takes a
 * GET_LOCK lock, commits row 5 in a transaction, sleeps, inserts row 6 in a second transaction and fails on a
 * missing table; its exit handler rolls back, releases the lock and RESIGNALs. `during` is IS_USED_LOCK from a
 * call made while the CALL ran (undefined when the CALL answered before it could be sent), `callEndedFirst`
 * whether the CALL answered before it did, `after` the rows and IS_USED_LOCK read once the CALL answered.
 */
export function interpretVersionRoutine({ create, call, during, callEndedFirst, after }) {
  const base = { key: 'versionRoutine', title: 'A version procedure: its error, its transaction, its lock' }
  if (failed(create)) return { ...base, status: 'unknown', found: `CREATE PROCEDURE failed: ${named(create)}` }
  if (!call) return { ...base, status: 'unknown', found: 'the procedure was not called' }
  if (failed(call) && call.error.name !== 'DatabaseErrorException')
    return {
      ...base,
      status: 'unknown',
      found: `the CALL answered ${named(call)}, which says neither how the procedure ended nor with what error`
    }
  /** @type {Record<string, boolean | null>} each assumption: true (it holds), false (it does not), null (the probe could not tell) */
  const held = {}
  const parts = []
  const judge = (name, holds, text) => {
    held[name] = holds
    parts.push(text)
  }

  const parsed = failed(call) ? parseErrorText(call.error.message) : null
  if (!parsed) judge('resignal', false, 'the CALL did not fail: the exit handler passed no error on')
  else if (parsed.errno === 1146 && parsed.sqlState === '42S02')
    judge(
      'resignal',
      true,
      "after the exit handler's ROLLBACK and RELEASE_LOCK, RESIGNAL passed the missing table's own error on (errno 1146, SQLSTATE 42S02)"
    )
  else
    judge(
      'resignal',
      false,
      `RESIGNAL did not pass the missing table's error on unchanged: the CALL failed with errno ${parsed.errno ?? 'missing'}, SQLSTATE ${parsed.sqlState ?? 'missing'} ("${call.error.message}")`
    )

  const row = rowObject(after)
  if (failed(after) || !row) {
    const why = `the rows and the lock after the CALL could not be read${failed(after) ? `: ${named(after)}` : ''}`
    judge('transaction', null, why)
  } else {
    const committed = Number(row.row5) === 1
    const undone = Number(row.row6) === 0
    const kept = committed ? 'the COMMIT inside the procedure kept row 5' : 'row 5, committed inside the procedure, is MISSING'
    const rolledBack = undone
      ? "the handler's ROLLBACK undid row 6"
      : "row 6 is THERE: the handler's ROLLBACK did not undo the open transaction"
    judge('transaction', committed && undone, `${kept} and ${rolledBack}`)
  }

  const holder = firstValue(during)
  if (!during) judge('lockWhileRunning', null, 'the CALL answered before a call could look at its lock')
  else if (failed(during)) judge('lockWhileRunning', null, `the call made while the CALL ran failed: ${named(during)}`)
  else if (holder !== null && holder !== undefined)
    judge('lockWhileRunning', true, `a call made while the CALL ran saw its lock held (by connection ${holder})`)
  else if (callEndedFirst) judge('lockWhileRunning', null, 'the CALL had answered before the call looking at its lock did')
  else
    judge(
      'lockWhileRunning',
      false,
      'a call made while the CALL ran found its lock FREE: IS_USED_LOCK cannot tell that a procedure still runs'
    )

  if (row && !failed(after)) {
    if (row.holder === null || row.holder === undefined)
      judge('lockFreeAfter', true, 'once the CALL had answered, the next call found the lock free')
    else judge('lockFreeAfter', false, `once the CALL had answered, the next call found the lock still HELD (by connection ${row.holder})`)
  } else held.lockFreeAfter = null

  const values = Object.values(held)
  return {
    ...base,
    status: values.includes(false) ? 'differs' : values.includes(null) ? 'unknown' : 'ok',
    held,
    errno: parsed?.errno ?? null,
    sqlState: parsed?.sqlState ?? null,
    found: parts.join('; ')
  }
}

/** The JSON summary: the server, every finding, and every call the probe made. */
export function summarise({ server, findings, calls }) {
  return {
    probe: 'aurora-migrate probe-aurora-mysql',
    server,
    findings: Object.fromEntries(findings.map(({ key, title: _title, ...rest }) => [key, rest])),
    calls: calls.map(({ step, sql, transaction, continueAfterTimeout, error }) => ({
      step,
      sql,
      transaction,
      continueAfterTimeout,
      error: error ? `${error.name}: ${error.message}` : undefined
    }))
  }
}

export function fieldValue(field) {
  if (!field || field.isNull) return null
  for (const key of ['longValue', 'stringValue', 'doubleValue', 'booleanValue']) if (field[key] !== undefined) return field[key]
  return null
}

export function firstValue(outcome) {
  const field = outcome?.result?.records?.[0]?.[0]
  return field === undefined ? undefined : fieldValue(field)
}

export function rowObject(outcome) {
  const columns = (outcome?.result?.columnMetadata ?? []).map((c) => c.label || c.name)
  const record = outcome?.result?.records?.[0]
  return record ? Object.fromEntries(record.map((field, i) => [columns[i], fieldValue(field)])) : null
}

/** The report a person reads: one line per finding, marked by its status. */
export function formatFindings(findings) {
  const mark = { ok: 'as assumed', differs: 'DIFFERS', unknown: 'unknown' }
  return findings.map((f, i) => `${i + 1}. ${f.title} [${mark[f.status] ?? f.status}]\n   ${f.found}`).join('\n')
}
