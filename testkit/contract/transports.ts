/**
 * The transports the contract suites run over, written against the dialect fixture: a direct URL, the RDS Data
 * API (the emulator, through the real SDK client) and the runner Lambda (the emulator running the real runner
 * handler). Each is used inside a describe block: `use` registers what it needs around the block and returns how
 * to connect to one test's database.
 */
import { createHandler } from '../../runner/handler.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { createLambdaTarget } from '../../src/targets/lambda.js'
import type { Target } from '../../src/targets/target.js'
import { useDummyAwsEnvironment } from '../aws-env.js'
import { startDataApiEmulator, type DataApiEmulator } from '../data-api-emulator.js'
import { startLambdaEmulator } from '../lambda-emulator.js'
import type { DialectFixture, TestDatabase } from './fixture.js'
import { dialectFor, type DialectName } from '../../src/dialects/index.js'

export interface Connection {
  target: Target
  /** Calls the transport has made so far, where it can count them (the Data API emulator's). */
  calls?: () => number
  /** Closes the target and stops what the connection started. */
  close(): Promise<void>
}

export interface TransportFixture {
  /** Short, for a suite's title: url, data-api, lambda. */
  name: string
  /** As a sentence names it: "a direct URL", "the RDS Data API". */
  title: string
  /** Registers, in the enclosing describe block, what the transport needs; returns how to connect to a database. */
  use(dialect: DialectFixture): (db: TestDatabase) => Promise<Connection>
}

const RUNNER = 'aurora-migrate-runner'

const url: TransportFixture = {
  name: 'url',
  title: 'a direct URL',
  use: (dialect) => async (db) => {
    const target = dialect.urlTarget(db.url)
    return { target, close: () => target.close() }
  }
}

const dataApi: TransportFixture = {
  name: 'data-api',
  title: 'the RDS Data API',
  use(dialect) {
    // One emulator for the block: it serves the whole server, and each target picks its database like the real one does.
    let emulator: DataApiEmulator
    useDummyAwsEnvironment()
    beforeAll(async () => {
      // The URL's scheme picks the emulator's backend: PostgreSQL or MySQL.
      emulator = await startDataApiEmulator({ databaseUrl: dialect.serverUrl() })
    })
    afterAll(async () => {
      await emulator.stop()
    })
    return async (db) => {
      const target = createDataApiTarget({
        wire: dialectFor(dialect.name as DialectName).wire,
        resourceArn: emulator.resourceArn,
        secretArn: emulator.secretArn,
        database: db.name,
        endpoint: emulator.endpoint
      })
      return { target, calls: () => emulator.calls.length, close: () => target.close() }
    }
  }
}

const lambda: TransportFixture = {
  name: 'lambda',
  title: 'the runner Lambda',
  use() {
    useDummyAwsEnvironment()
    // The real runner handler, one instance per sandbox, connected to the test database.
    return async (db) => {
      const emulator = await startLambdaEmulator({
        functions: { [RUNNER]: { sandbox: () => createHandler({ env: { DATABASE_URL: db.url }, log: () => {} }) } }
      })
      const target = createLambdaTarget({ functionName: RUNNER, endpoint: emulator.endpoint })
      return {
        target,
        async close() {
          await target.close()
          await emulator.stop()
        }
      }
    }
  }
}

export const TRANSPORTS = { url, 'data-api': dataApi, lambda } satisfies Record<string, TransportFixture>
