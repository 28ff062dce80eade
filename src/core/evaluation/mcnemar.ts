/**
 * McNemar's exact test on paired classifications (Dietterich 1998): of the texts exactly one model gets right,
 * `b` go to the first model and `c` to the second. Under "both are equally accurate" b ~ Binomial(b + c, 1/2);
 * the two-sided p-value is min(1, 2 · P(X ≤ min(b, c))).
 */
import {BugError} from '../errors.js'

export interface McNemarResult {
  /** Texts the first model (A) classifies correctly and the second (B) does not. */
  b: number
  /** Texts B classifies correctly and A does not. */
  c: number
  /** Two-sided exact p-value. */
  p: number
}

/** Two-sided exact binomial p-value, summed in log space so that b + c in the millions stays finite. */
export function mcnemarExactP(b: number, c: number): number {
  if (!(Number.isInteger(b) && Number.isInteger(c) && b >= 0 && c >= 0)) throw new BugError(`mcnemarExactP: counts must be integers ≥ 0 (got ${b}, ${c})`)
  const n = b + c
  // |b − c| ≤ 1: P(X ≤ min(b, c)) ≥ 1/2 exactly, so p = 1 (the log-space sum would land a rounding error below).
  if (Math.abs(b - c) <= 1) return 1
  const k = Math.min(b, c)
  // log C(n, i) by the recurrence C(n, i) = C(n, i - 1) · (n - i + 1) / i, then a log-sum-exp of the terms.
  const logTerms = new Float64Array(k + 1)
  let logC = 0
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i)
    logTerms[i] = logC
  }
  const max = logTerms[k]
  let scaled = 0
  for (let i = 0; i <= k; i++) scaled += Math.exp(logTerms[i] - max)
  const logTail = max + Math.log(scaled) - n * Math.LN2
  return Math.min(1, 2 * Math.exp(logTail))
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
  return {b, c, p: mcnemarExactP(b, c)}
}
