/**
 * The pure half of scripts/probe-aurora-mysql.mjs: its flags, and what it makes of each answer the Data API
 * can give where AWS documents nothing (the answers a real cluster may give, and the ones it may not).
 */
import {
  formatFindings,
  interpretContinueAfterTimeout,
  interpretErrorText,
  interpretGetLock,
  interpretMultipleResults,
  interpretParameters,
  interpretProcedure,
  interpretRowsUpdated,
  interpretTransactionAfterDdl,
  interpretVersionRoutine,
  parseErrorText,
  parseProbeArgs,
  summarise,
  USAGE,
  type Outcome
} from '../../scripts/probe-aurora-mysql.mjs'

const ok = (result: Outcome['result'] = {}): Outcome => ({ result })
const error = (name: string, message: string): Outcome => ({ error: { name, message } })
const gone = error(
  'TransactionNotFoundException',
  'Transaction abc isn’t found. Transaction has been aborted due to an error from a previous call.'
)
const ARN = 'arn:aws:rds:eu-west-1:123456789012:cluster:shop-prod'
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-prod-migrator-AbC'
const row = (values: unknown[], names: string[]): Outcome =>
  ok({
    columnMetadata: names.map((name) => ({ name, label: name })),
    records: [values.map((v) => (v === null ? { isNull: true } : typeof v === 'number' ? { longValue: v } : { stringValue: String(v) }))]
  })

describe('parseProbeArgs', () => {
  test('flags, --flag=value, and the region from the cluster ARN', () => {
    expect(parseProbeArgs(['--resource-arn', ARN, `--secret-arn=${SECRET}`, '--database', 'shop'])).toEqual({
      resourceArn: ARN,
      secretArn: SECRET,
      database: 'shop',
      region: 'eu-west-1',
      endpoint: undefined,
      json: false,
      help: false
    })
  })

  test('the environment fills what the flags leave out; a flag wins; --endpoint and --json', () => {
    const env = { PROBE_RESOURCE_ARN: ARN, PROBE_SECRET_ARN: SECRET, PROBE_DATABASE: 'shop', AWS_REGION: 'us-east-1' }
    expect(parseProbeArgs(['--database', 'other', '--endpoint', 'http://127.0.0.1:4000', '--json'], env)).toMatchObject({
      resourceArn: ARN,
      database: 'other',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4000',
      json: true
    })
  })

  test('refuses a missing required flag, a flag without its value and an unknown argument; --help needs nothing', () => {
    expect(() => parseProbeArgs(['--secret-arn', SECRET, '--database', 'shop'])).toThrow('--resource-arn is required')
    expect(() => parseProbeArgs(['--resource-arn', ARN, '--secret-arn', SECRET])).toThrow('--database is required')
    expect(() => parseProbeArgs(['--resource-arn'])).toThrow('--resource-arn needs a value')
    expect(() => parseProbeArgs(['--resource-arn', ARN, '--nope'])).toThrow('unknown argument: --nope')
    expect(parseProbeArgs(['--help']).help).toBe(true)
    expect(USAGE).toContain('--resource-arn <ARN>')
  })
})

describe('parseErrorText', () => {
  test('the forms the service may use: errno and SQLSTATE (also HY000 and 42S02), v1, the mysql client, a generic one', () => {
    expect(parseErrorText("Table 'shop.nosuch' doesn't exist; Error code: 1146; SQLState: 42S02")).toEqual({
      format: '…; Error code: N; SQLState: XXXXX',
      errno: 1146,
      sqlState: '42S02'
    })
    expect(parseErrorText('Lock wait timeout exceeded; try restarting transaction; Error code: 1205; SQLState: HY000')).toMatchObject({
      errno: 1205,
      sqlState: 'HY000'
    })
    expect(parseErrorText("Database error code: 1146. Message: Table 'shop.nosuch' doesn't exist")).toEqual({
      format: 'v1 (Database error code: N. Message: …)',
      errno: 1146,
      sqlState: null
    })
    expect(parseErrorText("ERROR 1146 (42S02): Table 'shop.nosuch' doesn't exist")).toEqual({
      format: 'mysql client (ERROR N (XXXXX): …)',
      errno: 1146,
      sqlState: '42S02'
    })
    expect(parseErrorText('Database returned SQL Exception')).toEqual({ format: 'generic', errno: null, sqlState: null })
    expect(parseErrorText("Table 'shop.nosuch' doesn't exist")).toEqual({ format: 'message only', errno: null, sqlState: null })
  })

  test('interpretErrorText: ok only when the errno is in the text', () => {
    const withErrno = interpretErrorText(error('DatabaseErrorException', "Table 'p' doesn't exist; Error code: 1146; SQLState: 42S02"))
    expect(withErrno).toMatchObject({ status: 'ok', errno: 1146, sqlState: '42S02', exception: 'DatabaseErrorException' })
    expect(interpretErrorText(error('DatabaseErrorException', 'Database returned SQL Exception')).status).toBe('differs')
    expect(interpretErrorText(ok()).status).toBe('unknown')
  })
})

describe('interpretTransactionAfterDdl', () => {
  const answers = { began: true, ddl: ok(), secondInsert: ok(), rollback: ok() }

  test('row 1 left and the rollback worked: the autocommit=0 model the emulator assumes', () => {
    const finding = interpretTransactionAfterDdl({ ...answers, rowsLeft: [1], autocommitInTransaction: 0 })
    expect(finding).toMatchObject({ status: 'ok', model: 'autocommit=0' })
    expect(finding.found).toContain('(@@autocommit in a transaction: 0)')
  })

  test('rows 1 and 2 left: START TRANSACTION, the rollback undid nothing', () => {
    expect(interpretTransactionAfterDdl({ ...answers, rowsLeft: [2, 1], autocommitInTransaction: 1 })).toMatchObject({
      status: 'differs',
      model: 'START TRANSACTION'
    })
  })

  test('later calls find no transaction: the DDL ended it, and what it committed is named', () => {
    const ended = interpretTransactionAfterDdl({ ...answers, secondInsert: gone, rollback: gone, rowsLeft: [1] })
    expect(ended).toMatchObject({ status: 'differs', model: 'transaction ended' })
    expect(ended.found).toContain('the insert before it stayed committed')
    expect(interpretTransactionAfterDdl({ ...answers, rollback: gone, rowsLeft: [] }).found).toContain('rows left: {}')
  })

  test('what the probe cannot tell is unknown, never a guess', () => {
    expect(interpretTransactionAfterDdl({ began: false, rowsLeft: [] }).status).toBe('unknown')
    expect(interpretTransactionAfterDdl({ ...answers, ddl: error('DatabaseErrorException', 'denied'), rowsLeft: [1] }).model).toBe(
      'ddl failed'
    )
    expect(interpretTransactionAfterDdl({ ...answers, rowsLeft: null }).status).toBe('unknown')
    expect(interpretTransactionAfterDdl({ ...answers, rowsLeft: [] })).toMatchObject({ status: 'unknown', model: 'unexpected' })
  })
})

describe('the other findings', () => {
  test('numberOfRecordsUpdated: found rows, changed rows, or neither', () => {
    expect(interpretRowsUpdated({ outcome: ok({ numberOfRecordsUpdated: 2 }), matched: 2 })).toMatchObject({
      status: 'ok',
      counts: 'found'
    })
    expect(interpretRowsUpdated({ outcome: ok({ numberOfRecordsUpdated: 0 }), matched: 2 })).toMatchObject({
      status: 'ok',
      counts: 'changed'
    })
    expect(interpretRowsUpdated({ outcome: ok({ numberOfRecordsUpdated: 1 }), matched: 2 }).status).toBe('unknown')
    expect(interpretRowsUpdated({ outcome: ok({ numberOfRecordsUpdated: 0 }), matched: 0 }).status).toBe('unknown')
  })

  test('continueAfterTimeout with a transactionId: accepted, refused, or unknown when the SQL itself failed', () => {
    expect(interpretContinueAfterTimeout(ok())).toMatchObject({ status: 'ok', accepted: true })
    const refused = interpretContinueAfterTimeout(error('BadRequestException', 'continueAfterTimeout is not supported in a transaction'))
    expect(refused).toMatchObject({ status: 'differs', accepted: false })
    expect(refused.found).toBe('refused: BadRequestException: continueAfterTimeout is not supported in a transaction')
    expect(interpretContinueAfterTimeout(error('DatabaseErrorException', 'x')).accepted).toBeNull()
  })

  test('the procedure: SET SESSION inside it works, the next call is reset, DROP works', () => {
    const after = { inside_timeout: 7, user_var_inside: 1, after_timeout: 31536000, user_var_after: null }
    const good = interpretProcedure({ create: ok(), call: ok(), after, drop: ok(), timeoutSet: 7 })
    expect(good).toMatchObject({ status: 'ok', resetAfterCall: true, insideTimeout: 7 })
    expect(good.found).toBe(
      'SET SESSION lock_wait_timeout=7 took effect inside the CALL; the body ran to its end (its inserts committed); ' +
        'the next call saw lock_wait_timeout=31536000 and no user variable: session state does not carry over; DROP PROCEDURE worked'
    )
    const carried = interpretProcedure({
      create: ok(),
      call: ok(),
      after: { ...after, after_timeout: 7, user_var_after: 1 },
      drop: ok(),
      timeoutSet: 7
    })
    expect(carried).toMatchObject({ status: 'differs', resetAfterCall: false })
    expect(carried.found).toContain('session state CARRIED OVER')
    const denied = error('DatabaseErrorException', 'CREATE ROUTINE command denied; Error code: 1044; SQLState: 42000')
    expect(interpretProcedure({ create: denied, timeoutSet: 7 }).found).toBe(
      `CREATE PROCEDURE failed: DatabaseErrorException: ${denied.error!.message}`
    )
    expect(interpretProcedure({ create: ok(), call: error('StatementTimeoutException', 't'), timeoutSet: 7 }).status).toBe('differs')
  })

  test(':name parameters: untouched, rewritten, or refused by the parser', () => {
    expect(interpretParameters({ create: ok(), literal: ':x', expected: ':x' }).status).toBe('ok')
    expect(interpretParameters({ create: ok(), literal: 'NULL', expected: ':x' }).found).toBe(`the string ':x' came back as "NULL"`)
    expect(
      interpretParameters({ create: error('BadRequestException', 'Parameter x not found'), literal: undefined, expected: ':x' }).status
    ).toBe('differs')
    expect(interpretParameters({ create: error('DatabaseErrorException', 'denied'), literal: undefined, expected: ':x' }).status).toBe(
      'unknown'
    )
  })

  test('two result sets: which one came back, or the error', () => {
    expect(interpretMultipleResults({ create: ok(), call: row([1], ['first_set']) }).found).toContain('only the first result set came back')
    expect(interpretMultipleResults({ create: ok(), call: row([2], ['second_set']) }).found).toContain('only the last result set came back')
    expect(interpretMultipleResults({ create: ok(), call: error('UnsupportedResultException', 'multiple') }).status).toBe('differs')
    expect(interpretMultipleResults({ create: error('DatabaseErrorException', 'denied') }).status).toBe('unknown')
  })

  test('GET_LOCK: released by the reset, or still held', () => {
    expect(interpretGetLock({ get: row([1], ['got']), check: row([null], ['holder']) })).toMatchObject({ status: 'ok', survived: false })
    expect(interpretGetLock({ get: row([1], ['got']), check: row([812], ['holder']) })).toMatchObject({ status: 'differs', survived: true })
    expect(interpretGetLock({ get: row([0], ['got']), check: row([null], ['holder']) }).status).toBe('unknown')
  })
})

describe('interpretVersionRoutine', () => {
  const missing = error('DatabaseErrorException', "Table 'shop.am_probe_x_nosuch' doesn't exist; Error code: 1146; SQLState: 42S02")
  const after = (row5: number, row6: number, holder: number | null) => row([row5, row6, holder], ['row5', 'row6', 'holder'])
  const answers = { create: ok(), call: missing, during: row([812], ['holder']), callEndedFirst: false, after: after(1, 0, null) }

  test('the error passed on, row 5 kept and row 6 undone, the lock held while it ran and free after: as assumed', () => {
    const finding = interpretVersionRoutine(answers)
    expect(finding).toMatchObject({
      key: 'versionRoutine',
      status: 'ok',
      errno: 1146,
      sqlState: '42S02',
      held: { resignal: true, transaction: true, lockWhileRunning: true, lockFreeAfter: true }
    })
    expect(finding.found).toBe(
      "after the exit handler's ROLLBACK and RELEASE_LOCK, RESIGNAL passed the missing table's own error on (errno 1146, SQLSTATE 42S02); " +
        "the COMMIT inside the procedure kept row 5 and the handler's ROLLBACK undid row 6; " +
        'a call made while the CALL ran saw its lock held (by connection 812); once the CALL had answered, the next call found the lock free'
    )
  })

  test('each assumption that does not hold is named, and only that one', () => {
    const swallowed = interpretVersionRoutine({ ...answers, call: ok() })
    expect(swallowed).toMatchObject({ status: 'differs', errno: null, held: { resignal: false, transaction: true } })
    expect(swallowed.found).toMatch(/^the CALL did not fail: the exit handler passed no error on; /)
    const replaced = interpretVersionRoutine({
      ...answers,
      call: error('DatabaseErrorException', 'Unhandled user-defined exception condition; Error code: 1644; SQLState: 45000')
    })
    expect(replaced).toMatchObject({ status: 'differs', errno: 1644, sqlState: '45000', held: { resignal: false } })
    expect(replaced.found).toContain(
      "RESIGNAL did not pass the missing table's error on unchanged: the CALL failed with errno 1644, SQLSTATE 45000"
    )
    expect(
      interpretVersionRoutine({ ...answers, call: error('DatabaseErrorException', 'Database returned SQL Exception') }).found
    ).toContain('errno missing, SQLSTATE missing')

    const lost = interpretVersionRoutine({ ...answers, after: after(0, 0, null) })
    expect(lost).toMatchObject({
      status: 'differs',
      held: { resignal: true, transaction: false, lockWhileRunning: true, lockFreeAfter: true }
    })
    expect(lost.found).toContain("row 5, committed inside the procedure, is MISSING and the handler's ROLLBACK undid row 6")
    expect(interpretVersionRoutine({ ...answers, after: after(1, 1, null) }).found).toContain(
      "the COMMIT inside the procedure kept row 5 and row 6 is THERE: the handler's ROLLBACK did not undo the open transaction"
    )

    const free = interpretVersionRoutine({ ...answers, during: row([null], ['holder']) })
    expect(free).toMatchObject({
      status: 'differs',
      held: { resignal: true, transaction: true, lockWhileRunning: false, lockFreeAfter: true }
    })
    expect(free.found).toContain('a call made while the CALL ran found its lock FREE')

    const kept = interpretVersionRoutine({ ...answers, after: after(1, 0, 812) })
    expect(kept).toMatchObject({ status: 'differs', held: { lockWhileRunning: true, lockFreeAfter: false } })
    expect(kept.found).toContain('once the CALL had answered, the next call found the lock still HELD (by connection 812)')
  })

  test('what the probe cannot tell is unknown: a failed CREATE, a CALL without a database error, a failed or late look', () => {
    const denied = error('DatabaseErrorException', 'CREATE ROUTINE command denied; Error code: 1044; SQLState: 42000')
    expect(interpretVersionRoutine({ ...answers, create: denied, call: undefined, during: undefined, after: undefined })).toMatchObject({
      status: 'unknown',
      found: `CREATE PROCEDURE failed: DatabaseErrorException: ${denied.error!.message}`
    })
    const timedOut = interpretVersionRoutine({ ...answers, call: error('StatementTimeoutException', 'Request timed out') })
    expect(timedOut).toMatchObject({ status: 'unknown' })
    expect(timedOut.found).toBe(
      'the CALL answered StatementTimeoutException: Request timed out, which says neither how the procedure ended nor with what error'
    )

    const unread = interpretVersionRoutine({ ...answers, after: error('InternalServerErrorException', 'x') })
    expect(unread).toMatchObject({
      status: 'unknown',
      held: { resignal: true, transaction: null, lockWhileRunning: true, lockFreeAfter: null }
    })
    expect(unread.found).toContain('the rows and the lock after the CALL could not be read: InternalServerErrorException: x')

    expect(interpretVersionRoutine({ ...answers, during: undefined, callEndedFirst: true })).toMatchObject({
      status: 'unknown',
      held: { lockWhileRunning: null }
    })
    expect(interpretVersionRoutine({ ...answers, during: error('ThrottlingException', 'slow down') }).found).toContain(
      'the call made while the CALL ran failed: ThrottlingException: slow down'
    )
    const late = interpretVersionRoutine({ ...answers, during: row([null], ['holder']), callEndedFirst: true })
    expect(late).toMatchObject({ status: 'unknown', held: { lockWhileRunning: null } })
    expect(late.found).toContain('the CALL had answered before the call looking at its lock did')
    // A lock found held needs no timing: it was held.
    expect(interpretVersionRoutine({ ...answers, callEndedFirst: true }).status).toBe('ok')

    // What did not hold outweighs what could not be told.
    expect(interpretVersionRoutine({ ...answers, call: ok(), after: error('InternalServerErrorException', 'x') }).status).toBe('differs')
  })
})

test('the report and the JSON summary: every finding once, every call with its error as text', () => {
  const findings = [
    interpretContinueAfterTimeout(ok()),
    interpretErrorText(error('DatabaseErrorException', 'Error code: 1146; SQLState: 42S02'))
  ]
  expect(formatFindings(findings)).toBe(
    '1. continueAfterTimeout with a transactionId [as assumed]\n   accepted: the call ran inside the transaction\n' +
      '2. Error text of an SQL error [as assumed]\n   DatabaseErrorException "Error code: 1146; SQLState: 42S02": format …; Error code: N; SQLState: XXXXX, errno 1146, SQLSTATE 42S02'
  )
  const summary = summarise({
    server: { version: '8.0.36' },
    findings,
    calls: [{ step: '12 an SQL error', sql: 'SELECT 1', error: { name: 'DatabaseErrorException', message: 'm' } }]
  })
  expect(Object.keys(summary.findings)).toEqual(['continueAfterTimeoutInTransaction', 'errorText'])
  expect(summary.findings.errorText).toMatchObject({ status: 'ok', errno: 1146 })
  expect(summary.calls).toEqual([{ step: '12 an SQL error', sql: 'SELECT 1', error: 'DatabaseErrorException: m' }])
  expect(JSON.parse(JSON.stringify(summary))).toEqual(summary)
})
