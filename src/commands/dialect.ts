/**
 * Which dialect a run speaks: the one place that chooses. The `engine` input names it, or `auto` leaves it to
 * the target: a URL's scheme says it, and over the RDS Data API or the runner Lambda one question to the server
 * (`resolveEngine`, before anything else runs) does.
 */
import type { Config } from '../config.js'
import { DIALECTS, dialectFor, type Dialect, type DialectName } from '../dialects/index.js'
import { InputError, errorMessage } from '../errors.js'
import { createTarget } from '../targets/create.js'
import type { Target } from '../targets/target.js'

const NAMES = DIALECTS.map((dialect) => dialect.name)

/** The question every engine answers the same way: its version text, in which each dialect recognises itself. */
const VERSION_SQL = 'SELECT VERSION() AS version'

function isDialectName(name: string): name is DialectName {
  return (NAMES as string[]).includes(name)
}

/** The dialect a URL's scheme means, or null for a transport whose URL says nothing. */
function fromTarget(config: Pick<Config, 'target'>): DialectName | null {
  switch (config.target?.kind) {
    case 'postgres':
      return 'postgresql'
    case 'mysql-url':
      return 'mysql'
    default:
      return null
  }
}

/** The dialect of a URL config.ts accepted: mysql:// or a PostgreSQL one. */
function fromUrl(url: string): DialectName {
  return /^mysql:/i.test(url.trim()) ? 'mysql' : 'postgresql'
}

/** The `engine` input checked: `auto`, or one of the dialects' names. */
function engineName(engine: string | undefined): DialectName | 'auto' {
  const name = engine ?? 'auto'
  if (name === 'auto' || isDialectName(name)) return name
  throw new InputError('engine', `'${name}' is not an engine: use auto, ${NAMES.join(' or ')}`)
}

/**
 * The run's dialect. `auto` that no URL settles and no server was asked about (a fork's pull request has no
 * connection) reads the migrations as PostgreSQL, which the input's description says.
 */
export function dialectOf(config: Pick<Config, 'target'> & Partial<Pick<Config, 'engine'>>): Dialect {
  const engine = engineName(config.engine)
  if (engine !== 'auto') return dialectFor(engine)
  return dialectFor(fromTarget(config) ?? 'postgresql')
}

/**
 * Settles `config.engine` before anything reads the migrations: checks the input, refuses an engine the URL
 * contradicts, and asks the server when `auto` has a Data API or runner Lambda target (one call). Afterwards
 * dialectOf(config) is the target's dialect.
 */
export async function resolveEngine(
  config: Config,
  log: (message: string) => void,
  options: { detect?: (config: Config, log: (message: string) => void) => Promise<string> } = {}
): Promise<void> {
  await settleEngine(config, log, options)
  // Verification runs the plan on a server of the target's engine.
  const shadow = config.shadowDatabaseUrl ? fromUrl(config.shadowDatabaseUrl) : null
  const engine = engineName(config.engine)
  if (shadow && engine !== 'auto' && shadow !== engine) {
    throw new InputError(
      'shadow-database-url',
      `is a ${dialectFor(shadow).displayName} server, but the target is ${dialectFor(engine).displayName}: verification needs a server of the target's engine`
    )
  }
}

async function settleEngine(
  config: Config,
  log: (message: string) => void,
  options: { detect?: (config: Config, log: (message: string) => void) => Promise<string> }
): Promise<void> {
  const engine = engineName(config.engine)
  const byUrl = fromTarget(config)
  if (byUrl) {
    if (engine !== 'auto' && engine !== byUrl) {
      throw new InputError(
        'engine',
        `is ${engine}, but database-url is a ${dialectFor(byUrl).displayName} URL: leave engine at auto, or fix the URL`
      )
    }
    config.engine = byUrl
    return
  }
  if (engine !== 'auto' || !config.target) return
  const version = await (options.detect ?? askServer)(config, log)
  const found = DIALECTS.find((dialect) => dialect.recognizesVersion(version))
  if (!found) {
    throw new InputError(
      'engine',
      `auto could not tell the engine from the server's version (${JSON.stringify(version.slice(0, 80))}): set engine to ${NAMES.join(' or ')}`
    )
  }
  log(`Engine: ${found.displayName} (the server says ${version.slice(0, 80)})`)
  config.engine = found.name
  config.server = found.serverLabel(version)
}

/** The target's server as reports name it ("MySQL 8.0.36"), asked once over `target`; null when it cannot tell. */
export async function serverLabel(config: Config, target: Target): Promise<string | null> {
  if (config.server !== undefined) return config.server
  try {
    const { rows } = await target.query(VERSION_SQL)
    config.server = dialectOf(config).serverLabel(String(rows[0]?.version ?? ''))
  } catch {
    config.server = null
  }
  return config.server
}

/** Asks the target's server for its version text, over the configured transport. */
async function askServer(config: Config, log: (message: string) => void): Promise<string> {
  // The question needs nothing of a dialect's wire part; any dialect's serves for it.
  const target = createTarget(config.target!, DIALECTS[0].wire, log, { resumeTimeoutSeconds: config.resumeTimeoutSeconds })
  try {
    const { rows } = await target.query(VERSION_SQL)
    return String(rows[0]?.version ?? '')
  } catch (error) {
    throw new Error(`engine: auto asked the server which engine it runs, and the question failed: ${errorMessage(error)}`, { cause: error })
  } finally {
    await target.close()
  }
}
