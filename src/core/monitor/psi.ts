/**
 * Population stability index: the one definition used by `sentiops drift` and by `serve`'s live drift metrics.
 *
 *   PSI = Σ_bins (a − e) · ln(a / e)
 *
 * where e is the reference (training profile) share of a bin and a the observed share of the same bin.
 * Rule of thumb: < 0.1 stable, 0.1–0.2 moderate shift, > 0.2 significant shift.
 */

/**
 * Floor for a bin's share before the log, so an empty bin (reference or observed) gives a large but finite term.
 * 1e-4 is the value common PSI implementations substitute for an empty bin.
 */
export const PSI_EMPTY_BIN_SHARE = 1e-4

/**
 * PSI of observed bin `counts` against the reference bin shares (same bins, same order). Both sides are floored at
 * PSI_EMPTY_BIN_SHARE. NaN when there are no observations (nothing to judge).
 */
export function psi(referenceShares: ArrayLike<number>, counts: ArrayLike<number>): number {
  if (referenceShares.length !== counts.length) throw new RangeError(`psi: ${referenceShares.length} reference bins but ${counts.length} observed bins`)
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  if (!(total > 0)) return Number.NaN
  let sum = 0
  for (let i = 0; i < counts.length; i++) {
    const e = Math.max(referenceShares[i]!, PSI_EMPTY_BIN_SHARE)
    const a = Math.max(counts[i]! / total, PSI_EMPTY_BIN_SHARE)
    sum += (a - e) * Math.log(a / e)
  }
  return sum
}

/**
 * Bin index of `x` for ascending `edges` e0 < e1 < … : bin 0 is (-inf, e0], bin i is (e(i-1), e(i)], and the last
 * bin, edges.length, is (e_last, +inf). Binary search: O(log bins).
 */
export function binOf(edges: ArrayLike<number>, x: number): number {
  // The first edge >= x; every edge below x puts x one bin further.
  let lo = 0
  let hi = edges.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (edges[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
