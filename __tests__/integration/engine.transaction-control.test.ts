/**
 * Transaction control in migration files, applied directly and through the Data API emulator: a whole-file
 * BEGIN … COMMIT runs as the version's one transaction; COMMIT, ROLLBACK and the like anywhere else are
 * refused before anything runs. Each case asserts what the database holds afterwards.
 */
import { applyMigrations } from '../../src/engine/apply.js'
import { PlanRefusedError, StatementFailedError } from '../../src/errors.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import type { Target } from '../../src/targets/target.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { writeMigrations } from '../../testkit/versions.js'
import { useDataApiEmulator } from '../../testkit/use-emulator.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

const emulator = useDataApiEmulator()

const transports: Array<[string, (url: string) => Target]> = [
  ['a direct PostgreSQL URL', (url) => new PostgresTarget(url, { wire: postgresql.wire })],
  [
    'the RDS Data API',
    (url) =>
      createDataApiTarget({
        wire: postgresql.wire,
        resourceArn: emulator.resourceArn,
        secretArn: emulator.secretArn,
        database: new URL(url).pathname.slice(1),
        endpoint: emulator.endpoint
      })
  ]
]

describe.each(transports)('transaction control over %s', (_name, connectTo) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>
  let target: Target

  beforeEach(async () => {
    db = await createTestDatabase('txcontrol')
    target = connectTo(db.url)
  })

  afterEach(async () => {
    await target.close()
    await db.drop()
  })

  async function tables(): Promise<string[]> {
    const rows = await sql<{ name: string }>(
      db.url,
      `select table_name::text as name from information_schema.tables where table_schema = 'public' and table_name not like 'schema_migrations%' order by 1`
    )
    return rows.map((row) => row.name)
  }

  async function recorded(): Promise<Array<{ version: number; files: unknown }>> {
    return sql(db.url, 'select version, files from schema_migrations order by version')
  }

  async function lease(): Promise<{ owner: string; free: boolean }> {
    return (await sql<{ owner: string; free: boolean }>(db.url, 'select owner, expires_at < now() as free from schema_migrations_lock'))[0]
  }

  /** Applies v1 (a table `base`) so that the meta table and the lease row exist, then the versions in `files`. */
  async function applyAfterBase(files: Record<string, string>) {
    const dir = writeMigrations({ 'v1/01_base.sql': 'create table base (id int);', ...files })
    const { versions } = await discoverMigrations(dir, dir)
    const first = await applyMigrations(target, versions.slice(0, 1), options())
    expect(first.error).toBeNull()
    const opts = options()
    return { result: await applyMigrations(target, versions, opts), logs: opts.logs, versions }
  }

  test('a file wrapped in BEGIN … COMMIT (or START TRANSACTION … END) applies as its version, recorded once with its statements', async () => {
    const { result, versions } = await applyAfterBase({
      'v2/01_lists.sql': '-- deploy lists\nBEGIN;\n\ncreate table lists (id int);\ninsert into lists values (1);\n\nCOMMIT;\n-- end\n',
      'v2/02_tags.sql': '/* dbmate style */ start transaction;\ncreate table tags (id int);\nend;\n'
    })
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => [a.version, a.statements])).toEqual([[2, 3]])
    expect(await tables()).toEqual(['base', 'lists', 'tags'])
    expect(await sql(db.url, 'select id from lists')).toEqual([{ id: 1 }])
    const rows = await recorded()
    expect(rows.map((row) => row.version)).toEqual([1, 2])
    expect(rows[1].files).toEqual(versions[1].files.map((f) => ({ name: f.name, checksum: f.checksum, statements: f.statements.length })))
    expect(rows[1].files).toMatchObject([{ statements: 2 }, { statements: 1 }])
    expect(await lease()).toEqual({ owner: '', free: true })
  })

  test('a failure inside a wrapped file rolls the whole version back and names the line in the file', async () => {
    const { result } = await applyAfterBase({ 'v2/01.sql': 'BEGIN;\ncreate table x (id int);\ncreate tabel y (id int);\nCOMMIT;\n' })
    expect(result.error).toBeInstanceOf(StatementFailedError)
    expect((result.error as StatementFailedError).location).toEqual({ file: 'v2/01.sql', line: 3, column: 8 })
    expect(await tables()).toEqual(['base'])
    expect((await recorded()).map((row) => row.version)).toEqual([1])
    expect(await lease()).toEqual({ owner: '', free: true })
  })

  test.each([
    [
      'COMMIT in the middle',
      'create table b (id int);\nCOMMIT;\ncreate table c (id int);\ncreate tabel d (id int);\n',
      'v2/01.sql:2:1 COMMIT would commit the version half-way'
    ],
    [
      'END in the middle',
      'create table b (id int);\nend;\ncreate table c (id int);\n',
      'v2/01.sql:2:1 END would commit the version half-way'
    ],
    [
      'ROLLBACK between statements',
      'create table b (id int);\n  ROLLBACK;\ncreate table c (id int);\n',
      'v2/01.sql:2:3 ROLLBACK would silently discard what ran before it'
    ],
    [
      'ABORT inside a wrapper',
      'begin;\ncreate table b (id int);\nabort;\ncreate table c (id int);\ncommit;\n',
      'v2/01.sql:3:1 ABORT would silently discard'
    ],
    [
      'a second transaction in one file',
      'begin;\ncreate table b (id int);\ncommit;\nbegin;\ncreate table c (id int);\ncommit;\n',
      'v2/01.sql:3:1 COMMIT would commit'
    ],
    [
      'PREPARE TRANSACTION',
      "create table b (id int);\nprepare transaction 'v2';\n",
      "v2/01.sql:2:1 PREPARE TRANSACTION would hand the version's transaction to two-phase commit"
    ],
    [
      'a wrapper with an isolation level',
      'begin isolation level serializable;\ncreate table b (id int);\ncommit;\n',
      'v2/01.sql:1:1 BEGIN ISOLATION LEVEL SERIALIZABLE asks for a transaction'
    ]
  ])('%s is refused before anything runs: nothing created, no meta row, the lease free', async (_name, text, reason) => {
    const { result } = await applyAfterBase({ 'v2/01.sql': text, 'v3/01.sql': 'create table later (id int);' })
    expect(result.error).toBeInstanceOf(PlanRefusedError)
    expect(result.error!.message).toContain(reason)
    expect(result.error!.message).toMatch(/^Nothing was applied\. /)
    expect(result.applied).toEqual([])
    expect(await tables()).toEqual(['base'])
    expect((await recorded()).map((row) => row.version)).toEqual([1])
    expect(await lease()).toEqual({ owner: '', free: true })
    expect(await sql(db.url, 'select count(*)::int as n from pg_prepared_xacts')).toEqual([{ n: 0 }])
  })

  test('BEGIN … COMMIT in a -- migrate:no-transaction file is refused: there each statement commits on its own', async () => {
    const { result } = await applyAfterBase({
      'v2/01_idx.sql':
        '-- migrate:no-transaction\nBEGIN;\ncreate index concurrently base_id on base (id);\ncreate index concurrently base_id2 on base (id);\nCOMMIT;\n'
    })
    expect(result.error).toBeInstanceOf(PlanRefusedError)
    expect(result.error!.message).toContain('transaction control in a -- migrate:no-transaction file: v2/01_idx.sql:2:1 BEGIN')
    expect(result.error!.message).toContain('remove -- migrate:no-transaction instead')
    expect(await sql(db.url, `select indexname from pg_indexes where tablename = 'base'`)).toEqual([])
    expect((await recorded()).map((row) => row.version)).toEqual([1])
    expect(await sql(db.url, 'select count(*)::int as n from schema_migrations_progress')).toEqual([{ n: 0 }])
    expect(await lease()).toEqual({ owner: '', free: true })
  })

  test('savepoints outside a whole-file wrapper are refused before anything runs', async () => {
    const { result } = await applyAfterBase({
      'v2/01.sql': 'create table a (id int);\nsavepoint s;\ncreate table b (id int);\nrollback to savepoint s;\n'
    })
    expect(result.error).toBeInstanceOf(PlanRefusedError)
    expect(result.error!.message).toContain('v2/01.sql:2:1 SAVEPOINT')
    expect(await tables()).toEqual(['base'])
    expect((await recorded()).map((row) => row.version)).toEqual([1])
    expect(await lease()).toEqual({ owner: '', free: true })
  })

  test('savepoints inside a whole-file wrapper nest in the version: ROLLBACK TO undoes only its part', async () => {
    const { result } = await applyAfterBase({
      'v2/01.sql':
        'BEGIN;\ncreate table a (id int);\nsavepoint s;\ncreate table b (id int);\nrollback to savepoint s;\ncreate table c (id int);\nrelease s;\nCOMMIT;\n'
    })
    expect(result.error).toBeNull()
    expect(await tables()).toEqual(['a', 'base', 'c'])
    expect((await recorded()).map((row) => row.version)).toEqual([1, 2])
  })

  test('COMMIT inside a DO block is no top-level statement: PostgreSQL refuses it in the version and the version is rolled back', async () => {
    const { result } = await applyAfterBase({
      'v2/01.sql': 'create table a (id int);\ndo $$ begin insert into a values (1); commit; end $$;\n'
    })
    expect(result.plan.refusals).toEqual([])
    expect(result.error).toBeInstanceOf(StatementFailedError)
    expect((result.error as StatementFailedError).sqlError.sqlState).toBe('2D000')
    expect((result.error as StatementFailedError).location).toMatchObject({ file: 'v2/01.sql', line: 2 })
    expect(await tables()).toEqual(['base'])
    expect((await recorded()).map((row) => row.version)).toEqual([1])
    expect(await lease()).toEqual({ owner: '', free: true })
  })
})
