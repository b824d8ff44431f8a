import { DatabaseError, TransportError } from '../../src/errors.js'
import { backoffMs, classifyError, withRetry, type RetryOptions } from '../../src/targets/retry.js'

/** An error shaped like the SDK's: a name, a message and the HTTP status in $metadata. */
function sdkError(name: string, status?: number, message = `${name} happened`): Error {
  const error = new Error(message) as Error & { $metadata: { httpStatusCode?: number } }
  error.name = name
  error.$metadata = { httpStatusCode: status }
  return error
}

function networkError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

describe('classifyError', () => {
  test.each([
    [sdkError('DatabaseResumingException', 400), 'resuming'],
    [sdkError('ThrottlingException', 429), 'throttled'],
    [sdkError('TooManyRequestsException', 429), 'throttled'],
    [sdkError('SomethingNew', 429), 'throttled'],
    [sdkError('InternalServerErrorException', 500), 'transient'],
    [sdkError('ServiceUnavailableError', 503), 'transient'],
    [sdkError('DatabaseUnavailableException', 504), 'transient'],
    [sdkError('UnmodeledServerFault', 502), 'transient'],
    [Object.assign(sdkError('TimeoutError', undefined, 'socket hang up'), { code: 'ECONNRESET' }), 'transient'],
    [networkError('ECONNRESET', 'read ECONNRESET'), 'transient'],
    [networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'transient'],
    [new Error('AWS SDK error wrapper for TimeoutError: socket hang up'), 'transient'],
    [new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9'), 'transient'],
    [sdkError('DatabaseErrorException', 400, 'ERROR: division by zero; SQLState: 22012'), 'sql'],
    [sdkError('DatabaseErrorException', 400, 'Transaction is still running a query'), 'sql'],
    [sdkError('BadRequestException', 400, 'Database error code: 0. Message: ERROR: relation "x" does not exist'), 'sql'],
    [sdkError('BadRequestException', 400, 'Invalid cluster arn'), 'fatal'],
    [sdkError('ValidationException', 400, "Multistatements aren't supported."), 'fatal'],
    [sdkError('StatementTimeoutException', 400), 'fatal'],
    [sdkError('TransactionNotFoundException', 404), 'fatal'],
    [sdkError('AccessDeniedException', 403), 'fatal'],
    [sdkError('ForbiddenException', 403), 'fatal'],
    [sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'), 'fatal'],
    [new DatabaseError({ message: 'x' }), 'sql'],
    [new TransportError('x', 'y', true), 'fatal'],
    ['a string', 'fatal'],
    [undefined, 'fatal']
  ])('%p → %s', (error, expected) => {
    expect(classifyError(error)).toBe(expected)
  })
})

describe('backoffMs', () => {
  test('doubles from the base up to the cap, with half the step jittered', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 1000, 10_000, () => 0))).toEqual([500, 1000, 2000, 4000, 5000, 5000])
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 1000, 10_000, () => 0.999999))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000])
  })
})

describe('withRetry', () => {
  let clock: number
  let waits: number[]
  let logs: string[]
  const options = (extra: Partial<RetryOptions> = {}): RetryOptions => ({
    idempotent: true,
    sleep: async (ms) => {
      waits.push(ms)
      clock += ms
    },
    now: () => clock,
    random: () => 1,
    log: (msg) => logs.push(msg),
    ...extra
  })

  beforeEach(() => {
    clock = 0
    waits = []
    logs = []
  })

  /** A call that fails with the given errors in turn, then returns 'ok'. */
  function failing(...errors: unknown[]) {
    return counted(async () => {
      const next = errors.shift()
      if (next !== undefined) throw next
      return 'ok'
    })
  }

  /** A call that counts how often it was made, in `.calls`. */
  function counted<T>(fn: () => Promise<T>): (() => Promise<T>) & { calls: number } {
    const call = Object.assign(
      async () => {
        call.calls++
        return fn()
      },
      { calls: 0 }
    )
    return call
  }

  test('resuming: waits 1, 2, 4, 8, 10, 10 s and logs each wait', async () => {
    const call = failing(...Array.from({ length: 6 }, () => sdkError('DatabaseResumingException', 400)))
    await expect(withRetry(call, options())).resolves.toBe('ok')
    expect(call.calls).toBe(7)
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000])
    expect(logs[2]).toBe('Aurora cluster is resuming after auto-pause; retrying in 4 s (attempt 4, 3 s so far)')
    expect(logs[5]).toBe('Aurora cluster is resuming after auto-pause; retrying in 10 s (attempt 7, 25 s so far)')
  })

  test('resuming is retried for non-idempotent calls too', async () => {
    const call = failing(sdkError('DatabaseResumingException', 400))
    await expect(withRetry(call, options({ idempotent: false }))).resolves.toBe('ok')
    expect(call.calls).toBe(2)
  })

  test('resuming past the timeout fails with a TransportError naming the limit', async () => {
    const call = counted(async () => {
      throw sdkError('DatabaseResumingException', 400)
    })
    const error = await withRetry(call, options({ resumeTimeoutMs: 30_000 })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).message).toMatch(/did not resume from auto-pause within 30 s/)
    expect((error as TransportError).code).toBe('DatabaseResumingException')
    expect(clock).toBeLessThanOrEqual(30_000)
    // 1 + 2 + 4 + 8 + 10 = 25 s waited; another 10 s would pass the limit.
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000])
  })

  test('throttling: retried with backoff for 5 minutes by default, pauses doubling up to 20 s, then the last error', async () => {
    const call = counted(async () => {
      throw sdkError('ThrottlingException', 429)
    })
    const error = await withRetry(call, options({ idempotent: false })).catch((e: unknown) => e)
    expect((error as Error).name).toBe('ThrottlingException')
    // 0.5 + 1 + 2 + 4 + 8 + 16 = 31.5 s, then 20 s pauses while the next one still ends within 300 s.
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16_000, ...Array(13).fill(20_000)])
    expect(clock).toBe(291_500)
    expect(call.calls).toBe(20)
    expect(logs[19 - 1]).toBe('The Data API is throttling requests (ThrottlingException); retrying in 20 s (attempt 20, 272 s so far)')
  })

  test('throttling: a shorter window and a pause cap (inside a transaction); Retry-After is honoured up to the cap', async () => {
    const throttled = (retryAfter?: string) =>
      Object.assign(sdkError('ThrottlingException', 429), retryAfter ? { $response: { headers: { 'retry-after': retryAfter } } } : {})
    const call = failing(throttled('3'), throttled('60'), throttled(), throttled())
    await expect(withRetry(call, options({ throttleTimeoutMs: 120_000, throttleMaxPauseMs: 10_000 }))).resolves.toBe('ok')
    expect(waits).toEqual([3000, 10_000, 2000, 4000])

    waits = []
    clock = 0
    const endless = counted(async () => {
      throw throttled()
    })
    await expect(withRetry(endless, options({ throttleTimeoutMs: 120_000, throttleMaxPauseMs: 10_000 }))).rejects.toMatchObject({
      name: 'ThrottlingException'
    })
    expect(Math.max(...waits)).toBe(10_000)
    expect(clock).toBeLessThanOrEqual(120_000)
    expect(clock).toBeGreaterThan(110_000)
  })

  test('transient failures are retried only for idempotent calls', async () => {
    const idempotent = failing(sdkError('InternalServerErrorException', 500), networkError('ECONNRESET', 'socket hang up'))
    await expect(withRetry(idempotent, options())).resolves.toBe('ok')
    expect(idempotent.calls).toBe(3)

    const once = failing(sdkError('InternalServerErrorException', 500))
    const error = await withRetry(once, options({ idempotent: false })).catch((e: unknown) => e)
    expect((error as Error).name).toBe('InternalServerErrorException')
    expect(once.calls).toBe(1)
  })

  test('transient failures give up after 3 attempts', async () => {
    const call = failing(...Array.from({ length: 5 }, () => sdkError('ServiceUnavailableError', 503)))
    await expect(withRetry(call, options())).rejects.toMatchObject({ name: 'ServiceUnavailableError' })
    expect(call.calls).toBe(3)
  })

  test.each([
    sdkError('DatabaseErrorException', 400, 'ERROR: x; SQLState: 42601'),
    sdkError('StatementTimeoutException', 400),
    sdkError('TransactionNotFoundException', 404),
    sdkError('ValidationException', 400),
    sdkError('AccessDeniedException', 403)
  ])('%p is never retried', async (failure) => {
    const call = failing(failure)
    await expect(withRetry(call, options())).rejects.toBe(failure)
    expect(call.calls).toBe(1)
    expect(waits).toEqual([])
  })
})
