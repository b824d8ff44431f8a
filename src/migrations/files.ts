/**
 * What the migrations folder may hold, checked before anything is read: a pull request controls every
 * name, link and size in it. Symbolic links are refused outright (a link can point at /proc/self/environ,
 * /dev/zero or a file outside the repository, and git does not follow them either), so are FIFOs, devices
 * and sockets, names with control characters, and files larger than MAX_FILE_BYTES. Files are read with a
 * bounded read on a descriptor opened without following links, never with readFile on an unknown path.
 */
import fs, { constants } from 'node:fs'
import path from 'node:path'
import { InputError, MigrationFileError } from '../errors.js'
import { controlCharacter, escapeCharacter, printable } from '../printable.js'

/**
 * The largest migration file read: 5 MiB, below the 6 MB one runner Lambda invocation carries (a version
 * goes in one), and far beyond any hand-written migration.
 */
/** A version's folder: `v<number>` or `v<number>_<description>`. */
export const VERSION_DIR = /^v(\d+)(?:_(.+))?$/

export const MAX_FILE_BYTES = 5 * 1024 * 1024

export type EntryKind = 'file' | 'directory' | 'symlink' | 'other'

/** What a directory entry is: an fs.Stats from lstat, or an fs.Dirent from a listing (whose kind is the entry's own, never a link's target). */
export type EntryType = Pick<
  fs.Stats,
  'isSymbolicLink' | 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'
>

export function entryKind(stats: EntryType): EntryKind {
  if (stats.isSymbolicLink()) return 'symlink'
  if (stats.isFile()) return 'file'
  if (stats.isDirectory()) return 'directory'
  return 'other'
}

function otherKind(stats: EntryType): string {
  if (stats.isFIFO()) return 'a FIFO'
  if (stats.isSocket()) return 'a socket'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  return 'not a regular file'
}

/** Refuses a file or folder name with a control character (see printable.ts); `shown` is the path for the message. */
export function checkName(name: string, shown: string): void {
  const character = controlCharacter(name)
  if (character === null) return
  throw new MigrationFileError(
    `${printable(shown)}: the name contains the control character ${escapeCharacter(character)}; rename it using printable characters only ` +
      '(control characters in names can inject workflow commands into the log or make a name read as something else)',
    { file: printable(shown) }
  )
}

export function symlinkError(shown: string): MigrationFileError {
  return new MigrationFileError(
    `${shown} is a symbolic link: migrations must be regular files and folders committed as such ` +
      '(a link could point at anything on the runner); replace the link with the file or folder itself',
    { file: shown }
  )
}

/** A directory entry that is neither a regular file, a folder nor a link (a FIFO, a device, a socket). */
export function notRegularError(shown: string, stats: EntryType): MigrationFileError {
  return new MigrationFileError(`${shown} is ${otherKind(stats)}: migrations must be regular files and folders`, { file: shown })
}

export function tooLargeError(shown: string, bytes: number): MigrationFileError {
  return new MigrationFileError(
    `${shown} is ${bytes.toLocaleString('en-US')} bytes: a migration file may be at most ${MAX_FILE_BYTES.toLocaleString('en-US')} bytes (5 MiB); ` +
      'split it into several files or versions',
    { file: shown }
  )
}

/**
 * Reads a regular file of at most `bounds.maxBytes` (a migration file's MAX_FILE_BYTES by default). It is opened without following a link and without
 * blocking (a FIFO swapped in after the directory was listed), checked on the open descriptor, and read
 * no further than the cap, whatever the file claims its size is.
 *
 * Synchronous, on the descriptor: a folder of thousands of small files is read in a few milliseconds, where
 * one promise per call (open, stat, read, close) left the process waiting on the thread pool for most of a second.
 */
/** The cap of readBoundedFile and how it says what is wrong; a migration file's by default. */
export interface FileBounds {
  maxBytes: number
  tooLarge(shown: string, bytes: number): Error
  notRegular(shown: string, stats: EntryType): Error
}

const MIGRATION_FILE: FileBounds = { maxBytes: MAX_FILE_BYTES, tooLarge: tooLargeError, notRegular: notRegularError }

export function readBoundedFile(filePath: string, shown: string, bounds: FileBounds = MIGRATION_FILE): Buffer {
  const { maxBytes } = bounds
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0)
  let fd: number
  try {
    fd = fs.openSync(filePath, flags)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkError(shown)
    throw error
  }
  try {
    const stats = fs.fstatSync(fd)
    if (!stats.isFile()) throw bounds.notRegular(shown, stats)
    if (stats.size > maxBytes) throw bounds.tooLarge(shown, stats.size)
    // Room for the size it claims and one byte more, so that the end is seen in the second read; a file that
    // grows meanwhile gets more room, never beyond one byte over the cap.
    let buffer = Buffer.allocUnsafe(Math.min(stats.size + 1, maxBytes + 1))
    let total = 0
    for (;;) {
      if (total === buffer.length) {
        const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1))
        buffer.copy(larger, 0, 0, total)
        buffer = larger
      }
      const bytesRead = fs.readSync(fd, buffer, total, buffer.length - total, total)
      if (bytesRead === 0) break
      total += bytesRead
      if (total > maxBytes) throw bounds.tooLarge(shown, total)
    }
    return buffer.subarray(0, total)
  } finally {
    fs.closeSync(fd)
  }
}

/** `child` relative to `parent`, with `/` separators (`.` for the folder itself); null when it lies outside `parent`. */
export function relativeInside(parent: string, child: string): string | null {
  const relative = path.relative(path.resolve(parent), path.resolve(parent, child))
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return null
  return relative.split(path.sep).join('/') || '.'
}

/**
 * `migrations-dir` as a path relative to the workspace, in the one spelling git uses: `./db/`, `db/./x/..`
 * and an absolute path inside the workspace all become `db`. A path that leaves the workspace is refused.
 */
export function normalizeMigrationsDir(dir: string, workspace: string): string {
  const relative = relativeInside(workspace, dir)
  if (relative === null) {
    throw new InputError(
      'migrations-dir',
      `'${printable(dir)}' is outside the workspace: give a folder inside the repository, for example migrations/resources`
    )
  }
  return relative
}
