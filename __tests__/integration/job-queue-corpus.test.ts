/**
 * examples/job-queue is the corpus `npm run bench` measures: the seed's v1 and twenty versions of a job
 * queue written the way a team would over a year. These tests keep it applying cleanly on the
 * PostgreSQL the suite runs, so the benchmark never measures a corpus that fails half-way, and check that
 * the Data API builds the same schema as a direct connection.
 */
import path from 'node:path'
import { applyMigrations } from '../../src/engine/apply.js'
import { discoverMigrations } from '../../testkit/migrations.js'
import { planMigrations } from '../../src/plan.js'
import { createDataApiTarget } from '../../src/targets/data-api.js'
import { PostgresTarget } from '../../src/targets/postgres.js'
import { useDummyAwsEnvironment } from '../../testkit/aws-env.js'
import { startDataApiEmulator } from '../../testkit/data-api-emulator.js'
import { options } from '../../testkit/contract/engine-cases.js'
import { createTestDatabase, sql } from '../../testkit/postgres.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'

useDummyAwsEnvironment()

const JOB_QUEUE = path.resolve('examples/job-queue/migrations/resources')
const TODO = path.resolve('examples/todo/migrations/resources')

test('the corpus is 21 versions of about 150 statements that plan without refusals, and its v1 is the seed tutorial v1', async () => {
  const { versions, warnings } = await discoverMigrations(JOB_QUEUE, path.resolve('.'))
  expect(warnings).toEqual([])
  expect(versions.map((v) => v.number)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1))
  const statements = versions.flatMap((v) => v.files.flatMap((f) => f.statements))
  expect(statements.length).toBeGreaterThanOrEqual(140)
  expect(statements.length).toBeLessThanOrEqual(160)
  const plan = planMigrations(versions, [])
  expect(plan.refusals).toEqual([])
  expect(plan.pending).toHaveLength(21)

  const todo = await discoverMigrations(TODO, path.resolve('.'))
  expect(versions[0].checksum).toBe(todo.versions[0].checksum)
  // A BEGIN … COMMIT wrapped file is part of what the corpus exercises.
  expect(versions.flatMap((v) => v.files).filter((f) => f.transactionWrapper)).toHaveLength(1)
})

test('every version applies over a database URL and leaves the objects a job queue needs, which work', async () => {
  const db = await createTestDatabase('job_queue')
  const { versions } = await discoverMigrations(JOB_QUEUE, path.resolve('.'))
  const target = new PostgresTarget(db.url, { wire: postgresql.wire })
  try {
    const result = await applyMigrations(target, versions, options())
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual(versions.map((v) => v.number))
    const again = await applyMigrations(target, versions, options())
    expect(again.error).toBeNull()
    expect(again.applied).toEqual([])

    const rows = await sql<{ version: number; checksum: string }>(
      db.url,
      'SELECT version, checksum FROM schema_migrations ORDER BY version'
    )
    expect(rows).toEqual(versions.map((v) => ({ version: v.number, checksum: v.checksum })))
    const tables = await sql<{ name: string }>(
      db.url,
      `SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm') AND c.relname NOT LIKE 'schema_migrations%' ORDER BY 1`
    )
    expect(tables.map((t) => t.name)).toEqual([
      'daily_job_counts',
      'dead_letters',
      'job_attempts',
      'job_events',
      'jobs',
      'lists',
      'notes',
      'queue_stats',
      'queue_throughput',
      'queues',
      'schedules',
      'users',
      'worker_load',
      'workers'
    ])
    const labels = await sql<{ label: string }>(db.url, `SELECT unnest(enum_range(NULL::job_status))::text AS label`)
    expect(labels.map((l) => l.label)).toEqual(['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'])
    // The NOT VALID constraints were validated in the versions that added them.
    const notValidated = await sql(
      db.url,
      `SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND NOT convalidated`
    )
    expect(notValidated).toEqual([])
    const ready = await sql<{ def: string }>(db.url, `SELECT pg_get_indexdef('jobs__idx__ready'::regclass) AS def`)
    expect(ready[0].def).toContain('WHERE (status = ')
    // Every table and view the dashboards read, the materialized view included (information_schema omits those).
    const unreadable = await sql<{ name: string }>(
      db.url,
      `SELECT c.relname::text AS name FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm')
         AND c.relname NOT IN ('users', 'lists', 'notes') AND c.relname NOT LIKE 'schema_migrations%'
         AND NOT has_table_privilege('job_queue_reader', c.oid, 'SELECT')`
    )
    expect(unreadable).toEqual([])
    expect(await sql(db.url, `SELECT 1 FROM queues WHERE name IN ('default', 'mail', 'reports')`)).toHaveLength(3)

    // The plpgsql bodies only meet their tables when they run: run a job through its life.
    const [{ id: jobId }] = await sql<{ id: string }>(
      db.url,
      `INSERT INTO jobs (queue_id, payload, tags) SELECT id, '{"kind": "mail"}', '{tenant-1}' FROM queues WHERE name = 'mail' RETURNING id::text`
    )
    const worker = '6f1c1c1e-5a4b-4d7e-9a53-0d1d2f3a4b5c'
    await sql(db.url, `SELECT worker_heartbeat($1, 'host-1', 4242)`, [worker])
    const claimed = await sql<{ id: string }>(db.url, `SELECT id::text FROM claim_next_job('mail', $1)`, [worker])
    expect(claimed).toEqual([{ id: jobId }])
    expect(await sql(db.url, `SELECT fail_job($1, 'smtp timeout')::text AS status`, [jobId])).toEqual([{ status: 'queued' }])
    await sql(db.url, `UPDATE jobs SET status = 'dead' WHERE id = $1`, [jobId])
    expect(await sql(db.url, `SELECT last_error FROM dead_letters WHERE job_id = $1`, [jobId])).toEqual([{ last_error: 'smtp timeout' }])
    const events = await sql<{ event: string; status: string }>(
      db.url,
      `SELECT event, status::text FROM job_events WHERE job_id = $1 ORDER BY id`,
      [jobId]
    )
    expect(events).toEqual([
      { event: 'created', status: 'queued' },
      { event: 'status', status: 'running' },
      { event: 'status', status: 'queued' },
      { event: 'status', status: 'dead' }
    ])
    expect(await sql(db.url, `SELECT requeue_dead_letter($1) AS requeued`, [jobId])).toEqual([{ requeued: true }])
    await sql(db.url, 'SELECT refresh_daily_job_counts()')
    expect(await sql(db.url, `SELECT jobs::int FROM daily_job_counts`)).toEqual([{ jobs: 1 }])
  } finally {
    await target.close()
    await db.drop()
  }
})

/** The schema of the public schema, as text that two databases built the same way share. */
const SCHEMA_FINGERPRINT = `SELECT json_build_object(
  'relations', (SELECT json_agg(c.relname || ':' || c.relkind::text ORDER BY c.relname) FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace AND c.relname NOT LIKE 'schema_migrations%'),
  'constraints', (SELECT json_agg(conrelid::regclass::text || '.' || conname || ' ' || pg_get_constraintdef(oid) || ' ' || convalidated::text
    ORDER BY conrelid::regclass::text, conname) FROM pg_constraint
    WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE 'schema_migrations%'),
  'indexes', (SELECT json_agg(indexdef ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE 'schema_migrations%'),
  'functions', (SELECT json_agg(p.oid::regprocedure::text || ' ' || md5(p.prosrc) ORDER BY p.oid::regprocedure::text) FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace),
  'triggers', (SELECT json_agg(tgrelid::regclass::text || ' ' || pg_get_triggerdef(oid) ORDER BY tgrelid::regclass::text, tgname) FROM pg_trigger
    WHERE NOT tgisinternal),
  'views', (SELECT json_agg(viewname || ' ' || definition ORDER BY viewname) FROM pg_views WHERE schemaname = 'public'),
  'labels', (SELECT json_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'job_status'::regtype),
  'rows', (SELECT json_agg(name || ' ' || max_attempts || ' ' || retry_backoff ORDER BY name) FROM queues)
)::text AS fingerprint`

test('over the Data API every version applies and builds the same schema as over a database URL', async () => {
  const direct = await createTestDatabase('job_queue_url')
  const viaApi = await createTestDatabase('job_queue_api')
  const emulator = await startDataApiEmulator({ postgresUrl: viaApi.url })
  const { versions } = await discoverMigrations(JOB_QUEUE, path.resolve('.'))
  try {
    const postgres = new PostgresTarget(direct.url, { wire: postgresql.wire })
    const applied = await applyMigrations(postgres, versions, options())
    await postgres.close()
    expect(applied.error).toBeNull()

    const dataApi = createDataApiTarget({
      wire: postgresql.wire,
      resourceArn: emulator.resourceArn,
      secretArn: emulator.secretArn,
      endpoint: emulator.endpoint
    })
    const result = await applyMigrations(dataApi, versions, options())
    await dataApi.close()
    expect(result.error).toBeNull()
    expect(result.applied.map((a) => a.version)).toEqual(versions.map((v) => v.number))
    const recorded = 'SELECT version, checksum FROM schema_migrations ORDER BY version'
    expect(await sql(viaApi.url, recorded)).toEqual(await sql(direct.url, recorded))
    const [{ fingerprint }] = await sql<{ fingerprint: string }>(viaApi.url, SCHEMA_FINGERPRINT)
    expect(JSON.parse(fingerprint).relations).toContain('daily_job_counts:m')
    expect(await sql(direct.url, SCHEMA_FINGERPRINT)).toEqual([{ fingerprint }])
  } finally {
    await emulator.stop()
    await viaApi.drop()
    await direct.drop()
  }
})
