/**
 * The migration lease: one row in the lock table, held by one run at a time.
 *
 * Session advisory locks do not survive the Data API's pooled, reset connections, so the lock is data:
 * an owner, a fencing token that grows with every acquisition, and an expiry by the database clock.
 * Every version's transaction starts by extending the lease under its own token (see fenceStatement),
 * which both proves the lease is still ours and row-locks it, so nobody can take it over while a
 * version is being applied.
 */
import { LeaseLostError, LeaseTimeoutError } from '../errors.js'
import type { Target, TxStatement } from '../targets/target.js'
import type { MetaTables } from './meta.js'

export interface LeaseOptions {
  /** Unique per run: shown to other runs that wait. */
  owner: string
  /** How long a lease lives without renewal. */
  ttlSeconds: number
  /** How long to wait for another run's lease before giving up. */
  waitTimeoutSeconds: number
  log: (message: string) => void
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

export interface Lease {
  token: number
  owner: string
  /** Milliseconds spent waiting for another run. */
  waitedMs: number
  /** Set when an expired lease of another run was taken over. */
  tookOverFrom: string | null
  /** A statement that, as the first of a transaction, proves and extends the lease (expectRows: 1). */
  fence(): TxStatement
  renew(): Promise<void>
  release(): Promise<void>
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits between polls of a held lease: short at first, never past the holder's expiry. */
const POLL_MS = [500, 1000, 2000, 3000, 5000]

export async function acquireLease(target: Target, tables: MetaTables, options: LeaseOptions): Promise<Lease> {
  const sleep = options.sleep ?? realSleep
  const now = options.now ?? Date.now
  const started = now()
  const deadline = started + options.waitTimeoutSeconds * 1000
  let lastHolder = ''
  for (let attempt = 0; ; attempt++) {
    // Takes the lease when it is free or expired. Acquiring is idempotent for the same owner, so a
    // lost reply followed by a retry finds the lease already ours (second query below).
    const { rows } = await target.query(
      `WITH previous AS (SELECT owner, expires_at FROM ${tables.lock} WHERE id = 1 FOR UPDATE)
UPDATE ${tables.lock} AS l
SET owner = :owner, token = l.token + 1, acquired_at = clock_timestamp(), renewed_at = clock_timestamp(),
  expires_at = clock_timestamp() + make_interval(secs => :ttl)
FROM previous
WHERE l.id = 1 AND previous.expires_at <= clock_timestamp()
RETURNING l.token::integer AS token, previous.owner AS previous_owner`,
      { owner: options.owner, ttl: options.ttlSeconds }
    )
    if (rows.length === 1) {
      const previous = String(rows[0].previous_owner ?? '')
      if (previous) options.log(`Took over the migration lease of ${previous}, which expired without being released`)
      return makeLease(target, tables, options, Number(rows[0].token), now() - started, previous || null)
    }
    const held = await target.query(
      `SELECT owner, token::integer AS token, GREATEST(0, extract(epoch FROM expires_at - clock_timestamp()))::float8 AS remaining
FROM ${tables.lock} WHERE id = 1`
    )
    const holder = held.rows[0]
    if (!holder) throw new Error(`The lease row in ${tables.display}_lock is missing; was the table changed by hand?`)
    if (holder.owner === options.owner) {
      return makeLease(target, tables, options, Number(holder.token), now() - started, null)
    }
    const remainingMs = Number(holder.remaining) * 1000
    const left = deadline - now()
    if (left <= 0) {
      throw new LeaseTimeoutError(
        `Another run holds the migration lease: ${holder.owner} (it expires in ${Math.ceil(remainingMs / 1000)} s unless renewed). ` +
          `Waited ${options.waitTimeoutSeconds} s (wait-timeout). If that run is gone, its lease expires by itself; raise wait-timeout to wait longer.`
      )
    }
    if (holder.owner !== lastHolder) {
      options.log(`Waiting for the migration lease held by ${holder.owner} (up to ${options.waitTimeoutSeconds} s)`)
      lastHolder = String(holder.owner)
    }
    // Jitter: runs that started together must not poll in lockstep.
    const poll = POLL_MS[Math.min(attempt, POLL_MS.length - 1)] * (0.75 + Math.random() * 0.5)
    const pause = Math.min(poll, left, Math.max(remainingMs + 50, 100))
    await sleep(pause)
  }
}

function makeLease(
  target: Target,
  tables: MetaTables,
  options: LeaseOptions,
  token: number,
  waitedMs: number,
  tookOverFrom: string | null
): Lease {
  const params = { token, owner: options.owner, ttl: options.ttlSeconds }
  return {
    token,
    owner: options.owner,
    waitedMs,
    tookOverFrom,
    fence: () => ({
      sql: `UPDATE ${tables.lock} SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => :ttl)
WHERE id = 1 AND token = :token AND owner = :owner`,
      params,
      expectRows: 1
    }),
    async renew() {
      const { rowCount } = await target.query(
        `UPDATE ${tables.lock} SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => :ttl)
WHERE id = 1 AND token = :token AND owner = :owner`,
        params
      )
      if (rowCount !== 1) throw lostLease(options.owner)
    },
    async release() {
      await target.query(`UPDATE ${tables.lock} SET owner = '', expires_at = '-infinity' WHERE id = 1 AND token = :token AND owner = :owner`, {
        token,
        owner: options.owner
      })
    }
  }
}

export function lostLease(owner: string): LeaseLostError {
  return new LeaseLostError(
    `The migration lease of ${owner} expired and was taken over by another run; this run stopped before its next version. ` +
      'Versions it applied stay applied. Re-run to continue.'
  )
}
