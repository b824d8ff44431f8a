/**
 * Every golden file, read by a real CommonMark parser (markdown-it, with GitHub's tables and inline HTML) as
 * GitHub reads a comment: no list item without text of its own (`- + column …` is a nested list whose `+`
 * vanishes), no `undefined`, `null`, `NaN` or `[object Object]` in the text a person reads, no table row whose
 * cells differ in number from its header, no table line that did not parse as a table, and balanced <details>.
 */
import fs from 'node:fs'
import path from 'node:path'
import { commonMarkProblems } from '../../testkit/commonmark.js'

const GOLDEN = path.resolve('__tests__/golden')

const files = fs
  .readdirSync(GOLDEN)
  .filter((name) => name.endsWith('.md') && !name.startsWith('.'))
  .sort()

test('there are golden files to check', () => {
  expect(files.length).toBeGreaterThanOrEqual(10)
})

test.each(files)('%s reads as intended through CommonMark', (name) => {
  expect(commonMarkProblems(fs.readFileSync(path.join(GOLDEN, name), 'utf8'))).toEqual([])
})

describe('the checks catch what they are for', () => {
  test('a nested list from "- + column" and an empty bullet', () => {
    expect(commonMarkProblems('- + column `a`: `int`\n- ok\n')).toEqual(['line 1: a list item without text of its own (bullet_list_open)'])
    expect(commonMarkProblems('- \n- ok\n')).toEqual(['line 1: a list item without text of its own (list_item_close)'])
  })

  test('stray undefined, null, NaN and [object Object] in text, but not in code', () => {
    expect(commonMarkProblems('undefined **undefined** at v1\n')).toHaveLength(2)
    expect(commonMarkProblems('took NaN ms\n')).toEqual(['line 1: stray NaN in "took NaN ms"'])
    expect(commonMarkProblems('severity null\n')).toHaveLength(1)
    expect(commonMarkProblems(`found ${String({})}\n`)).toContain('[object Object] in the text')
    expect(commonMarkProblems('`a text NOT NULL`\n\n```sql\nselect null;\n```\n')).toEqual([])
    expect(commonMarkProblems('at `undefined`\n')).toEqual(['line 1: stray undefined in "undefined"'])
    expect(commonMarkProblems('[file](https://x/pull/7/files#undefined)\n')).toHaveLength(1)
    expect(commonMarkProblems('<details><summary>undefined</summary>\n\nx\n\n</details>\n')).toHaveLength(1)
  })

  test('a table row with a cell too many or too few, and a table that did not parse', () => {
    const table = '| A | B |\n|---|---|\n| 1 | 2 |\n'
    expect(commonMarkProblems(table)).toEqual([])
    expect(commonMarkProblems(`${table}| 1 | 2 | 3 |\n`)).toEqual(['line 4: 3 cells where the header has 2: | 1 | 2 | 3 |'])
    expect(commonMarkProblems(`${table}| only one |\n`)).toEqual(['line 4: 1 cells where the header has 2: | only one |'])
    // A pipe escaped in a cell is not a border.
    expect(commonMarkProblems(`${table}| a \\| b | 2 |\n`)).toEqual([])
    // Header and delimiter disagree: no table at all, the lines are text.
    expect(commonMarkProblems('| A | B |\n|---|\n| 1 | 2 |\n')).toHaveLength(3)
  })

  test('unbalanced <details>', () => {
    expect(commonMarkProblems('<details><summary>SQL</summary>\n\nx\n')).toEqual(['1 <details> opened, 0 closed'])
  })
})
