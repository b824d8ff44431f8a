/**
 * The command line in-process (src/cli/run.ts): its words, its mistakes (exit 2, one line naming the flag,
 * with readConfig's own text), `new`, and --json's one document. The packed package against real
 * databases is cli-package.test.ts.
 */
import { jest } from '@jest/globals'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from '../../src/cli/args.js'
import { helpText } from '../../src/cli/help.js'
import { EXIT, asFlags } from '../../src/cli/run.js'
import { Masker, Terminal } from '../../src/cli/terminal.js'
import { readConfig } from '../../src/config.js'
import { FLAG_OPTIONS } from '../../src/options.js'
import type { Finding } from '../../src/review/types.js'
import { cliProject, runCliCaptured, type CliRun } from '../../testkit/cli.js'

const cli = (argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> =>
  runCliCaptured(
    argv,
    options.cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-cli-')),
    options.env ?? { PATH: process.env.PATH }
  )

const project = (files: Record<string, string>): string => cliProject(files, 'aurora-migrate-cli-')

describe('usage mistakes exit 2 with one line that names the flag', () => {
  test.each([
    [['migrate'], /^aurora-migrate: unknown command 'migrate': use one of plan, status, apply/],
    [['plan', '--frobnicate'], /^aurora-migrate: unknown flag --frobnicate: aurora-migrate --help lists the flags$/],
    [
      ['plan', '--databse-url', 'x'],
      /^aurora-migrate: unknown flag --databse-url: did you mean --database-url\? aurora-migrate --help lists the flags$/
    ],
    [['plan', '--no-verfy'], /^aurora-migrate: unknown flag --no-verfy: did you mean --no-verify\?/],
    [['plan', '--jsno'], /^aurora-migrate: unknown flag --jsno: did you mean --json\?/],
    [['apply', '--lock-timout=5s'], /^aurora-migrate: unknown flag --lock-timout: did you mean --lock-timeout\?/],
    [
      ['plan', '-database-url', 'x'],
      /^aurora-migrate: unknown flag -database-url: flags are written --name \(did you mean --database-url\?\)/
    ],
    [['aply'], /^aurora-migrate: unknown command 'aply': did you mean apply\? use one of plan, status, apply/],
    [['stauts'], /^aurora-migrate: unknown command 'stauts': did you mean status\?/],
    [['plan', '--database-url'], /^aurora-migrate: --database-url needs a value$/],
    [['plan', '--verify=maybe'], /^aurora-migrate: --verify: 'maybe' is not true or false$/],
    [['plan', '--comment'], /^aurora-migrate: --comment is for the GitHub Action only/],
    [['plan', '--command', 'apply'], /^aurora-migrate: --command: the command is the first word/],
    [['plan', '--json=yes'], /^aurora-migrate: --json takes no value$/],
    [['apply', '--exit-code'], /^aurora-migrate: --exit-code goes with plan or status, not apply$/],
    [['plan', '--dry-run'], /^aurora-migrate: --dry-run goes with apply, not plan$/]
  ])('%j', async (argv, line) => {
    const ran = await cli(argv)
    expect(ran.code).toBe(EXIT.usage)
    expect(ran.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(ran.stderr.trimEnd()).toMatch(line)
  })

  test("a bad value: readConfig's own text, naming the flag where the action names the input", async () => {
    const dir = project({ 'v1/01.sql': 'create table t (id int);' })
    const argv = ['plan', '--database-url', 'postgres://u:pw-1234@localhost:1/db', '--lock-timeout', '5 parsecs']
    const ran = await cli(argv, { cwd: dir })
    expect(ran.code).toBe(EXIT.usage)
    // The action's message for the same value, from the same function:
    let actionMessage = ''
    try {
      readConfig({
        getInput: (name) => ({ 'database-url': 'postgres://u:pw-1234@localhost:1/db', 'lock-timeout': '5 parsecs' })[name] ?? '',
        env: {},
        setSecret: () => {}
      })
    } catch (error) {
      actionMessage = (error as Error).message
    }
    expect(actionMessage).toBe("Input 'lock-timeout': '5 parsecs' is not a duration: use for example 5s, 500ms, 2min or 0 for no limit")
    expect(ran.stderr.trim()).toBe(
      "error: --lock-timeout: '5 parsecs' is not a duration: use for example 5s, 500ms, 2min or 0 for no limit"
    )
  })

  test('names inside the text become flags too: two targets at once', async () => {
    const ran = await cli(['apply', '--database-url', 'postgres://u:p@h/db', '--lambda-function', 'runner'], { cwd: project({}) })
    expect(ran.code).toBe(EXIT.usage)
    expect(ran.stderr.trim()).toBe(
      'error: --database-url: give exactly one target: --database-url and --lambda-function are both set (choose --database-url, --resource-arn + --secret-arn, or --lambda-function)'
    )
  })

  test.each(['apply', 'validate', 'baseline', 'repair', 'plan'])(
    '%s without a database (and no DATABASE_URL) exits 2 naming the target flags',
    async (command) => {
      const ran = await cli([command], { cwd: project({ 'v1/01.sql': 'select 1;' }) })
      expect(ran.code).toBe(EXIT.usage)
      // readConfig's text for the action (naming resource-arn first), or the command line's for plan.
      expect(ran.stderr.trim()).toMatch(
        new RegExp(`^error: --(resource-arn|database-url): ${command} needs a database: give .*--database-url`)
      )
    }
  )

  test('a misspelled rule id in --ignore-rules gets a suggestion, in flags', async () => {
    const ran = await cli(['review', '--ignore-rules', 'index-not-concurent'], { cwd: project({ 'v1/01.sql': 'select 1;' }) })
    expect(ran.code).toBe(EXIT.usage)
    expect(ran.stderr.trim()).toMatch(
      /^error: --ignore-rules: 'index-not-concurent' is not a rule of the review: did you mean index-not-concurrent\? See docs\/rules.md/
    )
  })

  test("the action's words become the command line's: `command: baseline` is the command, `baseline-from: sequelize` a flag", async () => {
    const dir = project({ 'v1/01.sql': 'select 1;' })
    const wrongCommand = await cli(['repair', '--baseline-version', '1', '--database-url', 'postgres://u:pw-5678@127.0.0.1:1/db'], {
      cwd: dir
    })
    expect(wrongCommand.code).toBe(EXIT.usage)
    expect(wrongCommand.stderr.trim()).toBe('error: --baseline-version: only goes with aurora-migrate baseline (the command is repair)')
    const missing = await cli(['baseline', '--database-url', 'postgres://u:pw-5678@127.0.0.1:1/db'], { cwd: dir })
    expect(missing.stderr.trim()).toBe(
      'error: --baseline-version: baseline needs --baseline-version (record v1..vN as applied) or --baseline-from sequelize'
    )
  })

  test('a bare --lock-timeout under 100 warns that it is milliseconds, and the run goes on', async () => {
    const ran = await cli(['review', '--lock-timeout', '5'], { cwd: project({ 'v1/01.sql': 'create table t (id int);' }) })
    expect(ran.code).toBe(EXIT.ok)
    expect(ran.stderr).toContain(
      "warning: --lock-timeout: '5' is 5 milliseconds (a bare number is milliseconds, as PostgreSQL reads it): write 5s for 5 seconds, or 5ms to say that milliseconds are meant"
    )
    expect((await cli(['review', '--lock-timeout', '5s'], { cwd: project({ 'v1/01.sql': 'select 1;' }) })).stderr).not.toContain('warning')
  })

  test('--wait-timeout takes units as the action input does', async () => {
    const ran = await cli(['apply', '--wait-timeout', '2 weeks', '--database-url', 'postgres://u:pw-5678@127.0.0.1:1/db'], {
      cwd: project({ 'v1/01.sql': 'select 1;' })
    })
    expect(ran.code).toBe(EXIT.usage)
    expect(ran.stderr.trim()).toBe(
      "error: --wait-timeout: '2 weeks' is not a duration: use for example 30s, 10min or 1h (a bare number is seconds), from 0s to 6h"
    )
  })

  test('--url-env names a variable that is not set: exit 2', async () => {
    const ran = await cli(['plan', '--url-env', 'STAGING_DB'], { cwd: project({ 'v1/01.sql': 'select 1;' }) })
    expect(ran.code).toBe(EXIT.usage)
    expect(ran.stderr.trim()).toBe('error: --url-env: the environment variable STAGING_DB is not set')
  })

  test('with --json the mistake is also one JSON document on stdout', async () => {
    const ran = await cli(['plan', '--json', '--nope'])
    expect(ran.code).toBe(EXIT.usage)
    expect(JSON.parse(ran.stdout)).toEqual({
      error: { message: 'unknown flag --nope: aurora-migrate --help lists the flags', kind: 'usage', location: null },
      exitCode: 2
    })
  })

  test('a password given in a flag never reaches the output, whatever fails', async () => {
    const ran = await cli(['plan', '--json', '--database-url', 'postgres://app:s3cr3t-pw@127.0.0.1:1/db', '--no-verify'], {
      cwd: project({ 'v1/01.sql': 'select 1;' })
    })
    expect(ran.code).toBe(EXIT.failed)
    expect(ran.stdout + ran.stderr).not.toContain('s3cr3t-pw')
    expect(JSON.parse(ran.stdout).error.kind).toBe('failed')
  })
})

test.each([
  ['or set allow-out-of-order: true to apply them anyway.', 'or set --allow-out-of-order to apply them anyway.'],
  ['set verify: false', 'set --no-verify'],
  ['or set fail-on: never to report without failing.', 'or set --fail-on never to report without failing.'],
  ['only goes with command: baseline (the command is plan)', 'only goes with aurora-migrate baseline (the command is plan)'],
  [
    'a comment line `-- aurora-migrate:ignore <rule-id> <reason>` right before',
    'a comment line -- aurora-migrate:ignore <rule-id> <reason> right before'
  ],
  ['database at **v3**; check that migrations-dir is right', 'database at v3; check that --migrations-dir is right'],
  ['already --lock-timeout and shadow-database-url.', 'already --lock-timeout and --shadow-database-url.'],
  ['v3/lock-timeout.sql and db/meta-table/v1 stay paths', 'v3/lock-timeout.sql and db/meta-table/v1 stay paths']
])("asFlags: the action's %j in the command line's words", (text, words) => {
  expect(asFlags(text)).toBe(words)
})

describe('parseArgs', () => {
  test('every option is a flag; booleans take --name, --no-name and --name=false; values --name v or --name=v', () => {
    const parsed = parseArgs(['apply', '--no-verify', '--allow-out-of-order', '--lock-timeout=2s', '--meta-table', 'ops.history', '--json'])
    expect(parsed.command).toBe('apply')
    expect(Object.fromEntries(parsed.inputs)).toEqual({
      verify: 'false',
      'allow-out-of-order': 'true',
      'lock-timeout': '2s',
      'meta-table': 'ops.history'
    })
    expect(parsed.json).toBe(true)
    expect(parseArgs(['plan', '--verify=false']).inputs.get('verify')).toBe('false')
    expect(parseArgs(['new', 'add_orders']).args).toEqual(['add_orders'])
  })

  test('--help lists every flag of the options table', () => {
    const text = helpText(null, '1.2.3')
    for (const option of FLAG_OPTIONS) expect(text).toContain(`--${option.boolean ? '[no-]' : ''}${option.name}`)
    expect(text).not.toContain('--github-token')
    expect(text).toContain('Exit codes: 0 success; 1 a migration or a check failed; 2 bad usage or input; 3 versions are pending')
  })

  test("--help speaks the command line's words: flags and commands, no Markdown, nothing about steps or the workspace", () => {
    const text = helpText(null, '1.2.3')
    expect(text).not.toMatch(/`|\*\*|\]\(|the step|command: |relative to the workspace|input error/)
    expect(text).toMatch(/^ {2}--resource-arn <arn> +Aurora cluster ARN \(RDS Data API\)\. With --secret-arn\.$/m)
    expect(text).toMatch(/^ {2}--baseline-version <n> +aurora-migrate baseline: record v1\.\.vN/m)
    expect(text).toMatch(/^ {2}--wait-timeout <duration> +.*\(default: 10min\)$/m)
    expect(text).toMatch(/^ {2}status +The history \(each applied version: when, by whom, from which commit, how long\)/m)
  })
})

describe('new', () => {
  test('creates the next version folder and its first file, zero-padded like the folders before it', async () => {
    const dir = project({ 'v001_init/01.sql': 'create table a (id int);', 'v002/01.sql': 'create table b (id int);' })
    const ran = await cli(['new', 'add_orders_status', '--json'], { cwd: dir })
    expect(ran.code).toBe(EXIT.ok)
    const document = JSON.parse(ran.stdout)
    expect(document).toMatchObject({
      command: 'new',
      version: 3,
      file: 'migrations/resources/v003_add_orders_status/01_add_orders_status.sql'
    })
    const text = fs.readFileSync(path.join(dir, document.file), 'utf8')
    expect(text).toMatch(/^-- v3: add orders status\n/)
  })

  test('in a project with no migrations yet: v1, and the folder is made', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-cli-'))
    const ran = await cli(['new', 'init', '--migrations-dir', 'db/migrations'], { cwd: dir })
    expect(ran.code).toBe(EXIT.ok)
    expect(fs.existsSync(path.join(dir, 'db/migrations/v1_init/01_init.sql'))).toBe(true)
  })

  test.each(['Add Orders', '../escape', 'a/b', '', 'x'.repeat(61)])(
    'refuses the description %j and creates nothing',
    async (description) => {
      const dir = project({ 'v1/01.sql': 'select 1;' })
      const ran = await cli(['new', description], { cwd: dir })
      expect(ran.code).toBe(EXIT.usage)
      expect(ran.stderr).toMatch(/description: '.*' is not a safe name for a version/)
      expect(fs.readdirSync(path.join(dir, 'migrations/resources'))).toEqual(['v1'])
    }
  )

  test('refuses when the migrations directory has errors, and creates nothing', async () => {
    const dir = project({ 'v1/01.sql': 'select 1;', 'v3/01.sql': 'select 3;' })
    const ran = await cli(['new', 'next'], { cwd: dir })
    expect(ran.code).toBe(EXIT.failed)
    expect(ran.stderr).toMatch(/version 2 is missing between v1/)
    expect(fs.readdirSync(path.join(dir, 'migrations/resources')).sort()).toEqual(['v1', 'v3'])
  })
})

describe('Terminal', () => {
  function stream(isTTY: boolean): { text: () => string; write: (chunk: string) => boolean; isTTY: boolean } {
    let written = ''
    return { text: () => written, write: (chunk: string) => ((written += chunk), true), isTTY }
  }

  test('colours only when asked; masks secrets and escapes control characters in every line', () => {
    const masker = new Masker()
    masker.add('hunter22')
    const plainOut = stream(false)
    const plainTerminal = new Terminal(plainOut, masker, { colour: false, progress: false })
    plainTerminal.info('Applied v1 (1 statements) in 2 ms with hunter22\u001b[31m')
    plainTerminal.annotate('error', 'bad', { file: 'm/v1/01.sql', startLine: 3, startColumn: 7 })
    expect(plainOut.text()).toBe('✓ Applied v1 (1 statements) in 2 ms with ***\\u001b[31m\nm/v1/01.sql:3:7: error: bad\n')
    const colourOut = stream(true)
    new Terminal(colourOut, masker, { colour: true, progress: false }).warning('careful')
    expect(colourOut.text()).toBe('\u001b[33mwarning:\u001b[0m careful\n')
  })

  test('a spinner with the seconds counted while nothing is said on a terminal, cleared before the next line', () => {
    jest.useFakeTimers()
    try {
      const out = stream(true)
      const terminal = new Terminal(out, new Masker(), { colour: false, progress: true })
      terminal.info('Applying v3: 1 statements in 1 files')
      jest.advanceTimersByTime(3_000)
      expect(out.text()).toMatch(/\r\u001b\[2K. Applying v3: 1 statements in 1 files \(3 s\)$/)
      terminal.info('✓ done')
      expect(out.text().endsWith('\r\u001b[2K✓ done\n')).toBe(true)
      terminal.close()
    } finally {
      jest.useRealTimers()
    }
  })

  test('findings and failures written for Markdown print without code spans or bold', () => {
    const out = stream(false)
    new Terminal(out, new Masker(), { colour: false, progress: false }).annotate(
      'warning',
      'Use `CREATE INDEX CONCURRENTLY` on **public.users** (5 MB).',
      {
        title: 'index-not-concurrent'
      }
    )
    expect(out.text()).toBe('warning: index-not-concurrent: Use CREATE INDEX CONCURRENTLY on public.users (5 MB).\n')
  })

  test('no spinner when the output is not a terminal', () => {
    jest.useFakeTimers()
    try {
      const out = stream(false)
      const terminal = new Terminal(out, new Masker(), { colour: false, progress: true })
      terminal.info('waiting for the lease')
      jest.advanceTimersByTime(5_000)
      expect(out.text()).toBe('waiting for the lease\n')
      terminal.close()
    } finally {
      jest.useRealTimers()
    }
  })

  test('apply logs findings as file:line lines; plan shows each once, as the action annotates it, with its fix', () => {
    const finding: Finding = {
      rule: 'index-not-concurrent',
      severity: 'warning',
      version: 2,
      file: 'm/v2/01.sql',
      line: 4,
      column: 1,
      message: 'CREATE INDEX blocks writes.',
      fix: 'Build it CONCURRENTLY.',
      relation: 'public.orders',
      lock: 'ShareLock'
    }
    const waived: Finding = { ...finding, line: 9, waived: { reason: 'tiny table', by: 'comment' } }
    const listed: Finding = { ...finding, line: 12, waived: { reason: 'listed in the ignore-rules input', by: 'input' } }
    const judged = stream(false)
    new Terminal(judged, new Masker(), { colour: false, progress: false }).findings([finding, waived], { log: true, annotate: true })
    expect(judged.text()).toBe('m/v2/01.sql:4:1: warning: index-not-concurrent: CREATE INDEX blocks writes. Fix: Build it CONCURRENTLY.\n')
    const logged = stream(false)
    new Terminal(logged, new Masker(), { colour: false, progress: false }).findings([finding, waived, listed], {
      log: true,
      annotate: false
    })
    expect(logged.text()).toBe(
      'm/v2/01.sql:4:1: warning: index-not-concurrent: CREATE INDEX blocks writes.\n' +
        'm/v2/01.sql:9:1: warning: index-not-concurrent: CREATE INDEX blocks writes. (waived by a comment: tiny table)\n' +
        'm/v2/01.sql:12:1: warning: index-not-concurrent: CREATE INDEX blocks writes. (waived by --ignore-rules)\n'
    )
  })
})
