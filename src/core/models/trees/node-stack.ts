/** A node waiting to be split: its rows are rows[start..end) of the grower. */
export interface PendingNode {
  start: number
  end: number
  depth: number
  /** The label of the node's rows in the grower's row → node map (unique among pending nodes). */
  id: number
  /** The parent split's index in the tree being built (−1 for the root) and which child this is. */
  parent: number
  isLeft: boolean
  /** Stored entries in the node's rows. */
  nnz: number
}

/** Depth-first stack of pending nodes in typed arrays: text trees have thousands of nodes, none allocates. */
export class NodeStack {
  size = 0
  private ints = new Int32Array(64 * 7)
  private totals: Float64Array

  constructor(private readonly k: number) {
    this.totals = new Float64Array(64 * k)
  }

  push(node: PendingNode, total: Float64Array): void {
    if ((this.size + 1) * 7 > this.ints.length) {
      const ints = new Int32Array(this.ints.length * 2)
      ints.set(this.ints)
      this.ints = ints
      const totals = new Float64Array(this.totals.length * 2)
      totals.set(this.totals)
      this.totals = totals
    }
    const i = this.size * 7
    const a = this.ints
    a[i] = node.start
    a[i + 1] = node.end
    a[i + 2] = node.depth
    a[i + 3] = node.id
    a[i + 4] = node.parent
    a[i + 5] = node.isLeft ? 1 : 0
    a[i + 6] = node.nnz
    this.totals.set(total, this.size * this.k)
    this.size++
  }

  /** Pops into `node` and `total`. */
  pop(node: PendingNode, total: Float64Array): void {
    this.size--
    const i = this.size * 7
    const a = this.ints
    node.start = a[i]
    node.end = a[i + 1]
    node.depth = a[i + 2]
    node.id = a[i + 3]
    node.parent = a[i + 4]
    node.isLeft = a[i + 5] === 1
    node.nnz = a[i + 6]
    total.set(this.totals.subarray(this.size * this.k, (this.size + 1) * this.k))
  }
}
