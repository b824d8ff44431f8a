/**
 * Grouping a fleet's plans (src/fleet/plan-groups.ts): which targets share a plan, the order of the groups,
 * one verification per distinct set of pending versions, and the findings folded into common and partial.
 */
import { groupPlans } from '../../src/fleet/plan-groups.js'
import type { FleetPlanTarget } from '../../src/fleet/types.js'
import { planMigrations, type AppliedRow } from '../../src/plan.js'
import type { ReviewInput } from '../../src/report/review.js'
import type { Finding, Severity } from '../../src/review/types.js'
import type { Verification } from '../../src/shadow/types.js'
import { rowFor, version } from '../../testkit/versions.js'

const versions = [1, 2, 3, 4, 5].map((n) =>
  version(n, { '01_a.sql': `create table a${n} (id int);\n`, '02_b.sql': `create table b${n} (id int);\n` })
)

interface Shape {
  /** The highest version applied. */
  at?: number
  /** A version whose file `a` or `b` was edited after it was applied. */
  drift?: { version: number; file: '01_a.sql' | '02_b.sql' }
  /** A version recorded in the database that the repository lacks. */
  missing?: number
  /** Rows of these versions left out (pending below the current one: out of order). */
  holes?: number[]
  findings?: Finding[]
  /** The review did not run on this target. */
  unreviewed?: boolean
  error?: string
}

function rows(shape: Shape): AppliedRow[] {
  const out = versions
    .filter((v) => v.number <= (shape.at ?? 3) && !shape.holes?.includes(v.number))
    .map((v) => {
      if (shape.drift?.version !== v.number) return rowFor(v)
      const files = v.files.map((f) => ({
        name: f.name,
        checksum: f.name === shape.drift!.file ? 'edited' : f.checksum,
        statements: f.statements.length
      }))
      return rowFor(v, { checksum: `edited ${shape.drift.file}`, files })
    })
  if (shape.missing) out.push(rowFor(version(shape.missing, { '01.sql': 'select 1;' })))
  return out
}

function review(findings: Finding[]): ReviewInput {
  return { findings, checked: { rules: 31, catalog: 'read', trace: true }, pullRequestFilesUrl: null }
}

function target(name: string, shape: Shape = {}): FleetPlanTarget {
  if (shape.error) return { name, database: name, server: null, plan: null, review: null, error: shape.error }
  return {
    name,
    database: name,
    server: 'Aurora PostgreSQL 16.4',
    plan: planMigrations(versions, rows(shape)),
    review: shape.unreviewed ? { ...review([]), unavailable: 'the parser could not load' } : review(shape.findings ?? []),
    error: null
  }
}

function finding(rule: string, line: number, message = `${rule} here`, severity: Severity = 'warning'): Finding {
  return {
    rule,
    severity,
    version: 4,
    file: 'm/v4/01_a.sql',
    line,
    column: 1,
    message,
    fix: 'Do it another way.',
    relation: null,
    lock: null
  }
}

const noVerification = (): Verification | null => null
const names = (targets: FleetPlanTarget[]): string[][] => groupPlans(targets, noVerification).groups.map((g) => g.targets)

test.each<[string, FleetPlanTarget[], string[][]]>([
  ['the same current and pending versions: one group', [target('a'), target('b'), target('c')], [['a', 'b', 'c']]],
  ['another current version: its own group, the larger first', [target('a', { at: 2 }), target('b'), target('c')], [['b', 'c'], ['a']]],
  [
    'equal sizes: in the order of their first target',
    [target('a', { at: 2 }), target('b'), target('c', { at: 2 }), target('d')],
    [
      ['a', 'c'],
      ['b', 'd']
    ]
  ],
  [
    'drift: apart from the clean ones, and apart by file',
    [
      target('a'),
      target('b', { drift: { version: 2, file: '01_a.sql' } }),
      target('c', { drift: { version: 2, file: '02_b.sql' } }),
      target('d', { drift: { version: 2, file: '01_a.sql' } }),
      target('e')
    ],
    [['a', 'e'], ['b', 'd'], ['c']]
  ],
  [
    'drift of another version: another group',
    [target('a', { drift: { version: 1, file: '01_a.sql' } }), target('b', { drift: { version: 2, file: '01_a.sql' } })],
    [['a'], ['b']]
  ],
  ['a version missing from the repository', [target('a'), target('b', { missing: 9 }), target('c')], [['a', 'c'], ['b']]],
  ['a version out of order', [target('a'), target('b', { holes: [2] }), target('c', { holes: [2] })], [['b', 'c'], ['a']]],
  ['findings never split a group', [target('a', { findings: [finding('index-not-concurrent', 1)] }), target('b')], [['a', 'b']]],
  ['every target up to date: one group', [target('a', { at: 5 }), target('b', { at: 5 })], [['a', 'b']]]
])('%s', (_, targets, expected) => {
  expect(names(targets)).toEqual(expected)
})

test('a target without a plan is unreachable, in the file order, and in no group', () => {
  const { groups, unreachable } = groupPlans(
    [target('a'), target('b', { error: 'connect ETIMEDOUT' }), target('c'), target('d', { error: 'permission denied' })],
    noVerification
  )
  expect(groups.map((g) => g.targets)).toEqual([['a', 'c']])
  expect(unreachable.map((t) => [t.name, t.error])).toEqual([
    ['b', 'connect ETIMEDOUT'],
    ['d', 'permission denied']
  ])
})

test('the key is stable and says what the group agrees on; the plan is the first target’s', () => {
  const { groups } = groupPlans([target('a'), target('b'), target('c', { drift: { version: 2, file: '02_b.sql' } })], noVerification)
  expect(JSON.parse(groups[0].key)).toEqual({ current: 3, pending: [4, 5], drift: [], missing: [], outOfOrder: [], refusals: [] })
  expect(JSON.parse(groups[1].key).drift).toEqual([[2, ['m/v2/02_b.sql modified']]])
  expect(groups[0].plan.pending.map((p) => p.version)).toEqual([4, 5])
  expect(groupPlans([target('a'), target('b')], noVerification).groups[0].key).toBe(groups[0].key)
})

test('verification is asked once per distinct set of pending versions, and shared', () => {
  const asked: number[][] = []
  const verify = (pending: number[]): Verification => {
    asked.push(pending)
    return { status: 'passed', server: 'local PostgreSQL 16.6', versions: [], message: null, durationMs: 1 }
  }
  const { groups } = groupPlans(
    [target('a'), target('b', { drift: { version: 1, file: '01_a.sql' } }), target('c', { at: 4 }), target('d'), target('e', { at: 5 })],
    verify
  )
  expect(asked).toEqual([[4, 5], [5], []])
  const byName = new Map(groups.map((g) => [g.targets[0], g]))
  expect(byName.get('a')!.verification).toBe(byName.get('b')!.verification)
  expect(byName.get('c')!.verification).not.toBe(byName.get('a')!.verification)
})

describe('findings folded per group', () => {
  const index = (message: string): Finding => finding('index-not-concurrent', 1, message)
  const rewrite = (message: string, severity: Severity = 'warning'): Finding => finding('table-rewrite', 3, message, severity)

  test('on every target: common, with the first target’s message; on some: partial, with their names', () => {
    const { groups } = groupPlans(
      [
        target('a', { findings: [index('SHARE lock on ≈10 rows'), rewrite('rewrites ≈12,000,000 rows')] }),
        target('b', { findings: [index('SHARE lock on ≈20 rows')] }),
        target('c', { findings: [index('SHARE lock on ≈30 rows'), rewrite('rewrites ≈9,000,000 rows')] })
      ],
      noVerification
    )
    expect(groups).toHaveLength(1)
    expect(groups[0].review!.findings.map((f) => f.message)).toEqual(['SHARE lock on ≈10 rows'])
    expect(groups[0].partialFindings).toEqual([{ finding: rewrite('rewrites ≈12,000,000 rows'), targets: ['a', 'c'] }])
  })

  test.each<[string, Finding[][], { common: string[]; partial: Array<[string, string[]]> }]>([
    ['nothing found anywhere', [[], []], { common: [], partial: [] }],
    [
      'another line: another finding',
      [[finding('r', 1)], [finding('r', 2)]],
      {
        common: [],
        partial: [
          ['r:1', ['a']],
          ['r:2', ['b']]
        ]
      }
    ],
    [
      'another severity: another finding',
      [[rewrite('x', 'error')], [rewrite('x', 'warning')]],
      {
        common: [],
        partial: [
          ['table-rewrite:3', ['a']],
          ['table-rewrite:3', ['b']]
        ]
      }
    ],
    ['only on the second target', [[], [finding('r', 1)]], { common: [], partial: [['r:1', ['b']]] }],
    ['twice in one target counts once', [[finding('r', 1), finding('r', 1)], [finding('r', 1)]], { common: ['r:1'], partial: [] }]
  ])('%s', (_, findings, expected) => {
    const { groups } = groupPlans(
      findings.map((f, i) => target(String.fromCharCode(97 + i), { findings: f })),
      noVerification
    )
    const g = groups[0]
    expect(g.review!.findings.map((f) => `${f.rule}:${f.line}`)).toEqual(expected.common)
    expect(g.partialFindings.map((p) => [`${p.finding.rule}:${p.finding.line}`, p.targets])).toEqual(expected.partial)
  })

  test('a target whose review did not run takes no part: a finding on all the others is common', () => {
    const { groups } = groupPlans(
      [target('a', { unreviewed: true }), target('b', { findings: [index('x')] }), target('c', { findings: [index('y')] })],
      noVerification
    )
    expect(groups[0].review!.findings.map((f) => f.message)).toEqual(['x'])
    expect(groups[0].partialFindings).toEqual([])
  })

  test('no review ran anywhere: the first target’s review stands', () => {
    const { groups } = groupPlans([target('a', { unreviewed: true }), target('b', { unreviewed: true })], noVerification)
    expect(groups[0].review!.unavailable).toBe('the parser could not load')
    expect(groups[0].partialFindings).toEqual([])
  })
})
