/** `aurora-migrate --help` and `aurora-migrate <command> --help`, written from the one table of options. */
import { FLAG_OPTIONS, type OptionSpec } from '../options.js'
import { CLI_COMMANDS, OWN_FLAGS, type CliCommand } from './args.js'
import { asFlags } from './words.js'

export const COMMAND_SUMMARIES: Record<CliCommand, string> = {
  plan: 'What would run against the database, verified on a throwaway database of the same engine and reviewed. Changes nothing.',
  status:
    'The history (each applied version: when, by whom, from which commit, how long) and what is pending. Verifies nothing (plan does); changes nothing.',
  apply: 'Apply the pending versions, each in one transaction (--dry-run: plan).',
  validate: 'Fail on drift, missing, out-of-order or partly applied versions; exit 3 when versions are pending. Changes nothing.',
  baseline: 'Record versions 1..N as applied without running them (--baseline-version N or --baseline-from sequelize).',
  repair: "Accept reviewed drift (the files' current checksums) and clear a stale lease. Runs no migration SQL.",
  review: "The review's findings alone: the pending versions with a database, else the newest version (or the versions named).",
  new: 'Start a new version: v<next>_<description>/01_<description>.sql in the migrations directory.',
  targets: "List a fleet's targets (--targets <file>, --only) and check the file, touching no database; --json gives the matrix.",
  renumber:
    "Give a branch's new versions other numbers by renaming their folders (the files, and so their checksums, stay the same); refused when a database given has applied them.",
  drift:
    'What changed in the database that no migration did, with the SQL both ways; exit 3 when there is drift. Replays the applied versions on a throwaway database; changes nothing.'
}

const USAGE: Record<CliCommand, string> = {
  plan: 'aurora-migrate plan [flags]',
  status: 'aurora-migrate status [flags]',
  apply: 'aurora-migrate apply [flags]',
  validate: 'aurora-migrate validate [flags]',
  baseline: 'aurora-migrate baseline --baseline-version <n> [flags]',
  repair: 'aurora-migrate repair [flags]',
  review: 'aurora-migrate review [<version>…] [flags]',
  new: 'aurora-migrate new <description> [--migrations-dir <dir>]',
  targets: 'aurora-migrate targets --targets <file> [--only <names>] [flags]',
  renumber: 'aurora-migrate renumber <from> <to> | renumber --onto <ref> [--database-url <url> | --targets <file>] [flags]',
  drift: 'aurora-migrate drift [flags]'
}

/** Markdown of the options table reduced to plain text for a terminal, in the command line's words. */
function plain(text: string): string {
  return asFlags(text.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1')).replace(/`/g, '')
}

function flagLine(name: string, value: string | undefined, summary: string, shownDefault?: string): string {
  const flag = `  --${name}${value ? ` ${value}` : ''}`
  const text = plain(summary) + (shownDefault ? ` (default: ${plain(shownDefault)})` : '')
  return `${flag.padEnd(34)} ${text}`
}

function optionLine(option: OptionSpec): string {
  const name = option.boolean ? `[no-]${option.name}` : option.name
  const shown = option.shownDefault ?? option.default
  return flagLine(name, option.value, option.cliSummary ?? option.summary, shown === 'see text' ? undefined : shown)
}

export function helpText(command: CliCommand | null, version: string): string {
  const lines: string[] = []
  if (command) lines.push(`Usage: ${USAGE[command]}`, '', COMMAND_SUMMARIES[command], '')
  else {
    lines.push(
      `aurora-migrate ${version}: versioned SQL migrations for Amazon Aurora PostgreSQL`,
      '',
      'Usage: aurora-migrate <command> [flags]',
      '',
      'Commands:'
    )
    for (const name of CLI_COMMANDS) lines.push(`  ${name.padEnd(10)} ${COMMAND_SUMMARIES[name]}`)
    lines.push('')
  }
  lines.push('Flags (each is the GitHub Action input of the same name):')
  for (const option of FLAG_OPTIONS) lines.push(optionLine(option))
  lines.push('', 'Command-line flags:')
  for (const flag of OWN_FLAGS)
    if (!command || !flag.commands || flag.commands.includes(command)) lines.push(flagLine(flag.name, flag.value, flag.summary))
  lines.push(
    '',
    'The database: --database-url (default: $DATABASE_URL), --resource-arn + --secret-arn (RDS Data API), or --lambda-function.',
    'AWS credentials, region and endpoints come from the SDK: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_RDS_DATA, …',
    '',
    'Exit codes: 0 success; 1 a migration or a check failed; 2 bad usage or input; 3 versions are pending (plan --exit-code, validate).'
  )
  return lines.join('\n')
}
