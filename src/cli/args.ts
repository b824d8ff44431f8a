/**
 * The command line's words: `aurora-migrate <command> [--flag value | --flag=value | --boolean | --no-boolean] [args]`.
 * Every option of src/options.ts is a flag of the same name; a few flags are the command line's own.
 * Pure: a mistake is a UsageError naming the flag, which the command line prints on one line and exits 2.
 */
import { FLAG_OPTIONS, OPTIONS } from '../options.js'
import { closest } from '../suggest.js'

export const CLI_COMMANDS = [
  'plan',
  'status',
  'apply',
  'validate',
  'baseline',
  'repair',
  'review',
  'new',
  'targets',
  'renumber',
  'drift'
] as const
export type CliCommand = (typeof CLI_COMMANDS)[number]

/** The command line's own flags (not action inputs). */
export const OWN_FLAGS: ReadonlyArray<{ name: string; value?: string; commands?: readonly CliCommand[]; summary: string }> = [
  { name: 'json', summary: 'Print one JSON document (plan, findings, result or error) on stdout and nothing else; logs go to stderr.' },
  { name: 'no-color', summary: 'No colours (also when NO_COLOR is set, or when the output is not a terminal).' },
  { name: 'url-env', value: '<NAME>', summary: 'Read --database-url from this environment variable instead of DATABASE_URL.' },
  {
    name: 'exit-code',
    commands: ['plan', 'status'],
    summary: 'Exit 3 when versions are pending (0 when the database is up to date).'
  },
  { name: 'dry-run', commands: ['apply'], summary: 'Show what apply would run and change nothing (the same as plan).' },
  {
    name: 'markdown',
    commands: ['plan'],
    summary: 'Print the plan comment (Markdown, as the action posts it on a pull request) on stdout; logs go to stderr.'
  },
  {
    name: 'onto',
    value: '<ref>',
    commands: ['renumber'],
    summary: "Move every version the branch adds since it left <ref> (e.g. origin/main) after <ref>'s last version."
  },
  {
    name: 'sql',
    commands: ['plan'],
    summary:
      'Print the SQL script of what apply would send to this database on stdout, and nothing else; logs go to stderr (docs/sql-output.md).'
  },
  { name: 'help', summary: 'Show this help.' },
  { name: 'version', summary: "Print aurora-migrate's version." }
]

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export interface ParsedArgs {
  command: CliCommand | null
  /** Words after the command that are not flags (`new <description>`, `review <version>…`). */
  args: string[]
  /** Option values by input name, as the action's getInput would return them. */
  inputs: Map<string, string>
  json: boolean
  noColor: boolean
  urlEnv: string | null
  exitCode: boolean
  dryRun: boolean
  markdown: boolean
  /** renumber --onto <ref>. */
  onto: string | null
  /** plan --sql: the SQL script on stdout. */
  sql: boolean
  help: boolean
  version: boolean
}

const BOOLEAN_WORDS = new Set(['true', 'false'])

/** Every flag the command line takes, as written after `--` (booleans also as `no-…`): what a misspelled flag is compared with. */
function flagNames(): string[] {
  return [
    ...FLAG_OPTIONS.flatMap((option) => (option.boolean ? [option.name, `no-${option.name}`] : [option.name])),
    ...OWN_FLAGS.map((flag) => flag.name)
  ]
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed: ParsedArgs = {
    command: null,
    args: [],
    inputs: new Map(),
    json: false,
    noColor: false,
    urlEnv: null,
    exitCode: false,
    dryRun: false,
    markdown: false,
    onto: null,
    sql: false,
    help: false,
    version: false
  }
  const words = [...argv]
  let onlyArgs = false
  while (words.length) {
    const word = words.shift()!
    if (onlyArgs || !word.startsWith('-') || word === '-') {
      if (parsed.command === null) {
        if (!(CLI_COMMANDS as readonly string[]).includes(word)) {
          const match = closest(word, CLI_COMMANDS)
          throw new UsageError(
            `unknown command '${word}': ${match ? `did you mean ${match}? ` : ''}use one of ${CLI_COMMANDS.join(', ')} (aurora-migrate --help)`
          )
        }
        parsed.command = word as CliCommand
      } else parsed.args.push(word)
      continue
    }
    if (word === '--') {
      onlyArgs = true
      continue
    }
    if (word === '-h') {
      parsed.help = true
      continue
    }
    if (!word.startsWith('--')) {
      const bare = word.replace(/^-+/, '').split('=')[0]
      const match = flagNames().includes(bare) ? bare : closest(bare, flagNames())
      throw new UsageError(
        `unknown flag ${word}: flags are written --name${match ? ` (did you mean --${match}?)` : ''} (aurora-migrate --help)`
      )
    }
    const equals = word.indexOf('=')
    const name = equals < 0 ? word.slice(2) : word.slice(2, equals)
    const inline = equals < 0 ? null : word.slice(equals + 1)
    const takeValue = (): string => {
      if (inline !== null) return inline
      const next = words.shift()
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${name} needs a value`)
      return next
    }
    const noValue = (): void => {
      if (inline !== null) throw new UsageError(`--${name} takes no value`)
    }
    switch (name) {
      case 'json':
        noValue()
        parsed.json = true
        continue
      case 'no-color':
        noValue()
        parsed.noColor = true
        continue
      case 'exit-code':
        noValue()
        parsed.exitCode = true
        continue
      case 'dry-run':
        noValue()
        parsed.dryRun = true
        continue
      case 'markdown':
        noValue()
        parsed.markdown = true
        continue
      case 'sql':
        noValue()
        parsed.sql = true
        continue
      case 'help':
        noValue()
        parsed.help = true
        continue
      case 'version':
        noValue()
        parsed.version = true
        continue
      case 'onto':
        if (parsed.onto !== null) throw new UsageError('--onto is given twice')
        parsed.onto = takeValue()
        if (parsed.command && parsed.command !== 'renumber') throw new UsageError(`--onto goes with renumber, not ${parsed.command}`)
        continue
      case 'url-env':
        parsed.urlEnv = takeValue()
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(parsed.urlEnv))
          throw new UsageError(`--url-env: '${parsed.urlEnv}' is not an environment variable name`)
        continue
    }
    const negated = name.startsWith('no-') ? name.slice(3) : null
    const option = FLAG_OPTIONS.find((each) => each.name === name) ?? FLAG_OPTIONS.find((each) => each.boolean && each.name === negated)
    if (!option) {
      const known = OPTIONS.find((each) => each.name === name || each.name === negated)
      if (known?.use === 'command') throw new UsageError(`--${name}: the command is the first word (aurora-migrate plan, apply, …)`)
      if (known) throw new UsageError(`--${known.name} is for the GitHub Action only (pull request comments and deployments)`)
      const match = closest(name, flagNames())
      throw new UsageError(`unknown flag --${name}: ${match ? `did you mean --${match}? ` : ''}aurora-migrate --help lists the flags`)
    }
    if (parsed.inputs.has(option.name)) throw new UsageError(`--${option.name} is given twice`)
    if (option.boolean) {
      if (option.name !== name) {
        noValue()
        parsed.inputs.set(option.name, 'false')
      } else if (inline !== null) {
        if (!BOOLEAN_WORDS.has(inline.toLowerCase())) throw new UsageError(`--${name}: '${inline}' is not true or false`)
        parsed.inputs.set(option.name, inline)
      } else parsed.inputs.set(option.name, 'true')
      continue
    }
    parsed.inputs.set(option.name, takeValue())
  }
  for (const flag of OWN_FLAGS) {
    const given =
      (flag.name === 'exit-code' && parsed.exitCode) ||
      (flag.name === 'dry-run' && parsed.dryRun) ||
      (flag.name === 'markdown' && parsed.markdown) ||
      (flag.name === 'sql' && parsed.sql)
    if (given && parsed.command && flag.commands && !flag.commands.includes(parsed.command))
      throw new UsageError(`--${flag.name} goes with ${flag.commands.join(' or ')}, not ${parsed.command}`)
  }
  if (parsed.onto !== null && parsed.command !== 'renumber')
    throw new UsageError(`--onto goes with renumber, not ${parsed.command ?? 'no command'}`)
  if (parsed.markdown && parsed.json) throw new UsageError('--markdown and --json both write stdout: give one of them')
  if (parsed.sql && (parsed.json || parsed.markdown))
    throw new UsageError(
      `--sql and --${parsed.json ? 'json' : 'markdown'} both write stdout: give one of them (--sql-output <file> writes the script to a file)`
    )
  return parsed
}
