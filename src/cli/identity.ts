/**
 * Who runs the command line and from which commit, for the meta table's applied_by and commit_sha (the
 * action takes them from GITHUB_ACTOR and GITHUB_SHA). On a CI runner that sets those, they win; else
 * git's user.name and user.email, or the operating system's user, and git's HEAD of the repository the
 * migrations are in. Nothing here fails a run: without git, or outside a repository, commit_sha stays
 * empty.
 */
import { execFile } from 'node:child_process'
import os from 'node:os'
import type { RunIdentity } from '../meta-row.js'

const GIT_TIMEOUT_MS = 5_000

/** One git command's first line of output in `cwd`, or null when git is missing, fails or says nothing. */
function git(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env, timeout: GIT_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      const line = String(stdout ?? '')
        .split('\n')[0]
        .trim()
      resolve(error || !line ? null : line)
    })
  })
}

/** The operating system's user name, or null when it cannot be read (no passwd entry in a container). */
function osUser(env: NodeJS.ProcessEnv): string | null {
  try {
    return os.userInfo().username || null
  } catch {
    return env.USER || env.USERNAME || null
  }
}

/** At most this long, single-line, as the meta table stores it. */
function oneLine(text: string | null, max: number): string | null {
  if (!text) return null
  const line = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim()
  return line ? line.slice(0, max) : null
}

/** `Name <email>`, the name, the email, or the OS user. */
export async function localIdentity(base: RunIdentity, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<RunIdentity> {
  const { cwd, env } = options
  let actor = base.actor
  if (!actor) {
    const [name, email] = await Promise.all([git(['config', 'user.name'], cwd, env), git(['config', 'user.email'], cwd, env)])
    actor = name && email ? `${name} <${email}>` : (name ?? email ?? osUser(env))
  }
  let commitSha = base.commitSha
  if (!commitSha) {
    const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD'], cwd, env)
    commitSha = head && /^[0-9a-f]{40,64}$/.test(head) ? head : null
  }
  return { actor: oneLine(actor, 200), commitSha, runUrl: base.runUrl }
}
