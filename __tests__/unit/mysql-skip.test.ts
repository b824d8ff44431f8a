/** Whether the MySQL suites run, skip loudly, or fail under CI: decided without starting anything. */
import { MYSQLD_ENV, parseServerVersion } from '../../testkit/mariadb.js'
import { mysqlSuiteDecision } from '../../testkit/use-mysql-server.js'

const binary = { path: '/usr/sbin/mariadbd', flavor: 'mariadb' as const, version: '10.11.19' }

describe('mysqlSuiteDecision', () => {
  test('runs when a server binary was found, under CI or not', () => {
    expect(mysqlSuiteDecision(binary, {})).toEqual({ action: 'run', binary })
    expect(mysqlSuiteDecision(binary, { CI: 'true' })).toEqual({ action: 'run', binary })
  })

  test('without a binary and without CI: skipped, with the install command', () => {
    const decision = mysqlSuiteDecision(null, {})
    expect(decision.action).toBe('skip')
    const message = 'message' in decision ? decision.message : ''
    expect(message).toMatch(/^MySQL suites skipped: no mariadbd or mysqld found/)
    expect(message).toContain('sudo apt-get install mariadb-server (Debian/Ubuntu)')
    expect(message).toContain(MYSQLD_ENV)
    expect(mysqlSuiteDecision(null, { CI: 'false' }).action).toBe('skip')
    expect(mysqlSuiteDecision(null, { CI: '' }).action).toBe('skip')
  })

  test('without a binary under CI=true: a failure, with the same advice', () => {
    const decision = mysqlSuiteDecision(null, { CI: 'true' })
    expect(decision.action).toBe('fail')
    const message = 'message' in decision ? decision.message : ''
    expect(message).toMatch(/^MySQL suites cannot run under CI: no mariadbd or mysqld found/)
    expect(message).toContain('sudo apt-get install mariadb-server (Debian/Ubuntu)')
  })

  test('names the override when it points at nothing', () => {
    const decision = mysqlSuiteDecision(null, { [MYSQLD_ENV]: '/nowhere/mysqld' })
    expect('message' in decision && decision.message).toContain(`${MYSQLD_ENV}=/nowhere/mysqld is not an executable server`)
  })
})

describe('parseServerVersion', () => {
  test('MariaDB and MySQL 8 version lines', () => {
    expect(parseServerVersion('mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)\n')).toEqual({
      flavor: 'mariadb',
      version: '10.11.19'
    })
    expect(parseServerVersion('/usr/sbin/mysqld  Ver 8.0.43-0ubuntu0.24.04.1 for Linux on x86_64 ((Ubuntu))\n')).toEqual({
      flavor: 'mysql',
      version: '8.0.43'
    })
    expect(parseServerVersion('something else')).toBeNull()
  })
})
