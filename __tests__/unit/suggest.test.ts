/** "Did you mean …?": the closest known word by edit distance, only when it is close and alone. */
import { closest, editDistance } from '../../src/suggest.js'

test.each([
  ['kitten', 'sitting', 3],
  ['apply', 'aply', 1],
  ['status', 'stauts', 1],
  ['', 'abc', 3],
  ['same', 'same', 0]
])('editDistance(%j, %j) = %d', (a, b, distance) => {
  expect(editDistance(a, b)).toBe(distance)
  expect(editDistance(b, a)).toBe(distance)
})

const FLAGS = [
  'database-url',
  'database',
  'shadow-database-url',
  'migrations-dir',
  'lock-timeout',
  'lock-retries',
  'json',
  'verify',
  'no-verify'
]

test.each([
  ['databse-url', 'database-url'],
  ['DATABASE-URL', 'database-url'],
  ['lock-timout', 'lock-timeout'],
  ['lock-retry', 'lock-retries'],
  ['migrations', 'migrations-dir'],
  ['jsn', 'json'],
  ['databse', 'database'],
  ['frobnicate', null],
  ['x', null],
  ['database-url', null]
])('closest(%j) is %j', (word, expected) => {
  expect(closest(word, FLAGS)).toBe(expected)
})

test('two equally close words: no guess', () => {
  expect(closest('lock-ab', ['lock-aa', 'lock-bb'])).toBeNull()
})
