/**
 * Which commits the version-number check compares, from where the command runs: a pull request's event
 * (its head against its base branch fetched by name, since the event's base SHA is the base as it was when
 * the event fired), a merge queue's event (its commit against the queue's base, exactly), or a developer's
 * checkout (HEAD against origin/HEAD as last fetched).
 */
import fs from 'node:fs'
import path from 'node:path'
import { Context } from '../github-context.js'
import { normalizeMigrationsDir } from '../migrations/files.js'
import { foldersOnDisk } from '../migrations/renumber.js'
import { git, gitFailure, gitFolder } from '../migrations/base.js'
import {
  versionFolders,
  type VersionFolder,
  checkVersionConflicts,
  HistoryUnavailableError,
  VersionConflictError,
  type ConflictCheck
} from '../migrations/version-conflicts.js'

export { VersionConflictError }

/** An event's payload (the webhook's fields, as @actions/github's context holds them). */
type EventPayload = Record<string, unknown>

/** The string at `keys` in the payload, or null. */
function field(payload: EventPayload, ...keys: string[]): string | null {
  let value: unknown = payload
  for (const key of keys) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
  return typeof value === 'string' ? value : null
}

/** Where the check speaks: the action's reporter or the terminal. */
export interface ConflictLog {
  info(message: string): void
  warning(message: string): void
}

async function insideWorkTree(cwd: string): Promise<boolean> {
  return git(cwd, ['rev-parse', '--is-inside-work-tree']).then(
    (out) => out.trim() === 'true',
    () => false
  )
}

/** Runs the check; when the checkout cannot give the commits or their history, says that nothing was compared. */
async function compare(check: ConflictCheck, say: ConflictLog): Promise<void> {
  try {
    await checkVersionConflicts(check)
  } catch (error) {
    if (!(error instanceof HistoryUnavailableError)) throw error
    say.warning(`Version numbers were not compared with ${check.baseName}: ${error.message}`)
  }
}

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i
/** A branch name safe to hand git as a ref (no option, no `..`, no glob, no control character). */
const BRANCH = /^(?!-)(?!.*\.\.)(?!.*\/\/)[\w][\w./-]{0,250}$/

/** The commits a pull request or merge-queue event names; null for any other event (nothing to compare). */
export function eventCommits(
  eventName: string,
  payload: EventPayload
): { head: string; baseSha: string | null; baseRef: string | null; fetchBase: boolean } | null {
  if (eventName === 'pull_request' || eventName === 'pull_request_target') {
    const head = field(payload, 'pull_request', 'head', 'sha')
    const baseRef = field(payload, 'pull_request', 'base', 'ref')
    if (!head || !SHA.test(head)) return null
    return {
      head,
      baseSha: field(payload, 'pull_request', 'base', 'sha'),
      baseRef: baseRef && BRANCH.test(baseRef) ? baseRef : null,
      fetchBase: true
    }
  }
  if (eventName === 'merge_group') {
    const head = field(payload, 'merge_group', 'head_sha')
    const baseRef = field(payload, 'merge_group', 'base_ref')?.replace(/^refs\/heads\//, '') ?? null
    if (!head || !SHA.test(head)) return null
    // The queue's base is exact: the entries ahead of this one are in it, so it is never fetched anew.
    return {
      head,
      baseSha: field(payload, 'merge_group', 'base_sha'),
      baseRef: baseRef && BRANCH.test(baseRef) ? baseRef : null,
      fetchBase: false
    }
  }
  return null
}

async function revParse(cwd: string, ref: string): Promise<string | null> {
  return git(cwd, ['rev-parse', '--verify', '-q', `${ref}^{commit}`]).then(
    (out) => out.trim() || null,
    () => null
  )
}

/** The base branch's tip as fresh as can be had: fetched from origin by name, else the event's SHA. */
async function baseTip(workspace: string, ref: string | null, sha: string | null, log: (message: string) => void): Promise<string | null> {
  if (ref) {
    const shallow = (await git(workspace, ['rev-parse', '--is-shallow-repository'])).trim() === 'true'
    try {
      await git(workspace, [
        'fetch',
        '--no-tags',
        ...(shallow ? ['--depth=1'] : []),
        'origin',
        `+refs/heads/${ref}:refs/remotes/origin/${ref}`
      ])
      const tip = await revParse(workspace, `refs/remotes/origin/${ref}`)
      if (tip) return tip
    } catch (error) {
      const stderr = gitFailure(error)
      log(`Could not fetch ${ref} from origin (${stderr || 'git fetch failed'}); comparing with the event's base commit instead`)
    }
  }
  return sha && SHA.test(sha) ? sha : null
}

/**
 * On a pull request or merge-queue event: fails with a VersionConflictError when the branch adds a version
 * whose number its base branch has gained too. Other events, and a workspace that is no git checkout, check nothing.
 */
export async function checkEventConflicts(
  where: { workspace: string; migrationsDir: string },
  eventName: string,
  payload: EventPayload,
  say: ConflictLog
): Promise<void> {
  const commits = eventCommits(eventName, payload)
  if (!commits) return
  if (!(await insideWorkTree(where.workspace)))
    return say.warning('The workspace is not a git checkout: version numbers were not compared with the base branch')
  const base = await baseTip(where.workspace, commits.fetchBase ? commits.baseRef : null, commits.baseSha, (m) => say.info(m))
  if (!base) return say.warning('The event names no base commit: version numbers were not compared with the base branch')
  await compare(
    {
      ...where,
      head: commits.head,
      base,
      baseName: commits.baseRef ?? base.slice(0, 12),
      onto: commits.baseRef ? `origin/${commits.baseRef}` : base,
      fetchFirst: commits.baseRef ? `git fetch origin ${commits.baseRef}` : null,
      log: (m) => say.info(m)
    },
    say
  )
}

/** origin/HEAD (`origin/main`) and its commit, when the workspace is a git checkout that has it. */
async function defaultBranch(workspace: string): Promise<{ ref: string; commit: string } | null> {
  if (!(await insideWorkTree(workspace))) return null
  const ref = await git(workspace, ['symbolic-ref', '-q', '--short', 'refs/remotes/origin/HEAD']).then(
    (out) => out.trim() || null,
    () => null
  )
  const commit = ref ? await revParse(workspace, ref) : null
  return ref && commit ? { ref, commit } : null
}

/** The highest version on the default branch's tip as last fetched (origin/HEAD); null without one. */
export async function defaultBranchLast(where: {
  workspace: string
  migrationsDir: string
}): Promise<{ ref: string; last: number; folder: string | null } | null> {
  const branch = await defaultBranch(where.workspace)
  if (!branch) return null
  const { top, dir } = await gitFolder(where.workspace, where.migrationsDir)
  const folders = await versionFolders(top, branch.commit, dir)
  const last = folders.reduce<VersionFolder | null>((high, f) => (!high || f.number > high.number ? f : high), null)
  return { ref: branch.ref, last: last?.number ?? 0, folder: last?.folder ?? null }
}

/** The version folders on disk, by name (none when the folder is not there yet). */
function workingTreeFolders(where: { workspace: string; migrationsDir: string }): VersionFolder[] {
  const root = path.resolve(where.workspace, where.migrationsDir)
  if (!fs.existsSync(root)) return []
  return foldersOnDisk(root, normalizeMigrationsDir(where.migrationsDir, where.workspace)).map((f) => ({ ...f, tree: null }))
}

/**
 * On a developer's checkout: the working tree's folders (HEAD for the branch point) against the default branch
 * as last fetched (origin/HEAD). Outside a git repository nothing is compared; without origin/HEAD it says so.
 */
export async function checkLocalConflicts(where: { workspace: string; migrationsDir: string }, say: ConflictLog): Promise<void> {
  if (!(await insideWorkTree(where.workspace))) return
  const head = await revParse(where.workspace, 'HEAD')
  const branch = await defaultBranch(where.workspace)
  if (!head || !branch) {
    // A repository without a remote has no other branch to clash with: nothing worth a line.
    const hasOrigin = await git(where.workspace, ['remote', 'get-url', 'origin']).then(
      () => true,
      () => false
    )
    if (hasOrigin)
      say.info('No origin/HEAD: version numbers were not compared with the default branch (git remote set-head origin --auto sets it)')
    return
  }
  await compare(
    {
      ...where,
      head,
      base: branch.commit,
      baseName: branch.ref,
      onto: branch.ref,
      fetchFirst: `git fetch origin ${branch.ref.replace(/^origin\//, '')}`,
      log: (m) => say.info(m),
      headFolders: () => workingTreeFolders(where)
    },
    say
  )
}

/** The command line: a pull request or merge queue's event when it runs in one on GitHub Actions, else the developer's checkout. */
export async function checkCliConflicts(
  where: { workspace: string; migrationsDir: string },
  env: NodeJS.ProcessEnv,
  say: ConflictLog
): Promise<void> {
  // Context writes to stdout about a missing event file: never on the command line, whose stdout may be --json's.
  const file = env.GITHUB_EVENT_PATH
  const context = env.GITHUB_EVENT_NAME && file && fs.existsSync(file) ? safely(() => new Context(env)) : null
  if (context && eventCommits(context.eventName, context.payload))
    return checkEventConflicts(where, context.eventName, context.payload, say)
  return checkLocalConflicts(where, say)
}

function safely<T>(make: () => T): T | null {
  try {
    return make()
  } catch {
    return null
  }
}
