/**
 * Finding PostgreSQL's binaries on the machine, for the throwaway server (server.ts). GitHub's Ubuntu runners
 * ship PostgreSQL (service disabled, binaries in /usr/lib/postgresql/<major>/bin, not on PATH), Windows runners
 * set PGBIN, macOS runners have Homebrew's PostgreSQL.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ShadowUnavailableError } from '../../../shadow/unavailable.js'
import { run } from './process.js'

/** What the binary search reads from the machine; injectable so tests do not depend on what is installed. */
export interface BinSearchSystem {
  platform: NodeJS.Platform
  /** Entry names of a directory; [] when it does not exist or cannot be read. */
  readdir(dir: string): string[]
  isExecutable(file: string): boolean
  /** The trimmed output of `<pgConfig> --bindir`; null when it fails. */
  pgConfigBindir(pgConfig: string, env: NodeJS.ProcessEnv): string | null
}

const realSystem: BinSearchSystem = {
  platform: process.platform,
  readdir(dir) {
    try {
      return fs.readdirSync(dir)
    } catch {
      return []
    }
  },
  isExecutable(file) {
    try {
      if (!fs.statSync(file).isFile()) return false
      if (process.platform === 'win32') return true
      fs.accessSync(file, fs.constants.X_OK)
      return true
    } catch {
      return false
    }
  },
  pgConfigBindir(pgConfig, env) {
    try {
      const out = execFileSync(pgConfig, ['--bindir'], { env, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] })
      return out.trim() || null
    } catch {
      return null
    }
  }
}

export function searchSystem(overrides: Partial<BinSearchSystem> | undefined): BinSearchSystem {
  return { ...realSystem, ...overrides }
}

export function exe(name: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? `${name}.exe` : name
}

/** An environment variable, found case-insensitively on Windows (`Path`). */
function envValue(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (env[name] !== undefined || platform !== 'win32') return env[name]
  const key = Object.keys(env).find((k) => k.toUpperCase() === name)
  return key === undefined ? undefined : env[key]
}

/** Numeric version in a directory name (`16`, `9.6`, `postgresql@17`), for sorting highest first. */
function versionOf(name: string): number {
  const m = /(\d+)(?:\.(\d+))?$/.exec(name)
  return m ? Number(m[1]) + Number(m[2] ?? 0) / 100 : -1
}

/** `<parent>/<entry>/bin` for the entries of `parent` that match, highest version first (unversioned last). */
function versionedBinDirs(system: BinSearchSystem, parent: string, entry: RegExp): string[] {
  return system
    .readdir(parent)
    .filter((name) => entry.test(name))
    .sort((a, b) => versionOf(b) - versionOf(a))
    .map((name) => path.posix.join(parent, name, 'bin'))
}

/**
 * Where to look for initdb/postgres, in order: every PATH entry; $PGBIN; /usr/lib/postgresql/<major>/bin
 * (highest major first); /usr/local/opt/postgresql@*\/bin, /opt/homebrew/opt/postgresql@*\/bin,
 * /usr/local/pgsql/bin; `pg_config --bindir` when pg_config is on PATH.
 */
export function candidateBinDirs(env: NodeJS.ProcessEnv, fsLike?: Partial<BinSearchSystem>): string[] {
  const system = searchSystem(fsLike)
  const delimiter = system.platform === 'win32' ? ';' : ':'
  const pathDirs = (envValue(env, 'PATH', system.platform) ?? '').split(delimiter).filter((dir) => dir.trim() !== '')
  const dirs: string[] = [...pathDirs]
  const pgbin = envValue(env, 'PGBIN', system.platform)
  if (pgbin && pgbin.trim()) dirs.push(pgbin)
  if (system.platform !== 'win32') {
    dirs.push(...versionedBinDirs(system, '/usr/lib/postgresql', /^\d+(\.\d+)?$/))
    const homebrew = /^postgresql(@\d+(\.\d+)?)?$/
    dirs.push(...versionedBinDirs(system, '/usr/local/opt', homebrew))
    dirs.push(...versionedBinDirs(system, '/opt/homebrew/opt', homebrew))
    dirs.push('/usr/local/pgsql/bin')
  }
  const pgConfig = pathDirs.map((dir) => path.join(dir, exe('pg_config', system.platform))).find((file) => system.isExecutable(file))
  if (pgConfig) {
    const bindir = system.pgConfigBindir(pgConfig, env)
    if (bindir) dirs.push(bindir)
  }
  return [...new Set(dirs)]
}

/** `postgres (PostgreSQL) 16.6 (Ubuntu 16.6-1.pgdg24.04+1)` → `16.6` */
export function parseVersion(output: string): string | null {
  return /\(PostgreSQL\)\s+(\d+(?:\.\d+)*\w*)/.exec(output)?.[1] ?? null
}

/** The version of the PostgreSQL in `dir` when it holds initdb and a postgres that runs (`postgres --version` answers); else null. */
async function probeBinDir(dir: string, env: NodeJS.ProcessEnv, system: BinSearchSystem): Promise<string | null> {
  const postgres = path.join(dir, exe('postgres', system.platform))
  if (!system.isExecutable(path.join(dir, exe('initdb', system.platform))) || !system.isExecutable(postgres)) return null
  try {
    const { code, output } = await run(postgres, ['--version'], { env, timeoutMs: 10_000 })
    return code === 0 ? parseVersion(output) : null
  } catch {
    // Not runnable here (wrong architecture, missing libraries).
    return null
  }
}

export async function binariesIn(
  binDir: string,
  env: NodeJS.ProcessEnv,
  system: BinSearchSystem
): Promise<{ binDir: string; version: string }> {
  const version = await probeBinDir(binDir, env, system)
  if (!version) throw new ShadowUnavailableError(`${binDir} holds no initdb and postgres that run here.`)
  return { binDir, version }
}

/** `16.6` → `16`, `9.6.24` → `9.6`: the major version, as server_version_num's is written (see target-settings.ts). */
export function majorVersion(version: string): string | null {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version)
  if (!m) return null
  return Number(m[1]) >= 10 ? m[1] : `${m[1]}.${m[2] ?? 0}`
}

/**
 * The first candidate directory holding both initdb and postgres executables that run; null when there is
 * none. With `preferMajor` (the target's major version), the first one of that major version when there is one.
 */
export async function findPostgresBinaries(
  env: NodeJS.ProcessEnv = process.env,
  fsLike?: Partial<BinSearchSystem>,
  preferMajor?: string | null
): Promise<{ binDir: string; version: string } | null> {
  const system = searchSystem(fsLike)
  let first: { binDir: string; version: string } | null = null
  for (const dir of candidateBinDirs(env, system)) {
    const version = await probeBinDir(dir, env, system)
    if (!version) continue
    first ??= { binDir: dir, version }
    if (!preferMajor || majorVersion(version) === preferMajor) return { binDir: dir, version }
  }
  return first
}

export function unavailableMessage(searched: string[]): string {
  const shown = searched.length > 20 ? [...searched.slice(0, 20), `… ${searched.length - 20} more`] : searched
  return (
    'No PostgreSQL server binaries (initdb and postgres) were found to verify the migrations on. ' +
    `Searched PATH, $PGBIN, /usr/lib/postgresql/<major>/bin, Homebrew's postgresql@* and pg_config --bindir: ${shown.join(', ') || '(nothing)'}. ` +
    'Give the input shadow-database-url a PostgreSQL server to verify on (for example a `services: postgres` container: ' +
    'shadow-database-url: postgres://postgres:postgres@localhost:5432/postgres), or install PostgreSQL on the runner.'
  )
}
