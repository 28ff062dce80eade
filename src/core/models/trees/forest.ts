import type {RfParams} from '../../config/params.js'
import type {CsrMatrix} from '../../features/sparse.js'
import type {Classifier, FitContext, SerializedClassifier} from '../classifier.js'
import {buildBins, sortColumnsByBin} from './bins.js'
import {checkColumns, FlatTrees, gainsToJSON, normalizedGains, RowScratch, type GainsJSON} from './ensemble.js'
import {ForestTreeGrower} from './forest-grower.js'
import {decodeGains} from './model-json.js'
import {deriveSeed, Rng} from './rng.js'
import {corrupt, expectObject, positiveInt, treeFromJSON, treeToJSON, type Tree, type TreeJSON} from './tree.js'

export type ForestBackend = 'sparse' | 'mljs'

interface ForestJSON extends SerializedClassifier {
  algorithm: 'rf'
  backend: ForestBackend
  trees: TreeJSON[]
  importance: GainsJSON
}

/**
 * A random forest: each leaf stores class weights (bootstrap counts, or class frequencies for the mljs
 * backend); a row's probabilities are the average over trees of its leaf's normalized weights.
 */
export class ForestClassifier implements Classifier {
  readonly algorithm = 'rf' as const
  private readonly flat: FlatTrees
  private readonly leafProb: Float64Array
  private scratch: RowScratch | undefined

  constructor(
    readonly nClasses: number,
    readonly nFeatures: number,
    readonly trees: readonly Tree[],
    private readonly gains: Float64Array,
    readonly backend: ForestBackend,
  ) {
    this.flat = new FlatTrees(trees, nClasses)
    this.leafProb = new Float64Array(this.flat.leafStart[trees.length] * nClasses)
    let at = 0
    for (const tree of trees) {
      for (let base = 0; base < tree.value.length; base += nClasses) {
        let sum = 0
        for (let c = 0; c < nClasses; c++) sum += tree.value[base + c]
        for (let c = 0; c < nClasses; c++) this.leafProb[at++] = tree.value[base + c] / sum
      }
    }
  }

  predictProba(X: CsrMatrix): Float64Array {
    checkColumns(X, this.nFeatures, 'rf')
    const k = this.nClasses
    const out = new Float64Array(X.rows * k)
    const s = (this.scratch ??= new RowScratch(this.nFeatures))
    const {flat, leafProb} = this
    const inv = 1 / flat.nTrees
    for (let r = 0; r < X.rows; r++) {
      s.load(X, r)
      for (let t = 0; t < flat.nTrees; t++) {
        const leaf = flat.leafOf(t, s) * k
        for (let c = 0; c < k; c++) out[r * k + c] += leafProb[leaf + c]
      }
      for (let c = 0; c < k; c++) out[r * k + c] *= inv
    }
    return out
  }

  featureImportances(): Float64Array {
    return normalizedGains(this.gains)
  }

  toJSON(): ForestJSON {
    return {
      algorithm: 'rf',
      nClasses: this.nClasses,
      nFeatures: this.nFeatures,
      backend: this.backend,
      trees: this.trees.map(treeToJSON),
      importance: gainsToJSON(this.gains),
    }
  }

  static fromJSON(json: SerializedClassifier): ForestClassifier {
    const o = expectObject(json, 'rf model')
    const nClasses = positiveInt(o.nClasses, 'rf model nClasses')
    const nFeatures = positiveInt(o.nFeatures, 'rf model nFeatures')
    if (o.backend !== 'sparse' && o.backend !== 'mljs') throw corrupt(`rf model backend is ${JSON.stringify(o.backend)}, not sparse or mljs`)
    const backend: ForestBackend = o.backend
    if (!Array.isArray(o.trees) || o.trees.length === 0) throw corrupt('rf model trees is not a non-empty array')
    const trees = o.trees.map((t, i) => {
      const tree = treeFromJSON(t, nClasses, nFeatures, `rf model trees[${i}]`)
      for (let base = 0; base < tree.value.length; base += nClasses) {
        let sum = 0
        for (let c = 0; c < nClasses; c++) {
          if (tree.value[base + c] < 0) throw corrupt(`rf model trees[${i}].value[${base + c}] is negative`)
          sum += tree.value[base + c]
        }
        if (!(sum > 0)) throw corrupt(`rf model trees[${i}] leaf ${base / nClasses} has no class weight`)
      }
      return tree
    })
    return new ForestClassifier(nClasses, nFeatures, trees, decodeGains(o.importance, nFeatures, 'rf model importance'), backend)
  }
}

/** Features drawn per node: scikit-learn's max_features rule. */
export function featuresPerNode(maxFeatures: RfParams['max_features'], nFeatures: number): number {
  const n =
    maxFeatures === 'sqrt' ? Math.sqrt(nFeatures) : maxFeatures === 'log2' ? Math.log2(nFeatures) : maxFeatures * nFeatures
  return Math.max(1, Math.min(nFeatures, Math.floor(n)))
}

export interface ForestFitOptions {
  nEstimators: number
  maxDepth: number
  minSamplesLeaf: number
  maxFeatures: RfParams['max_features']
  bootstrap: boolean
  criterion: 'gini' | 'entropy'
}

/** Trees are independent: tree t uses its own seed derived from (seed, t), so the forest does not depend on order. */
export function fitSparseForest(X: CsrMatrix, y: Int32Array, nClasses: number, opt: ForestFitOptions, ctx: FitContext): ForestClassifier {
  const bins = buildBins(X, Number.POSITIVE_INFINITY)
  const cols = sortColumnsByBin(X, bins)
  const grower = new ForestTreeGrower(
    {X, y, nClasses, bins, cols},
    {maxDepth: opt.maxDepth, minSamplesLeaf: opt.minSamplesLeaf, mtry: featuresPerNode(opt.maxFeatures, X.cols), criterion: opt.criterion},
  )
  const gains = new Float64Array(X.cols)
  const trees: Tree[] = []
  const weights = new Float64Array(X.rows)
  const sw = ctx.sampleWeight
  for (let t = 0; t < opt.nEstimators; t++) {
    ctx.signal?.throwIfAborted()
    const rng = new Rng(deriveSeed(ctx.seed, t))
    bootstrapWeights(weights, opt.bootstrap, rng)
    // scikit-learn's class_weight in a forest: each tree's row weight is its bootstrap count times the class weight.
    if (sw) for (let r = 0; r < weights.length; r++) weights[r] *= sw[r]
    trees.push(grower.grow(weights, rng, gains))
    ctx.reporter.progress('rf trees', t + 1, opt.nEstimators)
  }
  return new ForestClassifier(nClasses, X.cols, trees, gains, 'sparse')
}

/** n draws with replacement as per-row counts (bootstrap), or weight 1 for every row. */
function bootstrapWeights(weights: Float64Array, bootstrap: boolean, rng: Rng): void {
  const n = weights.length
  if (!bootstrap) {
    weights.fill(1)
    return
  }
  weights.fill(0)
  for (let i = 0; i < n; i++) weights[rng.nextInt(n)]++
}
