/**
 * The order in which an input's value is found, the same for the action and the command line:
 *
 *   1. the input or flag, when given (not empty);
 *   2. the settings file's section of the selected environment (`environments: { <environment>: … }`);
 *   3. the settings file's top level;
 *   4. the option's default (config.ts applies it when all of the above give nothing).
 *
 * The connection is taken whole from one place: the inputs when they give any of it, else the environment's
 * section when it gives any, else the top level — never a cluster from one and a secret from another. `database`
 * goes with it, but a level above that gives only `database` changes the database of that connection. The fleet's
 * `only`, `concurrency` and `on-error` apply from the file only when there is a targets file. `rules`
 * is merged rule by rule (a flag's `x=off` changes x only); every other input's value replaces the lower ones.
 */
import path from 'node:path'
import { CONNECTION_INPUTS, type ConfigSources } from '../config.js'
import { InputError } from '../errors.js'
import { closest } from '../suggest.js'
import { PATH_SETTINGS, type SettingsFile, type SettingsLevel, type SettingValue } from './settings-file.js'

/** The keys that say which connection: the inputs (but `database`), the file's database-url-env, a fleet's targets file. */
const CONNECTION_KEYS: readonly string[] = [...CONNECTION_INPUTS.filter((name) => name !== 'database'), 'database-url-env', 'targets']

/** A fleet's own settings: the file's apply only when there is a targets file (else they would be refused). */
const FLEET_SETTINGS: readonly string[] = ['only', 'concurrency', 'on-error']

export interface LayeredInputs {
  getInput(name: string): string
  /** Where the value getInput returns for `name` is written in the file; null when it came from the input or the default. */
  origin(name: string): string | null
  /** The environment whose section applies, if any. */
  environment: string | null
}

export interface LayerOptions {
  /** The folder the inputs' paths are relative to (the workspace; the command line's current folder). */
  base: string
  /** Where database-url-env's variable is read. */
  env: NodeJS.ProcessEnv
  warning?(input: string, message: string): void
}

export function layeredInputs(given: (name: string) => string, file: SettingsFile | null, options: LayerOptions): LayeredInputs {
  const input = (name: string): string => given(name).trim()
  if (!file) return { getInput: given, origin: () => null, environment: null }

  const environment = input('environment') || file.top.get('environment')?.value || null
  let section: SettingsLevel | null = null
  if (environment !== null && file.environments.size) {
    section = file.environments.get(environment) ?? null
    if (!section) {
      const names = [...file.environments.keys()]
      const near = closest(environment, names)
      throw new InputError(
        'environment',
        `'${environment}' is not an environment of ${file.file} (${names.join(', ')})${near ? `: did you mean ${near}?` : ''}; add it under environments: (it may be empty: ${environment}: {})`
      )
    }
  }
  const levels = section ? [section, file.top] : [file.top]
  const connectionGiven = CONNECTION_KEYS.some((name) => name !== 'database-url-env' && input(name) !== '')
  const connectionLevel = connectionGiven ? null : (levels.find((level) => CONNECTION_KEYS.some((name) => level.has(name))) ?? null)

  const setting = (name: string): SettingValue | null => {
    if (CONNECTION_KEYS.includes(name)) return connectionLevel?.get(name) ?? null
    // `database` goes with the connection: from its level, or from a level above it that changes only the database.
    if (name === 'database') {
      if (connectionGiven) return null
      const upTo = connectionLevel ? levels.slice(0, levels.indexOf(connectionLevel) + 1) : levels
      return upTo.map((level) => level.get('database')).find(Boolean) ?? null
    }
    if (FLEET_SETTINGS.includes(name) && !input('targets') && !setting('targets')) return null
    for (const level of levels) {
      const value = level.get(name)
      if (value) return value
    }
    return null
  }

  const fromFile = (name: string): string => {
    if (name === 'database-url') return databaseUrl()
    if (name === 'rules') return rules()
    const value = setting(name)
    if (!value) return ''
    if (!PATH_SETTINGS.includes(name)) return value.value
    // A path in the file is relative to the file's folder; the input's, to the base.
    const relative = path.relative(options.base, path.resolve(file.dir, value.value)).split(path.sep).join('/')
    return relative || '.'
  }

  const databaseUrl = (): string => {
    const written = setting('database-url')
    if (written) return written.value
    const variable = setting('database-url-env')
    if (!variable) return ''
    const url = options.env[variable.value]
    // Not an error here: a pull request from a fork has no secrets, and plan then runs without a database.
    if (!url) options.warning?.('config', `${variable.at}: the environment variable ${variable.value} (database-url-env) is not set`)
    return url ?? ''
  }

  // Rule by rule, the top level first, then the environment's, then the input's (config.ts reads later over earlier).
  const rules = (): string => {
    const merged = new Map<string, string>()
    for (const level of [...levels].reverse()) {
      for (const entry of level.get('rules')?.value.split(',') ?? []) merged.set(entry.split('=')[0], entry)
    }
    return [...merged.values()].join(',')
  }

  return {
    environment: section ? environment : null,
    getInput: (name) => {
      const value = given(name)
      if (name === 'rules' && value.trim() && fromFile('rules')) return `${fromFile('rules')},${value}`
      if (value.trim() !== '') return value
      return fromFile(name)
    },
    origin: (name) => {
      if (input(name) !== '') return null
      if (name === 'database-url') return setting('database-url')?.at ?? setting('database-url-env')?.at ?? null
      if (name === 'rules') return levels.map((level) => level.get('rules')?.at).find(Boolean) ?? null
      return setting(name)?.at ?? null
    }
  }
}

/** An input error about a value the file gave, said at the file's line (the input `config`, as the file is named). */
export function attributed(error: unknown, inputs: LayeredInputs): unknown {
  if (!(error instanceof InputError) || error.input === 'config') return error
  const at = inputs.origin(error.input)
  return at ? new InputError('config', `${at}: ${error.input}: ${error.detail}`) : error
}

/** ConfigSources whose getInput reads through the layers. */
export function layeredSources(sources: ConfigSources, inputs: LayeredInputs): ConfigSources {
  return { ...sources, getInput: inputs.getInput }
}
