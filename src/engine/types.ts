/**
 * The engine's vocabulary: what a run is given (ApplyOptions), what it reports (ApplyResult), and the
 * context built once per run that every part of the engine works with (EngineContext).
 */
import type { AppliedRow, RunIdentity } from '../meta-row.js'
import type { Plan, PlanOptions } from '../plan.js'
import type { Target } from '../targets/target.js'
import type { EngineDialect, TablesPresent } from './dialect.js'
import type { Lease } from './lease.js'
import type { MetaTables } from './meta.js'

export interface AppliedVersion {
  version: number
  description: string
  /** Wall time of the version's transaction as this run saw it. */
  durationMs: number
  statements: number
  files: Array<{ name: string; path: string; statements: number }>
}

export interface ApplyResult {
  /** The plan as it was under the lease (what this run set out to do). */
  plan: Plan
  fromVersion: number
  toVersion: number
  applied: AppliedVersion[]
  /** Versions that another run applied while this one waited or worked. */
  appliedElsewhere: number[]
  /** Set when the run stopped on an error; versions in `applied` stay applied. */
  error: Error | null
  /** The version that failed, when one did. */
  failedVersion: number | null
  /**
   * Why the run stopped at a version boundary with versions still pending (`stopBefore` said so: a fleet that
   * stops, a cancelled run); absent or null when it did not.
   */
  stopped?: string | null
  leaseWaitedMs: number
  durationMs: number
}

/** A version that ran in part: some statements completed, and it is not recorded as applied. */
export interface PartialVersion {
  version: number
  /** Statements of the version that ran and were recorded. */
  steps: number
}

/** What the database holds of the history, read in one call where it can be (see history.ts). */
export interface History {
  tables: MetaTables
  /** The meta, lock and progress tables and the lease row all exist: nothing needs creating. */
  ready: boolean
  /** When not ready: which tables (and the schema) exist. */
  present: TablesPresent
  rows: AppliedRow[]
  partial: PartialVersion[]
}

export interface ApplyOptions extends PlanOptions {
  /** What the SQL is: every statement the engine sends around the versions' own comes from it. */
  dialect: EngineDialect
  tables: MetaTables
  /** Create the schema of the meta table when it does not exist (meta-table given as schema.table). */
  createSchema: boolean
  run: RunIdentity
  lease: { owner: string; ttlSeconds: number; waitTimeoutSeconds: number }
  log: (message: string) => void
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  /** The lock timeout of each version's transaction (ms); null: the database's setting. */
  lockTimeoutMs?: number | null
  /** The statement timeout of each version's transaction (ms); null: the database's setting. */
  statementTimeoutMs?: number | null
  /** How often a version that gave up waiting for a lock or was chosen as a deadlock victim is retried. */
  lockRetries?: number
  /** The history as the caller already read it (readHistory), so that the run does not read it again before planning. */
  history?: History
  /**
   * Asked before each pending version: null to go on, or why to stop there (a fleet stopping, the run cancelled).
   * The run then releases its lease and returns with `stopped` set: every version it ran is whole.
   */
  stopBefore?: () => string | null
  /** The schema the versions' unqualified names resolve to (SessionSettings.searchPath); null: the database's. */
  searchPath?: string | null
}

/** What baseline and repair need of apply's options: the tables, who runs, and the lease. */
export type OperationOptions = Pick<ApplyOptions, 'dialect' | 'tables' | 'run' | 'lease' | 'log' | 'sleep' | 'now'>

export type VersionOutcome = { kind: 'applied'; applied: AppliedVersion } | { kind: 'elsewhere' } | { kind: 'failed'; error: Error }

/** Built once per run (apply, baseline, repair) and passed to every part of the engine instead of the options. */
export interface EngineContext {
  /** What the SQL is (the engine asks it; it never assumes a database). */
  dialect: EngineDialect
  target: Target
  tables: MetaTables
  run: RunIdentity
  lease: Lease
  log: (message: string) => void
  now: () => number
  sleep: (ms: number) => Promise<void>
  /** Validated numbers (ms), never raw input; null or 0: the database's setting. */
  lockTimeoutMs: number | null
  statementTimeoutMs: number | null
  /** SessionSettings.searchPath for each version's transaction. */
  searchPath?: string | null
  /**
   * How long a step whose table locks other sessions hold waits for them before it is refused unrun (the
   * pre-flight, preflight.ts: the lease's wait-timeout, in ms). Absent: no pre-flight.
   */
  lockPreflightMs?: number
  /**
   * The rows the meta table holds as far as this run knows (read under the lease, plus the versions
   * recorded since). A version's meta row insert is guarded by it.
   */
  recordedRows?: number
}
