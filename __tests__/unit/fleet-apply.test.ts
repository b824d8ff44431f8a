/**
 * What a fleet's apply reports (src/report/fleet-apply.ts) and hands on (src/report/fleet-outputs.ts): golden
 * files for the summary, the deployment status line, and the bounds of both at any fleet size.
 */
import type { FleetApplyReport, FleetRun } from '../../src/fleet/types.js'
import { COMMENT_LIMIT } from '../../src/report/comment.js'
import { fleetApplyLine, renderFleetApply } from '../../src/report/fleet-apply.js'
import { matrixOutput, runsOutput } from '../../src/report/fleet-outputs.js'
import { commonMarkProblems } from '../../testkit/commonmark.js'
import { golden } from '../../testkit/golden.js'

const run = { runUrl: 'https://github.com/acme/orders/actions/runs/42', sha: '0123456789abcdef' }

function applied(name: string, durationMs: number, from = 7): FleetRun {
  return { name, database: name, status: 'applied', from, to: 9, applied: [8, 9].filter((v) => v > from), durationMs }
}

function report(runs: FleetRun[], overrides: Partial<FleetApplyReport> = {}): FleetApplyReport {
  return {
    environment: 'production',
    runs,
    durationMs: 252_000,
    concurrency: 8,
    onError: 'continue',
    cancelled: false,
    ...run,
    ...overrides
  }
}

/** Twelve tenants: most applied, a canary up to date, one failed, one refused, one stopped part-way, two skipped. */
function mixed(): FleetRun[] {
  return [
    { name: 'canary', database: 'canary', status: 'up-to-date', from: 9, to: 9, applied: [], durationMs: 310 },
    ...Array.from({ length: 7 }, (_, i) => applied(`tenant-0${i + 1}`, 4_000 + i * 1_500)),
    {
      name: 'tenant-08',
      database: 'tenant-08',
      status: 'failed',
      from: 7,
      to: 8,
      applied: [8],
      error: 'v9 failed: could not create unique index "orders_created_at" (SQLSTATE 23505)',
      location: { file: 'm/v9_orders_index/01_index.sql', line: 1, column: 1 },
      durationMs: 61_000
    },
    {
      name: 'tenant-09',
      database: 'tenant-09',
      status: 'refused',
      from: 7,
      to: 7,
      applied: [],
      error: 'drift: v3 changed after it was applied (m/v3/01_init.sql modified)',
      durationMs: 900
    },
    { ...applied('tenant-10', 95_000), status: 'applied', to: 8, applied: [8], stopped: 'the run was cancelled after v8' },
    {
      name: 'tenant-11',
      database: 'tenant-11',
      status: 'skipped',
      from: null,
      to: null,
      applied: [],
      error: 'the run was cancelled before it started',
      durationMs: 0
    },
    {
      name: 'tenant-12',
      database: 'tenant-12',
      status: 'skipped',
      from: null,
      to: null,
      applied: [],
      error: 'the run was cancelled before it started',
      durationMs: 0
    }
  ]
}

test('fleet apply summary: failed, refused, stopped part-way and skipped targets, and the slowest', () => {
  const body = renderFleetApply(report(mixed(), { cancelled: true }))
  golden('fleet-apply-mixed.md', body)
  expect(commonMarkProblems(body)).toEqual([])
  expect(body).toContain(
    '- ❌ `tenant-08` at v8 (applied v8): failed at `m/v9_orders_index/01_index.sql:1`: v9 failed: could not create unique index'
  )
  expect(body).toContain('- ⏭️ `tenant-11` and `tenant-12`: the run was cancelled before it started')
})

test('fleet apply summary: every target applied', () => {
  const body = renderFleetApply(report([applied('canary', 2_100, 8), applied('tenant-a', 8_300), applied('tenant-b', 5_000)]))
  golden('fleet-apply-success.md', body)
  expect(commonMarkProblems(body)).toEqual([])
  expect(body.split('\n')[2]).toBe('✅ **Applied to 3 databases** · in 4 min 12 s')
})

test('fleet apply summary: every target up to date is said in one line', () => {
  const body = renderFleetApply(report([{ name: 'a', database: null, status: 'up-to-date', from: 9, to: 9, applied: [], durationMs: 50 }]))
  expect(body.split('\n')[2]).toBe('✅ The database is up to date: nothing to apply.')
})

test.each([
  [
    report(mixed(), { cancelled: true }),
    'production: cancelled: 1 failed, 1 refused, 8 applied, 1 up to date, 2 skipped in 4 min 12 s; first: tenant-08'
  ],
  [report([applied('a', 1), applied('b', 2)], { durationMs: 3_400 }), 'production: 2 applied in 3.4 s']
])('the deployment status line: %#', (input, expected) => {
  expect(fleetApplyLine(input)).toBe(expected)
})

function many(count: number): FleetRun[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `customer-${i % 13 === 0 ? 'x'.repeat(90) : ''}${i}`
    if (i % 7 === 1)
      return {
        name,
        database: name,
        status: 'failed' as const,
        from: 7,
        to: 7,
        applied: [],
        error: `v8 failed: ${'a long message '.repeat(i % 30)}`,
        location: { file: 'm/v8/01.sql', line: i, column: 1 },
        durationMs: i
      }
    if (i % 11 === 2)
      return { name, database: name, status: 'refused' as const, from: 7, to: 7, applied: [], error: `missing: v${100 + i}`, durationMs: 5 }
    if (i % 17 === 3) return { ...applied(name, i), to: 8, applied: [8], stopped: 'the fleet stopped: on-error is stop' }
    if (i % 5 === 4)
      return {
        name,
        database: name,
        status: 'skipped' as const,
        from: null,
        to: null,
        applied: [],
        error: `wave ${i % 3} did not start: the fleet stopped`,
        durationMs: 0
      }
    return applied(name, i * 10)
  })
}

test.each([60, 1_000, 10_000])('%i targets: the summary stays under a comment’s limit, the line under 140 characters', (count) => {
  const body = renderFleetApply(report(many(count), { onError: 'stop' }))
  expect(body.length).toBeLessThan(COMMENT_LIMIT)
  expect(commonMarkProblems(body)).toEqual([])
  expect(fleetApplyLine(report(many(count), { environment: 'production-eu-west-1-tenants'.repeat(3) })).length).toBeLessThanOrEqual(140)
  if (count > 60) expect(body).toMatch(/- … and [\d,]+ more: see the `runs` output and the log/)
})

describe('the runs output', () => {
  test('uncut: every target in the file order, error only where there is one', () => {
    const runs = mixed()
    const parsed = JSON.parse(runsOutput(runs)) as Array<Record<string, unknown>>
    expect(parsed.map((e) => e.name)).toEqual(runs.map((r) => r.name))
    expect(parsed[0]).toEqual({ name: 'canary', database: 'canary', status: 'up-to-date', from: 9, to: 9, applied: [], durationMs: 310 })
    expect(parsed[8]).toMatchObject({ name: 'tenant-08', status: 'failed', from: 7, to: 8, error: expect.stringContaining('23505') })
    expect(parsed.some((e) => 'omitted' in e)).toBe(false)
  })

  test.each([10_000, 100_000])('cut at the limit (%i targets): failed and refused first, then an omitted count', (count) => {
    const runs = many(count)
    const json = runsOutput(runs, 64 * 1024)
    expect(json.length).toBeLessThanOrEqual(64 * 1024)
    const parsed = JSON.parse(json) as Array<Record<string, unknown>>
    const last = parsed[parsed.length - 1]
    const entries = parsed.slice(0, -1)
    expect(Object.keys(last)).toEqual(['omitted'])
    expect(entries.length + (last.omitted as number)).toBe(count)
    const bad = (s: unknown): boolean => s === 'failed' || s === 'refused'
    const firstGood = entries.findIndex((e) => !bad(e.status))
    // Every failed and refused target the output has room for comes before any other.
    expect(firstGood === -1 || entries.slice(firstGood).every((e) => !bad(e.status))).toBe(true)
    expect(entries.filter((e) => bad(e.status)).length).toBeGreaterThan(0)
  })

  test('the smallest limit still gives valid JSON with the count', () => {
    expect(JSON.parse(runsOutput(many(50), 20))).toEqual([{ omitted: 50 }])
  })
})

test('the matrix output: every name up to GitHub’s 256 jobs, valid JSON past it', () => {
  expect(matrixOutput(['a', 'b"c'])).toEqual({ json: '{"target":["a","b\\"c"]}', cut: 0 })
  const names = Array.from({ length: 300 }, (_, i) => `t${i}`)
  const { json, cut } = matrixOutput(names)
  expect(cut).toBe(44)
  expect((JSON.parse(json) as { target: string[] }).target).toEqual(names.slice(0, 256))
})
