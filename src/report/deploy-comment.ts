/**
 * What a deploy leaves on the pull requests it shipped, and the one-line deployment status: a pure
 * renderer (golden files in __tests__/golden show its exact output).
 */
import { StatementFailedError, StepFailedError, publicSqlMessage } from '../errors.js'
import { plural } from '../text.js'
import { TABLE_BUDGET, cell, clip, fitLines, footer, formatDuration, versionList, type ApplyReport as ApplyResult } from './markdown.js'

export interface DeployCommentInput {
  environment: string
  result: ApplyResult
  runUrl: string | null
  sha: string | null
  /** The target's server ("MySQL 8.0.36"), when the run asked it. */
  server?: string | null
}

/** One line for a deployment status (GitHub cuts descriptions at 140 characters) and the comment's head. */
export function deploySummaryLine(result: ApplyResult, environment: string): string {
  const applied = result.applied.map((a) => a.version)
  if (result.error) {
    const where =
      result.error instanceof StatementFailedError
        ? ` at ${result.error.location.file}:${result.error.location.line}: ${clip(publicSqlMessage(result.error.sqlError), 1_000)}`
        : `: ${clip(result.error.message, 2_000)}`
    const before = applied.length ? `Applied ${versionList(applied)}, then ` : ''
    return `${before}${result.failedVersion ? `v${result.failedVersion} failed` : 'Migration failed'} on ${environment}${where}`
  }
  if (!applied.length) return `${environment} is up to date at v${result.toVersion}`
  return `Applied ${versionList(applied)} to ${environment} in ${formatDuration(result.durationMs)}`
}

export function renderDeployComment(input: DeployCommentInput): string {
  const { result } = input
  const icon = result.error ? '❌' : '✅'
  const on = input.server ? `, ${cell(input.server)}` : ''
  const lines = [`${icon} **${cell(deploySummaryLine(result, input.environment))}** (now at v${result.toVersion}${on})`]
  if (result.applied.length) {
    lines.push('', '| Version | Statements | Duration |', '|---|---:|---:|')
    const rows = result.applied.map(
      (a) =>
        `| ${a.description ? `v${a.version} ${cell(a.description)}` : `v${a.version}`} | ${a.statements} | ${formatDuration(a.durationMs)} |`
    )
    lines.push(...fitLines(rows, TABLE_BUDGET, (hidden) => `| … and ${plural(hidden, 'more version')} | | |`))
  }
  if (result.error instanceof StepFailedError) {
    lines.push('', result.error.outcome)
  } else if (result.error instanceof StatementFailedError) {
    lines.push('', `v${result.error.version} was rolled back; versions before it stay applied.`)
  }
  lines.push('', footer(input.runUrl, input.sha), '')
  return lines.join('\n')
}
