/**
 * Directives: comment lines of the form `-- migrate:<word>` that change how a file runs. There is one,
 * `-- migrate:no-transaction`, and it must be the file's first line (a BOM and trailing spaces
 * allowed). Anything else that looks like a directive is an error rather than a silently ignored
 * comment: a misspelt directive would otherwise run a CREATE INDEX CONCURRENTLY inside a transaction,
 * and a `-- migrate:up` from another tool would run its `down` half too.
 */
import { MigrationFileError } from '../errors.js'

export const NO_TRANSACTION = '-- migrate:no-transaction'

/** A line that looks like a directive: `--`, optional spaces, `migrate:` (any case), then a word. */
const DIRECTIVE_LIKE = /^([ \t]*)--[ \t]*migrate:(\S*)/i

export interface Directives {
  noTransaction: boolean
}

/** Reads the directives of one migration file. `file` is the path used in errors. */
export function readDirectives(text: string, file: string): Directives {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const lines = body.split(/\r\n|\r|\n/)
  let noTransaction = false
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]
    const match = DIRECTIVE_LIKE.exec(line)
    if (!match) continue
    const lineNumber = index + 1
    const column = match[1].length + 1
    const where = { file, line: lineNumber, column }
    const word = match[2]
    if (word.toLowerCase() === 'no-transaction') {
      if (lineNumber !== 1) {
        throw new MigrationFileError(
          `${file}:${lineNumber}:${column}: ${NO_TRANSACTION} must be the first line of the file; here it is on line ${lineNumber}. ` +
            'Move it to line 1 (the whole file then runs outside a transaction), or put those statements in a file of their own that starts with it.',
          where
        )
      }
      if (line.replace(/[ \t]+$/, '') !== NO_TRANSACTION) {
        throw new MigrationFileError(
          `${file}:1:${column}: write the directive exactly as '${NO_TRANSACTION}' (found '${line.trim()}'), alone on the first line.`,
          where
        )
      }
      noTransaction = true
      continue
    }
    throw new MigrationFileError(
      `${file}:${lineNumber}:${column}: unknown directive '-- migrate:${word}'; the only directive is ${NO_TRANSACTION} (on the first line)`,
      where
    )
  }
  return { noTransaction }
}
