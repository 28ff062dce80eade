/** The test oracle for McNemar's exact test: BigInt binomials, no floating point until the last division. */

/** 2·Σ_{i≤min(b,c)} C(b+c, i) / 2^(b+c), capped at 1, to about 30 significant digits before the final rounding. */
export function exactMcNemarP(b: number, c: number): number {
  const n = b + c
  let term = 1n
  let sum = 1n
  for (let i = 1; i <= Math.min(b, c); i++) {
    term = (term * BigInt(n - i + 1)) / BigInt(i)
    sum += term
  }
  return Math.min(1, Number((2n * sum * 10n ** 30n) / (1n << BigInt(n))) / 1e30)
}
