/**
 * Line and column of places in a migration file's text, for the dialects' splitters: 1-based, a CRLF or a
 * lone CR or LF ends a line, a code point (a surrogate pair too) is one column, a leading BOM is not part
 * of the text.
 */
const BOM = 0xfeff
const LF = 0x0a
const CR = 0x0d

/** Where the text starts: past a leading BOM. */
export function textStart(text: string): number {
  return text.charCodeAt(0) === BOM ? 1 : 0
}

/** Tracks line and column while moving forward through the text; queries must not go backwards. */
export class TextCursor {
  private index: number
  private line = 1
  private column = 1

  constructor(
    private readonly text: string,
    start: number
  ) {
    this.index = start
  }

  at(target: number): { line: number; column: number } {
    const text = this.text
    while (this.index < target) {
      const c = text.charCodeAt(this.index)
      if (c === CR) {
        this.index += text.charCodeAt(this.index + 1) === LF ? 2 : 1
        this.line++
        this.column = 1
      } else if (c === LF) {
        this.index++
        this.line++
        this.column = 1
      } else {
        // A surrogate pair is one code point: one column.
        const pair = c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(this.index + 1))
        this.index += pair ? 2 : 1
        this.column++
      }
    }
    return { line: this.line, column: this.column }
  }
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff
}
