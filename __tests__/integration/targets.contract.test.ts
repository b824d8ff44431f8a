import { createHandler } from '../../runner/handler.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { createLambdaTarget } from '../../src/targets/lambda.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { startLambdaEmulator } from '../../testkit/lambda-emulator.js'
import { ADMIN_URL_ENV, createTestDatabase } from '../../testkit/postgres.js'
import { describeTargetContract } from '../../testkit/contract/target-contract.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

useDummyAwsEnvironment()

describeTargetContract('postgres', async () => {
  const db = await createTestDatabase('contract_pg')
  return { target: new PostgresTarget(db.url, { wire: postgresql.wire }), url: db.url, cleanup: () => db.drop() }
})

describeTargetContract('data-api', async () => {
  const db = await createTestDatabase('contract_api')
  // The emulator serves the whole server; the target picks its database like the real one does.
  const emulator = await startDataApiEmulator({ postgresUrl: process.env[ADMIN_URL_ENV]! })
  const target = createDataApiTarget({
    wire: postgresql.wire,
    resourceArn: emulator.resourceArn,
    secretArn: emulator.secretArn,
    database: db.name,
    endpoint: emulator.endpoint
  })
  return {
    target,
    url: db.url,
    calls: () => emulator.calls.length,
    async cleanup() {
      await emulator.stop()
      await db.drop()
    }
  }
})

describeTargetContract('lambda', async () => {
  const db = await createTestDatabase('contract_lambda')
  // The real runner handler, one instance per sandbox, connected to the test database.
  const emulator = await startLambdaEmulator({
    functions: { 'aurora-migrate-runner': { sandbox: () => createHandler({ env: { DATABASE_URL: db.url }, log: () => {} }) } }
  })
  const target = createLambdaTarget({ functionName: 'aurora-migrate-runner', endpoint: emulator.endpoint })
  return {
    target,
    url: db.url,
    async cleanup() {
      await emulator.stop()
      await db.drop()
    }
  }
})
