/**
 * `.env` for the command line: `KEY=value` lines read into the environment the command sees (DATABASE_URL, the
 * variables that `--url-env` and the settings file's `database-url-env` name), under the variables already set,
 * which win. A small strict reading: `KEY=value`, `export KEY=value`, `'literal'`, `"with \n escapes"`, `#`
 * comments; no expansion of `$VARIABLES` and no command substitution — a value is the text written. A line it
 * cannot read is an error naming the file and line, and never the value (it may be a password).
 */
import fs from 'node:fs'
import path from 'node:path'
import { UsageError } from './args.js'

export const DOTENV_FILE = '.env'
const MAX_DOTENV_BYTES = 64 * 1024
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The variables of a `.env` text; `file` names it in errors. */
export function parseDotenv(text: string, file: string): Map<string, string> {
  const values = new Map<string, string>()
  const lines = new Map<string, number>()
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = index + 1
      const fail = (message: string): never => {
        throw new UsageError(`${file}:${line}: ${message}`)
      }
      const trimmed = raw.trim()
      if (!trimmed || trimmed.startsWith('#')) return
      const statement = trimmed.replace(/^export\s+/, '')
      const equals = statement.indexOf('=')
      if (equals < 0) fail('not KEY=value')
      const key = statement.slice(0, equals).trim()
      if (!KEY.test(key)) fail(`'${key.slice(0, 60)}' is not a variable name (letters, digits and _, not starting with a digit)`)
      const value = valueOf(statement.slice(equals + 1).trim(), key, fail)
      if (lines.has(key)) fail(`${key} is set twice (first at line ${lines.get(key)})`)
      lines.set(key, line)
      values.set(key, value)
    })
  return values
}

function valueOf(rest: string, key: string, fail: (message: string) => never): string {
  const quote = rest[0]
  if (quote === "'" || quote === '"') {
    let value = ''
    let index = 1
    for (; index < rest.length && rest[index] !== quote; index++) {
      if (quote === '"' && rest[index] === '\\' && index + 1 < rest.length) {
        const escaped = rest[++index]
        value += escaped === 'n' ? '\n' : escaped === 'r' ? '\r' : escaped === 't' ? '\t' : escaped
      } else value += rest[index]
    }
    if (index >= rest.length) fail(`${key}: the ${quote === '"' ? 'double' : 'single'} quote is not closed on its line`)
    const after = rest.slice(index + 1).trim()
    if (after && !after.startsWith('#')) fail(`${key}: text after the closing quote`)
    return value
  }
  // Unquoted: up to a comment (` #`), trimmed.
  return rest.replace(/(^|\s+)#.*$/, '').trim()
}

/**
 * `env` with the variables of the first `.env` found in `folders` under it (those already set win). A missing
 * file is fine; one that is not a file, too large or unreadable is an error.
 */
export function withDotenv(env: NodeJS.ProcessEnv, folders: readonly string[]): { env: NodeJS.ProcessEnv; file: string | null } {
  for (const folder of [...new Set(folders.map((each) => path.resolve(each)))]) {
    const file = path.join(folder, DOTENV_FILE)
    let stat: fs.Stats
    try {
      stat = fs.statSync(file)
    } catch {
      continue
    }
    if (!stat.isFile()) throw new UsageError(`${file} is not a file`)
    if (stat.size > MAX_DOTENV_BYTES) throw new UsageError(`${file} is ${stat.size} bytes: a .env file may have at most 64 KiB`)
    const values = parseDotenv(fs.readFileSync(file, 'utf8'), file)
    const merged: NodeJS.ProcessEnv = Object.fromEntries(values)
    for (const [key, value] of Object.entries(env)) if (value !== undefined) merged[key] = value
    return { env: merged, file }
  }
  return { env, file: null }
}
