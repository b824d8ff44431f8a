/**
 * What the algorithm table says of one clause (a Judgement) and what it judges it by (ClauseContext), with the
 * helpers the clause files share (algorithm-column-clauses.ts for columns, algorithm-clauses.ts for the rest).
 */
import type { Algorithm, TableState } from './algorithm-types.js'
import { onEngine, type Flavor } from './algorithm-engines.js'
import type { AlterClause } from './node.js'

export interface Judgement {
  algorithm: Algorithm
  rebuilds: boolean
  concurrentDml: boolean
  why: string
  /** Whether the clause rebuilds the table when the statement runs in place (its instant form is not taken). */
  inplaceRebuilds: boolean
  /** An instant ADD/DROP COLUMN: MySQL counts a row version for the statement. */
  rowVersion: boolean
}

export interface ClauseContext {
  state: TableState | null
  server: { flavor: Flavor; version: string }
  session: { foreignKeyChecks: boolean }
  /** All clauses of the statement (DROP PRIMARY KEY is judged with the ADD PRIMARY KEY beside it). */
  clauses: AlterClause[]
  /** ALTER IGNORE TABLE. */
  ignore: boolean
}

export type Column = TableState['columns'][number]

export const instant = (why: string, inplaceRebuilds: boolean, rowVersion = false): Judgement => ({
  algorithm: 'instant',
  rebuilds: false,
  concurrentDml: true,
  why,
  inplaceRebuilds,
  rowVersion
})
export const inplace = (why: string, rebuilds: boolean, concurrentDml = true): Judgement => ({
  algorithm: 'inplace',
  rebuilds,
  concurrentDml,
  why,
  inplaceRebuilds: rebuilds,
  rowVersion: false
})
export const copy = (why: string): Judgement => ({
  algorithm: 'copy',
  rebuilds: true,
  concurrentDml: false,
  why,
  inplaceRebuilds: true,
  rowVersion: false
})

export const ALGORITHM_RANK: Record<Algorithm, number> = { instant: 0, inplace: 1, copy: 2 }

export const findColumn = (state: TableState, name: string): Column | undefined =>
  state.columns.find((column) => column.name.toLowerCase() === name.toLowerCase())
export const compressed = (state: TableState | null) => state?.rowFormat?.toLowerCase() === 'compressed'
export const redundant = (state: TableState | null) => state?.rowFormat?.toLowerCase() === 'redundant'
export const indexesWith = (state: TableState | null, column: string) =>
  (state?.indexes ?? []).filter((index) => index.columns.some((name) => name.toLowerCase() === column.toLowerCase()))
export const isPrimary = (name: string) => name.toUpperCase() === 'PRIMARY'
export const product = (flavor: Flavor) => (flavor === 'mysql' ? 'MySQL' : 'MariaDB')

/** A table option that changes only metadata: instant on MariaDB, in place without a rebuild on MySQL. */
export function metadataOption(why: string, flavor: Flavor): Judgement {
  return onEngine('metadataTableOptions', flavor) === 'instant' ? instant(why, false) : inplace(why, false)
}
