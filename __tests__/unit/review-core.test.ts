/**
 * The review's core through PostgreSQL's parser: statements with the splitter's locations, the relations
 * they touch, createdEarlier, waivers by comment and by the ignore-rules input, and the order of findings.
 */
import fs from 'node:fs'
import path from 'node:path'
import { RULES, reviewStatements, runRules as runAllRules, touchedRelations, unknownRuleIds } from '../../src/dialects/postgresql/review.js'
import { LOCK_RULES } from '../../src/dialects/postgresql/review/rules/index.js'
import type { Finding, ReviewStatement } from '../../src/review/types.js'
import { version } from '../../testkit/versions.js'

const CONTEXT = { catalog: null, trace: null, defaultSchema: 'public' }
const LOCK_RULE_IDS = new Set(LOCK_RULES.map((rule) => rule.id))

/** The lock rules' findings only (the other rules have tests of their own). */
function runRules(...args: Parameters<typeof runAllRules>): Finding[] {
  return runAllRules(...args).filter((finding) => LOCK_RULE_IDS.has(finding.rule))
}

async function statementsOf(...versions: Array<Record<string, string>>): Promise<ReviewStatement[]> {
  const built = versions.map((files, i) => version(i + 1, files))
  return reviewStatements(
    built,
    built.map((v) => v.number)
  )
}

describe('reviewStatements', () => {
  test('parses the pending versions with the splitter’s file, line and column, counting statements per version', async () => {
    const v1 = version(1, { '01.sql': 'CREATE TABLE done (id int);' })
    const v2 = version(2, {
      '01.sql': '-- orders\nCREATE TABLE orders (id int);  CREATE INDEX ON orders (id);\n',
      '02.sql': '-- migrate:no-transaction\n\n   VACUUM orders;'
    })
    const statements = await reviewStatements([v1, v2], [2])
    expect(
      statements.map(({ version, index, file, line, column, noTransaction }) => ({ version, index, file, line, column, noTransaction }))
    ).toEqual([
      { version: 2, index: 0, file: 'm/v2/01.sql', line: 2, column: 1, noTransaction: false },
      { version: 2, index: 1, file: 'm/v2/01.sql', line: 2, column: 32, noTransaction: false },
      { version: 2, index: 2, file: 'm/v2/02.sql', line: 3, column: 4, noTransaction: true }
    ])
    expect(Object.keys(statements[0].node)).toEqual(['CreateStmt'])
    expect(Object.keys(statements[2].node)).toEqual(['VacuumStmt'])
  })

  test('a statement the parser refuses is left out, and the indexes still count it (as verification does)', async () => {
    const statements = await statementsOf({ '01.sql': 'CREATE TABLE a (id int);\nCREATE TABLE b id int;\nCREATE INDEX ON a (id);' })
    expect(statements.map((s) => [s.index, s.line])).toEqual([
      [0, 1],
      [2, 3]
    ])
  })
})

describe('schemas created earlier', () => {
  test('dropping or renaming a schema the pending versions created is no finding; one that existed before is', async () => {
    const findings = (statements: ReviewStatement[]): string[] =>
      runAllRules(statements, CONTEXT, { ignoreRules: [] }).map((finding) => `${finding.rule}@${finding.line}`)
    const created = await statementsOf(
      { '01.sql': 'CREATE SCHEMA scratch;\nCREATE SCHEMA staging;' },
      { '01.sql': 'DROP SCHEMA scratch;\nALTER SCHEMA staging RENAME TO staged;\nDROP SCHEMA legacy;\nALTER SCHEMA old RENAME TO older;' }
    )
    expect(findings(created).filter((f) => f.includes('schema'))).toEqual(['drop-schema@3', 'rename-schema@4'])
  })
})

describe('touchedRelations', () => {
  test('lists the relations that existed before the pending statements, not those they create', async () => {
    const statements = await statementsOf(
      { '01.sql': 'CREATE TABLE app.items (id int, order_id int REFERENCES orders (id));\nCREATE INDEX items_idx ON app.items (id);' },
      {
        '01.sql':
          'ALTER TABLE app.items ADD COLUMN n int;\nDROP INDEX old_idx, app.items_idx;\nUPDATE "Accounts" SET n = 1 FROM customers c;'
      }
    )
    expect(touchedRelations(statements, 'public')).toEqual(['public.Accounts', 'public.customers', 'public.old_idx', 'public.orders'])
  })

  test('a table dropped and created again existed before', async () => {
    const statements = await statementsOf({ '01.sql': 'DROP TABLE t;\nCREATE TABLE t (id int);\nCREATE INDEX ON t (id);' })
    expect(touchedRelations(statements, 'public')).toEqual(['public.t'])
  })
})

describe('runRules', () => {
  test('createdEarlier: tables and indexes created earlier in the pending versions or the same file are new', async () => {
    const statements = await statementsOf(
      { '01.sql': 'CREATE TABLE fresh (id int, note text);\nCREATE INDEX fresh_note ON fresh (note);\nCREATE INDEX ON orders (id);' },
      {
        '01.sql':
          'ALTER TABLE fresh ALTER COLUMN note SET NOT NULL;\nDROP INDEX fresh_note;\nALTER TABLE orders ALTER COLUMN note SET NOT NULL;'
      }
    )
    const findings = runRules(statements, CONTEXT, { ignoreRules: [] })
    expect(findings.map((f) => [f.rule, f.version, f.line, f.relation])).toEqual([
      ['index-not-concurrent', 1, 3, 'public.orders'],
      ['set-not-null', 2, 3, 'public.orders']
    ])
  })

  test('createdEarlier holds only what came before: a table is not new for a statement before its CREATE', async () => {
    const statements = await statementsOf({ '01.sql': 'CREATE INDEX ON later (id);\nCREATE TABLE later (id int);' })
    expect(runRules(statements, CONTEXT, { ignoreRules: [] }).map((f) => f.rule)).toEqual(['index-not-concurrent'])
  })

  test('a waiver comment right before the statement waives that rule with its reason; the finding stays, marked', async () => {
    const statements = await statementsOf({
      '01.sql':
        'CREATE INDEX ON orders (a);\n' +
        '-- the table is tiny\n-- aurora-migrate:ignore index-not-concurrent   orders has 12 rows  \n' +
        'CREATE INDEX ON orders (b);\n' +
        '-- aurora-migrate:ignore truncate wrong rule\nCREATE INDEX ON orders (c);\n'
    })
    const findings = runRules(statements, CONTEXT, { ignoreRules: [] })
    expect(findings.map((f) => [f.line, f.waived ?? null])).toEqual([
      [1, null],
      [4, { reason: 'orders has 12 rows', by: 'comment' }],
      [6, null]
    ])
  })

  test('a waiver naming no rule’s id is a notice at its statement; one naming a rule that did not fire there is not', async () => {
    const statements = await statementsOf({
      '01.sql':
        '-- aurora-migrate:ignore index-not-concurent typo\nCREATE INDEX ON orders (a);\n' +
        '-- aurora-migrate:ignore truncate not this one\nCREATE INDEX ON orders (b);\n'
    })
    // All rules here, not only the lock rules.
    const findings = runAllRules(statements, CONTEXT, { ignoreRules: [] })
    expect(findings.map((f) => [f.rule, f.severity, f.line, f.waived ?? null])).toEqual([
      ['index-not-concurrent', 'warning', 2, null],
      ['unknown-waiver', 'notice', 2, null],
      ['index-not-concurrent', 'warning', 4, null]
    ])
    expect(findings[1].message).toContain('`index-not-concurent`')
    expect(findings[1].message).toContain('Did you mean `index-not-concurrent`?')
    expect(findings[1].fix).toBe('Write `index-not-concurrent` in the comment, or remove it.')
  })

  test('a waiver far from every rule id suggests none', async () => {
    const statements = await statementsOf({ '01.sql': '-- aurora-migrate:ignore xyzzy because\nCREATE INDEX ON orders (a);\n' })
    const [waiver] = runAllRules(statements, CONTEXT, { ignoreRules: [] }).filter((f) => f.rule === 'unknown-waiver')
    expect(waiver.message).not.toContain('Did you mean')
    expect(waiver.fix).toContain('docs/rules.md')
  })

  test.each([
    ['a blank line between', '-- aurora-migrate:ignore index-not-concurrent small\n\nCREATE INDEX ON orders (a);'],
    ['no reason', '-- aurora-migrate:ignore index-not-concurrent\nCREATE INDEX ON orders (a);'],
    ['a statement before it on its line', '-- aurora-migrate:ignore index-not-concurrent small\nSELECT 1; CREATE INDEX ON orders (a);'],
    ['a block comment', '/* aurora-migrate:ignore index-not-concurrent small */\nCREATE INDEX ON orders (a);']
  ])('no waiver with %s', async (_name, text) => {
    const findings = runRules(await statementsOf({ '01.sql': text }), CONTEXT, { ignoreRules: [] })
    expect(findings).toHaveLength(1)
    expect(findings[0].waived).toBeUndefined()
  })

  test('the ignore-rules input waives a rule everywhere; a comment’s reason wins where both apply', async () => {
    const statements = await statementsOf({
      '01.sql': 'TRUNCATE orders;\n-- aurora-migrate:ignore truncate seed data only\nTRUNCATE customers;\nCREATE INDEX ON orders (a);'
    })
    const findings = runRules(statements, CONTEXT, { ignoreRules: ['truncate'] })
    expect(findings.map((f) => [f.rule, f.line, f.waived ?? null])).toEqual([
      ['truncate', 1, { reason: 'listed in the ignore-rules input', by: 'input' }],
      ['truncate', 3, { reason: 'seed data only', by: 'comment' }],
      ['index-not-concurrent', 4, null]
    ])
  })

  test('findings come sorted by version, then statement order across files, then position', async () => {
    const statements = await statementsOf(
      { '01.sql': 'TRUNCATE b;', '02.sql': 'TRUNCATE a;  LOCK TABLE c;' },
      { '01.sql': '\n\nTRUNCATE d;' }
    )
    const findings = runRules(statements.reverse(), CONTEXT, { ignoreRules: [] })
    expect(findings.map((f) => [f.version, f.file, f.line, f.column, f.relation])).toEqual([
      [1, 'm/v1/01.sql', 1, 1, 'public.b'],
      [1, 'm/v1/02.sql', 1, 1, 'public.a'],
      [1, 'm/v1/02.sql', 1, 14, 'public.c'],
      [2, 'm/v2/01.sql', 3, 1, 'public.d']
    ])
  })
})

describe('RULES', () => {
  test('ids are unique and stable in form; unknownRuleIds names the ids no rule has', () => {
    const ids = RULES.map((rule) => rule.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9-]*$/)
    expect(ids).toEqual(expect.arrayContaining(['index-not-concurrent', 'set-not-null', 'foreign-key-without-index']))
    expect(unknownRuleIds(['truncate', 'no-such-rule'])).toEqual(['no-such-rule'])
  })
})

describe('docs/rules.md', () => {
  test('has a section for every rule', () => {
    const page = fs.readFileSync(path.resolve('docs/rules.md'), 'utf8')
    const headings = new Set([...page.matchAll(/^### ([a-z0-9-]+)$/gm)].map((match) => match[1]))
    expect(RULES.map((rule) => rule.id).filter((id) => !headings.has(id))).toEqual([])
  })
})
