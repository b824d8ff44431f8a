/** The refusal comment shows a pull request's file names and discovery's message as code, on one line each. */
import { renderRefusedPlanComment } from '../../src/report/refused.js'
import { commonMarkProblems } from '../../testkit/commonmark.js'

test('a hostile name stays inside its code span and block: no new line, no HTML, no mention', () => {
  const body = renderRefusedPlanComment({
    environment: 'production',
    message: 'migrations/v2/evil\n## @octo-org/admins <img src=x> ```\nname is refused',
    file: 'migrations/v2/evil\n<script>`x`',
    runUrl: null,
    sha: '0123456789abcdef'
  })
  const lines = body.split('\n')
  expect(lines[0]).toBe('### aurora-migrate plan · production')
  expect(lines[2]).toMatch(/^❌ \*\*apply would refuse these migrations\*\*/)
  expect(body).toContain('migrations/v2/evil\\n<script>')
  expect(body).toContain('migrations/v2/evil\\n## @octo-org/admins')
  expect(body).not.toMatch(/^## /m)
  // The message's own backticks cannot close the block: the fence is longer than any run inside it.
  expect(body).toMatch(/^````\n/m)
  expect(commonMarkProblems(body)).toEqual([])
})
