/**
 * "Did you mean …?" for mistyped command ids and flag names: the closest candidate by Damerau-Levenshtein
 * distance (optimal string alignment, so a swapped pair like `trian` → `train` costs 1), and only when it is
 * close enough to be a typo rather than a different word.
 */

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** The candidate nearest to `typed`, or undefined when none is within max(2, a third of its length). */
export function closest(typed: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(typed.length / 3))
  let best: {candidate: string; distance: number} | undefined
  for (const candidate of candidates) {
    const distance = editDistance(typed.toLowerCase(), candidate.toLowerCase())
    if (distance <= limit && (!best || distance < best.distance)) best = {candidate, distance}
  }
  return best?.candidate
}

/** Command ids and aliases a user may type (hidden commands are not suggested). */
export function visibleCommandIds(config: {commands: ReadonlyArray<{id: string; aliases: readonly string[]; hidden?: boolean}>}): string[] {
  return config.commands.filter(c => !c.hidden).flatMap(c => [c.id, ...c.aliases])
}

/** oclif's unknown-flag list (`--ephocs`, `--ephocs=3`, `-x`) with a suggestion for each flag that has a close match. */
export function flagSuggestions(unknown: string[], known: string[]): Array<{flag: string; suggestion: string}> {
  const out: Array<{flag: string; suggestion: string}> = []
  for (const raw of unknown) {
    const flag = raw.split('=')[0]
    if (!flag.startsWith('--')) continue
    const match = closest(flag.slice(2), known)
    if (match) out.push({flag, suggestion: `--${match}`})
  }
  return out
}
