/**
 * The fleet's one plan comment (src/report/fleet-plan.ts): golden files at 3 and 60 targets, and its size and
 * markdown at 1,000 and 10,000 targets, whatever they hold. UPDATE_GOLDEN=1 rewrites the golden files.
 */
import { groupPlans } from '../../src/fleet/plan-groups.js'
import type { FleetPlanReport, FleetPlanTarget } from '../../src/fleet/types.js'
import type { Version } from '../../src/migrations/types.js'
import { planMigrations, type AppliedRow } from '../../src/plan.js'
import { COMMENT_LIMIT } from '../../src/report/comment.js'
import { renderFleetPlanComment } from '../../src/report/fleet-plan.js'
import type { FailOn, ReviewInput } from '../../src/report/review.js'
import type { Finding } from '../../src/review/types.js'
import type { Verification } from '../../src/shadow/types.js'
import { commonMarkProblems } from '../../testkit/commonmark.js'
import { golden } from '../../testkit/golden.js'
import { rowFor, version } from '../../testkit/versions.js'

const early = [1, 2, 3, 4, 5, 6, 7].map((n) => version(n, { '01_init.sql': `create table t${n} (id bigint primary key);\n` }))
const v8 = version(
  8,
  {
    '01_tier.sql':
      "-- the customer's tier\nalter table orders add column tier text;\nalter table orders alter column total type numeric(12,2);\n"
  },
  'orders_tier'
)
const v9 = version(9, { '01_index.sql': 'create index orders_created_at on orders (created_at);\n' }, 'orders_index')
const versions = [...early, v8, v9]
const run = { runUrl: 'https://github.com/acme/orders/actions/runs/42', sha: '0123456789abcdef' }
const filesUrl = 'https://github.com/acme/orders/pull/7/files'

interface Shape {
  at?: number
  /** v3 edited after it was applied. */
  drift?: boolean
  /** A version recorded in the database that this branch lacks. */
  missing?: number
  /** Rows of the touched table, for the size in each message. */
  rows?: number
  /** A table big enough for the size-aware rule. */
  big?: boolean
  error?: string
}

function rowsOf(shape: Shape, all: Version[] = versions): AppliedRow[] {
  const out = all
    .filter((v) => v.number <= (shape.at ?? 7))
    .map((v) =>
      shape.drift && v.number === 3
        ? rowFor(v, { checksum: 'edited', files: [{ name: '01_init.sql', checksum: 'edited', statements: 1 }] })
        : rowFor(v)
    )
  if (shape.missing) out.push(rowFor(version(shape.missing, { '01_hotfix.sql': 'select 1;' }, 'hotfix')))
  return out
}

function findings(shape: Shape): Finding[] {
  const rows = (shape.rows ?? 120_000).toLocaleString('en-US')
  const out: Finding[] = [
    {
      rule: 'index-not-concurrent',
      severity: 'warning',
      version: 9,
      file: 'm/v9_orders_index/01_index.sql',
      line: 1,
      column: 1,
      message: `SHARE lock on \`public.orders\` (≈${rows} rows) while the index is built: blocks INSERT, UPDATE and DELETE.`,
      fix: 'Build it with CREATE INDEX CONCURRENTLY in a file that starts with -- migrate:no-transaction.',
      relation: 'public.orders',
      lock: 'ShareLock'
    }
  ]
  if (shape.big) {
    out.unshift({
      rule: 'alter-column-type-rewrite',
      severity: 'warning',
      version: 8,
      file: 'm/v8_orders_tier/01_tier.sql',
      line: 3,
      column: 1,
      message: `Rewrites \`public.orders\` (≈${rows} rows) under an ACCESS EXCLUSIVE lock: reads and writes wait until it is done.`,
      fix: 'Add a new column, backfill it in batches, and switch over in a later version.',
      relation: 'public.orders',
      lock: 'AccessExclusiveLock'
    })
  }
  return out
}

function review(list: Finding[]): ReviewInput {
  return { findings: list, checked: { rules: 31, catalog: 'read', trace: true }, pullRequestFilesUrl: filesUrl }
}

function target(name: string, shape: Shape = {}, all: Version[] = versions): FleetPlanTarget {
  if (shape.error) return { name, database: name, server: null, plan: null, review: null, error: shape.error }
  const plan = planMigrations(all, rowsOf(shape, all))
  return {
    name,
    database: name,
    server: 'Aurora PostgreSQL 16.4',
    plan,
    review: plan.pending.length ? review(findings(shape)) : null,
    error: null
  }
}

function verify(pending: number[]): Verification {
  return {
    status: 'passed',
    server: 'local PostgreSQL 16.6',
    message: null,
    durationMs: 900,
    versions: pending.map((v) => ({ version: v, statements: 1, durationMs: 40, status: 'passed' as const }))
  }
}

function report(targets: FleetPlanTarget[], environment = 'production'): FleetPlanReport {
  const { groups, unreachable } = groupPlans(targets, verify)
  return { environment, groups, unreachable, total: targets.length, ...run }
}

function render(targets: FleetPlanTarget[], failOn: FailOn = 'error', all: Version[] = versions): string {
  return renderFleetPlanComment(report(targets), { versions: all, failOn })
}

/** The 60-target fleet: most at v7, a canary ahead, one drifted, one with a hotfix this branch lacks, one unreachable, two big. */
function sixty(): FleetPlanTarget[] {
  const tenants = Array.from({ length: 59 }, (_, i) => {
    const name = `tenant-${String(i + 1).padStart(2, '0')}`
    const rows = 20_000 + i * 3_517
    if (name === 'tenant-17') return target(name, { drift: true, rows })
    if (name === 'tenant-31') return target(name, { missing: 10, rows })
    if (name === 'tenant-44') return target(name, { error: 'could not connect: connect ETIMEDOUT 10.0.3.17:5432 (3 attempts)' })
    if (name === 'tenant-08' || name === 'tenant-23') return target(name, { big: true, rows: 48_000_000 + i })
    return target(name, { rows })
  })
  return [target('canary', { at: 8, rows: 1_200 }), ...tenants]
}

test('fleet plan comment: 3 targets, one plan', () => {
  const body = render([target('canary', { rows: 1_200 }), target('tenant-a', { rows: 250_000 }), target('tenant-b', { rows: 9_000 })])
  golden('fleet-plan-3.md', body)
  expect(commonMarkProblems(body)).toEqual([])
  expect(body).toContain('`canary`, `tenant-a` and `tenant-b` at v7 → v9')
})

test('fleet plan comment: 60 targets with a drifted one, an unreachable one, a refusal and a finding on two tenants', () => {
  const body = render(sixty())
  golden('fleet-plan-60.md', body)
  expect(commonMarkProblems(body)).toEqual([])
  const [title, , verdict] = body.split('\n')
  expect(title).toBe('### aurora-migrate plan · production · 60 databases')
  expect(verdict).toMatch(/^❌ \*\*apply would refuse\*\* on `tenant-17` and `tenant-31`; `tenant-44` could not be read/)
  expect(body).toContain('- ✅ **56 databases** at v7 → v9: same plan, verified once · ⚠️ 2 warnings')
  expect(body).toContain('`tenant-44` could not be read: could not connect')
  expect(body).toMatch(
    /`alter-column-type-rewrite` at `m\/v8_orders_tier\/01_tier.sql:3` fires only on `tenant-08` and `tenant-23` \(2 of 5[78]\)/
  )
  expect(body).toContain('<details><summary>')
})

test('the verdict is as strict as the single-target comment: a finding at fail-on is red, under it green', () => {
  const targets = [target('a', { big: true }), target('b')]
  expect(render(targets, 'warning').split('\n')[2]).toMatch(/^❌ \*\*the review blocks\*\* `a` and `b` \(fail-on: warning\)/)
  expect(render(targets, 'error').split('\n')[2]).toMatch(/^✅ \*\*Ready to apply\*\* on `a` and `b`/)
  // More than three: counted.
  const five = render([target('a', { big: true }), target('b'), target('c'), target('d'), target('e')], 'warning')
  expect(five.split('\n')[2]).toMatch(/^❌ \*\*the review blocks\*\* \*\*5 databases\*\* \(fail-on: warning\)/)
})

test('a failed verification is red, and every target up to date is one line', () => {
  const failing = (pending: number[]): Verification => ({
    ...verify(pending),
    status: 'failed',
    versions: pending.map((v) => ({
      version: v,
      statements: 1,
      durationMs: 1,
      status: v === 9 ? ('failed' as const) : ('passed' as const),
      ...(v === 9
        ? { error: { file: 'm/v9_orders_index/01_index.sql', line: 1, column: 14, message: 'column "created_at" does not exist' } }
        : {})
    }))
  })
  const { groups, unreachable } = groupPlans([target('a'), target('b')], failing)
  const body = renderFleetPlanComment({ environment: 'production', groups, unreachable, total: 2, ...run }, { versions, failOn: 'never' })
  expect(body.split('\n')[2]).toMatch(
    /^❌ \*\*apply would fail\*\* on `a` and `b`: v9 fails on a fresh database at `m\/v9_orders_index\/01_index.sql:1:14`/
  )
  expect(body).toContain('❌ **Verification failed**')
  const done = render([target('a', { at: 9 }), target('b', { at: 9 })])
  expect(done.split('\n')[2]).toBe('✅ All 2 databases are up to date: nothing to apply.')
  expect(commonMarkProblems(done)).toEqual([])
})

/** A fleet of `count` targets with all that can lengthen the comment: many groups, pending sets, errors, partial findings, long names and SQL. */
function huge(count: number): { targets: FleetPlanTarget[]; all: Version[] } {
  const big = version(
    8,
    { '01_seed.sql': Array.from({ length: 4000 }, (_, i) => `insert into seed values (${i}, '${'x'.repeat(60)}');`).join('\n') },
    'seed'
  )
  const all = [...early, big, v9]
  const targets = Array.from({ length: count }, (_, i) => {
    const name = `customer-${'n'.repeat(i % 7 === 0 ? 80 : 4)}-${i}`
    if (i % 97 === 5)
      return target(name, { error: `could not connect: connect ECONNREFUSED 10.0.${i % 250}.1:5432 ${'…'.repeat(i % 40)}` }, all)
    if (i % 50 === 3) return target(name, { drift: true, rows: i }, all)
    // A hotfix per target: every one of these is a group of its own.
    if (i % 11 === 4) return target(name, { missing: 100 + i, rows: i }, all)
    return target(name, { at: i % 9, big: i % 3 === 0, rows: i * 1000 }, all)
  })
  return { targets, all }
}

test.each([60, 1_000, 10_000])('%i targets: under GitHub’s limit, valid markdown', (count) => {
  const { targets, all } = count === 60 ? { targets: sixty(), all: versions } : huge(count)
  const body = render(targets, 'warning', all)
  expect(body.length).toBeLessThan(COMMENT_LIMIT)
  expect(commonMarkProblems(body)).toEqual([])
  expect(body).toMatch(/^### aurora-migrate plan · production · [\d,]+ databases\n\n❌ /)
  // The odd ones and the details are cut with a count, never silently.
  if (count > 60) {
    expect(body).toMatch(/and [\d,]+ more/)
    process.stdout.write(`${count} targets: ${body.length.toLocaleString('en-US')} characters\n`)
  }
})
