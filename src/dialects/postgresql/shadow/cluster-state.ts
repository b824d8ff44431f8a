/**
 * What migrations can leave on a shadow server outside their scratch database. Roles, databases and
 * tablespaces belong to the whole server, so dropping the scratch database does not remove them: a role
 * left behind makes the next verification's `CREATE ROLE` fail with "already exists".
 *
 * Verification notes these objects before it starts (clusterState) and afterwards drops the ones that
 * are new (restoreClusterState): databases first, then tablespaces (empty once the databases are gone;
 * creating one needs a directory on the server, so this is rare), then roles, with REASSIGN/DROP OWNED
 * only for a role something still depends on. What existed before is never dropped; when a migration
 * changed it (a role's attributes or memberships, a database's owner, privileges or settings), the change
 * is named, not undone. The state is read again at the end, so what is reported is what the server holds.
 */
import { quoteIdentifier } from '../../../engine/meta.js'
import { DatabaseError, errorMessage } from '../../../errors.js'
import type { Target } from '../../../targets/target.js'

export type ClusterObjectKind = 'database' | 'tablespace' | 'role'

/** Per kind, each object's name → a fingerprint of what a migration could change about it. */
export type ClusterState = Record<ClusterObjectKind, Map<string, string>>

/** The order objects are dropped in: a database can live in a tablespace and be owned by a role. */
const KINDS: ClusterObjectKind[] = ['database', 'tablespace', 'role']

/** `array(… ORDER BY 1)` of an ACL, with the owner's default privileges in place of NULL. */
const acl = (column: string, kind: string, owner: string): string =>
  `array(SELECT a::text FROM unnest(coalesce(${column}, acldefault('${kind}', ${owner}))) a ORDER BY 1)`

const QUERIES: Record<ClusterObjectKind, string> = {
  role: `SELECT r.rolname AS name, md5(row(r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
      r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil, r.rolconfig,
      array(SELECT g.rolname || ':' || m.admin_option FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1))::text) AS state
    FROM pg_roles r`,
  database: `SELECT d.datname AS name, md5(row(pg_get_userbyid(d.datdba), ${acl('d.datacl', 'd', 'd.datdba')}, d.datallowconn, d.datconnlimit,
      array(SELECT s.setrole::text || ':' || s.setconfig::text FROM pg_db_role_setting s WHERE s.setdatabase = d.oid ORDER BY 1))::text) AS state
    FROM pg_database d`,
  tablespace: `SELECT t.spcname AS name, md5(row(pg_get_userbyid(t.spcowner), ${acl('t.spcacl', 't', 't.spcowner')}, t.spcoptions)::text) AS state
    FROM pg_tablespace t`
}

export async function clusterState(admin: Target): Promise<ClusterState> {
  const state = {} as ClusterState
  for (const kind of KINDS) {
    const { rows } = await admin.query(QUERIES[kind])
    state[kind] = new Map(rows.map((row) => [String(row.name), String(row.state)]))
  }
  return state
}

/** Any fixed key: verifications on one server take turns, so each one's "new since it started" is its own. */
const VERIFICATION_LOCK = 5_381_468_209_126_937
export const VERIFICATION_WAIT_MS = 5 * 60_000

/**
 * Waits until no other verification is running on this server (a session-level advisory lock on the
 * admin connection, released when it closes). Advisory locks belong to one database: verifications that
 * connect to different databases of one server do not wait for each other.
 */
export async function takeVerificationTurn(
  admin: Target,
  server: string,
  log: (m: string) => void,
  waitMs = VERIFICATION_WAIT_MS
): Promise<boolean> {
  const deadline = Date.now() + waitMs
  let waiting = false
  for (;;) {
    const { rows } = await admin.query(`SELECT pg_try_advisory_lock(${VERIFICATION_LOCK}) AS locked`)
    if (rows[0]?.locked === true) return true
    if (Date.now() > deadline) return false
    if (!waiting) log(`Waiting for another verification on ${server} to finish`)
    waiting = true
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}

export interface ClusterChanges {
  /** New objects that were dropped, e.g. `role app_reader`. */
  dropped: string[]
  /** New objects still there (dropping them failed: the log says why and how to drop them by hand). */
  left: string[]
  /** Objects that existed before and were changed by the migrations (not undone). */
  changed: string[]
  /** Objects that existed before and were dropped by the migrations. */
  removed: string[]
}

/** What differs between two states: objects only in `after`, objects in both that changed, objects only in `before`. */
function compare(
  before: ClusterState,
  after: ClusterState
): { created: [ClusterObjectKind, string][]; changed: string[]; removed: string[] } {
  const created: [ClusterObjectKind, string][] = []
  const changed: string[] = []
  const removed: string[] = []
  for (const kind of KINDS) {
    for (const [name, fingerprint] of after[kind]) {
      const old = before[kind].get(name)
      if (old === undefined) created.push([kind, name])
      else if (old !== fingerprint) changed.push(`${kind} ${name}`)
    }
    for (const name of before[kind].keys()) if (!after[kind].has(name)) removed.push(`${kind} ${name}`)
  }
  return { created, changed, removed }
}

export async function dropDatabase(admin: Target, name: string): Promise<void> {
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`)
  } catch (error) {
    // WITH (FORCE) is PostgreSQL 13+; before that, end the sessions first.
    if (!(error instanceof DatabaseError && error.info.sqlState === '42601')) throw error
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()', { name })
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`)
  }
}

/**
 * DROP ROLE alone when nothing depends on the role (it needs only ADMIN on the role, which its creator
 * has); otherwise (privileges on a database, ownership of a shared object) hand what it owns to the
 * current user and revoke its privileges first, which needs the role's privileges.
 */
async function dropRole(admin: Target, name: string): Promise<void> {
  const role = quoteIdentifier(name)
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`)
  } catch (error) {
    if (!(error instanceof DatabaseError && error.info.sqlState === '2BP01')) throw error
    await admin.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`)
    await admin.query(`DROP OWNED BY ${role}`)
    await admin.query(`DROP ROLE IF EXISTS ${role}`)
  }
}

const DROP: Record<ClusterObjectKind, (admin: Target, name: string) => Promise<void>> = {
  database: dropDatabase,
  tablespace: (admin, name) => admin.query(`DROP TABLESPACE IF EXISTS ${quoteIdentifier(name)}`).then(() => {}),
  role: dropRole
}

const BY_HAND: Record<ClusterObjectKind, (name: string) => string> = {
  database: (name) => `DROP DATABASE ${quoteIdentifier(name)} WITH (FORCE)`,
  tablespace: (name) => `DROP TABLESPACE ${quoteIdentifier(name)}`,
  role: (name) =>
    `REASSIGN OWNED BY ${quoteIdentifier(name)} TO CURRENT_USER; DROP OWNED BY ${quoteIdentifier(name)}; DROP ROLE ${quoteIdentifier(name)}`
}

/**
 * Drops every database, tablespace and role that is not in `before`, then reads the state again and
 * reports what was dropped, what is left, and what of the objects that existed before has changed.
 */
export async function restoreClusterState(admin: Target, before: ClusterState, log: (m: string) => void): Promise<ClusterChanges> {
  const { created } = compare(before, await clusterState(admin))
  for (const [kind, name] of created) {
    try {
      await DROP[kind](admin, name)
    } catch (error) {
      log(
        `Could not drop the ${kind} ${name} that the migrations created (drop it by hand: ${BY_HAND[kind](name)}): ${errorMessage(error)}`
      )
    }
  }
  const after = compare(before, await clusterState(admin))
  const left = new Set(after.created.map(([kind, name]) => `${kind} ${name}`))
  return {
    dropped: created.map(([kind, name]) => `${kind} ${name}`).filter((object) => !left.has(object)),
    left: [...left],
    changed: after.changed,
    removed: after.removed
  }
}
