import {BugError, DataError} from '../errors.js'

/**
 * Threshold curves of a binary scorer, defined exactly as scikit-learn 1.2 defines them
 * (`sklearn.metrics._ranking`): `_binary_clf_curve`, `roc_curve(drop_intermediate=True)`,
 * `precision_recall_curve`, `roc_auc_score` and `average_precision_score`.
 * A sample counts as predicted positive at threshold t when its score >= t.
 */

export interface RocCurve {
  fpr: number[]
  tpr: number[]
  /** Descending; the first entry is max(score) + 1 (sklearn 1.2; sklearn >= 1.3 writes +inf, which JSON cannot hold). */
  threshold: number[]
}

export interface PrecisionRecallCurve {
  /** Recall descends; the last point is (recall 0, precision 1) and has no threshold. */
  precision: number[]
  recall: number[]
  /** Ascending, one entry shorter than precision and recall (as in sklearn). */
  threshold: number[]
}

/** Cumulative false and true positive counts at each distinct score, scores descending (sklearn `_binary_clf_curve`). */
export interface ThresholdCounts {
  fps: Float64Array
  tps: Float64Array
  thresholds: Float64Array
}

/**
 * One pass over the scores after two native typed-array sorts (positives and negatives apart), which is
 * several times faster than sorting an index array with a comparator: ~0.1 s for 1M scores.
 */
export function thresholdCounts(yTrue01: ArrayLike<number>, scores: ArrayLike<number>, what = 'scores'): ThresholdCounts {
  const n = yTrue01.length
  if (scores.length !== n) throw new BugError(`${what}: ${n} labels but ${scores.length} scores`)
  if (n === 0) throw new DataError(`${what}: no samples; a curve needs at least one labelled score`)
  let nPos = 0
  for (let i = 0; i < n; i++) {
    const y = yTrue01[i]
    if (y === 1) nPos++
    else if (y !== 0) throw new DataError(`${what}: label at index ${i} is ${String(y)}; a binary curve needs labels 0 or 1`)
    if (!Number.isFinite(scores[i])) throw new DataError(`${what}: score at index ${i} is ${String(scores[i])}; scores must be finite numbers`)
  }
  const pos = new Float64Array(nPos)
  const neg = new Float64Array(n - nPos)
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    if (yTrue01[i] === 1) pos[p++] = scores[i]
    else neg[q++] = scores[i]
  }
  pos.sort()
  neg.sort()

  const fps = new Float64Array(n)
  const tps = new Float64Array(n)
  const thresholds = new Float64Array(n)
  let i = pos.length - 1
  let j = neg.length - 1
  let tp = 0
  let fp = 0
  let m = 0
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j])
    while (i >= 0 && pos[i] === v) {
      tp++
      i--
    }
    while (j >= 0 && neg[j] === v) {
      fp++
      j--
    }
    fps[m] = fp
    tps[m] = tp
    thresholds[m] = v
    m++
  }
  return {fps: fps.subarray(0, m), tps: tps.subarray(0, m), thresholds: thresholds.subarray(0, m)}
}

/**
 * sklearn's drop_intermediate: a point is kept unless it is collinear with both neighbours (zero second
 * difference in fps and in tps); the ends are always kept, and curves of up to two points are kept whole.
 */
function isCorner(fps: Float64Array, tps: Float64Array, i: number): boolean {
  const m = fps.length
  return (
    m <= 2 ||
    i === 0 ||
    i === m - 1 ||
    fps[i - 1] - 2 * fps[i] + fps[i + 1] !== 0 ||
    tps[i - 1] - 2 * tps[i] + tps[i + 1] !== 0
  )
}

/** sklearn `roc_curve(..., drop_intermediate=True)`: fpr and tpr are NaN when y has no negatives / no positives. */
export function rocFromCounts({fps, tps, thresholds}: ThresholdCounts): RocCurve {
  const m = fps.length
  const totalFp = fps[m - 1]
  const totalTp = tps[m - 1]
  let kept = 0
  for (let i = 0; i < m; i++) if (isCorner(fps, tps, i)) kept++
  const fpr = new Array<number>(kept + 1)
  const tpr = new Array<number>(kept + 1)
  const threshold = new Array<number>(kept + 1)
  // The curve starts at (0, 0), above every score.
  fpr[0] = totalFp > 0 ? 0 : Number.NaN
  tpr[0] = totalTp > 0 ? 0 : Number.NaN
  threshold[0] = thresholds[0] + 1
  for (let i = 0, j = 1; i < m; i++) {
    if (!isCorner(fps, tps, i)) continue
    fpr[j] = totalFp > 0 ? fps[i] / totalFp : Number.NaN
    tpr[j] = totalTp > 0 ? tps[i] / totalTp : Number.NaN
    threshold[j] = thresholds[i]
    j++
  }
  return {fpr, tpr, threshold}
}

/** sklearn `precision_recall_curve`: recall is 1 everywhere when y has no positives. */
export function precisionRecallFromCounts({fps, tps, thresholds}: ThresholdCounts): PrecisionRecallCurve {
  const m = fps.length
  const totalTp = tps[m - 1]
  const precision = new Array<number>(m + 1)
  const recall = new Array<number>(m + 1)
  const threshold = new Array<number>(m)
  for (let i = m - 1, j = 0; i >= 0; i--, j++) {
    const predicted = tps[i] + fps[i]
    precision[j] = predicted === 0 ? 0 : tps[i] / predicted
    recall[j] = totalTp === 0 ? 1 : tps[i] / totalTp
    threshold[j] = thresholds[i]
  }
  precision[m] = 1
  recall[m] = 0
  return {precision, recall, threshold}
}

/**
 * sklearn `roc_auc_score`: the trapezoidal area under `rocFromCounts`' curve, summed over the same points in
 * the same order without building the curve. NaN where sklearn raises (only one class present in y).
 */
export function rocAucFromCounts({fps, tps}: ThresholdCounts): number {
  const m = fps.length
  const totalFp = fps[m - 1]
  const totalTp = tps[m - 1]
  if (totalFp === 0 || totalTp === 0) return Number.NaN
  let area = 0
  let x = 0
  let y = 0
  for (let i = 0; i < m; i++) {
    if (!isCorner(fps, tps, i)) continue
    const nx = fps[i] / totalFp
    const ny = tps[i] / totalTp
    area += ((nx - x) * (ny + y)) / 2
    x = nx
    y = ny
  }
  return area
}

/**
 * sklearn `average_precision_score`: sum over thresholds of (R_n - R_{n-1}) * P_n, the step integral of the
 * precision-recall curve; 0 when y has no positives (sklearn warns and returns 0 too).
 */
export function averagePrecisionFromCounts({fps, tps}: ThresholdCounts): number {
  const totalTp = tps[tps.length - 1]
  if (totalTp === 0) return 0
  let ap = 0
  let previousRecall = 0
  for (let i = 0; i < fps.length; i++) {
    const recall = tps[i] / totalTp
    ap += (recall - previousRecall) * (tps[i] / (tps[i] + fps[i]))
    previousRecall = recall
  }
  return ap
}

export function rocCurve(yTrue01: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  return rocFromCounts(thresholdCounts(yTrue01, scores, 'rocCurve'))
}

export function precisionRecallCurve(yTrue01: ArrayLike<number>, scores: ArrayLike<number>): PrecisionRecallCurve {
  return precisionRecallFromCounts(thresholdCounts(yTrue01, scores, 'precisionRecallCurve'))
}

/**
 * Area under the ROC curve, ties handled as sklearn does (trapezoids on the curve, so a tie between a positive
 * and a negative counts one half). sklearn raises when y holds one class only; this returns NaN instead.
 */
export function rocAuc(yTrue01: ArrayLike<number>, scores: ArrayLike<number>): number {
  return rocAucFromCounts(thresholdCounts(yTrue01, scores, 'rocAuc'))
}

export function averagePrecision(yTrue01: ArrayLike<number>, scores: ArrayLike<number>): number {
  return averagePrecisionFromCounts(thresholdCounts(yTrue01, scores, 'averagePrecision'))
}
