#!/usr/bin/env node
/**
 * Checks, on a real Aurora MySQL 3.07+ cluster with the RDS Data API enabled, what the Data API does where AWS
 * documents nothing and aurora-migrate's MySQL dialect has to assume (docs/mysql.md, "What the probe checks"):
 *
 *   node scripts/probe-aurora-mysql.mjs --resource-arn <cluster ARN> --secret-arn <secret ARN> --database <db>
 *
 * About thirty calls in a scratch table (`am_probe_<hex>`, with `…_ddl`, and three procedures of the same prefix),
 * all dropped at the end, also when a call fails. It prints one finding per assumption in plain words, then a
 * JSON summary to paste into an issue. The user needs CREATE, DROP, INSERT, UPDATE, SELECT, CREATE ROUTINE and
 * ALTER ROUTINE on the database; the role needs rds-data:* on the cluster and secretsmanager:GetSecretValue.
 *
 * Tests import runProbe (against the local Data API emulator, `--endpoint`) and the pure interpret* functions.
 */
import { randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { BeginTransactionCommand, ExecuteStatementCommand, RDSDataClient, RollbackTransactionCommand } from '@aws-sdk/client-rds-data'
import {
  firstValue,
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
  named,
  rowObject,
  summarise
} from './probe-aurora-mysql-findings.mjs'

export * from './probe-aurora-mysql-findings.mjs'

export const USAGE = `Usage: node scripts/probe-aurora-mysql.mjs --resource-arn <ARN> --secret-arn <ARN> --database <name> [options]

Checks what the RDS Data API does on Aurora MySQL where AWS documents nothing (about thirty calls, in a scratch
table it drops at the end) and prints what it found, then a JSON summary.

  --resource-arn <ARN>  the Aurora MySQL cluster (env PROBE_RESOURCE_ARN)
  --secret-arn <ARN>    the Secrets Manager secret of a database user (env PROBE_SECRET_ARN)
  --database <name>     the database to create the scratch table in (env PROBE_DATABASE)
  --region <region>     AWS region (env AWS_REGION; default: the cluster ARN's region)
  --endpoint <url>      another Data API endpoint, e.g. a local emulator (env AWS_ENDPOINT_URL_RDS_DATA)
  --json                print only the JSON summary
  --help                this text

Credentials come from the AWS SDK's usual chain (environment, profile, SSO, instance role).`

/** The options from argv and the environment; throws an Error with a usage message when one is missing. */
export function parseProbeArgs(argv, env = {}) {
  const options = {
    resourceArn: env.PROBE_RESOURCE_ARN,
    secretArn: env.PROBE_SECRET_ARN,
    database: env.PROBE_DATABASE,
    region: env.AWS_REGION,
    endpoint: undefined,
    json: false,
    help: false
  }
  const flags = {
    '--resource-arn': 'resourceArn',
    '--secret-arn': 'secretArn',
    '--database': 'database',
    '--region': 'region',
    '--endpoint': 'endpoint'
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2)
    if (flag === '--help' || flag === '-h') options.help = true
    else if (flag === '--json') options.json = true
    else if (flag in flags) {
      const value = inline ?? argv[++i]
      if (value === undefined || value === '') throw new Error(`${flag} needs a value`)
      options[flags[flag]] = value
    } else throw new Error(`unknown argument: ${argv[i]}`)
  }
  if (options.help) return options
  for (const [flag, key] of [
    ['--resource-arn', 'resourceArn'],
    ['--secret-arn', 'secretArn'],
    ['--database', 'database']
  ])
    if (!options[key]) throw new Error(`${flag} is required`)
  options.region ??= /^arn:aws[\w-]*:rds:([a-z0-9-]+):/.exec(options.resourceArn)?.[1]
  return options
}

// ---------------------------------------------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------------------------------------------

/**
 * Runs every step against the cluster through `client` and returns { server, findings, calls, scratch }.
 * Never throws for a failing call (each is a finding); the scratch objects are dropped in `finally`.
 * @param {{ send: (command: any) => Promise<any> }} client an RDSDataClient
 * @param {{ resourceArn: string, secretArn: string, database: string }} target
 * @param {{ log?: (line: string) => void, suffix?: string }} [options] `suffix` names the scratch objects (default: random)
 */
export async function runProbe(
  client,
  { resourceArn, secretArn, database },
  { log = () => {}, suffix = randomBytes(4).toString('hex') } = {}
) {
  const p = `am_probe_${suffix}`
  const target = { resourceArn, secretArn, database }
  /** @typedef {{ name: string, message: string }} CallError */
  /** @typedef {{ result?: any, error?: CallError }} Outcome */
  /** @type {Array<{ step: string, sql?: string, transaction?: boolean, continueAfterTimeout?: boolean, error?: CallError }>} */
  const calls = []
  /** @type {(step: string, command: any, input: Record<string, any>) => Promise<Outcome>} */
  const send = async (step, command, input) => {
    /** @type {(typeof calls)[number]} */
    const entry = {
      step,
      sql: input.sql,
      transaction: Boolean(input.transactionId) || undefined,
      continueAfterTimeout: input.continueAfterTimeout
    }
    calls.push(entry)
    log(`  ${step}${input.sql ? `: ${input.sql.replace(/\s+/g, ' ').slice(0, 100)}` : ''}`)
    try {
      return { result: await client.send(new command({ ...target, ...input })) }
    } catch (caught) {
      const error = /** @type {any} */ (caught)
      entry.error = { name: error?.name ?? 'Error', message: String(error?.message ?? error) }
      return { error: entry.error }
    }
  }
  /** @type {(step: string, text: string, extra?: Record<string, any>) => Promise<Outcome>} */
  const sql = (step, text, extra = {}) => send(step, ExecuteStatementCommand, { sql: text, includeResultMetadata: true, ...extra })
  const begin = async (step) => (await send(step, BeginTransactionCommand, {})).result?.transactionId
  const findings = []
  /** @type {{ version: unknown, database: unknown, isolation?: unknown } | null | undefined} */
  let server
  try {
    const created = await sql(
      '1 create the scratch table',
      `CREATE TABLE ${p} (id INT PRIMARY KEY, v BIGINT NOT NULL DEFAULT 0, s VARCHAR(64) NULL)`
    )
    if (created.error) throw new Error(`could not create the scratch table ${p}: ${named(created)}`)

    const t = await begin('2 BeginTransaction')
    /** @type {any} */
    const ddl = { began: Boolean(t) }
    if (t) {
      await sql('3 insert row 1 in the transaction', `INSERT INTO ${p} (id) VALUES (1)`, { transactionId: t })
      ddl.ddl = await sql('4 a DDL in the transaction', `CREATE TABLE ${p}_ddl (id INT)`, { transactionId: t })
      ddl.secondInsert = await sql('5 insert row 2 in the transaction', `INSERT INTO ${p} (id) VALUES (2)`, { transactionId: t })
      ddl.rollback = await send('6 RollbackTransaction', RollbackTransactionCommand, { transactionId: t })
    }
    const rows = await sql(
      '7 rows left, server version',
      `SELECT GROUP_CONCAT(CAST(id AS CHAR) ORDER BY id) AS ids, COUNT(*) AS n, VERSION() AS version, DATABASE() AS db FROM ${p}`
    )
    const left = rowObject(rows)
    server = left ? { version: left.version, database: left.db } : null
    ddl.rowsLeft = left
      ? String(left.ids ?? '')
          .split(',')
          .filter(Boolean)
          .map(Number)
      : null

    const t2 = await begin('8 BeginTransaction (a second one)')
    /** @type {Outcome} */
    let catOutcome = { error: { name: 'BeginTransactionFailed', message: 'no transaction to try it in' } }
    if (t2) {
      catOutcome = await sql('9 continueAfterTimeout with a transactionId', 'SELECT @@autocommit AS autocommit', {
        transactionId: t2,
        continueAfterTimeout: true
      })
      let autocommit = catOutcome
      if (catOutcome.error && catOutcome.error.name !== 'DatabaseErrorException')
        autocommit = await sql('9b @@autocommit in the transaction', 'SELECT @@autocommit AS autocommit', { transactionId: t2 })
      ddl.autocommitInTransaction = firstValue(autocommit) ?? null
      const isolation = await sql('10 isolation of a Data API transaction', 'SELECT @@transaction_isolation AS isolation', {
        transactionId: t2
      })
      if (server) server.isolation = firstValue(isolation) ?? `unknown (${named(isolation)})`
      await send('11 RollbackTransaction', RollbackTransactionCommand, { transactionId: t2 })
    }
    findings.push(interpretTransactionAfterDdl(ddl), interpretContinueAfterTimeout(catOutcome))

    findings.push(interpretErrorText(await sql('12 an SQL error', `SELECT * FROM ${p}_nosuch`)))
    findings.push(
      interpretRowsUpdated({
        outcome: await sql('13 UPDATE that changes nothing', `UPDATE ${p} SET v = v`),
        matched: ddl.rowsLeft?.length ?? 0
      })
    )

    const timeoutSet = 7
    const literal = ':am_not_a_parameter'
    const body = [
      `CREATE PROCEDURE ${p}_run()`,
      'BEGIN',
      '  DECLARE x INT DEFAULT 0;',
      `  SET SESSION lock_wait_timeout = ${timeoutSet};`,
      '  SET @am_probe := 1;',
      '  l1: LOOP',
      '    SET x = x + 1;',
      '    IF x >= 2 THEN LEAVE l1; END IF;',
      '  END LOOP l1;',
      `  INSERT INTO ${p} (id, v, s) VALUES (3, @@session.lock_wait_timeout, '${literal}');`,
      `  INSERT INTO ${p} (id, v) VALUES (4, @am_probe);`,
      'END'
    ].join('\n')
    const create = await sql('14 CREATE PROCEDURE', body)
    const call = create.error
      ? undefined
      : await sql('15 CALL with continueAfterTimeout', `CALL ${p}_run()`, { continueAfterTimeout: true })
    const after =
      call?.error || !call
        ? undefined
        : await sql(
            '16 what the next call sees',
            `SELECT @@session.lock_wait_timeout AS after_timeout, @am_probe AS user_var_after, (SELECT v FROM ${p} WHERE id = 3) AS inside_timeout, (SELECT v FROM ${p} WHERE id = 4) AS user_var_inside, (SELECT s FROM ${p} WHERE id = 3) AS literal`
          )
    const afterRow = rowObject(after)
    const drop = create.error ? undefined : await sql('17 DROP PROCEDURE', `DROP PROCEDURE ${p}_run`)
    findings.push(interpretProcedure({ create, call, after: afterRow, drop, timeoutSet }))
    findings.push(interpretParameters({ create, literal: afterRow?.literal, expected: literal }))

    const multi = await sql(
      '18 a procedure with two SELECTs',
      `CREATE PROCEDURE ${p}_two() BEGIN SELECT 1 AS first_set; SELECT 2 AS second_set; END`
    )
    findings.push(interpretMultipleResults({ create: multi, call: multi.error ? undefined : await sql('19 CALL it', `CALL ${p}_two()`) }))

    const get = await sql('20 GET_LOCK', `SELECT GET_LOCK('${p}', 0) AS got`)
    findings.push(interpretGetLock({ get, check: await sql('21 IS_USED_LOCK in the next call', `SELECT IS_USED_LOCK('${p}') AS holder`) }))

    // A version procedure as the MySQL dialect builds it: it commits row 5, sleeps so that another call can look
    // at its lock, then fails on a missing table with row 6 in an open transaction.
    const lock = `'${p}_lock'`
    const version = [
      `CREATE PROCEDURE ${p}_version() SQL SECURITY INVOKER`,
      'BEGIN',
      'DECLARE aurora_migrate_part VARCHAR(64) DEFAULT NULL;',
      'DECLARE aurora_migrate_errno INT DEFAULT 0;',
      "DECLARE aurora_migrate_text VARCHAR(512) DEFAULT '';",
      'DECLARE EXIT HANDLER FOR SQLEXCEPTION',
      'BEGIN',
      '  GET DIAGNOSTICS CONDITION 1 aurora_migrate_errno = MYSQL_ERRNO, aurora_migrate_text = MESSAGE_TEXT;',
      '  ROLLBACK;',
      `  DO RELEASE_LOCK(${lock});`,
      '  IF aurora_migrate_part IS NULL THEN RESIGNAL; END IF;',
      "  SET aurora_migrate_text = CONCAT('aurora-migrate ', aurora_migrate_part, ' error ', aurora_migrate_errno, ': ', LEFT(aurora_migrate_text, 80));",
      "  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = aurora_migrate_text;",
      'END;',
      `DO GET_LOCK(${lock}, 0);`,
      'START TRANSACTION;',
      `INSERT INTO ${p} (id) VALUES (5);`,
      'COMMIT;',
      'DO SLEEP(2);',
      'START TRANSACTION;',
      `INSERT INTO ${p} (id) VALUES (6);`,
      `INSERT INTO ${p}_nosuch VALUES (1);`,
      'COMMIT;',
      `DO RELEASE_LOCK(${lock});`,
      'END'
    ].join('\n')
    const versionCreate = await sql('22 CREATE PROCEDURE (a version procedure)', version)
    /** @type {Outcome | undefined} */
    let versionCall
    /** @type {Outcome | undefined} */
    let during
    let callEndedFirst = true
    if (!versionCreate.error) {
      let answered = false
      const calling = sql('23 CALL it with continueAfterTimeout', `CALL ${p}_version()`, { continueAfterTimeout: true })
      calling.then(
        () => (answered = true),
        () => (answered = true)
      )
      // A second call while the body sleeps, sent on a timer: the CALL is not awaited first.
      const looking = new Promise((resolve) => setTimeout(resolve, 1000)).then(async () => {
        if (answered) return undefined
        const outcome = await sql('24 IS_USED_LOCK while the CALL runs', `SELECT IS_USED_LOCK(${lock}) AS holder`)
        callEndedFirst = answered
        return outcome
      })
      ;[versionCall, during] = await Promise.all([calling, looking])
    }
    const afterVersion = versionCall
      ? await sql(
          '25 rows 5 and 6, and the lock, once the CALL answered',
          `SELECT (SELECT COUNT(*) FROM ${p} WHERE id = 5) AS row5, (SELECT COUNT(*) FROM ${p} WHERE id = 6) AS row6, IS_USED_LOCK(${lock}) AS holder`
        )
      : undefined
    findings.push(interpretVersionRoutine({ create: versionCreate, call: versionCall, during, callEndedFirst, after: afterVersion }))
  } finally {
    await sql('cleanup', `DROP PROCEDURE IF EXISTS ${p}_run`)
    await sql('cleanup', `DROP PROCEDURE IF EXISTS ${p}_two`)
    await sql('cleanup', `DROP PROCEDURE IF EXISTS ${p}_version`)
    await sql('cleanup', `DROP TABLE IF EXISTS ${p}, ${p}_ddl`)
  }
  return { server, findings, calls, scratch: p }
}

async function main() {
  let options
  try {
    options = parseProbeArgs(process.argv.slice(2), process.env)
  } catch (error) {
    console.error(`${/** @type {Error} */ (error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (options.help) {
    console.log(USAGE)
    return
  }
  const client = new RDSDataClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}) })
  const cluster = options.resourceArn.split(':').pop()
  const log = options.json ? () => {} : (line) => console.error(line)
  if (!options.json) console.error(`Probing Aurora MySQL cluster ${cluster}, database ${options.database}:`)
  try {
    const { server, findings, calls } = await runProbe(client, options, { log })
    if (!options.json) {
      console.log(
        `\nServer: MySQL ${server?.version ?? 'unknown'}; a Data API transaction's isolation: ${server?.isolation ?? 'unknown'}\n`
      )
      console.log(formatFindings(findings))
      console.log('\nJSON summary:')
    }
    console.log(JSON.stringify(summarise({ server, findings, calls }), null, 2))
  } catch (error) {
    console.error(`The probe stopped: ${/** @type {Error} */ (error).message}`)
    process.exitCode = 1
  } finally {
    client.destroy()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
