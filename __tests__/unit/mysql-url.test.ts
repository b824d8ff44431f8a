/**
 * A mysql:// URL given as an input (src/targets/mysql/url.ts: validateMysqlUrl) and its masking (src/targets/mask.ts):
 * the rules of the postgres:// check, with messages that name the input and never show the password.
 */
import { InputError } from '../../src/errors.js'
import { maskUrl, scrubSecrets, urlSecrets } from '../../src/targets/mask.js'
import { validateMysqlUrl } from '../../src/targets/mysql/url.js'

function refusal(url: string, input = 'database-url'): InputError {
  try {
    validateMysqlUrl(url, input)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error('expected an InputError')
}

describe('validateMysqlUrl', () => {
  test.each([
    'mysql://app:s3cret@db.example.com:3306/app',
    'mysql://app:p%40ss%2Fw0rd@db.example.com/app',
    'mysql://root@127.0.0.1:3307/',
    'mysql://app:s3cret@[::1]:3306/app',
    'mysql://app:s3cret@db.example.com/app?ssl=true&note=a@b'
  ])('%s is accepted as is', (url) => {
    expect(validateMysqlUrl(url, 'database-url')).toBe(url)
  })

  test.each([
    ['mysql://app:p@ss@db.example.com:3306/app', 'p@ss'],
    ['mysql://app:p@ss/w0rd@db.example.com/app', 'p@ss/w0rd'],
    ['mysql://app:@pw@db.example.com/app', '@pw']
  ])('a raw @ in the password (%s) is refused: the URL is ambiguous', (url, password) => {
    const error = refusal(url, 'shadow-database-url')
    expect(error.input).toBe('shadow-database-url')
    expect(error.message).toBe(
      "Input 'shadow-database-url': the password holds a raw @: percent-encode it as %40 (and / as %2F, ? as %3F, # as %23). " +
        'With two @ the URL is ambiguous: some clients end the password at the first @, mysql2 at the last'
    )
    expect(error.message).not.toContain(password)
  })

  test.each([
    ['mysql://app:pa/ss@db.example.com/app', 'pa/ss'],
    ['mysql://app:pa?ss@db.example.com/app', 'pa?ss'],
    ['mysql://app:pa#ss@db.example.com/app', 'pa#ss']
  ])('%s is refused: the driver would read part of the password as the host or the database', (url, password) => {
    const error = refusal(url)
    expect(error.message).toMatch(/the password holds a character that must be percent-encoded in a URL \(@ as %40, \/ as %2F/)
    expect(error.message).not.toContain(password)
  })

  test.each([
    ['postgres://app:s3cret@db.example.com/app', /scheme 'postgres' is not supported: use mysql:\/\/user:password@host:3306\/database/],
    ['mysqlx://app:s3cret@db.example.com/app', /scheme 'mysqlx' is not supported/],
    ['mariadb://app:s3cret@db.example.com/app', /scheme 'mariadb' is not supported/],
    ['mysql:///app', /has no host: use mysql:\/\//],
    ['not a url', /is not a valid URL: use mysql:\/\//]
  ])('%s is refused', (url, message) => {
    const error = refusal(url)
    expect(error.message).toMatch(message)
    expect(error.message).not.toContain('s3cret')
  })
})

describe('mysql:// URLs are masked like postgres:// ones', () => {
  test.each([
    ['mysql://app:s3cret@db.example.com:3306/app', 'mysql://app:***@db.example.com:3306/app'],
    ['mysql://app:p%40ss@db.example.com/app?ssl=true', 'mysql://app:***@db.example.com/app?ssl=true'],
    ['mysql://root@127.0.0.1:3307/', 'mysql://root@127.0.0.1:3307/'],
    ['mysql://app:pa@ss:wo/rd@db.example.com/app', 'mysql://app:***@db.example.com/app'],
    ['mysql://db.example.com/app?user=u&password=s3cret', 'mysql://db.example.com/app?user=u&password=***']
  ])('%s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked)
  })

  test('the password is found for registering and scrubbing, written and decoded', () => {
    expect(urlSecrets('mysql://app:p%40ss@db.example.com/app')).toEqual(['p%40ss', 'p@ss'])
    expect(scrubSecrets('mysql://app:s3cret@db/app')("Access denied for user 'app' (using password: s3cret)")).toBe(
      "Access denied for user 'app' (using password: ***)"
    )
  })
})
