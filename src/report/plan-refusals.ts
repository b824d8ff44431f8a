/**
 * Why apply would refuse a plan, for the plan comment: one list item per reason (where, and what to do)
 * and a few words per reason for the verdict line, from the refusals planMigrations wrote.
 */
import { MISPLACED_FIX, misplacedEffect } from '../migrations/transaction-control.js'
import type { Plan } from '../plan.js'
import { formatBytes, plural } from '../text.js'
import { cell, clip, code, versionList } from './markdown.js'

export type PlanSource = { kind: 'database' } | { kind: 'base-branch'; baseSha: string }

/** The beginnings of the refusals planMigrations writes for the lists below; any other refusal is shown as written. */
const KNOWN_REFUSALS = [
  'drift:',
  'missing:',
  'out of order:',
  'too long:',
  'too large:',
  'not in a transaction:',
  "transaction control inside the version's transaction:",
  'transaction control in a -- migrate:no-transaction file:',
  'transaction modes:'
]

export interface Refusals {
  /** One list item per reason, with where and what to do. */
  items: string[]
  /** A few words per reason for the verdict line. */
  labels: string[]
}

/** Why apply would refuse to run, as list items and as short labels, from the plan's refusals. */
export function refusals(plan: Plan, source: PlanSource): Refusals {
  const items: string[] = []
  const labels: string[] = []
  const applied = source.kind === 'database' ? 'applied' : 'merged'
  const against = source.kind === 'database' ? 'applied in the database' : 'on the base branch'
  const isOrAre = (count: number): string => (count === 1 ? 'is' : 'are')
  for (const drift of plan.drift) {
    items.push(
      `- ❗ **v${drift.version} was changed after it was ${applied}**: ` +
        drift.files.map((f) => `${code(f.path)} ${f.change}`).join(', ') +
        '. Applied versions must not be edited: put the change in a new version.'
    )
  }
  if (plan.drift.length) {
    const changed = plan.drift.map((d) => d.version)
    labels.push(`${versionList(changed)} changed after ${changed.length === 1 ? 'it was' : 'they were'} ${applied}`)
  }
  if (plan.missing.length) {
    items.push(`- ❗ **Missing**: ${versionList(plan.missing)} ${isOrAre(plan.missing.length)} ${against}, not in this branch.`)
    labels.push(`${versionList(plan.missing)} missing from this branch`)
  }
  // Out-of-order versions are a refusal only without allow-out-of-order (the plan then lists them but accepts them).
  if (plan.outOfOrder.length && plan.refusals.some((r) => r.startsWith('out of order:'))) {
    items.push(
      `- ❗ **Out of order**: ${versionList(plan.outOfOrder)} ${isOrAre(plan.outOfOrder.length)} below the current version v${plan.currentVersion}; renumber above it.`
    )
    labels.push(`${versionList(plan.outOfOrder)} below the current v${plan.currentVersion}`)
  }
  for (const large of plan.tooLarge) {
    items.push(
      `- ❗ **Too large**: v${large.version} is ${formatBytes(large.bytes)} of SQL; one runner Lambda invocation takes at most ${formatBytes(large.limit)}. Split it into several versions.`
    )
  }
  if (plan.tooLarge.length) labels.push(`${versionList(plan.tooLarge.map((l) => l.version))} too large for one call`)
  for (const o of plan.oversized)
    items.push(
      `- ❗ **Too long**: ${code(`${o.file}:${o.line}:${o.column}`)} is ${o.length.toLocaleString('en-US')} characters; one Data API call takes at most ${o.limit.toLocaleString('en-US')}.`
    )
  if (plan.oversized.length) labels.push(`${plural(plan.oversized.length, 'statement')} too long for one call`)
  const conflicts = plan.transactionConflicts.filter((conflict) => conflict.severity === 'error')
  for (const c of conflicts) {
    items.push(
      `- ❗ **Cannot run in a transaction**: ${c.statement} at ${code(`${c.file}:${c.line}:${c.column}`)}. ` +
        `Add ${code('-- migrate:no-transaction')} as the first line of that file, or move the statement into a file of its own that starts with it.`
    )
  }
  if (conflicts.length) labels.push(`${[...new Set(conflicts.map((c) => c.statement))].join(', ')} inside a transaction`)
  for (const m of plan.transactionControl) {
    const fix = MISPLACED_FIX[m.context].replace('-- migrate:no-transaction', code('-- migrate:no-transaction'))
    const where = code(`${m.file}:${m.line}:${m.column}`)
    items.push(`- ❗ **Transaction control**: ${code(m.statement)} at ${where} ${misplacedEffect(m)}. ${fix}`)
  }
  if (plan.transactionControl.length) {
    const statements = [...new Set(plan.transactionControl.map((m) => m.statement))].join(', ')
    labels.push(`transaction control (${statements}) in ${versionList([...new Set(plan.transactionControl.map((m) => m.version))])}`)
  }
  // A refusal this renderer has no list for (a new kind) is shown as the plan words it.
  for (const refusal of plan.refusals.filter((r) => !KNOWN_REFUSALS.some((known) => r.startsWith(known)))) {
    items.push(`- ❗ ${cell(clip(refusal.replace(/\s+/g, ' '), 2_000))}`)
    const colon = refusal.indexOf(':')
    labels.push(cell(clip(colon > 0 && colon <= 60 ? refusal.slice(0, colon) : refusal, 60)))
  }
  return { items, labels }
}
