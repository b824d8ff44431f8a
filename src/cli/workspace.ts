/**
 * Where the command line's migrations folder is read from. The action keeps `migrations-dir` inside the
 * workspace (a pull request must not reach out of the checkout); on a developer's machine a folder
 * outside the current one is fine (`--migrations-dir ../shared/migrations`). Such a folder is read with
 * the root of its git repository as the workspace (else its parent folder), so that paths in messages
 * stay short and the workspace's own checks (no symbolic link on the way in) still apply.
 */
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { relativeInside } from '../migrations/files.js'

export interface CliWorkspace {
  /** What readConfig and discovery take as the workspace. */
  workspace: string
  /** The migrations folder relative to it. */
  migrationsDir: string
}

/** The root of the git repository holding `dir`, or null (no git, not a repository, or `dir` does not exist). */
export function gitRoot(dir: string, env: NodeJS.ProcessEnv): string | null {
  try {
    const root = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: dir,
      env,
      timeout: 5_000,
      stdio: ['ignore', 'pipe', 'ignore']
    })
      .toString()
      .trim()
    return root || null
  } catch {
    return null
  }
}

export function cliWorkspace(dir: string, cwd: string, env: NodeJS.ProcessEnv): CliWorkspace {
  const absolute = path.resolve(cwd, dir)
  if (relativeInside(cwd, absolute) !== null) return { workspace: cwd, migrationsDir: dir }
  const root = gitRoot(absolute, env)
  const workspace = root && relativeInside(root, absolute) !== null ? root : path.dirname(absolute)
  return { workspace, migrationsDir: relativeInside(workspace, absolute) ?? '.' }
}
