/**
 * The settings file, `aurora-migrate.yml` at the repository's root (or the `config` input): defaults for the
 * inputs and flags of src/options.ts, under their own names, for the whole project.
 *
 *   migrations-dir: db/migrations
 *   fail-on: warning
 *   ignore-rules: [serial-column]
 *   rules: { index-not-concurrent: error, timestamp-without-time-zone: off }
 *   environments:
 *     staging: { resource-arn: …, secret-arn: …, database: app }
 *     production: { database-url-env: PROD_DATABASE_URL, fail-on: error }
 *
 * It is read as untrusted input (a pull request can change it), as the targets file is (yaml-input.ts): an
 * unknown key, a value that is not one value, a secret written into it — a password in a URL, a token — is an
 * error naming the file and line. The values are validated afterwards by config.ts, as an input's are.
 */
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml'
import { OPTIONS } from '../options.js'
import { parseRuleSettings, RULE_SETTINGS } from '../review/rule-settings.js'
import { closest } from '../suggest.js'
import { urlSecrets } from '../targets/mask.js'
import { keyOf, parseYaml, type Fail } from '../yaml-input.js'
import { InputError } from '../errors.js'

export const SETTINGS_FILE_NAME = 'aurora-migrate.yml'
export const MAX_SETTINGS_FILE_BYTES = 256 * 1024

/**
 * Options the file cannot set: what one run does (`command`, `deployment-id`), a secret (`github-token`), and the
 * file's own name. These alone keep a default in action.yml: for every other input the action must tell an input
 * left out (the file's value applies) from one given.
 */
export const NOT_IN_SETTINGS_FILE: readonly string[] = ['command', 'github-token', 'deployment-id', 'config']

/** Keys whose value is a path: relative to the file's folder. */
export const PATH_SETTINGS: readonly string[] = ['migrations-dir', 'targets']

/** Keys of the file that are not options: the name of an environment variable holding database-url. */
const FILE_ONLY_KEYS = ['database-url-env']

/** Options that may be written as a YAML list (joined with commas, as the input takes them). */
const LIST_SETTINGS = ['ignore-rules', 'only']

/** One value of the file, with where it is written. */
export interface SettingValue {
  value: string
  /** `file:line` */
  at: string
}

/** The settings of one level: the top of the file or one environment. */
export type SettingsLevel = Map<string, SettingValue>

export interface SettingsFile {
  /** The file as messages name it. */
  file: string
  /** Its folder, absolute: paths in it are relative to this. */
  dir: string
  top: SettingsLevel
  environments: Map<string, SettingsLevel>
}

/** The keys the file may set, top level and environment alike. */
export function settingKeys(): string[] {
  return [...OPTIONS.map((option) => option.name).filter((name) => !NOT_IN_SETTINGS_FILE.includes(name)), ...FILE_ONLY_KEYS]
}

/** Parses the file's text (`dir`: its folder; `ruleIds`: the rules `rules:` may name). */
export function parseSettingsFile(text: string, file: string, dir: string, ruleIds?: readonly string[]): SettingsFile {
  const { root, at, fail } = parseYaml(text, file, 'config')
  const environments = new Map<string, SettingsLevel>()
  // An empty file (or one of comments only) sets nothing.
  if (root === null || (isScalar(root) && root.value === null)) return { file, dir, top: new Map(), environments }
  if (!isMap(root)) fail(root, 'must be a mapping of settings (key: value), such as migrations-dir: db/migrations')
  const top = levelOf(root, { at, fail, ruleIds, topLevel: true })
  for (const pair of (root as unknown as { items: Pair[] }).items) {
    if (keyOf(pair, fail) !== 'environments') continue
    const node = pair.value as Node | null
    if (!isMap(node)) fail(node ?? (pair.key as Node), 'environments must be a mapping of environment names to their settings')
    for (const entry of (node as unknown as { items: Pair[] }).items) {
      const name = keyOf(entry, fail)
      if (name.length > 100 || /[\r\n]/.test(name)) fail(entry.key as Node, 'an environment name is one line of at most 100 characters')
      const settings = entry.value as Node | null
      if (!isMap(settings)) fail(settings ?? (entry.key as Node), `environment ${name} must be a mapping of settings (key: value)`)
      environments.set(name, levelOf(settings!, { at, fail, ruleIds, topLevel: false }))
    }
  }
  return { file, dir, top, environments }
}

interface LevelContext {
  at(node: Node | null | undefined): string
  fail: Fail
  ruleIds?: readonly string[]
  topLevel: boolean
}

function levelOf(node: Node, context: LevelContext): SettingsLevel {
  const { at, fail } = context
  const level: SettingsLevel = new Map()
  const keys = settingKeys()
  for (const pair of (node as unknown as { items: Pair[] }).items) {
    const key = keyOf(pair, fail)
    const keyNode = pair.key as Node
    if (key === 'environments') {
      if (!context.topLevel) fail(keyNode, 'environments go at the top of the file, not inside an environment')
      continue
    }
    if (key === 'environment' && !context.topLevel)
      fail(keyNode, "an environment's name is its key under environments: it sets no environment of its own")
    if (NOT_IN_SETTINGS_FILE.includes(key)) fail(keyNode, notAllowed(key))
    if (!keys.includes(key)) {
      const near = closest(key, [...keys, 'environments'])
      fail(
        keyNode,
        `unknown setting '${key}'${near ? ` (did you mean ${near}?)` : ''}: the settings are the inputs' names (docs/settings-file.md)`
      )
    }
    const value = pair.value as Node | null
    const text = key === 'rules' ? rulesValue(value, keyNode, context) : scalarValue(key, value, keyNode, fail)
    if (!text) fail(value ?? keyNode, `${key} is empty: leave it out for the default`)
    checkNoSecret(key, text, value ?? keyNode, fail)
    level.set(key, { value: text, at: at(value ?? keyNode) })
  }
  if (level.has('database-url') && level.has('database-url-env')) fail(node, 'give database-url or database-url-env, not both')
  return level
}

function notAllowed(key: string): string {
  if (key === 'github-token') return 'github-token is a secret: it stays in the workflow (the default is the job token)'
  if (key === 'config') return 'config names this file: give it as an input or flag'
  return `${key} belongs to one run, not to the project's settings: give it as an input or flag`
}

/** One value (text, a number, true/false), or a list of them for the inputs that take a list. */
function scalarValue(key: string, value: Node | null, keyNode: Node, fail: Fail): string {
  if (LIST_SETTINGS.includes(key) && isSeq(value)) {
    return (value.items as Node[])
      .map((item) => {
        if (!isScalar(item) || item.value === null || typeof item.value === 'object') fail(item, `${key}: each item must be one value`)
        return String((item as { value: unknown }).value).trim()
      })
      .join(',')
  }
  if (!isScalar(value) || value.value === null || typeof value.value === 'object')
    fail(value ?? keyNode, `${key} must be one value (text, a number or true/false)${LIST_SETTINGS.includes(key) ? ', or a list' : ''}`)
  return String((value as { value: unknown }).value).trim()
}

/** `rules:` a mapping of rule id to severity, as the `rules` input writes it (`id=severity,…`), each entry checked at its line. */
function rulesValue(value: Node | null, keyNode: Node, context: LevelContext): string {
  const { fail } = context
  if (!isMap(value)) fail(value ?? keyNode, `rules must be a mapping of rule ids to ${RULE_SETTINGS.join(', ')}`)
  const entries: string[] = []
  for (const pair of (value as unknown as { items: Pair[] }).items) {
    const id = keyOf(pair, fail)
    const severity = pair.value as Node | null
    // `off: false` is how YAML 1.1 tools would write it; this file is YAML 1.2, where off is the word itself.
    if (!isScalar(severity) || typeof severity.value !== 'string')
      fail(severity ?? (pair.key as Node), `rules: ${id} must be one of ${RULE_SETTINGS.join(', ')}`)
    const entry = `${id}=${String((severity as { value: string }).value).trim()}`
    try {
      parseRuleSettings(entry, context.ruleIds)
    } catch (error) {
      if (error instanceof InputError) fail(pair.key as Node, `rules: ${error.detail}`)
      throw error
    }
    entries.push(entry)
  }
  return entries.join(',')
}

/** A secret written into the file: a password in a URL. */
function checkNoSecret(key: string, text: string, node: Node, fail: Fail): void {
  if ((key === 'database-url' || key === 'shadow-database-url') && urlSecrets(text).length > 0) {
    fail(
      node,
      `${key} holds a password: keep it in a secret${key === 'database-url' ? ' and name the environment variable that carries it (database-url-env: DATABASE_URL)' : ''}, or give it as an input or flag`
    )
  }
  if (key === 'database-url-env' && !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(text))
    fail(node, `'${text}' is not an environment variable name`)
}
