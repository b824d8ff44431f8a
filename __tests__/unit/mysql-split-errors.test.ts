/** The MySQL splitter's errors: each unterminated construct and an empty DELIMITER, with where it starts. */
import { MigrationFileError } from '../../src/errors.js'
import { splitStatements, type MysqlMode } from '../../src/dialects/mysql/split.js'

/** [name, text, line, column, what the message says] */
const errors: Array<[string, string, number, number, string, MysqlMode?]> = [
  [
    'an unterminated single-quoted string',
    "SELECT 1;\nSELECT 'abc;",
    2,
    8,
    "unterminated quoted string starting here: the file ends before its closing '"
  ],
  ['a string ended only by an escaped quote', String.raw`SELECT 'a\'`, 1, 8, 'unterminated quoted string'],
  [
    'an unterminated double-quoted string',
    'SELECT "x',
    1,
    8,
    'unterminated quoted string starting here: the file ends before its closing "'
  ],
  [
    'an unterminated backtick identifier',
    'SELECT 1;\n  SELECT `a``',
    2,
    10,
    'unterminated quoted identifier starting here: the file ends before its closing `'
  ],
  ['an unterminated ANSI-quoted identifier', 'SELECT "a', 1, 8, 'unterminated quoted identifier', { ansiQuotes: true }],
  ['an unterminated block comment', 'SELECT 1;\n/* open', 2, 1, 'unterminated block comment (/* ... */)'],
  ['an unterminated hint', 'SELECT /*+ BKA(t) FROM t', 1, 8, 'unterminated optimizer hint'],
  ['an unterminated executable comment', 'SELECT 1;\n\n/*!40101 SET a = 1;', 3, 1, 'unterminated executable comment (/*! ... */)'],
  ['an unterminated string after a BOM and CRLF', "\uFEFFSELECT 1;\r\n SELECT 'x", 2, 9, 'unterminated quoted string'],
  ['DELIMITER with nothing after it', 'SELECT 1;\nDELIMITER   \nSELECT 2', 2, 1, 'DELIMITER without a delimiter']
]

for (const [name, text, line, column, message, mode] of errors) {
  test(`${name} is an error at its start`, () => {
    let thrown: unknown
    try {
      splitStatements(text, 'm.sql', mode)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(MigrationFileError)
    const error = thrown as MigrationFileError
    expect(error.location).toEqual({ file: 'm.sql', line, column })
    expect(error.message).toContain(`m.sql:${line}:${column}: ${message}`)
  })
}
