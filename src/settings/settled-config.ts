/**
 * readConfig through the settings file: the front ends' one call. The inputs are read through the layers
 * (layered-inputs.ts) and validated by config.ts as always; an error about a value the file gave names the
 * file's line.
 */
import { readConfig, type Config, type ConfigSources } from '../config.js'
import { attributed, layeredInputs, layeredSources } from './layered-inputs.js'
import type { SettingsFile } from './settings-file.js'

export interface SettledConfig {
  config: Config
  /** The sources read through the layers: a fleet's targets read theirs through the same. */
  sources: ConfigSources
  /** The file read, if any, for a line in the log. */
  file: SettingsFile | null
  environment: string | null
}

/** `base`: the folder the inputs' paths are relative to (the workspace, or the command line's current folder). */
export function readSettledConfig(sources: ConfigSources, file: SettingsFile | null, base: string): SettledConfig {
  const inputs = layeredInputs(sources.getInput, file, { base, env: sources.env, warning: sources.warning })
  const warning = sources.warning
  const layered: ConfigSources = {
    ...layeredSources(sources, inputs),
    // A doubtful value the file gave (a bare `lock-timeout: 5`) is said at its line too.
    ...(warning && {
      warning: (input: string, message: string) => {
        const at = inputs.origin(input)
        if (at) warning('config', `${at}: ${input}: ${message}`)
        else warning(input, message)
      }
    })
  }
  try {
    return { config: readConfig(layered), sources: layered, file, environment: inputs.environment }
  } catch (error) {
    throw attributed(error, inputs)
  }
}
