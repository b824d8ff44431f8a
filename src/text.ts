/**
 * One of each small helper that messages, logs and reports share: counted words, version lists, sizes,
 * one-line previews of SQL, and the real sleep that every wait defaults to (tests inject their own).
 */

/** `1 version`, `2 versions`, `1,200 statements`: a count with its noun, never `1 versions` or `version(s)`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`
}

/** Version numbers for a message: `v3, v4, v9`. */
export function versionNumbers(numbers: number[]): string {
  return numbers.map((n) => `v${n}`).join(', ')
}

/** A size for people: `512 bytes`, `1.5 KB`, `2 MB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`
  return `${bytes} bytes`
}

/** A size next to a limit, where the last byte counts: `6.0 MB (6,291,501 bytes)`. */
export function formatBytesExactly(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB (${bytes.toLocaleString('en-US')} bytes)`
}

/** A text on one line (whitespace runs folded), cut at `max` characters with an ellipsis. */
export function preview(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max)}…` : flat
}

/** The wait every sleep option defaults to. */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
