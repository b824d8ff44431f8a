/**
 * The Data API transport reads SQL errors out of the service's message text. PostgreSQL's pgjdbc form is
 * documented by samples; MySQL's v2 form is not, so every plausible form is read: Connector/J's
 * `<message>; Error code: N; SQLState: S` (the emulator's), v1's `Database error code: N. Message: …`, the
 * reference client's `ERROR N (S): …`, and a bare message. The message people see never repeats the parts.
 */
import { parseDataApiError } from '../../src/targets/data-api/errors.js'

describe('MySQL error text', () => {
  test.each([
    [
      'v2, Connector/J form',
      "Table 'app.nosuch' doesn't exist; Error code: 1146; SQLState: 42S02",
      { message: "Table 'app.nosuch' doesn't exist", errno: 1146, sqlState: '42S02' }
    ],
    [
      'v2, a message with its own "; "',
      "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'DELIMITER $$' at line 1; Error code: 1064; SQLState: 42000",
      {
        message:
          "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near 'DELIMITER $$' at line 1",
        errno: 1064,
        sqlState: '42000'
      }
    ],
    [
      'v2, a SQLSTATE shared by many errors (HY000), told apart by errno',
      'Lock wait timeout exceeded; try restarting transaction; Error code: 1205; SQLState: HY000',
      { message: 'Lock wait timeout exceeded; try restarting transaction', errno: 1205, sqlState: 'HY000' }
    ],
    [
      'v2, the parts in the other order and "Error Code"',
      'Deadlock found when trying to get lock; try restarting transaction; SQLState: 40001; Error Code: 1213',
      { message: 'Deadlock found when trying to get lock; try restarting transaction', errno: 1213, sqlState: '40001' }
    ],
    [
      'v2, only the error code',
      "Duplicate entry '1' for key 'PRIMARY'; Error code: 1062",
      { message: "Duplicate entry '1' for key 'PRIMARY'", errno: 1062 }
    ],
    [
      'v1 form',
      "Database error code: 1062. Message: Duplicate entry '1' for key 'PRIMARY'",
      { message: "Duplicate entry '1' for key 'PRIMARY'", errno: 1062 }
    ],
    [
      'v1 form with the v2 parts as well',
      "Database error code: 1050. Message: Table 't' already exists; Error code: 1050; SQLState: 42S01",
      { message: "Table 't' already exists", errno: 1050, sqlState: '42S01' }
    ],
    [
      "the reference client's form",
      "ERROR 1146 (42S02): Table 'app.nosuch' doesn't exist",
      { message: "Table 'app.nosuch' doesn't exist", errno: 1146, sqlState: '42S02' }
    ],
    ['a bare message', "Table 'app.nosuch' doesn't exist", { message: "Table 'app.nosuch' doesn't exist" }],
    ['a bare SQL exception', 'Database returned SQL Exception', { message: 'Database returned SQL Exception' }],
    [
      'a malformed code is left out of errno but not shown',
      "Table 't' already exists; Error code: none; SQLState: 42S01",
      { message: "Table 't' already exists", sqlState: '42S01' }
    ]
  ])('%s', (_title, text, expected) => {
    expect(parseDataApiError(text)).toEqual(expected)
  })
})

describe('PostgreSQL error text is read as before', () => {
  test.each([
    [
      'ERROR: syntax error at or near "selec"; Position: 1; SQLState: 42601',
      { message: 'syntax error at or near "selec"', position: 1, sqlState: '42601' }
    ],
    [
      'ERROR: cannot drop table u because other objects depend on it; Detail: view v depends on table u; Hint: Use DROP ... CASCADE to drop the dependent objects too.; SQLState: 2BP01',
      {
        message: 'cannot drop table u because other objects depend on it',
        detail: 'view v depends on table u',
        hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
        sqlState: '2BP01'
      }
    ],
    // pgjdbc's vendor code is always 0: no errno.
    [
      'Database error code: 0. Message: ERROR: relation "x" does not exist\n  Position: 15',
      { message: 'relation "x" does not exist', position: 15 }
    ],
    ['ERROR: value "a; b" is odd; SQLState: 22P02', { message: 'value "a; b" is odd', sqlState: '22P02' }],
    ['', { message: '' }]
  ])('%s', (text, expected) => {
    expect(parseDataApiError(text)).toEqual(expected)
  })
})
