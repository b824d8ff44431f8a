import { readConfig, registerUrlSecrets, type ConfigSources } from '../../src/config.js'
import { InputError } from '../../src/errors.js'
import { maskUrl, scrubSecrets, urlSecrets } from '../../src/targets/mask.js'

const CLUSTER = 'arn:aws:rds:eu-west-1:123456789012:cluster:todo-prod'
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:todo-prod-migrator-AbCdEf'

function sources(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): ConfigSources & { secrets: string[] } {
  const secrets: string[] = []
  return { getInput: (name) => inputs[name] ?? '', env, setSecret: (value) => secrets.push(value), secrets }
}

function inputError(inputs: Record<string, string>): InputError {
  try {
    readConfig(sources(inputs))
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

test('defaults with a Data API target', () => {
  const config = readConfig(
    sources(
      { 'resource-arn': CLUSTER, 'secret-arn': SECRET, database: 'todo' },
      {
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'o/r',
        GITHUB_RUN_ID: '9',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_ACTOR: 'octocat',
        GITHUB_SHA: 'abc',
        GITHUB_WORKSPACE: '/ws'
      }
    )
  )
  expect(config).toEqual({
    command: 'plan',
    migrationsDir: 'migrations/resources',
    workspace: '/ws',
    target: { kind: 'data-api', resourceArn: CLUSTER, secretArn: SECRET, database: 'todo' },
    environment: 'todo-prod/todo',
    comment: true,
    githubToken: '',
    verify: true,
    checkDrift: false,
    shadowDatabaseUrl: null,
    deploymentId: null,
    engine: 'auto',
    repairStep: null,
    metaTable: { schema: null, table: 'schema_migrations' },
    targetVersion: null,
    waitTimeoutSeconds: 600,
    leaseTtlSeconds: 60,
    resumeTimeoutSeconds: 300,
    lockTimeoutMs: 5000,
    lockRetries: 3,
    statementTimeoutMs: null,
    allowOutOfOrder: false,
    baselineVersion: null,
    baselineFrom: null,
    failOn: 'error',
    fleet: null,
    ignoreRules: [],
    ruleSeverities: {},
    run: { actor: 'octocat', commitSha: 'abc', runUrl: 'https://github.com/o/r/actions/runs/9/attempts/2' }
  })
})

test.each([
  ['error', 'error'],
  ['Warning', 'warning'],
  ['never', 'never'],
  ['notice', 'notice']
])('fail-on %s is read as %s', (raw, expected) => {
  expect(readConfig(sources({ 'database-url': 'postgres://h/d', 'fail-on': raw })).failOn).toBe(expected)
})

test('ignore-rules: ids separated by commas, spaces or lines, each the review knows', () => {
  const known = ['index-not-concurrent', 'timestamp-without-time-zone', 'serial-column']
  const read = (raw: string) => readConfig({ ...sources({ 'database-url': 'postgres://h/d', 'ignore-rules': raw }), ruleIds: known })
  expect(read('timestamp-without-time-zone, serial-column\nserial-column').ignoreRules).toEqual([
    'timestamp-without-time-zone',
    'serial-column'
  ])
  expect(read('').ignoreRules).toEqual([])
  let error: unknown
  try {
    read('serial-column, index-not-concurent')
  } catch (caught) {
    error = caught
  }
  expect(error).toBeInstanceOf(InputError)
  expect((error as InputError).input).toBe('ignore-rules')
  expect((error as InputError).message).toBe(
    "Input 'ignore-rules': 'index-not-concurent' is not a rule of the review: did you mean index-not-concurrent? See docs/rules.md for the ids (3 rules)"
  )
  // Nothing close: no guess.
  expect(() => read('drop-everything')).toThrow(/'drop-everything' is not a rule of the review: See docs\/rules.md/)
})

test('fail-on: a misspelled severity gets a suggestion', () => {
  expect(inputError({ 'database-url': 'postgres://h/d', 'fail-on': 'eror' }).message).toBe(
    "Input 'fail-on': 'eror' is not one of error, warning, notice, never (did you mean error?)"
  )
})

describe('durations: a unit on every one, a bare number as before', () => {
  const read = (inputs: Record<string, string>): { config: ReturnType<typeof readConfig>; warnings: string[] } => {
    const warnings: string[] = []
    const config = readConfig({
      ...sources({ 'database-url': 'postgres://h/d', ...inputs }),
      warning: (input, message) => warnings.push(`${input}: ${message}`)
    })
    return { config, warnings }
  }

  test.each([
    ['lock-timeout', '500ms', 'lockTimeoutMs', 500],
    ['lock-timeout', '5s', 'lockTimeoutMs', 5000],
    ['lock-timeout', '2min', 'lockTimeoutMs', 120_000],
    ['lock-timeout', '2500', 'lockTimeoutMs', 2500],
    ['lock-timeout', '0', 'lockTimeoutMs', null],
    ['statement-timeout', '1h', 'statementTimeoutMs', 3_600_000],
    ['statement-timeout', '10 min', 'statementTimeoutMs', 600_000],
    ['wait-timeout', '10min', 'waitTimeoutSeconds', 600],
    ['wait-timeout', '90s', 'waitTimeoutSeconds', 90],
    ['wait-timeout', '600', 'waitTimeoutSeconds', 600],
    ['wait-timeout', '2000ms', 'waitTimeoutSeconds', 2],
    ['wait-timeout', '0', 'waitTimeoutSeconds', 0],
    ['lease-ttl', '2min', 'leaseTtlSeconds', 120],
    ['lease-ttl', '1h', 'leaseTtlSeconds', 3600],
    ['resume-timeout', '5MIN', 'resumeTimeoutSeconds', 300],
    ['resume-timeout', '45', 'resumeTimeoutSeconds', 45]
  ] as const)('%s %s', (input, raw, field, expected) => {
    const { config, warnings } = read({ [input]: raw })
    expect(config[field]).toBe(expected)
    expect(warnings).toEqual([])
  })

  test("action.yml's defaults are read as the built-in ones", () => {
    const { config } = read({ 'wait-timeout': '10min', 'lease-ttl': '60s', 'resume-timeout': '5min', 'lock-timeout': '5s' })
    const built = read({}).config
    expect([config.waitTimeoutSeconds, config.leaseTtlSeconds, config.resumeTimeoutSeconds, config.lockTimeoutMs]).toEqual([
      built.waitTimeoutSeconds,
      built.leaseTtlSeconds,
      built.resumeTimeoutSeconds,
      built.lockTimeoutMs
    ])
  })

  test('a bare lock-timeout under 100 is read as milliseconds, as before, with a warning that names the input', () => {
    const { config, warnings } = read({ 'lock-timeout': '5', 'statement-timeout': '30' })
    expect(config.lockTimeoutMs).toBe(5)
    expect(config.statementTimeoutMs).toBe(30)
    expect(warnings).toEqual([
      "lock-timeout: '5' is 5 milliseconds (a bare number is milliseconds, as PostgreSQL reads it): write 5s for 5 seconds, or 5ms to say that milliseconds are meant",
      "statement-timeout: '30' is 30 milliseconds (a bare number is milliseconds, as PostgreSQL reads it): write 30s for 30 seconds, or 30ms to say that milliseconds are meant"
    ])
    expect(read({ 'lock-timeout': '5ms' }).warnings).toEqual([])
    expect(read({ 'lock-timeout': '100' }).warnings).toEqual([])
  })

  test.each([
    ['lock-timeout', '5 parsecs', "'5 parsecs' is not a duration: use for example 5s, 500ms, 2min or 0 for no limit"],
    ['lock-timeout', '1.5s', "'1.5s' is not a duration"],
    ['lock-timeout', '25h', "'25h' is longer than 24 hours"],
    ['wait-timeout', '-1', "'-1' is not a duration: use for example 30s, 10min or 1h (a bare number is seconds), from 0s to 6h"],
    ['wait-timeout', '1500ms', "'1500ms' is not a whole number of seconds"],
    ['wait-timeout', '7h', "'7h' is out of range: give a duration from 0s to 6h"],
    ['lease-ttl', '2s', "'2s' is out of range: give a duration from 5s to 1h"],
    ['resume-timeout', '2h', "'2h' is out of range: give a duration from 0s to 1h"]
  ])('%s %j is refused', (input, raw, message) => {
    const error = inputError({ 'database-url': 'postgres://h/d', [input]: raw })
    expect(error.input).toBe(input)
    expect(error.message).toContain(`Input '${input}': ${message}`)
  })
})

test('a database URL registers its password, raw and decoded, before anything else', () => {
  const s = sources({
    command: 'APPLY',
    'database-url': 'postgres://app:p%40ss%2Fw0rd@db.internal:5432/todo',
    'meta-table': 'ops.migrations',
    'target-version': '7',
    'wait-timeout': '0'
  })
  const config = readConfig(s)
  expect(s.secrets).toEqual(['p%40ss%2Fw0rd', 'p@ss/w0rd'])
  expect(config).toMatchObject({
    command: 'apply',
    target: { kind: 'postgres' },
    metaTable: { schema: 'ops', table: 'migrations' },
    targetVersion: 7,
    waitTimeoutSeconds: 0
  })
})

test('plan without credentials compares with the base branch; every secret input is masked', () => {
  const s = sources({
    'github-token': 'ghs_abc',
    'shadow-database-url': 'postgres://u:shadowpw@localhost/postgres',
    'deployment-id': '77',
    environment: 'staging',
    verify: 'false',
    comment: 'FALSE'
  })
  expect(readConfig(s)).toMatchObject({
    command: 'plan',
    target: null,
    environment: 'staging',
    verify: false,
    comment: false,
    deploymentId: 77,
    shadowDatabaseUrl: 'postgres://u:shadowpw@localhost/postgres'
  })
  expect(s.secrets).toEqual(['shadowpw', 'ghs_abc'])
  expect(readConfig(sources({})).environment).toBe('migrations/resources')
  expect(readConfig(sources({ 'database-url': 'postgres://u:p@db.internal:5432/todo_prod' })).environment).toBe('todo_prod')
  expect(readConfig(sources({ 'resource-arn': CLUSTER, 'secret-arn': SECRET })).environment).toBe('todo-prod')
})

test.each([
  ['aurora-migrate-runner', 'aurora-migrate-runner'],
  ['aurora-migrate-runner:live', 'aurora-migrate-runner'],
  ['aurora-migrate-runner:$LATEST', 'aurora-migrate-runner'],
  ['123456789012:function:aurora-migrate-runner', 'aurora-migrate-runner'],
  ['arn:aws:lambda:eu-west-1:123456789012:function:aurora-migrate-runner:7', 'aurora-migrate-runner']
])('lambda-function %s is a target whose environment is %s', (functionName, environment) => {
  const config = readConfig(sources({ command: 'apply', 'lambda-function': functionName }))
  expect(config.target).toEqual({ kind: 'lambda', functionName })
  expect(config.environment).toBe(environment)
})

test.each([
  ['5s', 5000],
  ['500ms', 500],
  ['250', 250],
  ['2min', 120_000],
  ['1h', 3_600_000],
  ['0', null]
])('lock-timeout %s is %s ms', (raw, ms) => {
  expect(readConfig(sources({ 'database-url': 'postgres://h/d', 'lock-timeout': raw, 'statement-timeout': raw })).lockTimeoutMs).toBe(ms)
  expect(readConfig(sources({ 'database-url': 'postgres://h/d', 'statement-timeout': raw })).statementTimeoutMs).toBe(ms)
})

test('secrets are registered even when another input is wrong', () => {
  const s = sources({ command: 'nope', 'database-url': 'postgres://u:hunter2@h/d' })
  expect(() => readConfig(s)).toThrow(/Input 'command'/)
  expect(s.secrets).toEqual(['hunter2'])
  const malformed: string[] = []
  registerUrlSecrets('postgres://u:hun ter2@/d', (value) => malformed.push(value))
  expect(malformed.join()).toContain('hun')
})

test.each([
  [{ command: 'apply' }, 'resource-arn', /apply needs a database/],
  [{ 'database-url': 'postgres://h/d', comment: 'yes' }, 'comment', /'yes' is not true or false/],
  [{ 'database-url': 'postgres://h/d', verify: '1' }, 'verify', /'1' is not true or false/],
  [{ 'database-url': 'postgres://h/d', 'shadow-database-url': 'mssql://x/y' }, 'shadow-database-url', /scheme 'mssql' is not supported/],
  [{ 'database-url': 'postgres://h/d', 'deployment-id': 'abc' }, 'deployment-id', /not a whole number/],
  [{ 'database-url': 'postgres://h/d', environment: 'a\nb' }, 'environment', /one line/],
  [{ 'database-url': 'postgres://h/d', 'lock-timeout': '5 seconds' }, 'lock-timeout', /'5 seconds' is not a duration: use for example 5s/],
  [{ 'database-url': 'postgres://h/d', 'statement-timeout': '25h' }, 'statement-timeout', /longer than 24 hours/],
  [{ 'database-url': 'postgres://h/d', 'lock-retries': '-1' }, 'lock-retries', /not a whole number/],
  [
    { 'database-url': 'postgres://h/d', command: 'baseline' },
    'baseline-version',
    /baseline needs baseline-version .* or baseline-from: sequelize/
  ],
  [{ 'database-url': 'postgres://h/d', command: 'apply', 'baseline-version': '3' }, 'baseline-version', /only goes with command: baseline/],
  [{ 'database-url': 'postgres://h/d', command: 'baseline', 'baseline-from': 'flyway' }, 'baseline-from', /'flyway' is not supported/],
  [{ command: 'validate' }, 'resource-arn', /validate needs a database/],
  [{ 'database-url': 'postgres://h/d', 'allow-out-of-order': 'maybe' }, 'allow-out-of-order', /not true or false/],
  [{ 'resource-arn': CLUSTER }, 'secret-arn', /resource-arn is set but secret-arn is not/],
  [{ 'secret-arn': SECRET }, 'resource-arn', /secret-arn is set but resource-arn is not/],
  [{ 'resource-arn': 'arn:aws:rds:eu-west-1:123456789012:db:x', 'secret-arn': SECRET }, 'resource-arn', /is not an Aurora cluster ARN/],
  [{ 'resource-arn': CLUSTER, 'secret-arn': 'hunter2' }, 'secret-arn', /is not a Secrets Manager secret ARN/],
  [
    { 'resource-arn': CLUSTER, 'secret-arn': SECRET, 'database-url': 'postgres://h/d' },
    'database-url',
    /give exactly one target: database-url and resource-arn \+ secret-arn are both set/
  ],
  [
    { 'resource-arn': CLUSTER, 'secret-arn': SECRET, 'lambda-function': 'runner' },
    'lambda-function',
    /give exactly one target: resource-arn \+ secret-arn and lambda-function/
  ],
  [{ 'lambda-function': 'runner; rm -rf' }, 'lambda-function', /is not a Lambda function name or ARN/],
  [{ 'lambda-function': 'arn:aws:s3:::bucket' }, 'lambda-function', /is not a Lambda function name or ARN/],
  [{ 'lambda-function': 'runner', database: 'todo' }, 'database', /the runner Lambda connects to the database of its own secret/],
  [
    { 'database-url': 'mariadb://h/d' },
    'database-url',
    /scheme 'mariadb' is not supported: use postgres:\/\/.* \(or mysql:\/\/user:password@host:3306\/database\)/
  ],
  [{ 'database-url': 'mysql://u:p@ss@h/d' }, 'database-url', /the password holds a raw @/],
  [{ 'database-url': 'not a url' }, 'database-url', /is not a valid URL/],
  [{ 'database-url': 'postgres://h/d', database: 'x' }, 'database', /put the database name in the URL/],
  [{ 'database-url': 'postgres://h/d', 'meta-table': 'a.b.c' }, 'meta-table', /not a valid table name/],
  [{ 'database-url': 'postgres://h/d', 'meta-table': 'mig"; drop' }, 'meta-table', /not a valid table name/],
  [{ 'database-url': 'postgres://h/d', 'meta-table': 'x'.repeat(55) }, 'meta-table', /'x{55}' is too long: at most 54 characters/],
  [{ 'database-url': 'postgres://h/d', 'target-version': 'v3' }, 'target-version', /'v3' is not a whole number/],
  [{ 'database-url': 'postgres://h/d', 'target-version': '0' }, 'target-version', /from 1 to/],
  [{ 'database-url': 'postgres://h/d', 'wait-timeout': '-1' }, 'wait-timeout', /not a duration/],
  [{ 'database-url': 'postgres://h/d', 'fail-on': 'critical' }, 'fail-on', /'critical' is not one of error, warning, notice, never/],
  [{ 'database-url': 'postgres://h/d', 'ignore-rules': 'Index_Not_Concurrent' }, 'ignore-rules', /'Index_Not_Concurrent' is not a rule id/],
  [
    { 'database-url': 'postgres://h/d', command: 'drop' },
    'command',
    /'drop' is not a command: use one of plan, apply, validate, baseline, repair/
  ]
])('%j is an error naming %s', (inputs, input, message) => {
  const error = inputError(inputs as Record<string, string>)
  expect(error.input).toBe(input)
  expect(error.message).toMatch(message)
  expect(error.message.startsWith(`Input '${input}': `)).toBe(true)
})

test('an error never echoes a secret ARN', () => {
  expect(inputError({ 'resource-arn': CLUSTER, 'secret-arn': 'arn:aws:secretsmanager:bad' }).message).not.toContain(
    'arn:aws:secretsmanager:bad'
  )
})

describe('a password with a raw @, / , ? or #', () => {
  function refused(input: string, url: string): { error: InputError; secrets: string[] } {
    const s = sources({ 'database-url': 'postgres://h/d', [input]: url })
    try {
      readConfig(s)
    } catch (e) {
      if (e instanceof InputError) return { error: e, secrets: s.secrets }
      throw e
    }
    throw new Error('expected an InputError')
  }

  // psql (libpq) ends the password at the first @ and node-postgres at the last: checked with both, psql
  // reads `postgres://u:p@ss@127.0.0.1:1/db` as host "ss@127.0.0.1", pg-connection-string as password "p@ss".
  test.each([
    ['database-url', 'postgres://app:p@ss@db.example.com:5432/app', 'p@ss'],
    ['shadow-database-url', 'postgres://app:p@ss@db.example.com:5432/app', 'p@ss'],
    ['database-url', 'postgres://app:p@ss/w0rd@db.example.com:5432/app', 'p@ss/w0rd'],
    ['database-url', 'postgres://app:@pw@db.example.com/app', '@pw']
  ])('an @ in %s (%s) is refused: the URL is ambiguous; the password is registered whole and never shown', (input, url, password) => {
    const { error, secrets } = refused(input, url)
    expect(error.input).toBe(input)
    expect(error.message).toBe(
      `Input '${input}': the password holds a raw @: percent-encode it as %40 (and / as %2F, ? as %3F, # as %23). ` +
        'With two @ the URL is ambiguous: psql and libpq end the password at the first @, node-postgres at the last'
    )
    expect(error.message).not.toContain(password)
    expect(secrets).toEqual([password])
  })

  test.each([
    ['postgres://app:pa/ss@db.example.com/app', 'pa/ss'],
    ['postgres://app:pa?ss@db.example.com/app', 'pa?ss'],
    ['postgres://app:pa#ss@db.example.com/app', 'pa#ss']
  ])('%s is refused, since the driver would read part of the password as the host or the database', (url, password) => {
    const { error, secrets } = refused('database-url', url)
    expect(error.message).toMatch(/the password holds a character that must be percent-encoded in a URL \(@ as %40, \/ as %2F/)
    expect(error.message).not.toContain(password)
    expect(secrets).toEqual([password])
  })

  test('percent-encoded, it is accepted and registered as written and decoded', () => {
    const s = sources({ 'database-url': 'postgres://app:p%40ss%2Fw0rd@db.example.com:5432/app' })
    expect(readConfig(s).target).toEqual({ kind: 'postgres', url: 'postgres://app:p%40ss%2Fw0rd@db.example.com:5432/app' })
    expect(s.secrets).toEqual(['p%40ss%2Fw0rd', 'p@ss/w0rd'])
  })

  test('an @ in the query string is not a password: accepted', () => {
    expect(readConfig(sources({ 'database-url': 'postgres://app:s3cret@db.example.com/app?options=a@b' })).target).toMatchObject({
      kind: 'postgres'
    })
  })
})

describe('one routine finds the password for masking, registering and scrubbing', () => {
  test.each([
    ['postgres://app:p@ss/w0rd@db.example.com:5432/app', ['p@ss/w0rd']],
    ['postgres://app:pa?ss#w0rd@db.example.com/app', ['pa?ss#w0rd']],
    ['postgres://app:s3cret@db.example.com/app?options=a@b', ['s3cret']],
    ['postgres://app:p%40ss@db.example.com/app', ['p%40ss', 'p@ss']],
    ['postgres://db.example.com/app?user=u&password=s3cret', ['s3cret']],
    ['host=db user=u password=s3cret dbname=app', ['s3cret']]
  ])('%s', (url, secrets) => {
    expect(urlSecrets(url)).toEqual(secrets)
    const registered: string[] = []
    registerUrlSecrets(url, (value) => registered.push(value))
    expect(registered).toEqual(secrets)
    const message = `could not connect to ${url} (password ${secrets.join(' / ')})`
    for (const secret of secrets) {
      expect(maskUrl(url)).not.toContain(secret)
      expect(scrubSecrets(url)(message)).not.toContain(secret)
    }
  })
})

test.each([
  ['./migrations/resources/', 'migrations/resources'],
  ['db/./x/..', 'db'],
  ['/ws/db', 'db']
])('migrations-dir %s is read as %s', (dir, normalized) => {
  const config = readConfig(sources({ 'migrations-dir': dir }, { GITHUB_WORKSPACE: '/ws' }))
  expect(config.migrationsDir).toBe(normalized)
  // Without a target, the environment (and the sticky comment's marker) is the folder, in one spelling.
  expect(config.environment).toBe(normalized)
})

test.each(['../elsewhere', '/etc', 'db/../../x'])('migrations-dir %s outside the workspace is refused', (dir) => {
  const error = (() => {
    try {
      readConfig(sources({ 'migrations-dir': dir }, { GITHUB_WORKSPACE: '/ws' }))
    } catch (e) {
      return e as InputError
    }
    throw new Error('expected an InputError')
  })()
  expect(error.input).toBe('migrations-dir')
  expect(error.message).toMatch(/is outside the workspace: give a folder inside the repository/)
})

test('a mysql:// database-url is the direct MySQL transport, its password registered as a secret', () => {
  const read = sources({ 'database-url': 'mysql://app:s3cret@db.example.com:3306/shop' })
  const config = readConfig(read)
  expect(config.target).toEqual({ kind: 'mysql-url', url: 'mysql://app:s3cret@db.example.com:3306/shop' })
  expect(read.secrets).toContain('s3cret')
  expect(readConfig(sources({ 'database-url': 'postgres://h/d', 'shadow-database-url': 'mysql://x/y' })).shadowDatabaseUrl).toBe(
    'mysql://x/y'
  )
})

describe('a fleet (targets)', () => {
  test('its inputs, with their defaults; no target of its own; the environment from the file name', () => {
    const config = readConfig(sources({ command: 'apply', targets: '.github/fleet.yml' }, { GITHUB_WORKSPACE: '/ws' }))
    expect(config.fleet).toEqual({ targets: '.github/fleet.yml', concurrency: 4, onError: 'stop', only: null })
    expect(config.target).toBeNull()
    expect(config.environment).toBe('fleet')
    expect(readConfig(sources({ targets: 'f.yml', concurrency: '16', 'on-error': 'CONTINUE', only: 'tenants/*' })).fleet).toEqual({
      targets: 'f.yml',
      concurrency: 16,
      onError: 'continue',
      only: 'tenants/*'
    })
  })

  test.each([
    [{ targets: 'f.yml', concurrency: '0' }, 'concurrency', /'0' is not a whole number from 1 to 64/],
    [{ targets: 'f.yml', concurrency: '65' }, 'concurrency', /from 1 to 64/],
    [{ targets: 'f.yml', 'on-error': 'ignore' }, 'on-error', /'ignore' is not stop or continue/],
    [{ only: 'canary' }, 'only', /goes with targets/],
    [{ concurrency: '8', 'database-url': 'postgres://u@h/d' }, 'concurrency', /goes with targets/],
    [
      { targets: 'f.yml', 'database-url': 'postgres://u@h/d' },
      'database-url',
      /does not go with targets: each target's connection is in the targets file/
    ],
    [{ targets: 'f.yml', 'resource-arn': CLUSTER, 'secret-arn': SECRET }, 'resource-arn', /does not go with targets/],
    [
      { targets: 'f.yml', command: 'baseline', 'baseline-version': '3' },
      'targets',
      /a fleet runs plan, apply, targets, drift; baseline takes one database at a time/
    ],
    [{ command: 'targets' }, 'targets', /command targets lists the targets of a targets file: give targets/]
  ])('%j is refused, naming %s', (inputs, input, message) => {
    const error = inputError(inputs)
    expect(error.input).toBe(input)
    expect(error.detail).toMatch(message)
  })
})
