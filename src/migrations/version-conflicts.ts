/**
 * Two branches, one version number: a branch that adds v9 while its base branch has gained another v9
 * since the branch point. Whichever merges second would break the base branch, or run as "v9" on a
 * database that already has the other one. Read from git's objects only (a fork's pull request is
 * untrusted: nothing of it is checked out or followed), from three commits: the branch's head, the base
 * branch's tip, and their merge base.
 */
import { MigrationFileError } from '../errors.js'
import { printable } from '../printable.js'
import { BaseCommitUnavailableError, ensureCommit, git, gitFolder } from './base.js'
import { VERSION_DIR, checkName, normalizeMigrationsDir } from './files.js'

/** A version's folder in one commit: its number, its name, and git's id of its contents. */
export interface VersionFolder {
  number: number
  folder: string
  /** null for a folder of the working tree (compared by name only). */
  tree: string | null
}

export interface VersionConflict {
  number: number
  /** The branch's folder (relative to the workspace). */
  ours: string
  /** The base branch's folder with the same number (relative to the workspace). */
  theirs: string
  /** The commit of the base branch that added the other folder, when its history is in the checkout. */
  commit: { sha: string; subject: string } | null
  /** The pull request that commit came from, when its message or the event says so. */
  pullRequest: number | null
}

/** The branch adds a version whose number the base branch has gained too. */
export class VersionConflictError extends MigrationFileError {
  constructor(
    message: string,
    readonly conflicts: VersionConflict[],
    readonly fix: string,
    /** The base branch as the message names it (`main`). */
    readonly baseName: string
  ) {
    super(message, { file: conflicts[0].ours })
    this.name = 'VersionConflictError'
  }
}

/** The commits to compare, or their history, cannot be had in the checkout: nothing could be compared. */
export class HistoryUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'HistoryUnavailableError'
  }
}

/** What to compare: the branch's head and the base branch's tip (each a commit SHA or a ref), and how to name them. */
export interface ConflictCheck {
  workspace: string
  migrationsDir: string
  head: string
  base: string
  /** The base branch as a person says it (`main`). */
  baseName: string
  /** What `renumber --onto` is given to fix it (`origin/main`). */
  onto: string
  /** What brings `onto` up to date on a developer's machine first (`git fetch origin main`), if anything. */
  fetchFirst: string | null
  log: (message: string) => void
  /** The branch's folders as they are on disk (a developer's uncommitted renames count), instead of the head commit's. */
  headFolders?: () => VersionFolder[]
}

/** The version folders directly under `dir` in `commit`: git's trees only (a link or a file named v9 is no version). */
export async function versionFolders(top: string, commit: string, dir: string): Promise<VersionFolder[]> {
  const listed = await git(top, ['ls-tree', '-z', '--full-tree', commit, '--', dir === '.' ? '.' : `${dir}/`])
  const folders: VersionFolder[] = []
  for (const line of listed.split('\0').filter(Boolean)) {
    const tab = line.indexOf('\t')
    const [mode, type, object] = line.slice(0, tab).split(/ +/)
    const name = line
      .slice(tab + 1)
      .split('/')
      .pop()!
    const match = VERSION_DIR.exec(name)
    if (type !== 'tree' || mode !== '040000' || !match) continue
    checkName(name, `${commit.slice(0, 12)}:${line.slice(tab + 1)}`)
    folders.push({ number: Number(match[1]), folder: name, tree: object })
  }
  return folders
}

/** `Merge pull request #123 from …` (a merge commit) or `Subject (#123)` (a squash merge): the pull request a commit came from. */
export function pullRequestOf(subject: string): number | null {
  const found = /^Merge pull request #(\d+)\b/.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject)
  return found ? Number(found[1]) : null
}

/** The newest commit reachable from `range` (first-parent line first) that added files under `folderPath`. */
async function addedBy(top: string, range: string, folderPath: string): Promise<{ sha: string; subject: string } | null> {
  for (const firstParent of [true, false]) {
    const out = await git(top, [
      'log',
      ...(firstParent ? ['--first-parent'] : []),
      '--diff-filter=A',
      '-n',
      '1',
      '--format=%H%x1f%s',
      range,
      '--',
      `${folderPath}/`
    ]).catch(() => '')
    const [sha, subject] = out.trim().split('\x1f')
    if (sha) return { sha, subject: subject ?? '' }
  }
  return null
}

const isShallow = async (top: string): Promise<boolean> => (await git(top, ['rev-parse', '--is-shallow-repository'])).trim() === 'true'

/**
 * The merge base of the head and the base tip. A shallow checkout (actions/checkout's default) is deepened
 * until they meet: first a little, then all of it.
 */
async function mergeBase(top: string, head: string, base: string, log: (message: string) => void): Promise<string> {
  const attempt = (): Promise<string | null> =>
    git(top, ['merge-base', head, base]).then(
      (out) => out.trim() || null,
      () => null
    )
  let found = await attempt()
  for (const deepen of ['--deepen=100', '--deepen=1000', '--unshallow']) {
    if (found || !(await isShallow(top))) break
    log(`The checkout is shallow: fetching more history (${deepen}) to find where the branch left the base branch`)
    await git(top, ['fetch', '--no-tags', deepen, 'origin', head, base]).catch(() => '')
    found = await attempt()
  }
  if (!found)
    throw new HistoryUnavailableError(
      `the branch (${head.slice(0, 12)}) and the base branch (${base.slice(0, 12)}) have no common history in the checkout; ` +
        'check out with history (actions/checkout with `fetch-depth: 0`)'
    )
  return found
}

/**
 * The versions the branch adds whose number the base branch has also gained since the branch point (or,
 * when the head already contains the base, as in a merge queue's commit, holds beside the base's own).
 * A version the branch renamed, or the same folder with the same contents on both sides, is no conflict.
 */
export async function findVersionConflicts(check: ConflictCheck): Promise<VersionConflict[]> {
  const { top, dir } = await gitFolder(check.workspace, check.migrationsDir)
  const shownDir = normalizeMigrationsDir(check.migrationsDir, check.workspace)
  const shown = (folder: string): string => (shownDir === '.' ? folder : `${shownDir}/${folder}`)
  const inRepository = (folder: string): string => (dir === '.' ? folder : `${dir}/${folder}`)
  const branchPoint = await mergeBase(top, check.head, check.base, check.log)
  const [committed, base, point] = await Promise.all(
    [check.head, check.base, branchPoint].map((commit) => versionFolders(top, commit, dir))
  )
  const head = check.headFolders ? check.headFolders() : committed
  const atPoint = new Set(point.map((v) => v.folder))
  const inHead = new Set(head.map((v) => v.folder))
  // A version of the branch point whose folder the branch no longer has: renamed (drift, plan's business).
  const renamed = new Set(point.filter((v) => !inHead.has(v.folder)).map((v) => v.number))
  const conflicts: VersionConflict[] = []
  for (const ours of head) {
    if (atPoint.has(ours.folder) || renamed.has(ours.number)) continue
    for (const theirs of base) {
      if (theirs.number !== ours.number || (theirs.folder === ours.folder && (ours.tree === null || theirs.tree === ours.tree))) continue
      if (atPoint.has(theirs.folder) && !inHead.has(theirs.folder)) continue
      const range = atPoint.has(theirs.folder) ? check.base : `${branchPoint}..${check.base}`
      const commit = await addedBy(top, range, inRepository(theirs.folder))
      conflicts.push({
        number: ours.number,
        ours: printable(shown(ours.folder)),
        theirs: printable(shown(theirs.folder)),
        commit: commit ? { sha: commit.sha, subject: printable(commit.subject).slice(0, 200) } : null,
        pullRequest: commit ? pullRequestOf(commit.subject) : null
      })
    }
  }
  return conflicts.sort((a, b) => a.number - b.number)
}

/** The one command that fixes it, with the migrations folder when it is not the default. */
export function renumberCommand(onto: string, migrationsDir: string, workspace: string): string {
  const dir = normalizeMigrationsDir(migrationsDir, workspace)
  const folder =
    dir === 'migrations/resources' ? '' : ` --migrations-dir ${/^[\w./-]+$/.test(dir) ? dir : `'${dir.replace(/'/g, `'\\''`)}'`}`
  return `npx aurora-migrate renumber --onto ${onto}${folder}`
}

export function conflictMessage(conflicts: VersionConflict[], check: Pick<ConflictCheck, 'baseName'>, fix: string): string {
  const each = conflicts.map((c) => {
    const from = c.commit
      ? ` (added by commit ${c.commit.sha.slice(0, 12)}${c.pullRequest ? `, pull request #${c.pullRequest}` : ''}: "${c.commit.subject}")`
      : ''
    return `v${c.number}: this branch adds ${c.ours}, and ${check.baseName} has ${c.theirs}${from}.`
  })
  return [
    `Two versions with one number: ${each.join(' ')}`,
    `Whichever merges second would break ${check.baseName} or run as v${conflicts[0].number} on databases that already applied the other.`,
    `Fix: run \`${fix}\` (it renames this branch's new version folders after ${check.baseName}'s last version; the files are unchanged), then commit and push.`
  ].join(' ')
}

/** Fails when the branch and its base branch both added a version with one number; says what it compared. */
export async function checkVersionConflicts(check: ConflictCheck): Promise<void> {
  for (const [commit, what] of [
    [check.head, "the branch's head"],
    [check.base, `${check.baseName}'s tip`]
  ] as const) {
    try {
      await ensureCommit(check.workspace, commit, check.log)
    } catch (error) {
      if (!(error instanceof BaseCommitUnavailableError)) throw error
      const detail = /\(([^)]*)\)/.exec(error.message)?.[1] ?? 'not in the checkout'
      throw new HistoryUnavailableError(
        `${what}, commit ${commit.slice(0, 12)}, is not in the checkout and could not be fetched (${detail}); check out with history (actions/checkout with \`fetch-depth: 0\`)`
      )
    }
  }
  const conflicts = await findVersionConflicts(check)
  if (!conflicts.length) {
    check.log(`No version numbers taken twice: the branch's new versions do not clash with ${check.baseName} (${check.base.slice(0, 12)})`)
    return
  }
  const renumber = renumberCommand(check.onto, check.migrationsDir, check.workspace)
  const fix = check.fetchFirst ? `${check.fetchFirst} && ${renumber}` : renumber
  throw new VersionConflictError(conflictMessage(conflicts, check, fix), conflicts, fix, check.baseName)
}
