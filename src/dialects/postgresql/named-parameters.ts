/**
 * `:name` parameters in SQL text (the Data API's form): found through lexer.ts outside string literals,
 * quoted identifiers, dollar-quoted bodies and comments, and replaced by what the transport needs (`$n`
 * for pg, an inlined literal for a packed transaction).
 */
import type { SqlParams, SqlValue } from '../../targets/target.js'
import { Scanner } from './lexer.js'

const IDENT_START = /[A-Za-z_\u0080-\uffff]/
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/

/**
 * Calls `onParameter` for every `:name` outside string literals, quoted identifiers, dollar-quoted
 * bodies and comments. `::type` casts are skipped. Returns the text with each parameter replaced by
 * what `onParameter` returned (or left as is when it returned undefined).
 *
 * A `--` comment runs to the next LF; a `$` or an `E` right after an identifier character (`1$a$`,
 * `$1E'…'`) starts no dollar quote and no escape string; an `E'…'` string continued on a later line
 * is read as a second string.
 */
export function replaceNamedParameters(sql: string, onParameter: (name: string) => string | undefined): string {
  const scanner = new Scanner(sql, false)
  let out = ''
  let i = 0
  const n = sql.length
  while (i < n) {
    scanner.scan(i)
    let end = scanner.end
    switch (scanner.kind) {
      case 'line-comment': {
        const lineFeed = sql.indexOf('\n', i)
        end = lineFeed < 0 ? n : lineFeed
        break
      }
      case 'dollar-string':
      case 'parameter':
      case 'escape-string':
        // Glued to an identifier character, the `$` or the `E` is a character of its own.
        if (i > 0 && IDENT_CHAR.test(sql[i - 1])) end = i + 1
        break
      case 'symbol':
        if (sql[i] === ':') {
          const next = sql[i + 1]
          if (next === ':') {
            end = i + 2
          } else if (next !== undefined && IDENT_START.test(next)) {
            let j = i + 1
            while (j < n && /[A-Za-z0-9_]/.test(sql[j])) j++
            out += onParameter(sql.slice(i + 1, j)) ?? sql.slice(i, j)
            i = j
            continue
          }
        }
        break
    }
    out += sql.slice(i, end)
    i = end
  }
  return out
}

/** `:name` → `$n` for the names present in `params`; other `:word`s are left alone. */
export function toPositional(sql: string, params: SqlParams | undefined): { text: string; values: SqlValue[] } {
  if (!params || Object.keys(params).length === 0) return { text: sql, values: [] }
  const values: SqlValue[] = []
  const index = new Map<string, number>()
  const text = replaceNamedParameters(sql, (name) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return undefined
    let position = index.get(name)
    if (position === undefined) {
      values.push(params[name])
      position = values.length
      index.set(name, position)
    }
    return `$${position}`
  })
  return { text, values }
}
