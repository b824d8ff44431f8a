/**
 * The runner Lambda transport under faults, against the Lambda emulator through the real SDK client
 * (and the real runner handler where a database is involved). Assertions look at the emulator's
 * `calls`: what was (re)sent matters as much as what the caller got. The first block checks the
 * emulator itself against the service's wire behaviour, with the bare SDK client.
 */
import { InvokeCommand, LambdaClient, type InvokeCommandOutput } from '@aws-sdk/client-lambda'
import { createHandler } from '../../runner/handler.js'
import { CommitOutcomeUnknownError, DatabaseError, TransportError } from '../../src/errors.js'
import { createLambdaTarget, parseFunctionName, type LambdaTargetOptions } from '../../src/targets/lambda.js'
import type { Target } from '../../src/targets/target.js'
import { startLambdaEmulator, type EmulatedFunction, type LambdaContext, type LambdaEmulator } from '../../testkit/lambda-emulator.js'
import { createTestDatabase, freePort, sql } from '../../testkit/postgres.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { FakeClock } from '../../testkit/fake-clock.js'

useDummyAwsEnvironment()

const RUNNER = 'aurora-migrate-runner'

let db: Awaited<ReturnType<typeof createTestDatabase>>
let emulator: LambdaEmulator | undefined
let target: Target | undefined
let waits: number[]
let logs: string[]
let clock: FakeClock

beforeEach(async () => {
  db = await createTestDatabase('lambda')
  emulator = undefined
  target = undefined
})

afterEach(async () => {
  await target?.close()
  await emulator?.stop()
  await db.drop()
})

/** The real runner, one handler per sandbox, on the test database (or `url`). */
function runner(url = db.url): EmulatedFunction {
  return { sandbox: () => createHandler({ env: { DATABASE_URL: url }, log: () => {} }) }
}

/** A function that answers `answer` to every invocation. */
function answering(answer: (event: unknown, context: LambdaContext) => unknown): EmulatedFunction {
  return { handler: async (event, context) => answer(event, context) }
}

async function start(functions: Record<string, EmulatedFunction> = { [RUNNER]: runner() }, options: Partial<LambdaTargetOptions> = {}) {
  emulator = await startLambdaEmulator({ functions })
  clock = new FakeClock()
  waits = clock.waits
  logs = clock.logs
  target = createLambdaTarget({
    functionName: RUNNER,
    endpoint: emulator.endpoint,
    // A fake sleep that advances a fake clock: retries run instantly, the 2-minute deadline still counts.
    ...clock.hooks,
    ...options
  })
  return { emulator, target }
}

const calls = () => emulator!.calls
const ran = () => emulator!.calls.filter((c) => c.ran)

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection, the call succeeded')
}

async function count(table: string): Promise<number> {
  return (await sql<{ n: number }>(db.url, `select count(*)::int as n from ${table}`))[0].n
}

// -------------------------------------------------------------------------------------------------
// The emulator, through the bare SDK client
// -------------------------------------------------------------------------------------------------

describe('the Lambda emulator answers like the service', () => {
  let client: LambdaClient
  beforeEach(() => {
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1 })
  })
  afterEach(() => client.destroy())

  const invoke = (input: Partial<ConstructorParameters<typeof InvokeCommand>[0]> & { FunctionName: string }, body: unknown = {}) =>
    client.send(new InvokeCommand({ Payload: Buffer.from(JSON.stringify(body)), ...input }))
  const payload = (output: InvokeCommandOutput) => JSON.parse(Buffer.from(output.Payload ?? []).toString('utf8')) as Record<string, unknown>
  const sdkError = async (promise: Promise<unknown>) =>
    (await rejection(promise)) as Error & { $metadata: { httpStatusCode?: number } } & Record<string, unknown>

  test('RequestResponse answers the result with the executed version; the context counts down from the timeout', async () => {
    await start({
      echo: {
        handler: async (event, context) => ({ event, remaining: context.getRemainingTimeInMillis(), name: context.functionName }),
        timeoutMs: 60_000
      }
    })
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1, endpoint: emulator!.endpoint })
    const output = await invoke({ FunctionName: 'echo' }, { op: 'ping', n: 1 })
    expect(output.StatusCode).toBe(200)
    expect(output.FunctionError).toBeUndefined()
    expect(output.ExecutedVersion).toBe('$LATEST')
    const body = payload(output)
    expect(body.event).toEqual({ op: 'ping', n: 1 })
    expect(body.name).toBe('echo')
    expect(body.remaining).toBeLessThanOrEqual(60_000)
    expect(body.remaining).toBeGreaterThan(55_000)
    expect(calls()).toEqual([
      expect.objectContaining({ n: 1, op: 'ping', function: 'echo', invocationType: 'RequestResponse', status: 200, ran: true })
    ])
  })

  test('a handler that throws: 200 with X-Amz-Function-Error and errorType, errorMessage, trace', async () => {
    await start({ crash: answering(() => Promise.reject(new TypeError('no such thing'))) })
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1, endpoint: emulator!.endpoint })
    const output = await invoke({ FunctionName: 'crash' })
    expect(output.StatusCode).toBe(200)
    expect(output.FunctionError).toBe('Unhandled')
    const body = payload(output)
    expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: 'no such thing' })
    expect((body.trace as string[])[0]).toBe('TypeError: no such thing')
  })

  test('a handler that outlives its timeout answers Sandbox.Timedout and goes on in the background', async () => {
    let finished = false
    await start({
      slow: {
        handler: async () => {
          await new Promise((resolve) => setTimeout(resolve, 400))
          finished = true
          return 'late'
        },
        timeoutMs: 100
      }
    })
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1, endpoint: emulator!.endpoint })
    const output = await invoke({ FunctionName: 'slow' })
    expect(output.FunctionError).toBe('Unhandled')
    expect(payload(output)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 0\.10 seconds$/)
    })
    expect(finished).toBe(false)
    expect(emulator!.running()).toBe(1)
    await emulator!.settled()
    expect(finished).toBe(true)
  })

  test('sandboxes: a warm one is reused, a busy or timed-out one never', async () => {
    let sandboxes = 0
    await start({
      fn: {
        sandbox: () => {
          const id = ++sandboxes
          return async (event) => {
            const wait = (event as { wait?: number }).wait ?? 0
            if (wait) await new Promise((resolve) => setTimeout(resolve, wait))
            return id
          }
        },
        timeoutMs: 150
      }
    })
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1, endpoint: emulator!.endpoint })
    const ids = async (...bodies: unknown[]) =>
      Promise.all(bodies.map(async (b) => payload(await invoke({ FunctionName: 'fn' }, b)) as unknown))
    expect(await ids({})).toEqual([1])
    expect(await ids({})).toEqual([1])
    expect((await ids({ wait: 50 }, { wait: 50 })).sort()).toEqual([1, 2])
    // Sandbox 1 or 2 times out; whichever it was is not used again.
    expect(await ids({ wait: 300 })).toEqual([expect.objectContaining({ errorType: 'Sandbox.Timedout' })])
    await emulator!.settled()
    const [a] = (await ids({})) as number[]
    const [b, c] = (await ids({ wait: 50 }, { wait: 50 })) as number[]
    expect(new Set([a, b, c]).size).toBe(2)
    expect(sandboxes).toBe(3)
  })

  test('Event invocations answer 202 and run in the background', async () => {
    const seen: unknown[] = []
    await start({ fn: answering((event) => void seen.push(event)) })
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1, endpoint: emulator!.endpoint })
    const output = await invoke({ FunctionName: 'fn', InvocationType: 'Event' }, { op: 'x' })
    expect(output.StatusCode).toBe(202)
    await emulator!.settled()
    expect(seen).toEqual([{ op: 'x' }])
  })

  test('names, aliases, ARNs and Qualifier reach the right function; a mismatch or an unknown one is refused', async () => {
    await start({ fn: answering(() => 'latest'), 'fn:prod': { ...answering(() => 'prod'), version: '7' } })
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1, endpoint: emulator!.endpoint })
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:fn'
    for (const [input, expected] of [
      [{ FunctionName: 'fn' }, 'latest'],
      [{ FunctionName: 'fn:$LATEST' }, 'latest'],
      [{ FunctionName: arn }, 'latest'],
      [{ FunctionName: '123456789012:function:fn' }, 'latest'],
      [{ FunctionName: 'fn:prod' }, 'prod'],
      [{ FunctionName: `${arn}:prod` }, 'prod'],
      [{ FunctionName: 'fn', Qualifier: 'prod' }, 'prod'],
      [{ FunctionName: `${arn}:prod`, Qualifier: 'prod' }, 'prod']
    ] as const) {
      const output = await invoke(input)
      expect([input, payload(output)]).toEqual([input, expected])
      expect(output.ExecutedVersion).toBe(expected === 'prod' ? '7' : '$LATEST')
    }
    expect(calls().map((c) => `${c.function}:${c.qualifier ?? ''}`)).toEqual([
      'fn:',
      'fn:$LATEST',
      'fn:',
      'fn:',
      'fn:prod',
      'fn:prod',
      'fn:prod',
      'fn:prod'
    ])

    const mismatch = await sdkError(invoke({ FunctionName: 'fn:prod', Qualifier: 'dev' }))
    expect([mismatch.name, mismatch.$metadata.httpStatusCode]).toEqual(['InvalidParameterValueException', 400])
    const unknown = await sdkError(invoke({ FunctionName: 'nope' }))
    expect([unknown.name, unknown.$metadata.httpStatusCode, unknown.Type]).toEqual(['ResourceNotFoundException', 404, 'User'])
    expect(unknown.message).toBe('Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope')
    const alias = await sdkError(invoke({ FunctionName: 'fn:dev' }))
    expect(alias.message).toBe('Function not found: arn:aws:lambda:us-east-1:123456789012:function:fn:dev')
    const otherRegion = await sdkError(invoke({ FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:fn' }))
    expect(otherRegion.message).toBe('Function not found: arn:aws:lambda:eu-west-1:123456789012:function:fn')
  })

  test('payloads over 6 MB: a request is refused with 413, a response is a ResponseSizeTooLarge function error', async () => {
    await start({ big: answering(() => 'x'.repeat(6 * 1024 * 1024)), small: answering(() => 'x'.repeat(6 * 1024 * 1024 - 2)) })
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1, endpoint: emulator!.endpoint })
    const tooLarge = await sdkError(
      client.send(new InvokeCommand({ FunctionName: 'small', Payload: Buffer.alloc(6 * 1024 * 1024 + 1, 0x20) }))
    )
    expect([tooLarge.name, tooLarge.$metadata.httpStatusCode]).toEqual(['RequestTooLargeException', 413])
    expect(tooLarge.message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation')
    // Exactly 6 MB is accepted (JSON whitespace around a small event).
    const fits = await client.send(
      new InvokeCommand({ FunctionName: 'small', Payload: Buffer.concat([Buffer.from('{}'), Buffer.alloc(6 * 1024 * 1024 - 2, 0x20)]) })
    )
    expect(fits.FunctionError).toBeUndefined()
    expect(fits.Payload!.length).toBe(6 * 1024 * 1024)

    const output = await invoke({ FunctionName: 'big' })
    expect(output.FunctionError).toBe('Unhandled')
    expect(payload(output)).toMatchObject({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).'
    })
    expect(calls().map((c) => [c.function, c.status, c.error ?? c.functionError ?? null, c.ran])).toEqual([
      ['small', 413, 'RequestTooLargeException', false],
      ['small', 200, null, true],
      ['big', 200, 'Function.ResponseSizeTooLarge', true]
    ])
  })

  test('fault plan: throttling with Retry-After, a Pending function, an API error, a crash, dropped replies', async () => {
    let runs = 0
    await start({ fn: answering(() => ++runs), other: answering(() => 'other') })
    client = new LambdaClient({ region: 'us-east-1', maxAttempts: 1, endpoint: emulator!.endpoint })
    emulator!.faults.throttle({ calls: 2, function: 'fn' })
    const throttled = await sdkError(invoke({ FunctionName: 'fn' }))
    expect([throttled.name, throttled.$metadata.httpStatusCode, throttled.message, throttled.Reason, throttled.retryAfterSeconds]).toEqual([
      'TooManyRequestsException',
      429,
      'Rate Exceeded.',
      'ReservedFunctionConcurrentInvocationLimitExceeded',
      '1'
    ])
    expect(payload(await invoke({ FunctionName: 'other' }))).toBe('other')
    await expect(invoke({ FunctionName: 'fn' })).rejects.toMatchObject({ name: 'TooManyRequestsException' })

    emulator!.faults.pending({ calls: 1 })
    const pending = await sdkError(invoke({ FunctionName: 'fn' }))
    expect([pending.name, pending.$metadata.httpStatusCode, pending.message]).toEqual([
      'ResourceConflictException',
      409,
      'The operation cannot be performed at this time. The function is currently in the following state: Pending'
    ])
    emulator!.faults.error({ status: 502, name: 'ENILimitReachedException', message: 'ENI limit reached' })
    await expect(invoke({ FunctionName: 'fn' })).rejects.toMatchObject({
      name: 'ENILimitReachedException',
      $metadata: { httpStatusCode: 502 }
    })
    emulator!.faults.unhandled({ function: 'fn' })
    const crashed = await invoke({ FunctionName: 'fn' })
    expect(payload(crashed)).toMatchObject({ errorType: 'Runtime.ExitError' })
    expect(runs).toBe(0)
    // A forced timeout: the handler runs (and here is done at once), the answer is still a timeout.
    emulator!.faults.timeout({ function: 'fn' })
    expect(payload(await invoke({ FunctionName: 'fn' }))).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/Task timed out after 900\.00 seconds$/)
    })
    expect(runs).toBe(1)

    emulator!.faults.drop({ when: 'before' })
    await expect(invoke({ FunctionName: 'fn' })).rejects.toThrow(/socket hang up/)
    expect(runs).toBe(1)
    emulator!.faults.drop({ at: calls().length + 1, when: 'after' })
    await expect(invoke({ FunctionName: 'fn' })).rejects.toThrow(/socket hang up/)
    expect(runs).toBe(2)
    expect(payload(await invoke({ FunctionName: 'fn' }))).toBe(3)
    expect(calls().map((c) => c.fault ?? '-')).toEqual([
      'throttle',
      '-',
      'throttle',
      'pending',
      'error',
      'unhandled',
      'timeout',
      'drop-before',
      'drop-after',
      '-'
    ])
  })
})

// -------------------------------------------------------------------------------------------------
// The transport
// -------------------------------------------------------------------------------------------------

describe('function names', () => {
  test.each([
    ['aurora-migrate-runner', { name: 'aurora-migrate-runner' }],
    ['aurora-migrate-runner:prod', { name: 'aurora-migrate-runner', qualifier: 'prod' }],
    ['runner:$LATEST', { name: 'runner', qualifier: '$LATEST' }],
    ['123456789012:function:runner:3', { name: 'runner', qualifier: '3' }],
    ['arn:aws:lambda:eu-west-1:123456789012:function:runner', { name: 'runner', region: 'eu-west-1' }],
    ['arn:aws-cn:lambda:cn-north-1:123456789012:function:runner:live', { name: 'runner', qualifier: 'live', region: 'cn-north-1' }]
  ])('%s', (functionName, expected) => {
    expect(parseFunctionName(functionName)).toEqual(expected)
  })

  test('each form reaches its function and qualifier, and the description names it', async () => {
    const which = (label: string) => answering(() => ({ ok: true, rows: [{ fn: label }], rowCount: 1 }))
    await start({ [RUNNER]: which('latest'), [`${RUNNER}:prod`]: which('prod'), [`${RUNNER}:7`]: which('seven') })
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${RUNNER}`
    const cases: [Partial<LambdaTargetOptions>, string, string][] = [
      [{ functionName: RUNNER }, `lambda ${RUNNER}`, 'latest'],
      [{ functionName: `${RUNNER}:prod` }, `lambda ${RUNNER}:prod`, 'prod'],
      [{ functionName: RUNNER, qualifier: 'prod' }, `lambda ${RUNNER}:prod`, 'prod'],
      [{ functionName: arn }, `lambda ${RUNNER}`, 'latest'],
      [{ functionName: `${arn}:7` }, `lambda ${RUNNER}:7`, 'seven'],
      [{ functionName: `123456789012:function:${RUNNER}:prod` }, `lambda ${RUNNER}:prod`, 'prod']
    ]
    for (const [options, description, reached] of cases) {
      const t = createLambdaTarget({ endpoint: emulator!.endpoint, functionName: RUNNER, ...options })
      expect([options, t.description, (await t.query('select 1')).rows]).toEqual([options, description, [{ fn: reached }]])
      await t.close()
    }
    expect(calls().map((c) => c.qualifier ?? '')).toEqual(['', 'prod', 'prod', '', '7', 'prod'])
    expect(() => createLambdaTarget({ functionName: `${RUNNER}:prod`, qualifier: 'dev' })).toThrow(
      /names qualifier prod, but qualifier dev was given/
    )
  })

  test('AWS_ENDPOINT_URL_LAMBDA is honoured without an endpoint option', async () => {
    await start()
    process.env.AWS_ENDPOINT_URL_LAMBDA = emulator!.endpoint
    try {
      const t = createLambdaTarget({ functionName: RUNNER })
      expect((await t.query('select 41 + 1 as v')).rows).toEqual([{ v: 42 }])
      await t.close()
    } finally {
      delete process.env.AWS_ENDPOINT_URL_LAMBDA
    }
    expect(calls()).toHaveLength(1)
  })
})

describe('runner answers', () => {
  test('an SQL error is a DatabaseError from query() and data from transaction(), each sent once', async () => {
    await start()
    const error = await rejection(target!.query('select * from nowhere'))
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).info).toMatchObject({ sqlState: '42P01', position: 15 })
    expect(await target!.transaction([{ sql: 'select 1' }, { sql: 'selec 2' }])).toMatchObject({
      ok: false,
      failedIndex: 1,
      error: { sqlState: '42601' }
    })
    expect(calls().map((c) => c.op)).toEqual(['query', 'transaction'])
  })

  test('UNSUPPORTED_PROTOCOL: update the runner; BAD_REQUEST: a bug; neither is re-sent nor an unknown outcome', async () => {
    await start({
      [RUNNER]: answering((event) =>
        (event as { op: string }).op === 'query'
          ? {
              ok: false,
              error: { code: 'UNSUPPORTED_PROTOCOL', message: 'This runner speaks runner protocol 2; the request uses protocol 1.' }
            }
          : { ok: false, error: { code: 'BAD_REQUEST', message: "'statements[0].sql' must be a string." } }
      )
    })
    const old = await rejection(target!.query('select 1'))
    expect(old).toBeInstanceOf(TransportError)
    expect((old as TransportError).code).toBe('UNSUPPORTED_PROTOCOL')
    expect(old.message).toBe(
      `Lambda function ${RUNNER} does not speak runner protocol 1 (This runner speaks runner protocol 2; the request uses protocol 1). ` +
        'Update the runner: redeploy runner.zip (dist/runner) from the same release as the action.'
    )
    const bad = await rejection(target!.transaction([{ sql: 'select 1' }]))
    expect(bad).toBeInstanceOf(TransportError)
    expect((bad as TransportError).code).toBe('BAD_REQUEST')
    expect(bad.message).toMatch(
      /refused the request as malformed \('statements\[0\].sql' must be a string\)\. This is a bug in aurora-migrate/
    )
    expect(calls()).toHaveLength(2)
  })

  test('CONNECTION: the real runner cannot reach its database; the message names the function', async () => {
    const port = await freePort()
    await start({ [RUNNER]: runner(`postgres://postgres:pw@127.0.0.1:${port}/nothing`) })
    for (const call of [() => target!.query('select 1'), () => target!.transaction([{ sql: 'create table t (id int)' }])]) {
      const error = await rejection(call())
      expect(error).toBeInstanceOf(TransportError)
      expect((error as TransportError).code).toBe('CONNECTION')
      expect(error.message).toMatch(new RegExp(`^Lambda function ${RUNNER}: the runner could not reach the database: .*ECONNREFUSED`))
    }
    expect(calls()).toHaveLength(2)
  })

  test('COMMIT_UNKNOWN is a CommitOutcomeUnknownError', async () => {
    await start({
      [RUNNER]: answering(() => ({ ok: false, error: { code: 'COMMIT_UNKNOWN', message: 'Connection terminated unexpectedly' } }))
    })
    const error = await rejection(target!.transaction([{ sql: 'insert into t values (1)' }]))
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(error.message).toMatch(/lost its connection to the database during COMMIT \(Connection terminated unexpectedly\)/)
    expect(calls()).toHaveLength(1)
  })

  test('an answer that is not the runner protocol: TransportError from query(), unknown outcome from transaction()', async () => {
    await start({ [RUNNER]: answering(() => 'hello from another function') })
    const query = await rejection(target!.query('select 1'))
    expect(query).toBeInstanceOf(TransportError)
    expect(query.message).toMatch(/answered something that is not a runner protocol 1 answer: "hello from another function"/)
    expect(await rejection(target!.transaction([{ sql: 'select 1' }]))).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(calls()).toHaveLength(2)
  })
})

describe('Lambda refused to run the function: retried, for transactions too', () => {
  test('throttling (3 calls) is retried after Retry-After, logged, and the query runs once', async () => {
    await start()
    emulator!.faults.throttle({ calls: 3 })
    expect((await target!.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    expect(waits).toHaveLength(3)
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(1000)
    expect(logs).toHaveLength(3)
    expect(logs[0]).toMatch(
      new RegExp(
        `^Lambda \\(function ${RUNNER}\\) is throttling requests \\(TooManyRequestsException: ReservedFunctionConcurrentInvocationLimitExceeded\\); retrying in 1 s \\(attempt 2, 0 s so far\\)$`
      )
    )
    expect(calls().map((c) => c.fault ?? 'ran')).toEqual(['throttle', 'throttle', 'throttle', 'ran'])
  })

  test('a throttled or Pending transaction is re-sent (it never ran) and commits once', async () => {
    await start()
    await target!.query('create table t (id int)')
    emulator!.faults.throttle({ calls: 2 })
    emulator!.faults.pending({ calls: 2 })
    expect(await target!.transaction([{ sql: 'insert into t values (1)' }])).toEqual({ ok: true, results: [{ rows: [], rowCount: 1 }] })
    expect(await count('t')).toBe(1)
    expect(calls().map((c) => c.fault ?? 'ran')).toEqual(['ran', 'throttle', 'throttle', 'pending', 'pending', 'ran'])
    expect(logs.filter((l) => /is not ready \(ResourceConflictException: .*following state: Pending\); retrying in/.test(l))).toHaveLength(
      2
    )
  })

  test.each(['EC2ThrottledException', 'ENILimitReachedException', 'SubnetIPAddressLimitReachedException', 'ResourceNotReadyException'])(
    '%s (502) is retried for a transaction',
    async (name) => {
      await start()
      await target!.query('create table t (id int)')
      emulator!.faults.error({ status: 502, name, message: `${name} (test)` })
      expect(await target!.transaction([{ sql: 'insert into t values (1)' }])).toMatchObject({ ok: true })
      expect(await count('t')).toBe(1)
      expect(calls().map((c) => c.error ?? 'ran')).toEqual(['ran', name, 'ran'])
    }
  )

  test('throttling that does not stop fails after about 2 minutes, naming the error; nothing ran', async () => {
    await start()
    emulator!.faults.throttle({ calls: 1000 })
    const error = await rejection(target!.transaction([{ sql: 'select 1' }]))
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('TooManyRequestsException')
    expect(error.message).toMatch(
      new RegExp(
        `^Lambda refused to run function ${RUNNER} for 120 s \\(TooManyRequestsException: Rate Exceeded\\)\\. Its concurrency is used up`
      )
    )
    expect(clock.elapsed).toBeLessThanOrEqual(120_000)
    expect(clock.elapsed).toBeGreaterThan(100_000)
    expect(ran()).toEqual([])
    expect(logs.length).toBe(calls().length - 1)
  })
})

describe('the function may have run: queries are repeated, transactions never', () => {
  test('a crash of a query is retried twice, then named', async () => {
    await start()
    emulator!.faults.unhandled({})
    expect((await target!.query('select 2 as two')).rows).toEqual([{ two: 2 }])
    expect(logs[0]).toMatch(
      new RegExp(
        `^Lambda function ${RUNNER} failed \\(Runtime.ExitError: Runtime exited with error: signal: killed\\); the query is safe to repeat`
      )
    )
    for (let i = 0; i < 3; i++)
      emulator!.faults.unhandled({
        errorMessage: 'RequestId: 6f1e2a4b-8c3d-4e5f-9a0b-1c2d3e4f5a6b Error: Runtime exited with error: exit status 1'
      })
    const error = await rejection(target!.query('select 2 as two'))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toBe(
      `Lambda function ${RUNNER} failed: Runtime.ExitError: Runtime exited with error: exit status 1. See its CloudWatch logs.`
    )
    expect(calls().map((c) => c.fault ?? 'ran')).toEqual(['unhandled', 'ran', 'unhandled', 'unhandled', 'unhandled'])
  })

  test('a timed-out query is retried once, then the message names the function and the timeout', async () => {
    await start()
    emulator!.faults.timeout({})
    emulator!.faults.timeout({})
    const error = await rejection(target!.query('select 1'))
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('Sandbox.Timedout')
    expect(error.message).toBe(
      `Lambda function ${RUNNER} failed: Sandbox.Timedout: Task timed out after 900.00 seconds. ` +
        "The runner ran out of time: raise the function's timeout (15 minutes at most), or split the version."
    )
    expect(calls().map((c) => c.functionError)).toEqual(['Sandbox.Timedout', 'Sandbox.Timedout'])
    await emulator!.settled()
  })

  test('a timed-out transaction is not re-sent: its outcome is unknown, and it did commit in the background', async () => {
    await start()
    await target!.query('create table t (id int)')
    emulator!.faults.timeout({ op: 'transaction' })
    const error = await rejection(target!.transaction([{ sql: 'insert into t values (1)' }, { sql: 'select pg_sleep(0.2)' }]))
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(error.message).toMatch(
      new RegExp(
        `^Lambda function ${RUNNER} failed: Sandbox.Timedout: Task timed out after 900.00 seconds\\. .* It failed during a transaction, which may have been committed\\.$`
      )
    )
    expect(calls().filter((c) => c.op === 'transaction')).toHaveLength(1)
    await emulator!.settled()
    expect(await count('t')).toBe(1)
  })

  test('a crashed transaction is an unknown outcome; one whose code never loaded is a TransportError', async () => {
    await start()
    emulator!.faults.unhandled({ op: 'transaction' })
    expect(await rejection(target!.transaction([{ sql: 'select 1' }]))).toBeInstanceOf(CommitOutcomeUnknownError)
    emulator!.faults.unhandled({
      op: 'transaction',
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Error: Cannot find module 'index'"
    })
    const error = await rejection(target!.transaction([{ sql: 'select 1' }]))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toMatch(
      /failed: Runtime.ImportModuleError: Error: Cannot find module 'index'\. The function does not contain the runner: deploy runner.zip .* nothing of the transaction ran\.$/
    )
    expect(calls()).toHaveLength(2)
  })

  test('a lost reply: a query is re-sent; a transaction is not (committed or not, the outcome is unknown)', async () => {
    await start()
    emulator!.faults.drop({ op: 'query', when: 'before' })
    await target!.query('create table t (id int)')
    expect(calls().map((c) => c.fault ?? 'ran')).toEqual(['drop-before', 'ran'])
    expect(logs[0]).toMatch(
      new RegExp(
        `^Lambda \\(function ${RUNNER}\\) call failed \\(TimeoutError: (AWS SDK error wrapper for TimeoutError: )?socket hang up\\); retrying in`
      )
    )

    emulator!.faults.drop({ op: 'transaction', when: 'after' })
    const after = await rejection(target!.transaction([{ sql: 'insert into t values (1)' }]))
    expect(after).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(after.message).toMatch(/for a transaction got no answer \(TimeoutError: .*socket hang up\); the runner may have committed it\./)
    expect(await count('t')).toBe(1)

    emulator!.faults.drop({ op: 'transaction', when: 'before' })
    expect(await rejection(target!.transaction([{ sql: 'insert into t values (2)' }]))).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(await count('t')).toBe(1)
    expect(
      calls()
        .filter((c) => c.op === 'transaction')
        .map((c) => c.fault)
    ).toEqual(['drop-after', 'drop-before'])
  })

  test('an Invoke that never answers times out like a lost reply: a query is re-sent; a transaction is not, and did commit', async () => {
    await start(undefined, { requestTimeoutMs: 300 })
    emulator!.faults.hang({ op: 'query', when: 'before' })
    const started = Date.now()
    await target!.query('create table t (id int)')
    expect(Date.now() - started).toBeLessThan(5000)
    expect(calls().map((c) => c.fault ?? 'ran')).toEqual(['hang-before', 'ran'])
    expect(logs[0]).toMatch(
      new RegExp(`^Lambda \\(function ${RUNNER}\\) call failed \\(TimeoutError: .*300 ms requestTimeout\\.\\); retrying in`)
    )

    emulator!.faults.hang({ op: 'transaction', when: 'after' })
    const error = await rejection(target!.transaction([{ sql: 'insert into t values (1)' }]))
    expect(error).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(error.message).toMatch(/for a transaction got no answer \(TimeoutError: .*requestTimeout\); the runner may have committed it\.$/)
    expect(
      calls()
        .filter((c) => c.op === 'transaction')
        .map((c) => c.fault)
    ).toEqual(['hang-after'])
    expect(await count('t')).toBe(1)
  })

  test('ServiceException (500): a query is retried; a transaction is an unknown outcome, sent once', async () => {
    await start()
    emulator!.faults.error({ status: 500, name: 'ServiceException', message: 'Lambda was unable to process the request.' })
    expect((await target!.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    emulator!.faults.error({ status: 500, name: 'ServiceException', message: 'Lambda was unable to process the request.' })
    expect(await rejection(target!.transaction([{ sql: 'select 1' }]))).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(calls().map((c) => c.error ?? 'ran')).toEqual(['ServiceException', 'ran', 'ServiceException'])
  })

  test('Function.ResponseSizeTooLarge: a query is not retried (it would not fit again); a transaction is an unknown outcome', async () => {
    const rows = Array.from({ length: 7 }, () => ({ v: 'x'.repeat(1024 * 1024) }))
    await start({
      [RUNNER]: answering((event) =>
        (event as { op: string }).op === 'query' ? { ok: true, rows, rowCount: 7 } : { ok: true, results: [{ rows, rowCount: 7 }] }
      )
    })
    const error = await rejection(target!.query('select big'))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toBe(
      `Lambda function ${RUNNER} failed: Function.ResponseSizeTooLarge: Response payload size exceeded maximum allowed payload size (6291556 bytes). ` +
        "The answer was larger than Lambda's 6 MB limit for a synchronous invocation."
    )
    expect(await rejection(target!.transaction([{ sql: 'select big' }]))).toBeInstanceOf(CommitOutcomeUnknownError)
    expect(calls().map((c) => c.functionError)).toEqual(['Function.ResponseSizeTooLarge', 'Function.ResponseSizeTooLarge'])
  })

  test('a connection refused before anything was sent: the transaction did not run', async () => {
    const port = await freePort()
    waits = []
    target = createLambdaTarget({ functionName: RUNNER, endpoint: `http://127.0.0.1:${port}`, sleep: async (ms) => void waits.push(ms) })
    const error = await rejection(target.transaction([{ sql: 'select 1' }]))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toMatch(/ECONNREFUSED.* Nothing of the transaction ran\.$/)
  })
})

describe('requests Lambda would refuse, and setup errors', () => {
  test('a request over 6 MB is refused before anything is sent', async () => {
    await start()
    const sqlText = `select '${'x'.repeat(6 * 1024 * 1024)}'`
    for (const call of [() => target!.query(sqlText), () => target!.transaction([{ sql: 'select 1' }, { sql: sqlText }])]) {
      const error = await rejection(call())
      expect(error).toBeInstanceOf(TransportError)
      expect((error as TransportError).code).toBe('PAYLOAD_TOO_LARGE')
      expect(error.message).toMatch(
        new RegExp(
          `^The (query|transaction) request for Lambda function ${RUNNER} is 6\\.0 MB \\(6,291,[0-9]{3} bytes\\); Lambda takes at most 6 MB \\(6,291,456 bytes\\)`
        )
      )
    }
    expect(calls()).toEqual([])
  })

  test('an unknown function: the service message and a hint to deploy the runner; a transaction is not an unknown outcome', async () => {
    await start({}, { functionName: 'missing-runner' })
    const error = await rejection(target!.query('select 1'))
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe('ResourceNotFoundException')
    expect(error.message).toBe(
      'Invoking Lambda function missing-runner failed (ResourceNotFoundException): Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing-runner. ' +
        'Deploy the runner (runner/template.yaml), or check lambda-function: its name, alias, and the region (AWS_REGION) it is looked up in.'
    )
    const tx = await rejection(target!.transaction([{ sql: 'select 1' }]))
    expect(tx).toBeInstanceOf(TransportError)
    expect(tx.message).toMatch(/Nothing of the transaction ran\.$/)
    expect(calls()).toHaveLength(2)
  })

  test('AccessDeniedException names the permission', async () => {
    await start()
    emulator!.faults.error({
      status: 403,
      name: 'AccessDeniedException',
      message: `User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: lambda:InvokeFunction`
    })
    const error = await rejection(target!.query('select 1'))
    expect(error).toBeInstanceOf(TransportError)
    expect(error.message).toMatch(new RegExp(`\\(AccessDeniedException\\): User: .* The role needs lambda:InvokeFunction on ${RUNNER}\\.$`))
    expect(calls()).toHaveLength(1)
  })

  test('no credentials: nothing is sent and the message says how to provide them', async () => {
    await start()
    const client = new LambdaClient({
      region: 'us-east-1',
      endpoint: emulator!.endpoint,
      maxAttempts: 1,
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })
      }
    })
    const t = createLambdaTarget({ functionName: RUNNER, client })
    for (const call of [() => t.query('select 1'), () => t.transaction([{ sql: 'select 1' }])]) {
      const error = await rejection(call())
      expect(error).toBeInstanceOf(TransportError)
      expect(error.message).toMatch(
        /\(CredentialsProviderError\): Could not load credentials from any providers\. No AWS credentials were found: add aws-actions\/configure-aws-credentials/
      )
    }
    await t.close()
    client.destroy()
    expect(calls()).toEqual([])
  })
})
