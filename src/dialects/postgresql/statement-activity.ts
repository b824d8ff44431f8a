/**
 * PostgreSQL's view of a statement left running server-side (pg_stat_activity, and
 * pg_stat_progress_create_index for a CREATE INDEX), for a transport that waits for one.
 */
import { RUNNING_STATEMENT_SQL } from './running.js'
import type { RunningStatementProbe } from '../../targets/wire.js'

const CREATE_INDEX_PROGRESS_SQL = `SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total
FROM pg_catalog.pg_stat_progress_create_index WHERE pid = :pid`

export const runningStatement: RunningStatementProbe = {
  findSql: RUNNING_STATEMENT_SQL,
  progressSql: (statement) => (/^\s*create\s+(unique\s+)?index\b/i.test(statement) ? CREATE_INDEX_PROGRESS_SQL : undefined),
  activityQuery: (pid) =>
    pid !== undefined
      ? `SELECT pid, state, now() - query_start AS running, query FROM pg_stat_activity WHERE pid = ${pid}`
      : "SELECT pid, state, now() - query_start AS running, query FROM pg_stat_activity WHERE state = 'active' AND datname = current_database()",
  cancelQuery: (pid) => `SELECT pg_cancel_backend(${pid})`
}
