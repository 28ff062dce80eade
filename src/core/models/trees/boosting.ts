import type {CsrMatrix} from '../../features/sparse.js'
import type {Classifier, FitContext, SerializedClassifier} from '../classifier.js'
import {sigmoid, softmaxRows} from '../guards.js'
import {buildBins, sortColumnsByBin} from './bins.js'
import {checkColumns, FlatTrees, gainsToJSON, normalizedGains, RowScratch, type GainsJSON} from './ensemble.js'
import {GradTreeGrower} from './grad-grower.js'
import {decodeGains} from './model-json.js'
import {Rng} from './rng.js'
import {corrupt, expectObject, numberArray, positiveInt, treeFromJSON, treeToJSON, type Tree, type TreeJSON} from './tree.js'

export type BoostedAlgorithm = 'gb' | 'xgb'

interface BoostedJSON extends SerializedClassifier {
  algorithm: BoostedAlgorithm
  /** Initial margin per output (log-odds of the prior for binary, log priors for multiclass). */
  base: number[]
  /** Tree t adds its leaf value to output t mod outputs (outputs = 1 for binary, nClasses otherwise). */
  trees: TreeJSON[]
  importance: GainsJSON
}

/**
 * Boosted regression trees on the log-loss margin: binary problems have one output (sigmoid), k classes
 * have k outputs (softmax), one tree per output per round. Leaf values already include the learning rate.
 */
export class BoostedClassifier implements Classifier {
  private readonly flat: FlatTrees
  private readonly leafValue: Float64Array
  private scratch: RowScratch | undefined

  constructor(
    readonly algorithm: BoostedAlgorithm,
    readonly nClasses: number,
    readonly nFeatures: number,
    readonly base: Float64Array,
    readonly trees: readonly Tree[],
    private readonly gains: Float64Array,
  ) {
    this.flat = new FlatTrees(trees, 1)
    this.leafValue = new Float64Array(this.flat.leafStart[trees.length])
    let at = 0
    for (const t of trees) {
      this.leafValue.set(t.value, at)
      at += t.value.length
    }
  }

  get outputs(): number {
    return this.nClasses === 2 ? 1 : this.nClasses
  }

  /** Raw margins, row-major (rows × outputs). */
  margins(X: CsrMatrix): Float64Array {
    checkColumns(X, this.nFeatures, this.algorithm)
    const k = this.outputs
    const out = new Float64Array(X.rows * k)
    const s = (this.scratch ??= new RowScratch(this.nFeatures))
    const {flat, leafValue, base} = this
    for (let r = 0; r < X.rows; r++) {
      s.load(X, r)
      for (let c = 0; c < k; c++) out[r * k + c] = base[c]
      for (let t = 0; t < flat.nTrees; t++) out[r * k + (t % k)] += leafValue[flat.leafOf(t, s)]
    }
    return out
  }

  predictProba(X: CsrMatrix): Float64Array {
    const m = this.margins(X)
    if (this.outputs > 1) return softmaxRows(m, this.nClasses)
    const out = new Float64Array(X.rows * 2)
    for (let r = 0; r < X.rows; r++) {
      const p = sigmoid(m[r])
      out[2 * r] = 1 - p
      out[2 * r + 1] = p
    }
    return out
  }

  featureImportances(): Float64Array {
    return normalizedGains(this.gains)
  }

  toJSON(): BoostedJSON {
    return {
      algorithm: this.algorithm,
      nClasses: this.nClasses,
      nFeatures: this.nFeatures,
      base: Array.from(this.base),
      trees: this.trees.map(treeToJSON),
      importance: gainsToJSON(this.gains),
    }
  }

  static fromJSON(json: SerializedClassifier, algorithm: BoostedAlgorithm): BoostedClassifier {
    const o = expectObject(json, `${algorithm} model`)
    const nClasses = positiveInt(o.nClasses, `${algorithm} model nClasses`)
    const nFeatures = positiveInt(o.nFeatures, `${algorithm} model nFeatures`)
    if (nClasses < 2) throw corrupt(`${algorithm} model nClasses is ${nClasses}; a classifier has at least 2`)
    const outputs = nClasses === 2 ? 1 : nClasses
    const base = numberArray(o.base, `${algorithm} model base`)
    if (base.length !== outputs) throw corrupt(`${algorithm} model base has ${base.length} values, expected ${outputs}`)
    if (!Array.isArray(o.trees) || o.trees.length % outputs !== 0) {
      throw corrupt(`${algorithm} model trees is not an array of whole rounds (${outputs} tree${outputs > 1 ? 's' : ''} per round)`)
    }
    const trees = o.trees.map((t, i) => treeFromJSON(t, 1, nFeatures, `${algorithm} model trees[${i}]`))
    const gains = decodeGains(o.importance, nFeatures, `${algorithm} model importance`)
    return new BoostedClassifier(algorithm, nClasses, nFeatures, Float64Array.from(base), trees, gains)
  }
}

export interface BoostOptions {
  algorithm: BoostedAlgorithm
  nEstimators: number
  learningRate: number
  maxDepth: number
  /** Row fraction per round: gb draws exactly ⌊n·subsample⌋ rows, xgb keeps each row with this probability. */
  subsample: number
  /** Feature fraction per tree (xgb); 1 = all. */
  colsample: number
  /** Bins per feature; Infinity = every distinct value (exact splits). */
  maxBin: number
  lambda: number
  alpha: number
  gamma: number
  /** xgb: min_child_weight (hessian); gb: min_samples_leaf (rows). */
  minChild: number
}

/** Gradient boosting with log-loss (binary) or softmax (multiclass) on sparse rows. */
export function fitBoosted(X: CsrMatrix, y: Int32Array, nClasses: number, opt: BoostOptions, ctx: FitContext): BoostedClassifier {
  const n = X.rows
  const k = nClasses === 2 ? 1 : nClasses
  const bins = buildBins(X, opt.maxBin)
  const sw = ctx.sampleWeight
  // gb scores splits with the nodes' sample weights (friedman_mse's weighted_n); xgb needs only the weighted hessians.
  const grower = new GradTreeGrower(
    X,
    bins,
    sortColumnsByBin(X, bins),
    {
      maxDepth: opt.maxDepth,
      objective: opt.algorithm,
      lambda: opt.algorithm === 'xgb' ? opt.lambda : 0,
      alpha: opt.algorithm === 'xgb' ? opt.alpha : 0,
      minChild: opt.minChild,
      gamma: opt.algorithm === 'xgb' ? opt.gamma : 0,
    },
    opt.algorithm === 'gb' ? sw ?? null : null,
  )
  const base = priorMargins(y, nClasses, sw)
  const margins = new Float64Array(n * k)
  for (let r = 0; r < n; r++) margins.set(base, r * k)
  const prob = new Float64Array(n * k)
  const g = new Float64Array(n)
  const h = new Float64Array(n)
  const bag = new Int32Array(n)
  const rows = new Int32Array(n)
  const inBag = new Uint8Array(n)
  const allowed = opt.colsample < 1 ? new Uint8Array(X.cols) : null
  const gains = new Float64Array(X.cols)
  const trees: Tree[] = []
  const rng = new Rng(ctx.seed)
  const scratch = new RowScratch(X.cols)
  const leafValue = leafValueFn(opt, nClasses)
  for (let round = 0; round < opt.nEstimators; round++) {
    ctx.signal?.throwIfAborted()
    probabilities(margins, prob, k)
    const m = sampleRows(bag, inBag, opt, rng)
    for (let c = 0; c < k; c++) {
      for (let r = 0; r < n; r++) {
        const p = prob[r * k + c]
        g[r] = p - (k === 1 ? y[r] : y[r] === c ? 1 : 0)
        h[r] = Math.max(p * (1 - p), 1e-16)
      }
      // Sample weights (class_weight) scale each row's gradient and hessian, as sample_weight does in sklearn and XGBoost.
      if (sw) {
        for (let r = 0; r < n; r++) {
          g[r] *= sw[r]
          h[r] *= sw[r]
        }
      }
      if (allowed) sampleFeatures(allowed, opt.colsample, rng)
      rows.set(bag.subarray(0, m)) // the grower reorders rows in place
      const {tree, rowLeaf} = grower.grow(rows, m, inBag, g, h, allowed, leafValue, gains, opt.algorithm === 'gb' ? rng : null)
      trees.push(tree)
      // Margins: in-bag rows know their leaf; the others walk the tree.
      const flat = m < n ? new FlatTrees([tree], 1) : null
      for (let r = 0; r < n; r++) {
        let leaf: number
        if (inBag[r]) leaf = rowLeaf[r]
        else {
          scratch.load(X, r)
          leaf = flat!.leafOf(0, scratch)
        }
        margins[r * k + c] += tree.value[leaf]
      }
    }
    ctx.reporter.progress(`${opt.algorithm} rounds`, round + 1, opt.nEstimators)
  }
  return new BoostedClassifier(opt.algorithm, nClasses, X.cols, base, trees, gains)
}

/**
 * Initial margins from the (sample-weighted) class priors: log-odds for binary, log-probabilities
 * (softmax-invariant) otherwise.
 */
function priorMargins(y: Int32Array, nClasses: number, sw: Float64Array | undefined): Float64Array {
  const counts = new Float64Array(nClasses)
  let total = 0
  for (let r = 0; r < y.length; r++) {
    const w = sw ? sw[r] : 1
    counts[y[r]] += w
    total += w
  }
  const prior = (c: number): number => Math.max(counts[c] / total, 1e-15)
  if (nClasses === 2) return Float64Array.of(Math.log(prior(1) / prior(0)))
  return Float64Array.from({length: nClasses}, (_, c) => Math.log(prior(c)))
}

function probabilities(margins: Float64Array, prob: Float64Array, k: number): void {
  if (k === 1) {
    for (let r = 0; r < margins.length; r++) prob[r] = sigmoid(margins[r])
    return
  }
  prob.set(margins)
  softmaxRows(prob, k)
}

/**
 * Leaf output from the leaf's gradient and hessian sums (learning rate included).
 * xgb: −T(G)/(H+λ), 0 below min_child_weight. gb (scikit-learn): one Newton step −G/H, times (k−1)/k for k classes.
 */
function leafValueFn(opt: BoostOptions, nClasses: number): (G: number, H: number) => number {
  if (opt.algorithm === 'xgb') {
    return (G, H) => {
      if (H < opt.minChild || H <= 0) return 0
      const t = G > opt.alpha ? G - opt.alpha : G < -opt.alpha ? G + opt.alpha : 0
      return (-t / (H + opt.lambda)) * opt.learningRate
    }
  }
  const factor = nClasses === 2 ? 1 : (nClasses - 1) / nClasses
  return (G, H) => (Math.abs(H) < 1e-150 ? 0 : ((-G / H) * factor) * opt.learningRate)
}

/** The rows of this round into rows[0..m), ascending; inBag marks them. */
function sampleRows(rows: Int32Array, inBag: Uint8Array, opt: BoostOptions, rng: Rng): number {
  const n = rows.length
  if (opt.subsample >= 1) {
    for (let r = 0; r < n; r++) rows[r] = r
    inBag.fill(1)
    return n
  }
  inBag.fill(0)
  if (opt.algorithm === 'gb') {
    // Exactly max(1, ⌊n·subsample⌋) rows without replacement (selection sampling keeps them in order).
    let need = Math.max(1, Math.floor(n * opt.subsample))
    for (let r = 0; r < n && need > 0; r++) {
      if (rng.nextFloat() * (n - r) < need) {
        inBag[r] = 1
        need--
      }
    }
  } else {
    for (let r = 0; r < n; r++) if (rng.nextFloat() < opt.subsample) inBag[r] = 1
  }
  let m = 0
  for (let r = 0; r < n; r++) if (inBag[r]) rows[m++] = r
  if (m === 0) {
    const r = rng.nextInt(n)
    inBag[r] = 1
    rows[m++] = r
  }
  return m
}

/** Marks max(1, round(nF·fraction)) features drawn without replacement. */
function sampleFeatures(allowed: Uint8Array, fraction: number, rng: Rng): void {
  const nF = allowed.length
  let need = Math.max(1, Math.round(nF * fraction))
  allowed.fill(0)
  for (let f = 0; f < nF && need > 0; f++) {
    if (rng.nextFloat() * (nF - f) < need) {
      allowed[f] = 1
      need--
    }
  }
}
