/** Counted words for messages: `1 statement`, `2 statements` (never `1 statements` or `problem(s)`). */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}
