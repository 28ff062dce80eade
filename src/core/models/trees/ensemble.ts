import {DataError} from '../../errors.js'
import type {CsrMatrix} from '../../features/sparse.js'
import {rootRef, type Tree} from './tree.js'

/**
 * A row's sparse entries spread into a dense scratch array, so each node visit is one array read:
 * `mark[f] === stamp` says whether the row stores feature f. Loading a row costs its non-zeros only.
 */
export class RowScratch {
  readonly vals: Float64Array
  readonly mark: Int32Array
  stamp = 0

  constructor(nFeatures: number) {
    this.vals = new Float64Array(nFeatures)
    this.mark = new Int32Array(nFeatures)
  }

  load(X: CsrMatrix, row: number): void {
    if (this.stamp === 0x7fffffff) {
      this.mark.fill(0)
      this.stamp = 0
    }
    const s = ++this.stamp
    for (let p = X.indptr[row]; p < X.indptr[row + 1]; p++) {
      this.vals[X.indices[p]] = X.data[p]
      this.mark[X.indices[p]] = s
    }
  }
}

/** All trees of a model concatenated into one set of arrays: prediction walks them without allocating. */
export class FlatTrees {
  readonly nTrees: number
  readonly roots: Int32Array
  readonly leafStart: Int32Array
  private readonly feature: Int32Array
  private readonly threshold: Float64Array
  private readonly left: Int32Array
  private readonly right: Int32Array
  private readonly defaultLeft: Uint8Array

  constructor(trees: readonly Tree[], width: number) {
    this.nTrees = trees.length
    let nInternal = 0
    for (const t of trees) nInternal += t.feature.length
    this.feature = new Int32Array(nInternal)
    this.threshold = new Float64Array(nInternal)
    this.left = new Int32Array(nInternal)
    this.right = new Int32Array(nInternal)
    this.defaultLeft = new Uint8Array(nInternal)
    this.roots = new Int32Array(trees.length)
    this.leafStart = new Int32Array(trees.length + 1)
    let base = 0
    for (let t = 0; t < trees.length; t++) {
      const tree = trees[t]
      const leafBase = this.leafStart[t]
      const shift = (ref: number): number => (ref >= 0 ? ref + base : ref - leafBase)
      this.feature.set(tree.feature, base)
      this.threshold.set(tree.threshold, base)
      this.defaultLeft.set(tree.defaultLeft, base)
      for (let i = 0; i < tree.feature.length; i++) {
        this.left[base + i] = shift(tree.left[i])
        this.right[base + i] = shift(tree.right[i])
      }
      this.roots[t] = shift(rootRef(tree))
      base += tree.feature.length
      this.leafStart[t + 1] = leafBase + tree.value.length / width
    }
  }

  /** Global index of the leaf that tree t sends the row held in `s` to. */
  leafOf(t: number, s: RowScratch): number {
    const {feature, threshold, left, right, defaultLeft} = this
    const {vals, mark, stamp} = s
    let n = this.roots[t]
    while (n >= 0) {
      const f = feature[n]
      let goLeft: boolean
      if (mark[f] === stamp) {
        const v = vals[f]
        goLeft = v === v ? v < threshold[n] : defaultLeft[n] === 1
      } else {
        goLeft = defaultLeft[n] === 1
      }
      n = goLeft ? left[n] : right[n]
    }
    return -1 - n
  }
}

export function checkColumns(X: CsrMatrix, nFeatures: number, algorithm: string): void {
  if (X.cols !== nFeatures) {
    throw new DataError(`${algorithm} model expects ${nFeatures} features but the matrix has ${X.cols}; featurize with the model's own vectorizer`)
  }
}

/** Sparse JSON form of per-feature gains: only features that were split on. */
export interface GainsJSON {
  features: number[]
  gains: number[]
}

export function gainsToJSON(gains: Float64Array): GainsJSON {
  const features: number[] = []
  const values: number[] = []
  for (let f = 0; f < gains.length; f++) {
    if (gains[f] !== 0) {
      features.push(f)
      values.push(gains[f])
    }
  }
  return {features, gains: values}
}

export function normalizedGains(gains: Float64Array): Float64Array {
  const out = gains.slice()
  let sum = 0
  for (const g of out) sum += g
  if (sum > 0) for (let f = 0; f < out.length; f++) out[f] /= sum
  return out
}
