/**
 * Where people see the review: the Review and Schema change sections of the plan comment (golden files),
 * the version table's review cell, what fails the step under fail-on, the `findings` output and one
 * annotation per finding. Findings are built here as the rules return them.
 */
import { planMigrations } from '../../src/plan.js'
import { COMMENT_LIMIT, renderPlanComment } from '../../src/report/comment.js'
import {
  blockingFindings,
  diffAnchor,
  failOnMessage,
  findingAnnotations,
  ANNOTATION_LIMIT,
  findingsOutput,
  renderReview,
  type ReviewInput
} from '../../src/report/review.js'
import { diffSchemas, renderSchemaChange } from '../../src/review/schema-change.js'
import type { Finding } from '../../src/review/types.js'
import type { Verification } from '../../src/shadow/types.js'
import { golden } from '../../testkit/golden.js'
import { rowFor, version } from '../../testkit/versions.js'

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

test('the plan comment opens with the verdict, marks versions with findings beside verification, and shows the schema change', () => {
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
  // The verdict opens the comment, the table follows; the findings come after it.
  expect(body.split('\n')[2]).toMatch(/^❌ \*\*The review blocks this plan\*\* \(fail-on: error\)/)
  expect(body.indexOf('Database at **v1**')).toBeLessThan(body.indexOf('**❌ 1 error**'))
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
  expect(body).toContain('❌ **The review blocks this plan** (fail-on: error) · 2 versions pending · ❌ 134 errors · ⚠️ 266 warnings\n')
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

/** The verdict's counts by severity (line 3 of a plan comment): `❌ 1 error · ⚠️ 4 warnings` → { error: 1, … }. */
function verdictCounts(body: string): Record<string, number> {
  const verdict = body.split('\n')[2]
  const counts: Record<string, number> = { error: 0, warning: 0, notice: 0 }
  for (const [, count, severity] of verdict.matchAll(/(?:❌|⚠️|ℹ️) ([\d,]+) (error|warning|notice)s?\b/gu))
    counts[severity] = Number(count.replace(/,/g, ''))
  return counts
}

/** The items the comment lists under each severity's icon (waived items have none). */
function listedCounts(body: string): Record<string, number> {
  const count = (icon: string): number => body.split('\n').filter((line) => line.startsWith(`- ${icon} `)).length
  return { error: count('❌'), warning: count('⚠️'), notice: count('ℹ️') }
}

/** One version with eight findings (the case of issue 15): 1 error, 4 warnings, 3 notices, and one waived. */
const v4 = version(
  4,
  {
    '01_orders.sql':
      'alter table orders add column region text not null;\ncreate index orders_region on orders (region);\nalter table orders alter column total type numeric(14,2);\n' +
      "update orders set region = 'eu';\n",
    '02_notes.sql': 'create table audit (id serial, at timestamp, payload json);\nalter table audit rename column payload to body;\n'
  },
  'regions'
)
const EIGHT: Finding[] = [
  finding({
    rule: 'add-column-not-null-without-default',
    severity: 'error',
    version: 4,
    file: 'm/v4_regions/01_orders.sql',
    line: 1,
    message: 'ADD COLUMN region text NOT NULL without a default fails on `public.orders`: it has ≈200,000 rows (18 MB).',
    fix: 'Add the column as nullable, backfill it in batches, then add a CHECK (region IS NOT NULL) NOT VALID and validate it in a later version.',
    relation: 'public.orders',
    lock: 'AccessExclusiveLock'
  }),
  finding({
    rule: 'index-not-concurrent',
    severity: 'warning',
    version: 4,
    file: 'm/v4_regions/01_orders.sql',
    line: 2,
    message: 'SHARE lock on `public.orders` (≈200,000 rows, 18 MB) while the index is built: blocks INSERT, UPDATE and DELETE.',
    fix: 'Build it with CREATE INDEX CONCURRENTLY in a file that starts with -- migrate:no-transaction.',
    relation: 'public.orders',
    lock: 'ShareLock'
  }),
  finding({
    rule: 'alter-column-type-rewrite',
    severity: 'warning',
    version: 4,
    file: 'm/v4_regions/01_orders.sql',
    line: 3,
    message: 'ALTER COLUMN total TYPE numeric(14,2) rewrites `public.orders` (18 MB) under ACCESS EXCLUSIVE.',
    fix: 'Add a new column, backfill it in batches, and switch readers over.',
    relation: 'public.orders',
    lock: 'AccessExclusiveLock'
  }),
  finding({
    rule: 'access-exclusive-held',
    severity: 'warning',
    version: 4,
    file: 'm/v4_regions/01_orders.sql',
    line: 1,
    message: 'ACCESS EXCLUSIVE on `public.orders`, taken at line 1, is held while the next 3 statements run.',
    fix: 'Put the statement that takes it in a version of its own.',
    relation: 'public.orders',
    lock: 'AccessExclusiveLock'
  }),
  finding({
    rule: 'unbatched-backfill',
    severity: 'warning',
    version: 4,
    file: 'm/v4_regions/01_orders.sql',
    line: 4,
    message: 'UPDATE of every row of `public.orders` (≈200,000 rows) in one transaction: each row stays locked until the version commits.',
    fix: 'Backfill in batches, in a file that starts with -- migrate:no-transaction.',
    relation: 'public.orders',
    lock: 'RowExclusiveLock'
  }),
  finding({
    rule: 'serial-column',
    severity: 'notice',
    version: 4,
    file: 'm/v4_regions/02_notes.sql',
    line: 1,
    message: 'Column `id` is serial.',
    fix: 'Use an identity column.'
  }),
  finding({
    rule: 'timestamp-without-time-zone',
    severity: 'notice',
    version: 4,
    file: 'm/v4_regions/02_notes.sql',
    line: 1,
    message: 'Column `at` is timestamp without time zone.',
    fix: 'Use timestamptz.'
  }),
  finding({
    rule: 'json-column',
    severity: 'notice',
    version: 4,
    file: 'm/v4_regions/02_notes.sql',
    line: 1,
    message: 'Column `payload` is json: no equality, no indexes.',
    fix: 'Use jsonb.'
  }),
  finding({
    rule: 'rename-column',
    severity: 'warning',
    version: 4,
    file: 'm/v4_regions/02_notes.sql',
    line: 2,
    message: 'Renaming `payload` breaks the code that still reads it.',
    fix: 'Add the new column, write both, then drop the old one.',
    waived: { reason: 'nothing reads audit yet', by: 'comment' }
  })
]

function eightFindingsComment(overrides: Partial<Parameters<typeof renderPlanComment>[0]> = {}): string {
  const applied = [v1, v2, v3]
  const plan = planMigrations(
    [...applied, v4],
    applied.map((v) => rowFor(v))
  )
  return renderPlanComment({
    environment: 'production',
    plan,
    versions: [...applied, v4],
    verification: {
      ...passed,
      versions: [...passed.versions, { version: 4, status: 'passed', durationMs: 10, statements: 6 }],
      settings: {
        matched: ['TimeZone', 'DateStyle', 'IntervalStyle'],
        unmatched: [{ name: 'lc_collate', target: 'de_DE.UTF-8', reason: 'no such locale on the throwaway server' }]
      }
    },
    source: { kind: 'database' },
    ...run,
    review: review(EIGHT),
    schemaChange: renderSchemaChange(
      diffSchemas(
        [{ kind: 'column', name: 'public.orders.total', relation: 'public.orders', definition: 'total numeric(12,2)' }],
        [
          { kind: 'column', name: 'public.orders.total', relation: 'public.orders', definition: 'total numeric(14,2)' },
          { kind: 'column', name: 'public.orders.region', relation: 'public.orders', definition: 'region text NOT NULL' },
          { kind: 'table', name: 'public.audit', relation: null, definition: 'table' },
          {
            kind: 'column',
            name: 'public.audit.id',
            relation: 'public.audit',
            definition: "id integer NOT NULL DEFAULT nextval('audit_id_seq')"
          },
          { kind: 'column', name: 'public.audit.at', relation: 'public.audit', definition: 'at timestamp without time zone' },
          { kind: 'column', name: 'public.audit.body', relation: 'public.audit', definition: 'body json' }
        ]
      )
    ),
    ...overrides
  })
}

test('one version with eight findings: the verdict, then the table within the first 15 lines, errors open, many warnings and the notices under them folded', () => {
  const body = eightFindingsComment()
  const lines = body.split('\n')
  expect(lines[2]).toBe(
    '❌ **The review blocks this plan** (fail-on: error) · 1 version pending · ❌ 1 error · ⚠️ 4 warnings · ℹ️ 3 notices'
  )
  expect(lines.indexOf('| Version | Files | Statements | Runs | Verified |')).toBeLessThan(15)
  expect(lines.findIndex((line) => line.startsWith('| v4 regions |'))).toBeLessThan(15)
  // The header's counts are the list's, severity by severity (the waived notice is in neither).
  expect(verdictCounts(body)).toEqual({ error: 1, warning: 4, notice: 3 })
  expect(listedCounts(body)).toEqual(verdictCounts(body))
  expect(body).toContain('**❌ 1 error**\n\n- ❌ `add-column-not-null-without-default`')
  expect(body).toContain('<details><summary>⚠️ 4 warnings</summary>\n\n- ⚠️ ')
  // Notices are folded too once the warnings are: nothing less severe stands open under a folded group.
  expect(body).toContain('<details><summary>ℹ️ 3 notices</summary>\n\n- ℹ️ ')
  expect(body).toContain('<details><summary>Waived (1)</summary>')
  // Errors, then warnings, then notices; then the schema change, then the SQL.
  const order = [
    '**❌ 1 error**',
    '⚠️ 4 warnings</summary>',
    'ℹ️ 3 notices</summary>',
    '**Schema change**',
    '<details><summary>SQL of v4 regions'
  ]
  const positions = order.map((text) => body.indexOf(text))
  expect(positions.every((position) => position > 0)).toBe(true)
  expect([...positions].sort((a, b) => a - b)).toEqual(positions)
  // The settings the throwaway database could not take, in one line of the verification part.
  expect(body).toContain(
    "⚠️ The throwaway database could not match the target's `lc_collate` (`de_DE.UTF-8`: no such locale on the throwaway server):"
  )
  expect(body).not.toContain('TimeZone')
  golden('comment-plan-findings.md', body)
})

test('the header counts agree with the list whatever is folded, and with the plan comment of the review golden', () => {
  for (const findings of [FINDINGS, EIGHT, EIGHT.filter((f) => f.severity !== 'error'), EIGHT.filter((f) => f.severity === 'notice')]) {
    const body = eightFindingsComment({ review: review(findings) })
    expect(listedCounts(body)).toEqual(verdictCounts(body))
  }
  const many = Array.from({ length: 12 }, (_, i) =>
    finding({
      rule: 'index-not-concurrent',
      severity: i % 2 ? 'warning' : 'notice',
      version: 4,
      file: 'm/v4_regions/01_orders.sql',
      line: i + 1
    })
  )
  const body = eightFindingsComment({ review: review(many) })
  expect(verdictCounts(body)).toEqual({ error: 0, warning: 6, notice: 6 })
  expect(listedCounts(body)).toEqual(verdictCounts(body))
  expect(body).toContain('<details><summary>ℹ️ 6 notices</summary>')
})

test('the verdict follows fail-on, a syntax error, and a review that did not run', () => {
  const verdict = (overrides: Partial<Parameters<typeof renderPlanComment>[0]>): string => eightFindingsComment(overrides).split('\n')[2]
  expect(verdict({ failOn: 'never' })).toBe('✅ **Ready to apply** · 1 version pending · ❌ 1 error · ⚠️ 4 warnings · ℹ️ 3 notices')
  const warningsOnly = review(EIGHT.filter((f) => f.severity !== 'error'))
  expect(verdict({ review: warningsOnly })).toBe('✅ **Ready to apply** · 1 version pending · ⚠️ 4 warnings · ℹ️ 3 notices')
  expect(verdict({ review: warningsOnly, failOn: 'warning' })).toMatch(/^❌ \*\*The review blocks this plan\*\* \(fail-on: warning\) · /)
  expect(verdict({ review: review([]) })).toBe('✅ **Ready to apply** · 1 version pending · no findings')
  expect(verdict({ review: review([]), verification: null })).toBe('✅ **Ready to apply** (not verified) · 1 version pending · no findings')
  expect(verdict({ review: review([], { unavailable: 'a rule failed: boom' }) })).toBe(
    '✅ **Ready to apply** · 1 version pending · review did not run'
  )
  // SQL the parser refuses fails plan whatever fail-on says.
  const unparsed = finding({
    rule: 'syntax-error',
    severity: 'error',
    version: 4,
    file: 'm/v4_regions/02_notes.sql',
    line: 1,
    column: 8,
    message: 'syntax error at or near "tabel"'
  })
  expect(verdict({ review: review([unparsed]), failOn: 'never' })).toBe(
    '❌ **apply would fail**: v4 does not parse at `m/v4_regions/02_notes.sql:1:8` · 1 version pending · ❌ 1 error'
  )
})
