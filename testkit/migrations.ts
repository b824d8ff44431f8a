/**
 * The migrations core as the front ends call it for a PostgreSQL target: discovery, one file from its
 * text, and the base commit's rows, with PostgreSQL's syntax handed in.
 */
import { dialectFor } from '../src/dialects/index.js'
import * as base from '../src/migrations/base.js'
import * as discover from '../src/migrations/discover.js'

export { BaseCommitUnavailableError } from '../src/migrations/base.js'

export const { syntax } = dialectFor('postgresql')

export function discoverMigrations(dir: string, workspace?: string): ReturnType<typeof discover.discoverMigrations> {
  return discover.discoverMigrations(syntax, dir, workspace)
}

export function readMigrationFile(name: string, filePath: string, text: string): ReturnType<typeof discover.readMigrationFile> {
  return discover.readMigrationFile(syntax, name, filePath, text)
}

export function baseRows(
  ...args: Parameters<typeof base.baseRows> extends [unknown, ...infer Rest] ? Rest : never
): ReturnType<typeof base.baseRows> {
  return base.baseRows(syntax, ...args)
}
