import {BugError, ConfigError, DataError} from '../errors.js'
import {isClassIndex} from './classification.js'

export interface EvaluationInput {
  /** Actual class index per test sample, 0..nClasses-1. */
  yTrue: Int32Array | ArrayLike<number>
  /** Class probabilities, row-major n × nClasses: proba[i * nClasses + c]. */
  proba: Float64Array | ArrayLike<number>
  nClasses: number
  /** Display name of each class index (used in metric keys, plots and confusion.csv). */
  classNames: string[]
  /** Binary only (default 0.5): a sample is predicted positive (class 1) when P(class 1) > threshold. */
  threshold?: number
}

export interface CheckedInput {
  yTrue: ArrayLike<number>
  proba: ArrayLike<number>
  n: number
  nClasses: number
  classNames: string[]
  threshold: number
}

/** Rows whose probabilities do not sum to 1 within this are rejected (scores or logits passed by mistake). */
const ROW_SUM_TOLERANCE = 1e-6
const DEFAULT_THRESHOLD = 0.5

export function checkEvaluationInput(input: EvaluationInput): CheckedInput {
  const {yTrue, proba, nClasses, classNames} = input
  if (!Number.isInteger(nClasses) || nClasses < 2) {
    throw new DataError(`evaluate: needs at least 2 classes, got ${nClasses}`)
  }
  if (classNames.length !== nClasses) {
    throw new BugError(`evaluate: ${classNames.length} class names for ${nClasses} classes`)
  }
  if (new Set(classNames).size !== nClasses) {
    throw new BugError(`evaluate: class names must be distinct, got ${JSON.stringify(classNames)}`)
  }
  const n = yTrue.length
  if (n === 0) throw new DataError('evaluate: the test set is empty; nothing to evaluate')
  if (proba.length !== n * nClasses) {
    throw new BugError(`evaluate: proba holds ${proba.length} values; expected ${n} samples × ${nClasses} classes = ${n * nClasses}`)
  }
  for (let i = 0; i < n; i++) {
    if (!isClassIndex(yTrue[i], nClasses)) {
      throw new DataError(`evaluate: label of test sample ${i} is ${String(yTrue[i])}; expected a class index 0..${nClasses - 1}`)
    }
    let rowSum = 0
    for (let c = 0; c < nClasses; c++) {
      const p = proba[i * nClasses + c]
      if (!(p >= 0 && p <= 1)) {
        throw new DataError(
          `evaluate: probability of class '${classNames[c]}' for test sample ${i} is ${String(p)}; expected a number in [0, 1]`,
        )
      }
      rowSum += p
    }
    if (Math.abs(rowSum - 1) > ROW_SUM_TOLERANCE) {
      throw new DataError(`evaluate: probabilities of test sample ${i} sum to ${rowSum}, not 1; pass class probabilities, not raw scores`)
    }
  }
  return {yTrue, proba, n, nClasses, classNames, threshold: checkThreshold(input.threshold, nClasses)}
}

function checkThreshold(threshold: number | undefined, nClasses: number): number {
  if (threshold === undefined) return DEFAULT_THRESHOLD
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new ConfigError(`evaluate.threshold = ${threshold} is outside [0, 1]`)
  }
  if (nClasses > 2 && threshold !== DEFAULT_THRESHOLD) {
    throw new ConfigError(
      `evaluate.threshold = ${threshold} applies to two classes only; this data has ${nClasses} (multiclass predictions take the most probable class)`,
    )
  }
  return threshold
}

/**
 * The predicted class of each row: for two classes, class 1 when P(class 1) > threshold (at 0.5 this equals
 * the arg max, ties going to class 0 as numpy's argmax does); otherwise the arg max, the first on ties.
 */
export function predictClasses(proba: ArrayLike<number>, nClasses: number, threshold = DEFAULT_THRESHOLD): Int32Array {
  if (!Number.isInteger(nClasses) || nClasses < 2 || proba.length % nClasses !== 0) {
    throw new BugError(`predictClasses: ${proba.length} probabilities do not form rows of ${nClasses} classes`)
  }
  const n = proba.length / nClasses
  const out = new Int32Array(n)
  if (nClasses === 2) {
    for (let i = 0; i < n; i++) out[i] = proba[2 * i + 1] > threshold ? 1 : 0
    return out
  }
  for (let i = 0; i < n; i++) {
    let best = 0
    let bestP = proba[i * nClasses]
    for (let c = 1; c < nClasses; c++) {
      const p = proba[i * nClasses + c]
      if (p > bestP) {
        best = c
        bestP = p
      }
    }
    out[i] = best
  }
  return out
}
