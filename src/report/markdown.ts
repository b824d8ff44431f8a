/**
 * Pure renderers: plan and apply results → markdown for the job summary (and the `summary` output).
 * No I/O; golden files in __tests__/golden show their exact output.
 */
import { StatementFailedError, StepFailedError } from '../errors.js'
import type { ApplyResult } from '../engine/apply.js'

export interface ReportContext {
  /** The target as it is safe to show (never a secret). */
  target: string
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

function versions(numbers: number[]): string {
  return numbers.map((n) => `v${n}`).join(', ')
}

export function renderApply(result: ApplyResult, context: ReportContext): string {
  const out: string[] = [`### aurora-migrate apply · ${cell(context.target)}`, '']
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
    for (const version of result.applied) {
      const files = version.files.map((file) => `${code(file.name)} (${file.statements})`).join('<br>')
      out.push(`| ${versionLabel(version.version, version.description)} | ${cell(files)} | ${version.statements} | ${formatDuration(version.durationMs)} |`)
    }
  }
  if (result.error) out.push('', ...renderError(result.error))
  const pending = result.plan.pending.map((p) => p.version).filter((v) => v > result.toVersion && v !== result.failedVersion)
  if (result.error && pending.length) out.push('', `Not attempted: ${versions(pending)}`)
  return out.join('\n') + '\n'
}

function renderError(error: Error): string[] {
  if (error instanceof StatementFailedError) {
    const where = `${error.location.file}:${error.location.line}:${error.location.column}`
    const state = error.sqlError.sqlState ? ` (SQLSTATE ${error.sqlError.sqlState})` : ''
    const lines = [
      '> [!CAUTION]',
      `> **v${error.version} failed** at ${code(where)}: ${error.sqlError.message}${state}`,
      ...(error instanceof StepFailedError
        ? [...(error.advice ? [`> ${error.advice}`] : []), `> ${error.outcome}`]
        : [`> v${error.version} was rolled back; versions before it stay applied.`])
    ]
    if (error.sqlError.detail) lines.push(`> Detail: ${error.sqlError.detail}`)
    if (error.sqlError.hint) lines.push(`> Hint: ${error.sqlError.hint}`)
    return [...lines, '', fenced(error.statementPreview, 'sql')]
  }
  return ['> [!CAUTION]', `> ${error.message.split('\n').join('\n> ')}`]
}
