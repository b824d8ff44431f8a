/**
 * From the targets file to the fleet's databases: `only` picks entries (or expanded targets) by name, and an
 * entry with a `databases-query` or `schemas-query` becomes one target per row of its query, named
 * `<entry>/<row>`. The query is the repository's SQL, so it is held to what a listing needs: one statement
 * that reads (SELECT, WITH, SHOW, VALUES, TABLE), run read-only where the engine can say so, whose rows are
 * names checked like the `database` input. A query that returns nothing is an error, before anything runs.
 */
import { InputError } from '../errors.js'
import type { SqlSyntax } from '../migrations/syntax.js'
import type { TargetEntry, TargetsFile } from './targets-file.js'
import type { FleetTarget } from './types.js'

/** What a database or schema name from a query may be (the `database` input's rule). */
const OBJECT_NAME = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/
/** Rows one query may return: a fleet of this size is many runs, not one. */
const MAX_ROWS = 10_000

export interface ExpandOptions {
  /** The `only` input: names or globs (`tenants/*`), separated by commas; null or empty: every target. */
  only: string | null
  syntax: SqlSyntax
  /** Runs the entry's query on the entry's own connection and returns each row's first column. */
  listNames(entry: TargetEntry, sql: string): Promise<Array<string | null>>
}

/** `a*,b/?x` → a matcher of whole names (`*` any run of characters, `?` one). */
export function nameMatcher(only: string | null): ((name: string) => boolean) | null {
  const patterns = (only ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
  if (!patterns.length) return null
  for (const pattern of patterns) {
    if (!/^[A-Za-z0-9_.\-/*?$]+$/.test(pattern)) {
      throw new InputError('only', `'${pattern}' is not a target name or glob (letters, digits, _ . - / $, and * or ?)`)
    }
  }
  const expressions = patterns.map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .replace(/[.$]/g, (c) => `\\${c}`)
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`
      )
  )
  return (name) => expressions.some((expression) => expression.test(name))
}

/** The entries `only` picks: by name, or, for an entry with a query, when it could pick one of its rows (tenants/x picks tenants). */
function pickedEntries(file: TargetsFile, only: string | null): TargetEntry[] {
  const matches = nameMatcher(only)
  if (!matches) return file.entries
  return file.entries.filter(
    (entry) => matches(entry.name) || ((entry.databasesQuery ?? entry.schemasQuery) !== null && couldMatchWithin(only!, entry.name))
  )
}

/** An entry as one target, as written (an entry with a query stands for its rows, unlisted). */
function asWritten(entry: TargetEntry): FleetTarget {
  return { name: entry.name, database: entry.inputs.get('database') ?? null, wave: entry.wave, inputs: entry.inputs }
}

/** The entries `only` picks, as written, no query run: what command `targets` lists (and the matrix is made of). */
export function listEntries(file: TargetsFile, only: string | null): FleetTarget[] {
  const targets = pickedEntries(file, only).map(asWritten)
  if (!targets.length) throw new InputError('only', `'${only}' matches no target of ${file.file}`)
  return targets
}

export async function expandTargets(file: TargetsFile, options: ExpandOptions): Promise<FleetTarget[]> {
  const matches = nameMatcher(options.only)
  const targets: FleetTarget[] = []
  // An entry none of whose targets `only` can pick is not queried.
  for (const entry of pickedEntries(file, options.only)) {
    const query = entry.databasesQuery ?? entry.schemasQuery
    if (query === null) {
      targets.push(asWritten(entry))
      continue
    }
    checkQuery(entry, query, options.syntax)
    const names = await options.listNames(entry, query).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      throw new InputError(
        'targets',
        `${entry.where}: ${entry.name}: its ${entry.databasesQuery ? 'databases' : 'schemas'}-query failed: ${message}`
      )
    })
    const rows = checkRows(entry, names)
    for (const row of rows) {
      const name = `${entry.name}/${row}`
      if (matches && !matches(name) && !matches(entry.name)) continue
      targets.push({
        name,
        database: row,
        wave: entry.wave,
        inputs: entry.databasesQuery ? withDatabase(entry, row) : withSchema(entry.inputs, row)
      })
    }
  }
  const seen = new Set<string>()
  for (const target of targets) {
    if (seen.has(target.name)) throw new InputError('targets', `${file.file}: two targets are named '${target.name}': rename an entry`)
    seen.add(target.name)
  }
  if (!targets.length) {
    throw new InputError(
      options.only ? 'only' : 'targets',
      options.only ? `'${options.only}' matches no target of ${file.file}` : `${file.file} names no target`
    )
  }
  return targets
}

/** Whether a pattern list could pick `<entry>/<row>` names (it names the entry before a slash). */
function couldMatchWithin(only: string, entry: string): boolean {
  const prefixes = only.split(',').map((p) => p.trim().split('/')[0])
  const matcher = nameMatcher(prefixes.join(','))
  return matcher !== null && matcher(entry) && only.includes('/')
}

const READING = /^(SELECT|WITH|SHOW|VALUES|TABLE)\b/i

function checkQuery(entry: TargetEntry, sql: string, syntax: SqlSyntax): void {
  const kind = entry.databasesQuery ? 'databases-query' : 'schemas-query'
  let statements
  try {
    statements = syntax.split(sql, `${kind} of ${entry.name}`)
  } catch (error) {
    throw new InputError(
      'targets',
      `${entry.where}: ${entry.name}: ${kind} cannot be read: ${error instanceof Error ? error.message : String(error)}`
    )
  }
  if (statements.length !== 1)
    throw new InputError('targets', `${entry.where}: ${entry.name}: ${kind} must be one statement (it has ${statements.length})`)
  const text = statements[0].sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|#[^\n]*\n)*/, '')
  if (!READING.test(text))
    throw new InputError('targets', `${entry.where}: ${entry.name}: ${kind} must read (SELECT, WITH, SHOW or VALUES), not change anything`)
}

function checkRows(entry: TargetEntry, names: Array<string | null>): string[] {
  const kind = entry.databasesQuery ? 'databases-query' : 'schemas-query'
  if (!names.length) throw new InputError('targets', `${entry.where}: ${entry.name}: ${kind} returned nothing: no database to migrate`)
  if (names.length > MAX_ROWS)
    throw new InputError('targets', `${entry.where}: ${entry.name}: ${kind} returned ${names.length} rows: at most ${MAX_ROWS}`)
  const seen = new Set<string>()
  for (const name of names) {
    if (name === null || !OBJECT_NAME.test(name)) {
      const shown = name === null ? 'NULL' : `'${name.slice(0, 70).replace(/[^\x20-\x7e]/g, '?')}'`
      throw new InputError(
        'targets',
        `${entry.where}: ${entry.name}: ${kind} returned ${shown}, which is not a ${entry.databasesQuery ? 'database' : 'schema'} name`
      )
    }
    if (seen.has(name)) throw new InputError('targets', `${entry.where}: ${entry.name}: ${kind} returned '${name}' twice`)
    seen.add(name)
  }
  return [...seen]
}

/** The entry's inputs with the database of this row: the Data API's `database`, or a URL's path. */
function withDatabase(entry: TargetEntry, database: string): Map<string, string> {
  const inputs = new Map(entry.inputs)
  const url = inputs.get('database-url')
  if (url) {
    const parsed = new URL(url)
    parsed.pathname = `/${database}`
    inputs.set('database-url', parsed.toString())
  } else if (inputs.has('lambda-function')) {
    throw new InputError(
      'targets',
      `${entry.where}: ${entry.name}: databases-query does not go with lambda-function (the runner Lambda connects to the database of its own secret): give one entry per function, or use schemas-query`
    )
  } else inputs.set('database', database)
  return inputs
}

/** The entry's inputs with the meta table in this schema; the versions run with it first on the search path. */
function withSchema(inputs: ReadonlyMap<string, string>, schema: string): Map<string, string> {
  const out = new Map(inputs)
  const table = (inputs.get('meta-table') ?? 'schema_migrations').split('.').pop()!
  out.set('meta-table', `${schema}.${table}`)
  out.set('schema', schema)
  return out
}
