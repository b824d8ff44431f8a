/**
 * What verification proved of a statement's algorithm (StatementTrace.algorithm: the throwaway server took the
 * statement on an empty copy of its table), said against the prediction. The prediction is the target's; when
 * the throwaway server is another engine or version (a MariaDB stands in for Aurora MySQL where no MySQL is
 * installed), the proof is compared with the prediction for the throwaway server itself, and the sentence says
 * the servers differ: the target's prediction stands beside it.
 */
import { traceKey, type ReviewContext, type ReviewStatement } from '../../../../review/types.js'
import { predictAlgorithm, type Server } from '../algorithm.js'
import { versionParts } from '../algorithm-engines.js'
import type { StatementPrediction } from './prediction.js'
import { nodeOf } from './support.js'

/** "MariaDB 10.11.19" as the trace names the throwaway server, back to a server the algorithm table reads. */
export function serverOfName(name: string): Server | null {
  const match = /^(MariaDB|MySQL) (\d+\.\d+\.\d+)$/.exec(name)
  return match ? { flavor: match[1] === 'MariaDB' ? 'mariadb' : 'mysql', version: match[2] } : null
}

export function serverName(server: Server): string {
  return `${server.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${versionParts(server.version).join('.')}`
}

const sameServer = (a: Server, b: Server): boolean =>
  a.flavor === b.flavor && versionParts(a.version).join('.') === versionParts(b.version).join('.')

/** The sentence on what the throwaway server proved for the statement, or null when verification did not trace it. */
export function proofSentence(p: StatementPrediction, statement: ReviewStatement, context: ReviewContext): string | null {
  const proof = context.trace?.get(traceKey(statement.version, statement.index))?.algorithm
  if (!proof) return null
  if ('unproved' in proof) return `Not proved on the throwaway server: ${proof.unproved}.`
  const accepted = proof.accepted.toUpperCase()
  const rebuilt = proof.rebuilt === null ? '' : proof.rebuilt ? ', rebuilding the table' : ', without rebuilding the table'
  const head = `Proved on the throwaway ${proof.server}: ${accepted} accepted${rebuilt} (on an empty copy of the table)`
  const thrown = serverOfName(proof.server)
  const target = serverName(p.server)
  if (!thrown || sameServer(thrown, p.server)) {
    const predicted = p.prediction.algorithm.toUpperCase()
    if (predicted === accepted) return `${head}, as predicted.`
    return `${head}. This disagrees with the prediction of ${predicted} for ${target}, which the finding keeps: the server's answer is the one to trust for ${proof.server}.`
  }
  const node = nodeOf(statement)
  // The copy is new: it has no instant row versions behind it.
  const state = p.state ? { ...p.state, totalRowVersions: null } : null
  const own = node ? predictAlgorithm(node, state, thrown, p.session) : null
  const differ =
    thrown.flavor === p.server.flavor
      ? `the throwaway server is another version than ${p.serverKnown ? "the target's" : 'the assumed'} ${target}`
      : `the engines differ: the throwaway server is ${proof.server}, ${p.serverKnown ? 'the target' : 'the assumed target'} ${target}`
  const predicted = own?.algorithm.toUpperCase()
  if (!predicted) return `${head}; ${differ}, so the prediction for ${target} above is not proved by it.`
  if (predicted === accepted)
    return `${head}, as predicted for ${proof.server}; ${differ}, so the prediction for ${target} above stands on the manual alone.`
  return `${head}. This disagrees with the prediction of ${predicted} for ${proof.server} (${differ}; the prediction for ${target} above is kept).`
}
