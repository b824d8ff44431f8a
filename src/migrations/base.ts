/**
 * The migrations as they are on a pull request's base commit, read with git. Used when `plan` runs
 * without target credentials (a fork's pull request): the base branch stands in for the database, so
 * the plan shows which versions the pull request adds, and which applied ones it edits.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { MigrationFileError } from '../errors.js'
import type { AppliedRow } from '../meta-row.js'
import { printable } from '../printable.js'
import { fileChecksum, versionChecksum } from './checksum.js'
import { MAX_FILE_BYTES, VERSION_DIR, checkName, normalizeMigrationsDir, symlinkError, tooLargeError } from './files.js'
import type { SqlSyntax } from './syntax.js'
import type { Version } from './types.js'

const run = promisify(execFile)

/** The base commit is not in the checkout (a shallow clone) and could not be fetched. */
export class BaseCommitUnavailableError extends Error {
  constructor(sha: string, detail: string) {
    super(
      `The pull request's base commit ${sha.slice(0, 12)} is not in the checkout (${detail}). ` +
        'Check out with history: actions/checkout with `fetch-depth: 0`, so plan can compare with the base branch.'
    )
    this.name = 'BaseCommitUnavailableError'
  }
}

/** Runs git in `cwd` and returns its stdout; arguments are never read by a shell. */
export async function git(cwd: string, args: string[]): Promise<string> {
  // Literal pathspecs: a folder name with `*` or `:(…)` is a name, not a pattern.
  const { stdout } = await run('git', ['--literal-pathspecs', ...args], { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' })
  return stdout
}

export async function hasCommit(cwd: string, sha: string): Promise<boolean> {
  return git(cwd, ['cat-file', '-e', `${sha}^{commit}`]).then(
    () => true,
    () => false
  )
}

/** The last line git wrote on stderr when it failed ('' when none): what a message says of the failure. */
export function gitFailure(error: unknown): string {
  return (
    String((error as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')
      .pop() ?? ''
  )
}

/** Makes sure the base commit is available, fetching just that commit when the clone is shallow. */
export async function ensureCommit(cwd: string, sha: string, log: (message: string) => void): Promise<void> {
  if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw new BaseCommitUnavailableError(sha, 'not a commit SHA')
  if (await hasCommit(cwd, sha)) return
  log(`Base commit ${sha.slice(0, 12)} is not in the checkout; fetching it`)
  try {
    await git(cwd, ['fetch', '--no-tags', '--depth=1', 'origin', sha])
  } catch (error) {
    const stderr = gitFailure(error)
    throw new BaseCommitUnavailableError(sha, `git fetch failed${stderr ? `: ${stderr}` : ''}`)
  }
  if (!(await hasCommit(cwd, sha))) throw new BaseCommitUnavailableError(sha, 'git fetch did not bring it')
}

/** A blob or link of the migrations folder at the base commit, as `git ls-tree -l` lists it. */
export interface TreeEntry {
  mode: string
  object: string
  size: number
  /** Path relative to the repository's top. */
  path: string
}

/** git's modes: 120000 is a symbolic link (its blob holds the target's name), 160000 a submodule. */
const REGULAR_FILE_MODES = new Set(['100644', '100755'])

/** The base commit's tree under `dir` (relative to the repository's top), without following anything. */
export async function listTree(top: string, baseSha: string, dir: string): Promise<TreeEntry[]> {
  const listed = await git(top, ['ls-tree', '-r', '-z', '-l', '--full-tree', baseSha, '--', dir === '.' ? '.' : `${dir}/`])
  return listed
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t')
      const [mode, , object, size] = line.slice(0, tab).split(/ +/)
      return { mode, object, size: Number(size), path: line.slice(tab + 1) }
    })
}

/**
 * The migrations folder as git spells it: the repository's top, and the folder relative to it (`.` for the
 * top itself) with `under`, its prefix for paths inside (`db/`, or empty).
 */
export async function gitFolder(workspace: string, migrationsDir: string): Promise<{ top: string; dir: string; under: string }> {
  const top = (await git(workspace, ['rev-parse', '--show-toplevel'])).trim()
  const prefix = (await git(workspace, ['rev-parse', '--show-prefix'])).trim()
  // The spelling git uses for the folder, relative to the repository's top: `./db/` would match nothing.
  const inWorkspace = normalizeMigrationsDir(migrationsDir, workspace)
  const dir = path.posix.normalize(`${prefix}${inWorkspace === '.' ? '' : inWorkspace}`).replace(/\/+$/, '') || '.'
  return { top, dir, under: dir === '.' ? '' : `${dir}/` }
}

/**
 * Meta rows as if the base commit's versions were applied: a version the pull request did not touch
 * gets its current checksum; one it edited gets the checksum of its files at the base commit. The base
 * commit's files are held to the same rules as the checkout's (no links, no control characters in
 * names, at most MAX_FILE_BYTES), and read from git's objects, never through the file system. `syntax`
 * splits an edited file, to count its statements.
 */
export async function baseRows(
  syntax: Pick<SqlSyntax, 'split'>,
  workspace: string,
  migrationsDir: string,
  baseSha: string,
  current: Version[],
  log: (message: string) => void
): Promise<AppliedRow[]> {
  await ensureCommit(workspace, baseSha, log)
  const { top, dir, under } = await gitFolder(workspace, migrationsDir)
  const changed = new Set(
    (await git(top, ['diff', '--name-only', '--no-renames', '--no-relative', '-z', baseSha, '--', under || '.']))
      .split('\0')
      .filter(Boolean)
  )
  const byFolder = new Map<string, TreeEntry[]>()
  for (const entry of await listTree(top, baseSha, dir)) {
    const inside = entry.path.slice(under.length)
    const parts = inside.split('/')
    const shown = `${baseSha.slice(0, 12)}:${entry.path}`
    parts.forEach((part) => checkName(part, printable(shown)))
    // Hidden entries and anything deeper than <folder>/<file> never run (discover refuses the latter).
    if (parts.some((part) => part.startsWith('.')) || parts.length > 2) continue
    if (entry.mode === '120000') throw symlinkError(`The base commit's ${shown}`)
    const [folder, name] = parts
    if (!name || !name.toLowerCase().endsWith('.sql') || !VERSION_DIR.test(folder)) continue
    if (!REGULAR_FILE_MODES.has(entry.mode))
      throw new MigrationFileError(`The base commit's ${shown} is not a regular file (git mode ${entry.mode})`, { file: entry.path })
    if (entry.size > MAX_FILE_BYTES) throw tooLargeError(`The base commit's ${shown}`, entry.size)
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), entry])
  }
  const now = new Map(current.map((version) => [version.number, version]))
  const rows: AppliedRow[] = []
  for (const [folder, entries] of byFolder) {
    const match = VERSION_DIR.exec(folder)!
    const number = Number(match[1])
    const touched = entries.some((entry) => changed.has(entry.path)) || !now.has(number) || now.get(number)!.dir.split('/').pop() !== folder
    let checksum: string
    let files: AppliedRow['files']
    if (!touched) {
      const version = now.get(number)!
      checksum = version.checksum
      files = version.files.map((file) => ({ name: file.name, checksum: file.checksum, statements: file.statements.length }))
    } else {
      files = []
      for (const entry of entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        const name = entry.path.slice(entry.path.lastIndexOf('/') + 1)
        const text = await git(top, ['cat-file', 'blob', entry.object])
        let statements = 0
        try {
          statements = syntax.split(text, entry.path).length
        } catch (error) {
          if (!(error instanceof MigrationFileError)) throw error
        }
        files.push({ name, checksum: fileChecksum(text), statements })
      }
      checksum = versionChecksum(files)
    }
    rows.push({
      version: number,
      description: match[2] ?? '',
      checksum,
      files,
      appliedAt: '',
      executionMs: 0,
      appliedBy: null,
      commitSha: baseSha,
      runUrl: null
    })
  }
  return rows.sort((a, b) => a.version - b.version)
}
