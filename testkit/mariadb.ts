/**
 * A MariaDB or MySQL server of the tests' own. Finding the binary and starting the server are the product's
 * (src/dialects/mysql/shadow/binaries.ts and server.ts: verification's local server), so the tests run the
 * same code: found on the machine (`mariadbd`, then `mysqld`; or the binary `AURORA_MIGRATE_MYSQLD` names),
 * initialised in a new directory under the OS temp dir, started with `--no-defaults` (no my.cnf, never the
 * machine's service or its port 3306) on a free port of 127.0.0.1 with its own socket, pid and log files,
 * and stopped, its directory removed, by stop() — or killed when the process exits without calling it. root
 * connects over TCP with no password. Measured on MariaDB 10.11 here: mariadb-install-db takes about 1 s, the
 * server accepts connections about 0.15 s after it is spawned.
 *
 * What this file adds for the tests: the MariaDB-first search (the suites run on whatever the machine has) and
 * the reference client (`mariadb` or `mysql`) against the server.
 *
 * Test files use it through use-mysql-server.ts (one server per file, started in beforeAll).
 */
import { spawn } from 'node:child_process'
import os from 'node:os'
import {
  clientFor,
  findServerBinary,
  MYSQLD_ENV,
  parseServerVersion,
  SERVER_DIRS,
  type MysqlFlavor,
  type MysqlServerBinary
} from '../src/dialects/mysql/shadow/binaries.js'
import { startLocalMysql, type LocalMysql } from '../src/dialects/mysql/shadow/server.js'

export { clientFor, MYSQLD_ENV, parseServerVersion, SERVER_DIRS, type MysqlFlavor, type MysqlServerBinary }

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The product's local server (verification's), with the reference client beside it. */
export interface MysqlServer extends Omit<LocalMysql, 'pid'> {
  /** Runs the reference client (`mariadb` or `mysql`) against this server as root. */
  mysqlCli(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<CliResult>
}

/** The server binary the MySQL suites use (MariaDB first), or null when the machine has none. */
export function findMysqlServer(env: NodeJS.ProcessEnv = process.env): MysqlServerBinary | null {
  return findServerBinary(env, 'mariadb')
}

/** Starts a new server from the binary found (or the one given) and resolves once it accepts connections. */
export async function startMysqlServer(options: { binary?: MysqlServerBinary; env?: NodeJS.ProcessEnv } = {}): Promise<MysqlServer> {
  const env = { ...(options.env ?? process.env) }
  for (const name of ['MYSQL_HOST', 'MYSQL_TCP_PORT', 'MYSQL_UNIX_PORT', 'MYSQL_PWD', 'MYSQL_HOME']) delete env[name]
  const binary = options.binary ?? findMysqlServer(env)
  if (!binary) throw new Error('no mariadbd or mysqld found')
  const client = clientFor(binary, env)
  const local = await startLocalMysql({ binary, env })
  return {
    url: local.url,
    port: local.port,
    socket: local.socket,
    flavor: local.flavor,
    version: local.version,
    dir: local.dir,
    mysqlCli(args, cliOptions = {}) {
      if (!client) throw new Error(`no ${binary.flavor === 'mariadb' ? 'mariadb or mysql' : 'mysql'} client found for ${binary.path}`)
      const connection = ['--no-defaults', '--protocol=TCP', '-h127.0.0.1', `-P${local.port}`, '-uroot']
      return runClient(client, [...connection, ...args], cliOptions.input, cliOptions.timeoutMs ?? 60_000, os.tmpdir(), env)
    },
    stop: () => local.stop()
  }
}

function runClient(file: string, args: string[], input: string | undefined, timeoutMs: number, cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(input ?? '')
  })
}
