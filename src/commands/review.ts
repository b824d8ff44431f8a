/**
 * The review as the commands run it: the pending statements parsed, the target's catalog read once for the
 * relations they touch, and the rules run with the trace of verification when there is one. A review that
 * cannot run, or a catalog that cannot be read, warns: it never stops the command.
 */
import type { Config } from '../config.js'
import { errorMessage } from '../errors.js'
import type { Version } from '../migrations/types.js'
import type { Plan } from '../plan.js'
import { logLine } from '../printable.js'
import { findingAnnotations, findingLogLine, type ReviewInput } from '../report/review.js'
import { readCatalogFacts } from '../review/catalog.js'
import { RULES, reviewStatements, runRules, touchedRelations } from '../review/review.js'
import type { Finding, RelationFacts, ReviewStatement, StatementTrace } from '../review/types.js'
import type { Target } from '../targets/target.js'
import type { Reporter } from './reporter.js'

/** The schema an unqualified name in a migration resolves to, for the review. */
export const DEFAULT_SCHEMA = 'public'

/** The pending statements parsed, and what the target's catalog says of the tables they touch (null without a target). */
export interface PreparedReview {
  statements: ReviewStatement[]
  catalog: Map<string, RelationFacts> | null
  catalogState: ReviewInput['checked']['catalog']
  /** Why the review could not run; null when it can. */
  unavailable: string | null
}

/** Parses the versions' statements and reads the target's catalog once for the relations they touch (catalog reads only). */
export async function prepareReview(
  versions: Version[],
  reviewed: number[],
  target: Target | null,
  reporter: Reporter
): Promise<PreparedReview> {
  if (!reviewed.length) return { statements: [], catalog: null, catalogState: target ? 'read' : 'no-target', unavailable: null }
  let statements: ReviewStatement[]
  try {
    statements = await reviewStatements(versions, reviewed)
  } catch (error) {
    const message = `PostgreSQL's parser could not be loaded: ${errorMessage(error)}`
    reporter.warning(logLine(`The review did not run: ${message}`))
    return { statements: [], catalog: null, catalogState: target ? 'failed' : 'no-target', unavailable: message }
  }
  if (!target) return { statements, catalog: null, catalogState: 'no-target', unavailable: null }
  try {
    const catalog = await readCatalogFacts(target, touchedRelations(statements, DEFAULT_SCHEMA))
    return { statements, catalog, catalogState: 'read', unavailable: null }
  } catch (error) {
    reporter.warning(
      logLine(`The review could not read the target's catalog, so it judges from the repository alone: ${errorMessage(error)}`)
    )
    return { statements, catalog: null, catalogState: 'failed', unavailable: null }
  }
}

/** The versions a plan would apply. */
export function pendingOf(plan: Plan): number[] {
  return plan.pending.map((p) => p.version)
}

/** The findings of the prepared review, with the trace of verification when it ran. */
export function reviewFindings(
  config: Config,
  prepared: PreparedReview,
  trace: ReadonlyMap<string, StatementTrace> | null,
  reporter: Reporter,
  pullRequestFilesUrl: string | null = null
): ReviewInput {
  let findings: Finding[] = []
  let unavailable = prepared.unavailable
  try {
    if (!unavailable) {
      const context = { catalog: prepared.catalog, trace, defaultSchema: DEFAULT_SCHEMA }
      findings = runRules(prepared.statements, context, { ignoreRules: config.ignoreRules })
    }
  } catch (error) {
    // A fault in a rule must not stop a plan or an apply: it is reported, and the rest goes on.
    unavailable = `a rule failed: ${errorMessage(error)}`
    reporter.warning(logLine(`The review did not run: ${unavailable}`))
  }
  return {
    findings,
    checked: { rules: RULES.length, catalog: prepared.catalogState, trace: trace !== null },
    pullRequestFilesUrl,
    unavailable
  }
}

/**
 * Reporter.findings as a log shows it: each finding a `[review]` line (waived ones with their reason), and
 * each unwaived one an annotation at its file and line (in the action, in the pull request's Files changed).
 */
export function showFindings(reporter: Reporter, findings: readonly Finding[], show: { log: boolean; annotate: boolean }): void {
  if (show.log) for (const finding of findings) reporter.info(`[review] ${findingLogLine(finding)}`)
  if (show.annotate)
    for (const annotation of findingAnnotations(findings)) reporter.annotate(annotation.level, annotation.message, annotation.properties)
}
