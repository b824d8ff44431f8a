/**
 * Renumbering a branch's versions: which folders move where (checked in full before anything moves), and
 * the moves themselves, folder renames only, so every file's bytes, and so its checksum, stay as they are.
 */
import fs from 'node:fs'
import path from 'node:path'
import { printable } from '../printable.js'
import { git, gitFolder } from './base.js'
import { MAX_VERSION } from './discover.js'
import { VERSION_DIR, checkName, entryKind, symlinkError } from './files.js'
import { versionFolders } from './version-conflicts.js'

/** renumber cannot do what it was asked: nothing was renamed. */
export class RenumberRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RenumberRefusedError'
  }
}

/** A version folder in the working tree (several may share a number after a merge: that is what renumber fixes). */
export interface FolderOnDisk {
  number: number
  folder: string
}

export interface Move {
  from: string
  fromNumber: number
  to: string
  toNumber: number
}

/** The version folders of the migrations directory, duplicates and all; hidden entries are not versions. */
export function foldersOnDisk(root: string, shownDir: string): FolderOnDisk[] {
  const folders: FolderOnDisk[] = []
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const shown = `${shownDir}/${entry.name}`
    checkName(entry.name, shown)
    const match = VERSION_DIR.exec(entry.name)
    if (entry.name.startsWith('.') || !match) continue
    const kind = entryKind(entry)
    if (kind === 'symlink') throw symlinkError(printable(shown))
    if (kind !== 'directory') continue
    folders.push({ number: Number(match[1]), folder: entry.name })
  }
  return folders.sort((a, b) => a.number - b.number || (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0))
}

/** `v009_x` is three digits wide; `v9_x` none (no padding). */
function widthOf(folder: string): number {
  return /^v(0\d+)/.exec(folder)?.[1].length ?? 0
}

/** The folder's name with another number, as wide as its own (or, unpadded, as the padded folders beside it). */
export function renamed(folder: string, toNumber: number, others: readonly FolderOnDisk[]): string {
  const width = widthOf(folder) || Math.max(0, ...others.map((other) => widthOf(other.folder)))
  return `v${String(toNumber).padStart(width, '0')}${folder.replace(/^v\d+/, '')}`
}

/** `9`, `v9`, `v009` or a folder's name: the one folder it names. */
export function folderNamed(folders: readonly FolderOnDisk[], word: string, shownDir: string): FolderOnDisk {
  const number = /^v?(\d+)$/.exec(word)?.[1]
  const matches = number === undefined ? folders.filter((f) => f.folder === word) : folders.filter((f) => f.number === Number(number))
  if (matches.length === 1) return matches[0]
  if (!matches.length) throw new RenumberRefusedError(`'${printable(word)}' is not a version folder of ${shownDir}`)
  throw new RenumberRefusedError(
    `${shownDir} has ${matches.length} folders for v${matches[0].number} (${matches.map((m) => m.folder).join(', ')}): name the one to move by its folder, e.g. aurora-migrate renumber ${matches[matches.length - 1].folder} <to>`
  )
}

export function parseTarget(word: string): number {
  const number = /^v?(\d+)$/.exec(word)?.[1]
  if (number === undefined || Number(number) < 1 || Number(number) > MAX_VERSION)
    throw new RenumberRefusedError(`'${printable(word)}' is not a version number: give an integer from 1 to ${MAX_VERSION}`)
  return Number(number)
}

/**
 * The moves, checked as a whole: no new number taken by a folder that stays, no two folders moved to one
 * number, and, when `consecutive`, the folders afterwards numbered 1…N (or from their lowest) without gap
 * or twin, as discover requires.
 */
export function planMoves(
  folders: readonly FolderOnDisk[],
  requests: ReadonlyArray<{ folder: FolderOnDisk; toNumber: number }>,
  shownDir: string,
  options: { consecutive: boolean; hint: string }
): Move[] {
  const moving = new Set(requests.map((r) => r.folder.folder))
  const moves = requests
    .filter((r) => r.folder.number !== r.toNumber)
    .map((r) => ({
      from: r.folder.folder,
      fromNumber: r.folder.number,
      to: renamed(r.folder.folder, r.toNumber, folders),
      toNumber: r.toNumber
    }))
  for (const move of moves) {
    const taken = folders.find((f) => f.number === move.toNumber && !moving.has(f.folder))
    if (taken)
      throw new RenumberRefusedError(
        `v${move.toNumber} is taken: ${shownDir}/${taken.folder} stays where it is, so ${move.from} cannot become ${move.to}`
      )
    const twin = moves.find((other) => other !== move && other.toNumber === move.toNumber)
    if (twin) throw new RenumberRefusedError(`${move.from} and ${twin.from} would both become v${move.toNumber}`)
  }
  if (options.consecutive) {
    const after = folders.map((f) => moves.find((m) => m.from === f.folder)?.toNumber ?? f.number).sort((a, b) => a - b)
    for (let i = 1; i < after.length; i++) {
      if (after[i] === after[i - 1])
        throw new RenumberRefusedError(`${shownDir} would still have two folders for v${after[i]}: move one of them (${options.hint})`)
      if (after[i] !== after[i - 1] + 1)
        throw new RenumberRefusedError(
          `v${after[i - 1] + 1} would be missing between v${after[i - 1]} and v${after[i]} in ${shownDir} (versions must be consecutive): ${options.hint}`
        )
    }
  }
  return moves
}

/** Renames the folders: each to a hidden name first, then to its new one, so that moves may swap numbers; undone on failure. */
export function applyMoves(root: string, moves: readonly Move[]): void {
  const done: Array<[string, string]> = []
  const rename = (from: string, to: string): void => {
    if (fs.existsSync(path.join(root, to))) throw new RenumberRefusedError(`${to} appeared in the meantime; nothing was left renamed`)
    fs.renameSync(path.join(root, from), path.join(root, to))
    done.push([from, to])
  }
  try {
    const parked = moves.map((move, i) => [`.renumber-${process.pid}-${i}`, move] as const)
    for (const [hidden, move] of parked) rename(move.from, hidden)
    for (const [hidden, move] of parked) rename(hidden, move.to)
  } catch (error) {
    for (const [from, to] of done.reverse()) fs.renameSync(path.join(root, to), path.join(root, from))
    throw error
  }
}

/**
 * `--onto <ref>`: the versions the branch adds since it left `ref` (in the working tree, not in the branch
 * point's tree, not in `ref`'s, and not a renamed version of the branch point), moved after `ref`'s last
 * version in their order.
 */
export async function movesOnto(
  workspace: string,
  migrationsDir: string,
  ref: string,
  folders: readonly FolderOnDisk[],
  shownDir: string
): Promise<{ moves: Move[]; added: FolderOnDisk[]; last: number }> {
  if (ref.startsWith('-')) throw new RenumberRefusedError(`--onto: '${printable(ref)}' is not a git ref`)
  const commit = (
    await git(workspace, ['rev-parse', '--verify', '-q', `${ref}^{commit}`]).catch(() => {
      throw new RenumberRefusedError(`--onto: '${printable(ref)}' is not a commit here (fetch it first, e.g. git fetch origin main)`)
    })
  ).trim()
  const { top, dir } = await gitFolder(workspace, migrationsDir)
  const point = (
    await git(top, ['merge-base', 'HEAD', commit]).catch(() => {
      throw new RenumberRefusedError(`--onto: HEAD and ${printable(ref)} have no common history here`)
    })
  ).trim()
  const [atPoint, onRef] = await Promise.all([versionFolders(top, point, dir), versionFolders(top, commit, dir)])
  const pointNames = new Set(atPoint.map((f) => f.folder))
  const refNames = new Set(onRef.map((f) => f.folder))
  const onDisk = new Set(folders.map((f) => f.folder))
  const renamedAtPoint = new Set(atPoint.filter((f) => !onDisk.has(f.folder)).map((f) => f.number))
  const added = folders.filter((f) => !pointNames.has(f.folder) && !refNames.has(f.folder) && !renamedAtPoint.has(f.number))
  const last = Math.max(0, ...onRef.map((f) => f.number))
  const requests = added.map((folder, i) => ({ folder, toNumber: last + 1 + i }))
  const moves = planMoves(folders, requests, shownDir, { consecutive: false, hint: '' })
  return { moves, added, last }
}
