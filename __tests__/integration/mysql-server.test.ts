/** The suite's own MariaDB/MySQL server: its own port and directory, the reference client, a clean stop. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startMysqlServer } from '../../testkit/mariadb.js'
import { describeMysql, mysqlCli, useMysqlServer } from '../../testkit/use-mysql-server.js'

describeMysql('the test MySQL server', () => {
  const server = useMysqlServer()

  test('listens on its own port of 127.0.0.1, not 3306, from a directory in the temp dir', () => {
    console.log(`${server.flavor} ${server.version} started in ${server.startMs} ms on ${server.url}`)
    expect(server.port).not.toBe(3306)
    expect(server.url).toBe(`mysql://root@127.0.0.1:${server.port}/`)
    expect(path.dirname(server.dir)).toBe(os.tmpdir())
    expect(server.socket.startsWith(server.dir)).toBe(true)
    expect(fs.existsSync(path.join(server.dir, 'data'))).toBe(true)
  })

  test('answers SELECT VERSION() and @@port through the reference client', async () => {
    const result = await mysqlCli(['-N', '-B', '-e', 'SELECT VERSION(), @@port, @@datadir'])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const [version, port, datadir] = result.stdout.trim().split('\t')
    expect(version.startsWith(server.version)).toBe(true)
    if (server.flavor === 'mariadb') expect(version).toMatch(/MariaDB/)
    expect(Number(port)).toBe(server.port)
    expect(path.resolve(datadir)).toBe(path.join(fs.realpathSync(server.dir), 'data'))
  })

  test('creates and drops a database', async () => {
    const list = async () => (await server.mysqlCli(['-N', '-B', '-e', 'SHOW DATABASES'])).stdout.trim().split('\n')
    expect(await list()).not.toContain('made_here')
    const create = await server.mysqlCli([
      '-e',
      'CREATE DATABASE made_here; CREATE TABLE made_here.t (a INT); INSERT INTO made_here.t VALUES (7)'
    ])
    expect(create).toMatchObject({ code: 0, stderr: '' })
    expect((await server.mysqlCli(['-N', '-B', 'made_here', '-e', 'SELECT a FROM t'])).stdout).toBe('7\n')
    expect(await list()).toContain('made_here')
    expect((await server.mysqlCli(['-e', 'DROP DATABASE made_here'])).code).toBe(0)
    expect(await list()).not.toContain('made_here')
  })

  test('a failing statement reports its error through the client', async () => {
    const result = await server.mysqlCli(['-e', 'SELECT * FROM no_such_db.t'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/ERROR 1049|ERROR 1146/)
  })

  test('two servers started at once get their own ports and directories, and stop() removes each directory', async () => {
    const [a, b] = await Promise.all([startMysqlServer(), startMysqlServer()])
    try {
      expect(new Set([a.port, b.port, server.port]).size).toBe(3)
      expect(new Set([a.dir, b.dir, server.dir]).size).toBe(3)
      expect((await a.mysqlCli(['-e', 'CREATE DATABASE only_in_a'])).code).toBe(0)
      const inB = await b.mysqlCli(['-N', '-B', '-e', 'SHOW DATABASES'])
      expect(inB.stdout.split('\n')).not.toContain('only_in_a')
      const inA = await a.mysqlCli(['-N', '-B', '-e', 'SHOW DATABASES'])
      expect(inA.stdout.split('\n')).toContain('only_in_a')
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
    expect(fs.existsSync(a.dir)).toBe(false)
    expect(fs.existsSync(b.dir)).toBe(false)
    const after = await a.mysqlCli(['--connect-timeout=2', '-e', 'SELECT 1'])
    expect(after.code).not.toBe(0)
  })
})
