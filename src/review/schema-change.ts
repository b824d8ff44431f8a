/**
 * What the pending versions add, change and remove, from the throwaway database's catalog before and
 * after them (the dialect's schema snapshot reads it): a reviewer reads the effect, not only the SQL.
 */

export type SchemaObjectKind =
  | 'schema'
  | 'table'
  | 'column'
  | 'view'
  | 'index'
  | 'constraint'
  | 'trigger'
  | 'policy'
  | 'function'
  | 'type'
  | 'sequence'
  | 'extension'
  | 'grant'

/** One object of the catalog: `name` is unique per kind; `definition` is what is compared. */
export interface SchemaObject {
  kind: SchemaObjectKind
  /** `schema.name`; for columns, constraints, triggers and policies `schema.table.name`; for functions with their arguments. */
  name: string
  /** The table (or view) it belongs to, `schema.table`; null for schemas, tables, functions and types. */
  relation: string | null
  /** Readable definition: a column's type, nullability and default; an index's CREATE INDEX; an enum's labels … */
  definition: string
  /**
   * What the dialect needs to write the object's SQL and that `definition` does not show as such (a view's query,
   * a function's whole definition, a column's parts): never compared. Absent where the snapshot did not read it.
   */
  source?: string | null
}

export interface SchemaObjectChange {
  kind: SchemaObjectKind
  name: string
  change: 'added' | 'changed' | 'removed'
  /** null for an added object. */
  before: string | null
  /** null for a removed object. */
  after: string | null
}

export interface SchemaChange {
  /** Ordered by kind (as KIND_ORDER), then added, changed, removed, then name. */
  changes: SchemaObjectChange[]
}

export const KIND_ORDER: readonly SchemaObjectKind[] = [
  'schema',
  'table',
  'column',
  'view',
  'index',
  'constraint',
  'trigger',
  'policy',
  'function',
  'type',
  'sequence',
  'extension',
  'grant'
]

const CHANGE_ORDER = ['added', 'changed', 'removed'] as const

function key(object: SchemaObject): string {
  return `${object.kind}\u0000${object.name}`
}

/**
 * The difference between two snapshots. The columns of a table that was added or removed as a whole are
 * not listed on their own: the table's line carries them.
 */
export function diffSchemas(before: SchemaObject[], after: SchemaObject[]): SchemaChange {
  const old = new Map(before.map((object) => [key(object), object]))
  const now = new Map(after.map((object) => [key(object), object]))
  const changes: SchemaObjectChange[] = []
  for (const [id, object] of now) {
    const was = old.get(id)
    if (!was) changes.push({ kind: object.kind, name: object.name, change: 'added', before: null, after: object.definition })
    else if (was.definition !== object.definition)
      changes.push({ kind: object.kind, name: object.name, change: 'changed', before: was.definition, after: object.definition })
  }
  for (const [id, object] of old) {
    if (!now.has(id)) changes.push({ kind: object.kind, name: object.name, change: 'removed', before: object.definition, after: null })
  }
  // A table added or removed as a whole carries its columns on its own line.
  for (const change of changes) {
    if (change.kind !== 'table' || change.change === 'changed') continue
    const columns = tableColumns(change.change === 'added' ? after : before, change.name)
    const definition = `${change.after ?? change.before} (${columns.join(', ')})`
    if (change.change === 'added') change.after = definition
    else change.before = definition
  }
  const wholeTables = new Set(changes.filter((c) => c.kind === 'table' && c.change !== 'changed').map((c) => `${c.change} ${c.name}`))
  const relationOf = new Map([...before, ...after].map((object) => [key(object), object.relation]))
  const shown = changes.filter((c) => c.kind !== 'column' || !wholeTables.has(`${c.change} ${relationOf.get(`column\u0000${c.name}`)}`))
  shown.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change) ||
      a.name.localeCompare(b.name)
  )
  return { changes: shown }
}

/** The columns of a table, for its line when it is added or removed as a whole. */
export function tableColumns(objects: SchemaObject[], table: string): string[] {
  return objects.filter((object) => object.kind === 'column' && object.relation === table).map((object) => object.definition)
}

/**
 * The mark that opens an object's list item. `+` is escaped: `- + table …` would be a list inside the item
 * for CommonMark (the `+` gone, an empty bullet left); `~` and `−` (U+2212) are never list markers.
 */
const SYMBOL = { added: '\\+', changed: '~', removed: '−' } as const
const VERB = { added: 'added', changed: 'changed', removed: 'removed' } as const
const MAX_DEFINITION = 160
export const DEFAULT_MAX_CHARS = 4000

/** Inline code that survives backticks in the text, cut to a readable length. */
function code(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const cut = flat.length > MAX_DEFINITION ? `${flat.slice(0, MAX_DEFINITION - 1)}…` : flat
  const longest = Math.max(0, ...(cut.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  const pad = cut.startsWith('`') || cut.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${cut}${pad}${fence}`
}

function line(change: SchemaObjectChange): string {
  const head = `- ${SYMBOL[change.change]} ${change.kind} ${code(change.name)}`
  if (change.change === 'changed') return `${head}: ${code(change.before!)} → ${code(change.after!)}`
  const definition = change.change === 'added' ? change.after! : change.before!
  return definition ? `${head}: ${code(definition)}` : head
}

/**
 * Markdown: counts, then one line per object (`+` added, `~` changed, `−` removed, each read as text), cut at `maxChars`
 * with "… and N more".
 */
export function renderSchemaChange(change: SchemaChange, maxChars = DEFAULT_MAX_CHARS): string {
  if (change.changes.length === 0) return 'No change to the schema.'
  const counts = CHANGE_ORDER.map((kind) => [kind, change.changes.filter((c) => c.change === kind).length] as const)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${VERB[kind]}`)
  const lines = [`${counts.join(', ')}:`, '']
  let length = lines.join('\n').length
  for (let index = 0; index < change.changes.length; index++) {
    const next = line(change.changes[index])
    const rest = change.changes.length - index
    // Room is kept for the "… and N more" line that a cut needs.
    if (length + next.length + 1 > maxChars - (rest > 1 ? 40 : 0)) {
      lines.push(`- … and ${rest} more`)
      break
    }
    lines.push(next)
    length += next.length + 1
  }
  return lines.join('\n')
}
