/**
 * The migration lease: one row in the lock table, held by one run at a time.
 *
 * Session advisory locks do not survive the Data API's pooled, reset connections, so the lock is data:
 * an owner, a fencing token that grows with every acquisition, and an expiry by the database clock.
 * Every version's transaction starts by extending the lease under its own token (see Lease.fence),
 * which both proves the lease is still ours and row-locks it, so nobody can take it over while a
 * version is being applied.
 */
import { isYes } from '../targets/values.js'
import { LeaseLostError, LeaseTimeoutError } from '../errors.js'
import type { Row, SqlValue, Target, TxStatement } from '../targets/target.js'
import type { EngineDialect, Query } from './dialect.js'
import type { MetaTables } from './meta.js'
import { errorClass } from './meta-store.js'
import { realSleep } from '../text.js'

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
  /**
   * Extends the lease. False when the row was locked (by this run's own version transaction, whose fence
   * extends the lease): not renewed this time, and not lost. Throws LeaseLostError when it is not ours.
   */
  renew(): Promise<boolean>
  /** Frees the lease; never waits on the row's lock (throws when it stayed locked). */
  release(): Promise<void>
}

/** Waits between polls of a held lease: short at first, never past the holder's expiry. */
const POLL_MS = [500, 1000, 2000, 3000, 5000]

/**
 * Takes the lease, polling while another run holds it, for at most waitTimeoutSeconds in all. No
 * statement here waits on the lease row's lock: a row locked by a version's transaction (the holder's,
 * or that of a run stopped mid-version, which stays open until the database ends it) counts as held.
 */
export async function acquireLease(dialect: EngineDialect, target: Target, tables: MetaTables, options: LeaseOptions): Promise<Lease> {
  return (await acquireLeaseAndRead(dialect, target, tables, options, null)).lease
}

/**
 * Rows read by the statement that took the lease (see acquireLeaseAndRead). `current` is false when the
 * lease row changed between the statement's snapshot and taking the lease: something may have been
 * written after the snapshot the rows come from, and they must be read again.
 */
export interface ReadWithLease {
  rows: Row[]
  current: boolean
}

/**
 * acquireLease, and with `read` (a SELECT, parameters beside :owner and :ttl) the rows of that query in
 * the same statement that takes the lease: one call instead of two.
 */
export async function acquireLeaseAndRead(
  dialect: EngineDialect,
  target: Target,
  tables: MetaTables,
  options: LeaseOptions,
  read: Query | null
): Promise<{ lease: Lease; read: ReadWithLease | null }> {
  const sleep = options.sleep ?? realSleep
  const now = options.now ?? Date.now
  const started = now()
  const deadline = started + options.waitTimeoutSeconds * 1000
  let lastState = ''
  const sql = dialect.lease.take(tables, read?.sql ?? null)
  for (let attempt = 0; ; attempt++) {
    // Takes the lease when it is free or expired and its row is not locked. Acquiring is idempotent for
    // the same owner, so a lost reply followed by a retry finds the lease already ours (second query below).
    const params = { ...(read?.params ?? {}), owner: options.owner, ttl: options.ttlSeconds }
    if (typeof sql !== 'string') await target.query(sql.take, params)
    const { rows } = await target.query(typeof sql === 'string' ? sql : sql.taken, params)
    if (rows.length >= 1) {
      const previous = String(rows[0].lease_previous_owner ?? '')
      if (previous) options.log(`Took over the migration lease of ${previous}, which expired without being released`)
      const lease = makeLease(dialect, target, tables, options, Number(rows[0].lease_token), now() - started, previous || null)
      return { lease, read: read ? { rows, current: isYes(rows[0].lease_unchanged) } : null }
    }
    // A plain read: it sees the last committed state of the row without waiting for its lock.
    const held = await target.query(dialect.lease.held(tables))
    const holder = held.rows[0]
    if (!holder) throw new Error(`The lease row in ${tables.display}_lock is missing; was the table changed by hand?`)
    if (holder.owner === options.owner) {
      return { lease: makeLease(dialect, target, tables, options, Number(holder.token), now() - started, null), read: null }
    }
    const owner = String(holder.owner)
    const remainingMs = Math.max(0, Number(holder.remaining) * 1000)
    // Free or expired, yet not taken: a transaction holds the row (or another run took it meanwhile,
    // which the next poll shows).
    const locked = remainingMs === 0
    const left = deadline - now()
    if (left <= 0) throw leaseTimeout(dialect, tables, owner, remainingMs, locked, options.waitTimeoutSeconds)
    const state = `${owner}\n${locked}`
    if (state !== lastState) {
      options.log(
        locked
          ? `Waiting for the migration lease: ${describeLocked(tables, owner)} (polling up to ${options.waitTimeoutSeconds} s)`
          : `Waiting for the migration lease held by ${owner} (up to ${options.waitTimeoutSeconds} s)`
      )
      lastState = state
    }
    // Jitter: runs that started together must not poll in lockstep.
    const poll = POLL_MS[Math.min(attempt, POLL_MS.length - 1)] * (0.75 + Math.random() * 0.5)
    const pause = Math.min(poll, left, locked ? poll : Math.max(remainingMs + 50, 100))
    await sleep(pause)
  }
}

function describeLocked(tables: MetaTables, owner: string): string {
  const lease = owner ? `the lease of ${owner} has run out, but its row` : 'the lease is free, but its row'
  return (
    `${lease} in ${tables.display}_lock is still locked by an open transaction ` +
    '(a version still running, or the transaction of a run stopped mid-version that the database has not ended yet)'
  )
}

function leaseTimeout(
  dialect: EngineDialect,
  tables: MetaTables,
  owner: string,
  remainingMs: number,
  locked: boolean,
  waitTimeoutSeconds: number
): LeaseTimeoutError {
  if (locked) {
    return new LeaseTimeoutError(
      `Waited ${waitTimeoutSeconds} s (wait-timeout) for the migration lease, and ${describeLocked(tables, owner)}. Nothing was applied. ` +
        'The Data API rolls back a transaction after 3 minutes without a call; over a direct connection, end the session that holds it ' +
        `${dialect.lease.openTransactionHint}. Then re-run, or raise wait-timeout to wait longer.`
    )
  }
  return new LeaseTimeoutError(
    `Another run holds the migration lease: ${owner} (it expires in ${Math.ceil(remainingMs / 1000)} s unless renewed). ` +
      `Waited ${waitTimeoutSeconds} s (wait-timeout). If that run is gone, its lease expires by itself; raise wait-timeout to wait longer.`
  )
}

/** How often renew and release try again when the row is locked, and how long they wait in between. */
const LOCKED_TRIES = 4
const LOCKED_PAUSE_MS = 250

/** The lease this run holds from the block that created the lease row (token 1; see createTablesWithLeaseSql). */
export function leaseFromCreation(dialect: EngineDialect, target: Target, tables: MetaTables, options: LeaseOptions): Lease {
  return makeLease(dialect, target, tables, options, 1, 0, null)
}

function makeLease(
  dialect: EngineDialect,
  target: Target,
  tables: MetaTables,
  options: LeaseOptions,
  token: number,
  waitedMs: number,
  tookOverFrom: string | null
): Lease {
  const sleep = options.sleep ?? realSleep
  const params = { token, owner: options.owner, ttl: options.ttlSeconds }
  // Renewing and releasing must never wait on the row, which this run's own version holds for as long
  // as the version's transaction runs: the dialect's update fails at once when the row is locked.
  /** Runs an update of our row; null when the row stayed locked. */
  const updateOurs = async (change: 'renew' | 'release', values: Record<string, SqlValue>): Promise<number | null> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const { rowCount } = await target.query(dialect.lease.updateOurs(tables, change), values)
        return rowCount
      } catch (error) {
        if (errorClass(dialect, error) !== 'lock-not-available') throw error
        if (attempt >= LOCKED_TRIES) return null
        await sleep(LOCKED_PAUSE_MS)
      }
    }
  }
  return {
    token,
    owner: options.owner,
    waitedMs,
    tookOverFrom,
    fence: () => ({
      sql: dialect.lease.fence(tables),
      params,
      expectRows: 1
    }),
    async renew() {
      const updated = await updateOurs('renew', params)
      // Locked: a version's transaction of this run holds the row; its fence extended the lease, and
      // nobody can take over a locked row.
      if (updated === null) return false
      if (updated !== 1) throw lostLease(options.owner)
      return true
    },
    async release() {
      const updated = await updateOurs('release', { token, owner: options.owner })
      if (updated === null) {
        throw new Error(`its row in ${tables.display}_lock stayed locked by an open transaction (lease-ttl: ${options.ttlSeconds} s)`)
      }
    }
  }
}

export function lostLease(owner: string): LeaseLostError {
  return new LeaseLostError(
    `The migration lease of ${owner} expired and was taken over by another run; this run stopped before its next version. ` +
      'Versions it applied stay applied. Re-run to continue.'
  )
}

/** Who holds the lease now and for how long, for people (status): a plain read that waits for no lock and takes none. */
export async function leaseHolder(
  dialect: EngineDialect,
  target: Target,
  tables: MetaTables
): Promise<{ owner: string; expiresInSeconds: number } | undefined> {
  const { rows } = await target.query(dialect.lease.liveHolder(tables))
  return rows.map((row) => ({ owner: String(row.owner), expiresInSeconds: Number(row.remaining) }))[0]
}
