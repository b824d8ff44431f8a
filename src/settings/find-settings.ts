/**
 * Where the settings file is: the `config` input or flag when given (it must exist), else `aurora-migrate.yml`
 * at the repository's root — the workspace for the action, the git top level of the current folder (or the
 * folder itself outside git) for the command line — which may be absent.
 */
import { lstatSync } from 'node:fs'
import path from 'node:path'
import { locateInside, readYamlText, type YamlInput } from '../yaml-input.js'
import { MAX_SETTINGS_FILE_BYTES, parseSettingsFile, SETTINGS_FILE_NAME, type SettingsFile } from './settings-file.js'

const SETTINGS_INPUT: YamlInput = {
  input: 'config',
  what: 'settings file',
  example: SETTINGS_FILE_NAME,
  maxBytes: MAX_SETTINGS_FILE_BYTES
}

function exists(file: string): boolean {
  try {
    lstatSync(file)
    return true
  } catch {
    return false
  }
}

/** `relative` inside `root` (no link on the way), read and parsed; `shown` names it in messages. */
function readSettings(root: string, relative: string, shown: string, ruleIds: readonly string[] | undefined): SettingsFile {
  const { absolute } = locateInside(SETTINGS_INPUT, relative, root)
  return parseSettingsFile(readYamlText(SETTINGS_INPUT, absolute, shown), shown, path.dirname(absolute), ruleIds)
}

/** The action's: inside the workspace, as the targets file is (a pull request must not point it out of the checkout). */
export function actionSettingsFile(
  getInput: (name: string) => string,
  workspace: string,
  ruleIds?: readonly string[]
): SettingsFile | null {
  const input = (name: string): string => getInput(name).trim()
  const given = input('config')
  if (given) {
    const { relative } = locateInside(SETTINGS_INPUT, given, workspace)
    return readSettings(workspace, relative, relative, ruleIds)
  }
  if (!exists(path.join(workspace, SETTINGS_FILE_NAME))) return null
  return readSettings(workspace, SETTINGS_FILE_NAME, SETTINGS_FILE_NAME, ruleIds)
}

/**
 * The command line's: `--config` anywhere (a developer's own path, relative to the current folder), else the
 * repository root's. `root` is the git top level of `cwd` (null outside git).
 */
export function cliSettingsFile(
  given: string | undefined,
  cwd: string,
  root: string | null,
  ruleIds?: readonly string[]
): SettingsFile | null {
  if (given?.trim()) {
    const absolute = path.resolve(cwd, given.trim())
    return readSettings(path.dirname(absolute), path.basename(absolute), given.trim(), ruleIds)
  }
  const folder = root ?? cwd
  const absolute = path.join(folder, SETTINGS_FILE_NAME)
  if (!exists(absolute)) return null
  return readSettings(folder, SETTINGS_FILE_NAME, path.relative(cwd, absolute) || SETTINGS_FILE_NAME, ruleIds)
}
