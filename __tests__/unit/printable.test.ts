/** Log lines that a name from a pull request cannot turn into workflow commands. */
import { controlCharacter, logBlock, logLine, printable } from '../../src/printable.js'

test.each([
  ['01_a\n::set-output name=pending::[]\n.sql', '01_a\\n::set-output name=pending::[]\\n.sql'],
  ['tab\there', 'tab\\there'],
  ['cr\r', 'cr\\r'],
  ['esc\u001b[31m', 'esc\\u001b[31m'],
  ['del\u007f', 'del\\u007f'],
  ['c1\u0085', 'c1\\u0085'],
  ['line\u2028para\u2029', 'line\\u2028para\\u2029'],
  ['bidi\u202e\u2066\u200f\u061c', 'bidi\\u202e\\u2066\\u200f\\u061c'],
  ['plain v1_ünïcode ✓ name.sql', 'plain v1_ünïcode ✓ name.sql']
])('printable(%j) is %j', (text, shown) => {
  expect(printable(text)).toBe(shown)
  expect(controlCharacter(shown)).toBeNull()
})

test('a log line never starts a workflow command, even when the whole message comes from outside', () => {
  expect(logLine('Applying v1: a\n::set-output name=x::y')).toBe('Applying v1: a\\n::set-output name=x::y')
  expect(logLine('::add-mask::nothing')).toBe('\\::add-mask::nothing')
  expect(logLine('   ::error::x')).toBe('\\::error::x')
  expect(logLine('v1 took 3 s')).toBe('v1 took 3 s')
})

test('a block of markdown is printed between stop-commands markers with a fresh token on a runner, as is elsewhere', () => {
  const lines: string[] = []
  const markdown = '### plan\n\n```sql\n::set-output name=pending::[]\n```'
  logBlock(markdown, (line) => lines.push(line), true)
  expect(lines).toHaveLength(3)
  const token = /^::stop-commands::([0-9a-f-]{36})$/.exec(lines[0])?.[1]
  expect(token).toBeDefined()
  expect(lines[1]).toBe(markdown)
  expect(lines[2]).toBe(`::${token}::`)
  const again: string[] = []
  logBlock(markdown, (line) => again.push(line), true)
  expect(again[0]).not.toBe(lines[0])
  const local: string[] = []
  logBlock(markdown, (line) => local.push(line), false)
  expect(local).toEqual([markdown])
})
