import type {CsrMatrix} from '../../features/sparse.js'
import type {FeatureBins, SortedColumns} from './bins.js'
import {ClassSplitFinder} from './class-split.js'
import type {Rng} from './rng.js'
import {NodeStack, type PendingNode} from './node-stack.js'
import {TreeBuilder, type Tree} from './tree.js'

export interface ForestTreeOptions {
  /** 0 = unlimited. */
  maxDepth: number
  minSamplesLeaf: number
  /** Features drawn per node (scikit-learn's max_features, resolved to a count). */
  mtry: number
  criterion: 'gini' | 'entropy'
}

export interface ForestData {
  X: CsrMatrix
  y: Int32Array
  nClasses: number
  bins: FeatureBins
  cols: SortedColumns
}

/**
 * Grows one classification tree of a random forest on sparse rows (CART, Gini or entropy, exact thresholds).
 *
 * Feature sampling follows scikit-learn: draw features without replacement until `mtry` were visited and at
 * least one of them is not constant in the node. Two equivalent ways to do it, picked per node by cost:
 *  - large nodes draw features one by one and read each drawn column (sorted by value) filtered to the node's
 *    rows: cost ≈ mtry × column length, independent of the node size;
 *  - small nodes first list the features present in their rows (cost = the node's non-zeros); every absent
 *    feature is constant zero, so the number of present features among the first mtry draws is
 *    hypergeometric: draw that count, then pick that many present features uniformly.
 * A feature's zero entries are never stored: their class weights are the node total minus the stored sum.
 */
export class ForestTreeGrower {
  private readonly n: number
  private readonly nF: number
  private readonly k: number
  private readonly colNnzMean: number
  private readonly rows: Int32Array
  private readonly tmp: Int32Array
  private readonly nodeOf: Int32Array
  private readonly posOf: Int32Array
  private readonly rowMark: Int32Array
  private readonly perm: Int32Array
  private readonly featMark: Int32Array
  private readonly featCount: Int32Array
  private readonly featSlot: Int32Array
  private readonly present: Int32Array
  private readonly slotStart: Int32Array
  private readonly slotFill: Int32Array
  private readonly eBin: Int32Array
  private readonly eRow: Int32Array
  private readonly keys: Float64Array
  private readonly total: Float64Array
  private stamp = 0
  private readonly rightTotal: Float64Array
  private rowStamp = 0
  private readonly finder: ClassSplitFinder
  /** Set by partition: whether the left child's rows were relabelled with the new id. */
  private leftIsNew = false

  constructor(private readonly data: ForestData, private readonly opt: ForestTreeOptions) {
    const {X, nClasses} = data
    this.n = X.rows
    this.nF = X.cols
    this.k = nClasses
    const nnz = X.indptr[X.rows]
    this.colNnzMean = nnz / Math.max(1, X.cols)
    this.rows = new Int32Array(this.n)
    this.tmp = new Int32Array(this.n)
    this.nodeOf = new Int32Array(this.n)
    this.posOf = new Int32Array(this.n)
    this.rowMark = new Int32Array(this.n)
    this.rightTotal = new Float64Array(nClasses)
    this.perm = Int32Array.from({length: this.nF}, (_, i) => i)
    this.featMark = new Int32Array(this.nF)
    this.featCount = new Int32Array(this.nF)
    this.featSlot = new Int32Array(this.nF)
    this.present = new Int32Array(this.nF)
    this.slotStart = new Int32Array(this.nF + 1)
    this.slotFill = new Int32Array(this.nF)
    this.eBin = new Int32Array(nnz)
    this.eRow = new Int32Array(nnz)
    this.keys = new Float64Array(nnz)
    this.total = new Float64Array(nClasses)
    this.finder = new ClassSplitFinder(data.bins, data.y, nClasses, opt.criterion, opt.minSamplesLeaf)
  }

  /**
   * Grows a tree on the rows with weight > 0 (bootstrap counts, times the class weight) and adds each split's impurity decrease
   * (in weighted samples) to `gains[feature]`. Leaf values are the weighted class counts.
   *
   * Text trees are deep and lopsided (a split on a rare word peels a few rows off a big node), so no step
   * walks all of a node's rows: class totals come from the parent's split search, and a split moves only the
   * rows of the smaller, non-zero side (see `partition`).
   */
  grow(weights: Float64Array, rng: Rng, gains: Float64Array): Tree {
    const {rows, nodeOf, posOf, n, k} = this
    const {y, X} = this.data
    const rootTotal = this.total
    rootTotal.fill(0)
    let m = 0
    let rootNnz = 0
    for (let r = 0; r < n; r++) {
      if (weights[r] > 0) {
        posOf[r] = m
        rows[m++] = r
        nodeOf[r] = 0
        rootTotal[y[r]] += weights[r]
        rootNnz += X.indptr[r + 1] - X.indptr[r]
      } else {
        nodeOf[r] = -1
      }
    }
    const builder = new TreeBuilder(k)
    const stack = new NodeStack(k)
    const node: PendingNode = {start: 0, end: m, depth: 0, id: 0, parent: -1, isLeft: false, nnz: rootNnz}
    stack.push(node, rootTotal)
    let nextId = 1
    const {total, rightTotal, finder} = this
    const {bestLeft} = finder
    while (stack.size > 0) {
      stack.pop(node, total)
      let classes = 0
      for (let c = 0; c < k; c++) if (total[c] > 0) classes++
      const size = node.end - node.start
      const stop = classes < 2 || size < 2 * this.opt.minSamplesLeaf || (this.opt.maxDepth > 0 && node.depth >= this.opt.maxDepth)
      if (stop || !this.findSplit(node, size, weights, rng)) {
        builder.addLeaf(node.parent, node.isLeft, total)
        continue
      }
      const f = finder.bestFeature
      const threshold = finder.threshold()
      const defaultLeft = 0 < threshold
      gains[f] += finder.gain()
      const index = builder.addSplit(node.parent, node.isLeft, f, threshold, defaultLeft)
      const leftSize = finder.bestLeftCount
      const leftNnz = this.partition(node, f, threshold, defaultLeft, leftSize, nextId)
      // One child keeps the node's id (its rows need no relabelling), the other (smaller) one gets nextId.
      const leftId = this.leftIsNew ? nextId : node.id
      const rightId = this.leftIsNew ? node.id : nextId
      nextId++
      for (let c = 0; c < k; c++) rightTotal[c] = total[c] - bestLeft[c]
      const {start, nnz} = node
      const mid = start + leftSize
      node.depth++
      node.parent = index
      node.start = mid
      node.id = rightId
      node.isLeft = false
      node.nnz = nnz - leftNnz
      stack.push(node, rightTotal)
      node.start = start
      node.end = mid
      node.id = leftId
      node.isLeft = true
      node.nnz = leftNnz
      stack.push(node, bestLeft)
    }
    return builder.build()
  }

  private findSplit(node: PendingNode, size: number, weights: Float64Array, rng: Rng): boolean {
    this.finder.begin(this.total, size, weights)
    const drawCost = this.opt.mtry * this.colNnzMean
    if (drawCost < 2 * node.nnz) this.searchByDrawing(node.id, rng)
    else this.searchPresent(node, rng)
    return this.finder.bestFeature >= 0
  }

  /** Large nodes: draw features one at a time and filter each sorted column to the node's rows. */
  private searchByDrawing(id: number, rng: Rng): void {
    const {perm, nF, nodeOf, eBin, eRow} = this
    const {colStart, rows: colRows, bins: colBins} = this.data.cols
    let visited = 0
    let found = 0
    for (let i = 0; i < nF && (visited < this.opt.mtry || found === 0); i++) {
      const j = i + rng.nextInt(nF - i)
      const f = perm[j]
      perm[j] = perm[i]
      perm[i] = f
      visited++
      let m = 0
      for (let q = colStart[f]; q < colStart[f + 1]; q++) {
        const r = colRows[q]
        if (nodeOf[r] === id) {
          eBin[m] = colBins[q]
          eRow[m] = r
          m++
        }
      }
      if (m > 0 && this.finder.evaluate(f, eBin, eRow, 0, m)) found++
    }
  }

  /** Small nodes: list the features present in the node's rows and sample among them (see class comment). */
  private searchPresent(node: PendingNode, rng: Rng): void {
    const {X} = this.data
    const {rows, featMark, featCount, present, nF} = this
    const s = this.nextStamp()
    let p = 0
    for (let i = node.start; i < node.end; i++) {
      const r = rows[i]
      for (let q = X.indptr[r]; q < X.indptr[r + 1]; q++) {
        const f = X.indices[q]
        if (featMark[f] !== s) {
          featMark[f] = s
          featCount[f] = 0
          present[p++] = f
        }
        featCount[f]++
      }
    }
    if (p === 0) return // every row of the node is empty: nothing to split on
    // How many of the first mtry draws (without replacement, from all nF features) hit a present feature.
    const draws = Math.min(this.opt.mtry, nF)
    let h = 0
    for (let i = 0; i < draws && h < p; i++) if (rng.nextFloat() * (nF - i) < p - h) h++
    if (h === 0) h = 1 // scikit-learn keeps drawing until one feature is not constant
    shuffleHead(present, 0, h, p, rng)
    const found = this.evaluatePresent(node, 0, h)
    // All drawn features constant in this node: keep going through the rest in random order, as scikit-learn does.
    if (found === 0 && h < p) {
      shuffleHead(present, h, p, p, rng)
      this.evaluatePresent(node, h, p, true)
    }
  }

  /** Gathers the node's entries of present[from..to) and evaluates them in that order. */
  private evaluatePresent(node: PendingNode, from: number, to: number, untilFound = false): number {
    const {X} = this.data
    const {rows, featMark, featCount, featSlot, present, slotStart, eBin, eRow} = this
    const s = this.nextStamp()
    slotStart[0] = 0
    for (let i = from; i < to; i++) {
      const f = present[i]
      featMark[f] = s
      featSlot[f] = i - from
      slotStart[i - from + 1] = slotStart[i - from] + featCount[f]
    }
    const fill = this.slotFill
    for (let i = 0; i < to - from; i++) fill[i] = slotStart[i]
    const entryBin = this.data.bins.entryBin
    for (let i = node.start; i < node.end; i++) {
      const r = rows[i]
      for (let q = X.indptr[r]; q < X.indptr[r + 1]; q++) {
        const f = X.indices[q]
        if (featMark[f] === s) {
          const at = fill[featSlot[f]]++
          eBin[at] = entryBin[q]
          eRow[at] = r
        }
      }
    }
    let found = 0
    for (let i = from; i < to; i++) {
      const a = slotStart[i - from]
      const b = slotStart[i - from + 1]
      this.sortEntries(a, b)
      if (this.finder.evaluate(present[i], eBin, eRow, a, b)) {
        found++
        if (untilFound) break
      }
    }
    return found
  }

  /** Sorts eBin/eRow[a..b) by (bin, row); entries arrive in row order. */
  private sortEntries(a: number, b: number): void {
    const {eBin, eRow} = this
    if (b - a <= 24) {
      for (let i = a + 1; i < b; i++) {
        const bi = eBin[i]
        const ri = eRow[i]
        let j = i - 1
        while (j >= a && eBin[j] > bi) {
          eBin[j + 1] = eBin[j]
          eRow[j + 1] = eRow[j]
          j--
        }
        eBin[j + 1] = bi
        eRow[j + 1] = ri
      }
      return
    }
    const n = this.n
    const keys = this.keys.subarray(a, b)
    let minBin = eBin[a]
    for (let i = a; i < b; i++) if (eBin[i] < minBin) minBin = eBin[i]
    for (let i = a; i < b; i++) keys[i - a] = (eBin[i] - minBin) * n + eRow[i]
    keys.sort()
    for (let i = a; i < b; i++) {
      const key = keys[i - a]
      const local = Math.floor(key / n)
      eBin[i] = local + minBin
      eRow[i] = key - local * n
    }
  }

  /**
   * Rearranges rows[start..end) into the left child's rows (the first `leftSize`) and the right child's, and
   * relabels the smaller child's rows in nodeOf. Rows without feature f (zero) all go to the default side,
   * so when the other side is small only its rows, read from f's column, are swapped into place: O(side)
   * instead of O(node). Returns the left child's stored-entry count.
   */
  private partition(node: PendingNode, f: number, threshold: number, defaultLeft: boolean, leftSize: number, newId: number): number {
    const {rows, posOf, nodeOf, rowMark} = this
    const {indptr} = this.data.X
    const {start, end} = node
    const size = end - start
    const movedSize = defaultLeft ? size - leftSize : leftSize // the side rows without f do not go to
    const {colStart, rows: colRows, bins: colBins} = this.data.cols
    const colLength = colStart[f + 1] - colStart[f]
    if (2 * movedSize <= size && colLength <= 8 * size) {
      const stamp = this.nextRowStamp()
      const moved = this.tmp
      let count = 0
      const binLo = this.data.bins.binLo
      for (let q = colStart[f]; q < colStart[f + 1]; q++) {
        const r = colRows[q]
        if (nodeOf[r] === node.id && binLo[colBins[q]] < threshold !== defaultLeft) {
          moved[count++] = r
          rowMark[r] = stamp
        }
      }
      // Swap the moved rows into their block (tail if they go right, head if left), pairing each misplaced
      // moved row with an unmoved row that sits inside the block.
      const blockStart = defaultLeft ? end - count : start
      const blockEnd = blockStart + count
      let j = blockStart
      let movedNnz = 0
      for (let i = 0; i < count; i++) {
        const r = moved[i]
        movedNnz += indptr[r + 1] - indptr[r]
        nodeOf[r] = newId
        const at = posOf[r]
        if (at >= blockStart && at < blockEnd) continue
        while (rowMark[rows[j]] === stamp) j++
        const other = rows[j]
        rows[at] = other
        posOf[other] = at
        rows[j] = r
        posOf[r] = j
        j++
      }
      this.leftIsNew = !defaultLeft
      return defaultLeft ? node.nnz - movedNnz : movedNnz
    }
    // Both sides large: one stable pass over the node's rows.
    const {indices, data} = this.data.X
    const {tmp} = this
    const leftIsNew = leftSize < size - leftSize
    this.leftIsNew = leftIsNew
    let l = start
    let rCount = 0
    let leftNnz = 0
    for (let i = start; i < end; i++) {
      const r = rows[i]
      const v = rowValue(indptr, indices, data, r, f)
      const goLeft = v === undefined || v !== v ? defaultLeft : v < threshold
      if (goLeft) {
        rows[l++] = r
        leftNnz += indptr[r + 1] - indptr[r]
        if (leftIsNew) nodeOf[r] = newId
      } else {
        tmp[rCount++] = r
        if (!leftIsNew) nodeOf[r] = newId
      }
    }
    rows.set(tmp.subarray(0, rCount), l)
    for (let i = start; i < end; i++) posOf[rows[i]] = i
    return leftNnz
  }

  private nextRowStamp(): number {
    if (this.rowStamp === 0x7fffffff) {
      this.rowMark.fill(0)
      this.rowStamp = 0
    }
    return ++this.rowStamp
  }

  private nextStamp(): number {
    if (this.stamp === 0x7fffffff) {
      this.featMark.fill(0)
      this.stamp = 0
    }
    return ++this.stamp
  }
}

/** Value of feature f in CSR row r (binary search of the row's sorted columns), undefined when not stored. */
export function rowValue(indptr: Int32Array, indices: Int32Array, data: Float64Array, r: number, f: number): number | undefined {
  let a = indptr[r]
  let b = indptr[r + 1] - 1
  while (a <= b) {
    const m = (a + b) >> 1
    const c = indices[m]
    if (c === f) return data[m]
    if (c < f) a = m + 1
    else b = m - 1
  }
  return undefined
}

/** Partial Fisher-Yates: a[from..to) becomes a uniform random ordered sample of a[from..n). */
function shuffleHead(a: Int32Array, from: number, to: number, n: number, rng: Rng): void {
  for (let i = from; i < to; i++) {
    const j = i + rng.nextInt(n - i)
    const t = a[j]
    a[j] = a[i]
    a[i] = t
  }
}
