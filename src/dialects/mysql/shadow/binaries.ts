/**
 * Finding a MySQL or MariaDB server binary on the machine for a throwaway server: the binary
 * `AURORA_MIGRATE_MYSQLD` names, else `mysqld` and `mariadbd` on PATH and in the usual folders, each asked
 * `--version` to tell MySQL from MariaDB (Debian's /usr/sbin/mysqld is a symlink to mariadbd). Verification
 * prefers a real MySQL (what Aurora runs); the test suites take whichever they find first, MariaDB first.
 * Also the companions of a server: its install script and its client.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/** The environment variable naming the server binary to use (a mysqld or mariadbd). */
export const MYSQLD_ENV = 'AURORA_MIGRATE_MYSQLD'

export type MysqlFlavor = 'mariadb' | 'mysql'

export interface MysqlServerBinary {
  path: string
  flavor: MysqlFlavor
  /** e.g. `10.11.19` or `8.0.43` */
  version: string
}

/** The folders searched besides PATH, in order. */
export const SERVER_DIRS = ['/usr/sbin', '/usr/local/mysql/bin', '/usr/local/sbin', '/opt/homebrew/bin', '/usr/local/bin']

export function isExecutable(file: string): boolean {
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

/** Every executable of these names, on PATH and then in the given folders, in that order, each once. */
function executables(names: string[], env: NodeJS.ProcessEnv, extraDirs: string[] = []): string[] {
  const found: string[] = []
  for (const name of names) {
    for (const dir of [...pathDirs(env), ...extraDirs]) {
      const file = path.join(dir, name)
      if (!found.includes(file) && isExecutable(file)) found.push(file)
    }
  }
  return found
}

/** What `<binary> --version` says: `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu …`. */
export function parseServerVersion(output: string): { flavor: MysqlFlavor; version: string } | null {
  const ver = /\bVer\s+(\d+\.\d+\.\d+)(\S*)/.exec(output)
  if (!ver) return null
  return { flavor: /mariadb/i.test(output) ? 'mariadb' : 'mysql', version: ver[1] }
}

const versions = new Map<string, MysqlServerBinary | null>()

/** What the binary says it is, or null when it is not a server that answers `--version` (cached per process). */
export function describeBinary(file: string): MysqlServerBinary | null {
  if (versions.has(file)) return versions.get(file)!
  let result: MysqlServerBinary | null = null
  try {
    const output = execFileSync(file, ['--no-defaults', '--version'], { encoding: 'utf8', timeout: 10_000, stdio: 'pipe' })
    const parsed = parseServerVersion(output)
    if (parsed) result = { path: file, ...parsed }
  } catch {
    result = null
  }
  versions.set(file, result)
  return result
}

/**
 * The server binary to use, or null when the machine has none: the one `AURORA_MIGRATE_MYSQLD` names (and
 * nothing else when it is set), else the first server found of the preferred flavor, else the first found.
 */
export function findServerBinary(env: NodeJS.ProcessEnv = process.env, prefer: MysqlFlavor = 'mysql'): MysqlServerBinary | null {
  const override = env[MYSQLD_ENV]
  if (override) return isExecutable(override) ? describeBinary(override) : null
  const names = prefer === 'mysql' ? ['mysqld', 'mariadbd'] : ['mariadbd', 'mysqld']
  let first: MysqlServerBinary | null = null
  for (const file of executables(names, env, SERVER_DIRS)) {
    const binary = describeBinary(file)
    if (!binary) continue
    if (binary.flavor === prefer) return binary
    first ??= binary
  }
  return first
}

/** Where the search looked, for the message that says none was found. */
export function searchedPlaces(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[MYSQLD_ENV]
  if (override) return `${MYSQLD_ENV}=${override} is not an executable server`
  return `looked for mysqld and mariadbd on PATH and in ${SERVER_DIRS.join(', ')}`
}

/** The install script or client of the server's installation: beside it, in its `../bin`, or on PATH. */
export function companion(server: string, names: string[], env: NodeJS.ProcessEnv = process.env): string | null {
  let real = server
  try {
    real = fs.realpathSync(server)
  } catch {
    // A binary that vanished: the folders of its path are still worth a look.
  }
  const dirs = [path.dirname(server), path.join(path.dirname(server), '..', 'bin'), path.dirname(real), '/usr/bin', '/usr/local/bin']
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name)
      if (isExecutable(file)) return file
    }
  }
  return executables(names, env)[0] ?? null
}

/** The reference client of the server's installation (`mariadb` or `mysql`), or null. */
export function clientFor(binary: MysqlServerBinary, env: NodeJS.ProcessEnv = process.env): string | null {
  return companion(binary.path, binary.flavor === 'mariadb' ? ['mariadb', 'mysql'] : ['mysql'], env)
}

/** MariaDB's install script (mariadb-install-db, or mysql_install_db before 10.4), or null. */
export function installScriptFor(binary: MysqlServerBinary, env: NodeJS.ProcessEnv = process.env): string | null {
  return companion(binary.path, ['mariadb-install-db', 'mysql_install_db'], env)
}
