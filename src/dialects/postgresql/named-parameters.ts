/**
 * `:name` parameters in SQL text (the Data API's form): found outside string literals, quoted
 * identifiers, dollar-quoted bodies and comments, and replaced by what the transport needs (`$n` for
 * pg, an inlined literal for a packed transaction).
 */
import type { SqlParams, SqlValue } from '../../targets/target.js'

const IDENT_START = /[A-Za-z_\u0080-\uffff]/
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/

/**
 * Calls `onParameter` for every `:name` outside string literals, quoted identifiers, dollar-quoted
 * bodies and comments. `::type` casts are skipped. Returns the text with each parameter replaced by
 * what `onParameter` returned (or left as is when it returned undefined).
 */
export function replaceNamedParameters(sql: string, onParameter: (name: string) => string | undefined): string {
  let out = ''
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql[i]
    const next = sql[i + 1]
    // Line comment
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      const stop = end < 0 ? n : end
      out += sql.slice(i, stop)
      i = stop
      continue
    }
    // Block comment (they nest in PostgreSQL)
    if (c === '/' && next === '*') {
      let depth = 1
      let j = i + 2
      while (j < n && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++
          j += 2
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--
          j += 2
        } else j++
      }
      out += sql.slice(i, j)
      i = j
      continue
    }
    // String literal; E'…' allows backslash escapes
    if (c === "'") {
      const prev = sql[i - 1]
      const escapes = (prev === 'E' || prev === 'e') && !(i >= 2 && IDENT_CHAR.test(sql[i - 2]))
      let j = i + 1
      while (j < n) {
        if (escapes && sql[j] === '\\') j += 2
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2
        else if (sql[j] === "'") {
          j++
          break
        } else j++
      }
      out += sql.slice(i, j)
      i = j
      continue
    }
    // Quoted identifier
    if (c === '"') {
      let j = i + 1
      while (j < n) {
        if (sql[j] === '"' && sql[j + 1] === '"') j += 2
        else if (sql[j] === '"') {
          j++
          break
        } else j++
      }
      out += sql.slice(i, j)
      i = j
      continue
    }
    // Dollar-quoted string: $$…$$ or $tag$…$tag$ (not $1, not the `$` inside an identifier)
    if (c === '$' && !(i > 0 && IDENT_CHAR.test(sql[i - 1]))) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 200))
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length)
        const stop = close < 0 ? n : close + tag[0].length
        out += sql.slice(i, stop)
        i = stop
        continue
      }
    }
    if (c === ':') {
      if (next === ':') {
        out += '::'
        i += 2
        continue
      }
      if (next !== undefined && IDENT_START.test(next)) {
        let j = i + 1
        while (j < n && /[A-Za-z0-9_]/.test(sql[j])) j++
        const name = sql.slice(i + 1, j)
        const replacement = onParameter(name)
        out += replacement ?? sql.slice(i, j)
        i = j
        continue
      }
    }
    out += c
    i++
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
