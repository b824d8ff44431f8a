/** The SQL script's pure parts: rendering a record of what the engine sent, and the sql-output file's checks. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Config } from '../../src/config.js'
import { InputError } from '../../src/errors.js'
import { postgresql } from '../../src/dialects/postgresql/index.js'
import { inlineParameters } from '../../src/dialects/postgresql/packed.js'
import { metaTables } from '../../src/engine/meta.js'
import { sqlOutputInput, writeSqlOutput } from '../../src/sql-script/output.js'
import { produceSqlScript, SqlScriptError } from '../../src/commands/sql-script.js'
import type { Sent } from '../../src/sql-script/recording-target.js'
import { guardCheck, renderScript, terminated } from '../../src/dialects/postgresql/sql-script.js'
import { version } from '../../testkit/versions.js'

const tables = metaTables('public', 'schema_migrations')
const lease = postgresql.engine.lease
const v1 = version(1, { '01_a.sql': 'create table a (id int);\ncreate index on a (id); -- why\n' }, 'a')
const v2 = version(2, { '01_i.sql': '-- migrate:no-transaction\ncreate index concurrently a_i on a (id);\n' }, 'i')

function render(sent: Sent[], pending = [v1, v2]): string {
  return renderScript({ header: ['the header'], pending, sent, tables, lease, inline: inlineParameters })
}

test('reads are left out, the lease statement is followed by \\gset, writes and statements are kept in order with their places', () => {
  const take = lease.take(tables, 'SELECT version FROM x') as string
  const script = render([
    { kind: 'query', sql: 'SELECT 1 AS meta_schema' },
    { kind: 'query', sql: take, params: { owner: "o'wner", ttl: 60, version: 3 } },
    { kind: 'version', index: 0 },
    {
      kind: 'transaction',
      packed: null,
      statements: [
        { sql: lease.fence(tables), params: { ttl: 60, token: 7, owner: "o'wner" }, expectRows: 1, label: 'fence' },
        { sql: v1.files[0].statements[0].sql },
        { sql: v1.files[0].statements[1].sql }
      ]
    },
    { kind: 'version', index: 1 },
    { kind: 'query', sql: 'WITH x AS (SELECT 1) SELECT * FROM x' },
    { kind: 'query', sql: v2.files[0].statements[0].sql, options: { longRunning: { timeoutMs: null } } },
    { kind: 'query', sql: lease.updateOurs(tables, 'release'), params: { token: 7, owner: "o'wner" } }
  ])
  expect(script).toMatch(/^-- the header\n\\set ON_ERROR_STOP on\n/)
  expect(script).not.toContain('meta_schema')
  expect(script).not.toContain('WITH x AS')
  // The bare take (without the read apply joins to it), its parameters inlined, then \gset.
  expect(script).toContain(
    `${inlineParameters(lease.take(tables, null) as string, { owner: "o'wner", ttl: 60 })}\n\\gset aurora_migrate_\n`
  )
  expect(script).not.toContain('SELECT version FROM x')
  expect(script).toContain("owner =  E'o''wner'")
  expect(script).toContain('-- v1 (a): m/v1_a\n--   m/v1_a/01_a.sql: 2 statements')
  expect(script).toContain('-- m/v1_a/01_a.sql:1\ncreate table a (id int);\n-- m/v1_a/01_a.sql:2\ncreate index on a (id);\nCOMMIT;')
  expect(script).toContain('(-- migrate:no-transaction: each runs on its own, outside a transaction)')
  expect(script).toContain('-- m/v2_i/01_i.sql:2: on its own, outside a transaction (autocommit)\ncreate index concurrently a_i on a (id);')
  expect(script.trimEnd().endsWith('FROM ours WHERE l.id = ours.id;')).toBe(true)
  expect(script.indexOf('create table a')).toBeLessThan(script.indexOf('create index concurrently'))
})

test('a packed transaction is its chunks: one alone, several between BEGIN and COMMIT', () => {
  const statements = [{ sql: 'select 1' }, { sql: 'select 2' }]
  const one = render([{ kind: 'transaction', statements, packed: [{ sql: 'DO $p$ one $p$', first: 0, count: 2 }] }])
  expect(one).toContain('-- Packed: the transaction in one DO block, one autocommit call; its steps:')
  expect(one).toContain('DO $p$ one $p$;')
  expect(one).not.toContain('BEGIN;')
  const two = render([
    {
      kind: 'transaction',
      statements,
      packed: [
        { sql: 'DO $p$ one $p$', first: 0, count: 1 },
        { sql: 'DO $p$ two $p$', first: 1, count: 1 }
      ]
    }
  ])
  expect(two).toMatch(
    /BEGIN;\n-- Packed: one DO block[^\n]*\n-- {3}0: a statement\nDO \$p\$ one \$p\$;\n-- Packed: one DO block[^\n]*\n-- {3}1: a statement\nDO \$p\$ two \$p\$;\nCOMMIT;/
  )
})

test('a statement ends with its terminator, on a line of its own after a line comment', () => {
  expect(terminated('select 1')).toBe('select 1;')
  expect(terminated('select 1;\n  ')).toBe('select 1;')
  expect(terminated('select 1 -- note')).toBe('select 1 -- note\n;')
  expect(terminated('select 1 /* x */')).toBe('select 1 /* x */;')
})

test('a version the plan does not have is an error, not a script', () => {
  expect(() => render([{ kind: 'version', index: 5 }])).toThrow(/pending index 5/)
})

describe('sql-output', () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-sqlout-'))

  test('a path inside the workspace, for plan on one database', () => {
    expect(sqlOutputInput('', 'plan', workspace, false)).toBeNull()
    expect(sqlOutputInput(' out/plan.sql ', 'plan', workspace, false)).toBe('out/plan.sql')
    expect(sqlOutputInput(path.join(workspace, 'a', '..', 'plan.sql'), 'plan', workspace, false)).toBe('plan.sql')
    const refused = (raw: string, command = 'plan', fleet = false): string => {
      try {
        sqlOutputInput(raw, command, workspace, fleet)
      } catch (error) {
        expect(error).toBeInstanceOf(InputError)
        return (error as InputError).message
      }
      throw new Error('not refused')
    }
    expect(refused('../plan.sql')).toMatch(/is not a file inside the workspace/)
    expect(refused('/etc/plan.sql')).toMatch(/is not a file inside the workspace/)
    expect(refused('.')).toMatch(/is not a file inside the workspace/)
    expect(refused('plan.sql', 'apply')).toMatch(/goes with command: plan \(the command is apply\)/)
    expect(refused('plan.sql', 'plan', true)).toMatch(/not a fleet/)
  })

  test('written as a regular file; a link or a folder leading out of the workspace is refused and left as it was', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-outside-'))
    fs.writeFileSync(path.join(outside, 'victim.sql'), 'precious')
    writeSqlOutput(workspace, 'plan.sql', 'one')
    writeSqlOutput(workspace, 'plan.sql', 'two')
    expect(fs.readFileSync(path.join(workspace, 'plan.sql'), 'utf8')).toBe('two')

    fs.symlinkSync(path.join(outside, 'victim.sql'), path.join(workspace, 'link.sql'))
    expect(() => writeSqlOutput(workspace, 'link.sql', 'evil')).toThrow(/link\.sql exists and is not a regular file/)
    fs.symlinkSync(outside, path.join(workspace, 'out'))
    expect(() => writeSqlOutput(workspace, 'out/victim.sql', 'evil')).toThrow(/leads out of the workspace/)
    expect(() => writeSqlOutput(workspace, 'missing/plan.sql', 'x')).toThrow(/does not exist: create it first/)
    expect(fs.readFileSync(path.join(outside, 'victim.sql'), 'utf8')).toBe('precious')
  })
})

test('MySQL is refused before anything is read: PostgreSQL only for now', async () => {
  const config = {
    target: { kind: 'mysql-url', url: 'mysql://u:p@127.0.0.1:1/db' },
    engine: 'auto',
    shadowDatabaseUrl: null
  } as unknown as Config
  const reporter = { info: () => undefined, warning: () => undefined, annotate: () => undefined, findings: () => undefined }
  await expect(produceSqlScript(config, [v1], reporter)).rejects.toThrow(SqlScriptError)
  await expect(produceSqlScript(config, [v1], reporter)).rejects.toThrow(/PostgreSQL-only for now/)
})

test("psql checks the engine's 0- and 1-row guards in a transaction sent statement by statement; other statements it leaves", () => {
  expect(guardCheck({ sql: 'select', expectRows: 0, label: 'not-applied' })).toBe(
    "\\if :ROW_COUNT\nDO $guard$ BEGIN RAISE EXCEPTION USING ERRCODE = 'AMG01', MESSAGE = 'the version is recorded already: another run applied it since the plan. Nothing of this transaction was applied; plan again'; END $guard$;\n\\endif"
  )
  expect(guardCheck({ sql: 'update', expectRows: 1, label: 'fence' })).toMatch(
    /^\\if :ROW_COUNT\n\\else\nDO \$guard\$ BEGIN RAISE EXCEPTION USING ERRCODE = 'AMG01', MESSAGE = 'the migration lease is no longer this script''s: [^\n]*; END \$guard\$;\n\\endif$/
  )
  expect(guardCheck({ sql: 'insert', expectRows: 3, label: 'progress' })).toBeNull()
  expect(guardCheck({ sql: 'insert', expectRows: 1 })).toBeNull()
  expect(guardCheck({ sql: 'set', label: 'settings' })).toBeNull()
})

test('a call the throwaway database refused, which the engine got past, is not in the script', () => {
  const renew = lease.updateOurs(tables, 'renew')
  const script = render([
    { kind: 'query', sql: renew, params: { token: 1, owner: 'o', ttl: 60 }, failed: true },
    { kind: 'transaction', statements: [{ sql: 'select 42' }], packed: null, failed: true },
    { kind: 'query', sql: 'insert into t values (1)' }
  ])
  expect(script).not.toContain('renewed')
  expect(script).not.toContain('select 42')
  expect(script).toContain('insert into t values (1);')
})

test('a line break in a name shown in a comment cannot end the comment', () => {
  const script = renderScript({
    header: ['made for x\rDROP TABLE a; --'],
    pending: [],
    sent: [],
    tables,
    lease,
    inline: inlineParameters
  })
  expect(script).toBe('-- made for x\n-- DROP TABLE a; --\n\\set ON_ERROR_STOP on\n')
})
