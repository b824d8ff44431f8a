/**
 * The command line's own words for text written for the action: an input's name is its flag, `command:
 * baseline` is `aurora-migrate baseline`, `verify: false` is `--no-verify`, and Markdown marks go.
 */
import { OPTIONS } from '../options.js'

/** Text written for the action's Markdown (findings, failures) as a terminal shows it: code spans and bold without their marks. */
export function unmarked(text: string): string {
  return text.replace(/`([^`\n]+)`/g, '$1').replace(/\*\*([^*\n]+)\*\*/g, '$1')
}

/** Option names with a hyphen, as they appear in readConfig's messages: shown as flags on the command line. */
const HYPHENATED = OPTIONS.map((option) => option.name).filter((name) => name.includes('-'))
/** Boolean flags, whose `name: true` / `name: false` in the action's text are `--name` / `--no-name` here. */
const BOOLEAN_FLAGS = OPTIONS.filter((option) => option.boolean && option.use === 'flag').map((option) => option.name)

/**
 * The action's text in the command line's words: `command: baseline` is `aurora-migrate baseline`,
 * `fail-on: never` is `--fail-on never`, an input's name is its flag; and no Markdown (code spans, bold).
 */
export function asFlags(text: string): string {
  const switched = BOOLEAN_FLAGS.reduce(
    (result, name) =>
      result
        .replace(new RegExp(`(?<![\\w-])${name}: true\\b`, 'g'), `--${name}`)
        .replace(new RegExp(`(?<![\\w-])${name}: false\\b`, 'g'), `--no-${name}`),
    text
  )
  // Not inside a path or a longer word: `v3/lock-timeout.sql` stays as it is.
  const flagged = HYPHENATED.reduce(
    (result, name) =>
      result
        .replace(new RegExp(`(?<![\\w\\-/.])${name}: (?=[a-z0-9])`, 'g'), `--${name} `)
        .replace(new RegExp(`(?<![\\w\\-/.])${name}(?![\\w\\-/]|\\.\\w)`, 'g'), `--${name}`),
    switched
  )
  return unmarked(flagged.replace(/(?<![\w-])command: (plan|apply|validate|baseline|repair)\b/g, 'aurora-migrate $1'))
}
