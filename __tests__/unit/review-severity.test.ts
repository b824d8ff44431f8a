/**
 * Every outcome of every rule has a severity, and it is one of error, warning, notice: a table of cases per rule
 * (each way the rule can fire: with and without a catalog, with NULLs or rows known, the variants of its SQL), run
 * through PostgreSQL's parser and runRules. A rule added without a case here fails the last test.
 */
import { RULES, reviewStatements, runRules } from '../../src/dialects/postgresql/review.js'
import {
  SEVERITIES,
  isSeverity,
  traceKey,
  type Finding,
  type RelationFacts,
  type RuleResult,
  type Severity,
  type StatementTrace
} from '../../src/review/types.js'
import { version } from '../../testkit/versions.js'

type Catalog = Map<string, RelationFacts> | null

function table(name: string, facts: Partial<RelationFacts> = {}): [string, RelationFacts] {
  return [`public.${name}`, { name: `public.${name}`, kind: 'table', rows: 100_000, bytes: 8 * 1024 * 1024, nullFraction: {}, ...facts }]
}

/** A target with the usual tables, all with rows. */
const CATALOG: Catalog = new Map([
  table('orders', { nullFraction: { status: 0, note: 0.25 } }),
  table('customers'),
  table('events', { kind: 'partitioned table' }),
  table('order_totals', { kind: 'materialized view' }),
  table('orders_status_idx', { kind: 'index' }),
  table('never_analyzed', { rows: null })
])

interface Outcome {
  /** What this case shows of the rule. */
  name: string
  /** The trace of the statements, when the outcome needs one. */
  trace?: Map<string, StatementTrace>
  /** The pending versions' files (versions 1, 2, …). */
  versions: Array<Record<string, string>>
  catalog?: Catalog
  severity: Severity
}

const CASES: Record<string, Outcome[]> = {
  'index-not-concurrent': [
    { name: 'table', versions: [{ '01.sql': 'CREATE INDEX ON orders (status);' }], severity: 'warning' },
    { name: 'partitioned table', versions: [{ '01.sql': 'CREATE INDEX ON events (id);' }], severity: 'warning' },
    { name: 'no catalog', versions: [{ '01.sql': 'CREATE INDEX ON orders (status);' }], catalog: null, severity: 'warning' }
  ],
  'drop-index-not-concurrent': [{ name: 'index', versions: [{ '01.sql': 'DROP INDEX orders_status_idx;' }], severity: 'warning' }],
  'constraint-validated-at-once': [
    {
      name: 'foreign key',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id);' }],
      severity: 'warning'
    },
    { name: 'check', versions: [{ '01.sql': 'ALTER TABLE orders ADD CHECK (total > 0);' }], severity: 'warning' },
    { name: 'inline check', versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN n int CHECK (n > 0);' }], severity: 'warning' },
    {
      name: 'inline references with a default',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN c bigint DEFAULT 1 REFERENCES customers (id);' }],
      severity: 'warning'
    }
  ],
  'set-not-null': [
    { name: 'no NULLs', versions: [{ '01.sql': 'ALTER TABLE orders ALTER COLUMN status SET NOT NULL;' }], severity: 'warning' },
    { name: 'NULLs: fails', versions: [{ '01.sql': 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;' }], severity: 'error' },
    {
      name: 'no catalog',
      versions: [{ '01.sql': 'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;' }],
      catalog: null,
      severity: 'warning'
    }
  ],
  'add-column-not-null-without-default': [
    { name: 'rows', versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN tier text NOT NULL;' }], severity: 'error' },
    { name: 'inline primary key', versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN k int PRIMARY KEY;' }], severity: 'error' },
    {
      name: 'never analyzed',
      versions: [{ '01.sql': 'ALTER TABLE never_analyzed ADD COLUMN tier text NOT NULL;' }],
      severity: 'warning'
    },
    {
      name: 'no catalog',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN tier text NOT NULL;' }],
      catalog: null,
      severity: 'warning'
    }
  ],
  'unique-constraint-locks': [
    { name: 'inline unique', versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN n int UNIQUE;' }], severity: 'warning' },
    { name: 'unique', versions: [{ '01.sql': 'ALTER TABLE orders ADD CONSTRAINT orders_n UNIQUE (n);' }], severity: 'warning' },
    { name: 'primary key', versions: [{ '01.sql': 'ALTER TABLE orders ADD PRIMARY KEY (id);' }], severity: 'warning' },
    {
      name: 'exclude',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD CONSTRAINT orders_x EXCLUDE USING gist (id WITH =);' }],
      severity: 'warning'
    }
  ],
  'attach-partition-scan': [
    {
      name: 'existing table',
      versions: [{ '01.sql': "ALTER TABLE events ATTACH PARTITION orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');" }],
      severity: 'warning'
    }
  ],
  'alter-domain-scan': [
    { name: 'add constraint', versions: [{ '01.sql': 'ALTER DOMAIN rating ADD CHECK (VALUE > 0);' }], severity: 'warning' },
    { name: 'validate', versions: [{ '01.sql': 'ALTER DOMAIN rating VALIDATE CONSTRAINT rating_max;' }], severity: 'warning' },
    { name: 'set not null', versions: [{ '01.sql': 'ALTER DOMAIN rating SET NOT NULL;' }], severity: 'warning' }
  ],
  truncate: [{ name: 'table', versions: [{ '01.sql': 'TRUNCATE orders;' }], severity: 'warning' }],
  'lock-table': [
    { name: 'access exclusive', versions: [{ '01.sql': 'LOCK TABLE orders;' }], severity: 'warning' },
    { name: 'share', versions: [{ '01.sql': 'LOCK TABLE orders IN SHARE MODE;' }], severity: 'warning' }
  ],
  'vacuum-full': [
    { name: 'table', versions: [{ '01.sql': '-- migrate:no-transaction\nVACUUM FULL orders;' }], severity: 'warning' },
    { name: 'database', versions: [{ '01.sql': '-- migrate:no-transaction\nVACUUM FULL;' }], severity: 'warning' }
  ],
  cluster: [
    { name: 'table', versions: [{ '01.sql': 'CLUSTER orders USING orders_pkey;' }], severity: 'warning' },
    { name: 'database', versions: [{ '01.sql': 'CLUSTER;' }], severity: 'warning' }
  ],
  'reindex-not-concurrent': [
    { name: 'index', versions: [{ '01.sql': 'REINDEX INDEX orders_status_idx;' }], severity: 'warning' },
    { name: 'table', versions: [{ '01.sql': 'REINDEX TABLE orders;' }], severity: 'warning' },
    { name: 'schema', versions: [{ '01.sql': 'REINDEX SCHEMA public;' }], severity: 'warning' }
  ],
  'refresh-matview-not-concurrent': [
    { name: 'view', versions: [{ '01.sql': 'REFRESH MATERIALIZED VIEW order_totals;' }], severity: 'warning' }
  ],
  'foreign-key-without-index': [
    {
      name: 'new table',
      versions: [{ '01.sql': 'CREATE TABLE lines (id bigint, order_id bigint REFERENCES orders (id));' }],
      severity: 'notice'
    },
    {
      name: 'existing table',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;' }],
      severity: 'notice'
    }
  ],
  'add-column-volatile-default': [
    {
      name: 'gen_random_uuid',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();' }],
      severity: 'warning'
    }
  ],
  'add-column-stored-generated': [
    {
      name: 'stored',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN doubled numeric GENERATED ALWAYS AS (total * 2) STORED;' }],
      severity: 'warning'
    }
  ],
  'add-column-serial-identity': [
    { name: 'serial', versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN seq bigserial;' }], severity: 'warning' },
    {
      name: 'identity',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;' }],
      severity: 'warning'
    }
  ],
  'alter-column-type-rewrite': [
    { name: 'to bigint', versions: [{ '01.sql': 'ALTER TABLE orders ALTER COLUMN qty TYPE bigint;' }], severity: 'warning' },
    {
      name: 'using',
      versions: [{ '01.sql': 'ALTER TABLE orders ALTER COLUMN code TYPE text USING upper(code);' }],
      severity: 'warning'
    }
  ],
  'set-unlogged': [{ name: 'table', versions: [{ '01.sql': 'ALTER TABLE orders SET UNLOGGED;' }], severity: 'error' }],
  'table-rewrite': [
    {
      name: 'seen by the trace',
      versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN p positive DEFAULT 1;' }],
      trace: new Map([
        [
          traceKey(1, 0),
          {
            version: 1,
            index: 0,
            locks: [{ relation: 'public.orders', mode: 'AccessExclusiveLock' }],
            rewritten: ['public.orders'],
            constraints: [],
            durationMs: 1
          }
        ]
      ]),
      severity: 'warning'
    }
  ],
  'validate-in-same-transaction': [
    {
      name: 'after ADD CHECK NOT VALID',
      versions: [
        { '01.sql': 'ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;' }
      ],
      severity: 'warning'
    },
    {
      name: 'after ADD FOREIGN KEY NOT VALID',
      versions: [
        {
          '01.sql':
            'ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT f;'
        }
      ],
      severity: 'warning'
    }
  ],
  'set-logged': [{ name: 'table', versions: [{ '01.sql': 'ALTER TABLE orders SET LOGGED;' }], severity: 'warning' }],
  'drop-column': [{ name: 'column', versions: [{ '01.sql': 'ALTER TABLE orders DROP COLUMN note;' }], severity: 'warning' }],
  'drop-table': [{ name: 'table', versions: [{ '01.sql': 'DROP TABLE orders;' }], severity: 'warning' }],
  'drop-schema': [
    { name: 'schema', versions: [{ '01.sql': 'DROP SCHEMA legacy;' }], severity: 'warning' },
    { name: 'cascade', versions: [{ '01.sql': 'DROP SCHEMA legacy CASCADE;' }], severity: 'warning' }
  ],
  'rename-column': [{ name: 'column', versions: [{ '01.sql': 'ALTER TABLE orders RENAME COLUMN note TO notes;' }], severity: 'warning' }],
  'rename-table': [{ name: 'table', versions: [{ '01.sql': 'ALTER TABLE orders RENAME TO purchases;' }], severity: 'warning' }],
  'rename-schema': [{ name: 'schema', versions: [{ '01.sql': 'ALTER SCHEMA legacy RENAME TO old;' }], severity: 'warning' }],
  'unbatched-backfill': [
    { name: 'update', versions: [{ '01.sql': "UPDATE orders SET status = 'new';" }], severity: 'warning' },
    { name: 'delete where null', versions: [{ '01.sql': 'DELETE FROM orders WHERE note IS NULL;' }], severity: 'warning' },
    { name: 'no catalog', versions: [{ '01.sql': "UPDATE orders SET status = 'new';" }], catalog: null, severity: 'warning' }
  ],
  'access-exclusive-held': [
    {
      name: 'followed by a backfill',
      versions: [{ '01.sql': "ALTER TABLE orders ADD COLUMN state text;\nUPDATE customers SET tier = 'silver' WHERE id < 10;" }],
      severity: 'warning'
    }
  ],
  'enum-value-same-transaction': [
    {
      name: 'used after ADD VALUE',
      versions: [{ '01.sql': "ALTER TYPE mood ADD VALUE 'happy';\nUPDATE customers SET mood = 'happy' WHERE id = 1;" }],
      severity: 'error'
    }
  ],
  'timestamp-without-time-zone': [
    { name: 'create', versions: [{ '01.sql': 'CREATE TABLE t (at timestamp);' }], severity: 'notice' },
    { name: 'array', versions: [{ '01.sql': 'ALTER TABLE orders ADD COLUMN ats timestamp[];' }], severity: 'notice' }
  ],
  'serial-column': [
    { name: 'serial', versions: [{ '01.sql': 'CREATE TABLE t (id serial);' }], severity: 'notice' },
    { name: 'smallserial', versions: [{ '01.sql': 'CREATE TABLE t (id smallserial);' }], severity: 'notice' }
  ],
  'json-column': [{ name: 'json', versions: [{ '01.sql': 'CREATE TABLE t (doc json);' }], severity: 'notice' }],
  'unknown-waiver': [
    {
      name: 'misspelt id',
      versions: [{ '01.sql': '-- aurora-migrate:ignore index-not-concurent it is small\nCREATE INDEX ON orders (status);' }],
      severity: 'notice'
    }
  ]
}

async function run(outcome: Outcome): Promise<Finding[]> {
  const built = outcome.versions.map((files, i) => version(i + 1, files))
  const statements = await reviewStatements(
    built,
    built.map((v) => v.number)
  )
  const context = {
    catalog: outcome.catalog === undefined ? CATALOG : outcome.catalog,
    trace: outcome.trace ?? null,
    defaultSchema: 'public'
  }
  return runRules(statements, context, { ignoreRules: [] })
}

const TABLE = Object.entries(CASES).flatMap(([rule, outcomes]) => outcomes.map((outcome) => [rule, outcome.name, outcome] as const))

test.each(TABLE)(
  '%s (%s): the finding has its severity, and every finding has one of error, warning, notice',
  async (rule, _name, outcome) => {
    const findings = await run(outcome)
    const own = findings.filter((finding) => finding.rule === rule)
    expect(own.length).toBeGreaterThan(0)
    for (const finding of own) expect(finding.severity).toBe(outcome.severity)
    for (const finding of findings) {
      expect(SEVERITIES).toContain(finding.severity)
      expect(isSeverity(finding.severity)).toBe(true)
      expect(finding.message).not.toMatch(/undefined/)
    }
  }
)

test('every rule has its outcomes in the table', () => {
  expect(Object.keys(CASES).sort()).toEqual(RULES.map((rule) => rule.id).sort())
})

test('a result that gets around the type (a cast) still gives the finding a Severity: the rule’s own', async () => {
  const rogue = {
    id: 'rogue-rule',
    severity: 'warning' as const,
    summary: 'a rule whose result says severity: undefined',
    check: () => [{ severity: undefined as unknown as Severity, message: 'm', fix: 'f', relation: null, lock: null }]
  }
  RULES.push(rogue)
  try {
    const findings = await run({ name: 'any', versions: [{ '01.sql': 'SELECT 1;' }], severity: 'warning' })
    expect(findings.find((finding) => finding.rule === 'rogue-rule')?.severity).toBe('warning')
  } finally {
    RULES.splice(RULES.indexOf(rogue), 1)
  }
})

test('the compiler refuses a result without a Severity (type-checked by npm run build: an unused @ts-expect-error fails it)', () => {
  // @ts-expect-error severity undefined is not a Severity
  const undefinedSeverity: RuleResult = { severity: undefined, message: 'm', fix: 'f', relation: null, lock: null }
  // @ts-expect-error a result must state its severity
  const missingSeverity: RuleResult = { message: 'm', fix: 'f', relation: null, lock: null }
  // @ts-expect-error 'info' is no Severity
  const otherSeverity: RuleResult = { severity: 'info', message: 'm', fix: 'f', relation: null, lock: null }
  expect([undefinedSeverity, missingSeverity, otherSeverity].map((result) => isSeverity(result.severity))).toEqual([false, false, false])
})

test('isSeverity accepts exactly the three severities', () => {
  expect(['error', 'warning', 'notice', undefined, 'undefined', 'info', null].map(isSeverity)).toEqual([
    true,
    true,
    true,
    false,
    false,
    false,
    false
  ])
})
