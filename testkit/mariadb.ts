/**
 * A MariaDB or MySQL server of the tests' own: found on the machine (`mariadbd`, then `mysqld`; or the binary
 * `AURORA_MIGRATE_MYSQLD` names), initialised in a new directory under the OS temp dir, started with
 * `--no-defaults` (no my.cnf, never the machine's service or its port 3306) on a free port of 127.0.0.1 with
 * its own socket, pid and log files, and stopped, its directory removed, by stop() — or killed when the process
 * exits without calling it. root connects over TCP with no password.
 *
 * As root the server runs as root (`--user=root`): the data directory is in the temp dir, so nothing needs to
 * reach the repository's folder, even a private 0700 one under /root. Measured on MariaDB 10.11 here:
 * mariadb-install-db takes about 1 s, the server accepts connections about 0.15 s after it is spawned.
 *
 * MySQL 8 (GitHub's ubuntu-24.04 runners, .github/workflows/mysql.yml) is initialised with
 * `mysqld --initialize-insecure`; AppArmor's profile for /usr/sbin/mysqld there refuses a data directory in the temp
 * dir, so that workflow unloads the profile first.
 *
 * Test files use it through use-mysql-server.ts (one server per file, started in beforeAll).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '../src/free-port.js'
import { OutputTail, run } from '../src/dialects/postgresql/shadow/process.js'

export const MYSQLD_ENV = 'AURORA_MIGRATE_MYSQLD'

export type MysqlFlavor = 'mariadb' | 'mysql'

export interface MysqlServerBinary {
  path: string
  flavor: MysqlFlavor
  /** e.g. `10.11.19` or `8.0.43` */
  version: string
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface MysqlServer {
  /** `mysql://root@127.0.0.1:PORT/` */
  url: string
  port: number
  socket: string
  flavor: MysqlFlavor
  version: string
  /** The temporary directory holding the data directory, the socket and the log; removed by stop(). */
  dir: string
  /** Runs the reference client (`mariadb` or `mysql`) against this server as root. */
  mysqlCli(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<CliResult>
  stop(): Promise<void>
}

/** The folders searched besides PATH, in order. */
export const SERVER_DIRS = ['/usr/sbin', '/usr/local/mysql/bin', '/usr/local/sbin', '/opt/homebrew/bin', '/usr/local/bin']

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(path.delimiter).filter(Boolean)
}

/** The first executable of these names, on PATH and then in the given folders. */
function which(names: string[], env: NodeJS.ProcessEnv, extraDirs: string[] = []): string | null {
  for (const name of names) {
    for (const dir of [...pathDirs(env), ...extraDirs]) {
      const file = path.join(dir, name)
      if (isExecutable(file)) return file
    }
  }
  return null
}

/** What `<binary> --version` says: `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu …`. */
export function parseServerVersion(output: string): { flavor: MysqlFlavor; version: string } | null {
  const ver = /\bVer\s+(\d+\.\d+\.\d+)(\S*)/.exec(output)
  if (!ver) return null
  return { flavor: /mariadb/i.test(output) ? 'mariadb' : 'mysql', version: ver[1] }
}

const found = new Map<string, MysqlServerBinary | null>()

/** The server binary the MySQL suites use, or null when the machine has none (cached per process). */
export function findMysqlServer(env: NodeJS.ProcessEnv = process.env): MysqlServerBinary | null {
  const override = env[MYSQLD_ENV]
  const key = `${override ?? ''}\0${env.PATH ?? ''}`
  if (found.has(key)) return found.get(key)!
  const candidate = override ? (isExecutable(override) ? override : null) : which(['mariadbd', 'mysqld'], env, SERVER_DIRS)
  let result: MysqlServerBinary | null = null
  if (candidate) {
    try {
      const output = execFileSync(candidate, ['--no-defaults', '--version'], { encoding: 'utf8', timeout: 10_000, stdio: 'pipe' })
      const parsed = parseServerVersion(output)
      if (parsed) result = { path: candidate, ...parsed }
    } catch {
      result = null
    }
  }
  found.set(key, result)
  return result
}

/** The install script or client of the server's installation: beside it, in its `../bin`, or on PATH. */
function companion(server: string, names: string[], env: NodeJS.ProcessEnv): string | null {
  const real = fs.realpathSync(server)
  const dirs = [path.dirname(server), path.join(path.dirname(server), '..', 'bin'), path.dirname(real), '/usr/bin', '/usr/local/bin']
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name)
      if (isExecutable(file)) return file
    }
  }
  return which(names, env)
}

export function clientFor(binary: MysqlServerBinary, env: NodeJS.ProcessEnv = process.env): string | null {
  return companion(binary.path, binary.flavor === 'mariadb' ? ['mariadb', 'mysql'] : ['mysql'], env)
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0

/** Waits until the port answers with a server greeting (protocol 10) or an error packet. */
async function waitForGreeting(port: number, exited: () => string | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const gone = exited()
    if (gone !== null) throw new Error(gone)
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port })
      const done = (ok: boolean): void => {
        socket.destroy()
        resolve(ok)
      }
      socket.setTimeout(2000, () => done(false))
      socket.once('error', () => done(false))
      socket.once('data', (packet: Buffer) => done(packet.length > 4 && (packet[4] === 10 || packet[4] === 0xff)))
    })
    if (greeted) return
    if (Date.now() > deadline) throw new Error(`it did not accept connections within ${Math.round(timeoutMs / 1000)} s`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function removeDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  } catch {
    // Best effort: a leftover directory in the temp dir is harmless.
  }
}

/** The command that creates a data directory: mariadb-install-db for MariaDB, `mysqld --initialize-insecure` for MySQL 8. */
export function initialiseCommand(
  binary: MysqlServerBinary,
  options: { dir: string; dataDir: string; asRoot: boolean; installScript: string | null }
): { file: string; args: string[] } {
  const user = options.asRoot ? ['--user=root'] : []
  if (binary.flavor === 'mariadb') {
    if (!options.installScript) throw new Error(`no mariadb-install-db beside ${binary.path}`)
    return {
      file: options.installScript,
      args: ['--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${options.dataDir}`, '--skip-test-db', ...user]
    }
  }
  // MySQL 8: root@localhost with no password. Its compiled-in secure_file_priv (/var/lib/mysql-files on Ubuntu)
  // must exist and be readable, or the server refuses to start: point it at a folder of our own.
  return {
    file: binary.path,
    args: ['--no-defaults', '--initialize-insecure', `--datadir=${options.dataDir}`, ...mysqlOnlyArgs(options.dir), ...user]
  }
}

function mysqlOnlyArgs(dir: string): string[] {
  return [`--secure-file-priv=${path.join(dir, 'files')}`]
}

async function initialise(binary: MysqlServerBinary, dir: string, dataDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const installScript = binary.flavor === 'mariadb' ? companion(binary.path, ['mariadb-install-db', 'mysql_install_db'], env) : null
  const { file, args } = initialiseCommand(binary, { dir, dataDir, asRoot: isRoot(), installScript })
  if (binary.flavor === 'mysql') fs.mkdirSync(path.join(dir, 'files'), { recursive: true })
  const result = await run(file, args, { cwd: dir, env, timeoutMs: 120_000 })
  if (result.code !== 0) throw new Error(`${path.basename(file)} ${args.join(' ')} failed with code ${result.code}: ${result.output}`)
}

/** The server's arguments: its own port, socket, pid, log and temp dir under `dir`; never a my.cnf. */
export function serverArgs(binary: MysqlServerBinary, options: { dir: string; dataDir: string; port: number; asRoot: boolean }): string[] {
  const { dir, dataDir, port } = options
  return [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${path.join(dir, 'mysqld.sock')}`,
    `--pid-file=${path.join(dir, 'mysqld.pid')}`,
    `--log-error=${path.join(dir, 'error.log')}`,
    `--tmpdir=${dir}`,
    ...(options.asRoot ? ['--user=root'] : []),
    '--skip-name-resolve',
    '--skip-log-bin',
    // No durability: the data is thrown away.
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-buffer-pool-size=32M',
    // MySQL 8's X plugin would listen on 33060 in every server; MariaDB has none (--loose: ignored there).
    '--loose-mysqlx=OFF',
    ...(binary.flavor === 'mysql' ? mysqlOnlyArgs(dir) : [])
  ]
}

function readLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-4096).trim()
  } catch {
    return ''
  }
}

const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

/** Starts a new server from the binary found (or the one given) and resolves once it accepts connections. */
export async function startMysqlServer(options: { binary?: MysqlServerBinary; env?: NodeJS.ProcessEnv } = {}): Promise<MysqlServer> {
  const env = { ...(options.env ?? process.env) }
  for (const name of ['MYSQL_HOST', 'MYSQL_TCP_PORT', 'MYSQL_UNIX_PORT', 'MYSQL_PWD', 'MYSQL_HOME']) delete env[name]
  const binary = options.binary ?? findMysqlServer(env)
  if (!binary) throw new Error('no mariadbd or mysqld found')
  const client = clientFor(binary, env)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-mysql-'))
  const dataDir = path.join(dir, 'data')
  try {
    await initialise(binary, dir, dataDir, env)
  } catch (error) {
    removeDir(dir)
    throw error
  }
  let lastError = ''
  // A free port can be taken between choosing it and binding it: try again with another.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort()
    const child: ChildProcess = spawn(binary.path, serverArgs(binary, { dir, dataDir, port, asRoot: isRoot() }), {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const output = new OutputTail()
    child.stdout?.on('data', (chunk: Buffer) => output.add(chunk))
    child.stderr?.on('data', (chunk: Buffer) => output.add(chunk))
    let gone: string | null = null
    const exit = new Promise<void>((resolve) => {
      child.on('error', (error) => {
        gone = `it could not be started: ${error.message}`
        resolve()
      })
      child.on('exit', (code, signal) => {
        gone = signal ? `it was killed by ${signal}` : `it exited with code ${code}`
        resolve()
      })
    })
    child.unref()
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.()
    const stopChild = async (): Promise<void> => {
      if (gone !== null) return
      child.kill('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const timedOut = await Promise.race([
        exit.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS)))
      ])
      clearTimeout(timer)
      if (timedOut && gone === null) {
        child.kill('SIGKILL')
        await exit
      }
    }
    try {
      await waitForGreeting(port, () => gone, START_TIMEOUT_MS)
    } catch (error) {
      await stopChild()
      const log = readLog(dir)
      lastError = `${(error as Error).message}\n${[output.text(), log].filter(Boolean).join('\n')}`
      if (/address already in use|Can't start server: Bind/i.test(log) && attempt < 3) continue
      break
    }
    const onExit = (): void => {
      if (gone === null) child.kill('SIGKILL')
      removeDir(dir)
    }
    process.once('exit', onExit)
    let stopping: Promise<void> | undefined
    return {
      url: `mysql://root@127.0.0.1:${port}/`,
      port,
      socket: path.join(dir, 'mysqld.sock'),
      flavor: binary.flavor,
      version: binary.version,
      dir,
      mysqlCli(args, cliOptions = {}) {
        if (!client) throw new Error(`no ${binary.flavor === 'mariadb' ? 'mariadb or mysql' : 'mysql'} client found for ${binary.path}`)
        const connection = ['--no-defaults', '--protocol=TCP', '-h127.0.0.1', `-P${port}`, '-uroot']
        return runClient(client, [...connection, ...args], cliOptions.input, cliOptions.timeoutMs ?? 60_000, os.tmpdir(), env)
      },
      stop() {
        stopping ??= (async () => {
          process.removeListener('exit', onExit)
          await stopChild()
          removeDir(dir)
        })()
        return stopping
      }
    }
  }
  removeDir(dir)
  throw new Error(`${binary.flavor} ${binary.version} from ${binary.path} did not start: ${lastError}`)
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
