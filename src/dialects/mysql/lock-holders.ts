/**
 * Who holds the lock a MySQL statement gave up waiting for (lock_wait_timeout on a metadata lock, or a row
 * lock), for the engine's message: the oldest open transactions of other sessions (information_schema.INNODB_TRX
 * with their PROCESSLIST entry), which are what a DDL's metadata lock waits behind. performance_schema's
 * metadata_locks would name the exact holder, but it is off by default on Aurora. Needs the PROCESS privilege to
 * see other users' sessions; without it the answer is only the sessions the user may see, or none.
 *
 * Never the statements' text (it can hold row values) nor the client's host (an address inside the VPC): the
 * message goes to logs that every reader of the repository may see.
 */
import type { Target } from '../../targets/target.js'

// trx_started is in the server's system time zone, NOW() in the session's: NOW() is brought to the system's.
const HOLDERS_SQL = `SELECT t.trx_mysql_thread_id AS id, COALESCE(p.USER, '') AS user,
  TIMESTAMPDIFF(SECOND, t.trx_started, COALESCE(CONVERT_TZ(NOW(), @@session.time_zone, 'SYSTEM'), NOW())) AS seconds, COALESCE(p.COMMAND, '') AS command
FROM information_schema.INNODB_TRX AS t
LEFT JOIN information_schema.PROCESSLIST AS p ON p.ID = t.trx_mysql_thread_id
WHERE t.trx_mysql_thread_id <> CONNECTION_ID()
ORDER BY t.trx_started
LIMIT 3`

/** "session 42 (user app, transaction open 312 s, Sleep)", the oldest first; null when none is seen. */
export async function lockHolders(target: Target, sql: string): Promise<string | null> {
  void sql
  const { rows } = await target.query(HOLDERS_SQL)
  if (!rows.length) return null
  const sessions = rows.map((row) => {
    const who = row.user ? `user ${String(row.user)}, ` : ''
    const command = row.command ? `, ${String(row.command)}` : ''
    return `session ${String(row.id)} (${who}transaction open ${String(row.seconds)} s${command})`
  })
  return `${sessions.join('; ')} — end it, or find it with SHOW PROCESSLIST; KILL <session> ends it`
}
