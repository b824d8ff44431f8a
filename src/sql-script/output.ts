/**
 * The SQL script's file: the `sql-output` input checked, and the file written without following a link out of the
 * workspace.
 */
import fs from 'node:fs'
import path from 'node:path'
import { InputError } from '../errors.js'
import { relativeInside } from '../migrations/files.js'
import { printable } from '../printable.js'

/** `sql-output` as given: a file path inside the workspace, for `plan` on one database; null when not given. */
export function sqlOutputInput(raw: string, command: string, workspace: string, fleet: boolean): string | null {
  const value = raw.trim()
  if (!value) return null
  if (command !== 'plan') throw new InputError('sql-output', `goes with command: plan (the command is ${command})`)
  if (fleet) throw new InputError('sql-output', 'is for one database, not a fleet (targets): plan each target on its own to get its script')
  if (/[\0\r\n]/.test(value)) throw new InputError('sql-output', 'must be one line naming a file')
  const relative = relativeInside(workspace, value)
  if (relative === null || relative === '.') {
    throw new InputError(
      'sql-output',
      `'${printable(value)}' is not a file inside the workspace: give a path such as plan.sql or out/plan.sql`
    )
  }
  return relative
}

/**
 * Writes the script to `relative` (inside `workspace`): the folder must exist and resolve inside the workspace
 * (no link leads out of it), and an existing file there must be a regular file, which is replaced; a link is
 * never followed.
 */
export function writeSqlOutput(workspace: string, relative: string, text: string): string {
  const file = path.resolve(workspace, relative)
  const folder = path.dirname(file)
  let realFolder: string
  try {
    realFolder = fs.realpathSync(folder)
  } catch {
    throw new InputError('sql-output', `the folder of ${relative} does not exist: create it first`)
  }
  if (relativeInside(fs.realpathSync(workspace), realFolder) === null) {
    throw new InputError('sql-output', `the folder of ${relative} leads out of the workspace (a symbolic link): give a folder inside it`)
  }
  const existing = fs.lstatSync(file, { throwIfNoEntry: false })
  if (existing && !existing.isFile()) {
    throw new InputError('sql-output', `${relative} exists and is not a regular file (a link, a folder …): it is not replaced`)
  }
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | (fs.constants.O_NOFOLLOW ?? 0)
  const fd = fs.openSync(file, flags, 0o644)
  try {
    fs.writeFileSync(fd, text)
  } finally {
    fs.closeSync(fd)
  }
  return file
}
