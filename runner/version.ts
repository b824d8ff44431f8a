/** The runner's release, answered to a ping. */
import packageJson from '../package.json' with { type: 'json' }

export const RUNNER_VERSION: string = typeof packageJson.version === 'string' && packageJson.version ? packageJson.version : 'dev'
