import {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  macroF1FromConfusion,
  matthewsCorrcoef,
  perClassScores,
  presentClasses,
  type ClassScores,
} from './classification.js'
import {averagePrecisionFromCounts, rocAucFromCounts, thresholdCounts, type ThresholdCounts} from './curves.js'
import {checkEvaluationInput, predictClasses, type CheckedInput, type EvaluationInput} from './input.js'

export {macroF1} from './classification.js'

/**
 * Flat, numbers-only metrics, as written to reports/metrics.json (NaN is written as null).
 * Binary: precision/recall/f1 of the positive class (index 1), roc_auc and average_precision of its scores.
 * Multiclass: macro averages over the classes present in y_true or y_pred (sklearn's default labels),
 * one-vs-rest macro ROC-AUC and average precision.
 * macro_f1: sklearn's f1_score(average='macro') for both (binary: the mean of the two classes' F1).
 * Per class `<c>` (class name made key-safe): precision_<c>, recall_<c>, f1_<c>, support_<c>, and for
 * multiclass roc_auc_<c>, average_precision_<c>.
 * roc_auc is NaN where scikit-learn raises (a class that the ROC needs is absent from y_true); average_precision
 * of a class without positives is 0, as sklearn returns (with a warning).
 */
export interface Metrics {
  accuracy: number
  balanced_accuracy: number
  precision: number
  recall: number
  f1: number
  macro_f1: number
  roc_auc: number
  average_precision: number
  log_loss: number
  mcc: number
  n_samples: number
  [key: string]: number
}

/** One-vs-rest scores of one class (binary: only the positive class); `counts` yield its ROC and PR curves. */
export interface ClassCurves {
  classIndex: number
  counts: ThresholdCounts
  rocAuc: number
  averagePrecision: number
}

export interface Evaluation {
  input: CheckedInput
  yPred: Int32Array
  confusion: number[][]
  curves: ClassCurves[]
  metrics: Metrics
}

export function computeMetrics(input: EvaluationInput): Metrics {
  return evaluate(input).metrics
}

/** Everything evaluate writes, computed once: predictions, confusion matrix, curves, metrics. */
export function evaluate(raw: EvaluationInput): Evaluation {
  const input = checkEvaluationInput(raw)
  const {yTrue, proba, n, nClasses, classNames, threshold} = input
  const yPred = predictClasses(proba, nClasses, threshold)
  const confusion = confusionMatrix(yTrue, yPred, nClasses)
  const binary = nClasses === 2
  const curveClasses = binary ? [1] : Array.from({length: nClasses}, (_, c) => c)
  const curves = curveClasses.map(c => oneVsRestCurves(input, c))
  const perClass = perClassScores(confusion)

  const headline = binary ? perClass[1] : macroAverage(perClass, presentClasses(confusion))
  const metrics: Metrics = {
    accuracy: accuracy(confusion),
    balanced_accuracy: balancedAccuracy(confusion),
    precision: headline.precision,
    recall: headline.recall,
    f1: headline.f1,
    macro_f1: macroF1FromConfusion(confusion),
    roc_auc: mean(curves.map(c => c.rocAuc)),
    average_precision: mean(curves.map(c => c.averagePrecision)),
    log_loss: logLoss(yTrue, proba, nClasses),
    mcc: matthewsCorrcoef(confusion),
    n_samples: n,
  }
  const keys = classKeys(classNames)
  perClass.forEach((scores, c) => {
    metrics[`precision_${keys[c]}`] = scores.precision
    metrics[`recall_${keys[c]}`] = scores.recall
    metrics[`f1_${keys[c]}`] = scores.f1
    metrics[`support_${keys[c]}`] = scores.support
  })
  if (!binary) {
    for (const curve of curves) {
      metrics[`roc_auc_${keys[curve.classIndex]}`] = curve.rocAuc
      metrics[`average_precision_${keys[curve.classIndex]}`] = curve.averagePrecision
    }
  }
  return {input, yPred, confusion, curves, metrics}
}

function oneVsRestCurves({yTrue, proba, n, nClasses}: CheckedInput, classIndex: number): ClassCurves {
  const isClass = new Uint8Array(n)
  const scores = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    isClass[i] = yTrue[i] === classIndex ? 1 : 0
    scores[i] = proba[i * nClasses + classIndex]
  }
  const counts = thresholdCounts(isClass, scores, 'evaluate')
  return {classIndex, counts, rocAuc: rocAucFromCounts(counts), averagePrecision: averagePrecisionFromCounts(counts)}
}

/**
 * sklearn 1.2 `log_loss(y, proba, labels=range(k))`: probabilities clipped to [eps, 1 - eps] with eps the
 * float64 machine epsilon, rows renormalized, mean negative log-likelihood of the actual class.
 */
export function logLoss(yTrue: ArrayLike<number>, proba: ArrayLike<number>, nClasses: number): number {
  const eps = Number.EPSILON
  const clip = (p: number) => Math.min(Math.max(p, eps), 1 - eps)
  const n = yTrue.length
  let total = 0
  for (let i = 0; i < n; i++) {
    let rowSum = 0
    for (let c = 0; c < nClasses; c++) rowSum += clip(proba[i * nClasses + c])
    total -= Math.log(clip(proba[i * nClasses + yTrue[i]]) / rowSum)
  }
  return total / n
}

function macroAverage(perClass: ClassScores[], classes: number[]): Omit<ClassScores, 'support'> {
  return {
    precision: mean(classes.map(c => perClass[c].precision)),
    recall: mean(classes.map(c => perClass[c].recall)),
    f1: mean(classes.map(c => perClass[c].f1)),
  }
}

function mean(values: number[]): number {
  let s = 0
  for (const v of values) s += v
  return values.length === 0 ? Number.NaN : s / values.length
}

/**
 * Metric-key suffix per class: the class name with runs of characters other than letters, digits, "_", "."
 * and "-" replaced by "_"; a name that comes out empty or repeats an earlier key gets its class index appended.
 */
export function classKeys(classNames: readonly string[]): string[] {
  const seen = new Set<string>()
  return classNames.map((name, c) => {
    let key = name.replaceAll(/[^\p{L}\p{N}_.-]+/gu, '_').replaceAll(/^_+|_+$/g, '') || `class_${c}`
    while (seen.has(key)) key = `${key}_${c}`
    seen.add(key)
    return key
  })
}
