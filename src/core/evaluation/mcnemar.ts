/**
 * McNemar's exact test on paired classifications (Dietterich 1998): of the texts exactly one model gets right,
 * `b` go to the first model and `c` to the second. Under "both are equally accurate" c ~ Binomial(b + c, 1/2).
 * Two-sided p (are they equally accurate?): min(1, 2 · P(X ≤ min(b, c))). One-sided p (is the second model the
 * more accurate one?): P(X ≥ c) — the test the promotion gate uses at level α.
 */
import {BugError} from '../errors.js'

export interface McNemarResult {
  /** Texts the first model (A) classifies correctly and the second (B) does not. */
  b: number
  /** Texts B classifies correctly and A does not. */
  c: number
  /** Two-sided exact p-value. */
  p: number
  /** One-sided exact p-value of "B is more accurate than A": P(X ≥ c | b + c, 1/2). */
  p_one_sided: number
}

function checkCounts(b: number, c: number): void {
  if (!(Number.isInteger(b) && Number.isInteger(c) && b >= 0 && c >= 0)) throw new BugError(`McNemar: counts must be integers ≥ 0 (got ${b}, ${c})`)
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space so that n in the millions stays finite. */
function binomialHalfCdf(k: number, n: number): number {
  if (k >= n) return 1
  if (n <= 1000) {
    // C(n, i) ≤ C(1000, 500) ≈ 2.7e299 fits a double (exact integers up to n ≈ 56), and 2^n is exact.
    let term = 1
    let sum = 1
    for (let i = 1; i <= k; i++) {
      term = (term * (n - i + 1)) / i
      sum += term
    }
    return Math.min(1, sum / 2 ** n)
  }
  // log C(n, i) by the recurrence C(n, i) = C(n, i - 1) · (n - i + 1) / i, then a log-sum-exp of the terms.
  const logTerms = new Float64Array(k + 1)
  let logC = 0
  let max = 0
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i)
    logTerms[i] = logC
    max = Math.max(max, logC)
  }
  let scaled = 0
  for (let i = 0; i <= k; i++) scaled += Math.exp(logTerms[i] - max)
  return Math.min(1, Math.exp(max + Math.log(scaled) - n * Math.LN2))
}

/** Two-sided exact p-value. */
export function mcnemarExactP(b: number, c: number): number {
  checkCounts(b, c)
  // |b − c| ≤ 1: P(X ≤ min(b, c)) ≥ 1/2 exactly, so p = 1 (the log-space sum would land a rounding error below).
  if (Math.abs(b - c) <= 1) return 1
  return Math.min(1, 2 * binomialHalfCdf(Math.min(b, c), b + c))
}

/** One-sided exact p-value that the second model is the more accurate: P(X ≥ c) = P(X ≤ b) by symmetry. */
export function mcnemarOneSidedP(b: number, c: number): number {
  checkCounts(b, c)
  return binomialHalfCdf(b, b + c)
}

/** Counts the discordant pairs of two correctness vectors (1 = right) and tests them. */
export function mcnemar(correctA: ArrayLike<number>, correctB: ArrayLike<number>): McNemarResult {
  if (correctA.length !== correctB.length) throw new BugError(`mcnemar: ${correctA.length} vs ${correctB.length} texts`)
  let b = 0
  let c = 0
  for (let i = 0; i < correctA.length; i++) {
    if (correctA[i] && !correctB[i]) b++
    else if (!correctA[i] && correctB[i]) c++
  }
  return {b, c, p: mcnemarExactP(b, c), p_one_sided: mcnemarOneSidedP(b, c)}
}
