/** Drift's pure parts: the comparison, PostgreSQL's SQL for each change, the script's order and the bounded output. */
import { compareSchemas } from '../../src/drift/compare.js'
import { driftOutput, driftText, renderDrift } from '../../src/drift/report.js'
import { postgresTransition } from '../../src/dialects/postgresql/drift-sql.js'
import { createdWithMysqlTable, mysqlTransition } from '../../src/dialects/mysql/drift-sql.js'
import { planDrift, renderPlanDrift } from '../../src/drift/plan-drift.js'
import type { SchemaObject } from '../../src/review/schema-change.js'

const column = (table: string, name: string, type: string, options: { notNull?: boolean; default?: string } = {}): SchemaObject => ({
  kind: 'column',
  name: `${table}.${name}`,
  relation: table,
  definition: `${name} ${type}${options.notNull ? ' NOT NULL' : ''}${options.default ? ` DEFAULT ${options.default}` : ''}`,
  source: JSON.stringify({ column: name, type, notNull: options.notNull ?? false, default: options.default ?? null, special: '' })
})
const table = (name: string): SchemaObject => ({ kind: 'table', name, relation: null, definition: 'table', source: null })
const grant = (privileges: string): SchemaObject => ({
  kind: 'grant',
  name: 'TABLE public.t TO reader',
  relation: 'public.t',
  definition: privileges,
  source: JSON.stringify({ role: 'reader', on: 'TABLE public.t' })
})

const compare = (migrations: SchemaObject[], database: SchemaObject[]) =>
  compareSchemas(migrations, database, { transition: postgresTransition })

test('no difference: no drift and empty scripts', () => {
  const schema = [table('public.t'), column('public.t', 'id', 'integer')]
  expect(compare(schema, schema)).toEqual({ differences: [], toMatch: [], toAdopt: [] })
})

test('a table added by hand: its columns on its line, its constraint dropped with it, created after it when adopted', () => {
  const migrations = [table('public.t')]
  const database = [
    table('public.t'),
    table('public.extra'),
    column('public.extra', 'id', 'integer', { notNull: true }),
    { kind: 'constraint', name: 'public.extra.extra_pkey', relation: 'public.extra', definition: 'PRIMARY KEY (id)', source: null }
  ] satisfies SchemaObject[]
  const report = compare(migrations, database)
  expect(report.differences.map((d) => [d.change, d.kind, d.name, d.database])).toEqual([
    ['added', 'table', 'public.extra', 'table (id integer NOT NULL)'],
    ['added', 'constraint', 'public.extra.extra_pkey', 'PRIMARY KEY (id)']
  ])
  expect(report.toMatch).toEqual(['DROP TABLE public.extra;'])
  expect(report.toAdopt).toEqual([
    'CREATE TABLE public.extra (\n  id integer NOT NULL\n);',
    'ALTER TABLE public.extra ADD CONSTRAINT extra_pkey PRIMARY KEY (id);'
  ])
})

test("a column's type, default and nullability changed: ALTER COLUMN each way, the old default dropped before the type changes", () => {
  const migrations = [table('public.t'), column('public.t', 'n', 'integer', { default: '0' })]
  const database = [table('public.t'), column('public.t', 'n', 'bigint', { notNull: true, default: '1' })]
  const [difference] = compare(migrations, database).differences
  expect(difference.change).toBe('changed')
  expect(difference.toMatch).toEqual([
    'ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;',
    'ALTER TABLE public.t ALTER COLUMN n TYPE integer USING n::integer;',
    'ALTER TABLE public.t ALTER COLUMN n SET DEFAULT 0;',
    'ALTER TABLE public.t ALTER COLUMN n DROP NOT NULL;'
  ])
  expect(difference.toAdopt).toEqual([
    'ALTER TABLE public.t ALTER COLUMN n DROP DEFAULT;',
    'ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint;',
    'ALTER TABLE public.t ALTER COLUMN n SET DEFAULT 1;',
    'ALTER TABLE public.t ALTER COLUMN n SET NOT NULL;'
  ])
})

test('grants: privileges revoked and granted by difference, the grant option apart', () => {
  const [difference] = compare(
    [table('public.t'), grant('SELECT')],
    [table('public.t'), grant('INSERT, SELECT WITH GRANT OPTION')]
  ).differences
  expect(difference.toMatch).toEqual([
    'REVOKE INSERT ON TABLE public.t FROM reader;',
    'REVOKE GRANT OPTION FOR SELECT ON TABLE public.t FROM reader;'
  ])
  expect(difference.toAdopt).toEqual([
    'GRANT INSERT ON TABLE public.t TO reader;',
    'GRANT SELECT ON TABLE public.t TO reader WITH GRANT OPTION;'
  ])
})

test('the script drops dependents first and creates what others depend on first', () => {
  const migrations: SchemaObject[] = [
    table('public.t'),
    {
      kind: 'function',
      name: 'public.f()',
      relation: null,
      definition: 'returns trigger LANGUAGE plpgsql (body 1)',
      source: 'CREATE OR REPLACE FUNCTION public.f() …\n'
    },
    {
      kind: 'trigger',
      name: 'public.t.tr',
      relation: 'public.t',
      definition: 'CREATE TRIGGER tr BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION f()',
      source: null
    }
  ]
  const database: SchemaObject[] = [
    table('public.t'),
    { kind: 'schema', name: 'hand', relation: null, definition: 'schema', source: null },
    { kind: 'sequence', name: 'hand.s', relation: null, definition: 'sequence AS bigint INCREMENT BY 1', source: null }
  ]
  const report = compare(migrations, database)
  expect(report.toMatch).toEqual([
    'DROP SEQUENCE hand.s;',
    'DROP SCHEMA hand;',
    'CREATE OR REPLACE FUNCTION public.f() …;',
    'CREATE TRIGGER tr BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION f();'
  ])
  expect(report.toAdopt).toEqual([
    'DROP TRIGGER tr ON public.t;',
    'DROP FUNCTION public.f();',
    'CREATE SCHEMA hand;',
    'CREATE SEQUENCE hand.s AS bigint INCREMENT BY 1;'
  ])
})

test("a view's columns change with its query: listed on the view's line only", () => {
  const view = (query: string): SchemaObject => ({
    kind: 'view',
    name: 'public.v',
    relation: null,
    definition: `view AS ${query}`,
    source: query
  })
  const report = compare(
    [view(' SELECT 1 AS a;'), column('public.v', 'a', 'integer')],
    [view(' SELECT 1 AS a, 2 AS b;'), column('public.v', 'a', 'integer'), column('public.v', 'b', 'integer')]
  )
  expect(report.differences.map((d) => `${d.change} ${d.kind}`)).toEqual(['changed view'])
  expect(report.toMatch).toEqual(['CREATE OR REPLACE VIEW public.v AS\nSELECT 1 AS a;'])
})

test('the output is bounded: differences left off from the end, counted', () => {
  const database = Array.from({ length: 2000 }, (_, i) => table(`public.table_${i}`))
  const report = compare([], database)
  const whole = JSON.parse(driftOutput(report, 1_000_000))
  expect(whole).toMatchObject({ drift: true, count: 2000 })
  expect(whole.toMatch).toHaveLength(2000)
  const text = driftOutput(report, 20_000)
  expect(text.length).toBeLessThanOrEqual(20_000)
  const cut = JSON.parse(text)
  expect(cut.count).toBe(2000)
  expect(cut.differences.length + cut.omitted).toBe(2000)
  expect(cut.differences.length).toBeGreaterThan(10)
  expect(cut.scriptsOmitted).toBe(true)
})

test('the summary names each difference and fences both scripts; no drift says so', () => {
  const context = {
    environment: 'production',
    target: 'postgres://u:***@db/app',
    versions: [1, 2, 3],
    server: 'local PostgreSQL 16',
    runUrl: null,
    sha: null
  }
  const markdown = renderDrift(compare([table('public.t')], []), context)
  expect(markdown).toContain('### Schema drift: production')
  expect(markdown).toContain('v1…v3 (3 versions)')
  expect(markdown).toContain('- table `public.t` missing from the database: `table ()`')
  expect(markdown).toContain('```sql\nCREATE TABLE public.t (\n\n);\n```')
  expect(renderDrift(compare([], []), context)).toContain('No drift: the database matches its migrations.')
})

describe('MySQL', () => {
  const mysqlColumn = (name: string, definition: string): SchemaObject => ({
    kind: 'column',
    name: `\`t\`.\`${name}\``,
    relation: '`t`',
    definition,
    source: null
  })
  const mysqlTable: SchemaObject = { kind: 'table', name: '`t`', relation: null, definition: 'table', source: null }
  const primary: SchemaObject = { kind: 'index', name: '`t`.`PRIMARY`', relation: '`t`', definition: 'PRIMARY KEY (`id`)', source: null }
  const compareMysql = (migrations: SchemaObject[], database: SchemaObject[]) =>
    compareSchemas(migrations, database, { transition: mysqlTransition, createdWithTable: createdWithMysqlTable })

  test('a whole table is created with its columns and its indexes (an AUTO_INCREMENT column needs its key there)', () => {
    const report = compareMysql([mysqlTable, mysqlColumn('id', '`id` int NOT NULL AUTO_INCREMENT'), primary], [])
    expect(report.toMatch).toEqual(['CREATE TABLE `t` (\n  `id` int NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n);'])
    expect(report.toAdopt).toEqual(['DROP TABLE `t`;'])
  })

  test('a changed column is one MODIFY COLUMN with the whole column; a primary key and a foreign key drop their own way', () => {
    const fk: SchemaObject = {
      kind: 'constraint',
      name: '`t`.`t_fk`',
      relation: '`t`',
      definition: 'FOREIGN KEY (`a`) REFERENCES `u` (`id`) ON DELETE RESTRICT ON UPDATE RESTRICT',
      source: 'foreign key'
    }
    const report = compareMysql(
      [mysqlTable, mysqlColumn('a', '`a` int NOT NULL')],
      [mysqlTable, mysqlColumn('a', '`a` bigint'), primary, fk]
    )
    expect(report.toMatch).toEqual([
      'ALTER TABLE `t` DROP FOREIGN KEY `t_fk`;',
      'ALTER TABLE `t` DROP PRIMARY KEY;',
      'ALTER TABLE `t` MODIFY COLUMN `a` int NOT NULL;'
    ])
  })
})

test("plan's drift section: the count and the first objects by name; the trace's kinds only", () => {
  const applied = [
    table('public.t'),
    { ...table('public.t_pkey'), kind: 'index', relation: 'public.t', source: 'constraint' } as SchemaObject
  ]
  const database = [
    table('public.t'),
    table('public.extra'),
    { kind: 'sequence', name: 'public.s', relation: null, definition: 'sequence', source: null } as SchemaObject
  ]
  const differences = planDrift(applied, database)
  expect(differences.map((d) => `${d.change} ${d.kind} ${d.name}`)).toEqual(['added table public.extra'])
  expect(renderPlanDrift(differences)).toBe(
    [
      '**Drift**: the database differs from its applied migrations in 1 object, changed by other means than a migration. Run `command: drift` for each change and the SQL to fix or adopt it.',
      '',
      '- table `public.extra` added in the database'
    ].join('\n')
  )
  expect(renderPlanDrift([])).toBe('**Drift**: none — the database matches its applied migrations.')
})

test("a serial column made again: its sequence first (the snapshot leaves a column's own sequence out), owned by it after", () => {
  const serial = column('public.t', 'id', 'integer', { notNull: true, default: "nextval('t_id_seq'::regclass)" })
  const report = compare([table('public.t'), serial], [])
  expect(report.toMatch).toEqual([
    'CREATE SEQUENCE IF NOT EXISTS t_id_seq;',
    "CREATE TABLE public.t (\n  id integer NOT NULL DEFAULT nextval('t_id_seq'::regclass)\n);",
    'ALTER SEQUENCE t_id_seq OWNED BY public.t.id;'
  ])
})

test('the terminal text: a changed object on two lines, each side on its own, then both scripts', () => {
  const context = {
    environment: null,
    target: 'postgres://u:***@db/app',
    versions: [1, 2],
    server: 'local PostgreSQL 16',
    runUrl: null,
    sha: null
  }
  const migrations = [table('public.t'), column('public.t', 'n', 'integer', { default: '0' })]
  const database = [table('public.t'), column('public.t', 'n', 'integer', { default: '1' })]
  const lines = driftText(compare(migrations, database), context)
  const at = lines.findIndex((line) => line.startsWith('  column public.t.n changed in the database'))
  expect(lines.slice(at + 1, at + 3)).toEqual(['    migrations: n integer DEFAULT 0', '    database:   n integer DEFAULT 1'])
  expect(lines).toContain('-- To make the database match the migrations:')
  expect(lines).toContain('ALTER TABLE public.t ALTER COLUMN n SET DEFAULT 0;')
})
