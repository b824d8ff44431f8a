/**
 * The pure parts of MySQL's shadow and review parts: the init and server command lines for MariaDB and
 * MySQL 8, how a server is named, the binary search's preference, the settings' comparison, and the review
 * leaving every statement unreviewed without a false syntax error.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { review } from '../../src/dialects/mysql/review.js'
import { describeBinary, findServerBinary, MYSQLD_ENV } from '../../src/dialects/mysql/shadow/binaries.js'
import { describeDifferences, MARIADB_DIFFERENCES } from '../../src/dialects/mysql/shadow/differences.js'
import { initCommand, localServerText, serverArgs, serverPaths } from '../../src/dialects/mysql/shadow/server.js'
import { compareSettings, describeMatch, describeVersion, SETTINGS_SQL } from '../../src/dialects/mysql/shadow/settings.js'
import { parsePending, reviewRules } from '../../src/review/review.js'
import { version } from '../../testkit/versions.js'

const mariadb = { path: '/usr/sbin/mariadbd', flavor: 'mariadb' as const, version: '10.11.19' }
const mysql8 = { path: '/usr/sbin/mysqld', flavor: 'mysql' as const, version: '8.0.43' }
const paths = serverPaths('/tmp/aurora-migrate-mysql-x')

describe('initCommand', () => {
  test('MariaDB: the install script, root with no password over TCP, no test database, its own temp dir', () => {
    expect(initCommand(mariadb, paths, { asRoot: false, installScript: '/usr/bin/mariadb-install-db' })).toEqual({
      file: '/usr/bin/mariadb-install-db',
      args: [
        '--no-defaults',
        '--auth-root-authentication-method=normal',
        '--datadir=/tmp/aurora-migrate-mysql-x/data',
        '--tmpdir=/tmp/aurora-migrate-mysql-x',
        '--skip-test-db'
      ]
    })
    expect(initCommand(mariadb, paths, { asRoot: true, installScript: '/usr/bin/mariadb-install-db' }).args.at(-1)).toBe('--user=root')
    expect(() => initCommand(mariadb, paths, { asRoot: false, installScript: null })).toThrow(
      'no mariadb-install-db beside /usr/sbin/mariadbd'
    )
  })

  test('MySQL 8: mysqld --initialize-insecure, with its own secure-file-priv folder, and --basedir when run from a copy', () => {
    expect(initCommand(mysql8, paths, { asRoot: true, installScript: null })).toEqual({
      file: '/usr/sbin/mysqld',
      args: [
        '--no-defaults',
        '--initialize-insecure',
        '--datadir=/tmp/aurora-migrate-mysql-x/data',
        '--secure-file-priv=/tmp/aurora-migrate-mysql-x/files',
        '--tmpdir=/tmp/aurora-migrate-mysql-x',
        '--log-error=/tmp/aurora-migrate-mysql-x/init.log',
        '--user=root'
      ]
    })
    const copy = initCommand({ ...mysql8, path: '/tmp/x/bin/mysqld' }, paths, { asRoot: false, installScript: null, basedir: '/usr' })
    expect(copy.file).toBe('/tmp/x/bin/mysqld')
    expect(copy.args.slice(0, 3)).toEqual(['--no-defaults', '--basedir=/usr', '--initialize-insecure'])
    expect(copy.args).not.toContain('--user=root')
  })
})

describe('serverArgs', () => {
  test('local TCP on the port given, its own socket, never the machine defaults', () => {
    const args = serverArgs(mariadb, paths, 40123, { asRoot: false })
    expect(args[0]).toBe('--no-defaults')
    expect(args).toEqual(
      expect.arrayContaining([
        '--port=40123',
        '--bind-address=127.0.0.1',
        '--socket=/tmp/aurora-migrate-mysql-x/mysqld.sock',
        '--skip-name-resolve'
      ])
    )
    expect(args).not.toContain('--user=root')
  })

  test('MySQL 8 keeps name resolution: its root is root@localhost, which 127.0.0.1 only is when resolved', () => {
    const args = serverArgs(mysql8, paths, 40123, { asRoot: true, basedir: '/usr' })
    expect(args).not.toContain('--skip-name-resolve')
    expect(args).toEqual(expect.arrayContaining(['--user=root', '--basedir=/usr', '--loose-mysqlx=OFF']))
  })
})

describe('naming the server', () => {
  test('a local MariaDB says loudly that it is not MySQL', () => {
    expect(localServerText('mariadb', '10.11.19')).toBe(
      'local MariaDB 10.11.19 (not MySQL: what differs is in docs/mysql.md, "MySQL and MariaDB")'
    )
    expect(localServerText('mysql', '8.0.43')).toBe('local MySQL 8.0.43')
    expect(describeVersion('10.11.19-MariaDB-0+deb12u1')).toBe('MariaDB 10.11.19')
    expect(describeVersion('8.0.36')).toBe('MySQL 8.0.36')
  })

  test('the differences table has both directions and reads as lines', () => {
    const outcomes = new Set(MARIADB_DIFFERENCES.map((d) => d.outcome))
    expect(outcomes).toEqual(new Set(['false pass', 'false failure', 'differs']))
    const lines = describeDifferences()
    expect(lines).toHaveLength(MARIADB_DIFFERENCES.length)
    expect(lines[0]).toBe(
      'IF [NOT] EXISTS on ADD/DROP COLUMN, ADD/DROP INDEX, CREATE INDEX: MySQL a syntax error; MariaDB accepted (false pass)'
    )
  })
})

describe('findServerBinary', () => {
  const fakeServer = (dir: string, name: string, versionLine: string): string => {
    fs.mkdirSync(dir, { recursive: true })
    const file = path.join(dir, name)
    fs.writeFileSync(file, `#!/bin/sh\necho '${versionLine}'\n`, { mode: 0o755 })
    return file
  }

  test('verification prefers MySQL where both are found; the tests take MariaDB first; the override alone when set', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-bin-'))
    try {
      const maria = fakeServer(path.join(root, 'a'), 'mariadbd', 'mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64')
      const mysql = fakeServer(
        path.join(root, 'b'),
        'mysqld',
        '/usr/sbin/mysqld  Ver 8.0.43-0ubuntu0.24.04.1 for Linux on x86_64 ((Ubuntu))'
      )
      const env = { PATH: `${path.join(root, 'a')}${path.delimiter}${path.join(root, 'b')}` }
      expect(findServerBinary(env, 'mysql')).toEqual({ path: mysql, flavor: 'mysql', version: '8.0.43' })
      expect(findServerBinary(env, 'mariadb')).toEqual({ path: maria, flavor: 'mariadb', version: '10.11.19' })
      expect(findServerBinary({ ...env, [MYSQLD_ENV]: maria }, 'mysql')).toEqual({ path: maria, flavor: 'mariadb', version: '10.11.19' })
      expect(findServerBinary({ ...env, [MYSQLD_ENV]: path.join(root, 'none') }, 'mysql')).toBeNull()
      const notServer = fakeServer(path.join(root, 'c'), 'mysqld', 'hello')
      expect(describeBinary(notServer)).toBeNull()
    } finally {
      fs.rmSync(root, { recursive: true, force: true })
    }
  })
})

describe('compareSettings', () => {
  test('sql_mode in any order matches; the version by engine and major.minor; a reason says why a value differs', () => {
    const target = {
      version: '8.0.36',
      sql_mode: 'STRICT_TRANS_TABLES,ANSI_QUOTES',
      collation_database: 'utf8mb4_0900_ai_ci',
      time_zone: 'UTC',
      lower_case_table_names: '0'
    }
    const shadow = {
      version: '10.11.19-MariaDB-0+deb12u1',
      sql_mode: 'ANSI_QUOTES,STRICT_TRANS_TABLES',
      collation_database: 'utf8mb4_general_ci',
      time_zone: 'SYSTEM',
      lower_case_table_names: '0'
    }
    const reasons = new Map([['collation_database', 'the throwaway server cannot create a database with it: Unknown collation']])
    const match = compareSettings(target, shadow, reasons)
    expect(match.matched).toEqual(['sql_mode', 'lower_case_table_names'])
    expect(match.unmatched).toEqual([
      { name: 'version', target: '8.0.36', reason: 'the target runs MySQL 8.0.36, the throwaway server MariaDB 10.11.19' },
      {
        name: 'collation_database',
        target: 'utf8mb4_0900_ai_ci',
        reason: "the throwaway database has 'utf8mb4_general_ci': the throwaway server cannot create a database with it: Unknown collation"
      },
      { name: 'time_zone', target: 'UTC', reason: "the throwaway database has 'SYSTEM'" }
    ])
    expect(compareSettings({ version: '8.0.36' }, { version: '8.0.43' }, new Map())).toEqual({ matched: ['version'], unmatched: [] })
    expect(compareSettings({ innodb_strict_mode: '1' }, {}, new Map()).unmatched[0].reason).toBe('the throwaway server has no such setting')
    expect(describeMatch(match)).toMatch(
      /^The throwaway database matches the target's sql_mode, lower_case_table_names; it could not match version '8.0.36' \(/
    )
  })

  test('one SELECT reads every setting, the database defaults from the catalog', () => {
    expect(SETTINGS_SQL).toMatch(/^SELECT @@version AS `version`, @@sql_mode AS `sql_mode`, COALESCE\(\(SELECT DEFAULT_CHARACTER_SET_NAME/)
    expect(SETTINGS_SQL.match(/ AS `/g)).toHaveLength(12)
  })
})

describe('the MySQL review', () => {
  test("the clause reader reads each statement; it refuses none (the server judges what it cannot read); the rules are MySQL's", async () => {
    const versions = [version(1, { '01.sql': 'CREATE TABLE t (id INT);\nALTER TABLE t ADD COLUMN IF NOT EXISTS b INT;\nSELEC oops;\n' })]
    const parsed = await parsePending(review, versions, [1])
    expect(parsed.syntaxErrors).toEqual([])
    expect(parsed.statements.map((s) => (s.node as { kind: string }).kind)).toEqual(['create-table', 'alter-table', 'other'])
    expect(review.displayName).toBe('MySQL')
    expect(review.rules.length).toBeGreaterThan(10)
    expect(review.rules.every((rule) => rule.id.startsWith('mysql-'))).toBe(true)
    expect(reviewRules(review).length).toBe(review.rules.length + 1)
  })
})
