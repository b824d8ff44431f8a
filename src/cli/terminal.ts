/**
 * What a person sees: log lines on stderr, coloured on a terminal (not with NO_COLOR or --no-color), a
 * progress line that counts the seconds while a statement or a lease wait runs, and findings and failures
 * as `file:line:column: level: …` so that editors and terminals can jump to them. Every line has its
 * control characters escaped and every secret the options registered masked, as in the action's log.
 */
import { printable } from '../printable.js'
import { unmarked } from './words.js'
import { maskSecrets } from '../targets/mask.js'
import type { Reporter, Where } from '../commands/reporter.js'
import { findingAnnotations } from '../report/review.js'
import type { Finding, Severity } from '../review/types.js'

export interface Stream {
  write(text: string): unknown
  isTTY?: boolean
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const
type Colour = keyof typeof CODES

/** Secrets to mask in every line; registered as config reads them (every non-empty one, as the runner masks). */
export class Masker {
  private readonly secrets = new Set<string>()
  add(secret: string): void {
    if (secret) this.secrets.add(secret)
  }
  mask(text: string): string {
    return maskSecrets(text, this.secrets)
  }
}

const PROGRESS_AFTER_MS = 1_000
const PROGRESS_EVERY_MS = 250
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export class Terminal implements Reporter {
  readonly colour: boolean
  private lastLine = ''
  private lastAt = Date.now()
  private progressShown = false
  private timer: NodeJS.Timeout | null = null
  private frame = 0

  constructor(
    private readonly stderr: Stream,
    private readonly masker: Masker,
    options: { colour: boolean; progress: boolean }
  ) {
    this.colour = options.colour
    if (options.progress && stderr.isTTY) {
      this.timer = setInterval(() => this.tick(), PROGRESS_EVERY_MS)
      this.timer.unref()
    }
  }

  paint(colour: Colour, text: string): string {
    return this.colour ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text
  }

  /** One line on stderr: escaped, masked, the progress line cleared first. */
  line(text: string): void {
    this.clearProgress()
    this.stderr.write(`${text}\n`)
    this.lastAt = Date.now()
  }

  /** Text from the engine or a pull request: its control characters escaped, its secrets masked. */
  clean(text: string): string {
    return this.masker.mask(printable(text))
  }

  info(message: string): void {
    const text = this.clean(message)
    this.lastLine = text
    if (/^(\[verify\] )?Applied v\d+/.test(text)) this.line(`${this.paint('green', '✓')} ${text}`)
    else if (/^(\[verify\] )?Applying v\d+/.test(text)) this.line(this.paint('bold', text))
    else if (text.startsWith('[verify]')) this.line(this.paint('dim', text))
    else this.line(text)
  }

  warning(message: string): void {
    this.line(`${this.paint('yellow', 'warning:')} ${this.clean(message)}`)
  }

  annotate(level: Severity, message: string, where: Where): void {
    const colour: Colour = level === 'error' ? 'red' : level === 'warning' ? 'yellow' : 'cyan'
    const place = where.file ? `${where.file}:${where.startLine ?? 1}:${where.startColumn ?? 1}: ` : ''
    const title = where.title ? `${where.title}: ` : ''
    this.line(`${this.clean(place)}${this.paint(colour, `${level}:`)} ${this.clean(unmarked(title + message))}`)
  }

  /**
   * Each finding once, as `file:line:column: severity: rule: …`: where the command judges them, as the
   * action annotates them (unwaived, with the fix); where it only logs them (apply), each one, a waived one
   * with its reason.
   */
  findings(findings: readonly Finding[], show: { log: boolean; annotate: boolean }): void {
    if (show.annotate) {
      for (const annotation of findingAnnotations(findings)) this.annotate(annotation.level, annotation.message, annotation.properties)
      return
    }
    if (!show.log) return
    for (const f of findings) {
      const waived = f.waived
        ? f.waived.by === 'comment'
          ? ` (waived by a comment: ${f.waived.reason})`
          : ' (waived by --ignore-rules)'
        : ''
      this.annotate(f.severity, `${f.message}${waived}`, { title: f.rule, file: f.file, startLine: f.line, startColumn: f.column })
    }
  }

  /** The live line under the others (a fleet's progress): shown at once on a terminal, replaced by the next line or progress. */
  progress(text: string): void {
    this.lastLine = this.clean(text)
    if (!this.timer) return
    this.clearProgress()
    this.stderr.write(this.paint('dim', this.lastLine.slice(0, 120)))
    this.progressShown = true
  }

  /** The spinner and the seconds since the last line, while nothing is said for a while. */
  private tick(): void {
    const quiet = Date.now() - this.lastAt
    if (quiet < PROGRESS_AFTER_MS || !this.lastLine) return
    const frame = SPINNER[this.frame++ % SPINNER.length]
    const text = `${frame} ${this.lastLine.slice(0, 100)} (${Math.round(quiet / 1000)} s)`
    this.stderr.write(`\r\x1b[2K${this.paint('dim', text)}`)
    this.progressShown = true
  }

  private clearProgress(): void {
    if (!this.progressShown) return
    this.stderr.write('\r\x1b[2K')
    this.progressShown = false
  }

  close(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.clearProgress()
  }
}
