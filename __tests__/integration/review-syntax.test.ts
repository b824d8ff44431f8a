/**
 * SQL that PostgreSQL's parser refuses is an error at its file, line and column, found with no database:
 * `review` is the lint step people run before anything connects.
 */
import { EXIT } from '../../src/cli/run.js'
import { parsePending } from '../../src/dialects/postgresql/review.js'
import { positionOf, SYNTAX_ERROR } from '../../src/review/syntax.js'
import { PG_BIN } from '../../testkit/action-runner.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { version } from '../../testkit/versions.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'

const cli = (argv: string[], cwd: string): Promise<CliRun> => runCliCaptured(argv, cwd, { PATH: process.env.PATH, NO_COLOR: '1' })

const project = (files: Record<string, string>): string => cliProject(files, 'aurora-migrate-syntax-')

/** The syntax errors of one parse of the pending versions. */
async function syntaxErrors(...args: Parameters<typeof parsePending>) {
  return (await parsePending(...args)).syntaxErrors
}

describe('syntax errors of the pending versions', () => {
  test('a misspelt keyword is an error where the parser points, on the line of the file', async () => {
    const v = version(1, { '01_a.sql': '-- tables\ncreate table a (id int);\n\ncreate tabel b (id int);\n' })
    const findings = await syntaxErrors([v], [1])
    expect(findings).toEqual([
      expect.objectContaining({
        rule: SYNTAX_ERROR,
        severity: 'error',
        version: 1,
        file: 'm/v1/01_a.sql',
        line: 4,
        column: 8,
        message: 'PostgreSQL cannot parse this statement: syntax error at or near "tabel".'
      })
    ])
  })

  test('statements that parse, and versions not asked for, give nothing', async () => {
    const good = version(1, { '01_a.sql': 'create table a (id int);\ncreate index a_id on a (id);\n' })
    const bad = version(2, { '01_b.sql': 'selec 1;\n' })
    expect(await syntaxErrors([good, bad], [1])).toEqual([])
    expect(await syntaxErrors([good, bad], [2])).toHaveLength(1)
  })

  test('one parse gives both: the statements that parse are reviewed, the one that does not is the error', async () => {
    const v = version(1, { '01_a.sql': 'create table a (id int);\nselec 1;\ncreate index a_id on a (id);\n' })
    const { statements, syntaxErrors: errors } = await parsePending([v], [1])
    expect(statements.map((s) => [s.index, s.line])).toEqual([
      [0, 1],
      [2, 3]
    ])
    expect(errors.map((e) => [e.line, e.column])).toEqual([[2, 1]])
  })

  test('positions count code points, across lines of one statement', () => {
    const statement = { sql: "select 'ééé😀',\n  x frm t", file: 'f.sql', line: 3, column: 5 }
    // The parser's offset of `t` after `frm` counts code points: 'select ' (7) + quote, 4 characters, quote, ',' , newline …
    const offset = [...statement.sql].indexOf('t', 20)
    expect(positionOf(statement, offset)).toEqual({ line: 4, column: 9 })
    expect(positionOf(statement, 7)).toEqual({ line: 3, column: 12 })
    expect(positionOf(statement, 0)).toEqual({ line: 3, column: 5 })
  })

  test('a multi-line statement with an error on its second line', async () => {
    const v = version(1, { '01_a.sql': "insert into t (a)\n  values ('é😀', 1 2);\n" })
    const [finding] = await syntaxErrors([v], [1])
    expect(finding).toMatchObject({ line: 2, column: 19 })
    expect(finding.message).toContain('syntax error at or near "2"')
  })
})

describe('the review command', () => {
  test('with no database: SQL that does not parse exits 1 at file:line:column, in the text and in --json', async () => {
    const root = project({ 'v1_b/01_b.sql': 'create tabel b (id int);\n' })
    const ran = await cli(['review'], root)
    expect(ran.code).toBe(EXIT.failed)
    expect(ran.stderr).toMatch(/migrations\/resources\/v1_b\/01_b\.sql:1:8: error: .*syntax error at or near "tabel"/)
    const json = await cli(['review', '--json'], root)
    expect(json.code).toBe(EXIT.failed)
    const document = JSON.parse(json.stdout) as { findings: Array<{ rule: string; line: number; column: number }> }
    expect(document.findings).toEqual([expect.objectContaining({ rule: SYNTAX_ERROR, line: 1, column: 8 })])
  })

  test('fail-on never does not let SQL that does not parse pass', async () => {
    const root = project({ 'v1_b/01_b.sql': 'create tabel b (id int);\n' })
    const ran = await cli(['review', '--fail-on', 'never'], root)
    expect(ran.code).toBe(EXIT.failed)
    expect(ran.stderr).toContain('syntax error at or near "tabel"')
  })

  test('SQL that parses: exit 0, no syntax error', async () => {
    const root = project({ 'v1_b/01_b.sql': 'create table b (id int);\n' })
    const ran = await cli(['review', '--json'], root)
    expect(ran.code).toBe(EXIT.ok)
    const document = JSON.parse(ran.stdout) as { findings: Array<{ rule: string }> }
    expect(document.findings.filter((f) => f.rule === SYNTAX_ERROR)).toEqual([])
  })
})

test('plan: verification stops at the first error of a file, the parser finds the second, and the comment and the failures say both once', async () => {
  const db = await createTestDatabase('syntax')
  try {
    const root = cliProject({ 'v1_b/01_b.sql': 'create table a (id int);\ncreate tabel b (id int);\ncreate tabel c (id int);\n' })
    const ran = await runCliCaptured(['plan', '--markdown'], root, {
      PATH: `${PG_BIN}:${process.env.PATH}`,
      NO_COLOR: '1',
      DATABASE_URL: db.url
    })
    expect(ran.code).toBe(EXIT.failed)
    const file = 'migrations/resources/v1_b/01_b.sql'
    // Verification's failure at the first error; the parser's at the second only (the first is not said twice).
    expect(ran.stderr).toContain(`v1 fails on a fresh database at ${file}:2:8`)
    expect(ran.stderr).toContain(`error: v1 does not parse: v1: ${file}:3:8:`)
    expect(ran.stderr).not.toContain(`${file}:2:8: PostgreSQL cannot parse`)
    const verdict = ran.stdout.split('\n')[2]
    expect(verdict).toContain(
      `❌ **apply would fail**: v1 fails on a fresh database at \`${file}:2:8\`; v1 does not parse at \`${file}:3:8\``
    )
    expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])
  } finally {
    await db.drop()
  }
})
