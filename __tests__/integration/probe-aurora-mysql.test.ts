/**
 * scripts/probe-aurora-mysql.mjs against the Data API emulator's MySQL mode (a real MariaDB behind it), through the
 * real @aws-sdk/client-rds-data client: what it finds where the emulator follows mysql-notes §1.8 (autocommit=0
 * transactions, errno and SQLSTATE in the error text, a session reset between calls), that it leaves nothing
 * behind — also when a call fails or the run is cut short — and the script run as a user runs it (`--endpoint`).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { RDSDataClient } from '@aws-sdk/client-rds-data'
import mysql from 'mysql2/promise'
import { runProbe } from '../../scripts/probe-aurora-mysql.mjs'
import { DUMMY_AWS_ENV, DUMMY_CREDENTIALS, useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator, type DataApiEmulatorOptions } from '../../testkit/data-api-emulator.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

const DATABASE = 'probe'

describeMysql('the Aurora MySQL probe against the Data API emulator', () => {
  const server = useMysqlServer()
  useDummyAwsEnvironment()
  let emulator: DataApiEmulator
  let client: RDSDataClient
  let admin: mysql.Connection

  beforeAll(async () => {
    admin = await mysql.createConnection(`${server.url}`)
    await admin.query(`CREATE DATABASE ${DATABASE}`)
    // The emulator's MySQL mode: startDataApiEmulator({ mysqlUrl }).
    emulator = await startDataApiEmulator({ mysqlUrl: server.url } as unknown as DataApiEmulatorOptions)
    client = new RDSDataClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  })

  afterAll(async () => {
    client?.destroy()
    await emulator?.stop()
    await admin?.end()
  })

  afterEach(() => emulator.faults.clear())

  const target = () => ({ resourceArn: emulator.resourceArn, secretArn: emulator.secretArn, database: DATABASE })

  /** Tables and routines of the probe's prefix still in the database. */
  async function leftovers(): Promise<string[]> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'am\\_probe\\_%'
       UNION ALL SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_NAME LIKE 'am\\_probe\\_%'`,
      [DATABASE, DATABASE]
    )
    return rows.map((row) => String(row.name))
  }

  test('finds what the emulator does, in every finding, and drops its scratch table and procedures', async () => {
    const { findings, calls, scratch, server: seen } = await runProbe(client, target())
    const byKey = Object.fromEntries(findings.map((finding) => [finding.key, finding]))
    expect(Object.keys(byKey).sort()).toEqual([
      'continueAfterTimeoutInTransaction',
      'errorText',
      'getLockAfterReset',
      'multipleResultSets',
      'namedParameters',
      'procedure',
      'rowsUpdated',
      'transactionAfterDdl',
      'versionRoutine'
    ])
    expect(seen).toMatchObject({ database: DATABASE })
    expect(String(seen?.version)).toContain(server.version)
    // mysql-notes §1.8: the emulator begins a transaction with autocommit=0, so the DDL commits row 1 and row 2 is rolled back.
    expect(byKey.transactionAfterDdl).toMatchObject({ status: 'ok', model: 'autocommit=0', rowsLeft: [1] })
    expect(byKey.errorText).toMatchObject({ status: 'ok', errno: 1146, sqlState: '42S02', exception: 'DatabaseErrorException' })
    expect(byKey.procedure).toMatchObject({ status: 'ok', insideTimeout: 7, resetAfterCall: true })
    expect(byKey.namedParameters.status).toBe('ok')
    expect(byKey.getLockAfterReset).toMatchObject({ status: 'ok', survived: false })
    expect(['found', 'changed']).toContain(byKey.rowsUpdated.counts)
    // The version procedure: RESIGNAL passes 1146 on, row 5 committed and row 6 rolled back, the lock held while the
    // CALL ran (the emulator runs the concurrent call on another pooled connection) and free after it.
    expect(byKey.versionRoutine).toMatchObject({
      status: 'ok',
      errno: 1146,
      sqlState: '42S02',
      held: { resignal: true, transaction: true, lockWhileRunning: true, lockFreeAfter: true }
    })
    for (const finding of findings)
      expect([finding.key, typeof finding.found, finding.found.length > 0]).toEqual([finding.key, 'string', true])
    expect(calls.length).toBeLessThanOrEqual(30)
    expect(calls.filter((call) => call.step === 'cleanup')).toHaveLength(4)
    expect(emulator.calls.some((call) => call.sql?.includes(`CREATE PROCEDURE ${scratch}_run()`))).toBe(true)
    expect(calls.find((call) => call.step.startsWith('23 '))).toMatchObject({
      sql: `CALL ${scratch}_version()`,
      continueAfterTimeout: true
    })
    expect(emulator.openTransactions()).toBe(0)
    expect(await leftovers()).toEqual([])
  })

  test('a failing CALL is a finding, not a crash, and the scratch objects are still dropped', async () => {
    emulator.faults.status({ op: 'ExecuteStatement', sql: 'CALL am_probe_fail_run()', status: 500, name: 'InternalServerErrorException' })
    emulator.faults.status({
      op: 'ExecuteStatement',
      sql: 'CALL am_probe_fail_version()',
      status: 500,
      name: 'InternalServerErrorException'
    })
    const { findings, calls } = await runProbe(client, target(), { suffix: 'fail' })
    const procedure = findings.find((finding) => finding.key === 'procedure')
    expect(procedure).toMatchObject({ status: 'differs' })
    expect(procedure?.found).toMatch(/^CALL failed: InternalServerErrorException/)
    // The version procedure's CALL answered at once without a database error: nothing to tell, and no look at its lock.
    const version = findings.find((finding) => finding.key === 'versionRoutine')
    expect(version).toMatchObject({ status: 'unknown' })
    expect(version?.found).toMatch(/^the CALL answered InternalServerErrorException/)
    expect(calls.some((call) => call.step.startsWith('24 '))).toBe(false)
    expect(await leftovers()).toEqual([])
  })

  test('a run cut short after CREATE PROCEDURE drops what it made before it stops', async () => {
    const cut = runProbe(client, target(), {
      suffix: 'cut',
      log: (line) => {
        if (line.includes('15 CALL')) throw new Error('interrupted')
      }
    })
    await expect(cut).rejects.toThrow('interrupted')
    expect(emulator.calls.some((call) => call.sql?.startsWith('CREATE PROCEDURE am_probe_cut_run()'))).toBe(true)
    expect(await leftovers()).toEqual([])
  })

  test('the script as a user runs it: --endpoint, --json, exit code 0 and the JSON summary', async () => {
    const args = ['scripts/probe-aurora-mysql.mjs', '--endpoint', emulator.endpoint, '--json']
    args.push('--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn, '--database', DATABASE, '--region', 'us-east-1')
    const { stdout } = await promisify(execFile)(process.execPath, args, { env: { PATH: process.env.PATH, ...DUMMY_AWS_ENV } })
    const summary = JSON.parse(stdout) as { probe: string; findings: Record<string, { status: string }>; calls: unknown[] }
    expect(summary.probe).toBe('aurora-migrate probe-aurora-mysql')
    expect(summary.findings.transactionAfterDdl.status).toBe('ok')
    expect(summary.findings.versionRoutine.status).toBe('ok')
    expect(summary.calls.length).toBeGreaterThan(15)
    expect(await leftovers()).toEqual([])
  })
})
