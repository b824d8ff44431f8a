/**
 * The online DDL rules with verification's proof (StatementTrace.algorithm): the finding says what the throwaway
 * server accepted, and says it plainly when that disagrees with the prediction, which it keeps. When the throwaway
 * server is another engine than the target, the proof is compared with the prediction for the throwaway server.
 */
import type { MysqlTableFacts } from '../../src/dialects/mysql/review/catalog.js'
import { parseMysqlStatement } from '../../src/dialects/mysql/review/parse.js'
import { MYSQL_RULES } from '../../src/dialects/mysql/review/rules/index.js'
import { traceKey, type ReviewContext, type ReviewStatement, type StatementTrace } from '../../src/review/types.js'

function facts(server: { flavor: 'mysql' | 'mariadb'; version: string }): MysqlTableFacts {
  return {
    name: '.orders',
    kind: 'table',
    rows: 120,
    bytes: 64 * 1024,
    schema: 'shop',
    table: 'orders',
    engine: 'InnoDB',
    rowFormat: 'Dynamic',
    createOptions: '',
    collation: 'utf8mb4_general_ci',
    columns: [
      { name: 'id', type: 'int(11)', nullable: false, charset: null, collation: null, maxBytes: null, generated: null, position: 1 },
      { name: 'total', type: 'int(11)', nullable: true, charset: null, collation: null, maxBytes: null, generated: null, position: 2 },
      {
        name: 'note',
        type: 'varchar(20)',
        nullable: true,
        charset: 'utf8mb4',
        collation: 'utf8mb4_general_ci',
        maxBytes: 80,
        generated: null,
        position: 3
      }
    ],
    indexes: [{ name: 'PRIMARY', kind: 'primary', columns: ['id'] }],
    foreignKeys: [],
    referencedByKeys: [],
    totalRowVersions: null,
    triggers: [],
    truncated: [],
    server: { ...server, sqlMode: '', foreignKeyChecks: true, performanceSchema: false, openTransactions: [] }
  }
}

function statement(sql: string): ReviewStatement {
  return {
    version: 2,
    index: 0,
    file: 'v2/01.sql',
    line: 1,
    column: 1,
    sql,
    noTransaction: false,
    node: parseMysqlStatement(sql) as never,
    waivers: new Map()
  }
}

function context(target: MysqlTableFacts, algorithm: StatementTrace['algorithm'] | null): ReviewContext {
  const trace: StatementTrace = { version: 2, index: 0, locks: [], rewritten: [], constraints: [], durationMs: 3 }
  if (algorithm) trace.algorithm = algorithm
  return {
    createdEarlier: new Set(),
    catalog: new Map([['.orders', target]]),
    trace: new Map([[traceKey(2, 0), trace]]),
    defaultSchema: ''
  }
}

function messages(sql: string, ctx: ReviewContext): string[] {
  const st = statement(sql)
  return MYSQL_RULES.flatMap((rule) => rule.check(st, ctx).map((result) => `${rule.id}: ${result.message}`))
}

const MARIADB = { flavor: 'mariadb' as const, version: '10.11.19-MariaDB-0+deb12u1' }
const MYSQL = { flavor: 'mysql' as const, version: '8.0.36' }
const TYPE_CHANGE = 'ALTER TABLE orders MODIFY total BIGINT'
const REORDER = 'ALTER TABLE orders MODIFY note VARCHAR(20) FIRST'

describe('the online DDL rules with the algorithm proved on the throwaway server', () => {
  test('the same server as the target: the proof agrees, and says so', () => {
    const [message, ...others] = messages(
      TYPE_CHANGE,
      context(facts(MARIADB), { accepted: 'copy', rebuilt: true, server: 'MariaDB 10.11.19' })
    )
    expect(others).toEqual([])
    expect(message).toMatch(
      /^mysql-column-type-change: `ALGORITHM=COPY`: copies `orders` .*for the whole copy\. Proved on the throwaway MariaDB 10\.11\.19: COPY accepted, rebuilding the table \(on an empty copy of the table\), as predicted\. /
    )
  })

  test('the same server: a proof that disagrees is said as a disagreement, and the prediction is kept', () => {
    const [message] = messages(TYPE_CHANGE, context(facts(MARIADB), { accepted: 'inplace', rebuilt: true, server: 'MariaDB 10.11.19' }))
    expect(message).toMatch(/^mysql-column-type-change: `ALGORITHM=COPY`: copies `orders`/)
    expect(message).toContain(
      'Proved on the throwaway MariaDB 10.11.19: INPLACE accepted, rebuilding the table (on an empty copy of the table). This disagrees with the prediction of COPY for MariaDB 10.11.19, which the finding keeps'
    )
  })

  test('a MySQL target proved on a MariaDB: compared with the prediction for MariaDB, the engines named', () => {
    // MySQL 8.0 rebuilds the table to move a column; MariaDB 10.4+ moves it instantly.
    const agrees = messages(REORDER, context(facts(MYSQL), { accepted: 'instant', rebuilt: false, server: 'MariaDB 10.11.19' }))
    expect(agrees).toEqual([
      expect.stringMatching(/^mysql-table-rebuild: `ALGORITHM=INPLACE`: rebuilds `orders` \(≈120 rows, 64 KB\) in place/)
    ])
    expect(agrees[0]).toContain(
      'Proved on the throwaway MariaDB 10.11.19: INSTANT accepted, without rebuilding the table (on an empty copy of the table), as predicted for MariaDB 10.11.19; the engines differ: the throwaway server is MariaDB 10.11.19, the target MySQL 8.0.36'
    )
    const [disagrees] = messages(REORDER, context(facts(MYSQL), { accepted: 'copy', rebuilt: true, server: 'MariaDB 10.11.19' }))
    expect(disagrees).toContain(
      'This disagrees with the prediction of INSTANT for MariaDB 10.11.19 (the engines differ: the throwaway server is MariaDB 10.11.19, the target MySQL 8.0.36; the prediction for MySQL 8.0.36 above is kept)'
    )
  })

  test('unproved: the finding says why; untraced: the finding is as before', () => {
    const [unproved] = messages(TYPE_CHANGE, context(facts(MARIADB), { unproved: 'the probe on an empty copy failed: boom' }))
    expect(unproved).toContain('Not proved on the throwaway server: the probe on an empty copy failed: boom. ')
    const [untraced] = messages(TYPE_CHANGE, context(facts(MARIADB), null))
    expect(untraced).not.toMatch(/proved/i)
    expect(untraced).toMatch(/^mysql-column-type-change: `ALGORITHM=COPY`/)
  })
})

test('mysql-algorithm-disagreement: the server needed a copy for what the prediction found harmless; silent when it agrees', () => {
  const instant = 'ALTER TABLE orders ADD COLUMN flag INT'
  const found = messages(instant, context(facts(MARIADB), { accepted: 'copy', rebuilt: true, server: 'MariaDB 10.11.19' }))
  expect(found).toEqual([
    expect.stringMatching(
      /^mysql-algorithm-disagreement: Predicted `ALGORITHM=INSTANT` on `orders` .*which no rule reports\. Proved on the throwaway MariaDB 10\.11\.19: COPY accepted/
    )
  ])
  expect(messages(instant, context(facts(MARIADB), { accepted: 'instant', rebuilt: false, server: 'MariaDB 10.11.19' }))).toEqual([])
  expect(messages(instant, context(facts(MARIADB), null))).toEqual([])
})
