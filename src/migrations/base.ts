/**
 * The migrations as they are on a pull request's base commit, read with git. Used when `plan` runs
 * without target credentials (a fork's pull request): the base branch stands in for the database, so
 * the plan shows which versions the pull request adds, and which applied ones it edits.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { MigrationFileError } from '../errors.js'
import type { AppliedRow } from '../plan.js'
import { fileChecksum, versionChecksum } from './checksum.js'
import { splitStatements } from './split.js'
import type { Version } from './types.js'

const run = promisify(execFile)
const VERSION_DIR = /^v(\d+)(?:_(.+))?$/

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

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' })
  return stdout
}

async function hasCommit(cwd: string, sha: string): Promise<boolean> {
  return git(cwd, ['cat-file', '-e', `${sha}^{commit}`]).then(
    () => true,
    () => false
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
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n').pop() ?? ''
    throw new BaseCommitUnavailableError(sha, `git fetch failed${stderr ? `: ${stderr}` : ''}`)
  }
  if (!(await hasCommit(cwd, sha))) throw new BaseCommitUnavailableError(sha, 'git fetch did not bring it')
}

/**
 * Meta rows as if the base commit's versions were applied: a version the pull request did not touch
 * gets its current checksum; one it edited gets the checksum of its files at the base commit.
 */
export async function baseRows(workspace: string, migrationsDir: string, baseSha: string, current: Version[], log: (message: string) => void): Promise<AppliedRow[]> {
  await ensureCommit(workspace, baseSha, log)
  const dir = migrationsDir.replace(/\/+$/, '')
  const listed = await git(workspace, ['ls-tree', '-r', '-z', '--name-only', baseSha, '--', `${dir}/`])
  const changed = new Set(
    (await git(workspace, ['diff', '--name-only', '--no-renames', '-z', baseSha, '--', `${dir}/`])).split('\0').filter(Boolean)
  )
  const relativeTo = (await git(workspace, ['rev-parse', '--show-prefix'])).trim()
  const byFolder = new Map<string, string[]>()
  for (const file of listed.split('\0').filter(Boolean)) {
    const inside = file.slice(relativeTo.length).slice(dir.length + 1)
    const [folder, name, ...deeper] = inside.split('/')
    if (!name || deeper.length || !name.toLowerCase().endsWith('.sql') || name.startsWith('.')) continue
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), name])
  }
  const now = new Map(current.map((version) => [version.number, version]))
  const rows: AppliedRow[] = []
  for (const [folder, names] of byFolder) {
    const match = VERSION_DIR.exec(folder)
    if (!match) continue
    const number = Number(match[1])
    const touched = names.some((name) => changed.has(`${relativeTo}${dir}/${folder}/${name}`)) || !now.has(number) || now.get(number)!.dir.split('/').pop() !== folder
    let checksum: string
    let files: AppliedRow['files']
    if (!touched) {
      const version = now.get(number)!
      checksum = version.checksum
      files = version.files.map((file) => ({ name: file.name, checksum: file.checksum, statements: file.statements.length }))
    } else {
      files = []
      for (const name of names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
        const text = await git(workspace, ['show', `${baseSha}:./${dir}/${folder}/${name}`])
        let statements = 0
        try {
          statements = splitStatements(text, `${dir}/${folder}/${name}`).length
        } catch (error) {
          if (!(error instanceof MigrationFileError)) throw error
        }
        files.push({ name, checksum: fileChecksum(text), statements })
      }
      checksum = versionChecksum(files)
    }
    rows.push({ version: number, description: match[2] ?? '', checksum, files, appliedAt: '', executionMs: 0, appliedBy: null, commitSha: baseSha, runUrl: null })
  }
  return rows.sort((a, b) => a.version - b.version)
}
