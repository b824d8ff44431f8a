/**
 * `drift`: what changed in the database that no migration did. The applied versions (exactly those the target's
 * history records, from the files on disk) are replayed on a throwaway database, both catalogs are read with the
 * dialect's snapshot — the target's in one call — and every difference is reported with the SQL both ways.
 * Changes nothing on the target. Checksum drift (an applied version's files edited since) is validate's to report:
 * drift refuses then, rather than replay SQL the database never ran.
 */
import type { Config } from '../config.js'
import { InputError, errorMessage } from '../errors.js'
import { compareSchemas, type DriftReport } from '../drift/compare.js'
import { replayHistory } from '../drift/replay.js'
import { driftOutput, driftText, renderDrift, type DriftContext } from '../drift/report.js'
import type { Version } from '../migrations/types.js'
import { planMigrations } from '../plan.js'
import { versionNumbers } from '../text.js'
import { dialectOf } from './dialect.js'
import { readTargetHistory } from './history.js'
import { planOptions } from './plan.js'
import type { Reporter } from './reporter.js'
import { withTarget } from './target.js'

export interface DriftOutcome {
  report: DriftReport
  context: DriftContext
  /** The job summary. */
  markdown: string
  /** For a terminal. */
  text: string[]
  /** The `schema-drift` output (bounded JSON). */
  output: string
}

/** Why drift does not compare: the applied history cannot be replayed as the database ran it. */
export class DriftRefusedError extends Error {
  override name = 'DriftRefusedError'
}

/** The answer of a catalog bigger than one Data API call returns (1 MiB, 64 KB a row), said as what to do. */
function catalogReadFailure(error: unknown): Error {
  const message = errorMessage(error)
  if (/response size limit|Packet for query is too large/i.test(message)) {
    return new Error(
      `drift reads the database's catalog in one call, and its answer is larger than the transport returns (${message}). ` +
        'Run drift with database-url (a direct connection has no such limit), or through the runner Lambda.',
      { cause: error }
    )
  }
  return new Error(`drift could not read the database's catalog: ${message}`, { cause: error })
}

export async function runDrift(config: Config, versions: Version[], reporter: Reporter): Promise<DriftOutcome> {
  const dialect = dialectOf(config)
  const part = dialect.drift
  if (!part) throw new InputError('command', `drift is not available for ${dialect.displayName} yet`)
  return withTarget(config, reporter, async (target) => {
    const history = await readTargetHistory(config, target)
    const plan = planMigrations(versions, history.rows, planOptions(config))
    const refusals = [
      plan.drift.length
        ? `${versionNumbers(plan.drift.map((d) => d.version))} changed on disk since applied (checksum drift, which validate reports): drift would replay SQL the database never ran. Restore the files, or accept the change with repair, then run drift again.`
        : null,
      plan.missing.length
        ? `${versionNumbers(plan.missing)} applied but not in the migrations directory: drift cannot replay ${plan.missing.length === 1 ? 'it' : 'them'}.`
        : null,
      history.partial.length
        ? `${versionNumbers(history.partial.map((p) => p.version))} partly applied: finish ${history.partial.length === 1 ? 'it' : 'them'} with apply (or settle with repair) first.`
        : null
    ].filter((refusal): refusal is string => refusal !== null)
    if (refusals.length) throw new DriftRefusedError(`drift refused: ${refusals.join(' ')}`)

    const applied = new Set(history.rows.map((row) => row.version))
    const replayVersions = versions.filter((version) => applied.has(version.number))
    const replayed = await replayHistory(replayVersions, {
      engine: dialect.engine,
      shadow: dialect.shadow,
      drift: part,
      shadowDatabaseUrl: config.shadowDatabaseUrl,
      log: (message) => reporter.info(`[replay] ${message}`)
    })
    let database
    try {
      database = await part.snapshot(target, {
        roles: replayed.roles,
        bodies: false,
        history: history.tables
      })
    } catch (error) {
      throw catalogReadFailure(error)
    }
    const report = compareSchemas(replayed.objects, database, part)
    const context: DriftContext = {
      environment: config.environment,
      target: target.description,
      versions: replayVersions.map((version) => version.number),
      server: replayed.server,
      runUrl: config.run.runUrl,
      sha: config.run.commitSha
    }
    reporter.info(
      report.differences.length
        ? `Drift: ${report.differences.length} difference${report.differences.length === 1 ? '' : 's'} that no migration made`
        : 'No drift: the database matches its migrations'
    )
    return { report, context, markdown: renderDrift(report, context), text: driftText(report, context), output: driftOutput(report) }
  })
}
