/**
 * Golden files: the exact markdown a person reads. Set UPDATE_GOLDEN=1 to rewrite them after an
 * intended change, then review the diff.
 */
import type { ApplyResult } from '../../src/engine/apply.js'
import { StatementFailedError } from '../../src/errors.js'
import { planMigrations } from '../../src/plan.js'
import { code, fenced, formatDuration, renderApply } from '../../src/report/markdown.js'
import { golden } from '../../testkit/golden.js'
import { rowFor, version } from '../../testkit/versions.js'

const v1 = version(1, { '01_users.sql': 'create table users (id int);\ncreate index on users (id);' })
const v2 = version(
  2,
  { '01_lists.sql': 'create table lists (id int);', '02_notes.sql': 'create table notes (id int);\ncreate table tags (id int);' },
  'lists_and_notes'
)
const v3 = version(3, { '01_x|y.sql': 'select 1;' })
const context = { target: 'data-api todo-prod/todo' }

function result(overrides: Partial<ApplyResult>): ApplyResult {
  return {
    plan: planMigrations([v1, v2, v3], [rowFor(v1)]),
    fromVersion: 1,
    toVersion: 3,
    applied: [
      {
        version: 2,
        description: 'lists_and_notes',
        durationMs: 840,
        statements: 3,
        files: [
          { name: '01_lists.sql', path: 'm/v2/01_lists.sql', statements: 1 },
          { name: '02_notes.sql', path: 'm/v2/02_notes.sql', statements: 2 }
        ]
      },
      {
        version: 3,
        description: '',
        durationMs: 1530,
        statements: 1,
        files: [{ name: '01_x|y.sql', path: 'm/v3/01_x|y.sql', statements: 1 }]
      }
    ],
    appliedElsewhere: [],
    error: null,
    failedVersion: null,
    leaseWaitedMs: 0,
    durationMs: 2420,
    ...overrides
  }
}

test('apply summary', () => {
  golden('apply-success.md', renderApply(result({}), context))
})

test('apply summary of a failed statement', () => {
  const error = new StatementFailedError(
    3,
    { file: 'm/v3/01_x|y.sql', line: 4, column: 10 },
    { message: 'syntax error at or near "tabel"', sqlState: '42601', position: 8, hint: 'Check the spelling.' },
    'create tabel c (id int)'
  )
  golden(
    'apply-failure.md',
    renderApply(
      result({ applied: result({}).applied.slice(0, 1), toVersion: 2, failedVersion: 3, error, leaseWaitedMs: 12_000, durationMs: 14_100 }),
      context
    )
  )
})

test('apply summary with nothing to do', () => {
  golden(
    'apply-up-to-date.md',
    renderApply(result({ applied: [], fromVersion: 3, toVersion: 3, plan: planMigrations([v1], [rowFor(v1)]) }), context)
  )
})

test('helpers escape what would break the markdown', () => {
  expect(code('a`b')).toBe('``a`b``')
  expect(code('`x`')).toBe('`` `x` ``')
  expect(fenced('```\nx\n```', 'sql')).toBe('````sql\n```\nx\n```\n````')
  expect(formatDuration(999)).toBe('999 ms')
  expect(formatDuration(2400)).toBe('2.4 s')
  expect(formatDuration(125_000)).toBe('2 min 5 s')
})
