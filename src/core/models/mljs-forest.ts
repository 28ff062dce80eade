import {createRequire} from 'node:module'
import type {RandomForestBaseOptions, RandomForestClassifier as MljsForest} from 'ml-random-forest'
import type {RfParams} from '../config/params.js'
import {BugError, UserError} from '../errors.js'
import {toDense, type CsrMatrix} from '../features/sparse.js'
import type {FitContext} from './classifier.js'
import {featuresPerNode, ForestClassifier} from './trees/forest.js'
import {TreeBuilder, type Tree} from './trees/tree.js'

/**
 * `train.rf.backend: mljs`: ml-random-forest (dense, CART) for small dense problems. Its trees are converted
 * to the sparse forest's arrays, so the bundle format, prediction and serving are the same as `sparse`.
 *
 * Options that make it split: gain threshold 0 (its default 0.01 stops most splits on text, so the forest
 * predicts one class), features sampled per tree without replacement, bootstrap as `rf.bootstrap`.
 */

/**
 * Work limit in ml-random-forest's units: trees × rows² × features per tree. Its split search sorts every
 * feature at every node and re-splits the node at each label change, so a node costs rows² per feature.
 * Measured here: ~1.5e-7 s per unit (400 rows × 7 features: 0.17 s per tree), so the limit is ~2.5 minutes;
 * on MR (8,526 × 5,000) one depth-2 tree took 57 s and two unlimited trees did not finish in 120 s.
 */
export const MLJS_MAX_WORK = 1e9
/** Dense cells: ml-random-forest copies the matrix for every tree and transposes it at every node. */
export const MLJS_MAX_CELLS = 5_000_000
const SECONDS_PER_UNIT = 1.5e-7

export function fitMljsForest(X: CsrMatrix, y: Int32Array, nClasses: number, params: RfParams, ctx: FitContext): ForestClassifier {
  if (params.criterion !== 'gini') {
    throw new UserError(`train.rf.criterion = ${params.criterion} is not supported by train.rf.backend = mljs (Gini only); use backend sparse`)
  }
  const perTree = featuresPerNode(params.max_features, X.cols)
  const work = params.n_estimators * X.rows * X.rows * perTree
  const cells = X.rows * X.cols
  if (work > MLJS_MAX_WORK || cells > MLJS_MAX_CELLS) {
    const minutes = (work * SECONDS_PER_UNIT) / 60
    throw new UserError(
      `train.rf.backend = mljs is for small dense problems: ${X.rows} rows × ${X.cols} features × ${params.n_estimators} trees ` +
        `(${perTree} features per tree) is ${fmt(work)} units of work (limit ${fmt(MLJS_MAX_WORK)}, ~${minutes.toFixed(0)} min) ` +
        `and ${fmt(cells)} dense cells (limit ${fmt(MLJS_MAX_CELLS)}); ml-random-forest's split search costs rows² per feature per node ` +
        '(8,526 × 5,000 MR: 57 s for one depth-2 tree). Use train.rf.backend: sparse',
    )
  }
  ctx.signal?.throwIfAborted()
  const require = createRequire(import.meta.url)
  const {RandomForestClassifier} = require('ml-random-forest') as {RandomForestClassifier: new (options: Partial<RandomForestBaseOptions>) => MljsForest}
  const forest = new RandomForestClassifier({
    nEstimators: params.n_estimators,
    // An integer is a count, a number in (0, 1] a fraction (so a count of 1 is passed as a fraction).
    maxFeatures: perTree > 1 ? perTree : (1 + 1e-9) / X.cols,
    replacement: false,
    useSampleBagging: params.bootstrap,
    seed: ctx.seed | 0,
    noOOB: true,
    treeOptions: {
      gainFunction: 'gini',
      splitFunction: 'mean',
      // A node with ≤ minNumSamples rows becomes a leaf: the nearest match of min_samples_leaf.
      minNumSamples: 2 * params.min_samples_leaf - 1,
      maxDepth: params.max_depth > 0 ? params.max_depth : Number.POSITIVE_INFINITY,
      gainThreshold: 0,
    },
  })
  ctx.reporter.progress('rf trees (mljs)', 0, params.n_estimators)
  forest.train(toDense(X), Array.from(y))
  ctx.reporter.progress('rf trees (mljs)', params.n_estimators, params.n_estimators)
  const gains = new Float64Array(X.cols)
  const model = forest as unknown as {estimators: Array<{root: MljsNode}>; indexes: number[][]}
  const trees = model.estimators.map((est, t) => convertTree(est.root, model.indexes[t], nClasses, gains))
  return new ForestClassifier(nClasses, X.cols, trees, gains, 'mljs')
}

/** The parts of an ml-cart TreeNode that describe the fitted tree. */
interface MljsNode {
  splitColumn?: number
  splitValue?: number
  gain?: number
  numberSamples?: number
  left?: MljsNode
  right?: MljsNode
  distribution?: {to1DArray(): number[]}
}

/**
 * ml-cart routes `row[column] < splitValue` to the left, as our trees do; an absent (zero) entry goes where 0
 * goes. Leaves hold class frequencies (ml-cart sizes them by the largest label in the leaf, padded here).
 */
function convertTree(root: MljsNode, columns: number[], nClasses: number, gains: Float64Array): Tree {
  const builder = new TreeBuilder(nClasses)
  const stack: Array<{node: MljsNode; parent: number; isLeft: boolean}> = [{node: root, parent: -1, isLeft: false}]
  const leaf = new Float64Array(nClasses)
  while (stack.length > 0) {
    const {node, parent, isLeft} = stack.pop()!
    if (node.left && node.right && node.splitColumn !== undefined && node.splitValue !== undefined) {
      const feature = columns[node.splitColumn]
      gains[feature] += Math.max(0, (node.gain ?? 0) * (node.numberSamples ?? 0))
      const index = builder.addSplit(parent, isLeft, feature, node.splitValue, 0 < node.splitValue)
      stack.push({node: node.right, parent: index, isLeft: false}, {node: node.left, parent: index, isLeft: true})
      continue
    }
    if (!node.distribution) throw new BugError('ml-random-forest returned a leaf without a class distribution')
    leaf.fill(0)
    node.distribution.to1DArray().forEach((p, c) => {
      if (c < nClasses) leaf[c] = p
    })
    builder.addLeaf(parent, isLeft, leaf)
  }
  return builder.build()
}

function fmt(n: number): string {
  return n >= 1e6 ? n.toExponential(1).replace('e+', 'e') : n.toLocaleString('en-US')
}
