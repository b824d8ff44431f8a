/**
 * The runner Lambda transport with `resultsNeeded: false`: the request says so, the runner packs the
 * transaction, and an older runner that answers every result is understood too.
 */
import { createHandler, type RunnerHandler } from '../../runner/handler.js'
import { createLambdaTarget } from '../../src/targets/lambda.js'
import type { Target } from '../../src/targets/target.js'
import { startLambdaEmulator, type LambdaEmulator } from '../../testkit/lambda-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'

useDummyAwsEnvironment()

const RUNNER = 'aurora-migrate-runner'

let db: Awaited<ReturnType<typeof createTestDatabase>>
let emulator: LambdaEmulator
let target: Target
let requests: unknown[]
let handlers: RunnerHandler[]

beforeEach(async () => {
  db = await createTestDatabase('lpacked')
  requests = []
  handlers = []
})

afterEach(async () => {
  await target.close()
  await emulator.stop()
  for (const handler of handlers) await handler.close()
  await db.drop()
})

async function start(stripResultsNeeded: boolean) {
  emulator = await startLambdaEmulator({
    functions: {
      [RUNNER]: {
        sandbox: () => {
          const real = createHandler({ env: { DATABASE_URL: db.url }, log: () => {} })
          handlers.push(real)
          return async (event, context) => {
            requests.push(event)
            // A runner that predates packing drops the field it does not know, and answers every result.
            const seen = stripResultsNeeded ? { ...(event as object), resultsNeeded: undefined } : event
            return real(seen, context)
          }
        }
      }
    }
  })
  target = createLambdaTarget({ functionName: RUNNER, endpoint: emulator.endpoint })
}

const statements = [
  { sql: 'CREATE TABLE t (id int)' },
  { sql: 'INSERT INTO t VALUES (1), (2)', expectRows: 2 },
  { sql: 'SELECT id FROM t', expectRows: 2 }
]

test('one invocation, marked resultsNeeded false, answered without results', async () => {
  await start(false)
  expect(await target.transaction(statements, { resultsNeeded: false })).toEqual({ ok: true, results: [] })
  expect(requests).toEqual([expect.objectContaining({ op: 'transaction', resultsNeeded: false })])
  expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
})

test('a runner that answers every result is understood as well', async () => {
  await start(true)
  expect(await target.transaction(statements, { resultsNeeded: false })).toEqual({ ok: true, results: [] })
  expect(requests).toHaveLength(1)
  expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
})

test('without resultsNeeded, the request carries no such field and the answer has every result', async () => {
  await start(false)
  const result = await target.transaction(statements)
  expect(result).toMatchObject({ ok: true, results: [{}, { rowCount: 2 }, { rows: [{ id: 1 }, { id: 2 }] }] })
  expect(requests[0]).not.toHaveProperty('resultsNeeded')
})
