/**
 * Who a throwaway PostgreSQL server runs as, and binaries that user can run.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` (or `nobody`) user.
 * That user must be able to reach the binaries, and often cannot: npm installs them under the project,
 * and a project in a private folder (a container's /root, a `mktemp -d` directory, both 0700) hides them
 * (`spawn …/initdb EACCES`). Then the installation (bin, lib, share: PostgreSQL finds lib and share
 * relative to its own binary) is copied once to the temporary directory, readable by everyone and
 * writable only by this user, and used from there. The copy's name is keyed by the installation's path
 * and version, so later runs reuse it; it is made under a unique name and renamed into place, so runs in
 * parallel never see half a copy.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { errorMessage } from '../errors.js'
import { ShadowUnavailableError } from './unavailable.js'

/** The user the server runs as when this process is root. */
export interface ServerUser {
  name: string
  uid: number
  gid: number
}

function lookUpUser(name: string): ServerUser | null {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':')
      if (user === name && /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? '')) return { name, uid: Number(uid), gid: Number(gid) }
    }
  } catch {
    // No /etc/passwd (or unreadable): ask `id`, which also knows users from NSS (LDAP, systemd-userdb).
  }
  try {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, name], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim())
    const uid = id('-u')
    const gid = id('-g')
    if (Number.isInteger(uid) && Number.isInteger(gid)) return { name, uid, gid }
  } catch {
    // No such user.
  }
  return null
}

/** null when this process is not root (the server then runs as this process's user). */
export function serverUser(): ServerUser | null {
  if (process.platform === 'win32' || process.getuid?.() !== 0) return null
  const user = lookUpUser('postgres') ?? lookUpUser('nobody')
  if (!user) {
    throw new ShadowUnavailableError(
      'PostgreSQL refuses to run as root, and there is neither a `postgres` nor a `nobody` user to run the verification server as: ' +
        'create one, or give the input shadow-database-url.'
    )
  }
  return user
}

/** Whether `user` can run initdb and postgres from `binDir` (every folder above them searchable, the libraries readable). */
function canRun(user: ServerUser, binDir: string): boolean {
  return ['initdb', 'postgres'].every((program) => {
    const result = spawnSync(path.join(binDir, program), ['--version'], {
      uid: user.uid,
      gid: user.gid,
      cwd: '/',
      timeout: 10_000,
      stdio: 'ignore'
    })
    return !result.error && result.status === 0
  })
}

/** A folder of this process's user that no one else can write to, and not a symlink someone else could have planted. */
function isTrusted(dir: string): boolean {
  return [dir, path.join(dir, 'bin')].every((entry) => {
    const stat = fs.lstatSync(entry, { throwIfNoEntry: false })
    return stat !== undefined && stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0
  })
}

/** Folders 0755, files 0644 (0755 when the owner may run them); symlinks left as they are. */
function openToEveryone(dir: string): void {
  fs.chmodSync(dir, 0o755)
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) openToEveryone(file)
    else if (entry.isFile()) fs.chmodSync(file, fs.statSync(file).mode & 0o100 ? 0o755 : 0o644)
  }
}

/** Copies bin, lib and share of `root` into a new folder next to `target`; returns the new folder. */
function copyInstallation(root: string, target: string): string {
  const staging = fs.mkdtempSync(`${target}.tmp-`)
  try {
    for (const part of ['bin', 'lib', 'share']) {
      const source = path.join(root, part)
      if (fs.existsSync(source)) fs.cpSync(source, path.join(staging, part), { recursive: true, verbatimSymlinks: true })
    }
    openToEveryone(staging)
    return staging
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw error
  }
}

/** Where the shared copy of an installation lives: one per installation path and version. */
export function sharedCopyDir(binDir: string, version: string, tmpDir = os.tmpdir()): string {
  const root = path.dirname(fs.realpathSync(binDir))
  const key = createHash('sha256').update(`${root}\0${version}`).digest('hex').slice(0, 16)
  return path.join(tmpDir, `aurora-migrate-postgresql-${version}-${key}`)
}

/**
 * `binDir` when `user` can run its programs; otherwise the bin folder of a copy of the installation that
 * it can run (made once, reused afterwards). Throws ShadowUnavailableError when not even a copy works.
 */
export function binariesFor(user: ServerUser, binDir: string, version: string, log: (m: string) => void): string {
  if (canRun(user, binDir)) return binDir
  const shared = sharedCopyDir(binDir, version)
  if (isTrusted(shared) && canRun(user, path.join(shared, 'bin'))) {
    log(`The '${user.name}' user cannot reach ${binDir}: using the copy of it in ${shared}`)
    return path.join(shared, 'bin')
  }
  let copy: string
  try {
    copy = copyInstallation(path.dirname(fs.realpathSync(binDir)), shared)
  } catch (error) {
    throw new ShadowUnavailableError(
      `The '${user.name}' user cannot reach ${binDir}, and copying the installation to ${os.tmpdir()} failed: ${errorMessage(error)}`,
      {
        cause: error
      }
    )
  }
  // Ours, but not usable (a temp cleaner emptied it): replace it. Someone else's: leave it, use the new copy.
  if (isTrusted(shared)) fs.rmSync(shared, { recursive: true, force: true })
  try {
    fs.renameSync(copy, shared)
    copy = shared
  } catch {
    // Another run put its copy in place first (or `shared` is not ours): use that one when it is trusted, else ours.
    if (isTrusted(shared) && canRun(user, path.join(shared, 'bin'))) {
      fs.rmSync(copy, { recursive: true, force: true })
      copy = shared
    }
  }
  const copiedBin = path.join(copy, 'bin')
  if (!canRun(user, copiedBin)) {
    throw new ShadowUnavailableError(
      `The '${user.name}' user cannot run PostgreSQL from ${binDir} nor from a copy in ${copy}: ` +
        'set TMPDIR to a folder every user can read (such as /tmp), or give the input shadow-database-url.'
    )
  }
  log(`The '${user.name}' user cannot reach ${binDir}: copied the PostgreSQL installation to ${copy}`)
  return copiedBin
}
