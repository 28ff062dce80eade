import type {CsrMatrix} from '../../features/sparse.js'
import type {FeatureBins, SortedColumns} from './bins.js'
import {GradSplitFinder, type GradTreeOptions, type Histogram, type Split} from './grad-split.js'
import type {Rng} from './rng.js'
import {TreeBuilder, type Tree} from './tree.js'

export type {GradTreeOptions} from './grad-split.js'

export interface GradTreeResult {
  tree: Tree
  /** Leaf of each in-bag row (by row index), for the caller's margin update. */
  rowLeaf: Int32Array
}

interface GradNode {
  /** The node's rows are rows[start..end), its stored entries entries[es..ee) (sorted by bin). */
  start: number
  end: number
  es: number
  ee: number
  depth: number
  G: number
  H: number
  C: number
  /** Σ sample weight of the rows (gb's split score); C without sample weights. */
  W: number
  hist: Histogram | null
  /** undefined: not searched yet; null: no valid split. */
  split: Split | null | undefined
  left: GradNode | null
  right: GradNode | null
}

/**
 * Grows one regression tree on gradients and hessians, column-wise on the sparse entries.
 *
 * Each node owns its stored entries (bin, row) sorted by bin — the root takes the columns pre-sorted once per
 * fit, a split partitions them stably — so the node's histogram is one run-length pass over its entries:
 * (Σg, Σh, count) per non-empty bin, already in feature and value order, no sort and no empty bins. The rows
 * without a feature are the node total minus the feature's sums. The larger child's histogram is the parent's
 * minus the smaller child's (sibling subtraction) when the parent has under half as many bins as the child
 * has entries (few distinct values: counts, binary features); for TF-IDF, where nearly every entry is its
 * own bin, summing the child's entries is cheaper than the merge.
 *
 * `sampleWeight` (gb with class weights) adds a per-bin weight column and node weights for the split score;
 * without it no step does any per-row work for weights.
 */
export class GradTreeGrower {
  private readonly n: number
  private readonly pool: Histogram[] = []
  private readonly rowsTmp: Int32Array
  private readonly eBin: Int32Array
  private readonly eRow: Int32Array
  private readonly eBinTmp: Int32Array
  private readonly eRowTmp: Int32Array
  private readonly sideMark: Int32Array
  private readonly sideLeft: Uint8Array
  private sideStamp = 0
  private g: Float64Array = new Float64Array(0)
  private h: Float64Array = new Float64Array(0)
  private allowed: Uint8Array | null = null
  private rows: Int32Array = new Int32Array(0)
  private rng: Rng | null = null
  private readonly finder: GradSplitFinder

  constructor(
    X: CsrMatrix,
    private readonly bins: FeatureBins,
    private readonly cols: SortedColumns,
    private readonly opt: GradTreeOptions,
    private readonly sampleWeight: Float64Array | null = null,
  ) {
    this.n = X.rows
    const nnz = X.indptr[X.rows]
    this.rowsTmp = new Int32Array(this.n)
    this.eBin = new Int32Array(nnz)
    this.eRow = new Int32Array(nnz)
    this.eBinTmp = new Int32Array(nnz)
    this.eRowTmp = new Int32Array(nnz)
    this.sideMark = new Int32Array(this.n)
    this.sideLeft = new Uint8Array(this.n)
    this.finder = new GradSplitFinder(bins, opt)
  }

  /**
   * Grows a tree on rows[0..m) (reordered in place); `inBag` marks those rows. `leafValue(G, H)` turns a
   * leaf's gradient and hessian sums into its output; each kept split's gain is added to gains[feature].
   * With `rng`, features are visited in a random order per node (ties between equal gains broken at random).
   */
  grow(
    rows: Int32Array,
    m: number,
    inBag: Uint8Array,
    g: Float64Array,
    h: Float64Array,
    allowed: Uint8Array | null,
    leafValue: (G: number, H: number) => number,
    gains: Float64Array,
    rng: Rng | null,
  ): GradTreeResult {
    this.rows = rows
    this.rng = rng
    this.g = g
    this.h = h
    this.allowed = allowed
    let G = 0
    let H = 0
    for (let i = 0; i < m; i++) {
      G += g[rows[i]]
      H += h[rows[i]]
    }
    const ee = this.rootEntries(inBag, m === this.n)
    const root: GradNode = {start: 0, end: m, es: 0, ee, depth: 0, G, H, C: m, W: this.weightOf(0, m), hist: null, split: undefined, left: null, right: null}
    const stack: GradNode[] = [root]
    while (stack.length > 0) {
      const node = stack.pop()!
      if (this.canSplit(node) && node.split === undefined) {
        node.hist ??= this.aggregate(node.es, node.ee)
        node.split = this.search(node, node.hist)
      }
      if (!this.canSplit(node) || !node.split) {
        this.release(node)
        continue
      }
      const [left, right] = this.partition(node, node.split)
      node.left = left
      node.right = right
      this.prepareChildren(node, left, right)
      stack.push(right, left)
    }
    if (this.opt.gamma > 0) prune(root, this.opt.gamma)
    return this.emit(root, leafValue, gains)
  }

  /** The in-bag rows' entries, sorted by bin: the pre-sorted columns filtered. */
  private rootEntries(inBag: Uint8Array, all: boolean): number {
    const {rows: colRows, bins: colBins} = this.cols
    if (all) {
      this.eBin.set(colBins)
      this.eRow.set(colRows)
      return colRows.length
    }
    let k = 0
    for (let q = 0; q < colRows.length; q++) {
      if (inBag[colRows[q]]) {
        this.eBin[k] = colBins[q]
        this.eRow[k] = colRows[q]
        k++
      }
    }
    return k
  }

  private canSplit(node: GradNode): boolean {
    if (node.depth >= this.opt.maxDepth || node.C < 2) return false
    return this.opt.objective === 'gb' ? node.C >= 2 * this.opt.minChild : node.H >= 2 * this.opt.minChild
  }

  /**
   * Histograms for children that will be searched: the smaller one (by entries) from its entries, the larger
   * as parent − smaller when the parent has fewer bins than the larger child has entries.
   */
  private prepareChildren(parent: GradNode, left: GradNode, right: GradNode): void {
    const hist = parent.hist
    parent.hist = null
    if (!hist) return
    const [small, big] = left.ee - left.es <= right.ee - right.es ? [left, right] : [right, left]
    if (this.canSplit(big) && 2 * hist.n < big.ee - big.es) {
      small.hist = this.aggregate(small.es, small.ee)
      big.hist = this.subtract(hist, small.hist)
    }
    this.pool.push(hist)
  }

  private take(capacity: number): Histogram {
    for (let i = this.pool.length - 1; i >= 0; i--) {
      if (this.pool[i].bin.length >= capacity) {
        const hist = this.pool[i]
        this.pool[i] = this.pool[this.pool.length - 1]
        this.pool.pop()
        hist.n = 0
        return hist
      }
    }
    const size = Math.max(capacity, 64)
    const w = this.sampleWeight ? new Float64Array(size) : undefined
    return {bin: new Int32Array(size), g: new Float64Array(size), h: new Float64Array(size), c: new Float64Array(size), w, n: 0}
  }

  private release(node: GradNode): void {
    if (node.hist) this.pool.push(node.hist)
    node.hist = null
  }

  /** One pass over the node's entries (sorted by bin): a run of equal bins is one histogram bin. */
  private aggregate(es: number, ee: number): Histogram {
    const hist = this.take(Math.min(ee - es, this.bins.nBins)) // one bin per run at most
    const {bin, g: hg, h: hh, c: hc} = hist
    const {eBin, eRow, g, h} = this
    let n = -1
    let last = -1
    for (let i = es; i < ee; i++) {
      const b = eBin[i]
      const r = eRow[i]
      if (b !== last) {
        last = b
        n++
        bin[n] = b
        hg[n] = g[r]
        hh[n] = h[r]
        hc[n] = 1
      } else {
        hg[n] += g[r]
        hh[n] += h[r]
        hc[n] += 1
      }
    }
    hist.n = n + 1
    if (this.sampleWeight) this.addWeights(hist, es, ee)
    return hist
  }

  /** The weight column of `aggregate`'s histogram, in a second pass so the unweighted pass stays as it is. */
  private addWeights(hist: Histogram, es: number, ee: number): void {
    const hw = hist.w!
    const {eBin, eRow} = this
    const sw = this.sampleWeight!
    let n = -1
    let last = -1
    for (let i = es; i < ee; i++) {
      const b = eBin[i]
      if (b !== last) {
        last = b
        hw[++n] = 0
      }
      hw[n] += sw[eRow[i]]
    }
  }

  /** Σ sample weight of rows[start..end), or their count without weights. */
  private weightOf(start: number, end: number): number {
    const sw = this.sampleWeight
    if (!sw) return end - start
    let w = 0
    for (let i = start; i < end; i++) w += sw[this.rows[i]]
    return w
  }

  /** parent − child, bin by bin (the child's bins are a subset of the parent's); empty bins dropped. */
  private subtract(parent: Histogram, child: Histogram): Histogram {
    const out = this.take(parent.n)
    const {bin: pb, g: pg, h: ph, c: pc, w: pw} = parent
    const {bin: cb, g: cg, h: ch, c: cc, w: cw} = child
    const {bin: ob, g: og, h: oh, c: oc, w: ow} = out
    const childN = child.n
    let j = 0
    let n = 0
    for (let i = 0; i < parent.n; i++) {
      const b = pb[i]
      if (j < childN && cb[j] === b) {
        const c = pc[i] - cc[j]
        if (c > 0) {
          ob[n] = b
          og[n] = pg[i] - cg[j]
          oh[n] = ph[i] - ch[j]
          if (ow) ow[n] = pw![i] - cw![j]
          oc[n++] = c
        }
        j++
      } else {
        ob[n] = b
        og[n] = pg[i]
        oh[n] = ph[i]
        if (ow) ow[n] = pw![i]
        oc[n++] = pc[i]
      }
    }
    out.n = n
    return out
  }

  private search(node: GradNode, hist: Histogram): Split | null {
    return this.finder.find(node.G, node.H, node.C, node.W, hist, this.allowed, this.rng)
  }

  /**
   * Splits the node's rows and entries stably into the children. The side of each row comes from the split
   * feature's entries (a contiguous, bin-sorted block of the node's entries); rows without one take the default.
   */
  private partition(node: GradNode, split: Split): [GradNode, GradNode] {
    const {rows, rowsTmp, eBin, eRow, eBinTmp, eRowTmp, sideMark, sideLeft, g, h} = this
    const {feature: f, threshold, defaultLeft} = split
    const {binStart, binLo} = this.bins
    if (this.sideStamp === 0x7fffffff) {
      sideMark.fill(0)
      this.sideStamp = 0
    }
    const stamp = ++this.sideStamp
    for (let i = lowerBound(eBin, node.es, node.ee, binStart[f]), end = lowerBound(eBin, node.es, node.ee, binStart[f + 1]); i < end; i++) {
      sideMark[eRow[i]] = stamp
      sideLeft[eRow[i]] = binLo[eBin[i]] < threshold ? 1 : 0
    }
    const goesLeft = (r: number): boolean => (sideMark[r] === stamp ? sideLeft[r] === 1 : defaultLeft)
    let l = node.start
    let nr = 0
    let gl = 0
    let hl = 0
    for (let i = node.start; i < node.end; i++) {
      const r = rows[i]
      if (goesLeft(r)) {
        rows[l++] = r
        gl += g[r]
        hl += h[r]
      } else {
        rowsTmp[nr++] = r
      }
    }
    rows.set(rowsTmp.subarray(0, nr), l)
    let gr = 0
    let hr = 0
    for (let i = l; i < node.end; i++) {
      gr += g[rows[i]]
      hr += h[rows[i]]
    }
    let el = node.es
    let er = 0
    for (let i = node.es; i < node.ee; i++) {
      const r = eRow[i]
      if (goesLeft(r)) {
        eBin[el] = eBin[i]
        eRow[el++] = r
      } else {
        eBinTmp[er] = eBin[i]
        eRowTmp[er++] = r
      }
    }
    eBin.set(eBinTmp.subarray(0, er), el)
    eRow.set(eRowTmp.subarray(0, er), el)
    const depth = node.depth + 1
    const child = (start: number, end: number, es: number, ee: number, G: number, H: number): GradNode => ({
      start, end, es, ee, depth, G, H, C: end - start, W: this.weightOf(start, end), hist: null, split: undefined, left: null, right: null,
    })
    return [child(node.start, l, node.es, el, gl, hl), child(l, node.end, el, node.ee, gr, hr)]
  }

  /** The grown (and pruned) nodes as a Tree, in depth-first order, and each in-bag row's leaf. */
  private emit(root: GradNode, leafValue: (G: number, H: number) => number, gains: Float64Array): GradTreeResult {
    const rowLeaf = new Int32Array(this.n)
    const builder = new TreeBuilder(1)
    let leaves = 0
    const stack: Array<{node: GradNode; parent: number; isLeft: boolean}> = [{node: root, parent: -1, isLeft: false}]
    while (stack.length > 0) {
      const {node, parent, isLeft} = stack.pop()!
      if (node.left && node.right && node.split) {
        const s = node.split
        gains[s.feature] += s.gain
        const index = builder.addSplit(parent, isLeft, s.feature, s.threshold, s.defaultLeft)
        stack.push({node: node.right, parent: index, isLeft: false}, {node: node.left, parent: index, isLeft: true})
        continue
      }
      builder.addLeaf(parent, isLeft, [leafValue(node.G, node.H)])
      for (let i = node.start; i < node.end; i++) rowLeaf[this.rows[i]] = leaves
      leaves++
    }
    return {tree: builder.build(), rowLeaf}
  }
}

/** First index in a[from..to) (ascending) with a[i] ≥ value. */
function lowerBound(a: Int32Array, from: number, to: number, value: number): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (a[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * XGBoost's pruner: bottom-up, a split whose children are both leaves and whose gain is below gamma is
 * undone (so a weak split survives when a strong one grows under it).
 */
function prune(root: GradNode, gamma: number): void {
  const order: GradNode[] = []
  const stack = [root]
  while (stack.length > 0) {
    const node = stack.pop()!
    order.push(node)
    if (node.left && node.right) stack.push(node.left, node.right)
  }
  // Children come after their parent in `order`, so walking it backwards is bottom-up.
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]
    if (!node.left || !node.right) continue
    const leaves = !node.left.left && !node.right.left
    if (leaves && node.split && node.split.gain < gamma) {
      node.left = null
      node.right = null
    }
  }
}
