/**
 * Pure renderers: apply results → markdown for the job summary (and the `summary` output), and the
 * markdown helpers the comments share. Every list is bounded, whatever the number of versions: long
 * lists end in "… and N more". No I/O; golden files in __tests__/golden show their exact output.
 */
import { StatementFailedError, StepFailedError, publicSqlMessage, errorCodes } from '../errors.js'
import type { Plan } from '../plan.js'
import { plural } from '../text.js'

/** What a report shows of an apply run (the engine's result has this shape; report takes no engine type). */
export interface ApplyReport {
  plan: Plan
  fromVersion: number
  toVersion: number
  applied: Array<{
    version: number
    description: string
    durationMs: number
    statements: number
    files: Array<{ name: string; path: string; statements: number }>
  }>
  appliedElsewhere: number[]
  error: Error | null
  failedVersion: number | null
  leaseWaitedMs: number
  durationMs: number
}

export interface ReportContext {
  /** The target as it is safe to show (never a secret). */
  target: string
  /** The target's server ("MySQL 8.0.36"), when the run asked it. */
  server?: string | null
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${text}${pad}${fence}`
}

/** A table cell: no pipes or line breaks may break the row. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

/** A fenced block that survives fences inside the text. */
export function fenced(text: string, lang = ''): string {
  const longest = Math.max(2, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${lang}\n${text}\n${fence}`
}

function versionLabel(version: number, description: string): string {
  return description ? `v${version} ${cell(description)}` : `v${version}`
}

/**
 * Version numbers for people: each one when there are at most `max`; otherwise runs of three or more
 * consecutive versions as `v3–v9`, at most `max` items, then how many more.
 */
export function versionList(numbers: number[], max = 20): string {
  if (numbers.length <= max) return numbers.map((n) => `v${n}`).join(', ')
  const items: Array<{ text: string; count: number }> = []
  for (let start = 0; start < numbers.length;) {
    let end = start
    while (end + 1 < numbers.length && numbers[end + 1] === numbers[end] + 1) end++
    if (end - start >= 2) {
      items.push({ text: `v${numbers[start]}–v${numbers[end]}`, count: end - start + 1 })
    } else {
      for (let index = start; index <= end; index++) items.push({ text: `v${numbers[index]}`, count: 1 })
    }
    start = end + 1
  }
  if (items.length <= max) return items.map((item) => item.text).join(', ')
  const shown = items.slice(0, max)
  const hidden = numbers.length - shown.reduce((sum, item) => sum + item.count, 0)
  return `${shown.map((item) => item.text).join(', ')} … and ${hidden.toLocaleString('en-US')} more`
}

/**
 * As many of `lines` as fit in `budget` characters (joined by line breaks), then one line saying how
 * many were left out: `more(n)`.
 */
export function fitLines(lines: string[], budget: number, more: (hidden: number) => string): string[] {
  const kept: string[] = []
  let used = 0
  for (const [index, line] of lines.entries()) {
    const last = index === lines.length - 1
    // Room for this line, and (unless it is the last) for the note about the rest.
    if (used + line.length + 1 + (last ? 0 : more(lines.length - index).length + 1) > budget) {
      return [...kept, more(lines.length - index)]
    }
    kept.push(line)
    used += line.length + 1
  }
  return kept
}

/** At most `max` characters of one piece of text, with `…` where it was cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** A version's files in a table cell: at most FILES_PER_CELL names, then how many more. */
export function fileCell<F extends { name: string; statements: number }>(
  files: readonly F[],
  describe: (file: F) => string = (file) => `${code(file.name)} (${file.statements})`
): string {
  const shown = files.slice(0, FILES_PER_CELL).map(describe)
  if (files.length > FILES_PER_CELL) shown.push(`… and ${plural(files.length - FILES_PER_CELL, 'more file')}`)
  return cell(shown.join('<br>'))
}

const FILES_PER_CELL = 10
/** The share of a summary or comment the table of versions may take (the rest is for errors and SQL). */
export const TABLE_BUDGET = 30_000

function versions(numbers: number[]): string {
  return versionList(numbers)
}

export function renderApply(result: ApplyReport, context: ReportContext): string {
  const out: string[] = [`### aurora-migrate apply · ${cell(context.target)}${context.server ? ` (${cell(context.server)})` : ''}`, '']
  const applied = result.applied.map((version) => version.version)
  if (!result.error && !applied.length && !result.appliedElsewhere.length) {
    out.push(`Up to date at **v${result.toVersion}**: nothing to apply.`)
    return out.join('\n') + '\n'
  }
  const headline = applied.length ? `applied ${versions(applied)}` : 'applied nothing'
  out.push(`**v${result.fromVersion} → v${result.toVersion}** in ${formatDuration(result.durationMs)}: ${headline}`)
  if (result.appliedElsewhere.length) out.push('', `Applied by another run meanwhile: ${versions(result.appliedElsewhere)}`)
  if (result.leaseWaitedMs >= 1000) out.push('', `Waited ${formatDuration(result.leaseWaitedMs)} for another run's migration lease.`)
  if (result.applied.length) {
    out.push('', '| Version | Files | Statements | Duration |', '|---|---|---:|---:|')
    const rows = result.applied.map(
      (version) =>
        `| ${versionLabel(version.version, version.description)} | ${fileCell(version.files)} | ${version.statements} | ${formatDuration(version.durationMs)} |`
    )
    out.push(...fitLines(rows, TABLE_BUDGET, (hidden) => `| … and ${plural(hidden, 'more version')} | | | |`))
  }
  if (result.error) out.push('', ...renderError(result.error))
  const pending = result.plan.pending.map((p) => p.version).filter((v) => v > result.toVersion && v !== result.failedVersion)
  if (result.error && pending.length) out.push('', `Not attempted: ${versions(pending)}`)
  return out.join('\n') + '\n'
}

function renderError(error: Error): string[] {
  if (error instanceof StatementFailedError) {
    const where = `${error.location.file}:${error.location.line}:${error.location.column}`
    const state = errorCodes(error.sqlError)
    const lines = [
      '> [!CAUTION]',
      `> **v${error.version} failed** at ${code(where)}: ${clip(publicSqlMessage(error.sqlError), 2_000)}${state}`,
      ...(error instanceof StepFailedError
        ? [...(error.advice ? [`> ${error.advice}`] : []), `> ${error.outcome}`]
        : [`> v${error.version} was rolled back; versions before it stay applied.`])
    ]
    // DETAIL often quotes the rows involved (`Key (email)=(…) already exists`): production data, never shown here.
    if (error.sqlError.detail) lines.push("> PostgreSQL's DETAIL is left out: it can contain row values.")
    if (error.sqlError.hint) lines.push(`> Hint: ${clip(error.sqlError.hint, 2_000)}`)
    return [...lines, '', fenced(clip(error.statementPreview, 4_000), 'sql')]
  }
  return ['> [!CAUTION]', `> ${clip(error.message, 4_000).split('\n').join('\n> ')}`]
}

/** The comment's last line: the tool, the workflow run and the commit. */
export function footer(runUrl: string | null, sha: string | null): string {
  const parts = [runUrl ? `[workflow run](${runUrl})` : null, sha ? `commit ${code(sha.slice(0, 7))}` : null].filter(Boolean)
  return parts.length ? `<sub>aurora-migrate · ${parts.join(' · ')}</sub>` : '<sub>aurora-migrate</sub>'
}
