/**
 * A fleet on the command line (`--targets`): one line per target as it finishes, a progress line for the
 * fleet, then the summary's counts; `--json` gives the runs (apply) or the groups (plan) as one document.
 * Exit 1 when a target failed or was refused, or when the plan fails; 3 with --exit-code when versions are
 * pending anywhere.
 */
import { cancelOnSignals, fleetRunLine, loadFleet, matrixNames, runFleetApply, type FleetReporter } from '../commands/fleet.js'
import { runFleetPlan } from '../commands/fleet-plan.js'
import { runDrift } from '../commands/drift.js'
import { InputError } from '../errors.js'
import type { Version } from '../migrations/types.js'
import type { Config, ConfigSources } from '../config.js'
import { discoverMigrations } from '../migrations/discover.js'
import { dialectOf } from '../commands/dialect.js'
import type { FleetRun } from '../fleet/types.js'
import type { CliCommand, ParsedArgs } from './args.js'
import type { Terminal } from './terminal.js'
import { asFlags } from './words.js'

interface Result {
  code: number
  document: Record<string, unknown>
  stdout?: string
}

const EXIT = { ok: 0, failed: 1, pending: 3 } as const

export async function fleetCommand(
  config: Config,
  sources: ConfigSources,
  command: CliCommand,
  parsed: ParsedArgs,
  terminal: Terminal
): Promise<Result> {
  // The targets' own lines are quiet on a terminal: the fleet says one line per target.
  const reporter: FleetReporter = {
    info: (message) => terminal.info(message),
    warning: (message) => terminal.warning(message),
    annotate: (level, message, where) => terminal.annotate(level, message, where),
    findings: (findings, show) => terminal.findings(findings, show),
    target: () => ({ info: () => undefined, warning: () => undefined, annotate: () => undefined, findings: () => undefined })
  }
  const fleet = await loadFleet(config, sources, terminal)
  if (command === 'targets') {
    for (const target of fleet.targets)
      terminal.line(`${terminal.clean(target.name)}${target.wave !== null ? ` (wave ${target.wave})` : ''}`)
    return {
      code: EXIT.ok,
      document: {
        targets: fleet.targets.map((t) => ({ name: t.name, database: t.database, wave: t.wave })),
        matrix: { target: matrixNames(fleet) }
      }
    }
  }
  const { versions, warnings } = await discoverMigrations(dialectOf(config).syntax, config.migrationsDir, config.workspace)
  for (const warning of warnings) terminal.warning(warning)
  if (config.command === 'drift') return fleetDrift(fleet, versions, terminal)
  const cancel = cancelOnSignals((message) => terminal.warning(message))
  try {
    if (config.command === 'plan') {
      const outcome = await runFleetPlan(fleet, versions, reporter, {
        signal: cancel.signal,
        finished: (target, done, total) => {
          const pending = target.plan?.pending.map((p) => `v${p.version}`) ?? []
          const said = target.plan
            ? `${target.name}: at v${target.plan.currentVersion}${pending.length ? `, ${pending.length} pending (${pending.join(', ')})` : ', up to date'}${target.plan.refusals.length ? ', refused' : ''}`
            : `${target.name}: not read: ${target.error}`
          terminal.line(terminal.clean(said))
          terminal.progress(`fleet: ${done}/${total} read`)
        }
      })
      for (const failure of outcome.failures) terminal.annotate('error', asFlags(failure.message), failure.where)
      const pendingAnywhere = outcome.report.groups.some((g) => g.plan.pending.length > 0)
      const code = outcome.failures.length ? EXIT.failed : parsed.exitCode && pendingAnywhere ? EXIT.pending : EXIT.ok
      const groups = outcome.report.groups.map((g) => ({
        targets: g.targets,
        currentVersion: g.plan.currentVersion,
        pending: g.plan.pending.map((p) => p.version),
        refusals: g.plan.refusals,
        verification: g.verification?.status ?? 'off'
      }))
      terminal.line(
        `${outcome.report.total} targets in ${groups.length} ${groups.length === 1 ? 'group' : 'groups'}${outcome.report.unreachable.length ? `, ${outcome.report.unreachable.length} not read` : ''}`
      )
      return {
        code,
        document: {
          groups,
          unreachable: outcome.report.unreachable.map((t) => ({ name: t.name, error: t.error })),
          failures: outcome.failures.map((f) => asFlags(f.message))
        },
        ...(parsed.markdown ? { stdout: outcome.markdown } : {})
      }
    }
    const counts = new Map<FleetRun['status'], number>()
    const { report, failed } = await runFleetApply(fleet, versions, reporter, {
      signal: cancel.signal,
      finished: (run, done, total) => {
        counts.set(run.status, (counts.get(run.status) ?? 0) + 1)
        const mark =
          run.status === 'failed' || run.status === 'refused'
            ? terminal.paint('red', '✗')
            : run.status === 'skipped'
              ? terminal.paint('yellow', '-')
              : terminal.paint('green', '✓')
        terminal.line(`${mark} ${terminal.clean(fleetRunLine(run))}`)
        terminal.progress(`fleet: ${done}/${total} done — ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}`)
      }
    })
    const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ')
    terminal.line(
      terminal.paint(
        failed.length ? 'red' : 'green',
        `Fleet: ${summary} in ${(report.durationMs / 1000).toFixed(1)} s${report.cancelled ? ' (cancelled)' : ''}`
      )
    )
    return {
      code: failed.length || report.cancelled ? EXIT.failed : EXIT.ok,
      document: { runs: report.runs, durationMs: report.durationMs, cancelled: report.cancelled }
    }
  } finally {
    cancel.release()
  }
}

/** Drift of the one target `--only` picks (one catalog per run, as a matrix job runs it); exit 3 when it drifted. */
async function fleetDrift(fleet: Awaited<ReturnType<typeof loadFleet>>, versions: Version[], terminal: Terminal): Promise<Result> {
  if (fleet.targets.length !== 1) {
    throw new InputError(
      'only',
      `drift reads one target's catalog per run, and only picks ${fleet.targets.length} targets of ${fleet.file}: run drift once per target with its name as --only`
    )
  }
  const outcome = await runDrift(fleet.configs.get(fleet.targets[0].name)!, versions, terminal)
  for (const line of outcome.text) terminal.line(terminal.clean(line))
  return { code: outcome.report.differences.length ? EXIT.pending : EXIT.ok, document: { ...outcome.report } }
}
