/**
 * createTarget imports a transport's module on the target's first call: before that, the target says what the
 * transport says of itself (its description in the log, whether its calls are sessions), and closing a target
 * that made no call opens nothing. Each is compared with the transport built directly.
 */
import { DUMMY_AWS_ENV } from '../../testkit/aws-env.js'
import { wire } from '../../src/dialects/postgresql/wire.js'
import { wire as mysqlWire } from '../../src/dialects/mysql/wire.js'
import { createTarget } from '../../src/targets/create.js'
import { createDataApiTarget } from '../../src/targets/data-api/target.js'
import { createLambdaTarget } from '../../src/targets/lambda/target.js'
import { MysqlTarget } from '../../src/targets/mysql/target.js'
import { PostgresTarget } from '../../src/targets/postgres/target.js'
import type { TargetConfig } from '../../src/targets/target-config.js'
import type { Target } from '../../src/targets/target.js'

const saved = { ...process.env }
beforeAll(() => Object.assign(process.env, DUMMY_AWS_ENV))
afterAll(() => {
  for (const key of Object.keys(DUMMY_AWS_ENV)) delete process.env[key]
  Object.assign(process.env, saved)
})

const log = (): void => {}
const ARN = 'arn:aws:rds:us-east-1:123456789012:cluster:orders-prod'
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-AbCdEf'

const cases: Array<[string, TargetConfig, () => Target]> = [
  [
    'a PostgreSQL URL',
    { kind: 'postgres', url: 'postgres://app:s3cret@db.internal:5432/orders' },
    () => new PostgresTarget('postgres://app:s3cret@db.internal:5432/orders', { wire, log })
  ],
  [
    'a MySQL URL',
    { kind: 'mysql-url', url: 'mysql://app:s3cret@db.internal:3306/orders' },
    () => new MysqlTarget('mysql://app:s3cret@db.internal:3306/orders', { wire: mysqlWire, log })
  ],
  [
    'the Data API with a database',
    { kind: 'data-api', resourceArn: ARN, secretArn: SECRET, database: 'orders' },
    () => createDataApiTarget({ resourceArn: ARN, secretArn: SECRET, database: 'orders', wire, resumeTimeoutMs: 1000, log })
  ],
  [
    'the Data API without one',
    { kind: 'data-api', resourceArn: 'arn:aws:rds:us-east-1:123456789012:db:single', secretArn: SECRET, database: null },
    () =>
      createDataApiTarget({
        resourceArn: 'arn:aws:rds:us-east-1:123456789012:db:single',
        secretArn: SECRET,
        wire,
        resumeTimeoutMs: 1000,
        log
      })
  ],
  [
    'a Lambda name with an alias',
    { kind: 'lambda', functionName: 'aurora-migrate-runner:live' },
    () => createLambdaTarget({ functionName: 'aurora-migrate-runner:live', log })
  ],
  [
    'a Lambda ARN',
    { kind: 'lambda', functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:runner' },
    () => createLambdaTarget({ functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:runner', log })
  ]
]

test.each(cases)('before its first call, the target of %s says what the transport says of itself', async (_name, config, direct) => {
  const lazy = createTarget(config, config.kind === 'mysql-url' ? mysqlWire : wire, log, { resumeTimeoutSeconds: 1 })
  const real = direct()
  try {
    expect(lazy.description).toBe(real.description)
    expect(lazy.description).not.toContain('s3cret')
    expect(lazy.callsAreSessions).toEqual(real.callsAreSessions)
  } finally {
    await real.close()
  }
  // Nothing was called: closing connects to nothing (db.internal does not resolve) and resolves.
  await expect(lazy.close()).resolves.toBeUndefined()
})

test('the first call loads the transport and goes through it: its own error, with its own description', async () => {
  // Port 9 (discard) on this machine refuses the connection: the PostgreSQL transport's TransportError.
  const target = createTarget({ kind: 'postgres', url: 'postgres://app:s3cret@127.0.0.1:9/orders' }, wire, log, { resumeTimeoutSeconds: 1 })
  const error = await target.query('SELECT 1').then(
    () => null,
    (e: Error) => e
  )
  expect(error?.name).toBe('TransportError')
  expect(error?.message).toContain(`Could not connect to ${target.description}`)
  await expect(target.close()).resolves.toBeUndefined()
})
