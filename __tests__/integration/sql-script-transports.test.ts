/**
 * plan --sql through the other transports and the action: the packed form each sends (the Data API's, in several
 * calls where a version is larger than one call takes; the runner Lambda's), run by psql on a copy, equals apply
 * through the same transport on another copy; the action's sql-output writes the file.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createHandler } from '../../runner/handler.js'
import { EXIT } from '../../src/cli/run.js'
import { runAction } from '../../testkit/action-runner.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { startLambdaEmulator } from '../../testkit/lambda-emulator.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { admin, expectScriptEqualsApply, MIGRATIONS } from '../../testkit/sql-script.js'

describe('through the RDS Data API', () => {
  useDummyAwsEnvironment()
  afterEach(() => {
    delete process.env.AWS_ENDPOINT_URL_RDS_DATA
  })

  /** `aurora-migrate <argv>` against the database `url` through an emulator of its own, stopped afterwards. */
  async function viaDataApi(argv: string[], root: string, url: string): Promise<CliRun> {
    const emulator = await startDataApiEmulator({ postgresUrl: url })
    process.env.AWS_ENDPOINT_URL_RDS_DATA = emulator.endpoint
    try {
      return await runCliCaptured([...argv, '--resource-arn', emulator.resourceArn, '--secret-arn', emulator.secretArn], root, {
        PATH: process.env.PATH,
        NO_COLOR: '1'
      })
    } finally {
      await emulator.stop()
    }
  }

  test('the script shows the packed form the Data API is sent, and psql running it equals apply through the Data API', async () => {
    const db = await createTestDatabase('sqldata')
    try {
      // Two statements of 40,000 characters: more than one Data API call takes, so the packed form takes two blocks.
      const big = (id: number): string => `insert into accounts (id, email) values (${id}, '${'x'.repeat(40_000)}');\n`
      const root = cliProject({ ...MIGRATIONS, 'v4_big/01_big.sql': big(2) + big(3) }, 'aurora-migrate-sql-')
      const planned = await viaDataApi(['plan', '--sql', '--no-verify', '--shadow-database-url', admin()], root, db.url)
      expect(planned.stderr).not.toMatch(/error/i)
      expect(planned.code).toBe(EXIT.ok)
      const script = planned.stdout
      fs.writeFileSync(path.join(root, 'plan.sql'), script)
      expect(script.startsWith('-- aurora-migrate: the SQL apply would send to data-api')).toBe(true)
      expect(script).toMatch(/^DO \$aurora_migrate_packed\$/m)
      expect(script).not.toContain('arn:aws:secretsmanager')
      expect(script).toMatch(/\nBEGIN;\n-- Packed: one DO block of the transaction; its steps:\n(--[^\n]*\n)+DO \$aurora_migrate_packed\$/)
      expect(script.match(/^DO \$aurora_migrate_packed\$$/gm)).toHaveLength(5)

      await expectScriptEqualsApply(
        db.name,
        path.join(root, 'plan.sql'),
        (url) => viaDataApi(['apply'], root, url),
        async (url) => {
          const after = await viaDataApi(['plan', '--json', '--no-verify'], root, url)
          expect(JSON.parse(after.stdout)).toMatchObject({ pending: [], drift: false, failures: [] })
        }
      )
    } finally {
      await db.drop()
    }
  })
})

test('the bundled action with sql-output writes the script into the workspace and plans as usual', async () => {
  const db = await createTestDatabase('sqlaction')
  try {
    const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
    fs.mkdirSync(path.join(root, 'out'))
    const inputs = { command: 'plan', 'database-url': db.url, verify: 'false', comment: 'false', 'shadow-database-url': admin() }
    const run = await runAction({ ...inputs, 'sql-output': 'out/plan.sql' }, { GITHUB_WORKSPACE: root })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs.pending).toBe('[1,2,3]')
    const script = fs.readFileSync(path.join(root, 'out', 'plan.sql'), 'utf8')
    expect(script).toContain('-- Applies v1, v2, v3.')
    // The run's identity is the action's: who and which run, in the lease owner and the meta rows.
    expect(script).toContain("E'https://github.com/octo-org/todo-app/actions/runs/4242 (octocat) #")
    expect(script).not.toContain('test-password')
    expect(run.stdout).toContain('Wrote the SQL script (v1, v2, v3) to out/plan.sql')
    expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])

    // A path out of the workspace is an input error, and nothing is written.
    const refused = await runAction({ ...inputs, 'sql-output': '../plan.sql' }, { GITHUB_WORKSPACE: root })
    expect(refused.code).not.toBe(0)
    expect(refused.stdout).toMatch(/sql-output.*is not a file inside the workspace/)
    expect(fs.existsSync(path.join(root, '..', 'plan.sql'))).toBe(false)
    expect(await sql(db.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([])
  } finally {
    await db.drop()
  }
})

describe('through the runner Lambda', () => {
  useDummyAwsEnvironment()
  afterEach(() => {
    delete process.env.AWS_ENDPOINT_URL_LAMBDA
  })

  /** `aurora-migrate <argv>` against `url` through a runner Lambda of its own, stopped (its connections closed) afterwards. */
  async function viaLambda(argv: string[], root: string, url: string): Promise<CliRun> {
    const handler = createHandler({ env: { DATABASE_URL: url }, log: () => undefined })
    const lambda = await startLambdaEmulator({ functions: { runner: { handler } } })
    process.env.AWS_ENDPOINT_URL_LAMBDA = lambda.endpoint
    try {
      return await runCliCaptured([...argv, '--lambda-function', 'runner'], root, { PATH: process.env.PATH, NO_COLOR: '1' })
    } finally {
      await lambda.stop()
      await handler.close()
    }
  }

  test('the runner packs as the direct connection does: psql running the script equals apply through the Lambda', async () => {
    const db = await createTestDatabase('sqllambda')
    try {
      const root = cliProject(MIGRATIONS, 'aurora-migrate-sql-')
      const planned = await viaLambda(['plan', '--sql', '--no-verify', '--shadow-database-url', admin()], root, db.url)
      expect(planned.stderr).not.toMatch(/error/i)
      expect(planned.code).toBe(EXIT.ok)
      fs.writeFileSync(path.join(root, 'plan.sql'), planned.stdout)
      expect(planned.stdout.startsWith('-- aurora-migrate: the SQL apply would send to lambda')).toBe(true)
      expect(planned.stdout.match(/^DO \$aurora_migrate_packed\$$/gm)).toHaveLength(3)

      await expectScriptEqualsApply(db.name, path.join(root, 'plan.sql'), (url) => viaLambda(['apply'], root, url))
    } finally {
      await db.drop()
    }
  })
})
