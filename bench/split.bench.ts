/**
 * Splitter and discover throughput: a large generated migration (tables, functions with dollar quotes,
 * strings and comments) split into statements, and a directory of many versions discovered: 500 versions of
 * 2 KB files, and the walk over 1,000 versions × 5 small files (30,000 statements, about 1 MB), where the
 * cost per file (the checks, the reads) counts more than the bytes. Goal for that walk: well under 0.5 s.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { splitStatements } from '../src/dialects/postgresql/split.js'
import { syntax } from '../src/dialects/postgresql/syntax.js'
import { discoverMigrations } from '../src/migrations/discover.js'
import { median } from './cost.js'

function generate(targetBytes: number): string {
  const parts: string[] = []
  let size = 0
  for (let i = 0; size < targetBytes; i++) {
    const chunk =
      `-- table ${i}\nCREATE TABLE t${i} (id bigserial PRIMARY KEY, name text NOT NULL DEFAULT 'it''s; fine', body jsonb);\n` +
      `CREATE FUNCTION f${i}() RETURNS trigger AS $fn$\nBEGIN\n  NEW.name := E'semi\\'colon;';\n  RETURN NEW; /* ; */\nEND;\n$fn$ LANGUAGE plpgsql;\n` +
      `INSERT INTO t${i} (name, body) VALUES ('a;b', '{"k": "v;w"}'), ("x", NULL);\n`
    parts.push(chunk)
    size += chunk.length
  }
  return parts.join('')
}

export async function benchSplit(): Promise<void> {
  for (const mb of [1, 10]) {
    const text = generate(mb * 1024 * 1024)
    const times: number[] = []
    let count = 0
    for (let run = 0; run < 5; run++) {
      const start = process.hrtime.bigint()
      count = splitStatements(text, 'bench.sql').length
      times.push(Number(process.hrtime.bigint() - start) / 1e6)
    }
    const ms = median(times)
    console.log(`split ${mb} MB: ${count} statements in ${ms.toFixed(1)} ms (median of 5) = ${((mb * 1024) / ms).toFixed(0)} MB/s`)
  }

  const oneLine = 'SELECT 1;'.repeat(Math.ceil((10 * 1024 * 1024) / 9))
  const started = process.hrtime.bigint()
  const count = splitStatements(oneLine, 'one-line.sql').length
  console.log(`split 10 MB on one line: ${count} statements in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms`)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-bench-'))
  const versions = 500
  for (let v = 1; v <= versions; v++) {
    fs.mkdirSync(path.join(dir, `v${v}`))
    for (let f = 1; f <= 3; f++) fs.writeFileSync(path.join(dir, `v${v}`, `0${f}.sql`), generate(2 * 1024))
  }
  const start = process.hrtime.bigint()
  const found = await discoverMigrations(syntax, dir, dir)
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  const statements = found.versions.reduce((sum, v) => sum + v.files.reduce((s, f) => s + f.statements.length, 0), 0)
  console.log(`discover ${versions} versions × 3 files: ${statements} statements in ${ms.toFixed(0)} ms`)
  fs.rmSync(dir, { recursive: true, force: true })

  const many = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-bench-'))
  for (let v = 1; v <= 1000; v++) {
    fs.mkdirSync(path.join(many, `v${v}`))
    for (let f = 1; f <= 5; f++) {
      const lines = Array.from({ length: 6 }, (_, i) => `INSERT INTO t${v} (a, b, note) VALUES (${f}, ${i}, 'x');\n`)
      fs.writeFileSync(path.join(many, `v${v}`, `0${f}_step.sql`), lines.join(''))
    }
  }
  const walks: number[] = []
  let walked = 0
  for (let run = 0; run < 5; run++) {
    const begun = process.hrtime.bigint()
    const { versions: found } = await discoverMigrations(syntax, many, many)
    walks.push(Number(process.hrtime.bigint() - begun) / 1e6)
    walked = found.reduce((sum, v) => sum + v.files.reduce((s, f) => s + f.statements.length, 0), 0)
  }
  console.log(`discover 1,000 versions × 5 small files: ${walked} statements in ${median(walks).toFixed(0)} ms (median of 5)`)
  fs.rmSync(many, { recursive: true, force: true })
}
