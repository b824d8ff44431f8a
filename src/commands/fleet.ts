/**
 * A fleet (input `targets`): the targets file read and expanded into one Config per database, then `apply`
 * on each — waves in order, at most `concurrency` at once, each under its own lease — with one result per
 * target (`runs`). The plan of a fleet is commands/fleet-plan.ts. The front ends (main.ts, cli/run.ts) say
 * how a target's lines and its end are shown (FleetReporter).
 */
import { CONNECTION_INPUTS, readConfig, type Config, type ConfigSources } from '../config.js'
import { InputError, PlanRefusedError, StatementFailedError, errorMessage, publicSqlMessage } from '../errors.js'
import { expandTargets, listEntries } from '../fleet/expand.js'
import { runSchedule } from '../fleet/schedule.js'
import { readTargetsFile, type TargetEntry } from '../fleet/targets-file.js'
import type { FleetApplyReport, FleetRun, FleetTarget } from '../fleet/types.js'
import type { Version } from '../migrations/types.js'
import type { ApplyResult } from '../engine/apply.js'
import { runApply } from './apply.js'
import { dialectOf, resolveEngine } from './dialect.js'
import type { Reporter } from './reporter.js'
import { preview } from '../text.js'
import { withTarget } from './target.js'

/** An error goes into one table cell and one JSON field: one line, cut after this many characters. */
const ERROR_CHARACTERS = 499

/** The fleet's own inputs, and the run's that no target needs (the token is registered as a secret once, by the run). */
const FLEET_INPUTS = new Set(['targets', 'only', 'concurrency', 'on-error', 'github-token'])

export interface LoadedFleet {
  /** The run's Config (command, migrations, reports); its `target` is null. */
  base: Config
  file: string
  targets: FleetTarget[]
  /** One Config per target, by name. */
  configs: Map<string, Config>
}

/** How a front end shows a fleet as it runs. */
export interface FleetReporter extends Reporter {
  /** Where one target's own lines go (the action: prefixed log lines; the command line: nowhere unless it fails). */
  target(name: string): Reporter
}

/** Reads the targets file and builds each target's Config; runs the listing queries (read-only) of the entries `only` picks. */
export async function loadFleet(base: Config, sources: ConfigSources, reporter: Reporter): Promise<LoadedFleet> {
  const fleet = base.fleet!
  const file = readTargetsFile(fleet.targets, { workspace: base.workspace, env: sources.env, setSecret: sources.setSecret })
  const configFor = (inputs: ReadonlyMap<string, string>, name: string, where: string): Config => {
    let config: Config
    try {
      config = readConfig({
        ...sources,
        getInput: (input) => {
          if (FLEET_INPUTS.has(input)) return ''
          // `targets` (the command) reads the file only; each target is read as plan reads it.
          if (input === 'command') return base.command === 'targets' ? 'plan' : base.command
          if (input === 'environment') return name
          if ((CONNECTION_INPUTS as readonly string[]).includes(input)) return inputs.get(input) ?? ''
          return inputs.get(input) ?? sources.getInput(input)
        }
      })
    } catch (error) {
      if (error instanceof InputError) throw new InputError('targets', `${where}: ${name}: ${error.input}: ${error.detail}`)
      throw error
    }
    if (!config.target) {
      throw new InputError(
        'targets',
        `${where}: ${name} has no connection: give resource-arn + secret-arn (with database), database-url-env or lambda-function, in defaults or in the target`
      )
    }
    return config
  }

  // Every entry's connection is checked before any query runs.
  const entryConfigs = new Map<TargetEntry, Config>(file.entries.map((entry) => [entry, configFor(entry.inputs, entry.name, entry.where)]))
  // `targets` lists the file's entries as written: no database is asked anything (a matrix job needs no credentials).
  if (base.command === 'targets') return { base, file: file.file, targets: listEntries(file, fleet.only), configs: new Map() }
  // One engine for the fleet: the migrations are read once, with its syntax.
  const first = entryConfigs.get(file.entries[0])!
  await resolveEngine(first, (message) => reporter.info(message))
  const engine = first.engine
  for (const [entry, config] of entryConfigs) {
    if (config.engine !== 'auto' && config.engine !== engine) {
      throw new InputError(
        'targets',
        `${entry.where}: ${entry.name}: engine ${config.engine}, but the fleet is ${engine} (from ${file.entries[0].name}): a fleet is one engine`
      )
    }
    config.engine = engine
  }
  base.engine = engine
  const dialect = dialectOf(first)

  const targets = await expandTargets(file, {
    only: fleet.only,
    syntax: dialect.syntax,
    listNames: async (entry, sql) => {
      const config = entryConfigs.get(entry)!
      if (entry.schemasQuery !== null && !dialect.engine.schemasInDatabase) {
        throw new Error(`on ${dialect.displayName} a schema is a database: use databases-query`)
      }
      reporter.info(`${entry.name}: listing its ${entry.databasesQuery ? 'databases' : 'schemas'}`)
      return withTarget(config, reporter, async (target) => {
        const readOnly = dialect.engine.readOnlyTransaction
        const result = await target.transaction([...(readOnly ? [{ sql: readOnly }] : []), { sql }], { resultsNeeded: true })
        if (!result.ok) throw new Error(result.error.message)
        return result.results[result.results.length - 1].rows.map((row) => {
          const value = Object.values(row)[0]
          return value === null || value === undefined ? null : String(value)
        })
      })
    }
  })
  const configs = new Map<string, Config>()
  // The engine's detection asked the first entry's server: the targets on that server need not ask again.
  const servers = serverLabels()
  servers.after(first)
  for (const target of targets) {
    const config = configFor(target.inputs, target.name, file.file)
    config.engine = engine
    const schema = target.inputs.get('schema')
    if (schema) config.searchPath = schema
    servers.before(config)
    configs.set(target.name, config)
  }
  return { base, file: file.file, targets, configs }
}

/** The `matrix` output's names: the file's entries (an entry with a query is one job that expands it). */
export function matrixNames(fleet: Pick<LoadedFleet, 'targets'>): string[] {
  return [...new Set(fleet.targets.map((t) => t.name.split('/')[0]))]
}

export interface FleetApplyOutcome {
  report: FleetApplyReport
  /** The targets that failed or were refused: the step fails. */
  failed: FleetRun[]
}

/** `apply` on every target of the fleet. */
export async function runFleetApply(
  fleet: LoadedFleet,
  versions: Version[],
  reporter: FleetReporter,
  options: { signal?: AbortSignal; finished?: (run: FleetRun, done: number, total: number) => void } = {}
): Promise<FleetApplyOutcome> {
  const { base } = fleet
  const started = Date.now()
  const concurrency = base.fleet!.concurrency
  const onError = base.fleet!.onError
  reporter.info(
    `Fleet ${fleet.file}: ${fleet.targets.length} ${fleet.targets.length === 1 ? 'target' : 'targets'}, at most ${concurrency} at once, on-error: ${onError}`
  )
  const servers = serverLabels()
  const runs = await runSchedule<FleetRun>(
    fleet.targets,
    { concurrency, onError, signal: options.signal },
    {
      run: async (target, stop) => {
        const began = Date.now()
        const config = fleet.configs.get(target.name)!
        servers.before(config)
        try {
          const { result } = await runApply(config, versions, reporter.target(target.name), { stopBefore: stop, review: false })
          servers.after(config)
          return runOf(target, result, Date.now() - began)
        } catch (error) {
          return {
            ...blank(target, 'failed'),
            error: preview(errorMessage(error), ERROR_CHARACTERS),
            location: locationOf(error),
            durationMs: Date.now() - began
          }
        }
      },
      stopsFleet: (run) => run.status === 'failed' || run.status === 'refused',
      skipped: (target, reason) => ({ ...blank(target, 'skipped'), error: `not started: ${reason}` }),
      crashed: (target, message) => ({ ...blank(target, 'failed'), error: preview(message, ERROR_CHARACTERS) }),
      finished: (_target, run, done, total) => options.finished?.(run, done, total)
    }
  )
  const report: FleetApplyReport = {
    environment: base.environment,
    runs,
    durationMs: Date.now() - started,
    concurrency,
    onError,
    cancelled: options.signal?.aborted ?? false,
    runUrl: base.run.runUrl,
    sha: base.run.commitSha
  }
  return { report, failed: runs.filter((run) => run.status === 'failed' || run.status === 'refused') }
}

function blank(target: FleetTarget, status: FleetRun['status']): FleetRun {
  return { name: target.name, database: target.database, status, from: null, to: null, applied: [], durationMs: 0 }
}

/** One target's apply as a run entry: what its result shows, checked against the database by the engine. */
export function runOf(target: FleetTarget, result: ApplyResult, durationMs: number): FleetRun {
  const applied = result.applied.map((a) => a.version)
  const run: FleetRun = {
    name: target.name,
    database: target.database,
    status: applied.length ? 'applied' : 'up-to-date',
    from: result.fromVersion,
    to: result.toVersion,
    applied,
    durationMs
  }
  if (result.error) {
    run.status = result.error instanceof PlanRefusedError ? 'refused' : 'failed'
    // As the deploy comment says it: a statement's error without the SQL text it may quote.
    run.error = preview(
      result.error instanceof StatementFailedError
        ? `v${result.error.version} failed at ${result.error.location.file}:${result.error.location.line}: ${publicSqlMessage(result.error.sqlError)}`
        : errorMessage(result.error),
      ERROR_CHARACTERS
    )
    run.location = locationOf(result.error)
  } else if (result.stopped) {
    run.stopped = result.stopped
    if (!applied.length) {
      run.status = 'skipped'
      run.error = `stopped before its first version: ${result.stopped}`
    }
  }
  return run
}

function locationOf(error: unknown): FleetRun['location'] {
  if (!(error instanceof StatementFailedError)) return null
  const { file, line, column } = error.location
  return { file, line, column }
}

/** One line as a target finishes: `tenant_7: applied v2, v3 (v1 → v3) in 1.2 s`. Names and messages are the run's own. */
export function fleetRunLine(run: FleetRun): string {
  const seconds = `${(run.durationMs / 1000).toFixed(1)} s`
  const versions = run.applied.map((v) => `v${v}`).join(', ')
  switch (run.status) {
    case 'applied':
      return `${run.name}: applied ${versions} (v${run.from} → v${run.to}) in ${seconds}${run.stopped ? `; stopped there: ${run.stopped}` : ''}`
    case 'up-to-date':
      return `${run.name}: up to date at v${run.to}`
    case 'skipped':
      return `${run.name}: skipped (${run.error ?? 'not started'})`
    default:
      return `${run.name}: ${run.status}${versions ? ` after applying ${versions}` : ''}${run.to !== null ? ` (at v${run.to})` : ''}: ${run.error ?? ''}`
  }
}

/** The server a target's connection reaches: a cluster, a host and port, or a function. */
function serverKey(config: Config): string {
  const target = config.target!
  if (target.kind === 'data-api') return `data-api ${target.resourceArn}`
  if (target.kind === 'lambda') return `lambda ${target.functionName}`
  try {
    const url = new URL(target.url)
    return `${url.protocol}//${url.host}`
  } catch {
    return target.url
  }
}

/**
 * Asks each server its version once for the fleet, not once per database (reports name the server): a target on a
 * server already asked takes the answer, and is spared that call. Call `before` as a target starts and `after`
 * once it has connected.
 */
export function serverLabels(): { before(config: Config): void; after(config: Config): void } {
  const known = new Map<string, string | null>()
  return {
    before(config) {
      const key = serverKey(config)
      if (known.has(key) && config.server === undefined) config.server = known.get(key)!
    },
    after(config) {
      if (config.server !== undefined && config.server !== null) known.set(serverKey(config), config.server)
    }
  }
}

/**
 * Cancels the fleet on SIGINT or SIGTERM (a cancelled workflow sends one, then the other): `warn` says so once,
 * naming the signal. The run goes on to report; `release()` removes the handlers.
 */
export function cancelOnSignals(warn: (message: string) => void): { signal: AbortSignal; release(): void } {
  const cancel = new AbortController()
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = (): void => {
      if (!cancel.signal.aborted)
        warn(`${name}: cancelling the fleet — no new target starts; running targets finish the version they are on`)
      cancel.abort()
    }
    process.on(name, handler)
    return [name, handler] as const
  })
  return { signal: cancel.signal, release: () => handlers.forEach(([name, handler]) => process.off(name, handler)) }
}
