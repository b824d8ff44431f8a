/**
 * Transaction control in migration files: which statements are transaction control (checked against
 * PostgreSQL's own parser), which BEGIN … COMMIT wrappers are accepted and left out, and what is refused.
 */
import { loadModule, parse } from 'libpg-query'
import { splitStatements } from '../../src/dialects/postgresql/split.js'
import { transactionControl } from '../../src/dialects/postgresql/transaction.js'
import { fileChecksum } from '../../src/migrations/checksum.js'
import { readTransactionControl } from '../../src/migrations/transaction-control.js'
import type { TransactionControlKind } from '../../src/migrations/types.js'
import { planMigrations } from '../../src/plan.js'
import { renderPlanComment } from '../../src/report/comment.js'
import { discoverMigrations, syntax } from '../../testkit/migrations.js'
import { golden } from '../../testkit/golden.js'
import { rowFor, version, writeMigrations } from '../../testkit/versions.js'

/** [sql, the statement as messages name it, kind, ends the transaction (may close a wrapper), asks for other modes] */
const forms: Array<[string, string, TransactionControlKind, boolean, boolean]> = [
  ['BEGIN', 'BEGIN', 'begin', false, false],
  ['begin work', 'BEGIN', 'begin', false, false],
  ['Begin Transaction', 'BEGIN', 'begin', false, false],
  ['START TRANSACTION', 'START TRANSACTION', 'begin', false, false],
  ['begin read write', 'BEGIN READ WRITE', 'begin', false, false],
  ['start transaction not deferrable, read write', 'START TRANSACTION NOT DEFERRABLE, READ WRITE', 'begin', false, false],
  ['BEGIN ISOLATION LEVEL SERIALIZABLE', 'BEGIN ISOLATION LEVEL SERIALIZABLE', 'begin', false, true],
  ['begin transaction isolation level read committed', 'BEGIN ISOLATION LEVEL READ COMMITTED', 'begin', false, true],
  ['START TRANSACTION READ ONLY', 'START TRANSACTION READ ONLY', 'begin', false, true],
  [
    'begin isolation level serializable, read only, deferrable',
    'BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE',
    'begin',
    false,
    true
  ],
  ['COMMIT', 'COMMIT', 'commit', true, false],
  ['commit work', 'COMMIT', 'commit', true, false],
  ['COMMIT TRANSACTION AND NO CHAIN', 'COMMIT', 'commit', true, false],
  ['END', 'END', 'commit', true, false],
  ['end transaction', 'END', 'commit', true, false],
  ['COMMIT AND CHAIN', 'COMMIT AND CHAIN', 'commit', false, false],
  ['end work and chain', 'END AND CHAIN', 'commit', false, false],
  ['ROLLBACK', 'ROLLBACK', 'rollback', false, false],
  ['rollback work', 'ROLLBACK', 'rollback', false, false],
  ['ROLLBACK AND CHAIN', 'ROLLBACK AND CHAIN', 'rollback', false, false],
  ['ABORT', 'ABORT', 'rollback', false, false],
  ['abort transaction and no chain', 'ABORT', 'rollback', false, false],
  ['SAVEPOINT before_backfill', 'SAVEPOINT', 'savepoint', false, false],
  ['release savepoint before_backfill', 'RELEASE SAVEPOINT', 'savepoint', false, false],
  ['RELEASE before_backfill', 'RELEASE SAVEPOINT', 'savepoint', false, false],
  ['ROLLBACK TO SAVEPOINT before_backfill', 'ROLLBACK TO SAVEPOINT', 'savepoint', false, false],
  ['rollback transaction to before_backfill', 'ROLLBACK TO SAVEPOINT', 'savepoint', false, false],
  ["PREPARE TRANSACTION 'deploy-42'", 'PREPARE TRANSACTION', 'prepare', false, false],
  ["COMMIT PREPARED 'deploy-42'", 'COMMIT PREPARED', 'prepared', false, false],
  ["rollback prepared 'deploy-42'", 'ROLLBACK PREPARED', 'prepared', false, false],
  ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', 'modes', false, true],
  ['set local transaction read only', 'SET TRANSACTION READ ONLY', 'modes', false, true],
  ["SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", 'SET TRANSACTION SNAPSHOT …', 'modes', false, true]
]

/** Statements that mention transaction control but are none: bodies, strings, comments, look-alike names. */
const notControl = [
  'DO $$ BEGIN INSERT INTO t VALUES (1); COMMIT; END $$',
  'do $body$ begin perform 1; rollback; end $body$ language plpgsql',
  'CREATE PROCEDURE batch() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$',
  'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END',
  "SELECT 'commit'",
  '/* COMMIT */ SELECT 1',
  '-- rollback\nSELECT 1',
  'PREPARE transaction AS SELECT 1',
  'PREPARE committed (int) AS SELECT $1',
  'EXECUTE transaction',
  'CREATE TABLE commit (id int)',
  'CREATE TABLE "begin" (id int)',
  "INSERT INTO savepoints (name) VALUES ('before')",
  'CALL batch()',
  'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE',
  "SET transaction_timeout = '1s'",
  'LOCK TABLE t IN ACCESS EXCLUSIVE MODE'
]

const PARSER_KINDS: Record<string, TransactionControlKind> = {
  TRANS_STMT_BEGIN: 'begin',
  TRANS_STMT_START: 'begin',
  TRANS_STMT_COMMIT: 'commit',
  TRANS_STMT_ROLLBACK: 'rollback',
  TRANS_STMT_SAVEPOINT: 'savepoint',
  TRANS_STMT_RELEASE: 'savepoint',
  TRANS_STMT_ROLLBACK_TO: 'savepoint',
  TRANS_STMT_PREPARE: 'prepare',
  TRANS_STMT_COMMIT_PREPARED: 'prepared',
  TRANS_STMT_ROLLBACK_PREPARED: 'prepared'
}

interface DefElem {
  DefElem: { defname: string; arg?: { A_Const?: { ival?: { ival?: number } } } }
}

/** What PostgreSQL's parser says a statement is, in the classifier's terms (null: no transaction control). */
async function parserSays(sql: string): Promise<{ kind: TransactionControlKind; endsTransaction: boolean; changesModes: boolean } | null> {
  const statements = (await parse(sql)).stmts ?? []
  expect(statements).toHaveLength(1)
  const node = statements[0].stmt as Record<string, { kind?: string; name?: string; chain?: boolean; options?: DefElem[] }>
  const set = node.VariableSetStmt
  if (set?.name === 'TRANSACTION' || set?.name === 'TRANSACTION SNAPSHOT')
    return { kind: 'modes', endsTransaction: false, changesModes: true }
  const stmt = node.TransactionStmt
  if (!stmt) return null
  const kind = PARSER_KINDS[stmt.kind!]
  // READ WRITE (transaction_read_only 0) and NOT DEFERRABLE (transaction_deferrable 0) are what the version runs as anyway.
  const changesModes = (stmt.options ?? []).some(
    ({ DefElem: option }) =>
      !(['transaction_read_only', 'transaction_deferrable'].includes(option.defname) && !option.arg?.A_Const?.ival?.ival)
  )
  return { kind, endsTransaction: stmt.kind === 'TRANS_STMT_COMMIT' && !stmt.chain, changesModes }
}

describe('transactionControl agrees with the PostgreSQL parser', () => {
  beforeAll(async () => {
    await loadModule()
  })

  test.each(forms)('%s', async (sql, statement, kind, endsTransaction, changesModes) => {
    const ours = transactionControl(sql)
    expect(ours).toEqual({ statement, kind, endsTransaction, changesModes })
    expect(await parserSays(sql)).toEqual({ kind, endsTransaction, changesModes })
  })

  test.each(notControl.map((sql) => [sql]))('not transaction control: %s', async (sql) => {
    expect(transactionControl(sql)).toBeNull()
    expect(await parserSays(sql)).toBeNull()
  })
})

/** What a file's statements become: [statements sent, wrapper lines or null, misplaced as `line:column STATEMENT context`]. */
function read(text: string, noTransaction = false): [string[], [number, number] | null, string[]] {
  const result = readTransactionControl(syntax, splitStatements(text, 'm.sql'), noTransaction)
  const wrapper = result.transactionWrapper
    ? ([result.transactionWrapper.begin.line, result.transactionWrapper.end.line] as [number, number])
    : null
  return [result.statements.map((s) => s.sql), wrapper, result.misplaced.map((m) => `${m.line}:${m.column} ${m.statement} ${m.context}`)]
}

describe('readTransactionControl', () => {
  test.each([
    ['BEGIN;\ncreate table a (id int);\ncreate table b (id int);\nCOMMIT;\n', [1, 4]],
    ['-- deploy app:users\n-- requires: appschema\n\nbegin;\n\ncreate table a (id int);\n\ncommit;\n-- trailing note\n', [4, 8]],
    ['/* header */ BEGIN TRANSACTION; create table a (id int); END /* done */ ;', [1, 1]],
    ['  start transaction ;\r\ncreate table a (id int);\r\n  commit work and no chain;\r\n', [1, 3]],
    ['begin read write;\ncreate table a (id int);\nend transaction;', [1, 3]],
    ['\ufeffBegin Work;\ncreate table a (id int);\nCommit;', [1, 3]]
  ] as Array<[string, [number, number]]>)('a whole-file wrapper is left out: %j', (text, lines) => {
    expect(read(text)).toEqual([['create table a (id int)', ...(text.includes('table b') ? ['create table b (id int)'] : [])], lines, []])
  })

  test('savepoints are allowed inside a whole-file wrapper and refused outside one', () => {
    const body = 'create table a (id int);\nsavepoint s;\ninsert into a values (1);\nrollback to savepoint s;\nrelease s;\n'
    expect(read(`begin;\n${body}commit;\n`)[2]).toEqual([])
    expect(read(body)[2]).toEqual([
      '2:1 SAVEPOINT transaction',
      '4:1 ROLLBACK TO SAVEPOINT transaction',
      '5:1 RELEASE SAVEPOINT transaction'
    ])
  })

  test.each([
    ['create table a (id int);\ncommit;\ncreate table b (id int);\n', ['2:1 COMMIT transaction']],
    ['create table a (id int);\n  rollback;\ncreate table b (id int);\n', ['2:3 ROLLBACK transaction']],
    ['create table a (id int);\nEND;\n', ['2:1 END transaction']],
    ['create table a (id int);\nabort;\n', ['2:1 ABORT transaction']],
    ['BEGIN;\ncreate table a (id int);\n', ['1:1 BEGIN transaction']],
    ['create table a (id int);\nCOMMIT;\n', ['2:1 COMMIT transaction']],
    [
      'begin;\ncreate table a (id int);\ncommit;\nbegin;\ncreate table b (id int);\ncommit;\n',
      ['3:1 COMMIT transaction', '4:1 BEGIN transaction']
    ],
    ['begin;\nbegin;\ncreate table a (id int);\ncommit;\ncommit;\n', ['2:1 BEGIN transaction', '4:1 COMMIT transaction']],
    ['begin;\ncreate table a (id int);\ncommit and chain;\n', ['1:1 BEGIN transaction', '3:1 COMMIT AND CHAIN transaction']],
    ['begin;\ncreate table a (id int);\nrollback;\n', ['1:1 BEGIN transaction', '3:1 ROLLBACK transaction']],
    ["create table a (id int);\nprepare transaction 'x';\n", ['2:1 PREPARE TRANSACTION transaction']],
    ["commit prepared 'x';\n", ['1:1 COMMIT PREPARED transaction']],
    ['BEGIN ISOLATION LEVEL SERIALIZABLE;\nupdate a set n = n + 1;\nCOMMIT;\n', ['1:1 BEGIN ISOLATION LEVEL SERIALIZABLE modes']],
    [
      'BEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nupdate a set n = 1;\nCOMMIT;\n',
      ['2:1 SET TRANSACTION ISOLATION LEVEL REPEATABLE READ modes']
    ]
  ])('refused in a file that runs in the version: %j', (text, misplaced) => {
    expect(read(text)[2]).toEqual(misplaced)
  })

  test('a wrapper that is refused for its modes is still recognised, so it is the only finding', () => {
    expect(read('begin isolation level serializable;\nselect 1;\ncommit;\n')).toEqual([
      ['select 1'],
      [1, 3],
      ['1:1 BEGIN ISOLATION LEVEL SERIALIZABLE modes']
    ])
  })

  test('in a -- migrate:no-transaction file every transaction-control statement is refused, a wrapper and savepoints too', () => {
    const text = '-- migrate:no-transaction\nBEGIN;\ncreate index concurrently i on t (id);\nsavepoint s;\nCOMMIT;\n'
    expect(read(text, true)).toEqual([
      ['BEGIN', 'create index concurrently i on t (id)', 'savepoint s', 'COMMIT'],
      null,
      ['2:1 BEGIN no-transaction', '4:1 SAVEPOINT no-transaction', '5:1 COMMIT no-transaction']
    ])
  })

  test('transaction control inside bodies, strings and comments is not flagged', () => {
    const text = [
      'create table t (id int);',
      'do $$ begin insert into t values (1); commit; end $$;',
      'create procedure p() language plpgsql as $$ begin rollback; end $$;',
      "insert into t select 1 where 'commit' <> $q$rollback;$q$;",
      '/* commit; */ -- rollback;',
      'select 1;'
    ].join('\n')
    expect(read(text)[2]).toEqual([])
  })
})

describe('the plan', () => {
  test('a wrapped file is planned without its wrapper, marked, and keeps the checksum of its text', () => {
    const text = '-- deploy lists\nBEGIN;\ncreate table lists (id int);\ncreate table tags (id int);\nCOMMIT;\n'
    const v = version(1, { '01_lists.sql': text })
    const plan = planMigrations([v], [])
    expect(plan.refusals).toEqual([])
    expect(plan.transactionControl).toEqual([])
    expect(plan.pending[0]).toMatchObject({ statements: 2, files: [{ name: '01_lists.sql', statements: 2, transactionWrapper: true }] })
    expect(v.files[0].checksum).toBe(fileChecksum(text))
    expect(v.files[0].statements.map((s) => [s.sql, s.line])).toEqual([
      ['create table lists (id int)', 3],
      ['create table tags (id int)', 4]
    ])
  })

  test('misplaced transaction control in a pending version is refused with file:line:column, what it would do and what to do instead', () => {
    const v = version(2, {
      '01_a.sql': 'create table a (id int);\nCOMMIT;\ncreate table b (id int);\n',
      '02_b.sql': 'create table c (id int);\n  ROLLBACK;\n',
      '03_c.sql': '-- migrate:no-transaction\nBEGIN;\ncreate index concurrently c_id on c (id);\nCOMMIT;\n',
      '04_d.sql': 'begin isolation level serializable;\nupdate a set id = 1;\ncommit;\n'
    })
    const plan = planMigrations([v], [])
    expect(plan.transactionControl.map((m) => [m.version, `${m.file}:${m.line}:${m.column}`, m.statement, m.context])).toEqual([
      [2, 'm/v2/01_a.sql:2:1', 'COMMIT', 'transaction'],
      [2, 'm/v2/02_b.sql:2:3', 'ROLLBACK', 'transaction'],
      [2, 'm/v2/03_c.sql:2:1', 'BEGIN', 'no-transaction'],
      [2, 'm/v2/03_c.sql:4:1', 'COMMIT', 'no-transaction'],
      [2, 'm/v2/04_d.sql:1:1', 'BEGIN ISOLATION LEVEL SERIALIZABLE', 'modes']
    ])
    expect(plan.refusals).toEqual([
      "transaction control inside the version's transaction: " +
        'm/v2/01_a.sql:2:1 COMMIT would commit the version half-way: what follows would run outside it, and a failure after it would leave the first part applied and unrecorded; ' +
        'm/v2/02_b.sql:2:3 ROLLBACK would silently discard what ran before it and run the rest outside the version. ' +
        'Remove it: every version already runs in one transaction (a BEGIN … COMMIT around a whole file is accepted and left out). ' +
        'Put statements that cannot run in a transaction in a file that starts with -- migrate:no-transaction, and a second transaction in a later version.',
      'transaction control in a -- migrate:no-transaction file: ' +
        'm/v2/03_c.sql:2:1 BEGIN cannot open, end, undo or shape a transaction there: each statement runs and commits on its own (over the Data API each is its own call); ' +
        'm/v2/03_c.sql:4:1 COMMIT cannot open, end, undo or shape a transaction there: each statement runs and commits on its own (over the Data API each is its own call). ' +
        'Remove it. To run the statements of that file in one transaction, remove -- migrate:no-transaction instead (and keep statements that cannot run in one in a file of their own).',
      'transaction modes: m/v2/04_d.sql:1:1 BEGIN ISOLATION LEVEL SERIALIZABLE asks for a transaction the version does not run in: ' +
        "a version runs at the database's default isolation level and access mode. " +
        'Remove the modes (a bare BEGIN … COMMIT around the file is accepted): a migration cannot choose its isolation level or access mode.'
    ])
  })

  test('applied versions are not checked: their files cannot change any more', () => {
    const old = version(1, { '01.sql': 'create table a (id int);\ncommit;\ncreate table b (id int);\n' })
    const next = version(2, { '01.sql': 'create table c (id int);' })
    const plan = planMigrations([old, next], [rowFor(old)])
    expect(plan.transactionControl).toEqual([])
    expect(plan.refusals).toEqual([])
    expect(plan.pending.map((p) => p.version)).toEqual([2])
  })
})

test('discovery leaves a wrapper out of the statements and keeps the checksum of the file as written', async () => {
  const text = '-- sqitch-style\r\nBEGIN;\r\n\r\ncreate table users (id int);\r\n\r\nCOMMIT;\r\n'
  const dir = writeMigrations({ 'v1/01_users.sql': text, 'v2/01_notes.sql': 'create table notes (id int);\ncommit;\n' })
  const { versions } = await discoverMigrations(dir, dir)
  const [users] = versions[0].files
  expect(users.statements.map((s) => [s.sql, s.line, s.column])).toEqual([['create table users (id int)', 4, 1]])
  expect(users.transactionWrapper).toMatchObject({ begin: { sql: 'BEGIN', line: 2 }, end: { sql: 'COMMIT', line: 6 } })
  expect(users.checksum).toBe(fileChecksum(text))
  expect(users.misplacedTransactionControl).toEqual([])
  expect(versions[1].files[0].misplacedTransactionControl).toEqual([
    { file: 'v2/01_notes.sql', line: 2, column: 1, statement: 'COMMIT', kind: 'commit', context: 'transaction' }
  ])
})

test('plan comment: a wrapped file is marked and explained; misplaced transaction control is refused with its fix', () => {
  const applied = version(1, { '01_users.sql': 'create table users (id int);\n' })
  const wrapped = version(
    2,
    {
      '01_lists.sql': 'BEGIN;\ncreate table lists (id int);\ncreate table tags (id int);\nCOMMIT;\n',
      '02_seed.sql': 'insert into lists values (1);\n'
    },
    'lists'
  )
  const broken = version(3, { '01_notes.sql': 'create table notes (id int);\nCOMMIT;\ncreate index on notes (id);\n' })
  const plan = planMigrations([applied, wrapped, broken], [rowFor(applied)])
  const run = { runUrl: 'https://github.com/acme/orders/actions/runs/42', sha: '0123456789abcdef' }
  golden(
    'comment-plan-transaction-control.md',
    renderPlanComment({
      environment: 'production',
      plan,
      versions: [applied, wrapped, broken],
      verification: null,
      source: { kind: 'database' },
      ...run
    })
  )
})
