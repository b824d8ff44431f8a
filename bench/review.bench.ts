/**
 * The review's cost: loading PostgreSQL's parser (WebAssembly) and the first parse, then parsing and checking
 * 1,000 pending versions × 5 files (a typical mix of DDL) with every rule. Goal: under a second.
 */
import { version } from '../testkit/versions.js'
import { loadParser } from '../src/dialects/postgresql/review/parse.js'
import { reviewStatements, runRules } from '../src/dialects/postgresql/review.js'
import type { Version } from '../src/migrations/types.js'

function files(v: number): Record<string, string> {
  return {
    '01_table.sql': `CREATE TABLE t${v} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, owner_id bigint REFERENCES owners (id), note text);\nCREATE INDEX t${v}_owner ON t${v} (owner_id);`,
    '02_alter.sql': `ALTER TABLE orders ADD COLUMN c${v} text NOT NULL DEFAULT 'x';\nALTER TABLE orders ADD CONSTRAINT k${v} CHECK (total >= 0) NOT VALID;`,
    '03_index.sql': `-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY orders_c${v} ON orders (c${v});`,
    '04_data.sql': `-- aurora-migrate:ignore truncate test data\nTRUNCATE t${v};\nUPDATE orders SET note = 'v${v}' WHERE id < 100;`,
    '05_function.sql': `CREATE FUNCTION f${v}() RETURNS trigger AS $$\nBEGIN\n  NEW.note := 'x;y';\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;`
  }
}

export async function benchReview(): Promise<void> {
  let started = process.hrtime.bigint()
  const parser = await loadParser()
  parser.parseStatement('CREATE INDEX ON orders (total)')
  console.log(`parser cold start (load WebAssembly + first parse): ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms`)

  const versions: Version[] = []
  for (let v = 1; v <= 1000; v++) versions.push(version(v, files(v)))
  const pending = versions.map((v) => v.number)
  for (let run = 1; run <= 3; run++) {
    started = process.hrtime.bigint()
    const statements = await reviewStatements(versions, pending)
    const parsed = Number(process.hrtime.bigint() - started) / 1e6
    const findings = runRules(statements, { catalog: null, trace: null, defaultSchema: 'public' }, { ignoreRules: [] })
    const total = Number(process.hrtime.bigint() - started) / 1e6
    console.log(
      `review 1,000 versions × 5 files (run ${run}): ${statements.length} statements parsed in ${parsed.toFixed(0)} ms, ` +
        `${findings.length} findings in ${total.toFixed(0)} ms with the rules`
    )
  }
}
