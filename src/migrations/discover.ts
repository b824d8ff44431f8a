/**
 * Reads the migrations directory: one folder per version (`v<N>` or `v<N>_<description>`), whose `.sql`
 * files run in file-name order. Every problem is an error naming the path; nothing is half-read.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { InputError, MigrationFileError } from '../errors.js'
import { fileChecksum, normalizeText, versionChecksum } from './checksum.js'
import { readDirectives } from './directives.js'
import { splitStatements } from './split.js'
import type { MigrationFile, Version } from './types.js'

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
 * @param dir the migrations directory (absolute, or relative to `workspace`)
 * @param workspace paths in results and errors are relative to it (the repository root on a runner)
 */
export async function discoverMigrations(dir: string, workspace: string = process.cwd()): Promise<Discovered> {
  const root = path.resolve(workspace, dir)
  const rel = (p: string): string => path.relative(workspace, p).split(path.sep).join('/') || '.'
  let entries: import('node:fs').Dirent[]
  try {
    entries = await fs.readdir(root, { withFileTypes: true })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new InputError('migrations-dir', `directory '${rel(root)}' does not exist (is the repository checked out?)`)
    if (code === 'ENOTDIR') throw new InputError('migrations-dir', `'${rel(root)}' is not a directory`)
    throw error
  }

  const warnings: string[] = []
  const byNumber = new Map<number, string>()
  const versions: Version[] = []
  for (const entry of entries.sort((a, b) => byName(a.name, b.name))) {
    if (isHidden(entry.name)) continue
    const entryPath = path.join(root, entry.name)
    if (!entry.isDirectory()) {
      if (entry.name.toLowerCase().endsWith('.sql')) {
        throw new MigrationFileError(
          `${rel(entryPath)} is not inside a version folder: put SQL files in v<N>/ folders (for example v1/${entry.name})`,
          { file: rel(entryPath) }
        )
      }
      warnings.push(`${rel(entryPath)} is not a version folder and was ignored`)
      continue
    }
    const match = VERSION_DIR.exec(entry.name)
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
    versions.push(await readVersion(entryPath, number, match[2] ?? '', rel, warnings))
  }
  versions.sort((a, b) => a.number - b.number)
  checkConsecutive(versions)
  return { versions, warnings }
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
  dir: string,
  number: number,
  description: string,
  rel: (p: string) => string,
  warnings: string[]
): Promise<Version> {
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => byName(a.name, b.name))
  const files: MigrationFile[] = []
  for (const entry of entries) {
    if (isHidden(entry.name)) continue
    const filePath = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      throw new MigrationFileError(`${rel(filePath)}: folders inside a version are not supported; put the .sql files directly in ${rel(dir)}`, {
        file: rel(filePath)
      })
    }
    if (!entry.name.toLowerCase().endsWith('.sql')) {
      warnings.push(`${rel(filePath)} is not a .sql file and was ignored`)
      continue
    }
    const bytes = await fs.readFile(filePath)
    let text: string
    try {
      text = utf8.decode(bytes)
    } catch {
      throw new MigrationFileError(`${rel(filePath)} is not valid UTF-8: save it as UTF-8 (the Data API sends SQL as UTF-8 text)`, {
        file: rel(filePath)
      })
    }
    const { noTransaction } = readDirectives(text, rel(filePath))
    const statements = splitStatements(text, rel(filePath))
    if (statements.length === 0) {
      throw new MigrationFileError(`${rel(filePath)} has no SQL statements: remove it, or add SQL`, { file: rel(filePath) })
    }
    files.push({ name: entry.name, path: rel(filePath), checksum: fileChecksum(text), text: normalizeText(text), statements, noTransaction })
  }
  if (files.length === 0) {
    throw new MigrationFileError(`${rel(dir)} (version ${number}) has no SQL statements: add a .sql file or remove the folder`, {
      file: rel(dir)
    })
  }
  return { number, description, dir: rel(dir), files, checksum: versionChecksum(files) }
}
