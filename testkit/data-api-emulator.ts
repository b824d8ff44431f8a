/**
 * A strict local RDS Data API (v2) for the tests, backed by a real database server: PostgreSQL
 * (`postgresUrl`) or MySQL/MariaDB (`mysqlUrl`).
 *
 * The real `@aws-sdk/client-rds-data` client talks to it over HTTP (restJson1): pass `endpoint` to
 * the client or set AWS_ENDPOINT_URL_RDS_DATA. Unlike permissive emulators it refuses what the
 * service refuses (see /work/shared/data-api-facts.md): more than one statement per call, SQL over
 * 65,536 characters, request bodies over 4 MiB, the `schema` parameter; autocommit calls rotate
 * over reset pooled connections; an SQL error ends a transaction; a busy transaction refuses a
 * second call; idle transactions expire; slow calls time out. Faults (auto-pause, 5xx, dropped
 * replies, replies that never come, throttling) are injected per call and every call is recorded in
 * `calls`.
 *
 * The protocol lives in data-api-emulator/server.ts, the engines in data-api-emulator/postgres-backend.ts
 * and data-api-emulator/mysql-backend.ts; this file picks one.
 */
import { createMysqlBackend, type MysqlTransactionModel } from './data-api-emulator/mysql-backend.js'
import { createPostgresBackend } from './data-api-emulator/postgres-backend.js'
import { startDataApiServer, type DataApiEmulator, type DataApiServerOptions } from './data-api-emulator/server.js'

export type { CallMatch, FaultPlan } from './data-api-emulator/faults.js'
export {
  MAX_REQUEST_BYTES,
  MAX_RESPONSE_BYTES,
  MAX_ROW_BYTES,
  MAX_SQL_LENGTH,
  type DataApiOperation,
  type EmulatorCall,
  type FaultKind
} from './data-api-emulator/protocol.js'
export type { DataApiEmulator } from './data-api-emulator/server.js'
export type { MysqlTransactionModel } from './data-api-emulator/mysql-backend.js'

export interface DataApiEmulatorOptions extends DataApiServerOptions {
  /** A PostgreSQL server URL (its path names the database used when a call names none). */
  postgresUrl?: string
  /**
   * A MySQL or MariaDB server URL, `mysql://user[:password]@host:port/[database]` (its path names the
   * database used when a call names none). Exactly one of postgresUrl and mysqlUrl.
   */
  mysqlUrl?: string
  /** Either of the above, chosen by the URL's scheme (`postgres:`/`postgresql:` or `mysql:`): for code that serves every dialect. */
  databaseUrl?: string
  /**
   * MySQL mode: how BeginTransaction opens a transaction (the service's choice is undocumented, so tests
   * run under both). 'autocommit-off' (default, the JDBC model): `SET autocommit=0`, so after a DDL's implicit
   * commit the statements that follow form a new transaction that Rollback undoes. 'start-transaction':
   * `START TRANSACTION`, so after a DDL the session is back in autocommit and Rollback undoes nothing.
   */
  mysqlTransactions?: MysqlTransactionModel
}

export async function startDataApiEmulator(options: DataApiEmulatorOptions): Promise<DataApiEmulator> {
  const { postgresUrl, mysqlUrl, databaseUrl, mysqlTransactions, ...serverOptions } = options
  if ([postgresUrl, mysqlUrl, databaseUrl].filter((url) => url !== undefined).length !== 1) {
    throw new Error('startDataApiEmulator: give exactly one of postgresUrl, mysqlUrl and databaseUrl')
  }
  const scheme = databaseUrl === undefined ? undefined : new URL(databaseUrl).protocol
  if (scheme !== undefined && !['mysql:', 'postgres:', 'postgresql:'].includes(scheme)) {
    throw new Error(`startDataApiEmulator: databaseUrl has an unknown scheme ${scheme}`)
  }
  const mysqlServer = scheme === 'mysql:' ? databaseUrl : mysqlUrl
  if (mysqlServer !== undefined) {
    return startDataApiServer(createMysqlBackend(mysqlServer, { transactions: mysqlTransactions }), serverOptions)
  }
  return startDataApiServer(await createPostgresBackend((postgresUrl ?? databaseUrl)!), serverOptions)
}
