/**
 * Per-text scores of one model on one labeled set, and the compared metrics (accuracy, f1, roc_auc, macro_f1,
 * log_loss) under integer weights: weight w_i counts text i w_i times, which is how a bootstrap resample
 * (drawn with replacement) is scored without copying the data. All weights 1 gives the metrics of evaluate.
 */
import {accuracy, macroF1FromConfusion, perClassScores} from './classification.js'
import {checkEvaluationInput, predictClasses, type EvaluationInput} from './input.js'

export const COMPARED_METRICS = ['accuracy', 'f1', 'roc_auc', 'macro_f1', 'log_loss'] as const
export type ComparedMetric = (typeof COMPARED_METRICS)[number]
export type ComparedMetrics = Record<ComparedMetric, number>

/** log_loss is the one compared metric where lower is better. */
export function lowerIsBetter(metric: string): boolean {
  return metric === 'log_loss'
}

export interface ScoredModel {
  n: number
  nClasses: number
  yTrue: Int32Array
  yPred: Int32Array
  /** 1 where the prediction is right. */
  correct: Uint8Array
  /** Negative log-likelihood of the actual class, per text (sklearn's clipping and row renormalization). */
  loss: Float64Array
  /** One-vs-rest ROC inputs: binary → class 1 only, else every class; texts sorted by that class's probability. */
  rocClasses: Array<{classIndex: number; order: Uint32Array; scores: Float64Array}>
}

export function scoreModel(raw: EvaluationInput): ScoredModel {
  const {yTrue: y, proba, n, nClasses: k, threshold} = checkEvaluationInput(raw)
  const yTrue = Int32Array.from(y)
  const yPred = predictClasses(proba, k, threshold)
  const correct = Uint8Array.from(yPred, (p, i) => (p === yTrue[i] ? 1 : 0))
  const eps = Number.EPSILON
  const clip = (p: number) => Math.min(Math.max(p, eps), 1 - eps)
  const loss = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let rowSum = 0
    for (let c = 0; c < k; c++) rowSum += clip(proba[i * k + c])
    loss[i] = -Math.log(clip(proba[i * k + yTrue[i]]) / rowSum)
  }
  const classes = k === 2 ? [1] : Array.from({length: k}, (_, c) => c)
  const rocClasses = classes.map(classIndex => {
    const scores = Float64Array.from({length: n}, (_, i) => proba[i * k + classIndex])
    const order = Uint32Array.from({length: n}, (_, i) => i).sort((a, b) => scores[a] - scores[b])
    return {classIndex, order, scores}
  })
  return {n, nClasses: k, yTrue, yPred, correct, loss, rocClasses}
}

/** The compared metrics with each text counted `weights[i]` times (default: once). */
export function weightedMetrics(s: ScoredModel, weights?: ArrayLike<number>): ComparedMetrics {
  const w = weights ?? new Uint8Array(s.n).fill(1)
  const k = s.nClasses
  const confusion = Array.from({length: k}, () => new Array<number>(k).fill(0))
  let total = 0
  let loss = 0
  for (let i = 0; i < s.n; i++) {
    const wi = w[i]
    if (wi === 0) continue
    confusion[s.yTrue[i]][s.yPred[i]] += wi
    total += wi
    loss += wi * s.loss[i]
  }
  const macroF1 = macroF1FromConfusion(confusion)
  let auc = 0
  for (const roc of s.rocClasses) auc += weightedRocAuc(s.yTrue, roc, w)
  return {
    accuracy: accuracy(confusion),
    f1: k === 2 ? perClassScores(confusion)[1].f1 : macroF1,
    roc_auc: auc / s.rocClasses.length,
    macro_f1: macroF1,
    log_loss: total === 0 ? Number.NaN : loss / total,
  }
}

/**
 * Mann-Whitney form of the ROC AUC with weights: over texts in ascending score order, each positive earns the
 * weight of the negatives below it plus half of those tied with it. NaN when a class is missing (as sklearn raises).
 */
function weightedRocAuc(yTrue: Int32Array, roc: ScoredModel['rocClasses'][number], w: ArrayLike<number>): number {
  const {order, scores, classIndex} = roc
  let negativesBelow = 0
  let positives = 0
  let area = 0
  for (let start = 0; start < order.length; ) {
    let end = start
    let pos = 0
    let neg = 0
    while (end < order.length && scores[order[end]] === scores[order[start]]) {
      const i = order[end]
      if (yTrue[i] === classIndex) pos += w[i]
      else neg += w[i]
      end++
    }
    area += pos * (negativesBelow + neg / 2)
    positives += pos
    negativesBelow += neg
    start = end
  }
  return positives === 0 || negativesBelow === 0 ? Number.NaN : area / (positives * negativesBelow)
}
