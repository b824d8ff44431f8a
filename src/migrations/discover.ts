/**
 * Reads the migrations directory: one folder per version (`v<N>` or `v<N>_<description>`), whose `.sql`
 * files run in file-name order. Every problem is an error naming the path; nothing is half-read. What a
 * pull request may not put there (links, FIFOs, control characters in names, oversize files) is refused
 * before it is read: see files.ts.
 *
 * The walk is synchronous: the kind of each entry comes with its folder's listing, and each file is read on a
 * descriptor (files.ts), so a thousand versions of small files are read in milliseconds, not in thousands of
 * round trips through the thread pool.
 */
import fs from 'node:fs'
import path from 'node:path'
import { InputError, MigrationFileError } from '../errors.js'
import { printable } from '../printable.js'
import { fileChecksum, normalizeText, versionChecksum } from './checksum.js'
import { readDirectives } from './directives.js'
import { VERSION_DIR, checkName, entryKind, notRegularError, readBoundedFile, symlinkError } from './files.js'
import type { SqlSyntax } from './syntax.js'
import { readTransactionControl } from './transaction-control.js'
import type { LocatedTransactionBlockConflict, MigrationFile, Version } from './types.js'

/** Versions are stored in an `integer` column. */
export const MAX_VERSION = 2_147_483_647

export interface Discovered {
  versions: Version[]
  /** Things worth a warning that do not stop the run (a stray non-SQL file or folder). */
  warnings: string[]
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Sorts names by their UTF-16 code units: the same order on every machine and locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** How `name` inside the folder shown as `parent` is shown: as rel() shows the joined path, without working it out again. */
function inside(parent: string, name: string): string {
  return parent === '.' ? printable(name) : `${parent}/${printable(name)}`
}

function isHidden(name: string): boolean {
  return name.startsWith('.')
}

/**
 * @param syntax the dialect's SQL syntax: how files split into statements, and what their statements are
 * @param dir the migrations directory (absolute, or relative to `workspace`)
 * @param workspace paths in results and errors are relative to it (the repository root on a runner)
 */
export async function discoverMigrations(syntax: SqlSyntax, dir: string, workspace: string = process.cwd()): Promise<Discovered> {
  const root = path.resolve(workspace, dir)
  const rel = (p: string): string => printable(path.relative(workspace, p).split(path.sep).join('/') || '.')
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(root, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new InputError('migrations-dir', `directory '${rel(root)}' does not exist (is the repository checked out?)`)
    if (code === 'ENOTDIR') throw new InputError('migrations-dir', `'${rel(root)}' is not a directory`)
    throw error
  }
  checkRootIsReal(root, workspace, rel)

  const warnings: string[] = []
  const byNumber = new Map<number, string>()
  const versions: Version[] = []
  for (const entry of entries.sort((a, b) => byName(a.name, b.name))) {
    const name = entry.name
    const entryPath = path.join(root, name)
    const shown = rel(entryPath)
    checkName(name, shown)
    if (isHidden(name)) {
      if (name.toLowerCase().endsWith('.sql') || VERSION_DIR.test(name.slice(1)))
        warnings.push(`${shown} is hidden and was ignored: hidden files and folders never run`)
      continue
    }
    // The listing's kind of the entry itself (lstat's, where the file system does not say).
    const kind = entryKind(entry)
    if (kind === 'symlink') throw symlinkError(shown)
    if (kind === 'other') throw notRegularError(shown, entry)
    const match = VERSION_DIR.exec(name)
    if (kind === 'file') {
      if (name.toLowerCase().endsWith('.sql')) {
        throw new MigrationFileError(
          `${shown} is not inside a version folder: put SQL files in v<N>/ folders (for example v1/${printable(name)})`,
          { file: shown }
        )
      }
      if (match)
        throw new MigrationFileError(`${shown} is a file, not a version folder: a version is a folder of .sql files`, {
          file: shown
        })
      warnings.push(`${shown} is not a version folder and was ignored`)
      continue
    }
    if (!match) {
      throw new MigrationFileError(
        `${shown} is not a version folder: name folders v<N> or v<N>_<description> (for example v3 or v3_add_notes)`,
        { file: shown }
      )
    }
    const number = Number(match[1])
    if (number < 1 || number > MAX_VERSION) {
      throw new MigrationFileError(`${shown}: a version must be an integer from 1 to ${MAX_VERSION}`, { file: shown })
    }
    const twin = byNumber.get(number)
    if (twin !== undefined) {
      throw new MigrationFileError(`${rel(twin)} and ${shown} are both version ${number}: each version needs one folder`, {
        file: shown
      })
    }
    byNumber.set(number, entryPath)
    versions.push(readVersion(syntax, entryPath, shown, number, match[2] ?? '', warnings))
  }
  versions.sort((a, b) => a.number - b.number)
  checkConsecutive(versions)
  return { versions, warnings }
}

/**
 * The migrations folder itself must be where it says it is: a link on the way to it (the folder, or a
 * parent inside the workspace) could lead out of the repository.
 */
function checkRootIsReal(root: string, workspace: string, rel: (p: string) => string): void {
  const expected = path.resolve(fs.realpathSync(workspace), path.relative(path.resolve(workspace), root))
  if (fs.realpathSync(root) !== expected) {
    throw new InputError(
      'migrations-dir',
      `'${rel(root)}' is or lies under a symbolic link: give the real folder inside the repository (a link could lead anywhere on the runner)`
    )
  }
}

/**
 * Versions run in numeric order and the plan refuses one below the current version, so a hole is
 * almost always a renumbering mistake (or a folder lost in a merge): refuse it here, before anything runs.
 */
function checkConsecutive(versions: Version[]): void {
  for (let index = 1; index < versions.length; index++) {
    const before = versions[index - 1]
    const after = versions[index]
    if (after.number !== before.number + 1) {
      throw new MigrationFileError(
        `version ${before.number + 1} is missing between v${before.number} (${before.dir}) and v${after.number} (${after.dir}): ` +
          `versions must be consecutive; renumber v${after.number} (or restore v${before.number + 1}, if it was removed)`,
        { file: after.dir }
      )
    }
  }
}

/** The version in `dir`, which messages show as `shownDir`. */
export function readVersion(
  syntax: SqlSyntax,
  dir: string,
  shownDir: string,
  number: number,
  description: string,
  warnings: string[]
): Version {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => byName(a.name, b.name))
  const files: MigrationFile[] = []
  for (const entry of entries) {
    const name = entry.name
    const filePath = path.join(dir, name)
    const shown = inside(shownDir, name)
    checkName(name, shown)
    if (isHidden(name)) {
      if (name.toLowerCase().endsWith('.sql')) warnings.push(`${shown} is hidden and was ignored: hidden files never run`)
      continue
    }
    const kind = entryKind(entry)
    if (kind === 'symlink') throw symlinkError(shown)
    if (kind === 'other') throw notRegularError(shown, entry)
    if (kind === 'directory') {
      throw new MigrationFileError(`${shown}: folders inside a version are not supported; put the .sql files directly in ${shownDir}`, {
        file: shown
      })
    }
    if (!name.toLowerCase().endsWith('.sql')) {
      warnings.push(`${shown} is not a .sql file and was ignored`)
      continue
    }
    const bytes = readBoundedFile(filePath, shown)
    let text: string
    try {
      text = utf8.decode(bytes)
    } catch {
      throw new MigrationFileError(`${shown} is not valid UTF-8: save it as UTF-8 (the Data API sends SQL as UTF-8 text)`, {
        file: shown
      })
    }
    const file = readMigrationFile(syntax, name, shown, text)
    if (file.statements.length === 0) {
      throw new MigrationFileError(`${shown} has no SQL statements: remove it, or add SQL`, { file: shown })
    }
    files.push(file)
  }
  if (files.length === 0) {
    throw new MigrationFileError(`${shownDir} (version ${number}) has no SQL statements: add a .sql file or remove the folder`, {
      file: shownDir
    })
  }
  const misordered = numberOrderWarning(
    files.map((file) => file.name),
    shownDir
  )
  if (misordered) warnings.push(misordered)
  return { number, description, dir: shownDir, files, checksum: versionChecksum(files) }
}

/**
 * Files run in name order, so `1_a.sql`, `2_b.sql`, `10_c.sql` run as 1, 10, 2. Only a warning: renaming
 * the files of an applied version would be drift.
 */
function numberOrderWarning(names: string[], dir: string): string | null {
  const numbered = names.filter((name) => /^\d/.test(name))
  const widths = new Set(numbered.map((name) => /^\d+/.exec(name)![0].length))
  if (widths.size < 2) return null
  const byNumber = [...numbered].sort((a, b) => Number(/^\d+/.exec(a)![0]) - Number(/^\d+/.exec(b)![0]) || byName(a, b))
  if (byNumber.every((name, index) => name === numbered[index])) return null
  return (
    `${dir}: file names start with numbers of different widths, and files run in name order: ${numbered.join(', ')} ` +
    `(not ${byNumber.join(', ')}). If this version is not applied anywhere yet, pad the numbers to one width (01_, 02_, 10_)`
  )
}

/**
 * One migration file from its text (pure): directives, statements (a whole-file BEGIN … COMMIT left out),
 * checksum, and what cannot run where it is written.
 */
export function readMigrationFile(syntax: SqlSyntax, name: string, filePath: string, text: string): MigrationFile {
  const { noTransaction } = readDirectives(text, filePath)
  const { statements, transactionWrapper, misplaced } = readTransactionControl(syntax, syntax.split(text, filePath), noTransaction)
  return {
    name,
    path: filePath,
    checksum: fileChecksum(text),
    text: normalizeText(text),
    statements,
    noTransaction,
    transactionWrapper,
    misplacedTransactionControl: misplaced,
    transactionBlockConflicts: noTransaction ? [] : transactionBlockConflicts(syntax, statements)
  }
}

function transactionBlockConflicts(syntax: SqlSyntax, statements: MigrationFile['statements']): LocatedTransactionBlockConflict[] {
  const conflicts: LocatedTransactionBlockConflict[] = []
  for (const { sql, file, line, column } of statements) {
    const conflict = syntax.cannotRunInTransaction(sql)
    if (conflict) conflicts.push({ file, line, column, ...conflict })
  }
  return conflicts
}
