/**
 * A throwaway PostgreSQL server started from binaries already on the machine (found by binaries.ts), for
 * verifying migrations when no shadow-database-url is given.
 *
 * The server lives in a new temporary directory, listens on 127.0.0.1 on a free port with trust
 * authentication (or a password, when one is given), no durability (fsync off) and TimeZone UTC whatever
 * the machine's time zone, and is stopped and its directory removed by stop() — or killed when the
 * process exits without calling it. As root it runs as another user, from a copy of the binaries when
 * that user cannot reach them (see server-user.ts).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { errorMessage } from '../../../errors.js'
import {
  binariesIn,
  candidateBinDirs,
  exe,
  findPostgresBinaries,
  searchSystem,
  unavailableMessage,
  type BinSearchSystem
} from './binaries.js'
import { OutputTail, run } from './process.js'
import { binariesFor, serverUser } from './server-user.js'
import { ShadowUnavailableError } from '../../../shadow/unavailable.js'
import { freePort } from '../../../free-port.js'

export interface LocalPostgres {
  /** URL of the `postgres` database as the superuser `postgres` (with the password when one was given). */
  url: string
  /** e.g. `16.6` */
  version: string
  /** Where the server's binaries are: those found, or a copy of them the server's user can reach. */
  binDir: string
  /** The temporary directory holding the data directory and the socket; removed by stop(). */
  dir: string
  /** The server's process id (undefined only if the platform did not report one). */
  pid: number | undefined
  stop(): Promise<void>
}

function major(version: string): number {
  return Number(/^\d+/.exec(version)?.[0] ?? 0)
}

/**
 * initdb's flags for the version found: --no-sync since 10 (--nosync before), --no-instructions since 14;
 * trust authentication, or with a password file SCRAM (md5 before 10) and the superuser's password from it.
 */
export function initdbArgs(dataDir: string, version: string, passwordFile?: string): string[] {
  const auth = passwordFile ? ['-A', major(version) >= 10 ? 'scram-sha-256' : 'md5', `--pwfile=${passwordFile}`] : ['-A', 'trust']
  const args = ['-D', dataDir, '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C', major(version) >= 10 ? '--no-sync' : '--nosync']
  if (major(version) >= 14) args.push('--no-instructions')
  return args
}

/** The server's settings: local TCP only, no durability (the data is thrown away). */
function serverSettings(port: number, socketDir: string): string[] {
  return [
    '-p',
    String(port),
    '-k',
    socketDir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'synchronous_commit=off'
  ]
}

/** Unix socket paths are limited to about 100 bytes (104 on macOS, 108 on Linux). */
function socketDirFor(dir: string, platform: NodeJS.Platform): string {
  if (platform === 'win32') return ''
  return Buffer.byteLength(path.join(dir, '.s.PGSQL.65535')) < 100 ? dir : ''
}

const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000

async function waitUntilReady(url: string, exited: () => string | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: string
  for (;;) {
    const gone = exited()
    if (gone !== null) throw new Error(gone)
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.query('SELECT 1')
      return
    } catch (error) {
      last = errorMessage(error)
    } finally {
      await client.end().catch(() => {})
    }
    if (Date.now() > deadline)
      throw new Error(`it did not accept connections within ${Math.round(timeoutMs / 1000)} s (last attempt: ${last})`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `it was killed by ${signal}` : `it exited with code ${code}`
}

/**
 * Starts a throwaway server from the first PostgreSQL binaries found (see candidateBinDirs).
 * Throws ShadowUnavailableError when there are none, or when initdb or the server fails.
 */
export async function startLocalPostgres(options: {
  log: (m: string) => void
  env?: NodeJS.ProcessEnv
  /** Replaces parts of the binary search (tests). */
  binSearch?: Partial<BinSearchSystem>
  /** Use the binaries in this folder instead of searching for them. */
  binDir?: string
  /** Of the binaries found, those of this major version (`16`, `9.6`) when there are any: the target's. */
  preferMajor?: string | null
  /** The superuser's password, with password authentication instead of trust. */
  password?: string
  startTimeoutMs?: number
}): Promise<LocalPostgres> {
  const env = options.env ?? process.env
  const system = searchSystem(options.binSearch)
  const found = options.binDir
    ? await binariesIn(options.binDir, env, system)
    : await findPostgresBinaries(env, system, options.preferMajor)
  if (!found) throw new ShadowUnavailableError(unavailableMessage(candidateBinDirs(env, system)))
  const { version } = found
  const user = serverUser()
  const binDir = user ? binariesFor(user, found.binDir, version, options.log) : found.binDir
  const platform = process.platform

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-shadow-'))
  const removeDir = (): void => {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
    } catch {
      // Best effort: a leftover directory in the temp dir is harmless.
    }
  }
  const dataDir = path.join(dir, 'data')
  const passwordFile = options.password === undefined ? undefined : path.join(dir, 'password')
  // The children run with the caller's environment, less PGDATA-style settings that could point them elsewhere.
  // TZ: initdb writes the time zone it finds into the server's configuration; UTC, never the runner's own
  // (ALTER COLUMN … TYPE timestamptz rewrites the table unless it is UTC). Verification sets the target's.
  const childEnv: NodeJS.ProcessEnv = { ...env, LC_ALL: 'C', TZ: 'UTC' }
  for (const name of ['PGDATA', 'PGPORT', 'PGHOST', 'PGOPTIONS']) delete childEnv[name]
  const as: SpawnOptions = { cwd: dir, env: childEnv, ...(user ? { uid: user.uid, gid: user.gid } : {}) }
  try {
    if (passwordFile) fs.writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 })
    if (user) {
      fs.chownSync(dir, user.uid, user.gid)
      if (passwordFile) fs.chownSync(passwordFile, user.uid, user.gid)
      options.log(`Running the verification server as the '${user.name}' user (PostgreSQL refuses to run as root)`)
    }
    const initdb = await run(path.join(binDir, exe('initdb', platform)), initdbArgs(dataDir, version, passwordFile), {
      ...as,
      timeoutMs: 120_000
    })
    if (initdb.code !== 0) {
      throw new ShadowUnavailableError(
        `initdb of PostgreSQL ${version} in ${binDir} failed (${exitDescription(initdb.code, initdb.signal)}): ${initdb.output}`
      )
    }
  } catch (error) {
    removeDir()
    if (error instanceof ShadowUnavailableError) throw error
    throw new ShadowUnavailableError(`Could not run initdb of PostgreSQL ${version} in ${binDir}: ${errorMessage(error)}`, { cause: error })
  } finally {
    if (passwordFile) fs.rmSync(passwordFile, { force: true })
  }
  const credentials = options.password === undefined ? 'postgres' : `postgres:${encodeURIComponent(options.password)}`

  const socketDir = socketDirFor(dir, platform)
  let lastError = ''
  // A free port can be taken between choosing it and binding it: try again with another.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort()
    const url = `postgres://${credentials}@127.0.0.1:${port}/postgres?sslmode=disable`
    const server = platform === 'win32' ? startWithPgCtl(binDir, dataDir, port, as) : startDirectly(binDir, dataDir, port, socketDir, as)
    try {
      await waitUntilReady(url, server.exited, options.startTimeoutMs ?? START_TIMEOUT_MS)
    } catch (error) {
      await server.stop()
      lastError = `${errorMessage(error)}${server.output() ? `\n${server.output()}` : ''}`
      if (/already in use|could not bind|could not create any TCP\/IP sockets/i.test(server.output()) && attempt < 3) continue
      removeDir()
      throw new ShadowUnavailableError(`PostgreSQL ${version} from ${binDir} did not start: ${lastError}`, { cause: error })
    }
    options.log(`Started PostgreSQL ${version} from ${binDir} on 127.0.0.1:${port}`)
    const onExit = (): void => {
      server.kill()
      removeDir()
    }
    process.once('exit', onExit)
    let stopping: Promise<void> | undefined
    return {
      url,
      version,
      binDir,
      dir,
      pid: server.pid,
      stop() {
        stopping ??= (async () => {
          process.removeListener('exit', onExit)
          await server.stop()
          removeDir()
        })()
        return stopping
      }
    }
  }
  removeDir()
  throw new ShadowUnavailableError(`PostgreSQL ${version} from ${binDir} did not start: ${lastError}`)
}

interface RunningServer {
  pid: number | undefined
  /** Why the server is gone, or null while it runs. */
  exited(): string | null
  output(): string
  /** Stops the server and waits for it (SIGKILL after a timeout). */
  stop(): Promise<void>
  /** Synchronous last resort, for process exit. */
  kill(): void
}

/** `postgres -D …` as a child of this process: SIGINT is a fast shutdown. */
function startDirectly(binDir: string, dataDir: string, port: number, socketDir: string, as: SpawnOptions): RunningServer {
  const output = new OutputTail()
  const child: ChildProcess = spawn(path.join(binDir, 'postgres'), ['-D', dataDir, ...serverSettings(port, socketDir)], {
    ...as,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let gone: string | null = null
  let spawnError: Error | null = null
  const exit = new Promise<void>((resolve) => {
    child.on('error', (error) => {
      spawnError = error
      gone = `it could not be started: ${error.message}`
      resolve()
    })
    child.on('exit', (code, signal) => {
      gone = exitDescription(code, signal)
      resolve()
    })
  })
  child.stdout?.on('data', (chunk: Buffer) => output.add(chunk))
  child.stderr?.on('data', (chunk: Buffer) => output.add(chunk))
  // A forgotten server must not keep this process alive; the exit hook kills it.
  child.unref()
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.()
  const running = (): boolean => gone === null && spawnError === null
  return {
    pid: child.pid,
    exited: () => gone,
    output: () => output.text(),
    async stop() {
      if (!running()) return
      child.kill('SIGINT')
      let timer: NodeJS.Timeout | undefined
      const timedOut = await Promise.race([
        exit.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS)
        })
      ])
      clearTimeout(timer)
      if (timedOut && running()) {
        child.kill('SIGKILL')
        await exit
      }
    },
    kill() {
      if (running()) child.kill('SIGKILL')
    }
  }
}

/**
 * Windows: postgres.exe refuses to run under an account with administrative rights (the runner's),
 * and pg_ctl is what starts it with a restricted token. The server is then not our child process.
 */
function startWithPgCtl(binDir: string, dataDir: string, port: number, as: SpawnOptions): RunningServer {
  const pgCtl = path.join(binDir, 'pg_ctl.exe')
  const logFile = path.join(path.dirname(dataDir), 'server.log')
  const settings = serverSettings(port, '""').join(' ')
  const started = run(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_MS / 1000), '-o', settings], {
    ...as,
    timeoutMs: START_TIMEOUT_MS + 10_000
  })
  let gone: string | null = null
  let ctlOutput = ''
  started
    .then((result) => {
      ctlOutput = result.output
      if (result.code !== 0) gone = `pg_ctl start ${exitDescription(result.code, result.signal)}`
    })
    .catch((error) => {
      gone = `pg_ctl could not be run: ${errorMessage(error)}`
    })
  const readLog = (): string => {
    try {
      return fs.readFileSync(logFile, 'utf8').slice(-8192).trim()
    } catch {
      return ''
    }
  }
  const stopArgs = (mode: string): string[] => ['stop', '-D', dataDir, '-m', mode, '-w', '-t', String(STOP_TIMEOUT_MS / 1000)]
  return {
    pid: undefined,
    exited: () => gone,
    output: () => [ctlOutput, readLog()].filter(Boolean).join('\n'),
    async stop() {
      await started.catch(() => {})
      const fast = await run(pgCtl, stopArgs('fast'), { ...as, timeoutMs: STOP_TIMEOUT_MS + 5000 }).catch(() => null)
      if (!fast || fast.code !== 0) await run(pgCtl, stopArgs('immediate'), { ...as, timeoutMs: STOP_TIMEOUT_MS + 5000 }).catch(() => null)
    },
    kill() {
      try {
        execFileSync(pgCtl, stopArgs('immediate'), { ...as, stdio: 'ignore', timeout: STOP_TIMEOUT_MS } as Parameters<
          typeof execFileSync
        >[2])
      } catch {
        // Nothing more can be done while exiting.
      }
    }
  }
}
