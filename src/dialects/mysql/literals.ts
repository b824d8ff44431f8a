/** How MySQL text is spliced where no parameter can go (DDL-time text, a procedure's body): one way, everywhere. */

/** A string as a literal that reads the same in every sql_mode (no quotes, no backslashes: hex), in utf8mb4. */
export function textLiteral(value: string): string {
  return value === '' ? "''" : `CONVERT(0x${Buffer.from(value, 'utf8').toString('hex')} USING utf8mb4)`
}

/** A statement without its trailing `;` and whitespace, to be ended on a line of its own (a trailing `-- comment` cannot swallow what follows). */
export function statementText(sql: string): string {
  return sql.trim().replace(/[\s;]+$/, '')
}
