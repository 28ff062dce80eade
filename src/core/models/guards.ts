import {DataError} from '../errors.js'
import type {CsrMatrix} from '../features/sparse.js'

/** Checks shapes and that every class has examples; a learner cannot learn a class it never saw. */
export function checkTrainingData(X: CsrMatrix, y: Int32Array, nClasses: number, classNames?: readonly string[]): void {
  if (X.rows !== y.length) throw new DataError(`training data: ${X.rows} feature rows but ${y.length} labels`)
  if (X.rows === 0) throw new DataError('training data is empty')
  const counts = new Array<number>(nClasses).fill(0)
  for (const label of y) {
    if (label < 0 || label >= nClasses) throw new DataError(`training data: label ${label} outside 0..${nClasses - 1}`)
    counts[label]++
  }
  const present = counts.filter(c => c > 0).length
  if (present < 2) {
    const only = counts.findIndex(c => c > 0)
    throw new DataError(`training data has one class only (${classNames?.[only] ?? only}: ${counts[only]} rows); a classifier needs at least two`)
  }
}

/** Numerically safe softmax of row-major scores in place (n × k). */
export function softmaxRows(scores: Float64Array, k: number): Float64Array {
  for (let base = 0; base < scores.length; base += k) {
    let max = Number.NEGATIVE_INFINITY
    for (let c = 0; c < k; c++) max = Math.max(max, scores[base + c])
    let sum = 0
    for (let c = 0; c < k; c++) {
      const e = Math.exp(scores[base + c] - max)
      scores[base + c] = e
      sum += e
    }
    for (let c = 0; c < k; c++) scores[base + c] /= sum
  }
  return scores
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))
}

/** Plain number array for JSON; rounding is not applied, so load(toJSON()) predicts identically. */
export function toNumbers(a: ArrayLike<number>): number[] {
  return Array.from(a)
}
