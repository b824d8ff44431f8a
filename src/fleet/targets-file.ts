/**
 * The targets file (input `targets`): a YAML file in the repository naming the databases of a fleet.
 *
 *   defaults: { <single-target input>: <value>, … }
 *   targets:
 *     - name: canary            # required, unique: letters, digits, `_`, `.`, `-`
 *       wave: 1                 # optional: waves run in order, targets without one last
 *       database: tenant_canary # any single-target input, over the defaults
 *     - name: tenants
 *       databases-query: SELECT …   # or schemas-query: one target per row (expand.ts)
 *
 * Read as untrusted input (a pull request can change it): inside the workspace, not a link, at most 1 MiB,
 * and validated as strictly as the inputs — an unknown key, a duplicate name, a target with no connection or
 * a password written into the file is an error naming the file and line, before anything runs. Secrets stay
 * ARNs and environment variable names (`database-url-env: TENANT_URL`); their values are read here from the
 * environment and never written back into a name, a log line or a report.
 */
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml'
import { InputError } from '../errors.js'
import { keyOf, locateInside, parseYaml, readYamlText, type Fail, type YamlInput } from '../yaml-input.js'
import { urlSecrets } from '../targets/mask.js'

/** The single-target inputs a target may set (the rest — command, comment, fail-on, … — are the run's). */
export const TARGET_INPUTS: readonly string[] = [
  'resource-arn',
  'secret-arn',
  'database',
  'database-url',
  'database-url-env',
  'lambda-function',
  'engine',
  'meta-table',
  'target-version',
  'allow-out-of-order',
  'lock-timeout',
  'lock-retries',
  'statement-timeout',
  'wait-timeout',
  'lease-ttl',
  'resume-timeout'
]

/** The kinds of connection: an entry that gives one replaces whatever the defaults give. */
const CONNECTION_KINDS: ReadonlyArray<readonly string[]> = [
  ['database-url', 'database-url-env'],
  ['lambda-function'],
  ['resource-arn', 'secret-arn']
]

/** Keys only an entry of `targets` has. */
const ENTRY_KEYS = ['name', 'wave', 'databases-query', 'schemas-query'] as const

const MAX_TARGETS_FILE_BYTES = 1024 * 1024
const MAX_ENTRIES = 10_000
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/

/** One entry of `targets`, the defaults already overlaid. */
export interface TargetEntry {
  name: string
  wave: number | null
  /** Its single-target inputs (database-url-env already read into database-url). */
  inputs: Map<string, string>
  /** One target per row of this query (the database names), run on the entry's own connection. */
  databasesQuery: string | null
  /** One target per row of this query (schema names), setting the meta table's schema. */
  schemasQuery: string | null
  /** `<file>:<line>`, for errors about this entry found later (a query that returns nothing). */
  where: string
}

export interface TargetsFile {
  /** Relative to the workspace, as messages name it. */
  file: string
  entries: TargetEntry[]
}

export interface ReadTargetsOptions {
  workspace: string
  env: NodeJS.ProcessEnv
  /** Registers a value read from the environment (a database URL) as a secret before anything can log it. */
  setSecret(value: string): void
}

/** How the targets file is found and read (yaml-input.ts). */
const TARGETS_FILE: YamlInput = {
  input: 'targets',
  what: 'targets file',
  example: '.github/fleet.yml',
  maxBytes: MAX_TARGETS_FILE_BYTES
}

/** Reads and validates the targets file named by the `targets` input. */
export function readTargetsFile(input: string, options: ReadTargetsOptions): TargetsFile {
  const { absolute, relative } = locateInside(TARGETS_FILE, input, options.workspace)
  return parseTargetsFile(readYamlText(TARGETS_FILE, absolute, relative), relative, options)
}

/** Parses the file's text (exported for tests). */
export function parseTargetsFile(text: string, file: string, options: Omit<ReadTargetsOptions, 'workspace'>): TargetsFile {
  const { root, at, fail } = parseYaml(text, file, 'targets')
  if (!isMap(root)) fail(root, 'must be a mapping with `targets:` (and optionally `defaults:`)')
  const top = root as unknown as { items: Pair[] }
  let defaultsNode: Node | null = null
  let targetsNode: Node | null = null
  for (const pair of top.items) {
    const key = keyOf(pair, fail)
    if (key === 'defaults') defaultsNode = pair.value as Node
    else if (key === 'targets') targetsNode = pair.value as Node
    else fail(pair.key as Node, `unknown key '${key}': the file has defaults and targets`)
  }
  const defaults = defaultsNode ? inputsOf(defaultsNode, 'defaults', fail, false) : new Map<string, string>()
  if (!targetsNode || !isSeq(targetsNode) || !targetsNode.items.length) {
    fail(targetsNode ?? root, '`targets:` must be a list of at least one target (each with a name)')
  }
  const items = (targetsNode as unknown as { items: Node[] }).items
  if (items.length > MAX_ENTRIES)
    fail(targetsNode, `${items.length} targets: at most ${MAX_ENTRIES} entries (a databases-query expands one entry into many)`)

  const seen = new Map<string, string>()
  const entries: TargetEntry[] = []
  for (const item of items) {
    const own = inputsOf(item, 'a target', fail, true)
    const name = own.get('name')
    if (!name) fail(item, 'a target needs a name')
    if (!TARGET_NAME.test(name!)) {
      fail(item, `'${name}' is not a target name: letters, digits, '_', '.' and '-', at most 63, starting with a letter or digit`)
    }
    if (seen.has(name!)) fail(item, `a second target named '${name}' (the first is at ${seen.get(name!)})`)
    seen.set(name!, at(item))
    const waveText = own.get('wave')
    let wave: number | null = null
    if (waveText !== undefined) {
      if (!/^\d{1,6}$/.test(waveText) || Number(waveText) < 1) fail(item, `${name}: wave '${waveText}' is not a whole number from 1`)
      wave = Number(waveText)
    }
    const databasesQuery = own.get('databases-query') ?? null
    const schemasQuery = own.get('schemas-query') ?? null
    if (databasesQuery !== null && schemasQuery !== null) fail(item, `${name}: give databases-query or schemas-query, not both`)
    const inputs = new Map(defaults)
    // A connection of the entry's own replaces the defaults' connection of another kind (a URL instead of the cluster).
    for (const kind of CONNECTION_KINDS) {
      if (kind.some((key) => own.has(key))) {
        for (const other of CONNECTION_KINDS) if (other !== kind) for (const key of other) inputs.delete(key)
        for (const key of kind) inputs.delete(key)
        // `database` names a database on the cluster (the Data API): a URL names its own, the runner Lambda its secret's.
        if (!kind.includes('resource-arn')) inputs.delete('database')
      }
    }
    for (const [key, value] of own) if (!(ENTRY_KEYS as readonly string[]).includes(key)) inputs.set(key, value)
    entries.push({
      name: name!,
      wave,
      inputs: resolveEnvironment(inputs, `${at(item)}: ${name}`, options),
      databasesQuery,
      schemasQuery,
      where: at(item)
    })
  }
  return { file, entries }
}

/** A mapping of inputs: each key known, each value a scalar (a string, number or boolean), no password in a URL. */
function inputsOf(node: Node, what: string, fail: Fail, entry: boolean): Map<string, string> {
  if (!isMap(node)) fail(node, `${what} must be a mapping of inputs (key: value)`)
  const inputs = new Map<string, string>()
  for (const pair of (node as unknown as { items: Pair[] }).items) {
    const key = keyOf(pair, fail)
    const known = TARGET_INPUTS.includes(key) || (entry && (ENTRY_KEYS as readonly string[]).includes(key))
    if (!known) {
      const hint = (ENTRY_KEYS as readonly string[]).includes(key)
        ? `${key} belongs to an entry of targets, not to defaults`
        : `a target may set ${TARGET_INPUTS.join(', ')}${entry ? `, and ${ENTRY_KEYS.join(', ')}` : ''}`
      fail(pair.key as Node, `unknown key '${key}' in ${what}: ${hint}`)
    }
    const value = pair.value as Node | null
    if (!isScalar(value) || value.value === null || typeof value.value === 'object')
      fail(value ?? (pair.key as Node), `${key} must be one value (text, a number or true/false)`)
    const text = String((value as { value: unknown }).value).trim()
    if (!text) fail(value, `${key} is empty`)
    // Any form of a password (the URL's own, a ?password= setting), as the database-url input's masking finds it.
    if (key === 'database-url' && urlSecrets(text).length > 0) {
      fail(
        value,
        'database-url holds a password: keep it in a secret and name the environment variable that carries it (database-url-env: TENANT_URL)'
      )
    }
    if (key === 'database-url-env' && !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(text))
      fail(value, `'${text}' is not an environment variable name`)
    inputs.set(key, text)
  }
  return inputs
}

/** `database-url-env: NAME` → `database-url` from the environment, its password registered as a secret first. */
function resolveEnvironment(
  inputs: Map<string, string>,
  where: string,
  options: Omit<ReadTargetsOptions, 'workspace'>
): Map<string, string> {
  const variable = inputs.get('database-url-env')
  if (variable === undefined) return inputs
  inputs.delete('database-url-env')
  if (inputs.has('database-url')) throw new InputError('targets', `${where}: give database-url or database-url-env, not both`)
  const url = options.env[variable]
  if (!url) throw new InputError('targets', `${where}: the environment variable ${variable} (database-url-env) is not set`)
  // Its password, in every form a message could show it (as for the database-url input).
  for (const secret of urlSecrets(url)) options.setSecret(secret)
  inputs.set('database-url', url)
  return inputs
}
