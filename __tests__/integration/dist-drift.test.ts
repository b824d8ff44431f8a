/**
 * The bundled action (dist/index.js) with `command: drift`, run as a runner runs it: an index added by hand is named
 * in the `schema-drift` output and the job summary with the SQL both ways, the step exits 3, and the database is
 * left as it was (drift writes nothing); once the index is dropped, the same step passes with no drift.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runAction } from '../../testkit/action-runner.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'

let db: Awaited<ReturnType<typeof createTestDatabase>>
beforeEach(async () => {
  db = await createTestDatabase('dist_drift')
})
afterEach(async () => {
  await db.drop()
})

test('an index added by hand: exit 3, the output and summary name it with its SQL, and nothing is written', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-dist-drift-'))
  writeMigrations(
    {
      'v1_orders/01.sql': 'create table orders (id int primary key, placed_at timestamptz not null);\n',
      'v2_note/01.sql': 'alter table orders add column note text;\n'
    },
    path.join(dir, 'migrations', 'resources')
  )
  const inputs = { 'database-url': db.url, 'shadow-database-url': process.env[ADMIN_URL_ENV]!, comment: 'false' }
  expect((await runAction({ ...inputs, command: 'apply' }, { GITHUB_WORKSPACE: dir })).code).toBe(0)
  await sql(db.url, 'create index orders_placed_at_by_hand on orders (placed_at)')
  const history = await sql(db.url, 'select version, checksum from schema_migrations order by version')

  const drifted = await runAction({ ...inputs, command: 'drift', environment: 'production' }, { GITHUB_WORKSPACE: dir })
  expect(drifted.code).toBe(3)
  const output = JSON.parse(drifted.outputs['schema-drift']) as { drift: boolean; count: number; toMatch: string[]; toAdopt: string[] }
  expect(output).toMatchObject({ drift: true, count: 1 })
  expect(output.toMatch).toEqual(['DROP INDEX public.orders_placed_at_by_hand;'])
  expect(output.toAdopt).toEqual(['CREATE INDEX orders_placed_at_by_hand ON public.orders USING btree (placed_at);'])
  expect(drifted.summary).toContain('### Schema drift: production')
  expect(drifted.summary).toContain('`public.orders_placed_at_by_hand` added in the database')
  expect(drifted.stdout).toMatch(/::error[^:]*::Drift: 1 difference between the database and its migrations/)
  // drift wrote nothing: the index, the history and the lease are as they were.
  expect(await sql(db.url, `select to_regclass('orders_placed_at_by_hand')::text as index`)).toEqual([
    { index: 'orders_placed_at_by_hand' }
  ])
  expect(await sql(db.url, 'select version, checksum from schema_migrations order by version')).toEqual(history)
  expect(await sql(db.url, 'select owner from schema_migrations_lock where id = 1')).toEqual([{ owner: '' }])

  await sql(db.url, output.toMatch.join('\n'))
  const clean = await runAction({ ...inputs, command: 'drift' }, { GITHUB_WORKSPACE: dir })
  expect(clean.code).toBe(0)
  expect(JSON.parse(clean.outputs['schema-drift'])).toMatchObject({ drift: false, count: 0 })
  expect(clean.summary).toContain('No drift: the database matches its migrations.')
})
