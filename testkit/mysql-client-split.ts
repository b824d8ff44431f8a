/**
 * The reference for the MySQL statement splitter: what the real `mariadb`/`mysql` client sends to the server
 * for a file, read from its `--force -vvv --comments` echo.
 *
 * `--force` goes on after a failing statement (the scratch database is empty, so most fail); `--comments`
 * sends comments and `/*+ … *\/` hints as written (without it the MariaDB client strips them:
 * `SELECT /*+ hint *\/ 2` is sent as `SELECT  2`).
 *
 * The echo format, measured with MariaDB 10.11.19's client (`-vvv` prints on stdout, errors go to stderr):
 *
 *   --------------
 *   <the statement exactly as sent, possibly several lines, without its delimiter>
 *   --------------
 *   <blank line, then the result: a table, "Query OK, …", "N rows in set (…)", or nothing when it failed>
 *
 * and `Bye` at the end. The client prints the dashed line, the statement buffer and the dashed line, each with
 * a newline, so a statement is the text between one line of exactly 14 dashes and the next. Result tables start
 * their lines with `+` or `|`, never with a bare dashed line; a statement line of exactly 14 dashes would
 * confuse this reading (it cannot be a `--` comment, which needs a space).
 *
 * What the client does that a splitter may not, measured:
 * - `DELIMITER` lines are not sent; the statement is sent without the delimiter (`END//` → `END`).
 * - A comment after the delimiter on the same line goes with the statement before it:
 *   `SELECT 1; # a; b` is sent as `SELECT 1 # a; b`.
 * - With `--comments`, a line holding only a comment between statements is sent on its own (`-- c1`).
 */
import { currentMysqlServer } from './use-mysql-server.js'
import type { MysqlServer } from './mariadb.js'

export const ECHO_RULE = '--------------'

/** The statements in a `-vvv` echo (see above), in order. */
export function parseVerboseEcho(stdout: string): string[] {
  const lines = stdout.split('\n')
  const statements: string[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== ECHO_RULE) continue
    const end = lines.indexOf(ECHO_RULE, i + 1)
    if (end < 0) throw new Error(`Unterminated statement in the client's echo after line ${i + 1}:\n${stdout.slice(-2000)}`)
    statements.push(lines.slice(i + 1, end).join('\n'))
    i = end
  }
  return statements
}

let scratch = 0

/**
 * Runs `sqlText` through the reference client against the file's test server (or the one given), on a new
 * empty database dropped afterwards, and returns the statements it sent, in order.
 */
export async function clientStatements(sqlText: string, server: MysqlServer = currentMysqlServer()): Promise<string[]> {
  const database = `split_${process.pid}_${scratch++}`
  const created = await server.mysqlCli(['-e', `CREATE DATABASE \`${database}\``])
  if (created.code !== 0) throw new Error(`Could not create ${database}: ${created.stderr}`)
  try {
    const result = await server.mysqlCli(['--force', '-vvv', '--comments', '--default-character-set=utf8mb4', database], { input: sqlText })
    return parseVerboseEcho(result.stdout)
  } finally {
    await server.mysqlCli(['-e', `DROP DATABASE IF EXISTS \`${database}\``])
  }
}
