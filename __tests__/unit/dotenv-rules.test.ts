/**
 * The command line's `.env` reading (strict, no expansion, values never in a message) and the per-rule severities
 * (`rules`): their reading, and their effect on the findings and on fail-on's verdict.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { reviewBlocking } from '../../src/commands/review.js'
import { parseDotenv, withDotenv } from '../../src/cli/dotenv.js'
import { InputError } from '../../src/errors.js'
import { applyRuleSettings, parseRuleSettings } from '../../src/review/rule-settings.js'
import type { Finding } from '../../src/review/types.js'

const messageOf = (run: () => unknown): string => {
  try {
    run()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

describe('.env', () => {
  test('KEY=value, export, quotes, comments; no expansion or substitution', () => {
    const values = parseDotenv(
      [
        '# local settings',
        '',
        'DATABASE_URL=postgres://app:s3cret@localhost:5432/todo',
        'export STAGING_URL = "postgres://app:p#w@staging/todo"  # a comment',
        "LITERAL='$HOME and $(whoami) and `id`'",
        'UNQUOTED=$HOME/x # trailing comment',
        'ESCAPES="a\\nb\\t\\"c\\"\\\\"',
        'HASH=ab#c',
        'EMPTY='
      ].join('\n'),
      '.env'
    )
    expect(Object.fromEntries(values)).toEqual({
      DATABASE_URL: 'postgres://app:s3cret@localhost:5432/todo',
      STAGING_URL: 'postgres://app:p#w@staging/todo',
      LITERAL: '$HOME and $(whoami) and `id`',
      UNQUOTED: '$HOME/x',
      ESCAPES: 'a\nb\t"c"\\',
      HASH: 'ab#c',
      EMPTY: ''
    })
  })

  test.each([
    ['no equals sign', 'JUST_A_WORD', '.env:1: not KEY=value'],
    ['a bad name', '1X=y', ".env:1: '1X' is not a variable name"],
    ['an unclosed quote', 'A="postgres://u:hunter2@db', '.env:1: A: the double quote is not closed on its line'],
    ['text after the quote', "A='x' y", '.env:1: A: text after the closing quote'],
    ['a key twice', 'A=1\n\nA=2', '.env:3: A is set twice (first at line 1)']
  ])('%s is an error at its line that shows no value', (_name, text, message) => {
    const error = messageOf(() => parseDotenv(text, '.env'))
    expect(error).toMatch(new RegExp(`^${message.replace(/[.*?()[\]]/g, '\\$&')}`))
    expect(error).not.toMatch(/hunter2|postgres:/)
  })

  test('the environment wins over .env; the first folder with a .env is read; none is fine', () => {
    const first = fs.mkdtempSync(path.join(os.tmpdir(), 'dotenv-'))
    const second = fs.mkdtempSync(path.join(os.tmpdir(), 'dotenv-'))
    try {
      expect(withDotenv({ A: 'env' }, [first]).env).toEqual({ A: 'env' })
      fs.writeFileSync(path.join(second, '.env'), 'A=file\nB=file\n')
      const read = withDotenv({ A: 'env' }, [first, second])
      expect(read.env).toEqual({ A: 'env', B: 'file' })
      expect(read.file).toBe(path.join(second, '.env'))
      fs.writeFileSync(path.join(first, '.env'), 'B=first\n')
      expect(withDotenv({}, [first, second]).env).toEqual({ B: 'first' })
    } finally {
      fs.rmSync(first, { recursive: true, force: true })
      fs.rmSync(second, { recursive: true, force: true })
    }
  })
})

describe('rules', () => {
  const KNOWN = ['index-not-concurrent', 'serial-column', 'timestamp-without-time-zone']

  test('id=severity separated by commas or lines; a later entry for the same rule wins', () => {
    expect(parseRuleSettings('index-not-concurrent=error, serial-column = OFF\ntimestamp-without-time-zone:notice', KNOWN)).toEqual({
      'index-not-concurrent': 'error',
      'serial-column': 'off',
      'timestamp-without-time-zone': 'notice'
    })
    expect(parseRuleSettings('serial-column=off,serial-column=warning', KNOWN)).toEqual({ 'serial-column': 'warning' })
    expect(parseRuleSettings('', KNOWN)).toEqual({})
  })

  test.each([
    ['index-not-concurent=error', "'index-not-concurent' is not a rule of the review: did you mean index-not-concurrent?"],
    ['serial-column=eror', "serial-column: 'eror' is not one of error, warning, notice, off (did you mean error?)"],
    ['serial-column', "'serial-column' is not <rule-id>=<severity>"]
  ])('%s is an error of the rules input', (raw, message) => {
    const error = (() => {
      try {
        parseRuleSettings(raw, KNOWN)
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).input).toBe('rules')
    expect((error as InputError).detail).toContain(message)
  })

  const finding = (rule: string, severity: Finding['severity'], waived?: Finding['waived']): Finding => ({
    rule,
    severity,
    version: 2,
    file: 'migrations/v2/01.sql',
    line: 1,
    column: 1,
    message: 'm',
    fix: 'f',
    relation: null,
    lock: null,
    ...(waived ? { waived } : {})
  })

  test("a severity changes the finding and fail-on's verdict; off waives it; a comment's waiver stays the comment's", () => {
    const findings = [
      finding('index-not-concurrent', 'warning'),
      finding('serial-column', 'error'),
      finding('timestamp-without-time-zone', 'notice', { reason: 'on purpose', by: 'comment' })
    ]
    expect(reviewBlocking(findings, 'error').map((f) => f.rule)).toEqual(['serial-column'])
    const settled = applyRuleSettings(findings, {
      'index-not-concurrent': 'error',
      'serial-column': 'off',
      'timestamp-without-time-zone': 'off'
    })
    expect(settled.map((f) => [f.rule, f.severity, f.waived?.by ?? null])).toEqual([
      ['index-not-concurrent', 'error', null],
      ['serial-column', 'error', 'input'],
      ['timestamp-without-time-zone', 'notice', 'comment']
    ])
    expect(settled[1].waived?.reason).toBe('off in the rules setting')
    expect(reviewBlocking(settled, 'error').map((f) => f.rule)).toEqual(['index-not-concurrent'])
    // The findings given are not changed in place.
    expect(findings[0].severity).toBe('warning')
  })
})
