/**
 * Golden files in __tests__/golden: the exact text a person reads. UPDATE_GOLDEN=1 rewrites them; review the
 * diff. Under CI it is refused: a rewritten golden file makes every golden test pass whatever the output.
 */
import fs from 'node:fs'
import path from 'node:path'

const GOLDEN = path.resolve('__tests__/golden')

export function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name)
  if (process.env.UPDATE_GOLDEN) {
    if (process.env.CI && process.env.CI !== 'false') {
      throw new Error(
        'UPDATE_GOLDEN is set under CI: golden files are rewritten and reviewed on a developer machine, never in CI. Unset it.'
      )
    }
    fs.writeFileSync(file, actual)
  }
  expect(actual).toBe(fs.readFileSync(file, 'utf8'))
}
