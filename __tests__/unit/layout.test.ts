/**
 * Every test file is in one of the two jest projects: a *.test.ts outside __tests__/unit/ and
 * __tests__/integration/ would match neither project and never run, silently.
 */
import { readdirSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '../..')

function testFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(relative)
    return entry.name.endsWith('.test.ts') || entry.name.endsWith('.test.js') ? [relative] : []
  })
}

test('every test file is in __tests__/unit/ or __tests__/integration/', () => {
  const files = ['__tests__', 'testkit', 'src', 'runner'].flatMap(testFiles)
  expect(files.length).toBeGreaterThan(50)
  expect(files.filter((file) => !/^__tests__\/(unit|integration)\//.test(file))).toEqual([])
})
