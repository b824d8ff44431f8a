/**
 * A real CommonMark parser (markdown-it, with GitHub's tables and inline HTML) reading markdown as GitHub reads
 * a comment, and what it finds wrong in it: a list item without text of its own (`- + column …` is a nested
 * list whose `+` vanishes), `undefined`, `null`, `NaN` or `[object Object]` in the text a person reads, a table
 * row whose cells differ in number from its header, a table line that did not parse as a table, unbalanced
 * <details>.
 */
import MarkdownIt from 'markdown-it'

export const markdown = new MarkdownIt({ html: true })

/** The cells of one source line of a table: split at pipes that are not escaped, outer pipes dropped. */
function cells(line: string): number {
  const trimmed = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
  return trimmed.split(/(?<!\\)\|/).length
}

/** What is wrong with one markdown document, as readable lines (empty when nothing is). */
export function commonMarkProblems(text: string): string[] {
  const problems: string[] = []
  const tokens = markdown.parse(text, {})
  const lines = text.split('\n')
  const tableLines = new Set<number>()
  const codeLines = new Set<number>()

  for (const [index, token] of tokens.entries()) {
    if (token.type === 'list_item_open') {
      // The item's first child must be its own text (a paragraph), not a nested list or nothing at all.
      const next = tokens[index + 1]
      const inline = tokens[index + 2]
      const line = (token.map?.[0] ?? 0) + 1
      if (next.type !== 'paragraph_open') problems.push(`line ${line}: a list item without text of its own (${next.type})`)
      else if (!inline.content.trim()) problems.push(`line ${line}: an empty list item`)
    }
    if (token.type === 'inline') {
      const line = (token.map?.[0] ?? 0) + 1
      for (const child of token.children ?? []) {
        // In text, the words a missing value prints; in code, a span that is nothing else; in a link, its target.
        const where =
          child.type === 'text'
            ? child.content
            : child.type === 'code_inline' && /^(undefined|null|NaN)$/.test(child.content.trim())
              ? child.content
              : child.type === 'link_open'
                ? String(child.attrGet('href') ?? '')
                : child.type === 'html_inline'
                  ? child.content.replace(/<[^>]*>/g, ' ')
                  : ''
        const stray = /\b(undefined|null|NaN)\b|\[object Object\]/.exec(where)
        if (stray) problems.push(`line ${line}: stray ${stray[0]} in "${where}"`)
      }
    }
    if (token.type === 'html_block') {
      const stray = /\b(undefined|NaN)\b|\[object Object\]/.exec(token.content.replace(/<[^>]*>/g, ' '))
      if (stray) problems.push(`line ${(token.map?.[0] ?? 0) + 1}: stray ${stray[0]} in ${token.content.trim()}`)
    }
    if ((token.type === 'fence' || token.type === 'code_block') && token.map) {
      for (let line = token.map[0]; line < token.map[1]; line++) codeLines.add(line)
    }
    if (token.type === 'table_open' && token.map) {
      const [start, end] = token.map
      const header = cells(lines[start])
      for (let line = start; line < end; line++) {
        tableLines.add(line)
        const count = cells(lines[line])
        if (count !== header) problems.push(`line ${line + 1}: ${count} cells where the header has ${header}: ${lines[line]}`)
      }
    }
  }
  for (const [index, line] of lines.entries()) {
    if (line.startsWith('|') && !tableLines.has(index) && !codeLines.has(index))
      problems.push(`line ${index + 1}: a table line that is not part of a table: ${line}`)
  }
  if (text.includes('[object Object]')) problems.push('[object Object] in the text')
  const opened = (text.match(/<details>/g) ?? []).length
  const closed = (text.match(/<\/details>/g) ?? []).length
  if (opened !== closed) problems.push(`${opened} <details> opened, ${closed} closed`)
  return problems
}
