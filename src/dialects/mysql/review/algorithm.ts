/**
 * Which algorithm (INSTANT, INPLACE, COPY) and lock MySQL 8.0 takes for an ALTER TABLE (and CREATE/DROP INDEX,
 * RENAME TABLE, OPTIMIZE TABLE), whether it rebuilds the table and lets DML go on — from the statement's
 * clauses (algorithm-clauses.ts: the manual's §17.12.1 table, clause by clause) and the table as read from
 * the server (TableState). MariaDB's differences are applied by the server's flavor (ENGINE_DIFFERENCES).
 *
 * A statement takes the weakest algorithm of its clauses: one COPY clause copies the table; a clause that
 * could be instant runs in place (and an ADD/DROP COLUMN then rebuilds) when another clause cannot be instant.
 * It rebuilds when any clause does, and permits concurrent DML only when all do. An explicit ALGORITHM= or
 * LOCK= that cannot be honoured makes MySQL refuse the statement at once; `refused` says so, while the other
 * fields keep what MySQL would do without that clause.
 */
import { judgeClause } from './algorithm-clauses.js'
import { onEngine, rowVersionLimit } from './algorithm-engines.js'
import { ALGORITHM_RANK, type ClauseContext, type Judgement } from './algorithm-judgement.js'
import type { Algorithm, Lock, Server, TableState } from './algorithm-types.js'
import type { AlgorithmClause, AlterClause, LockClause, MysqlNode } from './node.js'

export { ENGINE_DIFFERENCES } from './algorithm-engines.js'

export type { Algorithm, Lock, Server, TableState } from './algorithm-types.js'

export interface ClausePrediction {
  clause: AlterClause
  algorithm: Algorithm
  rebuilds: boolean
  concurrentDml: boolean
  /** One plain sentence. */
  why: string
}

export interface Prediction {
  algorithm: Algorithm
  lock: Lock
  rebuilds: boolean
  concurrentDml: boolean
  clauses: ClausePrediction[]
  /** The server refuses the statement: an ALGORITHM=/LOCK= it cannot honour (1845/1846, 1221) or the row version limit (4092). */
  refused?: { errno: number; why: string }
}

/** ER_ALTER_OPERATION_NOT_SUPPORTED; servers answer 1846 (…_REASON) instead when the engine gives its reason. */
export const ALGORITHM_REFUSED = 1845
/** ER_ALTER_OPERATION_NOT_SUPPORTED_REASON, what a refused LOCK= gets. */
export const LOCK_REFUSED = 1846
/** ER_WRONG_USAGE: MySQL's answer to ALGORITHM=INSTANT with a LOCK= clause. */
export const INSTANT_WITH_LOCK_REFUSED = 1221
/** ER_INNODB_MAX_ROW_VERSION. */
export const ROW_VERSIONS_REFUSED = 4092

interface Statement {
  clauses: AlterClause[]
  algorithm: AlgorithmClause
  lock: LockClause
  ignore: boolean
}

/** The statement as ALTER TABLE clauses, or null when it is not table DDL the online DDL table covers. */
function asAlter(node: MysqlNode): Statement | null {
  switch (node.kind) {
    case 'alter-table':
      return { clauses: node.clauses, algorithm: node.algorithm, lock: node.lock, ignore: node.ignore }
    case 'create-index':
      return {
        clauses: [{ op: 'add-index', index: node.index, text: 'CREATE INDEX' }],
        algorithm: node.algorithm,
        lock: node.lock,
        ignore: false
      }
    case 'drop-index':
      return {
        clauses: [{ op: 'drop-index', name: node.name, text: 'DROP INDEX' }],
        algorithm: node.algorithm,
        lock: node.lock,
        ignore: false
      }
    case 'rename-table':
      return {
        clauses: node.renames.map(({ to }) => ({ op: 'rename-table', to, text: 'RENAME TABLE' })),
        algorithm: null,
        lock: null,
        ignore: false
      }
    case 'other':
      return node.verb.toLowerCase() === 'optimize'
        ? { clauses: [{ op: 'force', text: 'OPTIMIZE TABLE' }], algorithm: null, lock: null, ignore: false }
        : null
    default:
      return null
  }
}

const withoutStop = (sentence: string) => sentence.replace(/\.\s*$/, '')

/** How a clause runs at the statement's algorithm, when that differs from its own best. */
function atStatementAlgorithm(judged: Judgement, algorithm: Algorithm, reason: string): Judgement {
  if (judged.algorithm === algorithm || ALGORITHM_RANK[judged.algorithm] > ALGORITHM_RANK[algorithm]) return judged
  if (algorithm === 'copy')
    return {
      ...judged,
      algorithm,
      rebuilds: true,
      concurrentDml: false,
      why: `${withoutStop(judged.why)}, but ${reason} the table is copied.`
    }
  const rebuilds = judged.inplaceRebuilds
  return {
    ...judged,
    algorithm,
    rebuilds,
    why: `${withoutStop(judged.why)}, but ${reason} it runs in place${rebuilds ? ' and rebuilds the table' : ''}.`
  }
}

const requested = (clause: AlgorithmClause): Algorithm | null => (clause === null || clause === 'default' ? null : clause)

export function predictAlgorithm(
  node: MysqlNode,
  state: TableState | null,
  server: Server,
  session: { foreignKeyChecks: boolean }
): Prediction | null {
  const statement = asAlter(node)
  if (!statement) return null
  const { flavor } = server
  const context: ClauseContext = { state, server, session, clauses: statement.clauses, ignore: statement.ignore }
  const asked = requested(statement.algorithm)
  const judged = statement.clauses.map((clause) => judgeClause(clause, context))

  let algorithm = judged.reduce<Algorithm>(
    (worst, j) => (ALGORITHM_RANK[j.algorithm] > ALGORITHM_RANK[worst] ? j.algorithm : worst),
    'instant'
  )
  let reason = 'with the rest of the statement'
  let refused: Prediction['refused']
  const addsOrDrops = judged.some((j) => j.algorithm === 'instant' && j.rowVersion)

  // MySQL: each instant ADD/DROP COLUMN statement takes a row version (handler0alter.cc: current_row_version + 1).
  const limit = rowVersionLimit(server)
  const versions = state?.totalRowVersions ?? null
  if (algorithm === 'instant' && addsOrDrops && limit !== null && versions !== null && versions + 1 > limit) {
    algorithm = 'inplace'
    reason = `the table already has ${versions} row versions (at most ${limit}), so`
    if (asked === 'instant')
      refused = {
        errno: ROW_VERSIONS_REFUSED,
        why: `The table has ${versions} row versions, the most MySQL allows, so an instant ADD/DROP COLUMN is refused until the table is rebuilt.`
      }
  }
  if (asked === 'inplace' && algorithm === 'instant' && addsOrDrops && !onEngine('explicitInplaceKeepsInstantAddDrop', flavor)) {
    algorithm = 'inplace'
    reason = 'ALGORITHM=INPLACE takes the in-place path, so'
  }
  if (asked === 'copy' && algorithm !== 'copy') {
    algorithm = 'copy'
    reason = 'ALGORITHM=COPY asks for it, so'
  }
  let clauses = judged.map((j) => atStatementAlgorithm(j, algorithm, reason))

  // A rebuild that a FULLTEXT index survives: MySQL copies the table; MariaDB rebuilds in place without DML.
  if (algorithm === 'inplace' && state?.hasFulltext && clauses.some((j) => j.rebuilds)) {
    if (onEngine('rebuildWithFulltext', flavor) === 'copy') {
      algorithm = 'copy'
      clauses = judged.map((j) =>
        atStatementAlgorithm(j, 'copy', 'the table has a FULLTEXT index, which MySQL rebuilds only by copying, so')
      )
    } else {
      clauses = clauses.map((j) =>
        j.rebuilds ? { ...j, concurrentDml: false, why: `${withoutStop(j.why)}; rebuilding a FULLTEXT index blocks DML.` } : j
      )
    }
  }
  if (algorithm === 'inplace' && state?.hasSpatial)
    clauses = clauses.map((j) =>
      j.rebuilds ? { ...j, concurrentDml: false, why: `${withoutStop(j.why)}; rebuilding a SPATIAL index blocks DML.` } : j
    )
  if (algorithm !== 'instant' && state?.referencingForeignKeysWithCascade && !onEngine('lockNoneWithCascadingForeignKeys', flavor))
    clauses = clauses.map((j) =>
      j.concurrentDml
        ? { ...j, concurrentDml: false, why: `${withoutStop(j.why)}; LOCK=NONE is not permitted with ON CASCADE or SET NULL foreign keys.` }
        : j
    )

  const rebuilds = clauses.some((j) => j.rebuilds)
  let concurrentDml = algorithm === 'instant' || clauses.every((j) => j.concurrentDml)
  let lock: Lock = concurrentDml ? 'none' : 'shared'
  if (algorithm !== 'instant' && statement.lock === 'exclusive') lock = 'exclusive'
  if (algorithm !== 'instant' && statement.lock === 'shared' && lock === 'none') lock = 'shared'
  concurrentDml = concurrentDml && lock === 'none'

  // The clause that decides the statement's algorithm: the worst on its own (its sentence as run).
  const worstOwn = judged.reduce((worst, j, i) => (ALGORITHM_RANK[j.algorithm] > ALGORITHM_RANK[judged[worst].algorithm] ? i : worst), 0)
  const deciding = clauses[worstOwn]?.why ?? ''
  const lockAsked = statement.lock !== null && statement.lock !== 'default'
  if (!refused && asked === 'instant' && lockAsked && !onEngine('instantAcceptsLockClause', flavor))
    refused = { errno: INSTANT_WITH_LOCK_REFUSED, why: 'MySQL does not accept ALGORITHM=INSTANT together with a LOCK= clause.' }
  else if (!refused && asked !== null && ALGORITHM_RANK[asked] < ALGORITHM_RANK[algorithm])
    refused = { errno: ALGORITHM_REFUSED, why: `ALGORITHM=${asked.toUpperCase()} cannot be honoured. ${deciding}` }
  else if (!refused && statement.lock === 'none' && !concurrentDml)
    refused = { errno: LOCK_REFUSED, why: `LOCK=NONE cannot be honoured. ${clauses.find((j) => !j.concurrentDml)?.why ?? ''}` }

  const prediction: Prediction = {
    algorithm,
    lock,
    rebuilds,
    concurrentDml,
    clauses: clauses.map((j, i) => ({
      clause: statement.clauses[i],
      algorithm: j.algorithm,
      rebuilds: j.rebuilds,
      concurrentDml: j.concurrentDml,
      why: j.why
    }))
  }
  if (refused) prediction.refused = refused
  return prediction
}
