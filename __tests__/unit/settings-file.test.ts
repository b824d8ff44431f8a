/**
 * The settings file: what it may hold, its errors at file:line, and the order of precedence — the input or flag,
 * over the selected environment's section, over the file's top level, over the built-in default — for plain
 * values, booleans, paths, `rules` (merged rule by rule) and the connection (taken whole from one place).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { readConfig, type ConfigSources } from '../../src/config.js'
import { knownRuleIds } from '../../src/commands/review.js'
import { InputError } from '../../src/errors.js'
import { OPTIONS } from '../../src/options.js'
import { actionSettingsFile, cliSettingsFile } from '../../src/settings/find-settings.js'
import { parseSettingsFile, type SettingsFile } from '../../src/settings/settings-file.js'
import { readSettledConfig } from '../../src/settings/settled-config.js'

const RULES = knownRuleIds()
const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:todo-prod'
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:todo-prod-migrator-AbCdEf'
const WORKSPACE = '/ws'

function parse(text: string): SettingsFile {
  return parseSettingsFile(text, 'aurora-migrate.yml', WORKSPACE, RULES)
}

function errorOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    if (error instanceof InputError) return error.message
    throw error
  }
  throw new Error('expected an InputError')
}

function settle(text: string | null, inputs: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  const warnings: string[] = []
  const sources: ConfigSources = {
    getInput: (name) => inputs[name] ?? '',
    env: { GITHUB_WORKSPACE: WORKSPACE, ...env },
    setSecret: () => {},
    ruleIds: RULES,
    warning: (input, message) => warnings.push(`${input}: ${message}`)
  }
  return { ...readSettledConfig(sources, text === null ? null : parse(text), WORKSPACE), warnings }
}

const FILE = `
migrations-dir: db/migrations
meta-table: app.history
lock-timeout: 3s
verify: false
fail-on: warning
ignore-rules: [serial-column]
rules:
  index-not-concurrent: notice
  timestamp-without-time-zone: off
environments:
  staging:
    meta-table: app.staging_history
    verify: true
    rules: { timestamp-without-time-zone: error }
  production:
    fail-on: error
`

describe('precedence: input or flag > environment section > file > default', () => {
  test('the built-in default when neither the input nor the file gives a value', () => {
    const { config } = settle(null)
    expect([config.migrationsDir, config.metaTable.table, config.lockTimeoutMs, config.verify, config.failOn]).toEqual([
      'migrations/resources',
      'schema_migrations',
      5000,
      true,
      'error'
    ])
  })

  test("the file's top level over the defaults: text, durations, booleans, lists and rules", () => {
    const { config } = settle(FILE)
    expect(config.migrationsDir).toBe('db/migrations')
    expect(config.metaTable).toEqual({ schema: 'app', table: 'history' })
    expect(config.lockTimeoutMs).toBe(3000)
    expect(config.verify).toBe(false)
    expect(config.failOn).toBe('warning')
    expect(config.ignoreRules).toEqual(['serial-column'])
    expect(config.ruleSeverities).toEqual({ 'index-not-concurrent': 'notice', 'timestamp-without-time-zone': 'off' })
  })

  test("the selected environment's section over the top level, the rest still from the top level", () => {
    const { config, environment } = settle(FILE, { environment: 'staging' })
    expect(environment).toBe('staging')
    expect(config.environment).toBe('staging')
    expect(config.metaTable).toEqual({ schema: 'app', table: 'staging_history' })
    expect(config.verify).toBe(true)
    expect(config.failOn).toBe('warning')
    expect(config.lockTimeoutMs).toBe(3000)
    expect(config.ruleSeverities).toEqual({ 'index-not-concurrent': 'notice', 'timestamp-without-time-zone': 'error' })
    expect(settle(FILE, { environment: 'production' }).config.failOn).toBe('error')
  })

  test('the input over both, booleans given false included; rules merged rule by rule', () => {
    const { config } = settle(FILE, {
      environment: 'staging',
      'meta-table': 'flagged',
      verify: 'false',
      'fail-on': 'never',
      'lock-timeout': '1s',
      'ignore-rules': 'serial-column,index-not-concurrent',
      rules: 'index-not-concurrent=error'
    })
    expect(config.metaTable).toEqual({ schema: null, table: 'flagged' })
    expect(config.verify).toBe(false)
    expect(config.failOn).toBe('never')
    expect(config.lockTimeoutMs).toBe(1000)
    expect(config.ignoreRules).toEqual(['serial-column', 'index-not-concurrent'])
    expect(config.ruleSeverities).toEqual({ 'index-not-concurrent': 'error', 'timestamp-without-time-zone': 'error' })
  })

  test("an input given as the default's value still wins over the file (why action.yml declares no default for it)", () => {
    expect(settle('verify: false\nfail-on: warning\n', { verify: 'true', 'fail-on': 'error' }).config).toMatchObject({
      verify: true,
      failOn: 'error'
    })
  })

  test('the top-level environment names the section when the input does not', () => {
    const { config } = settle(`environment: production\n${FILE}`)
    expect([config.environment, config.failOn]).toEqual(['production', 'error'])
  })

  test("a path in the file is relative to the file's folder", () => {
    const sources: ConfigSources = { getInput: () => '', env: { GITHUB_WORKSPACE: WORKSPACE }, setSecret: () => {} }
    const nested = parseSettingsFile('migrations-dir: migrations\n', 'config/aurora-migrate.yml', `${WORKSPACE}/config`, RULES)
    expect(readSettledConfig(sources, nested, WORKSPACE).config.migrationsDir).toBe('config/migrations')
    // Out of the workspace: refused as the input would be, at the file's line.
    const outside = parseSettingsFile('\nmigrations-dir: ../../elsewhere\n', 'config/aurora-migrate.yml', `${WORKSPACE}/config`, RULES)
    expect(errorOf(() => readSettledConfig(sources, outside, WORKSPACE))).toMatch(
      /^Input 'config': config\/aurora-migrate\.yml:2: migrations-dir: .*outside the workspace/
    )
  })

  test('every option with a default reads the same given as left out: an action input without a default in action.yml loses nothing', () => {
    const target = { 'resource-arn': CLUSTER, 'secret-arn': SECRET }
    const read = (inputs: Record<string, string>) =>
      readConfig({ getInput: (name) => inputs[name] ?? '', env: { GITHUB_WORKSPACE: WORKSPACE }, setSecret: () => {} })
    const fleet = { targets: 'fleet.yml' }
    let checked = 0
    for (const option of OPTIONS) {
      if (option.default === undefined || option.name === 'github-token') continue
      const base = ['concurrency', 'on-error'].includes(option.name) ? fleet : target
      expect([option.name, read({ ...base, [option.name]: option.default })]).toEqual([option.name, read(base)])
      checked++
    }
    expect(checked).toBeGreaterThan(10)
  })
})

describe('the connection comes whole from one place', () => {
  const CONNECTIONS = `
resource-arn: ${CLUSTER}
secret-arn: ${SECRET}
database: app
environments:
  local:
    database-url-env: LOCAL_URL
  empty: {}
`
  test("the top level's, or the environment's section's alone (never a cluster from one and a URL from the other)", () => {
    expect(settle(CONNECTIONS).config.target).toEqual({ kind: 'data-api', resourceArn: CLUSTER, secretArn: SECRET, database: 'app' })
    const local = settle(CONNECTIONS, { environment: 'local' }, { LOCAL_URL: 'postgres://me:pw@localhost:5433/app' }).config
    expect(local.target).toEqual({ kind: 'postgres', url: 'postgres://me:pw@localhost:5433/app' })
    expect(settle(CONNECTIONS, { environment: 'empty' }).config.target?.kind).toBe('data-api')
  })

  test("an input's connection replaces the file's whole (its database included)", () => {
    const { config } = settle(CONNECTIONS, { 'database-url': 'postgres://u:p@db/flagged' })
    expect(config.target).toEqual({ kind: 'postgres', url: 'postgres://u:p@db/flagged' })
  })

  test('database goes with its connection; a level above that gives only database changes the database of that connection', () => {
    const file = `${CONNECTIONS}  reporting:\n    database: reports\n`
    expect(settle(file, { environment: 'reporting' }).config.target).toMatchObject({
      kind: 'data-api',
      resourceArn: CLUSTER,
      database: 'reports'
    })
    expect(settle(CONNECTIONS, { database: 'other' }).config.target).toMatchObject({
      kind: 'data-api',
      resourceArn: CLUSTER,
      database: 'other'
    })
    // The section's own connection: the top level's database does not come with it.
    const local = settle(CONNECTIONS, { environment: 'local' }, { LOCAL_URL: 'postgres://me:pw@localhost/app' })
    expect(local.config.target).toEqual({ kind: 'postgres', url: 'postgres://me:pw@localhost/app' })
  })

  test("a fleet's settings in the file apply only with a targets file", () => {
    expect(settle('concurrency: 8\non-error: continue\n').config.fleet).toBeNull()
    expect(settle('concurrency: 8\non-error: continue\n', { targets: 'fleet.yml' }).config.fleet).toEqual({
      targets: 'fleet.yml',
      concurrency: 8,
      onError: 'continue',
      only: null
    })
  })

  test("database-url-env whose variable is not set warns and gives no database (a fork's plan runs without one)", () => {
    const { config, warnings } = settle(CONNECTIONS, { environment: 'local' })
    expect(config.target).toBeNull()
    expect(warnings).toEqual(['config: aurora-migrate.yml:7: the environment variable LOCAL_URL (database-url-env) is not set'])
  })

  test('an environment the file does not have is an error with the nearest name', () => {
    expect(errorOf(() => settle(CONNECTIONS, { environment: 'locl' }))).toBe(
      "Input 'environment': 'locl' is not an environment of aurora-migrate.yml (local, empty): did you mean local?; add it under environments: (it may be empty: locl: {})"
    )
    // A file without environments takes any name (it only names the target).
    expect(settle('fail-on: warning\n', { environment: 'anything' }).config.environment).toBe('anything')
  })
})

describe("the file's own errors name its line", () => {
  test.each([
    [
      'an unknown key, with the nearest one',
      'fail-on: error\nmeta-tabel: x\n',
      /:2: unknown setting 'meta-tabel' \(did you mean meta-table\?\)/
    ],
    ['a duplicate key', 'fail-on: error\nfail-on: warning\n', /:2: not valid YAML/],
    ['a password in database-url', '\ndatabase-url: postgres://u:secret@db/app\n', /:2: database-url holds a password/],
    ['a password in shadow-database-url', 'shadow-database-url: postgres://u:pw@db/x\n', /:1: shadow-database-url holds a password/],
    ['the token', 'github-token: ghp_x\n', /:1: github-token is a secret/],
    ['the command', 'command: apply\n', /:1: command belongs to one run/],
    ['a mapping where a value goes', 'fail-on:\n  a: b\n', /:2: fail-on must be one value/],
    ['an empty value', 'meta-table: ""\n', /:1: meta-table is empty/],
    [
      'an unknown rule, with the nearest one',
      'rules:\n  index-not-concurent: error\n',
      /:2: rules: 'index-not-concurent' is not a rule of the review: did you mean index-not-concurrent\?/
    ],
    [
      'a severity that is not one',
      'rules:\n  serial-column: fatal\n',
      /:2: rules: serial-column: 'fatal' is not one of error, warning, notice, off/
    ],
    ['environments inside an environment', 'environments:\n  a:\n    environments: {}\n', /:3: environments go at the top/],
    ['an environment that is not a mapping', 'environments:\n  staging: yes\n', /:2: environment staging must be a mapping/],
    ['not a mapping', '- a\n- b\n', /:1: must be a mapping of settings/],
    [
      'both database-url and database-url-env',
      'database-url: postgres://db/x\ndatabase-url-env: X\n',
      /:1: give database-url or database-url-env, not both/
    ]
  ])('%s', (_name, text, message) => {
    expect(errorOf(() => parse(text))).toMatch(new RegExp(`^Input 'config': aurora-migrate\\.yml${message.source}`))
  })

  test("a value config.ts refuses is said at the file's line, with its key", () => {
    expect(errorOf(() => settle('\n\nlock-timeout: soon\n'))).toBe(
      "Input 'config': aurora-migrate.yml:3: lock-timeout: 'soon' is not a duration: use for example 5s, 500ms, 2min or 0 for no limit"
    )
    expect(errorOf(() => settle('environments:\n  staging:\n    fail-on: sometimes\n', { environment: 'staging' }))).toMatch(
      /^Input 'config': aurora-migrate\.yml:3: fail-on: 'sometimes' is not one of/
    )
    // The same value given as the input is the input's error.
    expect(errorOf(() => settle('lock-timeout: 1s\n', { 'lock-timeout': 'soon' }))).toMatch(/^Input 'lock-timeout': 'soon'/)
  })

  test('a doubtful value the file gave is warned about at its line', () => {
    expect(settle('lock-timeout: 5\n').warnings).toEqual([
      "config: aurora-migrate.yml:1: lock-timeout: '5' is 5 milliseconds (a bare number is milliseconds, as PostgreSQL reads it): write 5s for 5 seconds, or 5ms to say that milliseconds are meant"
    ])
    expect(settle('lock-timeout: 5s\n', { 'lock-timeout': '5' }).warnings).toEqual([
      expect.stringMatching(/^lock-timeout: '5' is 5 milliseconds/)
    ])
  })

  test('an empty file sets nothing', () => {
    expect(parse('# nothing yet\n').top.size).toBe(0)
  })
})

describe('where the file is', () => {
  let root: string
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-file-'))
  })
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }))
  const given = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''

  test("the action: aurora-migrate.yml at the workspace's root, none is fine; a given one must exist inside the workspace", () => {
    expect(actionSettingsFile(given({}), root)).toBeNull()
    fs.writeFileSync(path.join(root, 'aurora-migrate.yml'), 'fail-on: warning\n')
    expect(actionSettingsFile(given({}), root)?.top.get('fail-on')).toEqual({ value: 'warning', at: 'aurora-migrate.yml:1' })
    expect(errorOf(() => actionSettingsFile(given({ config: 'ci/settings.yml' }), root))).toBe(
      "Input 'config': ci/settings.yml does not exist"
    )
    expect(errorOf(() => actionSettingsFile(given({ config: '../x.yml' }), root))).toMatch(/'\.\.\/x\.yml' is outside the workspace/)
  })

  test('a symbolic link is refused, and so is a file over 256 KiB', () => {
    fs.writeFileSync(path.join(root, 'real.yml'), 'fail-on: warning\n')
    fs.symlinkSync(path.join(root, 'real.yml'), path.join(root, 'aurora-migrate.yml'))
    expect(errorOf(() => actionSettingsFile(given({}), root))).toBe(
      "Input 'config': aurora-migrate.yml is a symbolic link: the settings file must be a plain file"
    )
    fs.writeFileSync(path.join(root, 'big.yml'), `#${'x'.repeat(300 * 1024)}\n`)
    expect(errorOf(() => actionSettingsFile(given({ config: 'big.yml' }), root))).toMatch(
      /big\.yml is \d+ bytes: a settings file may have at most 256 KiB/
    )
  })

  test("the command line: --config relative to the current folder, else the repository root's", () => {
    const sub = path.join(root, 'service')
    fs.mkdirSync(sub)
    expect(cliSettingsFile(undefined, sub, root)).toBeNull()
    fs.writeFileSync(path.join(root, 'aurora-migrate.yml'), 'migrations-dir: db\n')
    const found = cliSettingsFile(undefined, sub, root)
    expect([found?.file, found?.dir]).toEqual(['../aurora-migrate.yml', root])
    fs.writeFileSync(path.join(sub, 'local.yml'), 'fail-on: notice\n')
    expect(cliSettingsFile('local.yml', sub, root)?.top.get('fail-on')?.value).toBe('notice')
    expect(errorOf(() => cliSettingsFile('missing.yml', sub, root))).toBe("Input 'config': missing.yml does not exist")
  })
})

test('the settings files shown in README.md and docs/settings-file.md are read as they stand, each of their environments too', () => {
  const blocks = ['README.md', 'docs/settings-file.md'].flatMap((page) =>
    [...fs.readFileSync(page, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1])
      .filter((text) => /^environments:/m.test(text) && !/^\s*- uses:/m.test(text))
      .map((text) => ({ page, text }))
  )
  expect(blocks.map((block) => block.page)).toEqual(['README.md', 'docs/settings-file.md'])
  for (const { page, text } of blocks) {
    const file = parse(text)
    expect([page, file.environments.size > 0]).toEqual([page, true])
    const env = { PROD_DATABASE_URL: 'postgres://app@db.internal/app', LOCAL_DATABASE_URL: 'postgres://app@localhost/app' }
    for (const environment of ['', ...file.environments.keys()]) {
      const { config, warnings } = settle(text, environment ? { environment } : {}, env)
      expect([page, environment, warnings]).toEqual([page, environment, []])
      expect(config.migrationsDir).toBe('db/migrations')
    }
  }
})
