/**
 * What the meta table holds of one applied version (AppliedRow) and who recorded it (RunIdentity):
 * the plan reads the rows, the engine writes and reads them, the front ends say who runs. No I/O.
 */

/** One row of the meta table, as the engine reads it. */
export interface AppliedRow {
  version: number
  description: string
  checksum: string
  files: Array<{ name: string; checksum: string; statements: number }>
  appliedAt: string
  executionMs: number
  appliedBy: string | null
  commitSha: string | null
  runUrl: string | null
}

/** Who applies: written into each meta row a run records. */
export interface RunIdentity {
  actor: string | null
  commitSha: string | null
  runUrl: string | null
}
