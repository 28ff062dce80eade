import {thresholdBetween, type FeatureBins} from './bins.js'

/**
 * The best CART split of one forest node (Gini or entropy on weighted class counts) over the features
 * evaluated so far. Call `begin` per node, `evaluate` per candidate feature with its node entries.
 */
export class ClassSplitFinder {
  /** Class weights of the node being searched. */
  readonly total: Float64Array
  private readonly left: Float64Array
  private readonly zero: Float64Array
  private weights: Float64Array = new Float64Array(0)
  private size = 0
  bestProxy = 0
  bestFeature = -1
  bestLo = 0
  bestHi = 0
  /** Class weights and row count of the best split's left side. */
  readonly bestLeft: Float64Array
  bestLeftCount = 0

  constructor(
    private readonly bins: FeatureBins,
    private readonly y: Int32Array,
    private readonly k: number,
    private readonly criterion: 'gini' | 'entropy',
    private readonly minSamplesLeaf: number,
  ) {
    this.total = new Float64Array(k)
    this.left = new Float64Array(k)
    this.zero = new Float64Array(k)
    this.bestLeft = new Float64Array(k)
  }

  /** Starts a node with class weights `total`, `size` rows and the tree's row weights. */
  begin(total: Float64Array, size: number, weights: Float64Array): void {
    this.total.set(total)
    this.size = size
    this.weights = weights
    this.bestProxy = Number.NEGATIVE_INFINITY
    this.bestFeature = -1
  }

  /** The chosen threshold: between the values either side of the best boundary. */
  threshold(): number {
    return thresholdBetween(this.bestLo, this.bestHi)
  }

  /** Impurity decrease of the best split, in weighted rows. */
  gain(): number {
    return this.bestProxy - this.proxyOf(this.total, null)
  }

  /**
   * Evaluates every threshold of feature f in the node from its entries eBin/eRow[a..b) (sorted by bin);
   * the zero bucket (rows without an entry) sits where 0 falls among the values. Candidate thresholds lie
   * between adjacent non-empty buckets. Returns whether f is non-constant in the node.
   */
  evaluate(f: number, eBin: Int32Array, eRow: Int32Array, a: number, b: number): boolean {
    const {total, left, zero, k, y, size} = this
    const {binLo, binHi} = this.bins
    const w = this.weights
    const minLeaf = this.minSamplesLeaf
    for (let c = 0; c < k; c++) zero[c] = total[c]
    for (let i = a; i < b; i++) zero[y[eRow[i]]] -= w[eRow[i]]
    const zeroCount = size - (b - a)
    // The zero bucket goes before the first bin whose values reach 0, merged into it when the bin holds 0.
    let zeroAt = b
    while (zeroAt > a && binHi[eBin[zeroAt - 1]] >= 0) zeroAt--
    const zeroMerged = zeroAt < b && binLo[eBin[zeroAt]] <= 0
    let zeroPending = zeroCount > 0 && !zeroMerged
    if (eBin[a] === eBin[b - 1] && !zeroPending) return false // one bucket: constant in this node

    left.fill(0)
    let leftCount = 0
    let leftW = 0
    let lastHi = 0
    let i = a
    for (let first = true; ; first = false) {
      const isZero = zeroPending && i === zeroAt
      if (!isZero && i >= b) break
      if (!first && leftCount >= minLeaf && size - leftCount >= minLeaf) {
        const proxy = this.proxyOf(left, leftW)
        if (proxy > this.bestProxy) {
          this.bestProxy = proxy
          this.bestFeature = f
          this.bestLo = lastHi
          this.bestHi = isZero ? 0 : binLo[eBin[i]]
          this.bestLeft.set(left)
          this.bestLeftCount = leftCount
        }
      }
      if (isZero || (zeroMerged && i === zeroAt)) {
        for (let c = 0; c < k; c++) {
          left[c] += zero[c]
          leftW += zero[c]
        }
        leftCount += zeroCount
        zeroPending = false
        lastHi = 0
        if (isZero) continue
      }
      const bin = eBin[i]
      for (; i < b && eBin[i] === bin; i++) {
        const r = eRow[i]
        left[y[r]] += w[r]
        leftW += w[r]
        leftCount++
      }
      lastHi = binHi[bin]
    }
    return true
  }

  /** Split quality of `left` and total − left (higher is better); `leftW = null` scores the node itself. */
  private proxyOf(left: Float64Array, leftW: number | null): number {
    const {total, k} = this
    let totalW = 0
    for (let c = 0; c < k; c++) totalW += total[c]
    if (leftW === null) return this.criterion === 'gini' ? sumSquares(total, totalW) : sumPLogP(total, totalW)
    const rightW = totalW - leftW
    let l = 0
    let r = 0
    if (this.criterion === 'gini') {
      for (let c = 0; c < k; c++) {
        l += left[c] * left[c]
        const rc = total[c] - left[c]
        r += rc * rc
      }
      return l / leftW + r / rightW
    }
    for (let c = 0; c < k; c++) {
      if (left[c] > 0) l += left[c] * Math.log(left[c] / leftW)
      const rc = total[c] - left[c]
      if (rc > 0) r += rc * Math.log(rc / rightW)
    }
    return l + r
  }
}

function sumSquares(v: Float64Array, w: number): number {
  let s = 0
  for (const x of v) s += x * x
  return s / w
}

function sumPLogP(v: Float64Array, w: number): number {
  let s = 0
  for (const x of v) if (x > 0) s += x * Math.log(x / w)
  return s
}
