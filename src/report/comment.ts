/**
 * The sticky plan comment on a pull request, a pure renderer: the verdict, the versions, why apply would
 * refuse (plan-refusals.ts), the review's findings and the SQL. Golden files in __tests__/golden show its
 * exact output; the deploy comment is deploy-comment.ts.
 */
import type { Version } from '../migrations/types.js'
import type { PendingVersion, Plan } from '../plan.js'
import { plural } from '../text.js'
import { syntaxErrorsBesides } from '../review/syntax.js'
import type { Verification } from '../shadow/types.js'
import { TABLE_BUDGET, cell, clip, code, fenced, fileCell, fitLines, footer, versionList } from './markdown.js'
import { refusals, type PlanSource, type Refusals } from './plan-refusals.js'
import {
  REVIEW_BUDGET,
  activeFindings,
  blockingFindings,
  countsText,
  findingCounts,
  findingGroups,
  reviewCheckedLine,
  versionReviewCell,
  type FailOn,
  type ReviewInput
} from './review.js'

/** GitHub rejects comment bodies over 65,536 characters; keep a margin for the marker and edits. */
export const COMMENT_LIMIT = 65_536
const BUDGET = COMMENT_LIMIT - 1_536
/** No single file's SQL takes more than this, so one huge file does not hide the others. */
const FILE_SQL_CAP = 20_000

export type { PlanSource } from './plan-refusals.js'

export interface PlanCommentInput {
  environment: string
  plan: Plan
  /** The versions on disk (for the SQL of the pending ones). */
  versions: Version[]
  /** null when verification is turned off (`verify: false`). */
  verification: Verification | null
  source: PlanSource
  runUrl: string | null
  sha: string | null
  /** The review of the pending statements; absent or null when it was not computed. */
  review?: ReviewInput | null
  /** The schema change of the pending versions as markdown (renderSchemaChange); absent or null when not computed. */
  schemaChange?: string | null
  /** With check-drift: whether the database drifted from its applied migrations (renderPlanDrift, bounded); absent or null when not read. */
  drift?: string | null
  /** The `fail-on` input: findings at or above it make the verdict red. Default `error`, as the input's. */
  failOn?: FailOn
  /** The target's server ("MySQL 8.0.36"), when the run asked it. */
  server?: string | null
}

/** Marks a file whose own BEGIN … COMMIT wrapper is left out (in the table, explained once below it). */
const WRAPPER_NOTE = 'BEGIN/COMMIT left out'

/** The share of the comment the findings and the warnings may take; the SQL gets what is left. */
const FINDINGS_BUDGET = 12_000
const WARNINGS_BUDGET = 4_000
const SCHEMA_CHANGE_BUDGET = 8_000

function verificationCell(verification: Verification | null, version: number): string {
  const check = verification?.versions.find((v) => v.version === version)
  if (!verification || verification.status === 'unavailable' || !check) return '—'
  // No timings in the comment: a re-run of the same commit must render the same body (no edit).
  if (check.status === 'passed') return '✅'
  if (check.status === 'failed' && check.error) return `❌ ${code(`${check.error.file}:${check.error.line}:${check.error.column}`)}`
  return '⏭️ not run'
}

/** Verification beside the review: a version with an error or warning finding is never a bare ✅. */
function versionStatusCell(verification: Verification | null, review: ReviewInput | null, version: number): string {
  const verified = verificationCell(verification, version)
  const reviewed = review ? versionReviewCell(review.findings, version) : null
  return reviewed ? `${verified} · ${reviewed}` : verified
}

/** `PostgreSQL 16` from the server's description (`local PostgreSQL 16.6`), or null when it does not say. */
function postgresMajor(server: string | null): string | null {
  const match = /PostgreSQL (\d+)/.exec(server ?? '')
  return match ? `PostgreSQL ${match[1]}` : null
}

/** The verification section: what ran where, and the settings it could not match. */
export function verificationLines(verification: Verification | null): string[] {
  return [...verificationSection(verification), ...[unmatchedSettingsLine(verification)].flatMap((l) => (l ? ['', l] : []))]
}

function verificationSection(verification: Verification | null): string[] {
  if (!verification) return ['**Verification** is turned off (`verify: false`).']
  if (verification.status === 'unavailable') {
    return [`⚠️ **Verification did not run**: ${clip(verification.message ?? 'no throwaway PostgreSQL was available', 2_000)}`]
  }
  const where = verification.server ? ` on ${cell(verification.server)}` : ''
  if (verification.status === 'passed') {
    // Say what this proves: the SQL runs on an empty database, not how it behaves on the target's data.
    const major = postgresMajor(verification.server)
    const empty = major
      ? ` on an empty ${major}${verification.server ? ` (${cell(verification.server)})` : ''}`
      : ` on an empty database${where}`
    return [
      `✅ **Verified**: all ${plural(verification.versions.length, 'version')} applied from scratch${empty}. ` +
        "That proves the SQL runs, not how it behaves on the target's data."
    ]
  }
  const failed = verification.versions.find((v) => v.status === 'failed')
  const lines = [`❌ **Verification failed**${where}: applying every version from scratch stopped at v${failed?.version ?? '?'}.`]
  if (failed?.error) {
    const where = `${failed.error.file}:${failed.error.line}:${failed.error.column}`
    lines.push(
      '',
      `> ${code(where)}: ${cell(clip(failed.error.message, 2_000))}${failed.error.sqlState ? ` (SQLSTATE ${failed.error.sqlState})` : ''}`
    )
  }
  return lines
}

/** The settings of the target the throwaway database could not take, in one line; null when it matched them all. */
function unmatchedSettingsLine(verification: Verification | null): string | null {
  const unmatched = verification?.status === 'unavailable' ? [] : (verification?.settings?.unmatched ?? [])
  if (!unmatched.length) return null
  const shown = unmatched
    .slice(0, 5)
    .map((s) => `${code(clip(s.name, 100))} (${code(clip(s.target, 100))}: ${cell(clip(s.reason.replace(/\s+/g, ' '), 200))})`)
  const rest = unmatched.length > 5 ? ` and ${plural(unmatched.length - 5, 'more')}` : ''
  return (
    `⚠️ The throwaway database could not match the target's ${shown.join(', ')}${rest}: ` +
    'what depends on those settings (a rewrite, a default, a cast) may differ on the target.'
  )
}

/** Whether the versions ran on a throwaway database: not when verification was off or did not run. */
function verified(verification: Verification | null): boolean {
  return verification !== null && verification.status !== 'unavailable'
}

/**
 * Why apply would fail whatever fail-on says: a version that fails on a fresh database, SQL the parser
 * refuses (apply would stop there on any database). A few words each, for a verdict line.
 */
export function applyFailures(verification: Verification | null, review: ReviewInput | null): string[] {
  const failed = verification?.status === 'failed' ? verification.versions.find((v) => v.status === 'failed') : undefined
  const at = (where: { file: string; line: number; column: number }): string => code(`${where.file}:${where.line}:${where.column}`)
  // SQL PostgreSQL's parser refuses fails plan whatever fail-on says: apply would stop there on any database.
  const active = review && !review.unavailable ? activeFindings(review.findings) : []
  // The same errors plan fails on (commands/plan.ts): those verification did not already stop at.
  const unparsed = syntaxErrorsBesides(active, failed?.error)
  return [
    ...(failed ? [`v${failed.version} fails on a fresh database${failed.error ? ` at ${at(failed.error)}` : ''}`] : []),
    ...(unparsed.length
      ? [`v${unparsed[0].version} does not parse at ${at(unparsed[0])}${unparsed.length > 1 ? ` (and ${unparsed.length - 1} more)` : ''}`]
      : [])
  ]
}

/**
 * Will apply succeed: not when it would refuse (drift, missing versions, …), when a version fails on a fresh
 * database, or when the review has findings at or above fail-on. Then how many versions and findings.
 */
function verdict(
  plan: Plan,
  verification: Verification | null,
  refused: Refusals,
  review: ReviewInput | null,
  counts: string | null,
  failOn: FailOn
): string {
  const active = review && !review.unavailable ? activeFindings(review.findings) : []
  const failures = applyFailures(verification, review)
  const failure = failures.length ? failures.join('; ') : null
  const blocking = blockingFindings(active, failOn)
  const pending = plan.pending.length ? `${plural(plan.pending.length, 'version')} pending` : 'nothing pending'
  const tail = [pending, ...(counts ? [counts] : [])].join(' · ')
  if (refused.labels.length) {
    const reasons = [...refused.labels, ...(failure ? [failure] : [])].join('; ')
    return `❌ **apply would refuse**: ${reasons} · ${tail}`
  }
  if (failure) return `❌ **apply would fail**: ${failure} · ${tail}`
  if (blocking.length) return `❌ **The review blocks this plan** (fail-on: ${failOn}) · ${tail}`
  const unverified = plan.pending.length && !verified(verification) ? ' (not verified)' : ''
  return `✅ **Ready to apply**${unverified} · ${tail}`
}

/** Warnings of the plan itself (ADD VALUE in a transaction): apply runs anyway; listed and counted with the review's. */
export function planWarnings(plan: Plan): string[] {
  return plan.transactionConflicts
    .filter((conflict) => conflict.severity === 'warning')
    .map(
      (c) =>
        `- ⚠️ ${c.statement} at ${code(`${c.file}:${c.line}:${c.column}`)} runs inside the version's transaction: fine on PostgreSQL 12 and later, ` +
        `unless the new value is used in the same transaction (then put it in a file that starts with ${code('-- migrate:no-transaction')}).`
    )
}

/** How a pending version runs: the files that run outside a transaction, if any. */
function runsCell(pending: PendingVersion): string {
  if (pending.selfCommitting) {
    // Where DDL commits on its own (MySQL): what stays atomic and what does not, said plainly.
    const ddl = `${pending.selfCommitting} DDL, ${pending.selfCommitting === 1 ? 'commits' : 'each commits'} on its own`
    if (!pending.batches) return ddl
    return `${ddl}; ${pending.batches === 1 ? '1 DML batch in a transaction' : `${pending.batches} DML batches, a transaction each`}`
  }
  const outside = pending.files.filter((file) => file.noTransaction)
  if (!outside.length) return 'in one transaction'
  if (outside.length === 1) return `outside a transaction: ${code(outside[0].name)}`
  return `${plural(outside.length, 'file')} outside a transaction`
}

/** Cuts text at a line boundary to at most `max` characters, saying how much was left out. */
function truncate(text: string, max: number, path: string): { text: string; note: string | null } {
  if (text.length <= max) return { text, note: null }
  const cut = text.lastIndexOf('\n', max)
  const kept = text.slice(0, cut > 0 ? cut : max)
  const hiddenLines = text.slice(kept.length).split('\n').length - (text.endsWith('\n') ? 1 : 0)
  return { text: kept, note: `… ${plural(hiddenLines, 'more line')} not shown; see ${code(path)}.` }
}

/** The SQL of each pending version, folded, within `budget` characters (a note says what was left out). */
export function sqlBlocks(plan: Plan, versions: Version[], budget: number): string[] {
  const byNumber = new Map(versions.map((v) => [v.number, v]))
  const out: string[] = []
  let left = budget
  for (const [index, pending] of plan.pending.entries()) {
    const version = byNumber.get(pending.version)
    if (!version) continue
    if (left < 1_000) {
      // One line for the rest, however many versions there are.
      const rest = plan.pending.slice(index).map((p) => p.version)
      out.push(
        `SQL of ${plural(rest.length, 'more version')} not shown (${versionList(rest)}): the comment would exceed GitHub's size limit; see the files in the pull request.`
      )
      break
    }
    const label = pending.description ? `v${pending.version} ${pending.description}` : `v${pending.version}`
    const open = `<details><summary>SQL of ${escapeHtml(label)} (${plural(pending.files.length, 'file')}, ${plural(pending.statements, 'statement')})</summary>`
    const close = '</details>'
    // Every character counts against the budget: the wrapper, each file's block, each note.
    left -= open.length + close.length + 8
    const parts: string[] = []
    for (const [fileIndex, file] of version.files.entries()) {
      let block: string
      if (left < 600) {
        const rest = version.files.length - fileIndex
        block =
          rest === 1
            ? `${code(file.name)}: not shown (the comment would exceed GitHub's size limit); see ${code(file.path)}.`
            : `${code(file.name)} and ${plural(rest - 1, 'more file')}: not shown (the comment would exceed GitHub's size limit); see ${code(version.dir)}.`
        parts.push(block)
        left -= block.length + 2
        break
      } else {
        const shown = truncate(file.text.replace(/\n+$/, ''), Math.min(FILE_SQL_CAP, left - 400), file.path)
        block = `${code(file.name)}\n\n${fenced(shown.text, 'sql')}${shown.note ? `\n\n${shown.note}` : ''}`
      }
      left -= block.length + 2
      parts.push(block)
    }
    out.push(open, '', parts.join('\n\n'), '', close)
  }
  return out
}

/** The schema change as the throwaway database shows it, cut at a line to its share of the comment. */
function schemaChangeSection(markdown: string): string[] {
  const text = markdown.replace(/\n+$/, '')
  if (text.length <= SCHEMA_CHANGE_BUDGET) return ['**Schema change**', '', text]
  // At a blank line when there is one in the second half: a table or list is then cut whole.
  const paragraph = text.lastIndexOf('\n\n', SCHEMA_CHANGE_BUDGET)
  const cut = paragraph > SCHEMA_CHANGE_BUDGET / 2 ? paragraph : text.lastIndexOf('\n', SCHEMA_CHANGE_BUDGET)
  const kept = text.slice(0, cut > 0 ? cut : SCHEMA_CHANGE_BUDGET)
  const hidden = text.slice(kept.length).split('\n').length - 1
  return ['**Schema change**', '', kept, '', `… ${plural(Math.max(1, hidden), 'more line')} not shown.`]
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * The table of pending versions (header, rows within `budget`): files, statements, how each runs, and its
 * verification beside the review's errors and warnings.
 */
export function versionsTable(plan: Plan, verification: Verification | null, review: ReviewInput | null, budget = TABLE_BUDGET): string[] {
  const rows = plan.pending.map((p) => {
    const files = fileCell(p.files, (f) => `${code(f.name)} (${f.statements}${f.transactionWrapper ? `, ${WRAPPER_NOTE}` : ''})`)
    const label = p.description ? `v${p.version} ${cell(p.description)}` : `v${p.version}`
    return `| ${label} | ${files} | ${p.statements} | ${cell(runsCell(p))} | ${versionStatusCell(verification, review, p.version)} |`
  })
  return [
    '| Version | Files | Statements | Runs | Verified |',
    '|---|---|---:|---|---|',
    ...fitLines(rows, budget, (hidden) => `| … and ${plural(hidden, 'more version')} | | | | |`)
  ]
}

/** The notes under the table (versions held back by target-version, left-out BEGIN/COMMIT), each after a blank line. */
export function planNotes(plan: Plan): string[] {
  const out: string[] = []
  if (plan.deferred.length) out.push('', `Held back by target-version v${plan.targetVersion}: ${versionList(plan.deferred)}`)
  if (plan.pending.some((p) => p.files.some((f) => f.transactionWrapper))) {
    const why = 'every version already runs in one transaction, so those two statements are not sent'
    out.push('', `${WRAPPER_NOTE}: the file wraps all its statements in BEGIN … COMMIT; ${why}.`)
  }
  return out
}

/**
 * The review's part of a plan comment, each paragraph after a blank line: why it did not run, or that it found
 * nothing, or its findings by severity within `budget` (with the plan's own warnings), and what it checked.
 */
export function reviewLines(review: ReviewInput | null, warnings: string[], budget = REVIEW_BUDGET): string[] {
  const out: string[] = []
  const reviewed = review !== null && !review.unavailable
  if (review?.unavailable) out.push('', `⚠️ **Review did not run**: ${cell(clip(review.unavailable.replace(/\s+/g, ' '), 2_000))}`)
  if (reviewed && !activeFindings(review.findings).length) out.push('', `✅ **Review**: nothing found. ${reviewCheckedLine(review)}`)
  const groups = reviewed
    ? findingGroups(review, budget, { warning: warnings })
    : findingGroups(NO_REVIEW, Math.min(WARNINGS_BUDGET, budget), { warning: warnings })
  if (groups.length) out.push('', ...groups)
  if (reviewed && activeFindings(review.findings).length) out.push('', `<sub>${reviewCheckedLine(review)}</sub>`)
  return out
}

export function renderPlanComment(input: PlanCommentInput): string {
  const { plan, source, verification } = input
  const title = `### aurora-migrate plan · ${cell(input.environment)}`
  const refused = refusals(plan, source)
  const verifyFailed = verification?.status === 'failed'
  const context =
    source.kind === 'database'
      ? `Database${input.server ? ` (${cell(input.server)})` : ''} at **v${plan.currentVersion}**`
      : `The target database was **not consulted** (no credentials, e.g. a pull request from a fork): compared with the base branch at ${code(source.baseSha.slice(0, 7))}, at **v${plan.currentVersion}**`

  if (!plan.pending.length && !refused.items.length && !verifyFailed) {
    const state =
      source.kind === 'database'
        ? `up to date at **v${plan.currentVersion}**`
        : `no migration changes relative to the base branch (at **v${plan.currentVersion}**)`
    return [title, '', `✅ ${cell(input.environment)} is ${state}: nothing to apply.`, '', footer(input.runUrl, input.sha), ''].join('\n')
  }

  // The review only speaks of pending statements: with nothing pending it has nothing to say.
  const review = plan.pending.length ? (input.review ?? null) : null
  const warnings = planWarnings(plan)
  const reviewed = review !== null && !review.unavailable
  const counted = reviewed || warnings.length ? countsText(findingCounts(reviewed ? review.findings : [], { warning: warnings })) : null
  const counts = review?.unavailable ? [counted, 'review did not run'].filter(Boolean).join(' · ') : counted
  const head: string[] = [title, '', verdict(plan, verification, refused, review, counts, input.failOn ?? 'error'), '']
  const contextLine = head.length
  const total = plan.pending.reduce((sum, p) => sum + p.statements, 0)
  head.push(
    plan.pending.length
      ? `${context} · **${plural(plan.pending.length, 'version')} pending**: ${versionList(plan.pending.map((p) => p.version))} (${plural(total, 'statement')})`
      : `${context} · nothing pending`
  )
  if (plan.pending.length) head.push('', ...versionsTable(plan, verification, review))
  head.push(...planNotes(plan))
  if (refused.items.length) {
    const more = (hidden: number): string => `- … and ${hidden.toLocaleString('en-US')} more`
    head.push('', '**Apply would refuse to run until these are resolved:**', '', ...fitLines(refused.items, FINDINGS_BUDGET, more))
  }
  // A failed verification is an error: it comes before the findings; a passed one after them.
  const verificationPart = verificationLines(verification)
  if (verifyFailed) head.push('', ...verificationPart)
  head.push(...reviewLines(review, warnings))
  if (!verifyFailed) head.push('', ...verificationPart)
  if (input.schemaChange) head.push('', ...schemaChangeSection(input.schemaChange))
  if (input.drift) head.push('', input.drift)

  const tail = ['', footer(input.runUrl, input.sha), '']
  const fixed = head.join('\n').length + tail.join('\n').length
  const sql = sqlBlocks(plan, input.versions, BUDGET - fixed)
  const body = [...head, ...(sql.length ? ['', ...sql] : []), ...tail].join('\n')
  // Every part above is bounded; should they still add up to too much, a short comment beats none.
  if (body.length <= BUDGET) return body
  return [
    title,
    '',
    head[2],
    '',
    head[contextLine],
    '',
    'The plan is too large for a pull request comment: the log of the workflow run lists every pending version.',
    ...tail
  ].join('\n')
}

/** An empty review, for the plan's own warnings when the review was not computed. */
const NO_REVIEW: ReviewInput = { findings: [], checked: { rules: 0, catalog: 'no-target', trace: false }, pullRequestFilesUrl: null }
