/** Builds migrations on disk (in a temp dir) and in memory for tests. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { versionChecksum } from '../src/migrations/checksum.js'
import { readMigrationFile } from './migrations.js'
import type { Version } from '../src/migrations/types.js'
import type { AppliedRow } from '../src/plan.js'

/** Writes `{ 'v1/01_a.sql': 'SQL', … }` under a new temp dir and returns the dir. */
export function writeMigrations(files: Record<string, string | Buffer>, root?: string): string {
  const dir = root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-m-'))
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
  return dir
}

/** An in-memory version: `version(2, { '01_a.sql': 'select 1;' })`. */
export function version(number: number, files: Record<string, string>, description = ''): Version {
  const dir = `m/v${number}${description ? `_${description}` : ''}`
  const list = Object.entries(files).map(([name, text]) => readMigrationFile(name, `${dir}/${name}`, text))
  return { number, description, dir, files: list, checksum: versionChecksum(list) }
}

/** The meta row an apply of `v` would have written. */
export function rowFor(v: Version, overrides: Partial<AppliedRow> = {}): AppliedRow {
  return {
    version: v.number,
    description: v.description,
    checksum: v.checksum,
    files: v.files.map((f) => ({ name: f.name, checksum: f.checksum, statements: f.statements.length })),
    appliedAt: '2026-01-01T00:00:00.000Z',
    executionMs: 12,
    appliedBy: 'octocat',
    commitSha: 'abc123',
    runUrl: null,
    ...overrides
  }
}
