/**
 * Whatever the number of versions, what a run hands on stays within GitHub's limits: the plan comment
 * under 65,536 characters (the fake GitHub API refuses more, as GitHub does), the deploy comment too,
 * the job summary under 1 MiB, and the `plan` output bounded and still valid JSON. Long lists end in
 * "… and N more". Row values from PostgreSQL's DETAIL reach none of them.
 */
import type { ApplyResult } from '../../src/engine/apply.js'
import { StatementFailedError } from '../../src/errors.js'
import type { Version } from '../../src/migrations/types.js'
import { planMigrations, type Plan } from '../../src/plan.js'
import { COMMENT_LIMIT, renderPlanComment } from '../../src/report/comment.js'
import { deploySummaryLine, renderDeployComment } from '../../src/report/deploy-comment.js'
import { fitLines, renderApply, versionList } from '../../src/report/markdown.js'
import { PLAN_OUTPUT_LIMIT, SUMMARY_LIMIT, boundedSummary, planOutput } from '../../src/report/outputs.js'
import { stickyMarker, upsertStickyComment, type Octokit } from '../../src/report/github.js'
import { MAX_COMMENT_LENGTH, startFakeGitHub, type FakeGitHub } from '../../testkit/github-api.js'
import { rowFor, version } from '../../testkit/versions.js'

const REPO = { owner: 'acme', repo: 'orders' }
const run = { runUrl: 'https://github.com/acme/orders/actions/runs/42', sha: '0123456789abcdef' }

/** `count` versions from `first`, each with four files of a few statements and long names. */
function versions(count: number, first = 1): Version[] {
  return Array.from({ length: count }, (_, i) => {
    const n = first + i
    const files = Object.fromEntries(
      Array.from({ length: 4 }, (_, f) => [
        `0${f + 1}_${'create_a_table_with_a_rather_long_descriptive_name_'.repeat(2)}${n}.sql`,
        `create table t${n}_${f} (id int, note text);\ncreate index on t${n}_${f} (id);\n`
      ])
    )
    return version(n, files, `add_the_tables_of_feature_${n}`)
  })
}

let fake: FakeGitHub
let octokit: Octokit
const savedApiUrl = process.env.GITHUB_API_URL

beforeAll(async () => {
  fake = await startFakeGitHub()
  process.env.GITHUB_API_URL = fake.url
  const { getOctokit } = await import('@actions/github')
  octokit = getOctokit('ghs_test_token_123')
})

afterAll(async () => {
  await fake?.stop()
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL
  else process.env.GITHUB_API_URL = savedApiUrl
})

describe.each([500, 5_000])('%i pending versions', (count) => {
  let all: Version[]
  let plan: Plan
  let body: string
  beforeAll(() => {
    all = versions(count)
    plan = planMigrations(all, [])
    body = renderPlanComment({ environment: 'production', plan, versions: all, verification: null, source: { kind: 'database' }, ...run })
  })

  test('the plan comment stays under the limit and says how many versions it does not list', () => {
    expect(body.length).toBeLessThan(COMMENT_LIMIT - 1_000)
    // Counts are written for people: 5,000 and 40,000.
    const n = (value: number): string => value.toLocaleString('en-US')
    expect(body).toContain(`**${n(count)} versions pending**: v1–v${count} (${n(count * 8)} statements)`)
    const listed = body.match(/^\| v\d+ /gm)!.length
    expect(listed).toBeGreaterThan(10)
    expect(listed).toBeLessThan(count)
    expect(body).toContain(`| … and ${(count - listed).toLocaleString('en-US')} more versions | | | | |`)
    expect(body).toMatch(
      new RegExp(`SQL of \\d[\\d,]* more versions not shown \\(v\\d+–v${count}\\): the comment would exceed GitHub's size limit`)
    )
    expect(body.match(/<details>/g)!.length).toBe(body.match(/<\/details>/g)!.length)
  })

  test('GitHub accepts it as the sticky comment', async () => {
    fake.addPullRequest(REPO, { number: count })
    const marker = stickyMarker('plan', 'production')
    const outcome = await upsertStickyComment(octokit, REPO, count, marker, `${marker}\n${body}`)
    expect(outcome.action).toBe('created')
    const [comment] = fake.commentsOn(REPO, count)
    expect(comment.body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(comment.body).toContain(`**${count.toLocaleString('en-US')} versions pending**`)
  })

  test('the plan output is bounded JSON that says what it left out', () => {
    const output = planOutput(plan)
    expect(output.length).toBeLessThanOrEqual(PLAN_OUTPUT_LIMIT)
    const parsed = JSON.parse(output) as Plan & { omitted: Record<string, number> }
    expect(parsed.pending.length).toBeGreaterThan(0)
    expect(parsed.pending.length + parsed.omitted.pending).toBe(count)
    expect(parsed.pending[0].version).toBe(1)
    expect(JSON.stringify(plan).length).toBeGreaterThan(PLAN_OUTPUT_LIMIT)
  })

  test('after an apply of all of them, the summary and the deploy comment stay bounded', () => {
    const result: ApplyResult = {
      plan,
      fromVersion: 0,
      toVersion: count,
      applied: all.map((v) => ({
        version: v.number,
        description: v.description,
        durationMs: 12,
        statements: 8,
        files: v.files.map((f) => ({ name: f.name, path: f.path, statements: 2 }))
      })),
      appliedElsewhere: [],
      error: null,
      failedVersion: null,
      leaseWaitedMs: 0,
      durationMs: 60_000
    }
    const summary = renderApply(result, { target: 'production' })
    expect(Buffer.byteLength(summary)).toBeLessThan(SUMMARY_LIMIT)
    expect(summary.length).toBeLessThan(COMMENT_LIMIT)
    expect(summary).toContain(`applied v1–v${count}`)
    expect(summary).toMatch(/\| … and [\d,]+ more versions \| \| \| \|/)
    const comment = renderDeployComment({ environment: 'production', result, ...run })
    expect(comment.length).toBeLessThan(COMMENT_LIMIT - 1_000)
    const rows = comment.match(/^\| v\d+ /gm)!.length
    if (rows < count) expect(comment).toContain(`| … and ${(count - rows).toLocaleString('en-US')} more versions | | |`)
    else expect(comment).not.toContain('more versions')
    expect(deploySummaryLine(result, 'production')).toBe('Applied v1–v' + count + ' to production in 1 min 0 s')
  })
})

test('drift in thousands of applied versions is listed up to a bound, then counted', () => {
  const onDisk = versions(3_000)
  const rows = onDisk.map((v) =>
    rowFor(v, { checksum: 'sha256:0', files: v.files.map((f) => ({ name: f.name, checksum: 'sha256:0', statements: 2 })) })
  )
  const plan = planMigrations(onDisk, rows)
  expect(plan.drift).toHaveLength(3_000)
  const body = renderPlanComment({
    environment: 'production',
    plan,
    versions: onDisk,
    verification: null,
    source: { kind: 'database' },
    ...run
  })
  expect(body.length).toBeLessThan(COMMENT_LIMIT - 1_000)
  expect(body).toMatch(/^- … and [\d,]+ more$/m)
  // The verdict stays one short line: runs of versions, not 3,000 names.
  expect(body.split('\n')[2]).toBe('❌ **apply would refuse**: v1–v3000 changed after they were applied · nothing pending')
  const output = JSON.parse(planOutput(plan)) as Plan & { omitted: Record<string, number> }
  expect(output.drift.length + output.omitted.drift).toBe(3_000)
  expect(output.appliedVersions.at(-1)).toBe(3_000)
})

test('a version with hundreds of files lists ten in its row', () => {
  const big = version(1, Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`${String(i).padStart(3, '0')}_f.sql`, 'select 1;'])))
  const body = renderPlanComment({
    environment: 'production',
    plan: planMigrations([big], []),
    versions: [big],
    verification: null,
    source: { kind: 'database' },
    ...run
  })
  expect(body).toContain('`009_f.sql` (1)<br>… and 290 more files |')
  expect(body.length).toBeLessThan(COMMENT_LIMIT)
})

describe("PostgreSQL's row values stay out of summaries and comments", () => {
  const v1 = version(1, { '01_keys.sql': 'create unique index on api_keys (api_key);' })
  function failed(sqlError: StatementFailedError['sqlError']): ApplyResult {
    return {
      plan: planMigrations([v1], []),
      fromVersion: 0,
      toVersion: 0,
      applied: [],
      appliedElsewhere: [],
      error: new StatementFailedError(
        1,
        { file: 'm/v1/01_keys.sql', line: 1, column: 1 },
        sqlError,
        'create unique index on api_keys (api_key)'
      ),
      failedVersion: 1,
      leaseWaitedMs: 0,
      durationMs: 100
    }
  }

  test('DETAIL is left out, with a line that says so', () => {
    const result = failed({
      message: 'could not create unique index "api_keys_api_key_idx"',
      sqlState: '23505',
      detail: 'Key (api_key)=(sk_live_51Hx9) is duplicated.'
    })
    const summary = renderApply(result, { target: 'production' })
    const comment = renderDeployComment({ environment: 'production', result, ...run })
    for (const text of [summary, comment, deploySummaryLine(result, 'production'), result.error!.message])
      expect(text).not.toContain('sk_live_51Hx9')
    expect(summary).toContain('could not create unique index "api_keys_api_key_idx" (SQLSTATE 23505)')
    expect(summary).toContain("> PostgreSQL's DETAIL is left out: it can contain row values.")
  })

  test('a data exception does not quote the value', () => {
    const result = failed({ message: 'invalid input syntax for type integer: "4111 1111 1111 1111"', sqlState: '22P02' })
    const summary = renderApply(result, { target: 'production' })
    for (const text of [summary, renderDeployComment({ environment: 'production', result, ...run }), result.error!.message])
      expect(text).not.toContain('4111')
    expect(summary).toContain('invalid input syntax for type integer: "…" (SQLSTATE 22P02)')
  })
})

test('the list helpers', () => {
  expect(versionList([1, 2, 3, 5, 7, 8, 9, 10])).toBe('v1, v2, v3, v5, v7, v8, v9, v10')
  expect(versionList([1, 2, 3, 5, 7, 8, 9, 10], 5)).toBe('v1–v3, v5, v7–v10')
  expect(versionList([2, 3, 5], 2)).toBe('v2, v3 … and 1 more')
  expect(
    versionList(
      Array.from({ length: 30 }, (_, i) => i * 2),
      3
    )
  ).toBe('v0, v2, v4 … and 27 more')
  expect(fitLines(['aaaa', 'bbbb', 'cccc'], 100, (n) => `+${n}`)).toEqual(['aaaa', 'bbbb', 'cccc'])
  expect(fitLines(['aaaa', 'bbbb', 'cccc'], 12, (n) => `+${n}`)).toEqual(['aaaa', '+2'])
  expect(boundedSummary('### t\nsmall')).toBe('### t\nsmall')
  expect(boundedSummary(`### t\n${'x'.repeat(SUMMARY_LIMIT)}`)).toMatch(
    /^### t\n\nThe report is too large for a job summary \([\d,]+ bytes\): see the log of this run\.\n$/
  )
})
