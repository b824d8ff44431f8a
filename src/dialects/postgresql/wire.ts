/** PostgreSQL's wire part (see the wire section of ../dialect.ts and src/targets/wire.ts). */
import type { WirePart } from '../dialect.js'
import { toPositional } from './named-parameters.js'
import { carriesPosition, decodePackedError, packTransaction, packable, refusedByPacking } from './packed.js'
import { runningStatement } from './statement-activity.js'

/** SQLSTATEs that mean the connection itself is gone: class 08, and the server shutting the session down. */
function isConnectionLoss(code: string | undefined): boolean {
  return !!code && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03')
}

export const wire: WirePart = {
  serverName: 'PostgreSQL',
  toPositional,
  packable,
  pack: packTransaction,
  decodePackedError,
  refusedByPacking,
  carriesPosition,
  // DISCARD ALL returns the session to how it was at connect, settings of the URL, the role and the
  // database included, which RESET ALL alone would not do for the role, temporary tables and advisory locks.
  resetSessionSql: 'DISCARD ALL',
  statementTimeoutSql: (ms) => `SET statement_timeout = ${Math.round(ms)}`,
  isConnectionLoss,
  runningStatement
}
