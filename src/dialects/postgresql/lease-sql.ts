/**
 * PostgreSQL's statements for the migration lease: one row in the lock table, taken with FOR UPDATE
 * SKIP LOCKED (never waiting on a row a version's transaction holds), renewed and released with
 * NOWAIT, and the fence that starts every fenced transaction.
 */
import type { LeaseSql } from '../../engine/dialect.js'
import type { MetaTables } from '../../engine/meta.js'

/**
 * The row as the statement's snapshot saw it (`seen`), and as it was when locked (`previous`, the
 * latest version): equal when nothing touched the lease, so nothing wrote the history, in between.
 */
function take(tables: MetaTables, read: string | null): string {
  const take = `WITH previous AS (SELECT owner, token, expires_at, renewed_at FROM ${tables.lock} WHERE id = 1 FOR UPDATE SKIP LOCKED),
taken AS (
  UPDATE ${tables.lock} AS l
  SET owner = :owner, token = l.token + 1, acquired_at = clock_timestamp(), renewed_at = clock_timestamp(),
    expires_at = clock_timestamp() + make_interval(secs => :ttl)
  FROM previous
  WHERE l.id = 1 AND previous.expires_at <= clock_timestamp()
  RETURNING l.token::integer AS token, previous.owner AS previous_owner,
    (previous.owner, previous.token, previous.expires_at, previous.renewed_at) AS previous_row
)`
  return read
    ? `${take},
seen AS (SELECT (owner, token, expires_at, renewed_at) AS seen_row FROM ${tables.lock} WHERE id = 1)
SELECT taken.token AS lease_token, taken.previous_owner AS lease_previous_owner,
  (taken.previous_row IS NOT DISTINCT FROM (SELECT seen_row FROM seen)) AS lease_unchanged, read.*
FROM taken LEFT JOIN (${read}) AS read ON true`
    : `${take}
SELECT token AS lease_token, previous_owner AS lease_previous_owner FROM taken`
}

/** NOWAIT: renewing and releasing must never wait on the row, which this run's own version holds. */
function updateOurs(tables: MetaTables, change: 'renew' | 'release'): string {
  const ours = `WITH ours AS (SELECT id FROM ${tables.lock} WHERE id = 1 AND token = :token AND owner = :owner FOR UPDATE NOWAIT)`
  const set =
    change === 'renew'
      ? 'renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => :ttl)'
      : `owner = '', expires_at = '-infinity'`
  return `${ours}\nUPDATE ${tables.lock} AS l SET ${set} FROM ours WHERE l.id = ours.id`
}

export const leaseSql: LeaseSql = {
  take,
  // A plain read: it sees the last committed state of the row without waiting for its lock.
  held: (tables) => `SELECT owner, token::integer AS token, extract(epoch FROM expires_at - clock_timestamp())::float8 AS remaining
FROM ${tables.lock} WHERE id = 1`,
  updateOurs,
  fence: (tables) => `UPDATE ${tables.lock} SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => :ttl)
WHERE id = 1 AND token = :token AND owner = :owner`,
  // SKIP LOCKED answers at once: a poll instead of blocking on a lock a frozen client could hold for long.
  rowUnlocked: (tables) => `SELECT id FROM ${tables.lock} WHERE id = 1 FOR UPDATE SKIP LOCKED`,
  liveHolder: (tables) =>
    `SELECT owner, CAST(ceil(extract(epoch FROM expires_at - now())) AS integer) AS remaining FROM ${tables.lock} WHERE id = 1 AND expires_at > now()`,
  row: (tables) =>
    `SELECT owner, token::bigint::text AS token, expires_at::text AS expires_at, expires_at <= clock_timestamp() AS expired FROM ${tables.lock} WHERE id = 1`,
  openTransactionHint: "(pg_stat_activity, state 'idle in transaction')"
}
