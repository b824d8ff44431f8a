/**
 * How a command speaks while it runs, the same for the action and the command line: log lines, warnings,
 * and messages tied to a file and line (annotations on GitHub, `file:line:column` on a terminal). Every
 * message goes through `logLine` on its way out: names and SQL from a pull request cannot inject workflow
 * commands or terminal controls.
 */
import type { Finding, Severity } from '../review/types.js'

/** Where a message points: a file (relative to the workspace) and a position in it. */
export interface Where {
  title?: string
  file?: string
  startLine?: number
  startColumn?: number
}

/** A reason the command fails, said after everything is published. */
export interface CommandFailure {
  message: string
  where: Where
}

export interface Reporter {
  info(message: string): void
  /** A warning that points nowhere in particular. */
  warning(message: string): void
  /** A message at a file and line: an annotation in the action, a `file:line:column` line on a terminal. */
  annotate(level: Severity, message: string, where: Where): void
  /**
   * The review's findings: `log` each one (waived ones with their reason), `annotate` the unwaived ones at
   * their file and line (the commands that judge them: plan, validate, review).
   */
  findings(findings: readonly Finding[], show: { log: boolean; annotate: boolean }): void
}
