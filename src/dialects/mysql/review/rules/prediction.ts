/**
 * The online DDL prediction of a statement for the rules: the table's state as the target's catalog gave it, the
 * server it was read on (Aurora MySQL 3's oldest, 8.0.36, when there is no target), and each clause's hazard — the
 * rule that speaks for it. Computed once per statement and shared by the rules.
 */
import type { ReviewContext, ReviewStatement } from '../../../../review/types.js'
import { predictAlgorithm, type ClausePrediction, type Prediction, type Server, type TableState } from '../algorithm.js'
import { variableLength } from '../algorithm-columns.js'
import type { MysqlTableFacts } from '../catalog.js'
import { existedBefore, factsOf, nodeOf, tableKey } from './support.js'

/** What the review assumes without a target: Aurora MySQL 3's oldest supported server. */
export const ASSUMED_SERVER: Server = { flavor: 'mysql', version: '8.0.36' }

export type Hazard =
  | 'mysql-alter-copy'
  | 'mysql-column-type-change'
  | 'mysql-varchar-boundary'
  | 'mysql-charset-conversion'
  | 'mysql-foreign-key-copy'
  | 'mysql-fulltext-spatial-index'
  | 'mysql-column-position'
  | 'mysql-table-rebuild'

export interface StatementPrediction {
  key: string
  prediction: Prediction
  server: Server
  /** The server is the target's (false: assumed). */
  serverKnown: boolean
  state: TableState | null
  /** The session the prediction assumed (the target's foreign_key_checks). */
  session: { foreignKeyChecks: boolean }
  clauses: Array<ClausePrediction & { hazard: Hazard | null }>
}

/** The table state the algorithm table reads, from the catalog's facts. */
export function tableState(facts: MysqlTableFacts): TableState {
  const cascading = facts.foreignKeys.some((fk) => /CASCADE|SET NULL/i.test(`${fk.onDelete} ${fk.onUpdate}`))
  return {
    rows: facts.rows,
    bytes: facts.bytes,
    hasFulltext: facts.indexes.some((index) => index.kind === 'fulltext'),
    hasSpatial: facts.indexes.some((index) => index.kind === 'spatial'),
    totalRowVersions: facts.totalRowVersions,
    rowFormat: facts.rowFormat,
    columns: facts.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable, charset: c.charset, maxBytes: c.maxBytes })),
    referencingForeignKeysWithCascade: cascading,
    indexes: facts.indexes.map((index) => ({ name: index.name, columns: index.columns })),
    defaultCharset: facts.collation ? facts.collation.split('_')[0] : null
  }
}

function hazardOf(clause: ClausePrediction, state: TableState | null): Hazard | null {
  const c = clause.clause
  if (clause.algorithm === 'copy') {
    if (c.op === 'convert-charset') return 'mysql-charset-conversion'
    if (c.op === 'add-foreign-key') return 'mysql-foreign-key-copy'
    if (c.op === 'change-column') {
      const old = state?.columns.find((column) => column.name.toLowerCase() === c.column.toLowerCase())
      if (old && c.definition.charset && old.charset && c.definition.charset !== old.charset) return 'mysql-charset-conversion'
      const before = old ? variableLength(old.type) : null
      const after = variableLength(c.definition.type)
      if (before && after && before.kind === after.kind) return 'mysql-varchar-boundary'
      return 'mysql-column-type-change'
    }
    return 'mysql-alter-copy'
  }
  if (c.op === 'add-index' && (c.index.kind === 'fulltext' || c.index.kind === 'spatial')) return 'mysql-fulltext-spatial-index'
  if (clause.rebuilds || !clause.concurrentDml) {
    if (c.op === 'add-column' && c.position !== 'last') return 'mysql-column-position'
    return 'mysql-table-rebuild'
  }
  return null
}

const cache = new WeakMap<ReviewStatement, StatementPrediction | null>()

/** The statement's prediction on an existing table; null for other statements, or a table new in the pending versions. */
export function predictionOf(statement: ReviewStatement, context: ReviewContext): StatementPrediction | null {
  if (cache.has(statement)) return cache.get(statement) ?? null
  const result = compute(statement, context)
  cache.set(statement, result)
  return result
}

function compute(statement: ReviewStatement, context: ReviewContext): StatementPrediction | null {
  const node = nodeOf(statement)
  if (!node) return null
  const table =
    node.kind === 'alter-table' || node.kind === 'create-index' || node.kind === 'drop-index'
      ? node.table
      : node.kind === 'rename-table'
        ? node.renames[0]?.from
        : null
  if (!table) return null
  const key = tableKey(table)
  if (!existedBefore(key, context)) return null
  const facts = factsOf(key, context) as MysqlTableFacts | null
  const state = facts?.columns ? tableState(facts) : null
  const server = facts?.server ? { flavor: facts.server.flavor, version: facts.server.version } : ASSUMED_SERVER
  const session = { foreignKeyChecks: facts?.server?.foreignKeyChecks ?? true }
  const prediction = predictAlgorithm(node, state, server, session)
  if (!prediction) return null
  return {
    key,
    prediction,
    server,
    serverKnown: !!facts?.server,
    state,
    session,
    clauses: prediction.clauses.map((clause) => ({ ...clause, hazard: hazardOf(clause, state) }))
  }
}
