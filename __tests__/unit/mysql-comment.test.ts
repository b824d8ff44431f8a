/**
 * The plan comment of an Aurora MySQL pull request, as people read it: the versions with what commits on its own,
 * the verdict, and the MySQL review's findings — computed by the real clause reader and rules against a catalog
 * written out here (a 40-million-row `orders` on Aurora MySQL 3.08, a small `customers`). UPDATE_GOLDEN=1 rewrites
 * the golden file; review the diff.
 */
import { mysql } from '../../src/dialects/mysql/index.js'
import type { MysqlTableFacts } from '../../src/dialects/mysql/review/catalog.js'
import { versionChecksum } from '../../src/migrations/checksum.js'
import { readMigrationFile } from '../../src/migrations/discover.js'
import type { Version } from '../../src/migrations/types.js'
import { planMigrations } from '../../src/plan.js'
import { renderPlanComment } from '../../src/report/comment.js'
import { blockingFindings } from '../../src/report/review.js'
import { parsePending, reviewRules, runRules } from '../../src/review/review.js'
import type { Verification } from '../../src/shadow/types.js'
import { golden } from '../../testkit/golden.js'
import { rowFor } from '../../testkit/versions.js'

function version(number: number, files: Record<string, string>, description: string): Version {
  const dir = `migrations/resources/v${number}_${description}`
  const list = Object.entries(files).map(([name, text]) => readMigrationFile(mysql.syntax, name, `${dir}/${name}`, text))
  return { number, description, dir, files: list, checksum: versionChecksum(list) }
}

const v1 = version(1, { '01_orders.sql': 'CREATE TABLE orders (id BIGINT PRIMARY KEY, total INT NOT NULL, note VARCHAR(20));\n' }, 'orders')
const v2 = version(
  2,
  {
    '01_totals.sql':
      '-- cents do not fit an INT any more\nALTER TABLE orders MODIFY total BIGINT NOT NULL;\nALTER TABLE orders ADD INDEX orders_total (total);\n',
    '02_vip.sql':
      'ALTER TABLE customers ADD COLUMN IF NOT EXISTS vip TINYINT NOT NULL DEFAULT 0;\nUPDATE customers SET vip = 1 WHERE id IN (1, 2);\n'
  },
  'totals'
)

const server = {
  version: '8.0.36',
  flavor: 'mysql' as const,
  sqlMode: 'STRICT_TRANS_TABLES',
  foreignKeyChecks: true,
  performanceSchema: false,
  openTransactions: [] as Array<{ id: number; user: string; seconds: number; command: string }>
}
function table(name: string, rows: number, bytes: number): MysqlTableFacts {
  return {
    name,
    kind: 'table',
    rows,
    bytes,
    schema: 'shop',
    table: name.slice(1),
    engine: 'InnoDB',
    rowFormat: 'Dynamic',
    createOptions: '',
    collation: 'utf8mb4_0900_ai_ci',
    columns: [
      { name: 'id', type: 'bigint', nullable: false, charset: null, collation: null, maxBytes: null, generated: null, position: 1 },
      { name: 'total', type: 'int', nullable: false, charset: null, collation: null, maxBytes: null, generated: null, position: 2 },
      {
        name: 'note',
        type: 'varchar(20)',
        nullable: true,
        charset: 'utf8mb4',
        collation: 'utf8mb4_0900_ai_ci',
        maxBytes: 80,
        generated: null,
        position: 3
      }
    ],
    indexes: [{ name: 'PRIMARY', kind: 'primary', columns: ['id'] }],
    foreignKeys: [],
    referencedByKeys: [],
    totalRowVersions: 3,
    triggers: [],
    truncated: [],
    server
  }
}
const catalog = new Map<string, MysqlTableFacts>([
  ['.orders', table('.orders', 40_000_000, 38 * 1024 ** 3)],
  ['.customers', table('.customers', 8_200, 2 * 1024 ** 2)]
])

const verification: Verification = {
  status: 'passed',
  server: 'local MySQL 8.0.40',
  durationMs: 1800,
  message: null,
  trace: null,
  schemaChange: null,
  traceMessage: null,
  versions: [{ version: 2, status: 'passed', durationMs: 310, statements: 4 }]
}

test('plan comment: an Aurora MySQL version that copies a 38 GB table, with MariaDB syntax and a second ALTER of the table', async () => {
  const { statements } = await parsePending(mysql.review, [v1, v2], [2])
  const findings = runRules(mysql.review, statements, { catalog, trace: null, defaultSchema: '' }, { ignoreRules: [] })
  expect(findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
    ['mysql-column-type-change', 'error', 2],
    ['mysql-several-alters', 'warning', 3],
    ['mysql-if-not-exists', 'error', 1]
  ])
  // The index is added in place with reads and writes going on: no finding of its own, only the second ALTER's.
  expect(blockingFindings(findings, 'error')).toHaveLength(2)
  const plan = planMigrations([v1, v2], [rowFor(v1)], { commitsImplicitly: mysql.engine.commitsImplicitly })
  golden(
    'comment-plan-mysql.md',
    renderPlanComment({
      environment: 'production',
      plan,
      versions: [v1, v2],
      verification,
      source: { kind: 'database' },
      runUrl: 'https://github.com/acme/shop/actions/runs/42',
      sha: '0123456789abcdef',
      server: 'Aurora MySQL 3.08.0',
      review: {
        findings,
        checked: {
          rules: reviewRules(mysql.review).length,
          catalog: 'read',
          trace: false,
          parser: mysql.review.parserName,
          catalogShows: mysql.review.catalogShows
        },
        pullRequestFilesUrl: 'https://github.com/acme/shop/pull/7/files'
      }
    })
  )
})
