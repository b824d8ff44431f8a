/** What verification found: by version, with the trace, the schema change and the settings it ran with. */
import type { SchemaChange, SchemaObject } from '../review/schema-change.js'
import type { StatementTrace } from '../review/types.js'

export interface VersionCheck {
  version: number
  status: 'passed' | 'failed' | 'not-run'
  durationMs: number
  statements: number
  /**
   * Where and why it failed. line and column are 0 when the failure is not in one of the version's
   * statements (recording the version in the meta table failed).
   */
  error?: { file: string; line: number; column: number; message: string; sqlState?: string }
}

export interface Verification {
  status: 'passed' | 'failed' | 'unavailable'
  /** Where it ran, safe to show: e.g. "local PostgreSQL 16.6" or "shadow-database-url postgres://u:***@host:5432/…" */
  server: string | null
  versions: VersionCheck[]
  /** For 'unavailable': why (no binaries found, shadow server unreachable …) — a warning, never a step failure. For 'failed' the first failure message. */
  message: string | null
  durationMs: number
  /**
   * What each pending statement did, keyed by traceKey(version, index); null when nothing was traced (no
   * pending versions given, verification unavailable, or tracing failed: see `traceMessage`). A statement
   * missing from the map did not run (its version failed earlier, or it failed itself). Always set by verifyOnShadow.
   */
  trace?: Map<string, StatementTrace> | null
  /** What the pending versions add, change and remove; null unless they all ran and were traced. */
  schemaChange?: SchemaChange | null
  /** The schema the applied versions make (before the first pending statement); null unless traced. */
  appliedSchema?: SchemaObject[] | null
  /** Why tracing stopped, when it failed while verification went on. */
  traceMessage?: string | null
  /** The target's settings the throwaway database ran with (`matched`) and those it could not match, with why. */
  settings?: { matched: string[]; unmatched: Array<{ name: string; target: string; reason: string }> } | null
}
