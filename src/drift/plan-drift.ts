/**
 * Drift as `plan` says it (input `check-drift`): the schema verification's applied versions make on the throwaway
 * database (read before the first pending statement) against the target's catalog, read with one call more. Only
 * the kinds both snapshots hold are compared (plan's trace reads no sequences, extensions or grants). A short
 * section of the comment; `command: drift` gives each change's SQL. Pure.
 */
import { code, fitLines } from '../report/markdown.js'
import { KIND_ORDER, type SchemaObject, type SchemaObjectKind } from '../review/schema-change.js'
import { plural } from '../text.js'
import { compareSchemas, type DriftDifference } from './compare.js'

/** The kinds plan's trace reads: all but those only drift's own snapshot reads. */
const UNTRACED: readonly SchemaObjectKind[] = ['sequence', 'extension', 'grant']
const TRACED: ReadonlySet<SchemaObjectKind> = new Set(KIND_ORDER.filter((kind) => !UNTRACED.includes(kind)))
const BUDGET = 1_500
const WORDS = { added: 'added', missing: 'missing', changed: 'changed' } as const

/** An index a constraint made comes and goes with the constraint (drift's snapshot leaves it out). */
function comparable(objects: SchemaObject[]): SchemaObject[] {
  return objects.filter((object) => TRACED.has(object.kind) && !(object.kind === 'index' && object.source === 'constraint'))
}

/** The differences between the applied versions' schema and the database's; no SQL (plan only says them). */
export function planDrift(applied: SchemaObject[], database: SchemaObject[]): DriftDifference[] {
  return compareSchemas(comparable(applied), comparable(database), { transition: () => [] }).differences
}

/** The comment's section: how many, then the first few, each one line. */
export function renderPlanDrift(differences: DriftDifference[]): string {
  if (!differences.length) return '**Drift**: none — the database matches its applied migrations.'
  const lines = differences.map((d) => `- ${d.kind} ${code(d.name)} ${WORDS[d.change]} in the database`)
  return [
    `**Drift**: the database differs from its applied migrations in ${plural(differences.length, 'object')}, changed by other means than a migration. Run \`command: drift\` for each change and the SQL to fix or adopt it.`,
    '',
    ...fitLines(lines, BUDGET, (hidden) => `- … and ${hidden} more`)
  ].join('\n')
}
