/**
 * The review as the commands run it: the pending statements parsed, the target's catalog read once for the
 * relations they touch, and the rules run with the trace of verification when there is one. A review that
 * cannot run, or a catalog that cannot be read, warns: it never stops the command.
 */
import { applyRuleSettings } from '../review/rule-settings.js'
import type { Config } from '../config.js'
import { errorMessage } from '../errors.js'
import type { Version } from '../migrations/types.js'
import type { Plan } from '../plan.js'
import { logLine } from '../printable.js'
import { blockingFindings, findingAnnotations, findingLogLine, type ReviewInput } from '../report/review.js'
import { DIALECTS } from '../dialects/index.js'
import type { TargetSettings } from '../review/dialect.js'
import { parsePending, reviewRules, runRules, touchedRelations } from '../review/review.js'
import { SYNTAX_ERROR, syntaxErrorsBesides } from '../review/syntax.js'
import type { Finding, RelationFacts, ReviewStatement, StatementTrace } from '../review/types.js'
import type { Target } from '../targets/target.js'
import { dialectOf } from './dialect.js'
import type { CommandFailure, Reporter } from './reporter.js'

/** The schema an unqualified name in a migration resolves to, for the review. */
export const DEFAULT_SCHEMA = 'public'

/** Parses of pending versions, by the versions parsed: see prepareReview. */
export type ReviewParses = Map<string, ReturnType<typeof parsePending>>

/** The pending statements parsed, and what the target's catalog says of the tables they touch (null without a target). */
export interface PreparedReview {
  statements: ReviewStatement[]
  /** Statements the dialect's parser refuses: errors no waiver lifts. */
  syntaxErrors: Finding[]
  catalog: Map<string, RelationFacts> | null
  catalogState: ReviewInput['checked']['catalog']
  /** Why the review could not run; null when it can. */
  unavailable: string | null
  /** The target's settings, read in the same catalog call when asked for (plan, to verify like the target). */
  targetSettings?: TargetSettings | null
}

/**
 * Every rule id the review knows in any dialect, for the ignore-rules input, which is read before the
 * configuration that says which dialect a run speaks.
 */
export function knownRuleIds(): string[] {
  return [...new Set(DIALECTS.flatMap((dialect) => reviewRules(dialect.review).map((rule) => rule.id)))]
}

/** Parses the versions' statements and reads the target's catalog once for the relations they touch (catalog reads only). */
export async function prepareReview(
  config: Pick<Config, 'target'>,
  versions: Version[],
  reviewed: number[],
  target: Target | null,
  reporter: Reporter,
  withSettings = false,
  /**
   * Parses already made, by the versions reviewed (a fleet's targets share their pending versions: each set is
   * parsed once, and only each target's catalog is read).
   */
  parses?: ReviewParses
): Promise<PreparedReview> {
  if (!reviewed.length && !(withSettings && target))
    return { statements: [], syntaxErrors: [], catalog: null, catalogState: target ? 'read' : 'no-target', unavailable: null }
  const dialect = dialectOf(config).review
  let parsed: Awaited<ReturnType<typeof parsePending>>
  try {
    const key = reviewed.join(',')
    let parsing = parses?.get(key)
    if (!parsing) {
      parsing = parsePending(dialect, versions, reviewed)
      parses?.set(key, parsing)
    }
    parsed = await parsing
  } catch (error) {
    const message = `${dialect.displayName}'s parser could not be loaded: ${errorMessage(error)}`
    reporter.warning(logLine(`The review did not run: ${message}`))
    return { statements: [], syntaxErrors: [], catalog: null, catalogState: target ? 'failed' : 'no-target', unavailable: message }
  }
  const { statements, syntaxErrors: refused } = parsed
  if (!target) return { statements, syntaxErrors: refused, catalog: null, catalogState: 'no-target', unavailable: null }
  try {
    const read = await dialect.readCatalog(target, touchedRelations(dialect, statements, DEFAULT_SCHEMA), { settings: withSettings })
    return {
      statements,
      syntaxErrors: refused,
      catalog: read.facts,
      catalogState: 'read',
      unavailable: null,
      targetSettings: read.settings
    }
  } catch (error) {
    reporter.warning(
      logLine(`The review could not read the target's catalog, so it judges from the repository alone: ${errorMessage(error)}`)
    )
    return { statements, syntaxErrors: refused, catalog: null, catalogState: 'failed', unavailable: null }
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
  const dialect = dialectOf(config).review
  let findings: Finding[] = []
  let unavailable = prepared.unavailable
  try {
    if (!unavailable) {
      const context = { catalog: prepared.catalog, trace, defaultSchema: DEFAULT_SCHEMA }
      findings = applyRuleSettings(
        runRules(dialect, prepared.statements, context, { ignoreRules: config.ignoreRules }),
        config.ruleSeverities
      )
    }
  } catch (error) {
    // A fault in a rule must not stop a plan or an apply: it is reported, and the rest goes on.
    unavailable = `a rule failed: ${errorMessage(error)}`
    reporter.warning(logLine(`The review did not run: ${unavailable}`))
  }
  return {
    findings: withSyntaxErrors(findings, prepared.syntaxErrors),
    checked: {
      rules: reviewRules(dialect).length,
      catalog: prepared.catalogState,
      trace: trace !== null,
      parser: dialect.parses ? (dialect.parserName ?? dialect.displayName) : null,
      ...(dialect.catalogShows ? { catalogShows: dialect.catalogShows } : {}),
      ...(dialect.traceShows ? { traceShows: dialect.traceShows } : {})
    },
    pullRequestFilesUrl,
    unavailable
  }
}

/**
 * The statements the dialect's parser refuses, one failure each at the parser's position. They fail the command
 * whatever fail-on says: apply would stop at them on any database.
 */
export function syntaxFailures(
  findings: readonly Finding[],
  failedAt: { file: string; line: number; column: number } | null = null
): CommandFailure[] {
  return syntaxErrorsBesides(findings, failedAt).map((finding) => ({
    message: `v${finding.version}: ${finding.file}:${finding.line}:${finding.column}: ${finding.message}`,
    where: { title: `v${finding.version} does not parse`, file: finding.file, startLine: finding.line, startColumn: finding.column }
  }))
}

/** The findings fail-on judges: every unwaived finding at or above it, but the syntax errors, which fail on their own (syntaxFailures). */
export function reviewBlocking(findings: readonly Finding[], failOn: Config['failOn']): Finding[] {
  return blockingFindings(
    findings.filter((finding) => finding.rule !== SYNTAX_ERROR),
    failOn
  )
}

/** The rules' findings with the syntax errors among them, by version, file and position (a stable sort keeps the rules' order). */
function withSyntaxErrors(findings: Finding[], refused: Finding[]): Finding[] {
  if (!refused.length) return findings
  return [...findings, ...refused].sort(
    (a, b) => a.version - b.version || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.column - b.column
  )
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
