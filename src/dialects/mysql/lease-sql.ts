/**
 * MySQL's statements for the migration lease: one row in the lock table. Nothing here waits on the row's
 * lock: the take joins the row through `FOR UPDATE SKIP LOCKED` (a locked row is not taken), renewing and
 * releasing through `FOR UPDATE NOWAIT` (a locked row fails at once: lock-not-available). The locking
 * read sits in a derived table with LIMIT 1, which MySQL never merges into the UPDATE (so the UPDATE may
 * read its own table) and materializes first (so an empty one means the row is never touched).
 *
 * Every guarded UPDATE changes a value (the token, or renewed_at moved on by at least a microsecond), so
 * "rows matched" and "rows changed" agree whichever the transport reports. Times are UTC_TIMESTAMP(6).
 *
 * MySQL has no RETURNING: the take is an UPDATE that returns nothing, followed by a read of the row by
 * owner (takeSteps: the port's two-statement form).
 */
import type { LeaseSql } from '../../engine/dialect.js'
import type { MetaTables } from '../../engine/meta.js'
import { FREE_EXPIRY } from './meta-sql.js'

const NOW = 'UTC_TIMESTAMP(6)'
/** `:ttl` seconds from now (fractions kept to the microsecond). */
const EXPIRES = `${NOW} + INTERVAL ROUND(:ttl * 1000000) MICROSECOND`
/** Moves renewed_at on even within one microsecond, so that the row always changes. */
const RENEWED = (alias: string) => `GREATEST(${NOW}, COALESCE(${alias}renewed_at, ${FREE_EXPIRY}) + INTERVAL 1 MICROSECOND)`

/** Takes the row when it has expired and no transaction holds it (`:owner`, `:ttl`): no rows, ever. */
function takeUpdate(tables: MetaTables): string {
  return `UPDATE ${tables.lock} AS l
JOIN (SELECT id, owner FROM ${tables.lock} WHERE id = 1 AND expires_at <= ${NOW} LIMIT 1 FOR UPDATE SKIP LOCKED) AS free ON free.id = l.id
SET l.previous_owner = free.owner, l.owner = :owner, l.token = l.token + 1, l.acquired_at = ${NOW}, l.renewed_at = ${NOW},
  l.expires_at = ${EXPIRES}`
}

/**
 * The take in two statements, each autocommit: `take` (the UPDATE) and `taken`, the row read back when
 * `:owner` holds it — `lease_token`, `lease_previous_owner` (the owner the take replaced; '' when the
 * lease was free), `lease_unchanged` and, with `read`, the read's columns (a SELECT; its rows joined to
 * the lease's). No row from `taken`: not taken. `lease_unchanged` is always true: the read runs after the
 * take committed, when no one else can write the history any more.
 */
export function takeSteps(tables: MetaTables, read: string | null): { take: string; taken: string } {
  const lease = `l.token AS lease_token, COALESCE(l.previous_owner, '') AS lease_previous_owner`
  const taken = read
    ? `SELECT ${lease}, TRUE AS lease_unchanged, r.* FROM ${tables.lock} AS l LEFT JOIN (${read}) AS r ON TRUE WHERE l.id = 1 AND l.owner = :owner`
    : `SELECT ${lease} FROM ${tables.lock} AS l WHERE l.id = 1 AND l.owner = :owner`
  return { take: takeUpdate(tables), taken }
}

/** Renews or releases the row when it is ours (`:token`, `:owner`); a locked row fails at once (NOWAIT). */
function updateOurs(tables: MetaTables, change: 'renew' | 'release'): string {
  const set =
    change === 'renew' ? `l.renewed_at = ${RENEWED('l.')}, l.expires_at = ${EXPIRES}` : `l.owner = '', l.expires_at = ${FREE_EXPIRY}`
  return `UPDATE ${tables.lock} AS l
JOIN (SELECT id FROM ${tables.lock} WHERE id = 1 AND token = :token AND owner = :owner LIMIT 1 FOR UPDATE NOWAIT) AS ours ON ours.id = l.id
SET ${set}`
}

export const leaseSql: LeaseSql = {
  take: takeSteps,
  // A plain read (autocommit, a consistent read): it sees the last committed row without waiting for its lock.
  held: (tables) =>
    `SELECT owner, token, TIMESTAMPDIFF(MICROSECOND, ${NOW}, expires_at) / 1e6 AS remaining FROM ${tables.lock} WHERE id = 1`,
  updateOurs,
  // The first statement of a fenced transaction: row-locks the lease until the transaction ends. A DDL's
  // implicit commit would end it too, which is why DDL never runs inside one.
  fence: (tables) => `UPDATE ${tables.lock} SET renewed_at = ${RENEWED('')}, expires_at = ${EXPIRES}
WHERE id = 1 AND token = :token AND owner = :owner`,
  // SKIP LOCKED answers at once: a poll instead of blocking on a lock a frozen client could hold for long.
  rowUnlocked: (tables) => `SELECT id FROM ${tables.lock} WHERE id = 1 FOR UPDATE SKIP LOCKED`,
  liveHolder: (tables) =>
    `SELECT owner, CAST(CEIL(TIMESTAMPDIFF(MICROSECOND, ${NOW}, expires_at) / 1e6) AS SIGNED) AS remaining FROM ${tables.lock} WHERE id = 1 AND expires_at > ${NOW}`,
  row: (tables) =>
    `SELECT owner, CAST(token AS CHAR) AS token, CONCAT(DATE_FORMAT(expires_at, '%Y-%m-%d %H:%i:%s.%f'), ' UTC') AS expires_at, ` +
    `expires_at <= ${NOW} AS expired FROM ${tables.lock} WHERE id = 1`,
  openTransactionHint:
    '(information_schema.INNODB_TRX: trx_mysql_thread_id of the transaction that has been running longest; end it with KILL <id>)'
}
