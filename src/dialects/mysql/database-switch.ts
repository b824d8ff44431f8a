/**
 * `USE db` in a MySQL migration file is refused where the file is read, with its place. A MySQL version runs
 * statement by statement (every DDL alone, in a session of its own; DML in transactions on a session that is
 * reset afterwards, over the Data API a call each), so the database it switches to would hold for some of the
 * statements after it and not for others: a table meant for `app` would be created in the connection's
 * database, and the run would say it succeeded. Nor can a stored program (the Data API's vehicle) hold USE.
 */
import { MigrationFileError } from '../../errors.js'
import type { Statement } from '../../migrations/types.js'
import { identifierAt, isWord, statementWords } from './statement-words.js'

/** The statements as they are, or a MigrationFileError at the first USE. */
export function refuseDatabaseSwitch(statements: Statement[]): Statement[] {
  for (const statement of statements) {
    const words = statementWords(statement.sql, 2)
    if (!isWord(words[0], 'use')) continue
    const name = identifierAt(words, 1)
    const { file, line, column } = statement
    throw new MigrationFileError(
      `${file}:${line}:${column}: USE${name ? ` ${name}` : ''} cannot be part of a MySQL migration: a version runs statement by statement, ` +
        'each DDL in a session of its own, so the database it names would not hold for the statements after it. ' +
        'Migrations run in the database of the connection (the database in database-url, or the database input); ' +
        `name another database in the statements themselves (\`${name ?? 'other'}\`.\`t\`), and remove the USE.`,
      { file, line, column }
    )
  }
  return statements
}
