/**
 * Text from a pull request (file and folder names, SQL, messages that quote them) on its way to a log.
 * The runner reads every log line that starts with `::` as a workflow command, so a name holding a line
 * break could set outputs or stop masking; bidirectional controls make a name read differently from
 * what it is. Names with such characters are refused at discovery; every log line is escaped as well.
 */
import { randomUUID } from 'node:crypto'

/**
 * C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the bidirectional
 * controls (ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** The first control character in `text` (see CONTROL), or null. */
export function controlCharacter(text: string): string | null {
  return text.match(new RegExp(CONTROL.source))?.[0] ?? null
}

/** `\n`, `\t`, `\r`, or `\u001b`-style: how a control character is written in messages. */
export function escapeCharacter(character: string): string {
  return NAMED[character] ?? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/** The text on one line with every control character written as an escape: safe in a log line or a message. */
export function printable(text: string): string {
  return text.replace(CONTROL, escapeCharacter)
}

/** One log line: control characters escaped, and never read as a workflow command (it cannot start with `::`). */
export function logLine(message: string): string {
  const line = printable(message)
  return /^\s*::/.test(line) ? `\\${line.trimStart()}` : line
}

/**
 * Several lines of text that must be printed as they are (markdown holding SQL): wrapped in the
 * runner's `stop-commands` with a token nobody can guess, so no line of it is read as a command.
 */
export function logBlock(text: string, print: (line: string) => void, onRunner = process.env.GITHUB_ACTIONS === 'true'): void {
  if (!onRunner) {
    print(text)
    return
  }
  const token = randomUUID()
  print(`::stop-commands::${token}`)
  print(text)
  print(`::${token}::`)
}
