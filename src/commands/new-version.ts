/**
 * `new <description>`: the next version's folder with its first file, `v<next>_<description>/01_<description>.sql`,
 * and a header comment. Refused when the migrations directory has errors (a new version on top of them
 * would only hide them) or when the description is not a safe name.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { InputError } from '../errors.js'
import { discoverMigrations } from '../migrations/discover.js'
import { dialectOf } from './dialect.js'
import { defaultBranchLast } from './version-conflicts.js'

/** Lower-case words of letters and digits joined by `_` or `-`: safe as a folder and a file name on every system. */
const DESCRIPTION = /^[a-z0-9]+(?:[_-][a-z0-9]+)*$/
const MAX_DESCRIPTION = 60

export interface NewVersion {
  version: number
  /** The version's folder and its file, relative to the workspace, with `/`. */
  dir: string
  file: string
  /** Which number the new version follows, and from where (the working tree or origin/HEAD). */
  basis: string
  warnings: string[]
}

export async function newVersion(migrationsDir: string, workspace: string, description: string, now = new Date()): Promise<NewVersion> {
  if (!DESCRIPTION.test(description) || description.length > MAX_DESCRIPTION) {
    throw new InputError(
      'description',
      `'${description.slice(0, 80)}' is not a safe name for a version: use lower-case letters, digits, and _ or - between words, at most ${MAX_DESCRIPTION} characters (for example add_orders_status)`
    )
  }
  const root = path.resolve(workspace, migrationsDir)
  const exists = await fs.stat(root).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false
      throw error
    }
  )
  if (!exists) await fs.mkdir(root, { recursive: true })
  // Every check discovery makes: a directory with errors gets no new version.
  const { versions, warnings } = await discoverMigrations(dialectOf({ target: null }).syntax, migrationsDir, workspace)
  const last = versions[versions.length - 1]
  // The default branch may have gained versions this branch has not: the new one goes after those too.
  const remote = await defaultBranchLast({ workspace, migrationsDir }).catch(() => null)
  const next = Math.max(last?.number ?? 0, remote?.last ?? 0) + 1
  const basis = numberedAfter(last?.number ?? 0, remote)
  // Zero-padded folders (v001_…) keep their width, so that the new one sorts with them.
  const widthSource = last ? path.basename(last.dir) : remote?.folder
  const width = widthSource ? (/^v(0\d+)/.exec(widthSource)?.[1].length ?? 0) : 0
  const folder = `v${String(next).padStart(width, '0')}_${description}`
  const dir = path.join(root, folder)
  const file = path.join(dir, `01_${description}.sql`)
  await fs.mkdir(dir)
  const header = [
    `-- v${next}: ${description.replace(/[_-]/g, ' ')}`,
    `-- Created ${now.toISOString().slice(0, 10)}. The files of this folder run in name order, in one transaction;`,
    '-- a file that must run outside one starts with: -- migrate:no-transaction',
    '',
    ''
  ].join('\n')
  await fs.writeFile(file, header, { flag: 'wx' })
  const rel = (p: string): string => path.relative(workspace, p).split(path.sep).join('/')
  return { version: next, dir: rel(dir), file: rel(file), basis, warnings }
}

/** Why the new version has its number: which of the working tree and the default branch it follows. */
function numberedAfter(local: number, remote: { ref: string; last: number } | null): string {
  const tree = local ? `the working tree's last version v${local}` : 'the working tree, which has no versions'
  if (!remote) return `after ${tree} (no origin/HEAD to compare with)`
  if (remote.last > local)
    return `after ${remote.ref}'s last version v${remote.last} (${tree}): merge or rebase onto ${remote.ref} before planning, so the versions are consecutive`
  return `after ${tree} (${remote.ref} has ${remote.last ? `up to v${remote.last}` : 'none'})`
}
