/**
 * PostgreSQL's own parser (libpg-query, compiled to WebAssembly) at run time. The module is imported on first
 * use, not at import time: loading the WebAssembly costs milliseconds that only a review needs.
 *
 * Each statement the project's splitter cut out is parsed alone, so the parse tree and the splitter's
 * file/line/column describe the same text (the two agree on every statement of the test corpus).
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Parser, StatementNode, SyntaxError } from '../../../review/dialect.js'

export type { Parser, StatementNode, SyntaxError }

/** The name of the WebAssembly file, which scripts/bundle.mjs copies into dist/ next to the bundle. */
const WASM_FILE = 'libpg-query.wasm'

let loading: Promise<Parser> | null = null

/** Loads the parser once (the WebAssembly module is shared by every caller); a failed load is tried again next time. */
export function loadParser(): Promise<Parser> {
  loading ??= (async () => {
    const libpgQuery = await importLibpgQuery()
    const parse: Parser['parse'] = (sql) => {
      let statements
      try {
        statements = libpgQuery.parseSync(sql).stmts ?? []
      } catch (error) {
        // Refused by the parser: the review reports it at the parser's position (syntax.ts), and verification runs it.
        return { node: null, error: describeSyntaxError(error, sql) }
      }
      const node = statements.length === 1 ? ((statements[0].stmt as StatementNode | undefined) ?? null) : null
      return { node, error: null }
    }
    return { parse, parseStatement: (sql) => parse(sql).node }
  })()
  loading.catch(() => {
    loading = null
  })
  return loading
}

/** libpg-query's error: its message and `sqlDetails.cursorPosition` (0-based, in code points of the text parsed). */
function describeSyntaxError(error: unknown, sql: string): SyntaxError {
  const details = (error as { sqlDetails?: { cursorPosition?: unknown } } | null)?.sqlDetails
  const position = typeof details?.cursorPosition === 'number' ? details.cursorPosition : 0
  const message = error instanceof Error ? error.message : String(error)
  return { message, offset: Math.max(0, Math.min(position, [...sql].length)) }
}

/**
 * Imports libpg-query. Its Emscripten loader finds the .wasm in the CommonJS `__dirname`. Run from
 * node_modules, that is the package's own directory. Inside the ES module bundle there is no `__dirname`, so for
 * the time of the import (the loader starts there) a global one names the bundle's directory, where the .wasm is.
 */
async function importLibpgQuery(): Promise<typeof import('libpg-query')> {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const global = globalThis as { __dirname?: string }
  const shim = global.__dirname === undefined && fs.existsSync(path.join(here, WASM_FILE))
  if (shim) global.__dirname = here
  try {
    const libpgQuery = await import('libpg-query')
    await libpgQuery.loadModule()
    return libpgQuery
  } finally {
    if (shim) delete global.__dirname
  }
}
