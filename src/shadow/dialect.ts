/**
 * What verification asks of a dialect (its port): a throwaway server to run the plan on (a scratch database on
 * the server the user gives, or a local server it starts), connections to it, the target's settings matched
 * there, and a trace of the pending statements. Running the plan, comparing and reporting (verify.ts) are the
 * same for every dialect.
 */
import type { MetaTables } from '../engine/meta.js'
import type { Version } from '../migrations/types.js'
import type { TargetSettings } from '../review/dialect.js'
import type { SchemaChange, SchemaObject } from '../review/schema-change.js'
import type { StatementTrace } from '../review/types.js'
import type { Target } from '../targets/target.js'

/** Where verification runs: a database URL and how to clean up after it. */
export interface Shadow {
  /** Where it runs, safe to show: "local PostgreSQL 16.6", "shadow-database-url postgres://u:***@host:5432/…". */
  server: string
  url: string
  /** Why a target setting could not be set, by name. */
  settingReasons: Map<string, string>
  cleanUp(): Promise<void>
}

/** What matched of the target's settings and what did not (Verification.settings). */
export interface SettingsMatch {
  matched: string[]
  unmatched: Array<{ name: string; target: string; reason: string }>
}

/** A Target that traces the pending statements while the engine applies the versions through it. */
export interface Tracer extends Target {
  /** What each pending statement did, by traceKey(version, index). */
  readonly traces: Map<string, StatementTrace>
  /** Set when tracing failed: verification goes on untraced and says why. */
  readonly failure: string | null
  /** Starts the trace's own set-up; `pendingFirst`: the first version applied is pending. */
  prepare(pendingFirst: boolean): void
  /** Reads the traces once every version ran. */
  finish(): Promise<void>
  /** The schema change once every pending statement ran; null when they did not all run or tracing failed. */
  schemaChange(): SchemaChange | null
  /** The schema before the first pending statement ran (what the applied versions make); absent where not read. */
  appliedSchema?(): SchemaObject[] | null
}

export interface ShadowDialect {
  /** Where verification keeps the history on the throwaway database at `url` (PostgreSQL: public.schema_migrations). */
  metaTables(url: string): MetaTables
  /** A connection to a database of the throwaway server. */
  connect(url: string, log: (m: string) => void): Target
  /**
   * A scratch database on the server at `url` (shadow-database-url), made like the target's when its settings are
   * known; cleanUp drops it and what the migrations created on the server. ShadowUnavailableError when it cannot be.
   */
  scratchDatabase(url: string, settings: TargetSettings | null, log: (m: string) => void): Promise<Shadow>
  /** A local throwaway server started from binaries on the machine; ShadowUnavailableError when there are none. */
  localServer(options: { log: (m: string) => void; env?: NodeJS.ProcessEnv; targetSettings?: TargetSettings | null }): Promise<Shadow>
  /** What the throwaway database matched of the target's settings, read back from a new session there; logged. */
  matchSettings(target: Target, shadow: Shadow, settings: TargetSettings, log: (m: string) => void): Promise<SettingsMatch>
  /**
   * The tracer of the pending versions' statements around `inner` (connected to `url`); `leaveOut` says which
   * relations (the history's) the trace leaves out. Null where the dialect traces nothing yet: the statements
   * are verified untraced, as with verification's trace turned off.
   */
  tracer(
    inner: Target,
    url: string,
    versions: Version[],
    pending: ReadonlySet<number>,
    leaveOut: (relation: string) => boolean
  ): Tracer | null
}
