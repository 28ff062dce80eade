import type {EvaluateParams, Params} from '../config/params.js'
import {DataError} from '../errors.js'
import {stratifiedFolds} from '../experiments/folds.js'
import {selectRows, type CsrMatrix} from '../features/sparse.js'
import type {Reporter} from '../reporter.js'
import {fitClassifier} from './index.js'

export interface ThresholdChoice {
  /** Class-1 probability above which class 1 is predicted. */
  threshold: number
  /** fixed: evaluate.threshold as given; auto: chosen on out-of-fold predictions of the training split. */
  source: 'fixed' | 'auto'
}

export type ThresholdObjective = EvaluateParams['threshold_objective']

/**
 * The decision threshold the bundle stores (two classes only; undefined for more).
 * auto: every training row gets a class-1 probability from a model fitted without it (stratified
 * evaluate.threshold_folds folds, seeded by train.seed, same algorithm, params and class weights; lr's NB ratios
 * are refitted per fold by the learner itself), and the threshold maximizing evaluate.threshold_objective on those
 * out-of-fold scores is kept. The test split is never read.
 */
export async function decideThreshold(
  X: CsrMatrix,
  labels: Int32Array,
  nClasses: number,
  params: Params,
  opts: {reporter: Reporter; signal?: AbortSignal},
): Promise<ThresholdChoice | undefined> {
  const t = params.evaluate.threshold
  if (nClasses !== 2) {
    if (t === 'auto') opts.reporter.warn(`evaluate.threshold auto applies to two classes only; with ${nClasses} classes the most probable class is predicted`)
    return undefined
  }
  if (typeof t === 'number') return {threshold: t, source: 'fixed'}
  const {threshold_folds: folds, threshold_objective: objective} = params.evaluate
  const scores = outOfFoldScores(X, labels, params, folds, opts)
  const best = bestThreshold(labels, scores, objective)
  const atHalf = objectiveAt(labels, scores, 0.5, objective)
  opts.reporter.info(
    `evaluate.threshold auto: ${formatThreshold(best.threshold)} (out-of-fold ${objective} ${best.score.toFixed(4)}, ${atHalf.toFixed(4)} at 0.5; ${folds} folds)`,
  )
  return {threshold: best.threshold, source: 'auto'}
}

/** P(class 1) of every row from the model fitted on the other folds. */
export function outOfFoldScores(
  X: CsrMatrix,
  labels: Int32Array,
  params: Params,
  folds: number,
  opts: {reporter: Reporter; signal?: AbortSignal},
): Float64Array {
  const counts = [0, 0]
  for (const c of labels) counts[c]++
  for (const c of [0, 1]) {
    if (counts[c] < folds) {
      throw new DataError(
        `evaluate.threshold auto: class ${params.ingest.class_names[c] ?? c} has ${counts[c]} training rows, fewer than evaluate.threshold_folds=${folds}`,
        {suggestions: ['lower evaluate.threshold_folds, or set evaluate.threshold to a number']},
      )
    }
  }
  const foldOf = stratifiedFolds(labels, folds, params.train.seed)
  const scores = new Float64Array(labels.length)
  const reporter = foldReporter(opts.reporter)
  for (let f = 0; f < folds; f++) {
    opts.signal?.throwIfAborted()
    const trainRows: number[] = []
    const heldOut: number[] = []
    for (let i = 0; i < labels.length; i++) (foldOf[i] === f ? heldOut : trainRows).push(i)
    const model = fitClassifier(selectRows(X, trainRows), Int32Array.from(trainRows, i => labels[i]), 2, params.train, {
      seed: params.train.seed,
      reporter,
      signal: opts.signal,
    })
    const proba = model.predictProba(selectRows(X, heldOut))
    heldOut.forEach((row, i) => (scores[row] = proba[2 * i + 1]))
    opts.reporter.progress('threshold folds', f + 1, folds)
  }
  return scores
}

/**
 * The threshold t (predict class 1 when score > t) among the distinct scores that maximizes the objective;
 * ties go to the t closest to 0.5. One sort and one sweep: O(n log n).
 */
export function bestThreshold(yTrue: ArrayLike<number>, scores: ArrayLike<number>, objective: ThresholdObjective): {threshold: number; score: number} {
  const n = scores.length
  if (n === 0 || yTrue.length !== n) throw new DataError(`threshold choice: ${yTrue.length} labels for ${n} scores`)
  const order = Array.from({length: n}, (_, i) => i).sort((a, b) => scores[b] - scores[a])
  let positives = 0
  for (let i = 0; i < n; i++) positives += yTrue[i] === 1 ? 1 : 0
  const negatives = n - positives
  let tp = 0
  let fp = 0
  let best = {threshold: Number.NaN, score: Number.NEGATIVE_INFINITY}
  // Walk the scores from the top: before a group of equal scores s is added, "score > s" predicts exactly
  // the rows above it.
  for (let i = 0; i < n; ) {
    const s = scores[order[i]]
    const value = objectiveValue(tp, fp, positives, negatives, objective)
    const better = value > best.score + 1e-12
    const tie = !better && Math.abs(value - best.score) <= 1e-12 && Math.abs(s - 0.5) < Math.abs(best.threshold - 0.5)
    if (better || tie) best = {threshold: s, score: value}
    for (; i < n && scores[order[i]] === s; i++) {
      if (yTrue[order[i]] === 1) tp++
      else fp++
    }
  }
  return best
}

/** The objective of the predictions "score > threshold". */
export function objectiveAt(yTrue: ArrayLike<number>, scores: ArrayLike<number>, threshold: number, objective: ThresholdObjective): number {
  let tp = 0
  let fp = 0
  let positives = 0
  for (let i = 0; i < scores.length; i++) {
    const actual = yTrue[i] === 1
    if (actual) positives++
    if (scores[i] > threshold) {
      if (actual) tp++
      else fp++
    }
  }
  return objectiveValue(tp, fp, positives, scores.length - positives, objective)
}

/** The objective from the binary counts, with sklearn's definitions (F1 with zero_division 0). */
function objectiveValue(tp: number, fp: number, positives: number, negatives: number, objective: ThresholdObjective): number {
  const fn = positives - tp
  const tn = negatives - fp
  switch (objective) {
    case 'accuracy':
      return (tp + tn) / (positives + negatives)
    case 'balanced_accuracy': {
      const recalls = [positives > 0 ? tp / positives : Number.NaN, negatives > 0 ? tn / negatives : Number.NaN].filter(Number.isFinite)
      return recalls.reduce((a, b) => a + b, 0) / recalls.length
    }
    case 'f1':
      return f1(tp, fp, fn)
    case 'macro_f1': {
      // sklearn averages over the classes present in y_true or y_pred.
      const perClass: number[] = []
      if (negatives + fn > 0) perClass.push(f1(tn, fn, fp)) // class 0 actual or predicted
      if (positives + fp > 0) perClass.push(f1(tp, fp, fn))
      return perClass.reduce((x, y) => x + y, 0) / perClass.length
    }
  }
}

function f1(tp: number, fp: number, fn: number): number {
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp)
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn)
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)
}

/** The folds' fits report nothing but their warnings, each once and marked as the folds'. */
function foldReporter(reporter: Reporter): Reporter {
  const seen = new Set<string>()
  return {
    info() {},
    progress() {},
    debug: m => reporter.debug(`threshold folds: ${m}`),
    warn(m) {
      if (!seen.has(m)) reporter.warn(`threshold folds: ${m}`)
      seen.add(m)
    },
  }
}

function formatThreshold(t: number): string {
  return Number(t.toPrecision(6)).toString()
}
