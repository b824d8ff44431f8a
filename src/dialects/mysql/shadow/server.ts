/**
 * A throwaway MySQL or MariaDB server started from binaries on the machine (binaries.ts), for verification
 * without a shadow-database-url and for the test suites (testkit/mariadb.ts is a thin layer over this file).
 *
 * The server is initialised in a new directory under the OS temp dir (MariaDB: mariadb-install-db; MySQL 8:
 * `mysqld --initialize-insecure`; one function, initCommand, builds either), started with `--no-defaults` (no
 * my.cnf, never the machine's service or its port 3306) on a free port of 127.0.0.1 with its own socket, pid and
 * log files, no durability and the UTC system time zone, and stopped, its directory removed, by stop() — or
 * killed when the process exits without calling it. root connects over TCP with no password. As root the
 * server runs as root (`--user=root`): its directory is in the temp dir, so it needs nothing else.
 *
 * MySQL 8 on Ubuntu (GitHub's runners ship 8.0.43 at /usr/sbin/mysqld): AppArmor's profile for that path may
 * refuse a data directory in the temp dir. When initialising fails with "Permission denied" and the profile
 * exists, the binary is run once more from a copy (the profile is bound to the path), with its installation
 * named by --basedir. Not yet tried on a runner.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { errorMessage } from '../../../errors.js'
import { freePort } from '../../../free-port.js'
import { ShadowUnavailableError } from '../../../shadow/unavailable.js'
import { OutputTail, run } from '../../postgresql/shadow/process.js'
import { installScriptFor, type MysqlFlavor, type MysqlServerBinary } from './binaries.js'

export interface LocalMysql {
  /** `mysql://root@127.0.0.1:PORT/` */
  url: string
  port: number
  socket: string
  flavor: MysqlFlavor
  version: string
  /** The temporary directory holding the data directory, the socket and the log; removed by stop(). */
  dir: string
  /** The server's process id (undefined only if the platform did not report one). */
  pid: number | undefined
  stop(): Promise<void>
}

/** How messages and reports name a server: "MariaDB 10.11.19", "MySQL 8.0.43". */
export function serverName(flavor: MysqlFlavor, version: string): string {
  return `${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${version}`
}

/** Shadow.server for a local server: loud when it is not MySQL, since MariaDB passes and fails what MySQL would not. */
export function localServerText(flavor: MysqlFlavor, version: string): string {
  const name = `local ${serverName(flavor, version)}`
  return flavor === 'mariadb' ? `${name} (not MySQL: what differs is in docs/mysql.md, "MySQL and MariaDB")` : name
}

/** Where the server's own files go inside its directory. */
export interface ServerPaths {
  dir: string
  dataDir: string
  /** secure_file_priv: a folder of the server's own, so that MySQL 8 needs no /var/lib/mysql-files. */
  filesDir: string
}

export function serverPaths(dir: string): ServerPaths {
  return { dir, dataDir: path.join(dir, 'data'), filesDir: path.join(dir, 'files') }
}

/**
 * The command that creates the data directory: MariaDB's install script (root with no password, reachable
 * over TCP; no test database), or MySQL's `--initialize-insecure` (root@localhost with no password). `asRoot`:
 * this process runs as root, and the server must be told to stay root. `basedir`: the installation, when the
 * binary runs from a copy.
 */
export function initCommand(
  binary: MysqlServerBinary,
  paths: ServerPaths,
  options: { asRoot: boolean; installScript: string | null; basedir?: string }
): { file: string; args: string[] } {
  const user = options.asRoot ? ['--user=root'] : []
  if (binary.flavor === 'mariadb') {
    if (!options.installScript) throw new Error(`no mariadb-install-db beside ${binary.path}`)
    return {
      file: options.installScript,
      args: [
        '--no-defaults',
        '--auth-root-authentication-method=normal',
        `--datadir=${paths.dataDir}`,
        // Its temporary tables in its own folder: in the shared temp dir two installs at once collided (error 1051).
        `--tmpdir=${paths.dir}`,
        '--skip-test-db',
        ...user
      ]
    }
  }
  const basedir = options.basedir ? [`--basedir=${options.basedir}`] : []
  return {
    file: binary.path,
    args: [
      '--no-defaults',
      ...basedir,
      '--initialize-insecure',
      `--datadir=${paths.dataDir}`,
      `--secure-file-priv=${paths.filesDir}`,
      `--tmpdir=${paths.dir}`,
      `--log-error=${path.join(paths.dir, 'init.log')}`,
      ...user
    ]
  }
}

/** The server's command line: local TCP only, its own socket and files, no durability (the data is thrown away). */
export function serverArgs(
  binary: MysqlServerBinary,
  paths: ServerPaths,
  port: number,
  options: { asRoot: boolean; basedir?: string }
): string[] {
  const { dir, dataDir } = paths
  return [
    '--no-defaults',
    ...(options.basedir ? [`--basedir=${options.basedir}`] : []),
    `--datadir=${dataDir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${path.join(dir, 'mysqld.sock')}`,
    `--pid-file=${path.join(dir, 'mysqld.pid')}`,
    `--log-error=${path.join(dir, 'error.log')}`,
    `--tmpdir=${dir}`,
    `--secure-file-priv=${paths.filesDir}`,
    ...(options.asRoot ? ['--user=root'] : []),
    // MySQL's --initialize makes root@localhost only: with name resolution off, 127.0.0.1 would not be localhost.
    ...(binary.flavor === 'mariadb' ? ['--skip-name-resolve'] : []),
    '--skip-log-bin',
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-buffer-pool-size=32M',
    // MySQL 8's X plugin would listen on 33060 in every server; MariaDB has none (--loose: ignored there).
    '--loose-mysqlx=OFF'
  ]
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0

/** Ubuntu's AppArmor profile for the packaged mysqld. */
const APPARMOR_PROFILE = '/etc/apparmor.d/usr.sbin.mysqld'

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

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-4096).trim()
  } catch {
    return ''
  }
}

/** The binary as run: the one found, or (MySQL refused by AppArmor) a copy of it with its installation as basedir. */
interface Runnable {
  binary: MysqlServerBinary
  basedir?: string
}

async function initialise(
  found: MysqlServerBinary,
  paths: ServerPaths,
  env: NodeJS.ProcessEnv,
  log: (m: string) => void
): Promise<Runnable> {
  const attempt = async (runnable: Runnable): Promise<string | null> => {
    fs.rmSync(paths.dataDir, { recursive: true, force: true })
    const { file, args } = initCommand(runnable.binary, paths, {
      asRoot: isRoot(),
      installScript: found.flavor === 'mariadb' ? installScriptFor(found, env) : null,
      basedir: runnable.basedir
    })
    const result = await run(file, args, { cwd: paths.dir, env: { ...env, TMPDIR: paths.dir }, timeoutMs: 120_000 })
    if (result.code === 0) return null
    const output = [result.output, readFile(path.join(paths.dir, 'init.log'))].filter(Boolean).join('\n')
    return `${path.basename(file)} ${args.join(' ')} failed with code ${result.code}: ${output}`
  }
  const failed = await attempt({ binary: found })
  if (failed === null) return { binary: found }
  if (found.flavor !== 'mysql' || !/Permission denied|errno[: ]+13\b/i.test(failed) || !fs.existsSync(APPARMOR_PROFILE))
    throw new Error(failed)
  // AppArmor confines the packaged path only: the same binary elsewhere, told where its installation is.
  const real = fs.realpathSync(found.path)
  const copy = path.join(paths.dir, 'bin', path.basename(real))
  fs.mkdirSync(path.dirname(copy), { recursive: true })
  fs.copyFileSync(real, copy)
  fs.chmodSync(copy, 0o755)
  const runnable: Runnable = { binary: { ...found, path: copy }, basedir: path.dirname(path.dirname(real)) }
  log(`${APPARMOR_PROFILE} refused ${found.path} a data directory in the temp dir; running a copy of it instead`)
  const again = await attempt(runnable)
  if (again === null) return runnable
  throw new Error(
    `${failed}\nA copy of the binary failed too: ${again}\n` +
      `AppArmor may confine ${found.path}: unload its profile (sudo apparmor_parser -R ${APPARMOR_PROFILE}) and run again.`
  )
}

const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

/**
 * Starts a new server from `binary` and resolves once it accepts connections; ShadowUnavailableError when it
 * cannot be initialised or started.
 */
export async function startLocalMysql(options: {
  binary: MysqlServerBinary
  env?: NodeJS.ProcessEnv
  log?: (m: string) => void
}): Promise<LocalMysql> {
  const log = options.log ?? (() => {})
  const found = options.binary
  // The caller's environment, less what could point the server elsewhere; UTC whatever the machine's zone (Aurora's).
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), TZ: 'UTC' }
  for (const name of ['MYSQL_HOST', 'MYSQL_TCP_PORT', 'MYSQL_UNIX_PORT', 'MYSQL_PWD', 'MYSQL_HOME']) delete env[name]
  const name = serverName(found.flavor, found.version)
  const paths = serverPaths(fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-mysql-')))
  const { dir } = paths
  let runnable: Runnable
  try {
    fs.mkdirSync(paths.filesDir)
    runnable = await initialise(found, paths, env, log)
  } catch (error) {
    removeDir(dir)
    throw new ShadowUnavailableError(`Could not initialise ${name} from ${found.path}: ${errorMessage(error)}`, { cause: error })
  }
  let lastError = ''
  // A free port can be taken between choosing it and binding it: try again with another.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort()
    const args = serverArgs(runnable.binary, paths, port, { asRoot: isRoot(), basedir: runnable.basedir })
    const child: ChildProcess = spawn(runnable.binary.path, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
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
    // A forgotten server must not keep this process alive; the exit hook kills it.
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
      const serverLog = readFile(path.join(dir, 'error.log'))
      lastError = `${errorMessage(error)}\n${[output.text(), serverLog].filter(Boolean).join('\n')}`
      if (/address already in use|Can't start server: Bind/i.test(serverLog) && attempt < 3) continue
      break
    }
    log(`Started ${name} from ${runnable.binary.path} on 127.0.0.1:${port}`)
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
      flavor: found.flavor,
      version: found.version,
      dir,
      pid: child.pid,
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
  throw new ShadowUnavailableError(`${name} from ${found.path} did not start: ${lastError}`)
}
