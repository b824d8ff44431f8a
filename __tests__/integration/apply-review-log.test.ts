/**
 * apply logs the review of what it applies from the SQL alone (it reads no catalog), and says that in those
 * words: connected to the target, it never claims there is no target.
 */
import { EXIT } from '../../src/cli/run.js'
import { cliProject, runCliCaptured } from '../../testkit/cli.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'

test("apply's review log says the size was not read, not that there is no target, and the index is built", async () => {
  const db = await createTestDatabase('applylog')
  try {
    const root = cliProject({
      'v1_t/01_t.sql': 'create table t (id int, name text);\n',
      'v2_i/01_i.sql': 'create index t_name on t (name);\n'
    })
    const env = { PATH: process.env.PATH, NO_COLOR: '1', DATABASE_URL: db.url }
    expect((await runCliCaptured(['apply', '--target-version', '1'], root, env)).code).toBe(EXIT.ok)
    const { code, stderr } = await runCliCaptured(['apply'], root, env)
    expect(code).toBe(EXIT.ok)
    expect(stderr).toMatch(/index-not-concurrent: .*The table's size was not read: judged from the SQL alone\./)
    expect(stderr).not.toMatch(/No target catalog/)
    expect(await sql(db.url, `select indexname from pg_indexes where tablename = 't'`)).toEqual([{ indexname: 't_name' }])
  } finally {
    await db.drop()
  }
})
