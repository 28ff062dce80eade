import type {CsrMatrix} from '../../features/sparse.js'

/**
 * Value bins of the stored (non-zero) entries of each feature. Split search works on bins instead of raw
 * values: a node's statistics are summed per bin, candidate thresholds lie between the node's adjacent
 * non-empty bins, and the zero/absent entries are never stored: they are "node total minus stored sum".
 *
 * Bins of one feature are consecutive global indices, ascending by value. With `maxBin = Infinity` every
 * distinct value has its own bin (exact splits, as scikit-learn); otherwise values are grouped into at most
 * `maxBin` quantile bins (XGBoost's hist method).
 */
export interface FeatureBins {
  readonly nFeatures: number
  readonly nBins: number
  /** Feature f's bins are [binStart[f], binStart[f + 1]). */
  readonly binStart: Int32Array
  /** The feature of each global bin. */
  readonly binFeature: Int32Array
  /** Smallest and largest training value in each bin. */
  readonly binLo: Float64Array
  readonly binHi: Float64Array
  /** Global bin of every stored entry of the training matrix, aligned with X.indices / X.data. */
  readonly entryBin: Int32Array
}

export function buildBins(X: CsrMatrix, maxBin: number): FeatureBins {
  const nF = X.cols
  const nnz = X.indptr[X.rows]
  // Column-major copy of the values, then each column sorted.
  const colStart = new Int32Array(nF + 1)
  for (let p = 0; p < nnz; p++) colStart[X.indices[p] + 1]++
  for (let f = 0; f < nF; f++) colStart[f + 1] += colStart[f]
  const fill = colStart.slice(0, nF)
  const colVals = new Float64Array(nnz)
  for (let p = 0; p < nnz; p++) colVals[fill[X.indices[p]]++] = X.data[p]

  const binStart = new Int32Array(nF + 1)
  const lo: number[] = []
  const hi: number[] = []
  const feat: number[] = []
  for (let f = 0; f < nF; f++) {
    const vals = colVals.subarray(colStart[f], colStart[f + 1]).sort()
    const k = vals.length
    let lastBin = -1
    for (let i = 0; i < k; i++) {
      if (i > 0 && vals[i] === vals[i - 1]) continue
      // A distinct value opens a new bin when it falls in a new quantile slot (always, for exact bins).
      const slot = k <= maxBin ? i : Math.floor((i * maxBin) / k)
      if (slot !== lastBin) {
        lastBin = slot
        lo.push(vals[i])
        hi.push(vals[i])
        feat.push(f)
      } else {
        hi[hi.length - 1] = vals[i]
      }
    }
    binStart[f + 1] = lo.length
  }

  const binHi = Float64Array.from(hi)
  const entryBin = new Int32Array(nnz)
  for (let p = 0; p < nnz; p++) {
    const f = X.indices[p]
    const v = X.data[p]
    // First bin of f whose largest value is ≥ v.
    let a = binStart[f]
    let b = binStart[f + 1] - 1
    while (a < b) {
      const m = (a + b) >> 1
      if (binHi[m] < v) a = m + 1
      else b = m
    }
    entryBin[p] = a
  }
  return {nFeatures: nF, nBins: lo.length, binStart, binFeature: Int32Array.from(feat), binLo: Float64Array.from(lo), binHi, entryBin}
}

/**
 * Stored entries grouped by feature and sorted by bin (then row): a node's entries of one feature come out
 * already in value order when the column is filtered by node membership. Used by the random forest.
 */
export interface SortedColumns {
  /** Feature f's entries are [colStart[f], colStart[f + 1]). */
  readonly colStart: Int32Array
  readonly rows: Int32Array
  readonly bins: Int32Array
}

export function sortColumnsByBin(X: CsrMatrix, bins: FeatureBins): SortedColumns {
  const nnz = X.indptr[X.rows]
  const start = new Int32Array(bins.nBins + 1)
  for (let p = 0; p < nnz; p++) start[bins.entryBin[p] + 1]++
  for (let b = 0; b < bins.nBins; b++) start[b + 1] += start[b]
  const colStart = new Int32Array(bins.nFeatures + 1)
  for (let f = 0; f <= bins.nFeatures; f++) colStart[f] = start[bins.binStart[f]]
  const next = start.slice(0, bins.nBins)
  const rows = new Int32Array(nnz)
  const binOf = new Int32Array(nnz)
  for (let r = 0; r < X.rows; r++) {
    for (let p = X.indptr[r]; p < X.indptr[r + 1]; p++) {
      const b = bins.entryBin[p]
      const q = next[b]++
      rows[q] = r
      binOf[q] = b
    }
  }
  return {colStart, rows, bins: binOf}
}

/**
 * A split threshold t with a < t ≤ b (routing: value < t goes left): the midpoint, as scikit-learn, rounded
 * to the fewest significant digits that keep it within 1% of the gap from the exact midpoint. Training
 * decisions are unchanged, unseen values are routed as by the midpoint, and the trees stay short in JSON.
 */
export function thresholdBetween(a: number, b: number): number {
  const mid = a + (b - a) / 2
  const tolerance = (b - a) / 100
  for (let digits = 1; digits <= 17; digits++) {
    const t = Number(mid.toPrecision(digits))
    if (t > a && t <= b && Math.abs(t - mid) <= tolerance) return t
  }
  return mid > a ? mid : b
}
