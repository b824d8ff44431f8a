/**
 * What an apply costs on MySQL over the RDS Data API (the emulator in MySQL mode, real SDK client, 25 ms added
 * to every call), beside PostgreSQL's number from apply.bench.ts: calls per version on bench/mysql-corpus (five
 * versions of three DDL statements and one DML statement each), at the action's default lock-timeout (5 s). Each
 * version runs as one temporary procedure (CREATE, CALL, DROP) that sets lock_wait_timeout, renews the lease
 * before each statement, journals each DDL and records the version: the floor is 3 calls a version. The server is a
 * MariaDB or MySQL started the way the tests start one (testkit/mariadb.ts); where the machine has none, the
 * bench says so and why, and moves on. It reports; it never fails the build.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { mysql } from '../src/dialects/mysql/index.js'
import { applyMigrations, type ApplyResult } from '../src/engine/apply.js'
import { readHistory } from '../src/engine/history.js'
import { parseMetaTableName } from '../src/meta-table-name.js'
import { discoverMigrations } from '../src/migrations/discover.js'
import type { Version } from '../src/migrations/types.js'
import { createDataApiTarget } from '../src/targets/data-api.js'
import { MysqlTarget } from '../src/targets/mysql.js'
import type { Target } from '../src/targets/target.js'
import { setDummyAwsEnvironment } from '../testkit/aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../testkit/data-api-emulator.js'
import { findMysqlServer, startMysqlServer } from '../testkit/mariadb.js'
import { createMysqlDatabase } from '../testkit/mysql.js'
import { describePerVersion, measure, type RunCost } from './cost.js'

const CORPUS = fileURLToPath(new URL('./mysql-corpus', import.meta.url))
const ROUND_TRIP_MS = 25
const META_TABLE = parseMetaTableName('schema_migrations')
/** The action's default lock-timeout. */
const LOCK_TIMEOUT_MS = 5000

/** PostgreSQL's figure, from apply.bench.ts, to print beside MySQL's. */
export interface PostgresFigure {
  /** Calls per version after the first, v2 onwards on a database at v1 (packed). */
  callsPerVersion: number
}

async function applyAsTheAction(target: Target, versions: Version[], log: (message: string) => void): Promise<ApplyResult> {
  const history = await readHistory(mysql.engine, target, META_TABLE)
  return applyMigrations(target, versions, {
    dialect: mysql.engine,
    tables: history.tables,
    history,
    createSchema: false,
    run: { actor: 'bench', commitSha: null, runUrl: null },
    lease: { owner: `bench #${Math.random().toString(36).slice(2, 10)}`, ttlSeconds: 60, waitTimeoutSeconds: 10 },
    lockTimeoutMs: LOCK_TIMEOUT_MS,
    log
  })
}

export async function benchApplyMysql(postgres?: PostgresFigure): Promise<void> {
  const binary = findMysqlServer()
  if (!binary) {
    console.log(
      'MySQL over the Data API: SKIPPED — no mariadbd or mysqld on this machine (looked where the tests look: testkit/mariadb.ts); ' +
        'install mariadb-server or set AURORA_MIGRATE_MYSQLD to measure it'
    )
    return
  }
  const restoreAwsEnvironment = setDummyAwsEnvironment()
  const { versions } = await discoverMigrations(mysql.syntax, CORPUS, CORPUS)
  const statements = versions.reduce((sum, v) => sum + v.files.reduce((n, f) => n + f.statements.length, 0), 0)
  const server = await startMysqlServer({ binary })
  let emulator: DataApiEmulator | undefined
  try {
    emulator = await startDataApiEmulator({ databaseUrl: server.url, latencyMs: ROUND_TRIP_MS })
    console.log(
      `Corpus bench/mysql-corpus: ${versions.length} versions, ${statements} statements (3 DDL + 1 DML each); ${server.flavor} ${server.version}; ` +
        `${ROUND_TRIP_MS} ms added to every Data API call; lock-timeout ${LOCK_TIMEOUT_MS / 1000} s`
    )
    const fresh = await dataApiRun(emulator, (await createMysqlDatabase(server.url, 'bench')).name, versions)
    // A database at v1 (the meta tables present), applied over a direct connection the emulator does not count.
    const existing = await createMysqlDatabase(server.url, 'bench')
    const direct = new MysqlTarget(existing.url, { wire: mysql.wire })
    try {
      const atV1 = await applyAsTheAction(direct, versions.slice(0, 1), () => {})
      if (atV1.error) throw atV1.error
    } finally {
      await direct.close()
    }
    const rest = await dataApiRun(emulator, existing.name, versions)
    const line = (label: string, cost: RunCost) =>
      console.log(
        `  ${label}: ${cost.calls} calls (${(cost.calls / cost.versions.length).toFixed(2)} per version), ${(cost.ms / 1000).toFixed(2)} s\n` +
          `    ${describePerVersion(cost)}`
      )
    console.log('\nMySQL over the Data API (each version: CREATE PROCEDURE, CALL, DROP; the journal written inside it)')
    line(`apply ${versions.length} versions on a new database`, fresh)
    line(`apply v2–v${versions.length} on a database at v1`, rest)
    // One version more, with a trigger: a statement a procedure cannot hold runs on its own between two procedures.
    const withTrigger = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-bench-'))
    fs.cpSync(CORPUS, withTrigger, { recursive: true })
    fs.mkdirSync(path.join(withTrigger, 'v6_audit_trigger'))
    fs.writeFileSync(
      path.join(withTrigger, 'v6_audit_trigger', '01_trigger.sql'),
      'ALTER TABLE audit_log ADD COLUMN note VARCHAR(40) NULL;\n' +
        "CREATE TRIGGER orders_audit AFTER UPDATE ON orders FOR EACH ROW INSERT INTO audit_log (entity, entity_id) VALUES ('order', NEW.id);\n" +
        'CREATE INDEX audit_log_at ON audit_log (at);\n'
    )
    const six = (await discoverMigrations(mysql.syntax, withTrigger, withTrigger)).versions
    const trigger = await dataApiRun(emulator, existing.name, six)
    fs.rmSync(withTrigger, { recursive: true, force: true })
    console.log(
      `  v6 (2 DDL around a CREATE TRIGGER, which a procedure cannot hold) on a database at v5: ${trigger.perVersion.at(-1)} calls for the version\n` +
        `    ${describePerVersion(trigger)}`
    )
    const later = rest.perVersion.slice(1)
    const mysqlPerVersion = later.length ? later.reduce((a, b) => a + b, 0) / later.length : NaN
    console.log('\nCalls per version after the first, on a database at v1')
    console.log(`  MySQL (3 DDL + 1 DML a version): ${mysqlPerVersion.toFixed(2)}`)
    console.log(
      `  PostgreSQL (packed, examples/job-queue): ${postgres ? postgres.callsPerVersion.toFixed(2) : 'n/a (not measured in this run)'}`
    )
  } finally {
    await emulator?.stop()
    await server.stop()
    restoreAwsEnvironment()
  }
}

async function dataApiRun(emulator: DataApiEmulator, database: string, versions: Version[]): Promise<RunCost> {
  const target = createDataApiTarget({
    wire: mysql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database,
    endpoint: emulator.endpoint
  })
  try {
    return await measure(
      () => emulator.calls.length,
      (log) => applyAsTheAction(target, versions, log)
    )
  } finally {
    await target.close()
  }
}
