import {BugError, DataError} from '../errors.js'

/**
 * Label metrics, all derived from the confusion matrix, with scikit-learn 1.2's definitions:
 * `confusion_matrix`, `precision_recall_fscore_support(zero_division=0)`, `balanced_accuracy_score`,
 * `matthews_corrcoef`.
 */

/** Counts with rows = actual class, columns = predicted class, over classes 0..nClasses-1. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number[][] {
  if (!Number.isInteger(nClasses) || nClasses < 1) throw new BugError(`confusionMatrix: nClasses must be a positive integer, got ${nClasses}`)
  if (yTrue.length !== yPred.length) {
    throw new BugError(`confusionMatrix: ${yTrue.length} true labels but ${yPred.length} predictions`)
  }
  const counts = new Float64Array(nClasses * nClasses)
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]
    const p = yPred[i]
    if (!isClassIndex(t, nClasses)) throw new DataError(`confusionMatrix: true label at index ${i} is ${String(t)}; expected a class index 0..${nClasses - 1}`)
    if (!isClassIndex(p, nClasses)) throw new DataError(`confusionMatrix: prediction at index ${i} is ${String(p)}; expected a class index 0..${nClasses - 1}`)
    counts[t * nClasses + p]++
  }
  return Array.from({length: nClasses}, (_, r) => Array.from(counts.subarray(r * nClasses, (r + 1) * nClasses)))
}

export function isClassIndex(value: number, nClasses: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < nClasses
}

export interface ClassScores {
  precision: number
  recall: number
  f1: number
  support: number
}

/** Per-class precision, recall and F1 with zero_division=0 (0/0 → 0), support = actual count. */
export function perClassScores(confusion: readonly (readonly number[])[]): ClassScores[] {
  const k = confusion.length
  return confusion.map((row, c) => {
    const tp = row[c]
    const support = sum(row)
    let predicted = 0
    for (let r = 0; r < k; r++) predicted += confusion[r][c]
    const precision = predicted === 0 ? 0 : tp / predicted
    const recall = support === 0 ? 0 : tp / support
    // sklearn 1.2's F-beta formula (not 2tp/(2tp+fp+fn)), so the floats agree to the last bit.
    const denominator = precision + recall
    const f1 = denominator === 0 ? 0 : (2 * precision * recall) / denominator
    return {precision, recall, f1, support}
  })
}

/**
 * The classes sklearn averages over when no `labels` are given: those present in y_true or y_pred.
 * A class absent from both would otherwise drag a macro average down with a zero-division 0.
 */
export function presentClasses(confusion: readonly (readonly number[])[]): number[] {
  const k = confusion.length
  const present: number[] = []
  for (let c = 0; c < k; c++) {
    let predicted = 0
    for (let r = 0; r < k; r++) predicted += confusion[r][c]
    if (predicted > 0 || sum(confusion[c]) > 0) present.push(c)
  }
  return present
}

/** sklearn's f1_score(average='macro'): the mean F1 over the classes present in y_true or y_pred. */
export function macroF1FromConfusion(confusion: readonly (readonly number[])[]): number {
  const perClass = perClassScores(confusion)
  const classes = presentClasses(confusion)
  return classes.length === 0 ? Number.NaN : sum(classes.map(c => perClass[c].f1)) / classes.length
}

/** Macro-averaged F1 of class-index predictions (sklearn `f1_score(y_true, y_pred, average='macro')`). */
export function macroF1(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, nClasses: number): number {
  return macroF1FromConfusion(confusionMatrix(yTrue, yPred, nClasses))
}

export function accuracy(confusion: readonly (readonly number[])[]): number {
  let correct = 0
  let total = 0
  confusion.forEach((row, r) => {
    correct += row[r]
    total += sum(row)
  })
  return total === 0 ? Number.NaN : correct / total
}

/** Mean recall over the classes that occur in y_true (sklearn drops the others with a warning). */
export function balancedAccuracy(confusion: readonly (readonly number[])[]): number {
  const recalls: number[] = []
  confusion.forEach((row, r) => {
    const support = sum(row)
    if (support > 0) recalls.push(row[r] / support)
  })
  return recalls.length === 0 ? Number.NaN : sum(recalls) / recalls.length
}

/** Matthews correlation coefficient, multiclass (Gorodkin's R_K); 0 when either marginal is constant. */
export function matthewsCorrcoef(confusion: readonly (readonly number[])[]): number {
  const k = confusion.length
  const tSum = confusion.map(row => sum(row))
  const pSum = Array.from({length: k}, (_, c) => confusion.reduce((acc, row) => acc + row[c], 0))
  let correct = 0
  for (let c = 0; c < k; c++) correct += confusion[c][c]
  const n = sum(pSum)
  const covTP = correct * n - dot(tSum, pSum)
  const covPP = n * n - dot(pSum, pSum)
  const covTT = n * n - dot(tSum, tSum)
  return covPP * covTT === 0 ? 0 : covTP / Math.sqrt(covTT * covPP)
}

function sum(values: readonly number[]): number {
  let s = 0
  for (const v of values) s += v
  return s
}

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}
