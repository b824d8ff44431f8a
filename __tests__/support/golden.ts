/** Golden files in __tests__/golden: the exact text a person reads. UPDATE_GOLDEN=1 rewrites them; review the diff. */
import fs from 'node:fs'
import path from 'node:path'

const GOLDEN = path.resolve('__tests__/golden')

export function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name)
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, actual)
  expect(actual).toBe(fs.readFileSync(file, 'utf8'))
}
