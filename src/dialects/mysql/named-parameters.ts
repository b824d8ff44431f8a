/**
 * `:name` parameters in MySQL text (the Data API's form), found through lexer.ts outside strings, backtick
 * identifiers, comments and hints, and replaced by the driver's positional `?` (with the values in order).
 *
 * MySQL's own colons are left alone: `:=` (assignment), a label's colon (`l1: LOOP`, `l1:LOOP`: glued to the
 * word before it) and `@x` user variables (no colon at all). An executable comment's content is code, so a
 * parameter there is one.
 */
import type { SqlParams, SqlValue } from '../../targets/target.js'
import { isWordChar, Scanner } from './lexer.js'

const NAME_START = /[A-Za-z_\u0080-\uffff]/
const NAME_CHAR = /[A-Za-z0-9_]/

/**
 * Calls `onParameter` for every `:name` outside strings, quoted identifiers, comments and hints, and returns
 * the text with each replaced by what it returned (or left as is when it returned undefined).
 */
export function replaceNamedParameters(sql: string, onParameter: (name: string) => string | undefined): string {
  const scanner = new Scanner(sql)
  let out = ''
  let i = 0
  while (i < sql.length) {
    scanner.scan(i)
    const end = scanner.end
    if (scanner.kind === 'symbol' && sql[i] === ':') {
      const before = i > 0 ? sql.charCodeAt(i - 1) : -1
      const next = sql[i + 1]
      // `l1:` ends a label; `::` is no parameter either.
      const glued = before >= 0 && (isWordChar(before) || before === 0x3a)
      if (!glued && next !== undefined && NAME_START.test(next)) {
        let j = i + 1
        while (j < sql.length && NAME_CHAR.test(sql[j])) j++
        out += onParameter(sql.slice(i + 1, j)) ?? sql.slice(i, j)
        i = j
        continue
      }
    }
    out += sql.slice(i, end)
    i = end
  }
  return out
}

/**
 * `:name` → `?` for the names present in `params`, with one value per `?` in order (a name used twice is
 * bound twice); other `:word`s are left alone. Without params the text is returned as is.
 */
export function toPositional(sql: string, params: SqlParams | undefined): { text: string; values: SqlValue[] } {
  if (!params || Object.keys(params).length === 0) return { text: sql, values: [] }
  const values: SqlValue[] = []
  const text = replaceNamedParameters(sql, (name) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return undefined
    values.push(params[name])
    return '?'
  })
  return { text, values }
}
