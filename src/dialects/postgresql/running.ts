/**
 * Whether a statement is still running on the server, seen from any session: used after a statement
 * outlived its call (the Data API's 45 s limit) or lost its reply, before anything concludes how it ended.
 */
import type { Row, Target } from '../../targets/target.js'

/**
 * The backend running a statement sent without parameters: same database and user, active, and its
 * `query` is the statement text. Leading whitespace and trailing whitespace or semicolons are ignored
 * (the driver behind the service may drop a final `;`). pg_stat_activity keeps only the first
 * track_activity_query_size bytes (1 kB by default) of a statement: a text cut there matches when it
 * is the start of ours. Our own session (the one running this query) is left out.
 */
export const RUNNING_STATEMENT_SQL = `SELECT a.pid, a.wait_event_type, a.wait_event
FROM pg_catalog.pg_stat_activity a,
  (SELECT regexp_replace(:sql, '^\\s+|[\\s;]+$', '', 'g') AS statement,
          (SELECT setting::int FROM pg_catalog.pg_settings WHERE name = 'track_activity_query_size') AS kept_bytes) s
WHERE a.datname = current_database()
  AND a.usename = current_user
  AND a.pid <> pg_backend_pid()
  AND a.state = 'active'
  AND (regexp_replace(a.query, '^\\s+|[\\s;]+$', '', 'g') = s.statement
    OR (octet_length(a.query) >= s.kept_bytes - 4
      AND left(s.statement, length(regexp_replace(a.query, '^\\s+', ''))) = regexp_replace(a.query, '^\\s+', '')))
ORDER BY a.query_start
LIMIT 1`

/** The backend still running `sql` (pid, wait event), or undefined when none does. */
export async function findRunningStatement(target: Target, sql: string): Promise<Row | undefined> {
  return (await target.query(RUNNING_STATEMENT_SQL, { sql })).rows[0]
}
