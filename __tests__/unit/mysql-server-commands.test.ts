/**
 * The commands testkit/mariadb.ts runs to create and start a test server: MariaDB's install script, MySQL 8's
 * `mysqld --initialize-insecure`, and the server's own port, socket and folders (no my.cnf, never port 3306).
 */
import { initialiseCommand, serverArgs } from '../../testkit/mariadb.js'

const mariadb = { path: '/usr/sbin/mariadbd', flavor: 'mariadb' as const, version: '10.11.19' }
const mysql8 = { path: '/usr/sbin/mysqld', flavor: 'mysql' as const, version: '8.0.43' }
const dir = '/tmp/aurora-migrate-mysql-x'
const dataDir = `${dir}/data`

describe('initialiseCommand', () => {
  test('MariaDB: mariadb-install-db with root over the normal password method, no test database', () => {
    expect(initialiseCommand(mariadb, { dir, dataDir, asRoot: false, installScript: '/usr/bin/mariadb-install-db' })).toEqual({
      file: '/usr/bin/mariadb-install-db',
      args: ['--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${dataDir}`, '--skip-test-db']
    })
    expect(initialiseCommand(mariadb, { dir, dataDir, asRoot: true, installScript: '/usr/bin/mariadb-install-db' }).args.at(-1)).toBe(
      '--user=root'
    )
    expect(() => initialiseCommand(mariadb, { dir, dataDir, asRoot: false, installScript: null })).toThrow(
      'no mariadb-install-db beside /usr/sbin/mariadbd'
    )
  })

  test('MySQL 8: the server itself with --initialize-insecure (root, no password) and a secure_file_priv of its own', () => {
    expect(initialiseCommand(mysql8, { dir, dataDir, asRoot: false, installScript: null })).toEqual({
      file: '/usr/sbin/mysqld',
      args: ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, `--secure-file-priv=${dir}/files`]
    })
    expect(initialiseCommand(mysql8, { dir, dataDir, asRoot: true, installScript: null }).args).toContain('--user=root')
  })
})

describe('serverArgs', () => {
  test('its own port on 127.0.0.1, socket, pid, log and temp dir; no my.cnf; MySQL 8 also gets its secure_file_priv', () => {
    const args = serverArgs(mariadb, { dir, dataDir, port: 41234, asRoot: false })
    expect(args[0]).toBe('--no-defaults')
    expect(args).toEqual(
      expect.arrayContaining([
        `--datadir=${dataDir}`,
        '--port=41234',
        '--bind-address=127.0.0.1',
        `--socket=${dir}/mysqld.sock`,
        `--pid-file=${dir}/mysqld.pid`,
        `--log-error=${dir}/error.log`,
        `--tmpdir=${dir}`,
        '--loose-mysqlx=OFF'
      ])
    )
    expect(args.some((arg) => arg.startsWith('--secure-file-priv'))).toBe(false)
    expect(args).not.toContain('--user=root')
    const mysqlArgs = serverArgs(mysql8, { dir, dataDir, port: 41234, asRoot: true })
    expect(mysqlArgs).toEqual([...serverArgs(mariadb, { dir, dataDir, port: 41234, asRoot: true }), `--secure-file-priv=${dir}/files`])
    expect(mysqlArgs).toContain('--user=root')
  })
})
