/** "Did you mean …?" for a misspelled flag, command or rule id: the closest known word by edit distance. */

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of two neighbours. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const columns = b.length + 1
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: columns }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/**
 * The known word closest to `word` when it is close enough to be a typing mistake (at most a third of its
 * letters wrong, at least one), else the only known word that starts with it (`migrations` for
 * `migrations-dir`); null when nothing is that close, or two are equally close.
 */
export function closest(word: string, known: readonly string[]): string | null {
  const lower = word.toLowerCase()
  if (!lower || known.includes(word)) return null
  const limit = Math.max(1, Math.floor(lower.length / 3))
  const scored = known.map((candidate) => ({ candidate, distance: editDistance(lower, candidate.toLowerCase()) }))
  const best = Math.min(...scored.map((s) => s.distance))
  const nearest = scored.filter((s) => s.distance === best)
  if (best <= limit && nearest.length === 1) return nearest[0].candidate
  const prefixed = lower.length >= 4 ? known.filter((candidate) => candidate.toLowerCase().startsWith(lower)) : []
  return prefixed.length === 1 ? prefixed[0] : null
}
