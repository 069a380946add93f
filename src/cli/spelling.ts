/** Levenshtein distance (insertions, deletions, substitutions), O(a·b) time, O(b) memory. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost)
    }
    prev = row
  }
  return prev[b.length] ?? 0
}

/**
 * The valid name closest to a mistyped one, as git's "did you mean" does, or undefined when
 * nothing is close (more than a third of the longer name differs, and more than two edits).
 */
export function closestSpelling(typed: string, valid: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const name of valid) {
    const d = editDistance(typed.slice(0, 64), name)
    if (d < bestDistance) [best, bestDistance] = [name, d]
  }
  const limit = Math.max(2, Math.floor(Math.max(typed.length, best?.length ?? 0) / 3))
  return bestDistance <= limit ? best : undefined
}
