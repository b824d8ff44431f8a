/**
 * MySQL's view of a statement left running server-side (information_schema.PROCESSLIST), for a transport
 * that waits for one. Aurora MySQL ships with performance_schema off by default, so the process list is the
 * one view every server has; it reports no progress for DDL.
 */
import type { RunningStatementProbe } from '../../targets/wire.js'

/**
 * The session running a statement sent without parameters: same database and user, running a query, and its
 * INFO is the statement text (leading and trailing whitespace and a trailing `;` ignored). STATE says what it
 * waits on (`Waiting for table metadata lock`); it is reported as the wait event, under `Lock` when it waits
 * for one. Our own session is left out.
 */
export const RUNNING_STATEMENT_SQL = `SELECT p.ID AS pid,
  CASE WHEN p.STATE LIKE 'Waiting for%lock%' THEN 'Lock' WHEN p.STATE LIKE 'Waiting%' THEN 'Wait' END AS wait_event_type,
  p.STATE AS wait_event
FROM information_schema.PROCESSLIST p
WHERE p.DB <=> DATABASE()
  AND p.USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1)
  AND p.ID <> CONNECTION_ID()
  AND p.COMMAND = 'Query'
  AND TRIM(TRAILING ';' FROM TRIM(p.INFO)) = TRIM(TRAILING ';' FROM TRIM(:sql))
ORDER BY p.TIME DESC
LIMIT 1`

const ACTIVITY = 'SELECT ID, USER, DB, COMMAND, TIME, STATE, INFO FROM information_schema.PROCESSLIST'

export const runningStatement: RunningStatementProbe = {
  findSql: RUNNING_STATEMENT_SQL,
  progressSql: () => undefined,
  activityQuery: (pid) => (pid !== undefined ? `${ACTIVITY} WHERE ID = ${pid}` : `${ACTIVITY} WHERE COMMAND = 'Query' AND DB = DATABASE()`),
  cancelQuery: (pid) => `KILL QUERY ${pid}`
}
