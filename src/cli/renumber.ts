/**
 * `aurora-migrate renumber <from> <to>` and `renumber --onto <ref>` on the command line: the database (or the
 * fleet's targets) read for their histories when given, the folders renamed, one line per move.
 */
import { resolveEngine, dialectOf } from '../commands/dialect.js'
import { loadFleet } from '../commands/fleet.js'
import { readTargetHistory } from '../commands/history.js'
import { runRenumber, type RenumberRequest, type TargetRows } from '../commands/renumber.js'
import { withTarget } from '../commands/target.js'
import type { Config, ConfigSources } from '../config.js'
import { UsageError, type ParsedArgs } from './args.js'
import type { Terminal } from './terminal.js'

/** The histories of the targets given: the one database, or every target of the fleet, read one after another. */
function historiesOf(config: Config, sources: ConfigSources, terminal: Terminal): (() => Promise<TargetRows[]>) | null {
  if (config.fleet)
    return async () => {
      const fleet = await loadFleet(config, sources, terminal)
      const out: TargetRows[] = []
      for (const target of fleet.targets) {
        const each = fleet.configs.get(target.name)!
        await resolveEngine(each, (message) => terminal.info(message))
        out.push({ name: target.name, rows: (await withTarget(each, terminal, (t) => readTargetHistory(each, t))).rows })
      }
      return out
    }
  if (config.target)
    return async () => [
      { name: `the database (${config.environment})`, rows: (await withTarget(config, terminal, (t) => readTargetHistory(config, t))).rows }
    ]
  return null
}

export async function renumberCommand(
  config: Config,
  sources: ConfigSources,
  parsed: ParsedArgs,
  terminal: Terminal
): Promise<{ code: number; document: Record<string, unknown> }> {
  let request: RenumberRequest
  if (parsed.onto !== null) {
    if (parsed.args.length)
      throw new UsageError(`renumber --onto takes no versions (got '${parsed.args[0]}'): it moves every version the branch adds`)
    request = { onto: parsed.onto }
  } else if (parsed.args.length === 2) request = { from: parsed.args[0], to: parsed.args[1] }
  else
    throw new UsageError(
      'renumber needs <from> <to> (aurora-migrate renumber 9 10) or --onto <ref> (aurora-migrate renumber --onto origin/main)'
    )
  if (!config.fleet) await resolveEngine(config, (message) => terminal.info(message))
  const outcome = await runRenumber({
    workspace: config.workspace,
    migrationsDir: config.migrationsDir,
    syntax: dialectOf(config).syntax,
    request,
    histories: historiesOf(config, sources, terminal),
    reporter: terminal
  })
  for (const move of outcome.moves)
    terminal.line(terminal.clean(`Renamed ${move.fromDir} → ${move.to} (v${move.fromNumber} → v${move.toNumber})`))
  if (outcome.moves.length) {
    terminal.line(
      terminal.clean(
        `The files are unchanged (their checksums too): commit the rename, e.g. git add -A ${config.migrationsDir} && git commit`
      )
    )
    if ('onto' in request)
      terminal.line(terminal.clean(`Then merge or rebase onto ${request.onto}: until then this branch alone skips its versions.`))
  }
  return {
    code: 0,
    document: {
      moves: outcome.moves.map((m) => ({ from: m.fromDir, to: m.toDir, fromVersion: m.fromNumber, toVersion: m.toNumber })),
      checked: outcome.checked
    }
  }
}
