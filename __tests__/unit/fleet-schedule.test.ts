/**
 * The fleet's schedule: waves in order, never more than `concurrency` at once (and really that many), a failure
 * under on-error: stop skips what has not started and asks running targets to stop at their next version,
 * on-error: continue runs everything, and a cancelled run starts nothing new.
 */
import { runSchedule, waveOrder, type Work } from '../../src/fleet/schedule.js'
import type { FleetTarget } from '../../src/fleet/types.js'

function targets(spec: Array<[string, number | null]>): FleetTarget[] {
  return spec.map(([name, wave]) => ({ name, database: name, wave, inputs: new Map() }))
}

interface Result {
  name: string
  status: 'ok' | 'failed' | 'skipped' | 'crashed'
  reason?: string
  /** What stop() said when the target looked after its work. */
  stoppedWith?: string | null
}

/** Work that takes `ms` per target, fails the named ones, and records how many run at once. */
function work(options: { ms?: number; failing?: string[]; order?: string[] } = {}): Work<Result> & { peak: () => number } {
  let running = 0
  let peak = 0
  return {
    peak: () => peak,
    run: async (target, stop) => {
      running++
      peak = Math.max(peak, running)
      options.order?.push(target.name)
      await new Promise((resolve) => setTimeout(resolve, options.ms ?? 5))
      running--
      return { name: target.name, status: options.failing?.includes(target.name) ? 'failed' : 'ok', stoppedWith: stop() }
    },
    stopsFleet: (result) => result.status === 'failed',
    skipped: (target, reason) => ({ name: target.name, status: 'skipped', reason }),
    crashed: (target, reason) => ({ name: target.name, status: 'crashed', reason })
  }
}

test('waves run in order, targets without a wave last', () => {
  expect(
    waveOrder(
      targets([
        ['a', null],
        ['b', 3],
        ['c', 1],
        ['d', 3]
      ])
    )
  ).toEqual([1, 3, null])
  expect(waveOrder(targets([['a', 2]]))).toEqual([2])
})

test('within a wave at most `concurrency` run at once, and that many really do; waves never overlap', async () => {
  const order: string[] = []
  const fleet = targets([['late', null], ...Array.from({ length: 12 }, (_, i): [string, number] => [`t${i}`, 2]), ['canary', 1]])
  const w = work({ ms: 20, order })
  const results = await runSchedule(fleet, { concurrency: 4, onError: 'stop' }, w)
  expect(w.peak()).toBe(4)
  expect(order[0]).toBe('canary')
  expect(order[order.length - 1]).toBe('late')
  expect(results.map((r) => r.name)).toEqual(fleet.map((t) => t.name))
  expect(results.every((r) => r.status === 'ok' && r.stoppedWith === null)).toBe(true)
})

test('on-error: stop — the canary fails: later waves are skipped, naming why', async () => {
  const fleet = targets([
    ['canary', 1],
    ['a', 2],
    ['b', 2]
  ])
  const results = await runSchedule(fleet, { concurrency: 2, onError: 'stop' }, work({ failing: ['canary'] }))
  expect(results).toEqual([
    { name: 'canary', status: 'failed', stoppedWith: null },
    { name: 'a', status: 'skipped', reason: 'canary did not apply (on-error: stop)' },
    { name: 'b', status: 'skipped', reason: 'canary did not apply (on-error: stop)' }
  ])
})

test('on-error: stop — targets running when one fails are asked to stop at their next version; none start after', async () => {
  const fleet = targets(Array.from({ length: 6 }, (_, i): [string, null] => [`t${i}`, null]))
  const w = work({ ms: 10, failing: ['t0'] })
  // t0 fails fast; t1 is slower, so it is still running when t0's failure is known.
  const slow: Work<Result> = {
    ...w,
    run: async (target, stop) => {
      if (target.name === 't1') await new Promise((resolve) => setTimeout(resolve, 40))
      return w.run(target, stop)
    }
  }
  const results = await runSchedule(fleet, { concurrency: 2, onError: 'stop' }, slow)
  expect(results[0].status).toBe('failed')
  expect(results[1]).toEqual({ name: 't1', status: 'ok', stoppedWith: 't0 did not apply (on-error: stop)' })
  expect(results.slice(2).map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped'])
})

test('on-error: continue — one failure does not stop the others', async () => {
  const fleet = targets([
    ['canary', 1],
    ['a', 2],
    ['b', 2]
  ])
  const results = await runSchedule(fleet, { concurrency: 2, onError: 'continue' }, work({ failing: ['canary', 'a'] }))
  expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'ok'])
})

test('a cancelled run starts nothing new; running targets hear why', async () => {
  const cancel = new AbortController()
  const fleet = targets(Array.from({ length: 5 }, (_, i): [string, null] => [`t${i}`, null]))
  const w = work({ ms: 30 })
  setTimeout(() => cancel.abort(), 10)
  const results = await runSchedule(fleet, { concurrency: 2, onError: 'continue', signal: cancel.signal }, w)
  expect(results.slice(0, 2)).toEqual([
    { name: 't0', status: 'ok', stoppedWith: 'the run was cancelled' },
    { name: 't1', status: 'ok', stoppedWith: 'the run was cancelled' }
  ])
  expect(results.slice(2).map((r) => [r.status, r.reason])).toEqual([
    ['skipped', 'the run was cancelled'],
    ['skipped', 'the run was cancelled'],
    ['skipped', 'the run was cancelled']
  ])
})

test('a target whose work throws still has one result, a crash, and under on-error: stop it stops the fleet', async () => {
  const fleet = targets([
    ['a', 1],
    ['b', 2]
  ])
  const w = work()
  const results = await runSchedule(
    fleet,
    { concurrency: 1, onError: 'stop' },
    {
      ...w,
      run: async (target, stop) => {
        if (target.name === 'a') throw new Error('defect')
        return w.run(target, stop)
      },
      stopsFleet: (result) => result.status === 'failed' || result.status === 'crashed'
    }
  )
  expect(results).toEqual([
    { name: 'a', status: 'crashed', reason: 'defect' },
    { name: 'b', status: 'skipped', reason: 'a did not apply (on-error: stop)' }
  ])
})
