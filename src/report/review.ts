/**
 * Pure renderers for the review: the plan comment's Review section, the version table's review cell, the
 * `findings` output, one annotation per finding, and what fails the step under `fail-on`. Waived findings
 * are shown with their reason and never fail, annotate or reach the output.
 */
import { createHash } from 'node:crypto'
import { SEVERITIES, type Finding, type ReviewInput, type Severity } from '../review/types.js'
import { plural } from '../text.js'
import { clip, code, fenced, fitLines } from './markdown.js'

/** The `fail-on` input: the lowest severity that fails `plan`, or `never`. */
export type FailOn = Severity | 'never'
export const FAIL_ON: readonly FailOn[] = [...SEVERITIES, 'never']

/** What the review found and checked (src/review/types.ts): what this file renders. */
export type { ReviewInput } from '../review/types.js'

const ICON: Record<Severity, string> = { error: '❌', warning: '⚠️', notice: 'ℹ️' }
/** The share of the comment the review's findings may take. */
export const REVIEW_BUDGET = 16_000
/** No single message, fix or safe pattern takes more than this, so one long text does not hide the others. */
const TEXT_CAP = 1_500
const SQL_CAP = 3_000

function rank(severity: Severity): number {
  return SEVERITIES.indexOf(severity)
}

/** Findings that count: not waived by a comment or by ignore-rules. */
export function activeFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((finding) => !finding.waived)
}

/** The unwaived findings at or above `failOn` (none under `never`): each one fails `plan`. */
export function blockingFindings(findings: readonly Finding[], failOn: FailOn): Finding[] {
  if (failOn === 'never') return []
  return activeFindings(findings).filter((finding) => rank(finding.severity) <= rank(failOn))
}

/** `1 error · 2 warnings`: the unwaived findings by severity, highest first, leaving out severities with none. */
export function severityCounts(findings: readonly Finding[], icons = true): string {
  const active = activeFindings(findings)
  return SEVERITIES.map((severity) => ({ severity, count: active.filter((f) => f.severity === severity).length }))
    .filter((entry) => entry.count > 0)
    .map((entry) => `${icons ? `${ICON[entry.severity]} ` : ''}${plural(entry.count, entry.severity)}`)
    .join(icons ? ' · ' : ', ')
}

/**
 * What the review says of one version in the plan's table, beside its verification: the unwaived errors
 * and warnings (`❌ 1 error · ⚠️ 2 warnings`), or null when it has none (notices do not qualify a ✅).
 */
export function versionReviewCell(findings: readonly Finding[], version: number): string | null {
  const serious = activeFindings(findings).filter((f) => f.version === version && f.severity !== 'notice')
  return serious.length ? severityCounts(serious) : null
}

/** GitHub's anchor of a line in a pull request's diff: `#diff-<sha256 of the path>R<line>`. */
export function diffAnchor(file: string, line: number): string {
  return `diff-${createHash('sha256').update(file).digest('hex')}R${line}`
}

function where(finding: Finding, filesUrl: string | null): string {
  const label = code(`${finding.file}:${finding.line}`)
  return filesUrl ? `[${label}](${filesUrl}#${diffAnchor(finding.file, finding.line)})` : label
}

/** One line of plain text: the renderer owns the layout, so line breaks in a message cannot break it. */
function oneLine(text: string, max = TEXT_CAP): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max)
}

const CATALOG_NOT_READ: Record<Exclude<ReviewInput['checked']['catalog'], 'read'>, string> = {
  'no-target': 'no target, e.g. a pull request from a fork',
  failed: 'it could not be read: see the log'
}

function checkedLine(checked: ReviewInput['checked']): string {
  const used = [
    checked.catalog === 'read' ? `the target's catalog (${checked.catalogShows ?? 'rows and size of each table touched'})` : null,
    checked.trace ? `the trace of each statement on the throwaway database (${checked.traceShows ?? 'locks taken, rewrites'})` : null
  ].filter((source) => source !== null)
  const parser = checked.parser === undefined ? 'PostgreSQL' : checked.parser
  // Without a parser the rules read the text alone: the catalog and the trace have nothing to add to them.
  if (!parser) return `${plural(checked.rules, 'rule')} checked on each pending statement's text (no parser for this engine yet).`
  const head = `${plural(checked.rules, 'rule')} checked on ${parser}'s parse of each pending statement${used.length ? ` with ${used.join(' and ')}` : ''}`
  if (checked.catalog === 'read') return `${head}.`
  return `${head}; judged from the repository alone, without the target's catalog (${CATALOG_NOT_READ[checked.catalog]}).`
}

function findingItem(finding: Finding, filesUrl: string | null): string {
  // The group says the severity in words; the icon stays on each item for a reader who scrolls.
  const head = `- ${ICON[finding.severity]} ${code(finding.rule)} at ${where(finding, filesUrl)}: ${oneLine(finding.message)}`
  const lines = [head, `  **Fix:** ${oneLine(finding.fix)}`]
  if (finding.fixSql) {
    const sql = fenced(clip(finding.fixSql.replace(/\n+$/, ''), SQL_CAP), 'sql')
    lines.push('', '  <details><summary>Safe pattern</summary>', '', ...sql.split('\n').map((line) => `  ${line}`), '', '  </details>')
  }
  // Lines of one item end with `<br>` so the fix shows under the message, in the same list item.
  return [`${lines[0]}<br>`, ...lines.slice(1)].join('\n')
}

function waivedItem(finding: Finding, filesUrl: string | null): string {
  const by = finding.waived!.by === 'comment' ? 'a comment' : 'ignore-rules'
  return `- ${code(finding.rule)} at ${where(finding, filesUrl)}, by ${by}: ${oneLine(finding.waived!.reason, 500)}`
}

/** More items of one severity than this are folded in <details> (errors never are). */
export const FOLD_AFTER = 3

/** Items of each severity that are not the review's own (the plan's warnings), listed and counted with them. */
export type ExtraItems = Partial<Record<Severity, string[]>>

/** How many items each severity lists: the unwaived findings plus the extra items. */
export function findingCounts(findings: readonly Finding[], extra: ExtraItems = {}): Record<Severity, number> {
  const active = activeFindings(findings)
  const count = (severity: Severity): number => active.filter((f) => f.severity === severity).length + (extra[severity]?.length ?? 0)
  return { error: count('error'), warning: count('warning'), notice: count('notice') }
}

/** `❌ 1 error · ⚠️ 2 warnings`, leaving out severities with none; `no findings` when all are zero. */
export function countsText(counts: Record<Severity, number>): string {
  const parts = SEVERITIES.filter((severity) => counts[severity] > 0).map(
    (severity) => `${ICON[severity]} ${plural(counts[severity], severity)}`
  )
  return parts.length ? parts.join(' · ') : 'no findings'
}

/**
 * The findings grouped by severity, highest first, within about `budget` characters: errors open, warnings
 * and notices each folded in <details> when there are more than FOLD_AFTER (and notices whenever warnings
 * are folded), then the waived findings folded.
 * Each group lists as many items as fit in what the groups before it left, then how many more there are.
 */
export function findingGroups(review: ReviewInput, budget = REVIEW_BUDGET, extra: ExtraItems = {}): string[] {
  const active = activeFindings(review.findings)
  const waived = review.findings.filter((finding) => finding.waived)
  const more = (hidden: number): string => `- … and ${plural(hidden, 'more finding')}: see the \`findings\` output and the annotations.`
  const waivedLines = waived.length
    ? [
        `<details><summary>Waived (${waived.length.toLocaleString('en-US')})</summary>`,
        '',
        ...fitLines(
          waived.map((finding) => waivedItem(finding, review.pullRequestFilesUrl)),
          Math.floor(budget / 4),
          (hidden) => `- … and ${hidden.toLocaleString('en-US')} more`
        ),
        '',
        '</details>'
      ]
    : []
  let room = budget - waivedLines.join('\n').length
  const out: string[] = []
  let folded = false
  for (const severity of SEVERITIES) {
    const items = [
      ...(extra[severity] ?? []),
      ...active.filter((f) => f.severity === severity).map((f) => findingItem(f, review.pullRequestFilesUrl))
    ]
    if (!items.length) continue
    const title = `${ICON[severity]} ${plural(items.length, severity)}`
    // Once a group is folded, the less severe ones are too: notices never stand open under folded warnings.
    const fold: boolean = severity !== 'error' && (items.length > FOLD_AFTER || folded)
    folded = fold
    const head = fold ? [`<details><summary>${title}</summary>`, ''] : [`**${title}**`, '']
    const tail = fold ? ['', '</details>'] : []
    const listed = fitLines(items, Math.max(0, room - 200), more)
    const group = [...head, ...listed, ...tail]
    room -= group.join('\n').length + 1
    if (out.length) out.push('')
    out.push(...group)
  }
  if (waivedLines.length) out.push(...(out.length ? [''] : []), ...waivedLines)
  return out
}

/** What the review checked, as one sentence (for the line under the findings, or "nothing found"). */
export function reviewCheckedLine(review: ReviewInput): string {
  return checkedLine(review.checked)
}

/**
 * The Review as the `validate` report shows it, at most about `budget` characters: counts by severity, then
 * the findings grouped by severity (findingGroups). Nothing found: one line saying what was checked, and
 * the waived findings.
 */
export function renderReview(review: ReviewInput, budget = REVIEW_BUDGET): string[] {
  if (review.unavailable) return [`⚠️ **Review did not run**: ${oneLine(review.unavailable, 2_000)}`]
  const active = activeFindings(review.findings)
  const groups = findingGroups(review, budget - 400)
  if (!active.length) return [`✅ **Review**: nothing found. ${checkedLine(review.checked)}`, ...(groups.length ? ['', ...groups] : [])]
  return [`**Review**: ${countsText(findingCounts(active))}. ${checkedLine(review.checked)}`, '', ...groups]
}

/** One entry of the `findings` output. */
export interface FindingOutput {
  rule: string
  severity: Severity
  file: string
  line: number
  column: number
  message: string
  relation: string | null
  lock: string | null
}

/**
 * The unwaived findings as a JSON array of at most `limit` characters, highest severity first. When they
 * do not all fit, the least severe are left off (the comment and the job summary count every one).
 */
export function findingsOutput(findings: readonly Finding[], limit: number): string {
  const entries: FindingOutput[] = activeFindings(findings)
    .sort((a, b) => rank(a.severity) - rank(b.severity))
    .map((f) => ({
      rule: f.rule,
      severity: f.severity,
      file: f.file,
      line: f.line,
      column: f.column,
      message: clip(f.message, 2_000),
      relation: f.relation,
      lock: f.lock
    }))
  const kept: string[] = []
  let length = 2
  for (const entry of entries) {
    const json = JSON.stringify(entry)
    if (length + json.length + 1 > limit) break
    kept.push(json)
    length += json.length + 1
  }
  return `[${kept.join(',')}]`
}

/**
 * GitHub shows at most 10 error and 10 warning annotations of a step and 50 of a job: more only fill the
 * log. The comment, summary and output carry every finding.
 */
export const ANNOTATION_LIMIT = 50

/**
 * One annotation per unwaived finding, at its file, line and column (the title is the rule id), errors first,
 * up to `limit`; past it, one more (no file) that says how many are left out.
 */
export interface FindingAnnotation {
  level: Severity
  message: string
  properties: { title: string; file?: string; startLine?: number; startColumn?: number }
}

export function findingAnnotations(findings: readonly Finding[], limit = ANNOTATION_LIMIT): FindingAnnotation[] {
  // Stable: within a severity, in the findings' order (version, statement, position).
  const active = activeFindings(findings).sort((a, b) => rank(a.severity) - rank(b.severity))
  const annotations: FindingAnnotation[] = active.slice(0, limit).map((f) => ({
    level: f.severity,
    message: `${oneLine(f.message)} Fix: ${oneLine(f.fix)}`,
    properties: { title: f.rule, file: f.file, startLine: f.line, startColumn: f.column }
  }))
  if (active.length > limit)
    annotations.push({
      level: 'notice',
      message: `${(active.length - limit).toLocaleString('en-US')} more ${active.length - limit === 1 ? 'finding is' : 'findings are'} not annotated (the least severe): the comment, the job summary and the findings output list them all.`,
      properties: { title: 'Review' }
    })
  return annotations
}

/** A finding for a log line: `warning index-not-concurrent at m/v3/01.sql:4:1: …`. */
export function findingLogLine(finding: Finding): string {
  const waived = finding.waived
    ? ` (waived by ${finding.waived.by === 'comment' ? 'a comment' : 'ignore-rules'}: ${oneLine(finding.waived.reason, 500)})`
    : ''
  return `${finding.severity} ${finding.rule} at ${finding.file}:${finding.line}:${finding.column}: ${oneLine(finding.message)}${waived}`
}

/** Why `plan` failed the step under `fail-on`, and what to do about it. */
export function failOnMessage(blocking: readonly Finding[], failOn: FailOn): string {
  return (
    `The review found ${plural(blocking.length, 'finding')} at or above fail-on: ${failOn} (${severityCounts(blocking, false)}). ` +
    'Change the statements as each finding says, or waive one with a comment line `-- aurora-migrate:ignore <rule-id> <reason>` right before its statement, ' +
    'or set fail-on: never to report without failing.'
  )
}
