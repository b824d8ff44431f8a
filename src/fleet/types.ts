/**
 * A fleet: many databases migrated in one run from a targets file (see docs/fleets.md). These are the values
 * that pass between the file's reading (targets-file.ts, expand.ts), the schedule (schedule.ts), the commands
 * (commands/fleet.ts) and the reports (report/fleet-*.ts).
 */
import type { Plan } from '../plan.js'
import type { Finding, ReviewInput } from '../review/types.js'
import type { Verification } from '../shadow/verify.js'

/** What became of one target in an apply. */
export type FleetStatus = 'applied' | 'up-to-date' | 'failed' | 'refused' | 'skipped'

export type OnError = 'stop' | 'continue'

/** One database of the fleet, once the file is read and its queries expanded. */
export interface FleetTarget {
  /** The entry's name, or `<entry>/<database>` (or `<entry>/<schema>`) for a row of its query. */
  name: string
  /** The database (or, for a schemas-query row, the schema) it names; null when the connection's default. */
  database: string | null
  /** The wave it runs in; null: after every numbered wave. */
  wave: number | null
  /** The single-target inputs of this target: the defaults overlaid with its entry's own (values, never secrets). */
  inputs: ReadonlyMap<string, string>
}

/** Where a failure points in the repository. */
export interface FleetLocation {
  file: string
  line: number
  column: number
}

/** One target's apply, as the `runs` output and the reports show it. */
export interface FleetRun {
  name: string
  database: string | null
  status: FleetStatus
  /** The version before the run; null when the target was not read (skipped, or it could not be reached). */
  from: number | null
  /** The version after the run; null as `from`. */
  to: number | null
  /** Versions this run applied, in order. */
  applied: number[]
  /** Why it failed or was refused (one line, no secret); for skipped targets why they were skipped. */
  error?: string
  /** The failing statement's file and line, when the failure has one. */
  location?: FleetLocation | null
  /**
   * Set when the target stopped before its last pending version because the fleet stopped (on-error: stop,
   * or the run was cancelled): it finished the version it was on and is at a version boundary.
   */
  stopped?: string
  durationMs: number
}

/** The whole apply, for the job summary, the deploy comment and the command line's last lines. */
export interface FleetApplyReport {
  environment: string
  runs: FleetRun[]
  durationMs: number
  concurrency: number
  onError: OnError
  /** The run was cancelled (SIGINT/SIGTERM): targets not started are skipped. */
  cancelled: boolean
  runUrl: string | null
  sha: string | null
}

/** One target as plan read it. */
export interface FleetPlanTarget {
  name: string
  database: string | null
  /** "Aurora PostgreSQL 16.4", when the server was asked. */
  server: string | null
  /** null when the target could not be read (then `error` says why). */
  plan: Plan | null
  /** The review of this target's pending versions, with its own catalog (and the distinct plan's trace). */
  review: ReviewInput | null
  /** Why the target could not be planned (unreachable, no meta table access, …): one line, no secret. */
  error: string | null
}

/**
 * Targets whose plans are the same: the same current version, the same pending versions, the same drift and
 * refusals. Verified once; their findings are folded: those every target of the group has are `common`, the
 * others (a size-aware finding that fires only where a table is big) listed with the targets they fire on.
 */
export interface FleetPlanGroup {
  /** The grouping key (stable, for tests and ordering). */
  key: string
  /** The targets' names, in the file's order. */
  targets: string[]
  /** The plan of the group's first target (they agree on everything the key holds). */
  plan: Plan
  /** The verification of this group's pending versions (shared by every group with the same pending versions); null when off. */
  verification: Verification | null
  /** The review with the findings every target of the group has (the first target's review otherwise). */
  review: ReviewInput | null
  /** Findings only some targets of the group have, with those targets' names. */
  partialFindings: Array<{ finding: Finding; targets: string[] }>
}

/** The fleet's plan, for the one plan comment. */
export interface FleetPlanReport {
  environment: string
  groups: FleetPlanGroup[]
  /** Targets that could not be planned (error set), in the file's order. */
  unreachable: FleetPlanTarget[]
  /** How many targets the file (after `only` and the queries) holds. */
  total: number
  runUrl: string | null
  sha: string | null
}
