/**
 * Drift as people and workflows read it: markdown for the job summary (and the nightly issue), plain lines for a
 * terminal, and the bounded JSON of the `schema-drift` output. Pure.
 */
import { clip, code, fenced, fitLines, footer } from '../report/markdown.js'
import { plural } from '../text.js'
import type { DriftDifference, DriftReport } from './compare.js'

export interface DriftContext {
  environment: string | null
  /** Where the database was read: the target's description, safe to show. */
  target: string
  /** The applied versions the migrations' schema was replayed from. */
  versions: number[]
  /** Where they were replayed, safe to show. */
  server: string
  runUrl: string | null
  sha: string | null
}

/** At most this much JSON in the `schema-drift` output (a step output is read by later steps' expressions). */
export const DRIFT_OUTPUT_LIMIT = 64 * 1024
const SUMMARY_BUDGET = 60_000
const SCRIPT_BUDGET = 20_000
const DEFINITION = 200

const WORDS = { added: 'added in the database', missing: 'missing from the database', changed: 'changed in the database' } as const

function versionsText(versions: number[]): string {
  return versions.length
    ? `v${versions[0]}…v${versions[versions.length - 1]} (${plural(versions.length, 'version')})`
    : 'no applied versions'
}

function differenceLine(difference: DriftDifference): string {
  const head = `${difference.kind} ${code(difference.name)} ${WORDS[difference.change]}`
  const clipped = (text: string | null): string => code(clip((text ?? '').replace(/\s+/g, ' ').trim(), DEFINITION))
  if (difference.change === 'changed')
    return `- ${head}: migrations ${clipped(difference.migrations)}, database ${clipped(difference.database)}`
  const definition = difference.change === 'added' ? difference.database : difference.migrations
  return definition ? `- ${head}: ${clipped(definition)}` : `- ${head}`
}

function script(statements: string[]): string {
  const text = statements.join('\n')
  return text.length <= SCRIPT_BUDGET
    ? text
    : `${text.slice(0, SCRIPT_BUDGET)}\n-- … cut at ${SCRIPT_BUDGET} characters; the schema-drift output and --json have every statement`
}

/** The job summary (and the nightly issue's body). */
export function renderDrift(report: DriftReport, context: DriftContext): string {
  const title = `### Schema drift${context.environment ? `: ${context.environment}` : ''}`
  const intro = `${code(context.target)} compared with the schema its applied migrations make, ${versionsText(context.versions)}, replayed on ${context.server}.`
  if (!report.differences.length) {
    return [title, '', intro, '', 'No drift: the database matches its migrations.', '', footer(context.runUrl, context.sha)].join('\n')
  }
  const lines = fitLines(report.differences.map(differenceLine), SUMMARY_BUDGET / 2, (hidden) => `- … and ${hidden} more`)
  return [
    title,
    '',
    intro,
    '',
    `**${plural(report.differences.length, 'difference')}** that no migration made:`,
    '',
    ...lines,
    '',
    '<details><summary>SQL to make the database match the migrations</summary>',
    '',
    fenced(script(report.toMatch), 'sql'),
    '',
    '</details>',
    '',
    "<details><summary>SQL for a new migration that adopts the database's changes</summary>",
    '',
    fenced(script(report.toAdopt), 'sql'),
    '',
    '</details>',
    '',
    footer(context.runUrl, context.sha)
  ].join('\n')
}

/** For a terminal, one line per element: each difference, then both scripts. */
export function driftText(report: DriftReport, context: DriftContext): string[] {
  const intro = `${context.target}: compared with ${versionsText(context.versions)} replayed on ${context.server}`
  if (!report.differences.length) return [intro, 'No drift: the database matches its migrations.']
  const lines = report.differences.map((difference) => {
    const flat = (text: string | null): string => (text ?? '').replace(/\s+/g, ' ').trim()
    const definition =
      difference.change === 'changed'
        ? `migrations: ${flat(difference.migrations)}\n    database:   ${flat(difference.database)}`
        : flat(difference.change === 'added' ? difference.database : difference.migrations)
    return `  ${difference.kind} ${difference.name} ${WORDS[difference.change]}${definition ? `\n    ${definition}` : ''}`
  })
  return [
    intro,
    `${plural(report.differences.length, 'difference')} that no migration made:`,
    ...lines,
    '',
    '-- To make the database match the migrations:',
    ...report.toMatch,
    '',
    "-- For a new migration that adopts the database's changes:",
    ...report.toAdopt
  ].flatMap((line) => line.split('\n'))
}

/**
 * The `schema-drift` output: `{ drift, count, differences, toMatch, toAdopt }`, at most `limit` characters. Past it,
 * differences are left out from the end (`omitted` counts them) and the scripts kept only when they still fit.
 */
export function driftOutput(report: DriftReport, limit = DRIFT_OUTPUT_LIMIT): string {
  const whole = {
    drift: report.differences.length > 0,
    count: report.differences.length,
    differences: report.differences,
    toMatch: report.toMatch,
    toAdopt: report.toAdopt
  }
  let text = JSON.stringify(whole)
  if (text.length <= limit) return text
  const base = { drift: whole.drift, count: whole.count }
  const shape = (kept: number): string =>
    JSON.stringify({
      ...base,
      differences: report.differences.slice(0, kept),
      omitted: report.differences.length - kept,
      scriptsOmitted: true
    })
  // Each difference's share, summed, finds the cut; the text is then checked and cut further while too long.
  let kept = 0
  let used = shape(0).length + 8
  for (const difference of report.differences) {
    used += JSON.stringify(difference).length + 1
    if (used > limit) break
    kept++
  }
  text = shape(kept)
  while (text.length > limit && kept > 0) text = shape(--kept)
  return text
}
