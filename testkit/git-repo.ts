/** Real git repositories in temp dirs, for the tests of what plan, renumber and new read from git. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null'
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...IDENTITY },
    stdio: ['ignore', 'pipe', 'pipe']
  }).trim()
}

export function tempDir(prefix = 'aurora-migrate-git-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Writes (or, for null, deletes) files under `root`. */
export function write(root: string, files: Record<string, string | null>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name)
    if (text === null) fs.rmSync(file, { force: true, recursive: true })
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, text)
    }
  }
}

/** Writes the files, commits everything with `message`, and returns the commit's SHA. */
export function commit(root: string, message: string, files: Record<string, string | null> = {}): string {
  write(root, files)
  git(root, 'add', '-A')
  git(root, 'commit', '-q', '--allow-empty', '-m', message)
  return git(root, 'rev-parse', 'HEAD')
}

/** A new repository on branch `main` with a first commit holding `files`. */
export function repository(files: Record<string, string>, prefix?: string): { root: string; first: string } {
  const root = tempDir(prefix)
  git(root, 'init', '-q', '-b', 'main')
  return { root, first: commit(root, 'Start', files) }
}

/** A bare copy of `root` to serve as `origin`, and a clone of it (optionally shallow) as a CI checkout would be. */
export function cloneOf(origin: string, options: { depth?: number; branch?: string } = {}): string {
  const dir = tempDir('aurora-migrate-clone-')
  git(
    dir,
    'clone',
    '-q',
    ...(options.depth ? [`--depth=${options.depth}`] : []),
    ...(options.branch ? ['--branch', options.branch] : []),
    `file://${origin}`,
    '.'
  )
  return dir
}

/** Every file under `root` (not .git) with its bytes, to prove a refused command changed nothing. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name)
    const rel = path.relative(root, full)
    if (rel.split(path.sep)[0] === '.git') continue
    out[rel] = entry.isFile() ? fs.readFileSync(full).toString('base64') : entry.isDirectory() ? '<dir>' : '<other>'
  }
  return out
}
