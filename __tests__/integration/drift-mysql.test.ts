/**
 * `drift` on MySQL (the suite's MariaDB): a database changed by hand in each way information_schema shows, each
 * change named with its fixing SQL; running the "make it match" script leaves no drift. The throwaway database is a
 * scratch database on the same server (shadow-database-url).
 */
import { EXIT } from '../../src/cli/run.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { createMysqlDatabase, mysqlSql } from '../../testkit/mysql.js'
import type { TestDatabase } from '../../testkit/contract/fixture.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'

const MIGRATIONS = {
  'v1_accounts/01.sql': `CREATE TABLE accounts (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  email VARCHAR(100) NOT NULL,
  name VARCHAR(40) DEFAULT 'x',
  score INT,
  legacy VARCHAR(10),
  CONSTRAINT score_positive CHECK (score > 0)
) ENGINE=InnoDB;
CREATE INDEX accounts_email ON accounts (email);
CREATE FUNCTION double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
CREATE VIEW active_accounts AS SELECT id, email FROM accounts WHERE score > 0;
`,
  'v2_orders/01.sql': `CREATE TABLE orders (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  account_id BIGINT,
  note TEXT,
  CONSTRAINT orders_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB;
`
}

const BY_HAND = [
  'CREATE INDEX accounts_score ON accounts (score)',
  'ALTER TABLE orders DROP COLUMN note',
  "ALTER TABLE accounts ALTER COLUMN name SET DEFAULT 'y'",
  'ALTER TABLE accounts MODIFY legacy VARCHAR(20)',
  'ALTER TABLE accounts MODIFY email VARCHAR(100) NULL',
  "CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW SET NEW.name = 'z'",
  'DROP FUNCTION double_it',
  'CREATE FUNCTION double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 3',
  'CREATE OR REPLACE VIEW active_accounts AS SELECT id, email FROM accounts WHERE score > 10',
  'ALTER TABLE orders DROP FOREIGN KEY orders_account',
  'ALTER TABLE accounts DROP CONSTRAINT score_positive',
  'CREATE TABLE scratch (id INT AUTO_INCREMENT PRIMARY KEY, note TEXT)'
]

interface Difference {
  kind: string
  name: string
  change: string
  toMatch: string[]
  toAdopt: string[]
}

describeMysql('drift on MySQL', () => {
  const server = useMysqlServer()
  let db: TestDatabase
  beforeEach(async () => {
    db = await createMysqlDatabase(server.url, 'drift')
  })
  afterEach(async () => {
    await db.drop()
  })
  const cli = (argv: string[], cwd: string): Promise<CliRun> =>
    runCliCaptured(argv, cwd, { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1' })
  const drift = async (dir: string): Promise<{ ran: CliRun; differences: Difference[]; toMatch: string[] }> => {
    const ran = await cli(['drift', '--json', '--database-url', db.url, '--shadow-database-url', server.url], dir)
    const document = JSON.parse(ran.stdout) as { differences?: Difference[]; toMatch?: string[]; error?: unknown }
    if (!document.differences) throw new Error(`drift failed: ${ran.stderr}`)
    return { ran, differences: document.differences, toMatch: document.toMatch ?? [] }
  }
  const find = (differences: Difference[], kind: string, name: string): Difference => {
    const found = differences.find((d) => d.kind === kind && d.name === name)
    if (!found) throw new Error(`no ${kind} ${name} among ${differences.map((d) => `${d.kind} ${d.name}`).join(', ')}`)
    return found
  }

  test('a database changed by hand in every way: each change named with its SQL, exit 3, and the SQL undoes it', async () => {
    const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-mysql-')
    expect((await cli(['apply', '--database-url', db.url], dir)).code).toBe(EXIT.ok)
    const clean = await drift(dir)
    expect(clean.differences).toEqual([])
    expect(clean.ran.code).toBe(EXIT.ok)

    for (const statement of BY_HAND) await mysqlSql(db.url, statement)
    const { ran, differences, toMatch } = await drift(dir)
    expect(ran.code).toBe(3)
    expect(differences.map((d) => `${d.change} ${d.kind} ${d.name}`).sort()).toEqual(
      [
        'added table `scratch`',
        'added index `scratch`.`PRIMARY`',
        'missing column `orders`.`note`',
        'changed column `accounts`.`name`',
        'changed column `accounts`.`legacy`',
        'changed column `accounts`.`email`',
        'changed view `active_accounts`',
        'added index `accounts`.`accounts_score`',
        'missing constraint `orders`.`orders_account`',
        'missing constraint `accounts`.`score_positive`',
        'added trigger `accounts`.`accounts_touch`',
        'changed function `double_it`'
      ].sort()
    )
    expect(find(differences, 'table', '`scratch`').toMatch).toEqual(['DROP TABLE `scratch`;'])
    expect(find(differences, 'table', '`scratch`').toAdopt[0]).toMatch(
      /^CREATE TABLE `scratch` \(\n {2}`id` int(\(11\))? NOT NULL AUTO_INCREMENT,[\s\S]*PRIMARY KEY \(`id`\)\n\);$/
    )
    expect(find(differences, 'column', '`orders`.`note`').toMatch).toEqual(['ALTER TABLE `orders` ADD COLUMN `note` text;'])
    expect(find(differences, 'column', '`accounts`.`name`').toMatch).toEqual([
      "ALTER TABLE `accounts` MODIFY COLUMN `name` varchar(40) DEFAULT 'x';"
    ])
    expect(find(differences, 'column', '`accounts`.`email`').toMatch).toEqual([
      'ALTER TABLE `accounts` MODIFY COLUMN `email` varchar(100) NOT NULL;'
    ])
    expect(find(differences, 'index', '`accounts`.`accounts_score`').toMatch).toEqual([
      'ALTER TABLE `accounts` DROP INDEX `accounts_score`;'
    ])
    expect(find(differences, 'index', '`accounts`.`accounts_score`').toAdopt).toEqual([
      'ALTER TABLE `accounts` ADD INDEX `accounts_score` (`score`);'
    ])
    expect(find(differences, 'constraint', '`orders`.`orders_account`').toMatch).toEqual([
      'ALTER TABLE `orders` ADD CONSTRAINT `orders_account` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT;'
    ])
    expect(find(differences, 'constraint', '`orders`.`orders_account`').toAdopt).toEqual([
      'ALTER TABLE `orders` DROP FOREIGN KEY `orders_account`;'
    ])
    expect(find(differences, 'constraint', '`accounts`.`score_positive`').toAdopt).toEqual([
      'ALTER TABLE `accounts` DROP CONSTRAINT `score_positive`;'
    ])
    expect(find(differences, 'trigger', '`accounts`.`accounts_touch`').toMatch).toEqual(['DROP TRIGGER `accounts_touch`;'])
    expect(find(differences, 'function', '`double_it`').toMatch).toEqual([
      'DROP FUNCTION `double_it`;',
      expect.stringMatching(
        /^CREATE FUNCTION `double_it`\(`x` int(\(11\))?\) RETURNS int(\(11\))? DETERMINISTIC CONTAINS SQL\nRETURN x \* 2;$/
      )
    ])

    for (const statement of toMatch) await mysqlSql(db.url, statement)
    const after = await drift(dir)
    expect(after.differences).toEqual([])
    expect(after.ran.code).toBe(EXIT.ok)
  }, 120_000)

  describe('over the RDS Data API (the emulator in MySQL mode)', () => {
    useDummyAwsEnvironment()
    test('the catalog is one call, and drift finds the change', async () => {
      const dir = cliProject(MIGRATIONS, 'aurora-migrate-drift-mysql-')
      expect((await cli(['apply', '--database-url', db.url], dir)).code).toBe(EXIT.ok)
      await mysqlSql(db.url, 'CREATE INDEX accounts_score ON accounts (score)')
      const emulator = await startDataApiEmulator({ mysqlUrl: db.url })
      process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
      try {
        const connection = ['--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn, '--engine', 'mysql']
        const ran = await cli(['drift', '--json', ...connection, '--shadow-database-url', server.url], dir)
        expect(ran.code).toBe(3)
        const document = JSON.parse(ran.stdout) as { differences: Difference[] }
        expect(document.differences.map((d) => `${d.change} ${d.kind} ${d.name}`)).toEqual(['added index `accounts`.`accounts_score`'])
        expect(emulator.calls.filter((call) => call.sql?.includes('information_schema.STATISTICS'))).toHaveLength(1)
      } finally {
        delete process.env.AWS_ENDPOINT_URL_RDS_DATA
        await emulator.stop()
      }
    }, 120_000)
  })
})
