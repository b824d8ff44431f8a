/**
 * Reads the migrations directory: one folder per version (`v<N>` or `v<N>_<description>`), whose `.sql`
 * files run in file-name order. Every problem is an error naming the path; nothing is half-read. What a
 * pull request may not put there (links, FIFOs, control characters in names, oversize files) is refused
 * before it is read: see files.ts.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { InputError, MigrationFileError } from '../errors.js'
import { printable } from '../printable.js'
import { fileChecksum, normalizeText, versionChecksum } from './checksum.js'
import { readDirectives } from './directives.js'
import { checkName, entryKind, notRegularError, readBoundedFile, symlinkError } from './files.js'
import type { SqlSyntax } from './syntax.js'
import { readTransactionControl } from './transaction-control.js'
import type { LocatedTransactionBlockConflict, MigrationFile, Version } from './types.js'

const VERSION_DIR = /^v(\d+)(?:_(.+))?$/
/** Versions are stored in an `integer` column. */
const MAX_VERSION = 2_147_483_647

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
  let entries: string[]
  try {
    entries = await fs.readdir(root)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new InputError('migrations-dir', `directory '${rel(root)}' does not exist (is the repository checked out?)`)
    if (code === 'ENOTDIR') throw new InputError('migrations-dir', `'${rel(root)}' is not a directory`)
    throw error
  }
  await checkRootIsReal(root, workspace, rel)

  const warnings: string[] = []
  const byNumber = new Map<number, string>()
  const versions: Version[] = []
  for (const name of entries.sort(byName)) {
    const entryPath = path.join(root, name)
    checkName(name, rel(entryPath))
    if (isHidden(name)) {
      if (name.toLowerCase().endsWith('.sql') || VERSION_DIR.test(name.slice(1)))
        warnings.push(`${rel(entryPath)} is hidden and was ignored: hidden files and folders never run`)
      continue
    }
    const stats = await fs.lstat(entryPath)
    const kind = entryKind(stats)
    if (kind === 'symlink') throw symlinkError(rel(entryPath))
    if (kind === 'other') throw notRegularError(rel(entryPath), stats)
    const match = VERSION_DIR.exec(name)
    if (kind === 'file') {
      if (name.toLowerCase().endsWith('.sql')) {
        throw new MigrationFileError(
          `${rel(entryPath)} is not inside a version folder: put SQL files in v<N>/ folders (for example v1/${printable(name)})`,
          { file: rel(entryPath) }
        )
      }
      if (match)
        throw new MigrationFileError(`${rel(entryPath)} is a file, not a version folder: a version is a folder of .sql files`, {
          file: rel(entryPath)
        })
      warnings.push(`${rel(entryPath)} is not a version folder and was ignored`)
      continue
    }
    if (!match) {
      throw new MigrationFileError(
        `${rel(entryPath)} is not a version folder: name folders v<N> or v<N>_<description> (for example v3 or v3_add_notes)`,
        { file: rel(entryPath) }
      )
    }
    const number = Number(match[1])
    if (number < 1 || number > MAX_VERSION) {
      throw new MigrationFileError(`${rel(entryPath)}: a version must be an integer from 1 to ${MAX_VERSION}`, { file: rel(entryPath) })
    }
    const twin = byNumber.get(number)
    if (twin !== undefined) {
      throw new MigrationFileError(`${rel(twin)} and ${rel(entryPath)} are both version ${number}: each version needs one folder`, {
        file: rel(entryPath)
      })
    }
    byNumber.set(number, entryPath)
    versions.push(await readVersion(syntax, entryPath, number, match[2] ?? '', rel, warnings))
  }
  versions.sort((a, b) => a.number - b.number)
  checkConsecutive(versions)
  return { versions, warnings }
}

/**
 * The migrations folder itself must be where it says it is: a link on the way to it (the folder, or a
 * parent inside the workspace) could lead out of the repository.
 */
async function checkRootIsReal(root: string, workspace: string, rel: (p: string) => string): Promise<void> {
  const expected = path.resolve(await fs.realpath(workspace), path.relative(path.resolve(workspace), root))
  if ((await fs.realpath(root)) !== expected) {
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

async function readVersion(
  syntax: SqlSyntax,
  dir: string,
  number: number,
  description: string,
  rel: (p: string) => string,
  warnings: string[]
): Promise<Version> {
  const names = (await fs.readdir(dir)).sort(byName)
  const files: MigrationFile[] = []
  for (const name of names) {
    const filePath = path.join(dir, name)
    checkName(name, rel(filePath))
    if (isHidden(name)) {
      if (name.toLowerCase().endsWith('.sql')) warnings.push(`${rel(filePath)} is hidden and was ignored: hidden files never run`)
      continue
    }
    const stats = await fs.lstat(filePath)
    const kind = entryKind(stats)
    if (kind === 'symlink') throw symlinkError(rel(filePath))
    if (kind === 'other') throw notRegularError(rel(filePath), stats)
    if (kind === 'directory') {
      throw new MigrationFileError(
        `${rel(filePath)}: folders inside a version are not supported; put the .sql files directly in ${rel(dir)}`,
        {
          file: rel(filePath)
        }
      )
    }
    if (!name.toLowerCase().endsWith('.sql')) {
      warnings.push(`${rel(filePath)} is not a .sql file and was ignored`)
      continue
    }
    const bytes = await readBoundedFile(filePath, rel(filePath))
    let text: string
    try {
      text = utf8.decode(bytes)
    } catch {
      throw new MigrationFileError(`${rel(filePath)} is not valid UTF-8: save it as UTF-8 (the Data API sends SQL as UTF-8 text)`, {
        file: rel(filePath)
      })
    }
    const file = readMigrationFile(syntax, name, rel(filePath), text)
    if (file.statements.length === 0) {
      throw new MigrationFileError(`${rel(filePath)} has no SQL statements: remove it, or add SQL`, { file: rel(filePath) })
    }
    files.push(file)
  }
  if (files.length === 0) {
    throw new MigrationFileError(`${rel(dir)} (version ${number}) has no SQL statements: add a .sql file or remove the folder`, {
      file: rel(dir)
    })
  }
  const misordered = numberOrderWarning(
    files.map((file) => file.name),
    rel(dir)
  )
  if (misordered) warnings.push(misordered)
  return { number, description, dir: rel(dir), files, checksum: versionChecksum(files) }
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
