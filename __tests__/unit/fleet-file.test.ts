/**
 * The targets file and its expansion: every mistake an error naming the file and line before anything runs,
 * secrets only through environment variable names, `only` picking entries or expanded targets, and the
 * listing query held to one statement that reads.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { InputError } from '../../src/errors.js'
import { syntax } from '../../src/dialects/postgresql/syntax.js'
import { expandTargets, nameMatcher } from '../../src/fleet/expand.js'
import { parseTargetsFile, readTargetsFile } from '../../src/fleet/targets-file.js'

const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:prod'
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-migrator'

function parse(text: string, env: NodeJS.ProcessEnv = {}) {
  const secrets: string[] = []
  const file = parseTargetsFile(text, 'fleet.yml', { env, setSecret: (s) => secrets.push(s) })
  return { file, secrets }
}

function errorOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as InputError).message
  }
  throw new Error('expected an error')
}

const EXAMPLE = `
defaults:
  resource-arn: ${CLUSTER}
  secret-arn: ${SECRET}
  lock-timeout: 3s
targets:
  - name: canary
    database: tenant_canary
    wave: 1
  - name: tenants
    wave: 2
    databases-query: "SELECT datname FROM pg_database WHERE datname LIKE 'tenant\\\\_%' ORDER BY 1"
  - name: eu
    database: eu_main
    lock-timeout: 10s
`

describe('the targets file', () => {
  test('the example: defaults overlaid by each entry, waves, the query kept as written', () => {
    const { file } = parse(EXAMPLE)
    expect(file.entries.map((e) => [e.name, e.wave, e.where])).toEqual([
      ['canary', 1, 'fleet.yml:7'],
      ['tenants', 2, 'fleet.yml:10'],
      ['eu', null, 'fleet.yml:13']
    ])
    expect(Object.fromEntries(file.entries[0].inputs)).toEqual({
      'resource-arn': CLUSTER,
      'secret-arn': SECRET,
      'lock-timeout': '3s',
      database: 'tenant_canary'
    })
    expect(file.entries[2].inputs.get('lock-timeout')).toBe('10s')
    expect(file.entries[1].databasesQuery).toBe("SELECT datname FROM pg_database WHERE datname LIKE 'tenant\\_%' ORDER BY 1")
    expect(file.entries[1].inputs.has('databases-query')).toBe(false)
  })

  test.each([
    ['an unknown key in a target', 'targets:\n  - name: a\n    databse: x\n', /fleet\.yml:3: unknown key 'databse' in a target/],
    ['an unknown top-level key', 'target:\n  - name: a\n', /fleet\.yml:1: unknown key 'target'/],
    [
      'an entry key in defaults',
      'defaults:\n  wave: 1\ntargets:\n  - name: a\n',
      /fleet\.yml:2: unknown key 'wave' in defaults: wave belongs to an entry/
    ],
    [
      'a duplicate name',
      'targets:\n  - name: a\n  - name: a\n',
      /fleet\.yml:3: a second target named 'a' \(the first is at fleet\.yml:2\)/
    ],
    ['a target without a name', 'targets:\n  - database: x\n', /fleet\.yml:2: a target needs a name/],
    ['a name with a slash', 'targets:\n  - name: a/b\n', /'a\/b' is not a target name/],
    ['no targets', 'defaults:\n  database: x\n', /must be a list of at least one target/],
    ['an empty list', 'targets: []\n', /must be a list of at least one target/],
    ['a wave of 0', 'targets:\n  - name: a\n    wave: 0\n', /a: wave '0' is not a whole number from 1/],
    ['a list as a value', 'targets:\n  - name: a\n    database: [x, y]\n', /fleet\.yml:3: database must be one value/],
    [
      'both queries',
      'targets:\n  - name: a\n    databases-query: SELECT 1\n    schemas-query: SELECT 1\n',
      /give databases-query or schemas-query, not both/
    ],
    ['a password in a URL', 'targets:\n  - name: a\n    database-url: postgres://u:hunter2@db/x\n', /database-url holds a password/],
    ['a duplicate key', 'targets:\n  - name: a\n    database: x\n    database: y\n', /fleet\.yml:\d+: not valid YAML/],
    ['not YAML', 'targets: [\n', /fleet\.yml(:\d+)?: not valid YAML/],
    ['a bad variable name', 'targets:\n  - name: a\n    database-url-env: 1X\n', /'1X' is not an environment variable name/]
  ])('%s is an error naming the file and line', (_, text, expected) => {
    const message = errorOf(() => parse(text))
    expect(message).toMatch(/^Input 'targets': /)
    expect(message).toMatch(expected)
    expect(message).not.toContain('hunter2')
  })

  test("an entry's own connection replaces the defaults' connection (and the cluster's database) of another kind", () => {
    const { file } = parse(
      `defaults:\n  resource-arn: ${CLUSTER}\n  secret-arn: ${SECRET}\n  database: app\n  lock-timeout: 2s\ntargets:\n` +
        '  - name: cluster\n' +
        '  - name: url\n    database-url: postgres://m@db.internal/x\n' +
        '  - name: env\n    database-url-env: X_URL\n' +
        '  - name: fn\n    lambda-function: runner\n',
      { X_URL: 'postgres://m:p@h/x' }
    )
    expect(file.entries.map((e) => Object.fromEntries(e.inputs))).toEqual([
      { 'resource-arn': CLUSTER, 'secret-arn': SECRET, database: 'app', 'lock-timeout': '2s' },
      { 'lock-timeout': '2s', 'database-url': 'postgres://m@db.internal/x' },
      { 'lock-timeout': '2s', 'database-url': 'postgres://m:p@h/x' },
      { 'lock-timeout': '2s', 'lambda-function': 'runner' }
    ])
    const overUrl = parse('defaults:\n  database-url-env: X_URL\ntargets:\n  - name: a\n    database-url: postgres://m@h/a\n', {
      X_URL: 'postgres://m:p@h/x'
    })
    expect(Object.fromEntries(overUrl.file.entries[0].inputs)).toEqual({ 'database-url': 'postgres://m@h/a' })
  })

  test('database-url-env reads the variable, registers it as a secret, and a missing one is an error', () => {
    const url = 'postgres://migrator:s3cret@db.internal:5432/tenant_a'
    const { file, secrets } = parse('targets:\n  - name: a\n    database-url-env: TENANT_A_URL\n', { TENANT_A_URL: url })
    expect(file.entries[0].inputs.get('database-url')).toBe(url)
    expect(file.entries[0].inputs.has('database-url-env')).toBe(false)
    expect(secrets).toContain('s3cret')
    expect(secrets.every((secret) => !secret.includes('db.internal'))).toBe(true)
    expect(errorOf(() => parse('targets:\n  - name: a\n    database-url-env: TENANT_A_URL\n'))).toMatch(
      /fleet\.yml:2: a: the environment variable TENANT_A_URL \(database-url-env\) is not set/
    )
  })

  test('the file must be a plain file inside the workspace, at most 1 MiB', () => {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-file-'))
    const options = { workspace, env: {}, setSecret: () => undefined }
    fs.writeFileSync(path.join(workspace, 'fleet.yml'), 'targets:\n  - name: a\n    database: x\n')
    expect(readTargetsFile('fleet.yml', options).entries).toHaveLength(1)
    expect(errorOf(() => readTargetsFile('../fleet.yml', options))).toMatch(/outside the workspace/)
    expect(errorOf(() => readTargetsFile('missing.yml', options))).toMatch(/missing\.yml does not exist/)
    fs.symlinkSync(path.join(workspace, 'fleet.yml'), path.join(workspace, 'link.yml'))
    expect(errorOf(() => readTargetsFile('link.yml', options))).toMatch(/link\.yml is a symbolic link/)
    fs.mkdirSync(path.join(workspace, 'real'))
    fs.writeFileSync(path.join(workspace, 'real', 'f.yml'), 'targets:\n  - name: a\n')
    fs.symlinkSync(path.join(workspace, 'real'), path.join(workspace, 'dir'))
    expect(errorOf(() => readTargetsFile('dir/f.yml', options))).toMatch(/dir is a symbolic link/)
    fs.writeFileSync(path.join(workspace, 'big.yml'), `targets:\n  - name: a\n#${'x'.repeat(1024 * 1024)}\n`)
    expect(errorOf(() => readTargetsFile('big.yml', options))).toMatch(/big\.yml is \d+ bytes: a targets file may have at most 1 MiB/)
    // A FIFO is refused on its descriptor, opened without blocking: the read never waits for a writer.
    execFileSync('mkfifo', [path.join(workspace, 'pipe.yml')])
    expect(errorOf(() => readTargetsFile('pipe.yml', options))).toMatch(/pipe\.yml is not a file/)
    fs.writeFileSync(path.join(workspace, 'latin1.yml'), Buffer.from([0x74, 0x3a, 0xe9, 0x0a]))
    expect(errorOf(() => readTargetsFile('latin1.yml', options))).toMatch(/is not UTF-8 text/)
  })
})

describe('expanding the file', () => {
  const file = (): ReturnType<typeof parse>['file'] => parse(EXAMPLE).file

  test('a databases-query becomes one target per row, named <entry>/<row>, its database set', async () => {
    const asked: string[] = []
    const targets = await expandTargets(file(), {
      only: null,
      syntax,
      listNames: async (entry, sql) => {
        asked.push(`${entry.name}: ${sql}`)
        return ['tenant_a', 'tenant_b']
      }
    })
    expect(targets.map((t) => [t.name, t.database, t.wave, t.inputs.get('database')])).toEqual([
      ['canary', 'tenant_canary', 1, 'tenant_canary'],
      ['tenants/tenant_a', 'tenant_a', 2, 'tenant_a'],
      ['tenants/tenant_b', 'tenant_b', 2, 'tenant_b'],
      ['eu', 'eu_main', null, 'eu_main']
    ])
    expect(asked).toHaveLength(1)
  })

  test('a databases-query over a URL sets the URL path; a schemas-query sets the meta table schema', async () => {
    const text = `targets:
  - name: urls
    database-url: postgres://migrator@db.internal:5432/postgres
    databases-query: SELECT datname FROM pg_database
  - name: schemas
    database: app
    resource-arn: ${CLUSTER}
    secret-arn: ${SECRET}
    meta-table: history
    schemas-query: SELECT nspname FROM pg_namespace
`
    const targets = await expandTargets(parse(text).file, { only: null, syntax, listNames: async () => ['t1'] })
    expect(targets[0].inputs.get('database-url')).toBe('postgres://migrator@db.internal:5432/t1')
    expect(targets[1].inputs.get('meta-table')).toBe('t1.history')
    expect(targets[1].inputs.get('schema')).toBe('t1')
    expect(targets[1].inputs.get('database')).toBe('app')
  })

  test.each([
    ['nothing', [], /tenants: databases-query returned nothing: no database to migrate/],
    ['a NULL', ['a', null], /returned NULL, which is not a database name/],
    ['a name with a quote', ["x'; DROP DATABASE y; --"], /returned 'x'; DROP DATABASE y; --', which is not a database name/],
    ['a duplicate', ['a', 'a'], /returned 'a' twice/]
  ])('a query that returns %s is an error naming the entry', async (_, rows, expected) => {
    await expect(expandTargets(file(), { only: null, syntax, listNames: async () => rows as Array<string | null> })).rejects.toThrow(
      expected
    )
  })

  test.each([
    ['two statements', 'SELECT 1; SELECT 2', /must be one statement \(it has 2\)/],
    ['a statement that writes', 'DELETE FROM tenants RETURNING name', /must read \(SELECT, WITH, SHOW or VALUES\)/],
    ['DDL behind a comment', '/* list */ DROP DATABASE x', /must read/]
  ])('a query of %s is refused before it is sent', async (_, query, expected) => {
    const text = `defaults:\n  database-url: postgres://m@db/x\ntargets:\n  - name: t\n    databases-query: "${query}"\n`
    let sent = false
    await expect(
      expandTargets(parse(text).file, {
        only: null,
        syntax,
        listNames: async () => {
          sent = true
          return ['a']
        }
      })
    ).rejects.toThrow(expected)
    expect(sent).toBe(false)
  })

  test('only picks entries or expanded targets by name and glob; an entry it cannot pick is not queried', async () => {
    let queried = 0
    const listNames = async (): Promise<string[]> => {
      queried++
      return ['tenant_a', 'tenant_b', 'tenant_c']
    }
    const names = async (only: string): Promise<string[]> => (await expandTargets(file(), { only, syntax, listNames })).map((t) => t.name)
    expect(await names('canary')).toEqual(['canary'])
    expect(queried).toBe(0)
    expect(await names('tenants')).toEqual(['tenants/tenant_a', 'tenants/tenant_b', 'tenants/tenant_c'])
    expect(await names('tenants/tenant_?')).toEqual(['tenants/tenant_a', 'tenants/tenant_b', 'tenants/tenant_c'])
    expect(await names('tenants/*_b, eu')).toEqual(['tenants/tenant_b', 'eu'])
    expect(await names('c*')).toEqual(['canary'])
    await expect(names('nobody')).rejects.toThrow(/'nobody' matches no target of fleet\.yml/)
    expect(() => nameMatcher('a;b')).toThrow(/'a;b' is not a target name or glob/)
  })

  test('the runner Lambda cannot take a databases-query (it connects to its own database)', async () => {
    const text = 'targets:\n  - name: l\n    lambda-function: runner\n    databases-query: SELECT 1\n'
    await expect(expandTargets(parse(text).file, { only: null, syntax, listNames: async () => ['a'] })).rejects.toThrow(
      /databases-query does not go with lambda-function/
    )
  })
})

test("docs/fleets.md's targets file is a valid one", () => {
  const page = fs.readFileSync('docs/fleets.md', 'utf8')
  const example = /## The targets file\n\n```yaml\n([\s\S]*?)```/.exec(page)![1]
  const { file } = parse(example, { EU_DATABASE_URL: 'postgres://m:p@eu.internal/app' })
  expect(file.entries.map((e) => [e.name, e.wave, e.databasesQuery !== null])).toEqual([
    ['canary', 1, false],
    ['tenants', 2, true],
    ['eu', null, false]
  ])
})
