/**
 * `renumber <from> <to>` and `renumber --onto <ref>`: gives a branch's new versions other numbers by renaming
 * their folders, and nothing else. Refused, with nothing renamed, when a target has applied a version being
 * moved (its history would then name a version the files no longer have) or already holds the new number.
 * Without a database it says that none was checked.
 */
import path from 'node:path'
import type { AppliedRow } from '../meta-row.js'
import { readVersion } from '../migrations/discover.js'
import { normalizeMigrationsDir } from '../migrations/files.js'
import {
  RenumberRefusedError,
  applyMoves,
  folderNamed,
  foldersOnDisk,
  movesOnto,
  parseTarget,
  planMoves,
  type Move
} from '../migrations/renumber.js'
import type { SqlSyntax } from '../migrations/syntax.js'
import type { Reporter } from './reporter.js'

export { RenumberRefusedError }

export type RenumberRequest = { from: string; to: string } | { onto: string }

/** One target's applied versions, by the name the report gives it. */
export interface TargetRows {
  name: string
  rows: AppliedRow[]
}

export interface RenumberInput {
  workspace: string
  migrationsDir: string
  syntax: SqlSyntax
  request: RenumberRequest
  /** Reads every target's history; null when no database was given. */
  histories: (() => Promise<TargetRows[]>) | null
  reporter: Pick<Reporter, 'info' | 'warning'>
}

export interface RenumberOutcome {
  moves: Array<Move & { fromDir: string; toDir: string }>
  /** The targets whose histories were checked; null when none was given. */
  checked: string[] | null
}

/** Why a target refuses the moves: one line each. */
function refusals(moves: readonly Move[], checksums: ReadonlyMap<string, string>, targets: readonly TargetRows[]): string[] {
  const found: string[] = []
  for (const { name, rows } of targets) {
    for (const move of moves) {
      const applied = rows.find((row) => row.version === move.fromNumber && row.checksum === checksums.get(move.from))
      if (applied)
        found.push(
          `${name} has applied ${move.from} as v${move.fromNumber}${applied.appliedAt ? ` (${applied.appliedAt})` : ''}: renumbered, its history would name a version the files no longer have; leave its number and add a new version instead`
        )
      const taken = rows.find((row) => row.version === move.toNumber)
      if (taken)
        found.push(
          `${name} already has v${move.toNumber} applied${taken.description ? ` (${taken.description})` : ''}: ${move.from} cannot become ${move.to}`
        )
    }
  }
  return found
}

export async function runRenumber(input: RenumberInput): Promise<RenumberOutcome> {
  const shownDir = normalizeMigrationsDir(input.migrationsDir, input.workspace)
  const root = path.resolve(input.workspace, input.migrationsDir)
  const folders = foldersOnDisk(root, shownDir)
  let moves: Move[]
  if ('onto' in input.request) {
    const onto = await movesOnto(input.workspace, input.migrationsDir, input.request.onto, folders, shownDir)
    if (!onto.added.length) input.reporter.info(`This branch adds no versions since it left ${input.request.onto}: nothing to renumber`)
    else if (!onto.moves.length)
      input.reporter.info(
        `This branch's new versions (${onto.added.map((f) => f.folder).join(', ')}) already follow ${input.request.onto}'s last version (v${onto.last}): nothing to renumber`
      )
    moves = onto.moves
  } else {
    const folder = folderNamed(folders, input.request.from, shownDir)
    const toNumber = parseTarget(input.request.to)
    if (folder.number === toNumber) throw new RenumberRefusedError(`${folder.folder} is v${toNumber} already`)
    moves = planMoves(folders, [{ folder, toNumber }], shownDir, {
      consecutive: true,
      hint: "when the base branch has that version, use renumber --onto origin/<base> (it counts the base branch's versions), or merge the base branch first"
    })
  }
  if (!moves.length) return { moves: [], checked: input.histories ? [] : null }

  let checked: string[] | null = null
  if (input.histories) {
    // Each moved version as it is now (every check discover makes of its files), for its checksum.
    const checksums = new Map(
      moves.map((move) => {
        const version = readVersion(input.syntax, path.join(root, move.from), `${shownDir}/${move.from}`, move.fromNumber, '', [])
        return [move.from, version.checksum] as const
      })
    )
    const targets = await input.histories()
    checked = targets.map((t) => t.name)
    const refused = refusals(moves, checksums, targets)
    if (refused.length) throw new RenumberRefusedError(`Nothing was renamed: ${refused.join('; ')}`)
    input.reporter.info(
      `Checked ${targets.length === 1 ? targets[0].name : `${targets.length} targets`}: none has applied the versions moved`
    )
  } else
    input.reporter.warning(
      `No database was checked: renumber cannot tell whether a target has applied ${moves.map((m) => m.from).join(', ')}. ` +
        'Give --database-url (or DATABASE_URL), the Data API flags, or --targets to check before renaming'
    )
  applyMoves(root, moves)
  return { moves: moves.map((move) => ({ ...move, fromDir: `${shownDir}/${move.from}`, toDir: `${shownDir}/${move.to}` })), checked }
}
