import {createRequire} from 'node:module'
import type {MnbParams} from '../config/params.js'
import {UserError} from '../errors.js'
import {toDense, type CsrMatrix} from '../features/sparse.js'
import type {AlgorithmSpec, Classifier, SerializedClassifier} from './classifier.js'
import {checkTrainingData, softmaxRows, toNumbers} from './guards.js'
import {normalize} from './lr.js'

/**
 * Multinomial naive Bayes on sparse counts (or TF-IDF weights), as scikit-learn's MultinomialNB:
 * log P(x_j | c) = log((F_cj + α) / (Σ_j F_cj + α·d)), priors from class frequencies, or uniform under
 * train.class_weight balanced (fit_prior=False; the stored priors keep it for predict and serve).
 */
export class MultinomialNaiveBayes implements Classifier {
  readonly algorithm = 'mnb' as const

  constructor(
    readonly nClasses: number,
    readonly nFeatures: number,
    /** k × d row-major log P(feature | class). */
    readonly featureLogProb: Float64Array,
    readonly classLogPrior: Float64Array,
  ) {}

  predictProba(X: CsrMatrix): Float64Array {
    const k = this.nClasses
    const d = this.nFeatures
    const out = new Float64Array(X.rows * k)
    for (let r = 0; r < X.rows; r++) {
      for (let c = 0; c < k; c++) {
        let s = this.classLogPrior[c]
        for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) s += this.featureLogProb[c * d + X.indices[p]] * X.data[p]
        out[r * k + c] = s
      }
    }
    return softmaxRows(out, k)
  }

  /** Per-token log-likelihood ratio of class c against the other classes (their mean for k > 2). */
  contributions(X: CsrMatrix, row: number, c: number): Array<{feature: number; value: number}> {
    const out: Array<{feature: number; value: number}> = []
    for (let p = X.indptr[row]; p < X.indptr[row + 1]; p++) {
      const j = X.indices[p]
      out.push({feature: j, value: X.data[p] * this.ratio(j, c)})
    }
    return out
  }

  bias(c: number): number {
    let others = 0
    for (let o = 0; o < this.nClasses; o++) if (o !== c) others += this.classLogPrior[o]
    return this.classLogPrior[c] - others / (this.nClasses - 1)
  }

  private ratio(j: number, c: number): number {
    const d = this.nFeatures
    let others = 0
    for (let o = 0; o < this.nClasses; o++) if (o !== c) others += this.featureLogProb[o * d + j]
    return this.featureLogProb[c * d + j] - others / (this.nClasses - 1)
  }

  featureImportances(): Float64Array {
    const imp = new Float64Array(this.nFeatures)
    for (let j = 0; j < this.nFeatures; j++) for (let c = 0; c < this.nClasses; c++) imp[j] += Math.abs(this.ratio(j, c))
    return normalize(imp)
  }

  toJSON(): SerializedClassifier {
    return {
      algorithm: 'mnb',
      nClasses: this.nClasses,
      nFeatures: this.nFeatures,
      classLogPrior: toNumbers(this.classLogPrior),
      featureLogProb: toNumbers(this.featureLogProb),
    }
  }
}

/** ml-naivebayes needs a dense matrix: measured on MR (8.5k × 5,000) it peaked at 1.2 GB. Above this many cells we refuse. */
export const MLJS_MAX_CELLS = 5_000_000

function fitSparse(X: CsrMatrix, y: Int32Array, k: number, alpha: number, uniformPriors: boolean): MultinomialNaiveBayes {
  const d = X.cols
  const counts = new Float64Array(k * d)
  const classCounts = new Float64Array(k)
  for (let r = 0; r < X.rows; r++) {
    const c = y[r]
    classCounts[c]++
    for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) {
      if (X.data[p] < 0) throw new UserError('mnb needs non-negative features (counts or TF-IDF); got a negative value')
      counts[c * d + X.indices[p]] += X.data[p]
    }
  }
  const logProb = new Float64Array(k * d)
  for (let c = 0; c < k; c++) {
    let total = 0
    for (let j = 0; j < d; j++) total += counts[c * d + j]
    const denom = Math.log(total + alpha * d)
    for (let j = 0; j < d; j++) logProb[c * d + j] = Math.log(counts[c * d + j] + alpha) - denom
  }
  const prior = uniformPriors ? uniformLogPriors(classCounts) : Float64Array.from(classCounts, n => Math.log(n / X.rows))
  return new MultinomialNaiveBayes(k, d, logProb, prior)
}

/**
 * log(1/k) for each of the k classes with rows, log 0 for a class without (as the fitted priors). With balanced
 * class weights this is exact: the weighted class totals n_c · n/(k·n_c) are all n/k.
 */
function uniformLogPriors(classCounts: ArrayLike<number>): Float64Array {
  let present = 0
  for (let c = 0; c < classCounts.length; c++) if (classCounts[c] > 0) present++
  return Float64Array.from(classCounts, n => (n > 0 ? -Math.log(present) : Number.NEGATIVE_INFINITY))
}

function classCountsOf(y: Int32Array, k: number): Float64Array {
  const counts = new Float64Array(k)
  for (const c of y) counts[c]++
  return counts
}

/** The ml-naivebayes backend: fits with the mljs implementation (Laplace α = 1 only), then predicts through our code. */
function fitMljs(X: CsrMatrix, y: Int32Array, k: number, alpha: number, uniformPriors: boolean): MultinomialNaiveBayes {
  if (alpha !== 1) throw new UserError(`train.mnb.backend = mljs supports train.mnb.alpha = 1 only (got ${alpha}); use backend sparse`)
  const cells = X.rows * X.cols
  if (cells > MLJS_MAX_CELLS) {
    throw new UserError(
      `train.mnb.backend = mljs needs a dense ${X.rows} × ${X.cols} matrix (${cells.toLocaleString('en-US')} cells, limit ${MLJS_MAX_CELLS.toLocaleString('en-US')}): ` +
        'it would need gigabytes of memory; use backend sparse (same results) or lower featurize.max_features',
    )
  }
  const require = createRequire(import.meta.url)
  type DenseMatrix = {to2DArray(): number[][]}
  const {MultinomialNB} = require('ml-naivebayes') as {MultinomialNB: new () => {train(x: number[][], y: number[]): void; conditionalProbability: DenseMatrix; priorProbability: DenseMatrix}}
  const model = new MultinomialNB()
  model.train(toDense(X), Array.from(y))
  const logProb = new Float64Array(k * X.cols)
  model.conditionalProbability.to2DArray().forEach((row, c) => logProb.set(row, c * X.cols))
  const prior = uniformPriors ? uniformLogPriors(classCountsOf(y, k)) : Float64Array.from(model.priorProbability.to2DArray().map(r => r[0]))
  return new MultinomialNaiveBayes(k, X.cols, logProb, prior)
}

export const mnbSpec: AlgorithmSpec<MnbParams> = {
  name: 'mnb',
  description: 'multinomial naive Bayes (sparse; backend mljs = ml-naivebayes, dense, small data only)',
  fit(X, y, nClasses, params, ctx) {
    checkTrainingData(X, y, nClasses)
    const uniform = ctx.uniformClassPriors === true
    return params.backend === 'mljs' ? fitMljs(X, y, nClasses, params.alpha, uniform) : fitSparse(X, y, nClasses, params.alpha, uniform)
  },
  load(json) {
    const j = json as SerializedClassifier & {featureLogProb: number[]; classLogPrior: Array<number | null>}
    // A class without training rows has prior log 0 = -Infinity, which JSON writes as null.
    const prior = Float64Array.from(j.classLogPrior, v => v ?? Number.NEGATIVE_INFINITY)
    return new MultinomialNaiveBayes(j.nClasses, j.nFeatures, Float64Array.from(j.featureLogProb), prior)
  },
}
