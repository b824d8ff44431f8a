/**
 * The command line's settings: the settings file (`--config`, else `aurora-migrate.yml` at the git repository's
 * root, else none) and `.env` (the current folder's, else the settings file's folder's), read before the flags are
 * validated. The flags win over the file, the environment over `.env`.
 */
import { attributed, layeredInputs } from '../settings/layered-inputs.js'
import { cliSettingsFile } from '../settings/find-settings.js'
import type { SettingsFile } from '../settings/settings-file.js'
import { withDotenv } from './dotenv.js'
import { gitRoot } from './workspace.js'

export interface CliSettings {
  file: SettingsFile | null
  /** The environment with .env's variables under it. */
  env: NodeJS.ProcessEnv
  /** The file (the selected environment's section or the top level) gives a connection: DATABASE_URL is not read then. */
  fileGivesConnection: boolean
  /** `migrations-dir`: the flag's, else the file's (relative to the current folder); '' for the default. */
  migrationsDirSetting: string
}

const CONNECTION = ['database-url', 'resource-arn', 'secret-arn', 'database', 'lambda-function', 'targets']

export function cliSettings(
  flags: ReadonlyMap<string, string>,
  io: { cwd: string; env: NodeJS.ProcessEnv },
  ruleIds: readonly string[]
): CliSettings {
  const file = cliSettingsFile(flags.get('config'), io.cwd, gitRoot(io.cwd, io.env), ruleIds)
  const { env } = withDotenv(io.env, file ? [io.cwd, file.dir] : [io.cwd])
  const inputs = layeredInputs((name) => flags.get(name) ?? '', file, { base: io.cwd, env })
  try {
    return {
      file,
      env,
      fileGivesConnection: CONNECTION.some((name) => inputs.origin(name) !== null),
      migrationsDirSetting: inputs.getInput('migrations-dir').trim()
    }
  } catch (error) {
    throw attributed(error, inputs)
  }
}
