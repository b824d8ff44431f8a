/**
 * Where people see the review: the Review and Schema change sections of the plan comment (golden files),
 * the version table's review cell, what fails the step under fail-on, the `findings` output and one
 * annotation per finding. Findings are built here as the rules return them.
 */
import { planMigrations } from '../src/plan.js'
import { COMMENT_LIMIT, renderPlanComment } from '../src/report/comment.js'
import {
  blockingFindings,
  diffAnchor,
  failOnMessage,
  findingAnnotations,
  ANNOTATION_LIMIT,
  findingsOutput,
  renderReview,
  type ReviewInput
} from '../src/report/review.js'
import { diffSchemas, renderSchemaChange } from '../src/review/schema-change.js'
import type { Finding } from '../src/review/types.js'
import type { Verification } from '../src/shadow/verify.js'
import { golden } from './support/golden.js'
import { rowFor, version } from './support/versions.js'

const FILES_URL = 'https://github.com/acme/orders/pull/7/files'
const run = { runUrl: 'https://github.com/acme/orders/actions/runs/42', sha: '0123456789abcdef' }

const v1 = version(1, { '01_orders.sql': 'create table orders (id bigint primary key, total numeric);\n' })
const v2 = version(
  2,
  {
    '01_tier.sql':
      "-- the customer's tier\n-- aurora-migrate:ignore json-column the reporting tool reads json\nalter table orders add column tier text not null;\n",
    '02_index.sql': 'create index orders_total on orders (total);\n'
  },
  'tiers'
)
const v3 = version(3, { '01_notes.sql': 'create table notes (id int, at timestamp);\n' }, 'notes')

function finding(overrides: Partial<Finding> & Pick<Finding, 'rule' | 'severity' | 'version' | 'file' | 'line'>): Finding {
  return {
    column: 1,
    message: 'what it does',
    fix: 'what to do',
    relation: null,
    lock: null,
    ...overrides
  }
}

const FINDINGS: Finding[] = [
  finding({
    rule: 'add-column-not-null-without-default',
    severity: 'error',
    version: 2,
    file: 'm/v2_tiers/01_tier.sql',
    line: 3,
    message: 'ADD COLUMN tier text NOT NULL without a default fails on `public.orders`: it has ≈100,000 rows (8 MB).',
    fix: 'Add the column as nullable, backfill it in batches, then add a CHECK (tier IS NOT NULL) NOT VALID and validate it in a later version.',
    fixSql:
      'ALTER TABLE orders ADD COLUMN tier text;\n-- backfill in batches, then in a later version:\nALTER TABLE orders ADD CONSTRAINT orders_tier_not_null CHECK (tier IS NOT NULL) NOT VALID;\n',
    relation: 'public.orders',
    lock: 'AccessExclusiveLock'
  }),
  finding({
    rule: 'json-column',
    severity: 'notice',
    version: 2,
    file: 'm/v2_tiers/01_tier.sql',
    line: 3,
    message: 'Column `payload` is json: no equality, no indexes.',
    fix: 'Use jsonb.',
    waived: { reason: 'the reporting tool reads json', by: 'comment' }
  }),
  finding({
    rule: 'index-not-concurrent',
    severity: 'warning',
    version: 2,
    file: 'm/v2_tiers/02_index.sql',
    line: 1,
    message: 'SHARE lock on `public.orders` (≈100,000 rows, 8 MB) while the index is built: blocks INSERT, UPDATE and DELETE.',
    fix: 'Build it with CREATE INDEX CONCURRENTLY in a file that starts with -- migrate:no-transaction.',
    fixSql: '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY orders_total ON orders (total);',
    relation: 'public.orders',
    lock: 'ShareLock'
  }),
  finding({
    rule: 'timestamp-without-time-zone',
    severity: 'notice',
    version: 3,
    file: 'm/v3_notes/01_notes.sql',
    line: 1,
    column: 30,
    message: 'Column `at` is timestamp without time zone.',
    fix: 'Use timestamptz.'
  }),
  finding({
    rule: 'serial-column',
    severity: 'notice',
    version: 3,
    file: 'm/v3_notes/01_notes.sql',
    line: 1,
    message: 'serial column.',
    fix: 'Use an identity column.',
    waived: { reason: 'listed in the ignore-rules input', by: 'input' }
  })
]

function review(findings: Finding[], overrides: Partial<ReviewInput> = {}): ReviewInput {
  return { findings, checked: { rules: 31, catalog: 'read', trace: true }, pullRequestFilesUrl: FILES_URL, ...overrides }
}

const passed: Verification = {
  status: 'passed',
  server: 'local PostgreSQL 16.6',
  durationMs: 900,
  message: null,
  trace: null,
  schemaChange: null,
  traceMessage: null,
  versions: [v1, v2, v3].map((v) => ({ version: v.number, status: 'passed' as const, durationMs: 10, statements: 1 }))
}

/** The schema change of v2 and v3 as the throwaway database's catalog shows it, before and after them. */
const SCHEMA_CHANGE = renderSchemaChange(
  diffSchemas(
    [
      { kind: 'table', name: 'public.orders', relation: null, definition: 'table' },
      { kind: 'column', name: 'public.orders.total', relation: 'public.orders', definition: 'numeric' }
    ],
    [
      { kind: 'table', name: 'public.orders', relation: null, definition: 'table' },
      { kind: 'column', name: 'public.orders.total', relation: 'public.orders', definition: 'numeric(12,2)' },
      { kind: 'column', name: 'public.orders.tier', relation: 'public.orders', definition: 'text NOT NULL' },
      {
        kind: 'index',
        name: 'public.orders_total',
        relation: 'public.orders',
        definition: 'CREATE INDEX orders_total ON public.orders USING btree (total)'
      },
      { kind: 'table', name: 'public.notes', relation: null, definition: 'table' },
      { kind: 'column', name: 'public.notes.at', relation: 'public.notes', definition: 'timestamp without time zone' }
    ]
  )
)

test('the Review section: counts, one item per finding linked into the diff, the fix and its SQL, waived findings with their reason', () => {
  golden('review-section.md', renderReview(review(FINDINGS)).join('\n') + '\n')
})

test('a finding links to its line in the pull request diff', () => {
  // GitHub's anchor is the SHA-256 of the path, then R and the line on the new side.
  expect(diffAnchor('migrations/resources/v3_orders/01_orders.sql', 12)).toBe(
    'diff-c34cc97e814611590077220398ee5fb713804ec44ee970c0186fe4d0680e3276R12'
  )
  const [head] = renderReview(review(FINDINGS))
  expect(head).toBe(
    "**Review**: ❌ 1 error · ⚠️ 1 warning · ℹ️ 1 notice. 31 rules checked on PostgreSQL's parse of each pending statement " +
      "with the target's catalog (rows and size of each table touched) and the trace of each statement on the throwaway database (locks taken, rewrites)."
  )
  expect(renderReview(review(FINDINGS, { pullRequestFilesUrl: null })).join('\n')).not.toContain('](')
})

test('the plan comment opens with the Review, marks versions with findings beside verification, and shows the schema change', () => {
  const plan = planMigrations([v1, v2, v3], [rowFor(v1)])
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions: [v1, v2, v3],
    verification: passed,
    source: { kind: 'database' },
    ...run,
    review: review(FINDINGS),
    schemaChange: SCHEMA_CHANGE
  })
  // v2 passed verification but has an error and a warning: never a bare ✅. v3 has only notices.
  expect(body).toContain('| v2 tiers | `01_tier.sql` (1)<br>`02_index.sql` (1) | 2 | in one transaction | ✅ · ❌ 1 error · ⚠️ 1 warning |')
  expect(body).toContain('| v3 notes | `01_notes.sql` (1) | 1 | in one transaction | ✅ |')
  expect(body).toContain(
    "✅ **Verified**: all 3 versions applied from scratch on an empty PostgreSQL 16 (local PostgreSQL 16.6). That proves the SQL runs, not how it behaves on the target's data."
  )
  expect(body.indexOf('**Review**')).toBeLessThan(body.indexOf('Database at **v1**'))
  golden('comment-plan-review.md', body)
})

test('nothing found: one line saying what was checked; a fork pull request gets the repository-only line', () => {
  expect(renderReview(review([]))).toEqual([
    "✅ **Review**: nothing found. 31 rules checked on PostgreSQL's parse of each pending statement with the target's catalog (rows and size of each table touched) " +
      'and the trace of each statement on the throwaway database (locks taken, rewrites).'
  ])
  const plan = planMigrations([v1, v3], [])
  const body = renderPlanComment({
    environment: 'migrations/resources',
    plan,
    versions: [v1, v3],
    verification: null,
    source: { kind: 'base-branch', baseSha: 'fedcba9876543210' },
    ...run,
    review: review([], { checked: { rules: 31, catalog: 'no-target', trace: false } })
  })
  expect(body).toContain(
    "✅ **Review**: nothing found. 31 rules checked on PostgreSQL's parse of each pending statement; " +
      "judged from the repository alone, without the target's catalog (no target, e.g. a pull request from a fork)."
  )
  // Only waived findings: still "nothing found", with the waivers listed.
  const waived = renderReview(review(FINDINGS.filter((f) => f.waived)))
  expect(waived[0]).toMatch(/^✅ \*\*Review\*\*: nothing found\./)
  expect(waived).toContain('<details><summary>Waived (2)</summary>')
})

test('a review that could not run says why instead of "nothing found"', () => {
  expect(renderReview(review([], { unavailable: "PostgreSQL's parser could not be loaded: no WebAssembly" }))).toEqual([
    "⚠️ **Review did not run**: PostgreSQL's parser could not be loaded: no WebAssembly"
  ])
})

test('fail-on: error fails on errors, warning on warnings too, never on nothing; waived findings never fail', () => {
  const ids = (findings: Finding[]) => findings.map((f) => f.rule)
  expect(ids(blockingFindings(FINDINGS, 'error'))).toEqual(['add-column-not-null-without-default'])
  expect(ids(blockingFindings(FINDINGS, 'warning'))).toEqual(['add-column-not-null-without-default', 'index-not-concurrent'])
  // Two notices are waived (one by a comment, one by ignore-rules): only the third fails under notice.
  expect(ids(blockingFindings(FINDINGS, 'notice'))).toEqual([
    'add-column-not-null-without-default',
    'index-not-concurrent',
    'timestamp-without-time-zone'
  ])
  expect(blockingFindings(FINDINGS, 'never')).toEqual([])
  const waivedError = FINDINGS.map((f) =>
    f.severity === 'error' ? { ...f, waived: { reason: 'backfilled by hand', by: 'comment' as const } } : f
  )
  expect(blockingFindings(waivedError, 'error')).toEqual([])
  expect(failOnMessage(blockingFindings(FINDINGS, 'warning'), 'warning')).toMatch(
    /^The review found 2 findings at or above fail-on: warning \(1 error, 1 warning\)\. .*-- aurora-migrate:ignore <rule-id> <reason>/
  )
})

test('the findings output: the unwaived findings in the documented shape, highest severity first, bounded as valid JSON', () => {
  const parsed = JSON.parse(findingsOutput(FINDINGS, 64 * 1024)) as Array<Record<string, unknown>>
  expect(parsed.map((f) => f.rule)).toEqual(['add-column-not-null-without-default', 'index-not-concurrent', 'timestamp-without-time-zone'])
  for (const entry of parsed)
    expect(Object.keys(entry)).toEqual(['rule', 'severity', 'file', 'line', 'column', 'message', 'relation', 'lock'])
  expect(parsed[0]).toEqual({
    rule: 'add-column-not-null-without-default',
    severity: 'error',
    file: 'm/v2_tiers/01_tier.sql',
    line: 3,
    column: 1,
    message: FINDINGS[0].message,
    relation: 'public.orders',
    lock: 'AccessExclusiveLock'
  })
  expect(parsed[2]).toMatchObject({ relation: null, lock: null, column: 30 })

  const many = Array.from({ length: 2_000 }, (_, i) =>
    finding({
      rule: i % 2 ? 'timestamp-without-time-zone' : 'index-not-concurrent',
      severity: i % 2 ? 'notice' : 'warning',
      version: 9,
      file: 'm/v9/01.sql',
      line: i + 1,
      message: 'x'.repeat(100)
    })
  )
  const bounded = findingsOutput(many, 64 * 1024)
  expect(bounded.length).toBeLessThanOrEqual(64 * 1024)
  const kept = JSON.parse(bounded) as Array<{ severity: string }>
  expect(kept.length).toBeGreaterThan(100)
  expect(kept.length).toBeLessThan(2_000)
  // What is left off is the least severe: the notices go before any warning does.
  expect(kept.every((f) => f.severity === 'warning')).toBe(true)
})

test('each unwaived finding is an annotation at the line of its statement, after the comment lines before it', () => {
  // The splitter puts the statement of 01_tier.sql on line 3, after two comment lines.
  const statement = v2.files[0].statements[0]
  expect([statement.file, statement.line, statement.column]).toEqual(['m/v2_tiers/01_tier.sql', 3, 1])
  const located = FINDINGS.map((f) => (f.file === statement.file ? { ...f, line: statement.line, column: statement.column } : f))
  const annotations = findingAnnotations(located)
  expect(
    annotations.map((a) => [a.level, a.properties.title, a.properties.file, a.properties.startLine, a.properties.startColumn])
  ).toEqual([
    ['error', 'add-column-not-null-without-default', 'm/v2_tiers/01_tier.sql', 3, 1],
    ['warning', 'index-not-concurrent', 'm/v2_tiers/02_index.sql', 1, 1],
    ['notice', 'timestamp-without-time-zone', 'm/v3_notes/01_notes.sql', 1, 30]
  ])
  expect(annotations[0].message).toBe(`${FINDINGS[0].message} Fix: ${FINDINGS[0].fix}`)
})

test('the Review fits the comment under GitHub limit with "… and N more findings", errors first', () => {
  const many = Array.from({ length: 400 }, (_, i) =>
    finding({
      rule: i % 3 ? 'index-not-concurrent' : 'add-column-not-null-without-default',
      severity: i % 3 ? 'warning' : 'error',
      version: 2,
      file: 'm/v2_tiers/02_index.sql',
      line: i + 1,
      message: 'm'.repeat(300),
      fix: 'f'.repeat(300),
      fixSql: 'select 1;\n'.repeat(50)
    })
  )
  const plan = planMigrations([v1, v2, v3], [rowFor(v1)])
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions: [v1, v2, v3],
    verification: passed,
    source: { kind: 'database' },
    ...run,
    review: review(many),
    schemaChange: `${SCHEMA_CHANGE}\n`.repeat(400)
  })
  expect(body.length).toBeLessThan(COMMENT_LIMIT - 1_000)
  expect(body).toMatch(/- … and [\d,]+ more findings: see the `findings` output and the annotations\./)
  expect(body).toContain('❌ **Not ready**: the review blocks it (fail-on: error) · 2 versions pending · ❌ 134 errors · ⚠️ 266 warnings\n')
  expect(body).toContain('**❌ 134 errors**')
  const shown = body.match(/^- (❌|⚠️) /gmu) ?? []
  expect(shown.length).toBeGreaterThan(3)
  // Errors come first, so the cut leaves off warnings.
  expect(shown.every((item) => item.includes('❌'))).toBe(true)
  expect(body).toMatch(/… [\d,]+ more lines not shown\./)
  // The SQL of the versions still gets its room.
  expect(body).toContain('<details><summary>SQL of v2 tiers')
})

test('annotations stop at ANNOTATION_LIMIT, errors first, and one more notice says how many are left out', () => {
  const many = Array.from({ length: 120 }, (_, i) =>
    finding({
      rule: i % 4 ? 'index-not-concurrent' : 'add-column-not-null-without-default',
      severity: i % 4 ? 'warning' : 'error',
      version: 2,
      file: 'm/v2_tiers/02_index.sql',
      line: i + 1
    })
  )
  const annotations = findingAnnotations(many)
  expect(annotations).toHaveLength(ANNOTATION_LIMIT + 1)
  // All 30 errors first, in order, then warnings in order.
  expect(annotations.slice(0, 30).every((a) => a.level === 'error')).toBe(true)
  expect(annotations.slice(0, 30).map((a) => a.properties.startLine)).toEqual(many.filter((f) => f.severity === 'error').map((f) => f.line))
  expect(annotations.slice(30, ANNOTATION_LIMIT).every((a) => a.level === 'warning')).toBe(true)
  expect(annotations[ANNOTATION_LIMIT]).toEqual({
    level: 'notice',
    message: expect.stringMatching(/^70 more findings are not annotated/),
    properties: { title: 'Review' }
  })
  expect(findingAnnotations(many.slice(0, 3))).toHaveLength(3)
})
