/**
 * Who a throwaway PostgreSQL server runs as, and binaries that user can run.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` (or `nobody`) user.
 * That user must be able to reach the binaries, and often cannot: npm installs them under the project,
 * and a project in a private folder (a container's /root, a `mktemp -d` directory, both 0700) hides them
 * (`spawn …/initdb EACCES`). Then the installation (bin, lib, share: PostgreSQL finds lib and share
 * relative to its own binary) is copied once to the temporary directory, readable by everyone and
 * writable only by this user, and used from there. The copy's name is keyed by the PostgreSQL version and
 * a digest of the installation's content (not its path), so every clone of a project, every npm install of
 * the same binaries, shares one copy; it is made under a unique name and renamed into place, so runs in
 * parallel never see half a copy. Each use marks the copy's time; copies of other binaries (or versions)
 * unused for a day and run by no process are removed (removeStaleCopies).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { errorMessage } from '../../../errors.js'
import { ShadowUnavailableError } from '../../../shadow/unavailable.js'

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

/** Every copy's name starts with this (and so do its staging folders, `<copy>.tmp-…`, and those being removed, `<copy>.stale-…`). */
export const COPY_PREFIX = 'aurora-migrate-postgresql-'

const digests = new Map<string, string>()

/**
 * A digest of what a copy holds: bin, lib and share of the installation `root`, each entry by its path
 * inside it, its kind and its content (a symlink by its target). About 60 MB: read once per process.
 */
export function installationDigest(root: string): string {
  const known = digests.get(root)
  if (known) return known
  const hash = createHash('sha256')
  const walk = (relative: string): void => {
    const full = path.join(root, relative)
    const stat = fs.lstatSync(full, { throwIfNoEntry: false })
    if (!stat) return
    if (stat.isSymbolicLink()) hash.update(`L\0${relative}\0${fs.readlinkSync(full)}\0`)
    else if (stat.isDirectory()) {
      hash.update(`D\0${relative}\0`)
      for (const name of fs.readdirSync(full).sort()) walk(path.join(relative, name))
    } else if (stat.isFile()) {
      hash.update(`F\0${relative}\0${stat.size}\0${stat.mode & 0o100 ? 'x' : '-'}\0`)
      hash.update(fs.readFileSync(full))
    }
  }
  for (const part of ['bin', 'lib', 'share']) walk(part)
  const digest = hash.digest('hex')
  digests.set(root, digest)
  return digest
}

/** Where the shared copy of an installation lives: one per PostgreSQL version and content, wherever the installation is. */
export function sharedCopyDir(binDir: string, version: string, tmpDir = os.tmpdir()): string {
  const root = path.dirname(fs.realpathSync(binDir))
  return path.join(tmpDir, `${COPY_PREFIX}${version}-${installationDigest(root).slice(0, 16)}`)
}

/** The folders every running process's program lives in (Linux: /proc/<pid>/exe); null when that cannot be known. */
function runningProgramDirs(): Set<string> | null {
  let pids: string[]
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return null
  }
  if (pids.length === 0) return null
  const dirs = new Set<string>()
  for (const pid of pids) {
    try {
      dirs.add(path.dirname(fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '')))
    } catch {
      // Gone meanwhile, or a kernel thread.
    }
  }
  return dirs
}

/** A copy unused for this long is stale (each use marks its time). */
export const STALE_AFTER_MS = 24 * 60 * 60 * 1000

/**
 * Removes the copies of PostgreSQL installations in `tmpDir` other than `keep` that are stale: owned by this
 * process's user (never a symlink nor another user's folder), unused for `staleAfterMs`, and running no process
 * (a server started from it keeps running from files already unlinked, but a copy is never taken from under
 * one). Each is renamed first and then removed, so a run that looks for it finds it whole or not at all.
 * Where the running processes cannot be listed (no /proc), nothing is removed. Returns the names removed.
 */
export function removeStaleCopies(options: {
  tmpDir?: string
  keep?: string | null
  log?: (m: string) => void
  staleAfterMs?: number
  now?: number
}): string[] {
  const tmpDir = options.tmpDir ?? os.tmpdir()
  const cutoff = (options.now ?? Date.now()) - (options.staleAfterMs ?? STALE_AFTER_MS)
  const uid = process.getuid?.()
  const old = (name: string): boolean => {
    const stat = fs.lstatSync(path.join(tmpDir, name), { throwIfNoEntry: false })
    return !!stat && stat.isDirectory() && stat.uid === uid && stat.mtimeMs < cutoff
  }
  let candidates: string[]
  try {
    candidates = fs.readdirSync(tmpDir).filter((name) => name.startsWith(COPY_PREFIX) && path.join(tmpDir, name) !== options.keep)
  } catch {
    return []
  }
  candidates = candidates.filter(old)
  if (candidates.length === 0) return []
  const running = runningProgramDirs()
  if (!running) return []
  const inUse = (dir: string): boolean => [...running].some((program) => program === dir || program.startsWith(`${dir}${path.sep}`))
  const removed: string[] = []
  for (const name of candidates) {
    const dir = path.join(tmpDir, name)
    if (inUse(dir) || !old(name)) continue
    const doomed = name.includes('.stale-') ? dir : `${dir}.stale-${process.pid}-${Date.now().toString(36)}`
    try {
      if (doomed !== dir) fs.renameSync(dir, doomed)
      fs.rmSync(doomed, { recursive: true, force: true })
      removed.push(name)
    } catch (error) {
      options.log?.(`Could not remove the unused PostgreSQL copy ${dir}: ${errorMessage(error)}`)
    }
  }
  if (removed.length) options.log?.(`Removed unused copies of PostgreSQL from ${tmpDir}: ${removed.join(', ')}`)
  return removed
}

/** Marks a copy as just used (its folder's time), so that removeStaleCopies leaves it. */
function markUsed(dir: string): void {
  try {
    const now = new Date()
    fs.utimesSync(dir, now, now)
  } catch {
    // Best effort: an unmarked copy is at worst made again after a day.
  }
}

/**
 * `binDir` when `user` can run its programs; otherwise the bin folder of a copy of the installation that
 * it can run (made once, reused afterwards). Throws ShadowUnavailableError when not even a copy works.
 */
export function binariesFor(user: ServerUser, binDir: string, version: string, log: (m: string) => void): string {
  if (canRun(user, binDir)) {
    removeStaleCopies({ log })
    return binDir
  }
  const shared = sharedCopyDir(binDir, version)
  if (isTrusted(shared)) markUsed(shared)
  if (isTrusted(shared) && canRun(user, path.join(shared, 'bin'))) {
    log(`The '${user.name}' user cannot reach ${binDir}: using the copy of it in ${shared}`)
    removeStaleCopies({ keep: shared, log })
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
  markUsed(copy)
  removeStaleCopies({ keep: copy, log })
  return copiedBin
}
