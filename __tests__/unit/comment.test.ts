/**
 * Golden files for what people read on GitHub: the plan comment, the deploy comment and the
 * deployment status line. UPDATE_GOLDEN=1 rewrites them; review the diff.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { ApplyResult } from '../../src/engine/apply.js'
import { PlanRefusedError, StatementFailedError, StepFailedError } from '../../src/errors.js'
import { planMigrations } from '../../src/plan.js'
import { COMMENT_LIMIT, renderPlanComment } from '../../src/report/comment.js'
import { deploySummaryLine, renderDeployComment } from '../../src/report/deploy-comment.js'
import { fileCell, renderApply } from '../../src/report/markdown.js'
import { plural } from '../../src/text.js'
import type { Verification } from '../../src/shadow/types.js'
import { golden } from '../../testkit/golden.js'
import { rowFor, version } from '../../testkit/versions.js'

const v1 = version(1, { '01_users.sql': 'create table users (id int);\ncreate index on users (id);\n' })
const v2 = version(
  2,
  { '01_lists.sql': 'create table lists (id int);\n', '02_notes.sql': "-- notes\ncreate table notes (id int, body text default '```');\n" },
  'lists_and_notes'
)
const v3 = version(3, { '01_tags.sql': 'create tabel tags (id int);\n' })
const run = { runUrl: 'https://github.com/acme/orders/actions/runs/42', sha: '0123456789abcdef' }

function verification(status: Verification['status'], failAt?: number): Verification {
  return {
    status,
    server: 'local PostgreSQL 16.6',
    durationMs: 1234,
    message: status === 'unavailable' ? 'no PostgreSQL binaries were found; give shadow-database-url' : null,
    versions:
      status === 'unavailable'
        ? []
        : [v1, v2, v3].map((v) => ({
            version: v.number,
            statements: v.files.reduce((n, f) => n + f.statements.length, 0),
            durationMs: 40 * v.number,
            status:
              failAt === undefined || v.number < failAt
                ? ('passed' as const)
                : v.number === failAt
                  ? ('failed' as const)
                  : ('not-run' as const),
            ...(v.number === failAt
              ? { error: { file: 'm/v3/01_tags.sql', line: 1, column: 8, message: 'syntax error at or near "tabel"', sqlState: '42601' } }
              : {})
          }))
  }
}

test('plan comment: pending versions, verified', () => {
  const plan = planMigrations([v1, v2], [rowFor(v1)])
  golden(
    'comment-plan-pending.md',
    renderPlanComment({
      environment: 'production',
      plan,
      versions: [v1, v2],
      verification: { ...verification('passed'), versions: verification('passed').versions.slice(0, 2) },
      source: { kind: 'database' },
      ...run
    })
  )
})

test('plan comment: verification fails on the new version', () => {
  const plan = planMigrations([v1, v2, v3], [rowFor(v1), rowFor(v2)])
  golden(
    'comment-plan-verify-failed.md',
    renderPlanComment({
      environment: 'staging',
      plan,
      versions: [v1, v2, v3],
      verification: verification('failed', 3),
      source: { kind: 'database' },
      ...run
    })
  )
})

test('plan comment: nothing pending is one line', () => {
  const plan = planMigrations([v1, v2], [rowFor(v1), rowFor(v2)])
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions: [v1, v2],
    verification: verification('passed', undefined),
    source: { kind: 'database' },
    ...run
  })
  golden('comment-plan-up-to-date.md', body)
})

test('plan comment: a fork pull request compared with the base branch, with drift and no verification server', () => {
  const edited = version(1, { '01_users.sql': 'create table users (id bigint);\n' })
  const plan = planMigrations([edited, v2], [rowFor(v1)])
  golden(
    'comment-plan-fork.md',
    renderPlanComment({
      environment: 'migrations/resources',
      plan,
      versions: [edited, v2],
      verification: verification('unavailable'),
      source: { kind: 'base-branch', baseSha: 'fedcba9876543210' },
      ...run,
      // No target: the review judges from the repository alone, and no trace without verification.
      review: { findings: [], checked: { rules: 31, catalog: 'no-target', trace: false }, pullRequestFilesUrl: null }
    })
  )
})

test('plan comment stays under the size limit, truncating long SQL with a note', () => {
  const huge = version(4, {
    '01_seed.sql': Array.from({ length: 3000 }, (_, i) => `insert into t values (${i}, '${'x'.repeat(40)}');`).join('\n'),
    '02_more.sql': Array.from({ length: 3000 }, (_, i) => `insert into u values (${i}, '${'y'.repeat(40)}');`).join('\n'),
    '03_last.sql': 'select 1;'
  })
  const many = Array.from({ length: 6 }, (_, i) =>
    version(5 + i, { '01.sql': Array.from({ length: 800 }, (_, j) => `select ${j}, '${'z'.repeat(30)}';`).join('\n') })
  )
  const plan = planMigrations([huge, ...many], [])
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions: [huge, ...many],
    verification: null,
    source: { kind: 'database' },
    ...run
  })
  expect(body.length).toBeLessThan(COMMENT_LIMIT - 1000)
  expect(body).toMatch(/… [\d,]+ more lines not shown; see `m\/v4\/01_seed.sql`\./)
  // Once the budget is spent, one line stands for the SQL of every version left.
  expect(body).toContain(
    "SQL of 4 more versions not shown (v7, v8, v9, v10): the comment would exceed GitHub's size limit; see the files in the pull request."
  )
  expect(body).toContain('**Verification** is turned off (`verify: false`).')
  expect(body.match(/<details>/g)).toHaveLength(3)
  expect(body.match(/<\/details>/g)).toHaveLength(3)
})

function result(overrides: Partial<ApplyResult>): ApplyResult {
  return {
    plan: planMigrations([v1, v2, v3], [rowFor(v1)]),
    fromVersion: 1,
    toVersion: 3,
    applied: [
      { version: 2, description: 'lists_and_notes', durationMs: 840, statements: 2, files: [] },
      { version: 3, description: '', durationMs: 1530, statements: 1, files: [] }
    ],
    appliedElsewhere: [],
    error: null,
    failedVersion: null,
    leaseWaitedMs: 0,
    durationMs: 2420,
    ...overrides
  }
}

test('deploy comment and status line after success', () => {
  expect(deploySummaryLine(result({}), 'production')).toBe('Applied v2, v3 to production in 2.4 s')
  golden('comment-deploy-success.md', renderDeployComment({ environment: 'production', result: result({}), ...run }))
})

test('deploy comment and status line after a failed statement', () => {
  const error = new StatementFailedError(
    3,
    { file: 'm/v3/01_tags.sql', line: 1, column: 8 },
    { message: 'syntax error at or near "tabel"', sqlState: '42601' },
    'create tabel tags (id int)'
  )
  const failed = result({ applied: result({}).applied.slice(0, 1), toVersion: 2, failedVersion: 3, error })
  expect(deploySummaryLine(failed, 'production')).toBe(
    'Applied v2, then v3 failed on production at m/v3/01_tags.sql:1: syntax error at or near "tabel"'
  )
  golden('comment-deploy-failure.md', renderDeployComment({ environment: 'production', result: failed, ...run }))
  const refused = result({ applied: [], toVersion: 1, error: new PlanRefusedError('Nothing was applied. drift: v1') })
  expect(deploySummaryLine(refused, 'production')).toBe('Migration failed on production: Nothing was applied. drift: v1')
})

test('plan comment: files outside a transaction, a statement that needs the directive, and an ADD VALUE warning', () => {
  const v4 = version(
    4,
    {
      '01_status.sql': "create type status as enum ('new');\nalter table users add column status status;\n",
      '02_idx.sql': '-- migrate:no-transaction\ncreate index concurrently users_status on users (status);\n'
    },
    'status'
  )
  const v5 = version(5, {
    '01_value.sql': "alter type status add value 'done';\n",
    '02_a.sql': '-- migrate:no-transaction\nvacuum users;\n',
    '03_b.sql': '-- migrate:no-transaction\nreindex index concurrently users_status;\n'
  })
  const v6 = version(6, { '01_idx.sql': 'create unique index concurrently users_email on users (email);\n' })
  const plan = planMigrations([v1, v4, v5, v6], [rowFor(v1)])
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions: [v1, v4, v5, v6],
    verification: null,
    source: { kind: 'database' },
    ...run
  })
  expect(body).toContain('| v4 status | `01_status.sql` (2)<br>`02_idx.sql` (1) | 3 | outside a transaction: `02_idx.sql` | — |')
  expect(body).toContain('| 3 | 2 files outside a transaction | — |')
  expect(body).toContain('| v6 | `01_idx.sql` (1) | 1 | in one transaction | — |')
  expect(body).toMatch(/❗ \*\*Cannot run in a transaction\*\*: CREATE INDEX CONCURRENTLY at `m\/v6\/01_idx.sql:1:1`/)
  expect(body).toMatch(/⚠️ ALTER TYPE … ADD VALUE at `m\/v5\/01_value.sql:1:1` runs inside the version's transaction/)
  golden('comment-plan-no-transaction.md', body)
})

test('deploy comment and summary after a failed step of a version that runs in steps say what stays applied', () => {
  const error = new StepFailedError(
    3,
    { file: 'm/v3/02_idx.sql', line: 2, column: 1 },
    { message: 'could not create unique index "u_email"', sqlState: '23505' },
    'create unique index concurrently u_email on u (email)',
    2,
    3,
    'The failed build left the INVALID index public.u_email behind: drop it with DROP INDEX CONCURRENTLY public.u_email; then fix the cause and re-run.',
    'v3 is partly applied: steps 1–2 of 3 ran and stay applied.'
  )
  expect(error).toBeInstanceOf(StatementFailedError)
  expect(error.message).toBe(
    'v3 failed at m/v3/02_idx.sql:2:1: could not create unique index "u_email" (SQLSTATE 23505). ' +
      'The failed build left the INVALID index public.u_email behind: drop it with DROP INDEX CONCURRENTLY public.u_email; then fix the cause and re-run. ' +
      'v3 is partly applied: steps 1–2 of 3 ran and stay applied.'
  )
  const failed = result({ applied: result({}).applied.slice(0, 1), toVersion: 2, failedVersion: 3, error })
  const comment = renderDeployComment({ environment: 'production', result: failed, ...run })
  expect(comment).toContain('v3 is partly applied: steps 1–2 of 3 ran and stay applied.')
  expect(comment).not.toContain('rolled back')
  const summary = renderApply(failed, { target: 'production' })
  expect(summary).toContain(
    '> The failed build left the INVALID index public.u_email behind: drop it with DROP INDEX CONCURRENTLY public.u_email;'
  )
  expect(summary).toContain('> v3 is partly applied: steps 1–2 of 3 ran and stay applied.')
  expect(summary).not.toContain('rolled back')
})

test('every plan comment puts its verdict on line 3 and its table of versions within the first 15 lines', () => {
  const dir = path.resolve('__tests__/golden')
  const plans = fs.readdirSync(dir).filter((name) => /^comment-plan-.*\.md$/.test(name) && name !== 'comment-plan-up-to-date.md')
  expect(plans.length).toBeGreaterThanOrEqual(7)
  for (const name of plans) {
    const lines = fs.readFileSync(path.join(dir, name), 'utf8').split('\n')
    expect([name, lines[2]]).toEqual([
      name,
      expect.stringMatching(/^(❌ \*\*(apply would refuse|apply would fail|The review blocks this plan)\*\*|✅ \*\*Ready to apply\*\*)/u)
    ])
    const table = lines.indexOf('| Version | Files | Statements | Runs | Verified |')
    expect([name, table >= 0 && table + 2 < 15]).toEqual([name, true])
  }
})

test('the verdict names each refusal in a few words; out-of-order versions allowed by allow-out-of-order are not one', () => {
  const v4 = version(4, { '01.sql': 'create table d (id int);\n' })
  // v2 is on disk below the current v4 (out of order); v3 is recorded but has no folder (missing).
  const plan = planMigrations([v1, v2, v4], [rowFor(v1), rowFor(v3), rowFor(v4)])
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions: [v1, v2, v4],
    verification: null,
    source: { kind: 'database' },
    ...run
  })
  expect(body.split('\n')[2]).toBe('❌ **apply would refuse**: v3 missing from this branch; v2 below the current v4 · 1 version pending')
  expect(body).toContain('- ❗ **Missing**: v3 is applied in the database, not in this branch.')
  expect(body).toContain('- ❗ **Out of order**: v2 is below the current version v4; renumber above it.')

  const allowed = planMigrations([v1, v2, v3, v4], [rowFor(v1), rowFor(v3), rowFor(v4)], { allowOutOfOrder: true })
  expect(allowed.outOfOrder).toEqual([2])
  expect(allowed.refusals).toEqual([])
  const accepted = renderPlanComment({
    environment: 'production',
    plan: allowed,
    versions: [v1, v2, v3, v4],
    verification: null,
    source: { kind: 'database' },
    ...run
  })
  expect(accepted.split('\n')[2]).toBe('✅ **Ready to apply** (not verified) · 1 version pending')
  expect(accepted).not.toContain('Out of order')
  expect(accepted).not.toContain('refuse')
})

test('a refusal the comment has no list for is shown as the plan words it, and named in the verdict', () => {
  const plan = planMigrations([v1, v2], [rowFor(v1)])
  plan.refusals.push('hostile file: m/v2/03_link.sql is a symbolic link. Replace it with the file itself.')
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions: [v1, v2],
    verification: null,
    source: { kind: 'database' },
    ...run
  })
  expect(body.split('\n')[2]).toBe('❌ **apply would refuse**: hostile file · 1 version pending')
  expect(body).toContain('- ❗ hostile file: m/v2/03_link.sql is a symbolic link. Replace it with the file itself.')
})

test('a verification that ran with the target settings it could not match says which, in one line', () => {
  const plan = planMigrations([v1, v2], [rowFor(v1)])
  const checked = verification('passed')
  const render = (settings: Verification['settings']): string =>
    renderPlanComment({
      environment: 'production',
      plan,
      versions: [v1, v2],
      verification: { ...checked, versions: checked.versions.slice(0, 2), settings },
      source: { kind: 'database' },
      ...run
    })
  const line = render({
    matched: ['TimeZone'],
    unmatched: [
      { name: 'lc_ctype', target: 'tr_TR.UTF-8', reason: 'no such locale here' },
      { name: 'server_version', target: '15.4', reason: 'the throwaway server is 16.6' }
    ]
  })
    .split('\n')
    .filter((l) => l.includes('could not match'))
  expect(line).toEqual([
    "⚠️ The throwaway database could not match the target's `lc_ctype` (`tr_TR.UTF-8`: no such locale here), `server_version` (`15.4`: the throwaway server is 16.6): " +
      'what depends on those settings (a rewrite, a default, a cast) may differ on the target.'
  ])
  // Nothing unmatched, or no settings read: no line.
  expect(render({ matched: ['TimeZone'], unmatched: [] })).not.toContain('could not match')
  expect(render(null)).not.toContain('could not match')
  expect(render(undefined)).toBe(render(null))
})

test('counts say one of a thing in the singular', () => {
  const files = Array.from({ length: 11 }, (_, i) => ({ name: `${String(i).padStart(2, '0')}.sql`, statements: 1 }))
  expect(fileCell(files)).toMatch(/… and 1 more file$/)
  expect(fileCell([...files, { name: '11.sql', statements: 1 }])).toMatch(/… and 2 more files$/)
  expect(plural(1, 'statement')).toBe('1 statement')
  expect(plural(1_200, 'version')).toBe('1,200 versions')
  // Nowhere in what the report renders: "(s)" or a count of one with a plural noun.
  for (const name of fs.readdirSync(path.resolve('__tests__/golden'))) {
    const text = fs.readFileSync(path.resolve('__tests__/golden', name), 'utf8')
    expect([name, text.match(/\(s\)|\b1 (statements|files|versions|errors|warnings|notices|findings|rules)\b/g)]).toEqual([name, null])
  }
})

test('plan comment: where DDL commits on its own, each version says what commits alone and what runs in a transaction', () => {
  const ddlFirst = version(1, {
    '01.sql': 'create table a (id int);\ninsert into a values (1);\ninsert into a values (2);\nalter table a add b int;'
  })
  const onlyDdl = version(2, { '01.sql': 'create table b (id int);' })
  const onlyDml = version(3, { '01.sql': 'insert into a values (3);' })
  const twoBatches = version(4, { '01.sql': 'insert into a values (4);\ncreate index i on a (b);\ninsert into a values (5);' })
  const versions = [ddlFirst, onlyDdl, onlyDml, twoBatches]
  const plan = planMigrations(versions, [], { commitsImplicitly: (sql) => /^(create|alter)\b/i.test(sql) })
  expect(plan.pending.map((p) => [p.selfCommitting, p.batches])).toEqual([
    [2, 1],
    [1, 0],
    [0, 0],
    [1, 2]
  ])
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions,
    verification: verification('passed', undefined),
    source: { kind: 'database' },
    ...run
  })
  expect(body).toContain('2 DDL, each commits on its own; 1 DML batch in a transaction')
  expect(body).toContain('1 DDL, commits on its own')
  expect(body).toContain('1 DDL, commits on its own; 2 DML batches, a transaction each')
  expect(body).toContain('Database at **v0**')
  const named = renderPlanComment({
    environment: 'production',
    plan,
    versions,
    verification: null,
    source: { kind: 'database' },
    ...run,
    server: 'Aurora MySQL 3.07.1'
  })
  expect(named).toContain('Database (Aurora MySQL 3.07.1) at **v0**')
  // A version of DML only is one transaction, as on PostgreSQL.
  expect(body).toContain('in one transaction')
  // Without the dialect's test (PostgreSQL), nothing changes.
  expect(planMigrations(versions, []).pending.every((p) => p.selfCommitting === 0 && p.batches === 0)).toBe(true)
})
