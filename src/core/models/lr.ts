import type {LrParams} from '../config/params.js'
import {ConfigError} from '../errors.js'
import {type CsrMatrix, disposableValues} from '../features/sparse.js'
import type {Reporter} from '../reporter.js'
import type {AlgorithmSpec, Classifier, SerializedClassifier} from './classifier.js'
import {checkTrainingData, sigmoid, softmaxRows, toNumbers} from './guards.js'
import {minimizeLbfgs, type LbfgsOptions} from './lbfgs.js'
import {fitLogisticNewton} from './newton-lr.js'

/**
 * L2-regularized logistic regression on sparse rows: truncated Newton for two classes (newton-lr.ts), L-BFGS
 * for a softmax over k > 2 classes.
 * Objective (per sample, so `tol` does not depend on the data size):
 *   Σ sᵢ·log-loss / n + ||W||² / (2·C·n), intercept not penalized — scikit-learn's lbfgs objective divided by n·C,
 *   with sᵢ the sample weights of train.class_weight (all 1 by default, as sklearn's class_weight=None).
 * Binary problems use one weight vector (sigmoid); k > 2 classes use a softmax over k vectors.
 */
export class LogisticRegression implements Classifier {
  readonly algorithm = 'lr' as const

  /** weights: k' × nFeatures row-major (k' = 1 for binary), intercepts: k'. */
  constructor(
    readonly nClasses: number,
    readonly nFeatures: number,
    readonly weights: Float64Array,
    readonly intercepts: Float64Array,
  ) {}

  private get vectors(): number {
    return this.nClasses === 2 ? 1 : this.nClasses
  }

  predictProba(X: CsrMatrix): Float64Array {
    const k = this.nClasses
    const out = new Float64Array(X.rows * k)
    const {indptr, indices, data} = X
    const d = this.nFeatures
    for (let r = 0; r < X.rows; r++) {
      if (k === 2) {
        let z = this.intercepts[0]
        for (let p = indptr[r]; p < indptr[r + 1]; p++) z += this.weights[indices[p]] * data[p]
        const p1 = sigmoid(z)
        out[r * 2] = 1 - p1
        out[r * 2 + 1] = p1
      } else {
        for (let c = 0; c < k; c++) {
          let z = this.intercepts[c]
          for (let p = indptr[r]; p < indptr[r + 1]; p++) z += this.weights[c * d + indices[p]] * data[p]
          out[r * k + c] = z
        }
      }
    }
    return k === 2 ? out : softmaxRows(out, k)
  }

  contributions(X: CsrMatrix, row: number, c: number): Array<{feature: number; value: number}> {
    const out: Array<{feature: number; value: number}> = []
    for (let p = X.indptr[row]; p < X.indptr[row + 1]; p++) {
      out.push({feature: X.indices[p], value: this.vsRest(this.weights, c, X.indices[p], this.nFeatures) * X.data[p]})
    }
    return out
  }

  bias(c: number): number {
    return this.vsRest(this.intercepts, c, 0, 1)
  }

  /**
   * Class c's coefficient minus the mean of the other classes' (binary: ± the single vector), so that bias plus
   * contributions is ln p(c) minus the mean of the other classes' ln p: the softmax normalizer cancels, as for mnb.
   */
  private vsRest(values: Float64Array, c: number, j: number, stride: number): number {
    if (this.nClasses === 2) return (c === 1 ? 1 : -1) * values[j]
    let others = 0
    for (let o = 0; o < this.nClasses; o++) if (o !== c) others += values[o * stride + j]
    return values[c * stride + j] - others / (this.nClasses - 1)
  }

  featureImportances(): Float64Array {
    const imp = new Float64Array(this.nFeatures)
    for (let v = 0; v < this.vectors; v++) for (let j = 0; j < this.nFeatures; j++) imp[j] += Math.abs(this.weights[v * this.nFeatures + j])
    return normalize(imp)
  }

  toJSON(): SerializedClassifier {
    return {algorithm: 'lr', nClasses: this.nClasses, nFeatures: this.nFeatures, intercepts: toNumbers(this.intercepts), weights: toNumbers(this.weights)}
  }
}

/** r_j = log((p_j/|p|₁) / (q_j/|q|₁)) with p, q the α-smoothed feature sums of class 1 and class 0. */
function logCountRatios(X: CsrMatrix, y: Int32Array, alpha: number): Float64Array {
  const p = new Float64Array(X.cols).fill(alpha)
  const q = new Float64Array(X.cols).fill(alpha)
  for (let r = 0; r < X.rows; r++) {
    const target = y[r] === 1 ? p : q
    for (let k = X.indptr[r]; k < X.indptr[r + 1]; k++) target[X.indices[k]] += Math.abs(X.data[k])
  }
  let sp = 0
  let sq = 0
  for (let j = 0; j < X.cols; j++) {
    sp += p[j]
    sq += q[j]
  }
  return Float64Array.from(p, (pj, j) => Math.log(pj / sp / (q[j] / sq)))
}

/** X with column j times scale[j]; in place when the caller gave X's values away (disposableValues). */
function scaleColumns(X: CsrMatrix, scale: Float64Array): CsrMatrix {
  const inPlace = disposableValues.delete(X.data)
  const data = inPlace ? X.data : new Float64Array(X.data.length)
  for (let k = 0; k < data.length; k++) data[k] = X.data[k] * scale[X.indices[k]]
  return inPlace ? X : {...X, data}
}

export function normalize(imp: Float64Array): Float64Array {
  let sum = 0
  for (const v of imp) sum += v
  if (sum > 0) for (let j = 0; j < imp.length; j++) imp[j] /= sum
  return imp
}

export const lrSpec: AlgorithmSpec<LrParams> = {
  name: 'lr',
  description: 'logistic regression, L2, truncated Newton (two classes) or L-BFGS (softmax) on sparse rows',
  fit(X0, y, nClasses, params, ctx) {
    checkTrainingData(X0, y, nClasses)
    if (params.nb_scale && nClasses !== 2) throw new ConfigError(`train.lr.nb_scale works for two classes only (this data has ${nClasses})`)
    // Class weights would scale each class's sums uniformly, which the per-class normalization cancels: no input.
    const ratios = params.nb_scale ? logCountRatios(X0, y, params.nb_alpha) : undefined
    const X = ratios ? scaleColumns(X0, ratios) : X0
    const reg = 1 / (params.C * X.rows)
    const progress = (iter: number): void => ctx.reporter.progress('train lr', iter, params.max_iter)
    let weights: Float64Array
    let intercepts: Float64Array
    if (nClasses === 2) {
      const result = fitLogisticNewton(X, y, reg, {maxIter: params.max_iter, gtol: params.tol, signal: ctx.signal, onIteration: progress, sampleWeight: ctx.sampleWeight})
      if (!result.converged) ctx.reporter.warn(`lr: Newton stopped after ${result.iterations} iterations without reaching tol=${params.tol}; raise train.lr.max_iter`)
      ctx.reporter.debug(`lr: ${result.iterations} Newton iterations (${result.cgIterations} CG steps), objective ${result.f.toFixed(6)}`)
      weights = result.weights
      intercepts = Float64Array.of(result.intercept)
    } else {
      ;({weights, intercepts} = fitLogisticLbfgs(X, y, nClasses, reg, {maxIter: params.max_iter, gtol: params.tol, signal: ctx.signal, onIteration: progress}, ctx.reporter, ctx.sampleWeight))
    }
    // NB-LR: w·(r∘x) = (w∘r)·x, so the ratios fold into the weights and prediction needs nothing special.
    if (ratios) for (let j = 0; j < X.cols; j++) weights[j] *= ratios[j]
    return new LogisticRegression(nClasses, X.cols, weights, intercepts)
  },
  load(json) {
    const j = json as SerializedClassifier & {weights: number[]; intercepts: number[]}
    return new LogisticRegression(j.nClasses, j.nFeatures, Float64Array.from(j.weights), Float64Array.from(j.intercepts))
  },
}

/**
 * The same objective for k ≥ 2 classes fitted with L-BFGS: a sigmoid for k = 2 (the Newton solver's problem,
 * kept as its cross-check in the tests), a softmax over k weight vectors for k > 2.
 */
export function fitLogisticLbfgs(
  X: CsrMatrix,
  y: Int32Array,
  nClasses: number,
  reg: number,
  options: Omit<LbfgsOptions, 'history' | 'ftol'>,
  reporter: Pick<Reporter, 'warn' | 'debug'>,
  sampleWeight?: Float64Array,
): {weights: Float64Array; intercepts: Float64Array; f: number} {
  const n = X.rows
  const d = X.cols
  const vectors = nClasses === 2 ? 1 : nClasses
  const {indptr, indices, data} = X
  const margins = new Float64Array(n * vectors)
  const fg = (w: Float64Array, g: Float64Array): number => {
    g.fill(0)
    let loss = 0
    for (let r = 0; r < n; r++) {
      const sr = sampleWeight === undefined ? 1 : sampleWeight[r]
      for (let v = 0; v < vectors; v++) {
        let z = w[vectors * d + v]
        const base = v * d
        for (let p = indptr[r]; p < indptr[r + 1]; p++) z += w[base + indices[p]] * data[p]
        margins[r * vectors + v] = z
      }
      if (vectors === 1) {
        const z = margins[r]
        // log(1 + e^{-z}) for y=1, log(1 + e^{z}) for y=0, computed stably.
        const t = y[r] === 1 ? -z : z
        loss += sr * (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)))
        margins[r] = sr * (sigmoid(z) - y[r])
      } else {
        let max = Number.NEGATIVE_INFINITY
        for (let v = 0; v < vectors; v++) max = Math.max(max, margins[r * vectors + v])
        let sum = 0
        for (let v = 0; v < vectors; v++) sum += Math.exp(margins[r * vectors + v] - max)
        loss += sr * (max + Math.log(sum) - margins[r * vectors + y[r]])
        for (let v = 0; v < vectors; v++) {
          margins[r * vectors + v] = sr * (Math.exp(margins[r * vectors + v] - max) / sum - (v === y[r] ? 1 : 0))
        }
      }
      for (let v = 0; v < vectors; v++) {
        const residual = margins[r * vectors + v]
        if (residual === 0) continue
        const base = v * d
        for (let p = indptr[r]; p < indptr[r + 1]; p++) g[base + indices[p]] += residual * data[p]
        g[vectors * d + v] += residual
      }
    }
    let penalty = 0
    for (let j = 0; j < vectors * d; j++) {
      penalty += w[j] * w[j]
      g[j] = g[j] / n + reg * w[j]
    }
    for (let v = 0; v < vectors; v++) g[vectors * d + v] /= n
    return loss / n + 0.5 * reg * penalty
  }
  const x0 = new Float64Array(vectors * (d + 1))
  const result = minimizeLbfgs(fg, x0, options)
  if (!result.converged) reporter.warn(`lr: L-BFGS stopped after ${result.iterations} iterations without reaching tol=${options.gtol}; raise train.lr.max_iter`)
  reporter.debug(`lr: ${result.iterations} L-BFGS iterations, objective ${result.f.toFixed(6)}`)
  return {weights: result.x.slice(0, vectors * d), intercepts: result.x.slice(vectors * d), f: result.f}
}
