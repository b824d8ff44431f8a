/** The golden-file helper: it compares, and it rewrites only where a rewrite is reviewed (never under CI). */
import fs from 'node:fs'
import path from 'node:path'
import { golden } from '../../testkit/golden.js'

// A golden file of this test's own, so that a broken guard never rewrites a real one.
const NAME = `.golden-helper-${process.pid}.md`
const FILE = path.resolve('__tests__/golden', NAME)
const TEXT = '# Expected\n\nThe text a person reads.\n'

beforeEach(() => fs.writeFileSync(FILE, TEXT))
afterEach(() => fs.rmSync(FILE, { force: true }))

function withEnvironment(values: Record<string, string | undefined>, body: () => void): void {
  const saved = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]))
  const set = (entries: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
  set(values)
  try {
    body()
  } finally {
    set(saved)
  }
}

test('a golden file that matches passes and one that differs fails', () => {
  withEnvironment({ UPDATE_GOLDEN: undefined }, () => {
    golden(NAME, TEXT)
    expect(() => golden(NAME, TEXT + 'one more line\n')).toThrow()
  })
  expect(fs.readFileSync(FILE, 'utf8')).toBe(TEXT)
})

test('UPDATE_GOLDEN rewrites the golden file on a developer machine', () => {
  withEnvironment({ UPDATE_GOLDEN: '1', CI: undefined }, () => golden(NAME, 'new output\n'))
  expect(fs.readFileSync(FILE, 'utf8')).toBe('new output\n')
})

test('UPDATE_GOLDEN under CI is refused and leaves the golden file as it was', () => {
  withEnvironment({ UPDATE_GOLDEN: '1', CI: 'true' }, () => {
    expect(() => golden(NAME, 'whatever the output is\n')).toThrow(/UPDATE_GOLDEN is set under CI/)
  })
  expect(fs.readFileSync(FILE, 'utf8')).toBe(TEXT)
})
