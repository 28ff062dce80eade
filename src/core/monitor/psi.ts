/**
 * Population stability index: the one definition used by `sentiops drift` and by `serve`'s live drift metrics.
 *
 *   PSI = Σ_bins (a − e) · ln(a / e)
 *
 * where e is the reference (training profile) share of a bin and a the observed share of the same bin.
 * Rule of thumb: < 0.1 stable, 0.1–0.2 moderate shift, > 0.2 significant shift.
 *
 * Sampling noise alone gives a positive PSI: with no drift, n observed texts against a reference of N texts over
 * k bins average about (k − 1)·(1/n + 1/N) (n·PSI is close to a χ² with k − 1 degrees of freedom), so the
 * verdict needs enough texts (monitor.min_samples) for 0.2 to be far above that (see expectedNoisePsi).
 */

/**
 * Pseudo-count added to every observed bin before taking shares: a = (count + ½) / (n + k/2), the Jeffreys
 * (Dirichlet ½) estimate. A bin that happens to be empty in a small sample then has share ≈ 0.5/n rather than a
 * fixed tiny floor, whose log made one empty bin alone look like drift (e = 0.057, a = 1e-4 adds 0.36).
 */
export const PSI_PSEUDOCOUNT = 0.5

/**
 * Floor for a reference share before the log: bundles from before the top bin was merged when empty (see
 * quantileProfile) can hold an empty reference bin; texts beyond the profiled range then give a large, finite term.
 */
export const PSI_EMPTY_BIN_SHARE = 1e-4

/**
 * PSI of observed bin `counts` against the reference bin shares (same bins, same order): observed shares smoothed
 * with PSI_PSEUDOCOUNT, reference shares floored at PSI_EMPTY_BIN_SHARE. NaN when there are no observations
 * (nothing to judge).
 */
export function psi(referenceShares: ArrayLike<number>, counts: ArrayLike<number>): number {
  if (referenceShares.length !== counts.length) throw new RangeError(`psi: ${referenceShares.length} reference bins but ${counts.length} observed bins`)
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  if (!(total > 0)) return Number.NaN
  const smoothedTotal = total + PSI_PSEUDOCOUNT * counts.length
  let sum = 0
  for (let i = 0; i < counts.length; i++) {
    const e = Math.max(referenceShares[i]!, PSI_EMPTY_BIN_SHARE)
    const a = (counts[i]! + PSI_PSEUDOCOUNT) / smoothedTotal
    sum += (a - e) * Math.log(a / e)
  }
  return sum
}

/**
 * PSI that sampling noise alone gives on average: (bins − 1)·(1/n + 1/N) for n observed texts against a reference
 * of N texts (the first-order expansion of PSI is the χ² statistic divided by the sample size).
 */
export function expectedNoisePsi(bins: number, n: number, referenceN: number): number {
  return (bins - 1) * (1 / n + 1 / referenceN)
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
