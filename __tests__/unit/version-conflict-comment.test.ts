/** The plan comment for two versions with one number: both folders, where the other came from, and the fix. */
import { VersionConflictError } from '../../src/migrations/version-conflicts.js'
import { renderVersionConflictComment } from '../../src/report/version-conflict.js'
import { commonMarkProblems } from '../../testkit/commonmark.js'

const conflict = (subject: string, ours = 'migrations/resources/v9_add_tags'): VersionConflictError =>
  new VersionConflictError(
    'Two versions with one number: …',
    [
      {
        number: 9,
        ours,
        theirs: 'migrations/resources/v9_add_users',
        commit: { sha: '0123456789abcdef0123456789abcdef01234567', subject },
        pullRequest: 123
      }
    ],
    'git fetch origin main && npx aurora-migrate renumber --onto origin/main',
    'main'
  )

test('names both folders, the commit and pull request of the other, and the command that fixes it', () => {
  const body = renderVersionConflictComment({
    environment: 'production',
    error: conflict('Add users (#123)'),
    runUrl: null,
    sha: 'abcdef0123'
  })
  const lines = body.split('\n')
  expect(lines[0]).toBe('### aurora-migrate plan · production')
  expect(lines[2]).toMatch(/^❌ \*\*Two versions with one number\*\*: this branch adds a version whose number main has gained/)
  expect(body).toContain(
    '| v9 | `migrations/resources/v9_add_tags` | `migrations/resources/v9_add_users` | `0123456789ab` (#123) `Add users (#123)` |'
  )
  expect(body).toContain('```sh\ngit fetch origin main && npx aurora-migrate renumber --onto origin/main\n```')
  expect(commonMarkProblems(body)).toEqual([])
})

test('a hostile subject or folder name cannot break the table or the comment', () => {
  const body = renderVersionConflictComment({
    environment: 'production',
    error: conflict('x | y ` <img src=x> @octo-org/admins', 'migrations/resources/v9_a|b`c'),
    runUrl: null,
    sha: null
  })
  const row = body.split('\n').find((line) => line.startsWith('| v9 |'))!
  // Four cells, whatever the names hold.
  expect(row.replace(/\\\|/g, '').split('|').length).toBe(6)
  expect(body).not.toMatch(/^<img/m)
  expect(commonMarkProblems(body)).toEqual([])
})
