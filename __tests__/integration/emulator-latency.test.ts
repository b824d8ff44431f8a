/**
 * `latencyMs` makes the local emulators answer like a service in a region: every call costs a round
 * trip. The bench measures the engine with it; these tests check that each call is delayed and still runs.
 */
import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data'
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { DUMMY_CREDENTIALS, useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { startLambdaEmulator } from '../../testkit/lambda-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'

useDummyAwsEnvironment()

const LATENCY_MS = 120

test('the Data API emulator delays every call by latencyMs, and each call still runs', async () => {
  const db = await createTestDatabase('latency')
  const emulator = await startDataApiEmulator({ postgresUrl: db.url, latencyMs: LATENCY_MS })
  const client = new RDSDataClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  try {
    const statements = ['CREATE TABLE t (id int)', 'INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (2)']
    for (const statement of statements) {
      const started = performance.now()
      await client.send(new ExecuteStatementCommand({ resourceArn: emulator.resourceArn, secretArn: emulator.secretArn, sql: statement }))
      expect(performance.now() - started).toBeGreaterThanOrEqual(LATENCY_MS - 1)
    }
    expect(emulator.calls.map((c) => c.sql)).toEqual(statements)
    expect(await sql(db.url, 'SELECT id FROM t ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }])
  } finally {
    client.destroy()
    await emulator.stop()
    await db.drop()
  }
})

test('the Lambda emulator delays every invocation by latencyMs, and each invocation still runs', async () => {
  const events: unknown[] = []
  const emulator = await startLambdaEmulator({
    functions: { echo: { handler: async (event) => (events.push(event), { echoed: event }) } },
    latencyMs: LATENCY_MS
  })
  const client = new LambdaClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: DUMMY_CREDENTIALS, maxAttempts: 1 })
  try {
    for (const n of [1, 2]) {
      const started = performance.now()
      const reply = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ n }) }))
      expect(performance.now() - started).toBeGreaterThanOrEqual(LATENCY_MS - 1)
      expect(JSON.parse(Buffer.from(reply.Payload!).toString())).toEqual({ echoed: { n } })
    }
    expect(events).toEqual([{ n: 1 }, { n: 2 }])
  } finally {
    client.destroy()
    await emulator.stop()
  }
})
